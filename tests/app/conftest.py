"""Database fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

Each pytest-xdist worker gets its own PostgreSQL schema, so parallel workers never see each
other's tables. Without a reachable PostgreSQL server its tests are skipped, except under CI
(the ``CI`` environment variable), where a missing database must fail loudly.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from databases import postgresql_schema, reachable_postgresql
from sqlalchemy import text

import schemas
from formbuilder.database import Database
from formbuilder.models import Base, FormVersion
from formbuilder.services import publishing

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    """The test server's URL, once it has answered."""
    return reachable_postgresql()


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
