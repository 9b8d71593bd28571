"""One home for the database: the engine, sessions, migrations and the SQLite tuning they need.

SQLite is the embedded default and PostgreSQL the production database; the code above this
module must not care which one it talks to, so the differences are settled here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from formbuilder.models import Base

DEFAULT_URL = "sqlite:///instance/formbuilder.db"
MIGRATIONS = "formbuilder:migrations"

# Waiting writers queue for up to this long before SQLite reports the database as locked.
SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """An engine and its sessions for one database URL (the app passes
    ``FORMBUILDER_DATABASE_URL`` from its config; without one, a file under ``instance/``).

    ``schema`` (PostgreSQL only) puts every table in that schema through the connection's
    ``search_path``: one server can then hold several cities, or several parallel test runs.
    """

    def __init__(self, url: str | URL | None = None, *, schema: str | None = None,
                 **engine_options: Any) -> None:
        self.url = _normalise(make_url(url or DEFAULT_URL))
        self.schema = schema
        dialect = self.url.get_backend_name()
        if schema is not None:
            if dialect != "postgresql":
                raise ValueError("A schema can only be chosen on PostgreSQL.")
            engine_options["connect_args"] = {**engine_options.get("connect_args", {}),
                                              "options": f"-csearch_path={_identifier(schema)}"}
        if dialect == "sqlite":
            _create_folder(self.url)
        self.engine: Engine = create_engine(self.url, **engine_options)
        if dialect == "sqlite":
            _tune_sqlite(self.engine)
        # Objects stay readable after the ``with db.session()`` block that loaded them ends.
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED", postgresql_readonly=True),
            expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """A transaction: committed when the block ends normally, rolled back on any error.

        On SQLite a normal session takes the write lock at BEGIN, so concurrent writers queue
        instead of failing halfway through. Pages that only read should ask for
        ``readonly=True``: such sessions never block writers and are never committed.
        """
        factory = self._readers if readonly else self._sessions
        with factory() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            if readonly:
                session.rollback()
            else:
                session.commit()

    def upgrade(self, revision: str = "head") -> None:
        """Bring the tables up to ``revision`` (creating them in an empty database)."""
        if self.schema is not None:
            with self.engine.begin() as connection:
                connection.execute(
                    text(f"CREATE SCHEMA IF NOT EXISTS {_identifier(self.schema)}"))
        self._migrate(command.upgrade, revision)

    def downgrade(self, revision: str) -> None:
        """Undo migrations down to ``revision`` (``"base"`` drops every table)."""
        self._migrate(command.downgrade, revision)

    def revision(self) -> str | None:
        """The migration the database is at; ``None`` for an empty database."""
        from alembic.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def new_migration(self, message: str) -> None:
        """Write a migration for whatever the models have that this (up-to-date) database lacks.

        For developers: there is no alembic.ini, so this is how ``alembic revision
        --autogenerate`` is run.
        """
        self._migrate(command.revision, message=message, autogenerate=True)

    def dispose(self) -> None:
        self.engine.dispose()

    def _migrate(self, action: Any, *args: Any, **kwargs: Any) -> None:
        """Run an Alembic command on one of our connections, without an alembic.ini.

        SQLite's foreign keys are switched off meanwhile: a migration that rebuilds a table
        (Alembic's batch mode) drops the old one, which with foreign keys on would cascade
        into other tables and delete their rows.
        """
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            on_sqlite = self.dialect == "sqlite"
            if on_sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    config = Config()
                    config.set_main_option("script_location", MIGRATIONS)
                    config.attributes["connection"] = connection
                    action(config, *args, **kwargs)
                    if on_sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"The migration broke foreign keys: {broken}")
            finally:
                if on_sqlite and raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")


def insert_or_ignore(session: Session, model: type[Base], **values: Any) -> None:
    """Insert a row unless one with the same key exists, without failing the transaction.

    A plain INSERT that hits a duplicate would abort the whole PostgreSQL transaction; ON
    CONFLICT DO NOTHING lets two requests race to create the same row safely.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(model).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(model).values(**values).on_conflict_do_nothing())
    else:
        raise NotImplementedError(f"formbuilder does not support {dialect} databases")


def _normalise(url: URL) -> URL:
    """``postgresql://`` and ``postgres://`` mean the psycopg 3 driver that is installed."""
    if url.drivername in ("postgres", "postgresql"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"{name!r} is not a plain schema name (letters, digits, underscores)")
    return name


def _create_folder(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: Engine) -> None:
    """WAL so readers never block the writer, enforced foreign keys, and BEGIN IMMEDIATE.

    SQLAlchemy's documented recipe for pysqlite: take BEGIN away from the driver and emit our
    own. A deferred transaction that reads and then writes cannot wait for the lock (SQLite
    fails it at once to avoid a deadlock); one that takes the lock at BEGIN simply queues.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")
