"""Test-only job kinds, importable by a real ``formbuilder worker`` through
``FORMBUILDER_EXTRA_HANDLER_MODULES=job_handlers`` (with tests/support on the path).

``test.record`` writes a row for every run (in its own committed transaction, before it
finishes, the way a handler that sends something is seen from outside), then optionally
sleeps and fails as its payload says, so tests can count runs and repeats exactly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, select

from formbuilder.database import Database
from formbuilder.jobs import JobContext, Refused, Retry, handler

metadata = MetaData()
runs = Table(
    "test_job_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker", String(200), nullable=False),
    Column("label", String(200)),
)


def empty_runs_table(database: Database) -> None:
    """Create the table if needed and empty it (a PostgreSQL test schema lives on)."""
    metadata.create_all(database.engine)
    with database.engine.begin() as connection:
        connection.execute(runs.delete())


def job_runs(database: Database) -> list[Any]:
    with database.engine.connect() as connection:
        return list(connection.execute(select(runs).order_by(runs.c.id)).all())


@handler("test.record")
def record(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    with ctx.db.session() as session:
        session.execute(runs.insert().values(
            job_id=ctx.job_id, attempt=ctx.attempt, worker=f"{os.getpid()}",
            label=payload.get("label")))
    if payload.get("sleep"):
        time.sleep(float(payload["sleep"]))
    failure = payload.get("fail")
    if failure and ctx.attempt <= int(payload.get("fail_times", 1_000_000)):
        if failure == "retry":
            raise Retry("The test server said: try later")
        if failure == "retry-after":
            raise Retry("The test server said: in five minutes", after=timedelta(minutes=5))
        if failure == "refuse":
            raise Refused("The address <b>x</b> has a line break in it")
        raise RuntimeError("Something unexpected broke")
