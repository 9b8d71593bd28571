"""The job kinds ``bench/jobs.py`` pushes through real workers (imported by them through
``FORMBUILDER_EXTRA_HANDLER_MODULES=bench._job_handlers``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table

from formbuilder.jobs import JobContext, handler

metadata = MetaData()
writes = Table("bench_job_writes", metadata,
               Column("id", Integer, primary_key=True, autoincrement=True),
               Column("job_id", Integer, nullable=False),
               Column("note", String(200)))


@handler("bench.noop")
def noop(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    """Nothing: what the queue itself costs per job."""


@handler("bench.write")
def write(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    """One small insert in its own transaction, like a handler that records a delivery."""
    with ctx.db.session() as session:
        session.execute(writes.insert().values(job_id=ctx.job_id, note=payload.get("note")))
