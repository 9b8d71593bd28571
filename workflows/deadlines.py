"""Due times: when a running step becomes overdue, and when it escalates.

A step with ``due`` is overdue one period after it started and escalates to ``escalate_to`` a
second period later. Each happens once per run of the step, as one record written by a
periodic job; a step started again after a return for changes gets a fresh period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import schemas
from workflows.records import SYSTEM, Record
from workflows.replay import aware, step_of, walk


def due_records(form: schemas.Form, history: Sequence[Record], now: datetime) -> list[Record]:
    """The ``overdue`` and ``escalated`` records due by ``now`` and not yet written.

    A time exactly at the due moment counts as reached. When the job ran late and both are due,
    both are returned, ``overdue`` first.
    """
    progress = walk(history)
    run = progress.run
    if not form.routing or progress.outcome != "open" or run is None:
        return []
    step = step_of(form, run.step)
    if step is None or step.due is None:
        return []
    now = aware(now)
    due_at = aware(run.started.at) + step.due
    found: list[Record] = []
    if now >= due_at and run.overdue is None:
        found.append(Record("overdue", SYSTEM, now, {"step": run.step}))
    if step.escalate_to and now >= due_at + step.due and run.escalated is None:
        found.append(Record("escalated", SYSTEM, now, {"step": run.step, "to": step.escalate_to}))
    return found


def next_deadline(form: schemas.Form, history: Sequence[Record]) -> datetime | None:
    """When :func:`due_records` will next have something to return, or ``None`` if never.

    Lets a caller index open work by this moment instead of asking every submission.
    """
    progress = walk(history)
    run = progress.run
    if not form.routing or progress.outcome != "open" or run is None:
        return None
    step = step_of(form, run.step)
    if step is None or step.due is None:
        return None
    due_at = aware(run.started.at) + step.due
    if run.overdue is None:
        return due_at
    if step.escalate_to and run.escalated is None:
        return due_at + step.due
    return None
