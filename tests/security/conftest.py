"""A live formbuilder on 127.0.0.1 for replaying attacks with a real HTTP client.

Every test here speaks HTTP to a real server (werkzeug's threaded server, as ``formbuilder
serve`` runs it) over a real socket, with a cookie jar per "browser": what a hostile tester
can do from outside is what these tests do. The database is migrated, runs on SQLite and
PostgreSQL, and holds the pothole report example plus a form whose upload question declares
no file type.

Fixtures
    backend_db    a migrated, empty database (``sqlite`` / ``postgresql`` in the test id).
    live_config   extra ``create_app`` settings; override or extend it in a test module.
    live          the running app: ``live.url``, ``live.app``, ``live.db``, ``live.browser()``
                  for a new browser (cookie jar), ``live.mail()`` for the emails kept on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from databases import (
    empty_database,
    migrated_sqlite_file,
    postgresql_database,
    reachable_postgresql,
)
from live_site import Live, app_settings, make_server, publish_forms

from formbuilder.app import create_app
from formbuilder.database import Database

# --- databases ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_file(tmp_path_factory.mktemp("security-sqlite") / "template.db")


@pytest.fixture(scope="session")
def _postgresql_database() -> Iterator[Database]:
    with postgresql_database(reachable_postgresql()) as database:
        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database with no rows, on each backend in turn."""
    with empty_database(request, tmp_path) as database:
        yield database


# --- the live app --------------------------------------------------------------------------


@pytest.fixture
def live_config() -> dict[str, Any]:
    """Settings a test module adds to the app's (override this fixture)."""
    return {}


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """``serve(app) -> base URL``: a server on a free port, stopped after the test."""
    servers: list[Any] = []

    def start(app: Any) -> str:
        server = make_server(app)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live(backend_db: Database, tmp_path: Path, live_config: dict[str, Any],
         serve: Callable[[Any], str]) -> Live:
    """The app on a real socket, with the pothole report and the evidence form published."""
    from staff import fast_hashing

    fast_hashing()
    publish_forms(backend_db)
    app = create_app(app_settings(backend_db, tmp_path, **live_config))
    return Live(serve(app), app, backend_db, tmp_path / "mail")
