"""Work that recurs (overdue checks, purges), run by the same workers as every other job.

There is no scheduler process: each recurring kind has one job per period, keyed
``"{kind}:{slot}"`` where the slot is the start of the period. Workers enqueue the current
slot's job as they poll, and a finished run enqueues the next slot's, both idempotently, so
however many workers run, each slot runs once, and after a pause only the current slot runs
(no backlog of missed runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from formbuilder.jobs.context import JobContext
from formbuilder.jobs.queue import enqueue
from formbuilder.jobs.registry import handler
from formbuilder.models import Job

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Recurring:
    kind: str
    every: timedelta
    max_attempts: int = 3


SCHEDULE: dict[str, Recurring] = {
    "routing.overdue": Recurring("routing.overdue", timedelta(minutes=15)),
    # The handler is formbuilder.services.retention's; it is only scheduled here.
    "retention.purge": Recurring("retention.purge", timedelta(days=1)),
    "jobs.cleanup": Recurring("jobs.cleanup", timedelta(days=1)),
}
# Done jobs are kept this long (their keys keep a repeated enqueue a no-op meanwhile);
# parked ones stay until an admin retries them.
KEEP_DONE = timedelta(days=30)


def slot(every: timedelta, now: datetime) -> datetime:
    """The start of the period of length ``every`` that holds ``now`` (periods count from
    2000-01-01 UTC, so daily slots start at midnight UTC)."""
    return EPOCH + every * ((now - EPOCH) // every)


def slot_key(kind: str, start: datetime) -> str:
    return f"{kind}:{start.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"


def schedule(session: Session, now: datetime) -> None:
    """Make sure the current slot of every recurring kind has its job (idempotent)."""
    for recurring in SCHEDULE.values():
        start = slot(recurring.every, now)
        enqueue(session, recurring.kind, {"slot": start.isoformat()},
                key=slot_key(recurring.kind, start), run_at=start,
                max_attempts=recurring.max_attempts)


def schedule_next(session: Session, kind: str, now: datetime) -> None:
    """After a run of ``kind``, the next slot's job, so one is always waiting."""
    recurring = SCHEDULE.get(kind)
    if recurring is None:
        return
    start = slot(recurring.every, now) + recurring.every
    enqueue(session, kind, {"slot": start.isoformat()}, key=slot_key(kind, start),
            run_at=start, max_attempts=recurring.max_attempts)


@handler("routing.overdue")
def check_overdue(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    """Flag approval steps past their due time and escalate them."""
    from formbuilder.services import routing

    with ctx.db.session() as session:
        routing.check_overdue(session, ctx.now())


@handler("jobs.cleanup")
def clean_up(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    """Delete jobs done more than :data:`KEEP_DONE` ago, so the table holds what matters."""
    with ctx.db.session() as session:
        session.execute(delete(Job).where(Job.state == "done",
                                          Job.finished_at < ctx.now() - KEEP_DONE))
