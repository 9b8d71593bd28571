"""The app, its database and its people, shared by the tests of the web layer (flaskr style).

Every test that touches the database runs on SQLite and on PostgreSQL. Each pytest-xdist
worker gets its own PostgreSQL schema, so parallel workers never see each other's tables.
Without a reachable PostgreSQL server its tests are skipped, except under CI (the ``CI``
environment variable), where a missing database must fail loudly.

Fixtures
    db / empty_db     a migrated, empty database / one without tables, on each backend.
    app_config        settings a module adds to the app's (override it: ``{"NOW": clock}``).
    published_forms   the forms ``app`` publishes before the test: none unless a module
                      overrides it (``example_forms.every_example().values()`` for all examples,
                      read once per process).
    app / client      the app on ``db`` and a test client (a browser with a cookie jar).
    staff             ``staff.sign_in(email)`` through the real sign-in page, on ``client``.
    make_form / publish_form   a small valid form, built or published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from databases import (
    empty_database,
    migrated_sqlite_file,
    postgresql_database,
    reachable_postgresql,
)
from form_definitions import form_definition
from staff import make_app

import schemas
from formbuilder.database import Database
from formbuilder.models import FormVersion
from formbuilder.services import publishing

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    """The test server's URL, once it has answered."""
    return reachable_postgresql()


@pytest.fixture(scope="session")
def _postgresql_database(postgresql_url: str) -> Iterator[Database]:
    """This worker's migrated schema, shared by its tests and emptied before each."""
    with postgresql_database(postgresql_url) as database:
        yield database


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy, which is faster than migrating again."""
    return migrated_sqlite_file(tmp_path_factory.mktemp("sqlite") / "template.db")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database with no rows, on each backend in turn."""
    with empty_database(request, tmp_path) as database:
        yield database


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database without any tables, for the migrations themselves."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield database
        database.dispose()
        return
    with postgresql_database(request.getfixturevalue("postgresql_url"),
                             migrated=False) as database:
        yield database


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
def app_config() -> dict[str, Any]:
    """Settings this module's app gets besides the test defaults; override to add some."""
    return {}


@pytest.fixture
def published_forms() -> Iterable[schemas.Form]:
    """The forms ``app`` publishes before the test; override to publish some."""
    return ()


@pytest.fixture
def app(db: Database, tmp_path: Path, app_config: dict[str, Any],
        published_forms: Iterable[schemas.Form]) -> Any:
    """The app on this test's database, with ``published_forms`` published."""
    app = make_app(db, tmp_path, **app_config)
    with db.session() as session:
        for form in published_forms:
            publishing.publish(session, form)
    return app


@pytest.fixture
def client(app: Any) -> Any:
    """A test client: one browser, with its own cookie jar."""
    return app.test_client()


@pytest.fixture
def staff(client: Any) -> Any:
    """A staff member at this test's browser (``client``): ``staff.sign_in(email)``."""
    from staff import StaffActions

    return StaffActions(client)
