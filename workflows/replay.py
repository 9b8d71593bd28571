"""Replaying a submission's history into its current state.

The history is folded record by record, in the order it was appended. A record that does not
fit the state it meets (a decision on a step that is not running, a kind the engine does not
know such as ``submitted`` or ``viewed``, data of the wrong shape) changes nothing, so replay
never raises: a page showing a submission must always be drawable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import schemas
from schemas import Localized
from workflows.records import Record, State, Task

Outcome = Literal["open", "completed", "rejected", "returned"]


@dataclass
class Run:
    """One run of one step, from its ``step_started`` record to now."""

    step: int
    roles: tuple[str, ...]
    started: Record
    approvals: dict[str, Record] = field(default_factory=dict)
    claims: dict[str, Record] = field(default_factory=dict)
    overdue: Record | None = None
    escalated: Record | None = None

    @property
    def waiting_on(self) -> tuple[str, ...]:
        return tuple(role for role in self.roles if role not in self.approvals)


@dataclass
class Progress:
    """Everything the fold learns; ``State`` is its public summary."""

    run: Run | None = None
    outcome: Outcome = "completed"
    closing: Record | None = None
    decisions: list[Record] = field(default_factory=list)
    started_steps: set[int] = field(default_factory=set)
    office: dict[int, dict[str, Any]] = field(default_factory=dict)


def aware(moment: datetime) -> datetime:
    """Times are UTC; a naive time (as some drivers return) is read as UTC, not refused."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def walk(history: Sequence[Record]) -> Progress:
    progress = Progress()
    for record in history:
        data = record.data if isinstance(record.data, Mapping) else {}
        handler = _HANDLERS.get(record.kind)
        if handler is not None:
            handler(progress, record, data)
    return progress


def replay(form: schemas.Form, history: Sequence[Record], now: datetime) -> State:
    """The submission's state from its history.

    ``now`` is the moment the state is read at. The state itself depends on the records only:
    overdue and escalation take effect through the records ``due_records`` writes, so that
    what someone was allowed to do can always be explained from the history.
    """
    del now  # part of the contract; see the docstring
    return summary(form, walk(history))


def summary(form: schemas.Form, progress: Progress) -> State:
    decisions = tuple(progress.decisions)
    office = {step: dict(values) for step, values in progress.office.items()}
    run = progress.run
    if not form.routing:
        return State("received", None, (), decisions, office)
    if run is None or progress.outcome == "completed":
        # No step ran (every `when` failed) or the last step that ran was approved.
        return State("approved", None, (), decisions, office)
    if progress.outcome == "rejected":
        return State("rejected", None, (), decisions, office)
    if progress.outcome == "returned":
        return State("returned", run.step, (), decisions, office)
    return State("in_review", run.step, _tasks(form, run), decisions, office)


def step_of(form: schemas.Form, index: int) -> schemas.Step | None:
    return form.routing[index] if 0 <= index < len(form.routing) else None


def step_name(form: schemas.Form, index: int) -> Localized:
    step = step_of(form, index)
    return step.name if step is not None and step.name.default else Localized(f"Step {index + 1}")


def _tasks(form: schemas.Form, run: Run) -> tuple[Task, ...]:
    step = step_of(form, run.step)
    started_at = aware(run.started.at)
    due_at = started_at + step.due if step is not None and step.due else None
    escalated_to = run.escalated.data.get("to") if run.escalated is not None else None
    return tuple(
        Task(step=run.step, name=step_name(form, run.step), role=role, started_at=started_at,
             due_at=due_at, overdue=run.overdue is not None,
             escalated_to=escalated_to if isinstance(escalated_to, str) else None,
             claimed_by=claim.actor if (claim := run.claims.get(role)) else None)
        for role in run.waiting_on)


# --- One handler per kind ---------------------------------------------------------------------


def _open_run(progress: Progress, data: Mapping[str, Any]) -> Run | None:
    """The running step the record is about, if it is about the running step."""
    run = progress.run
    if progress.outcome == "open" and run is not None and data.get("step") == run.step:
        return run
    return None


def _role_of(run: Run, data: Mapping[str, Any]) -> str | None:
    role = data.get("role")
    return role if isinstance(role, str) and role in run.waiting_on else None


def _step_started(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    step, roles = data.get("step"), data.get("roles")
    if progress.outcome == "rejected" or not isinstance(step, int) or isinstance(step, bool):
        return
    if not isinstance(roles, list | tuple) or not roles \
            or not all(isinstance(role, str) for role in roles):
        return
    progress.run = Run(step=step, roles=tuple(dict.fromkeys(roles)), started=record)
    progress.outcome = "open"
    progress.closing = None
    progress.started_steps.add(step)


def _approved(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    run = _open_run(progress, data)
    role = _role_of(run, data) if run else None
    if run is None or role is None:
        return
    run.approvals[role] = record
    run.claims.pop(role, None)
    progress.decisions.append(record)
    _entered(progress, run.step, data)
    if not run.waiting_on:
        progress.outcome = "completed"


def _closed(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    """``rejected`` or ``returned``: one such decision ends the step for every role."""
    run = _open_run(progress, data)
    if run is None or _role_of(run, data) is None:
        return
    progress.decisions.append(record)
    progress.outcome = "rejected" if record.kind == "rejected" else "returned"
    progress.closing = record
    _entered(progress, run.step, data)


def _entered(progress: Progress, step: int, data: Mapping[str, Any]) -> None:
    """A decision's own fields become the step's current values; blank ones leave the
    values entered before (a return may leave the fields blank)."""
    values = data.get("fields")
    if isinstance(values, Mapping) and values:
        progress.office[step] = dict(values)


def _corrected(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    """A correction replaces a decided step's values; the old ones stay in the history.

    One that clears every value leaves the step as if nothing had been entered, the same
    state a decision without values gives, so the office values never hold an empty entry.
    """
    step, values = data.get("step"), data.get("fields")
    if isinstance(step, int) and not isinstance(step, bool) and isinstance(values, Mapping) \
            and any(r.data.get("step") == step for r in progress.decisions):
        if values:
            progress.office[step] = dict(values)
        else:
            progress.office.pop(step, None)


def _claimed(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    run = _open_run(progress, data)
    role = _role_of(run, data) if run else None
    if run is not None and role is not None and role not in run.claims:
        run.claims[role] = record


def _released(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    run = _open_run(progress, data)
    role = _role_of(run, data) if run else None
    if run is not None and role is not None and role in run.claims \
            and same_person(run.claims[role].actor, record.actor):
        del run.claims[role]


def _overdue(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    run = _open_run(progress, data)
    if run is not None and run.overdue is None:
        run.overdue = record


def _escalated(progress: Progress, record: Record, data: Mapping[str, Any]) -> None:
    run = _open_run(progress, data)
    if run is not None and run.escalated is None and isinstance(data.get("to"), str):
        run.escalated = record


def same_person(one: str, other: str) -> bool:
    """Email addresses are compared without regard to letter case."""
    return one.casefold() == other.casefold()


_HANDLERS = {
    "step_started": _step_started,
    "approved": _approved,
    "rejected": _closed,
    "returned": _closed,
    "claimed": _claimed,
    "released": _released,
    "overdue": _overdue,
    "escalated": _escalated,
    "corrected": _corrected,
    # `resubmitted` changes nothing by itself: the `step_started` written with it reopens
    # the step. `submitted` and `viewed` are the caller's.
}
