"""The PostgreSQL test server, shared by the fixtures of tests/app and tests/load.

Without a reachable server its tests are skipped, except when ``CI`` is set, where a missing
database must fail loudly. Each user gets a uniquely named schema, so parallel pytest-xdist
workers never see each other's tables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy
from sqlalchemy import text

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
