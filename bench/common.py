"""Helpers several benchmarks share: a throwaway PostgreSQL schema, a free loopback port,
waiting with a deadline, and reading a value out of a page. Kept here rather than copied, so a
fix (a schema left behind, a wait that never ends) is made once."""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from formbuilder.database import Database

POSTGRESQL_URL = os.environ.get("FORMBUILDER_TEST_POSTGRESQL_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@contextmanager
def postgresql_database(name: str) -> Iterator[Database]:
    """The engine's tables, migrated, in a new schema ``bench_<name>_<random>`` on the test
    server; the schema is dropped when the block ends, however it ends, so that runs (and a
    test suite on the same server) never see each other's rows."""
    database = Database(POSTGRESQL_URL, schema=f"bench_{name}_{secrets.token_hex(4)}")
    try:
        database.upgrade()
        yield database
    finally:
        database.dispose()
        engine = create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {database.schema} CASCADE"))
        engine.dispose()


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready: Callable[[], bool], limit: float, every: float = 0.01) -> bool:
    """Poll ``ready`` until it is true (``True``) or ``limit`` seconds have passed (``False``):
    a server or worker that never comes must not hang a benchmark run; the caller says what
    went wrong."""
    deadline = time.monotonic() + limit
    while not ready():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def found(pattern: re.Pattern[str], body: str, what: str) -> str:
    """The first group of ``pattern`` in a page; ``RuntimeError`` with the page's start if it
    is not there (a changed page should fail loudly, not be measured)."""
    match = pattern.search(body)
    if match is None:
        raise RuntimeError(f"{what} not found in the page:\n{body[:1500]}")
    return match.group(1)
