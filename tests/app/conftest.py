"""Database fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

Each pytest-xdist worker gets its own PostgreSQL schema, so parallel workers never see each
other's tables. Without a reachable PostgreSQL server its tests are skipped, except under CI
(the ``CI`` environment variable), where a missing database must fail loudly.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

import schemas
from formbuilder.database import Database
from formbuilder.models import Base, FormVersion
from formbuilder.services import publishing

POSTGRESQL_URL = os.environ.get("FORMBUILDER_TEST_POSTGRESQL_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    """The test server's URL, once it has answered."""
    engine = sqlalchemy.create_engine(POSTGRESQL_URL, connect_args={"connect_timeout": 5})
    unreachable = None
    try:
        engine.connect().close()
    except sqlalchemy.exc.OperationalError as error:
        unreachable = str(error.orig or error).strip().splitlines()[0]
    finally:
        engine.dispose()
    if unreachable:
        message = (f"PostgreSQL is not reachable at {POSTGRESQL_URL} ({unreachable}). "
                   "Start it, or point FORMBUILDER_TEST_POSTGRESQL_URL at a server.")
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return POSTGRESQL_URL


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


@pytest.fixture(scope="session")
def _postgresql_database(postgresql_url: str) -> Iterator[Database]:
    """This worker's migrated schema, shared by its tests and emptied before each."""
    with postgresql_schema(postgresql_url) as schema:
        database = Database(postgresql_url, schema=schema)
        database.upgrade()
        yield database
        database.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy, which is faster than migrating again."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database with no rows, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "formbuilder.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    database = request.getfixturevalue("_postgresql_database")
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database without any tables, for the migrations themselves."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield database
        database.dispose()
        return
    url = request.getfixturevalue("postgresql_url")
    with postgresql_schema(url) as schema:
        database = Database(url, schema=schema)
        yield database
        database.dispose()


def form_definition(form_id: str = "pothole-report", prefix: str = "PW",
                    **extra: Any) -> dict[str, Any]:
    """A small valid form definition; ``extra`` keys are added at the top level."""
    return {
        "id": form_id,
        "title": "Report a pothole",
        "department": "Public Works",
        "reference_prefix": prefix,
        "schema": {
            "type": "object",
            "required": ["location"],
            "properties": {
                "location": {"type": "string", "title": "Where is it?"},
                "photo": {"type": "string", "format": "file", "title": "Photo",
                          "contentMediaType": "image/jpeg, image/png"},
            },
        },
        **extra,
    }


@pytest.fixture
def make_form() -> Callable[..., schemas.Form]:
    """Build a checked form from :func:`form_definition`'s arguments."""

    def make(form_id: str = "pothole-report", prefix: str = "PW", **extra: Any) -> schemas.Form:
        return schemas.load_definition(form_definition(form_id, prefix, **extra))

    return make


@pytest.fixture
def publish_form(db: Database, make_form: Callable[..., schemas.Form]
                 ) -> Callable[..., FormVersion]:
    """Publish a form built by ``make_form``; returns its version."""

    def publish(form_id: str = "pothole-report", prefix: str = "PW",
                **extra: Any) -> FormVersion:
        with db.session() as session:
            version, _ = publishing.publish(session, make_form(form_id, prefix, **extra),
                                            by="clerk@example.gov")
        return version

    return publish


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """Cheap argon2 parameters for every account the tests make (see tests/support/staff.py)."""
    from staff import fast_hashing

    fast_hashing()


@pytest.fixture
def staff(client: Any) -> Any:
    """A staff member at this test's browser (``client``): ``staff.sign_in(email)``."""
    from staff import StaffActions

    return StaffActions(client)
