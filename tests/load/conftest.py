"""A migrated database on each backend, with a connection pool as large as the module's
``THREADS``, so every thread of a load test holds a connection of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from databases import postgresql_schema, reachable_postgresql

from formbuilder.database import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    threads = getattr(request.module, "THREADS", 8)
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'load.db'}", pool_size=threads, max_overflow=0)
        db.upgrade()
        yield db
        db.dispose()
        return
    url = reachable_postgresql()
    with postgresql_schema(url) as schema:
        db = Database(url, schema=schema, pool_size=threads, max_overflow=0)
        try:
            db.upgrade()
            yield db
        finally:
            db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database for worker processes, which reach it by URL alone (a PostgreSQL schema
    through libpq's ``options``); the test upgrades it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.db'}"
        return
    url = reachable_postgresql()
    with postgresql_schema(url) as schema:
        yield f"{url}?options={quote(f'-csearch_path={schema}')}"
