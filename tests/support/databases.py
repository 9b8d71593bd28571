"""The test databases, shared by the fixtures of tests/app, tests/security, tests/browser and
tests/load.

Without a reachable PostgreSQL server its tests are skipped, except when ``CI`` is set, where a
missing database must fail loudly. Each user gets a uniquely named schema, so parallel
pytest-xdist workers never see each other's tables.

A test that wants a migrated database with no rows gets one from :func:`empty_database`: on
SQLite a copy of a file migrated once per session (:func:`migrated_sqlite_file`), which is
faster than migrating again; on PostgreSQL a schema migrated once per session
(:func:`postgresql_database`), its tables emptied before each test.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import text

from formbuilder.database import Database
from formbuilder.models import Base

POSTGRESQL_URL = os.environ.get("FORMBUILDER_TEST_POSTGRESQL_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def reachable_postgresql(url: str = POSTGRESQL_URL) -> str:
    """``url`` once the server has answered; otherwise skip the test (fail it under CI)."""
    engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 5})
    unreachable = None
    try:
        engine.connect().close()
    except sqlalchemy.exc.OperationalError as error:
        unreachable = str(error.orig or error).strip().splitlines()[0]
    finally:
        engine.dispose()
    if unreachable:
        message = (f"PostgreSQL is not reachable at {url} ({unreachable}). "
                   "Start it, or point FORMBUILDER_TEST_POSTGRESQL_URL at a server.")
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


@contextmanager
def postgresql_schema(url: str) -> Iterator[str]:
    """A new, uniquely named schema for the lifetime of the block."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"t_{worker}_{secrets.token_hex(4)}"
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {name}"))
        yield name
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        engine.dispose()


@contextmanager
def postgresql_database(url: str, *, migrated: bool = True) -> Iterator[Database]:
    """A database in a schema of its own for the lifetime of the block, migrated unless
    ``migrated`` is False (for the migrations themselves)."""
    with postgresql_schema(url) as schema:
        database = Database(url, schema=schema)
        try:
            if migrated:
                database.upgrade()
            yield database
        finally:
            database.dispose()


def migrated_sqlite_file(path: Path) -> Path:
    """``path``, a new SQLite file migrated and closed: a template for :func:`sqlite_copy`."""
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()  # the last connection to close folds the WAL into the file
    return path


@contextmanager
def sqlite_copy(template: Path, path: Path) -> Iterator[Database]:
    """The database in a copy of ``template`` at ``path``, for the lifetime of the block."""
    shutil.copyfile(template, path)
    database = Database(f"sqlite:///{path}")
    try:
        yield database
    finally:
        database.dispose()


def emptied(database: Database) -> Database:
    """``database`` with the rows of every table deleted and its sequences restarted."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return database


@contextmanager
def empty_database(request: pytest.FixtureRequest, tmp_path: Path, *,
                   sqlite_template: str = "_sqlite_template",
                   postgresql: str = "_postgresql_database") -> Iterator[Database]:
    """A migrated database with no rows on the backend the fixture's parameter names
    (``"sqlite"`` or ``"postgresql"``): a copy of the file the ``sqlite_template`` fixture
    migrated, or the ``postgresql`` fixture's database, emptied."""
    if request.param == "sqlite":
        with sqlite_copy(request.getfixturevalue(sqlite_template),
                         tmp_path / "formbuilder.db") as database:
            yield database
        return
    yield emptied(request.getfixturevalue(postgresql))
