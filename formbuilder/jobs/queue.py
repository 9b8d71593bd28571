"""The ``jobs`` table's rules: enqueue in the caller's transaction, claim with a lease, finish
only while the lease is still ours, back off, park, and let an admin retry.

Every function takes a session and leaves the commit to its caller, except that the worker
(``formbuilder.jobs.worker``) commits a claim before it runs any handler: a handler never runs
inside the transaction that claimed it, so a slow handler holds no lock, and a worker that
dies mid-job leaves a lease that expires instead of a half-done transaction.
"""

from __future__ import annotations

import json
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, and_, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from formbuilder.database import insert_or_ignore
from formbuilder.logs import REQUEST_ID
from formbuilder.models import Job, utcnow

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
ERROR_LENGTH = 2000
KEY_LENGTH = 255


class JobError(ValueError):
    """A job that cannot be enqueued as asked (a programming error, said plainly)."""


def enqueue(session: Session, kind: str, payload: Mapping[str, Any], *, key: str | None = None,
            run_at: datetime | None = None, max_attempts: int = 8) -> None:
    """Add a job to the outbox in the caller's transaction: it exists once that commits.

    With ``key``, a job of the same key enqueued before (whatever its state) makes this a
    no-op, so callers may enqueue idempotently, and two racing transactions add one job.
    Inside a web request, the payload also gets the request's id (``request_id``).
    """
    if not kind or len(kind) > 100:
        raise JobError(f"A job kind is 1 to 100 characters, not {kind!r}")
    if key is not None and not 0 < len(key) <= KEY_LENGTH:
        raise JobError(f"A job key is 1 to {KEY_LENGTH} characters, not {len(key)}")
    if max_attempts < 1:
        raise JobError("A job needs at least one attempt")
    if run_at is not None and run_at.tzinfo is None:
        raise JobError(f"run_at {run_at!r} has no time zone; use datetime.now(UTC)")
    document = dict(payload)
    request_id = REQUEST_ID.get()
    if request_id is not None:  # the request's id follows its work into the job's log lines
        document.setdefault("request_id", request_id)
    try:
        json.dumps(document)
    except (TypeError, ValueError) as error:
        raise JobError(f"The payload of a {kind} job must be JSON: {error}") from error
    now = utcnow()
    values = {"kind": kind, "payload": document, "key": key, "state": "queued", "attempts": 0,
              "max_attempts": max_attempts, "run_at": run_at or now, "created_at": now}
    if key is None:
        session.execute(insert(Job).values(**values))
    else:
        insert_or_ignore(session, Job, **values)


@dataclass(frozen=True)
class Claimed:
    """A job a worker holds, copied out of the session that claimed it."""

    id: int
    kind: str
    payload: dict[str, Any]
    key: str | None
    attempt: int
    max_attempts: int


def due(now: datetime) -> Any:
    """Queued jobs whose time has come, and running ones whose worker lost its lease."""
    return or_(and_(Job.state == "queued", Job.run_at <= now),
               and_(Job.state == "running", Job.lease_until <= now))


def claim(session: Session, worker: str, now: datetime, *, lease: timedelta,
          limit: int = 10) -> list[Claimed]:
    """Take up to ``limit`` due jobs for ``worker`` until ``now + lease``.

    PostgreSQL skips rows another worker is claiming (``FOR UPDATE SKIP LOCKED``), so workers
    on many machines never take one job twice; SQLite's BEGIN IMMEDIATE serialises claims.
    A job whose lease ran out after its last attempt (a worker killed each time, say by a
    job that exhausts memory) is parked here rather than tried forever.
    """
    rows = session.scalars(
        select(Job).where(due(now)).order_by(Job.run_at, Job.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    claimed = []
    for job in rows:
        if job.state == "running" and job.attempts >= job.max_attempts:
            job.state, job.finished_at, job.locked_by, job.lease_until = \
                "parked", now, None, None
            job.last_error = (f"The worker running attempt {job.attempts} stopped before it "
                              f"finished ({job.last_error or 'no error was reported'})")[
                                  :ERROR_LENGTH]
            continue
        if job.state == "running":
            job.last_error = f"The worker {job.locked_by} stopped during attempt {job.attempts}"
        job.state, job.locked_by, job.lease_until = "running", worker, now + lease
        job.attempts += 1
        claimed.append(Claimed(job.id, job.kind, dict(job.payload), job.key, job.attempts,
                               job.max_attempts))
    session.flush()
    return claimed


def renew(session: Session, worker: str, job_ids: Collection[int], until: datetime) -> int:
    """Extend the lease of the jobs ``worker`` holds (its heartbeat); returns how many."""
    if not job_ids:
        return 0
    return _changed(session, update(Job).where(
        Job.id.in_(sorted(job_ids)), Job.state == "running", Job.locked_by == worker)
        .values(lease_until=until))


def backoff(attempt: int, rng: random.Random | None = None) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour after the attempt-th failure, with ±20% jitter
    so jobs that failed together (a mail server down) do not all come back at one moment."""
    base = min(BACKOFF_FIRST * 2 ** max(attempt - 1, 0), BACKOFF_CAP)
    jittered = base * (rng or random).uniform(0.8, 1.2)
    return min(jittered, BACKOFF_CAP)


def _changed(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE touched: the session runs DML through a cursor, which the
    stubs type as a plain ``Result``."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount or 0


def _held(job_id: int, worker: str) -> Any:
    return and_(Job.id == job_id, Job.state == "running", Job.locked_by == worker)


def complete(session: Session, job_id: int, worker: str, now: datetime) -> bool:
    """Mark the job done, if ``worker`` still holds it; False if another took it over."""
    changed = _changed(session, update(Job).where(_held(job_id, worker)).values(
        state="done", finished_at=now, lease_until=None, locked_by=None))
    return bool(changed)


def requeue(session: Session, job_id: int, worker: str, run_at: datetime, error: str) -> bool:
    """Put the job back in the queue for ``run_at`` after a temporary failure."""
    changed = _changed(session, update(Job).where(_held(job_id, worker)).values(
        state="queued", run_at=run_at, lease_until=None, locked_by=None,
        last_error=error[:ERROR_LENGTH]))
    return bool(changed)


def park(session: Session, job_id: int, worker: str, now: datetime, error: str) -> bool:
    """Stop trying the job: it waits, with its reason, for an admin's retry."""
    changed = _changed(session, update(Job).where(_held(job_id, worker)).values(
        state="parked", finished_at=now, lease_until=None, locked_by=None,
        last_error=error[:ERROR_LENGTH]))
    return bool(changed)


def retry(session: Session, job_id: int, now: datetime) -> bool:
    """An admin's Retry: a parked or failing job runs again soon, with all its attempts.

    The last error is kept so the page still says why it had stopped. Jobs that are running
    or done are left alone (False).
    """
    changed = _changed(session, update(Job).where(
        Job.id == job_id, Job.state.in_(("parked", "queued"))).values(
        state="queued", attempts=0, run_at=now, finished_at=None, lease_until=None,
        locked_by=None))
    return bool(changed)


def troubled(session: Session, *, limit: int = 200) -> Sequence[Job]:
    """Parked jobs and queued ones that have failed at least once, newest trouble first."""
    return session.scalars(
        select(Job).where(or_(Job.state == "parked",
                              and_(Job.state == "queued", Job.attempts > 0)))
        .order_by(Job.id.desc()).limit(limit)).all()


def counts(session: Session) -> dict[str, int]:
    """How many jobs are in each state."""
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {state: count for state, count in rows}


def depth(session: Session, now: datetime) -> list[tuple[str, str, int, float]]:
    """Per kind and state (queued, running, parked): how many jobs, and how many seconds the
    oldest one that is due has waited (0 when none is due yet), for ``/metrics``."""
    due_since = func.min(case((Job.run_at <= now, Job.run_at)))
    rows = session.execute(
        select(Job.kind, Job.state, func.count(), due_since)
        .where(Job.state.in_(("queued", "running", "parked")))
        .group_by(Job.kind, Job.state)).all()
    return [(kind, state, count, (now - oldest).total_seconds() if oldest else 0.0)
            for kind, state, count, oldest in rows]
