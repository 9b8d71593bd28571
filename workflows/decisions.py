"""What people can do to a submission in review, as records to append.

Each function reads the history, checks that the action is allowed now, and returns the records
that say it happened; it stores nothing. A refusal is a ``DecisionError`` whose message tells a
clerk what happened and what to do instead.

Claims are advisory: a claim shows colleagues who is handling a task, but does not stop another
holder of the role from deciding it, so work never waits on someone who is away.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import schemas
from workflows.records import (
    DECISION_KINDS,
    RESIDENT,
    SYSTEM,
    Decision,
    DecisionError,
    Record,
    State,
    Task,
)
from workflows.replay import Progress, aware, same_person, step_name, step_of, summary, walk

_DECIDED = {"approved": "approved", "rejected": "rejected", "returned": "returned for changes"}
_VERB = {"approve": "approving", "reject": "rejecting", "return": "returning"}


def may_act(task: Task, actor: str, roles: Collection[str]) -> bool:
    """Whether someone holding ``roles`` and signed in as ``actor`` may act on ``task``.

    They may when they hold the task's role, or are the staff email it is assigned to, or the
    same for the role or email the task escalated to.
    """
    return _holds(task.role, actor, roles) or (
        task.escalated_to is not None and _holds(task.escalated_to, actor, roles))


def start(form: schemas.Form, answers: Mapping[str, Any], history: Sequence[Record],
          now: datetime) -> list[Record]:
    """The first step's ``step_started``, for a submission just stored.

    Nothing when the form has no routing or when routing has already started (a retried
    submit). When every step's ``when`` fails, the submission is approved as it stands, and
    that is written as a system ``approved`` record without a ``step``: the caller's status,
    the decision email, webhooks and /track all follow records, so approving by replay alone
    (with nothing appended) left the stored status "received" and told nobody.
    """
    if not form.routing or any(record.kind == "step_started" or _approved_unrouted(record)
                               for record in history):
        return []
    return _next_step(form, form.facts(answers), after=-1, now=now) or [
        Record("approved", SYSTEM, aware(now), {"skipped": True})]


def _approved_unrouted(record: Record) -> bool:
    """The record :func:`start` writes when no step applies to the answers."""
    return record.kind == "approved" and isinstance(record.data, Mapping) \
        and record.data.get("skipped") is True


def decide(form: schemas.Form, answers: Mapping[str, Any], history: Sequence[Record], *,
           actor: str, roles: Collection[str], step: int, role: str, decision: Decision,
           comment: str | None, now: datetime,
           fields: Mapping[str, Any] | None = None) -> list[Record]:
    """``actor``'s decision on the task (``step``, ``role``), and the next step if it starts.

    Approving the last open role of a step starts the next step whose ``when`` holds on
    ``answers`` and on what the steps so far entered in their own ``fields``; when none is
    left the submission is approved. Rejecting or returning ends the step for every role at
    once. ``fields`` (JSON values) are what the approver entered in the step's fields:
    approving needs its ``required_to_approve``; they are kept in the decision's record.
    """
    kind = DECISION_KINDS.get(decision)
    if kind is None:
        raise DecisionError("unknown_decision", "Choose approve, reject or return for changes; "
                            f"“{decision}” is not a decision.")
    progress = walk(history)
    state = summary(form, progress)
    task = _open_task(form, progress, state, step, role)
    name = task.name.default
    if not may_act(task, actor, roles):
        raise DecisionError("not_allowed", f"You cannot decide “{name}”: "
                            f"{_who_may(task)} can.")
    text = (comment or "").strip() or None
    if kind != "approved" and text is None:
        raise DecisionError("comment_required",
                            f"Write a comment to say why you are {_VERB[decision]} it.")
    values = _checked_fields(form, step, fields, approving=kind == "approved")
    data: dict[str, Any] = {"step": step, "role": role, "comment": text}
    if values:
        data["fields"] = values
    records = [Record(kind, actor, aware(now), data)]
    last_role = [t.role for t in state.tasks] == [role]
    if kind == "approved" and last_role:
        office = {**progress.office, **({step: values} if values else {})}
        records += _next_step(form, form.facts(answers, office), after=step, now=now)
    return records


def correct(form: schemas.Form, history: Sequence[Record], *, actor: str,
            roles: Collection[str], step: int, fields: Mapping[str, Any],
            comment: str | None, now: datetime) -> list[Record]:
    """A ``corrected`` record replacing what a decided step's fields hold.

    Only a new record can change them, so the values that were replaced stay readable in the
    history (``previous``). Someone holding the step's role corrects, and says why. A
    correction changes no routing: steps already started or skipped stay as they were.
    """
    definition = step_of(form, step) if isinstance(step, int) else None
    if definition is None or not definition.fields:
        raise DecisionError("not_open", "This step has no fields to correct.")
    name = definition.name.default
    if not any(_holds(who, actor, roles) for who in definition.assignees):
        raise DecisionError("not_allowed", f"You cannot correct “{name}”: only "
                            f"{_listed([_who(a) for a in definition.assignees])} can.")
    progress = walk(history)
    decided = [r for r in progress.decisions if r.data.get("step") == step]
    if not decided:
        raise DecisionError("not_decided", f"“{name}” has not been decided yet, so there is "
                            "nothing to correct; enter the fields with the decision.")
    text = (comment or "").strip() or None
    if text is None:
        raise DecisionError("comment_required", "Write a comment to say why you are "
                            "correcting it.")
    approved = any(r.kind == "approved" for r in decided)
    values = _checked_fields(form, step, fields, approving=approved)
    previous = progress.office.get(step, {})
    if values == previous:
        raise DecisionError("nothing_changed", f"The fields of “{name}” already hold these "
                            "values; change one to correct it.")
    return [Record("corrected", actor, aware(now), {"step": step, "fields": values,
                                                    "previous": dict(previous),
                                                    "comment": text})]


def _checked_fields(form: schemas.Form, step: int, fields: Mapping[str, Any] | None, *,
                    approving: bool) -> dict[str, Any]:
    """The entered values, refused in the plain words a resident would get when wrong."""
    definition = step_of(form, step)
    values = {k: v for k, v in (fields or {}).items() if v is not None and v != ""}
    if definition is None or not definition.fields:
        if values:
            raise DecisionError("fields_invalid", "This step has no fields to fill in.")
        return {}
    unknown = sorted(set(values) - set(definition.fields))
    if unknown:
        raise DecisionError("fields_invalid", f"“{definition.name.default}” has no field "
                            f"called “{unknown[0]}”.")
    errors = definition.validate(values, approving=approving)
    if errors:
        raise DecisionError("fields_invalid", errors[0].message)
    return values


def resubmit(form: schemas.Form, new_answers: Mapping[str, Any],
             previous_answers: Mapping[str, Any], history: Sequence[Record],
             now: datetime) -> list[Record]:
    """The resident answered a return for changes: the returned step starts again.

    The step is started again as it was, without asking its ``when`` again: it had been
    reached, and a resident should not skip a review by changing an answer. Every role of an
    ``all_of`` step must approve again. ``new_answers`` are the caller's to store.
    """
    del new_answers  # part of the contract; see the docstring
    progress = walk(history)
    state = summary(form, progress)
    run = progress.run
    if state.status != "returned" or run is None:
        raise DecisionError("not_returned", _not_returned(state))
    moment = aware(now)
    return [Record("resubmitted", RESIDENT, moment, {"previous_answers": dict(previous_answers)}),
            Record("step_started", SYSTEM, moment, {"step": run.step, "roles": list(run.roles)})]


def claim(form: schemas.Form, history: Sequence[Record], *, actor: str,
          roles: Collection[str], step: int, role: str, now: datetime) -> list[Record]:
    """Mark the task as being handled by ``actor``; nothing if they already claimed it."""
    progress = walk(history)
    task = _open_task(form, progress, summary(form, progress), step, role)
    if not may_act(task, actor, roles):
        raise DecisionError("not_allowed", f"You cannot take “{task.name.default}”: "
                            f"{_who_may(task)} can.")
    if task.claimed_by is not None:
        if same_person(task.claimed_by, actor):
            return []
        claimed = progress.run.claims[role] if progress.run else None
        raise DecisionError(
            "already_claimed", f"{task.claimed_by} is already handling “{task.name.default}” "
            f"(since {_when(claimed.at) if claimed else 'earlier'}).", record=claimed)
    return [Record("claimed", actor, aware(now), {"step": step, "role": role})]


def release(form: schemas.Form, history: Sequence[Record], *, actor: str,
            roles: Collection[str] = (), step: int, role: str, now: datetime) -> list[Record]:
    """Give a claimed task back; only the person who claimed it can. Nothing if unclaimed."""
    del roles  # whoever claimed it may release it, even after leaving the role
    progress = walk(history)
    task = _open_task(form, progress, summary(form, progress), step, role)
    if task.claimed_by is None:
        return []
    if not same_person(task.claimed_by, actor):
        raise DecisionError("not_claimer", f"Only {task.claimed_by}, who is handling "
                            f"“{task.name.default}”, can give it back.")
    return [Record("released", actor, aware(now), {"step": step, "role": role})]


# --- Helpers ------------------------------------------------------------------------------------


def _holds(assignee: str, actor: str, roles: Collection[str]) -> bool:
    return assignee in roles or ("@" in assignee and same_person(assignee, actor))


def _next_step(form: schemas.Form, facts: Mapping[str, Any], *, after: int,
               now: datetime) -> list[Record]:
    """``step_started`` for the first step after ``after`` whose ``when`` holds now, on the
    ``facts`` (``Form.facts``: answers, steps' fields, computed values)."""
    for index in range(after + 1, len(form.routing)):
        step = form.routing[index]
        roles = list(dict.fromkeys(step.assignees))
        if roles and (step.when is None or step.when.evaluate(facts)):
            return [Record("step_started", SYSTEM, aware(now), {"step": index, "roles": roles})]
    return []


def _open_task(form: schemas.Form, progress: Progress, state: State, step: int,
               role: str) -> Task:
    """The open task (``step``, ``role``), or the reason, for a clerk, why there is none."""
    for task in state.tasks:
        if task.step == step and task.role == role:
            return task
    raise _why_not_open(form, progress, state, step, role)


def _why_not_open(form: schemas.Form, progress: Progress, state: State, step: int,
                  role: str) -> DecisionError:
    definition = step_of(form, step) if isinstance(step, int) else None
    if not form.routing:
        return DecisionError("not_open", "This form has no approval steps, so there is "
                             "nothing to decide.")
    if definition is None:
        names = [f"“{step_name(form, index).default}”" for index in range(len(form.routing))]
        count = f"{len(names)} step" + ("s" if len(names) > 1 else "")
        return DecisionError("not_open", f"There is no such step on this form; it has {count}: "
                             f"{_listed(names)}.")
    name = step_name(form, step).default
    if role not in definition.assignees:
        return DecisionError("not_open", f"“{name}” is not assigned to {role}; it is assigned "
                             f"to {_listed(definition.assignees)}.")
    closing, shared = progress.closing, len(definition.assignees) > 1
    if closing is not None and closing.data.get("step") == step:
        return _already(closing, name, shared)
    approval = next((r for r in reversed(progress.decisions) if r.kind == "approved"
                     and r.data.get("step") == step and r.data.get("role") == role), None)
    if approval is not None:
        return _already(approval, name, shared)
    if closing is not None:
        return _already(closing, step_name(form, closing.data.get("step", step)).default,
                        shared)
    if state.status in ("in_review", "returned") and state.step is not None \
            and step > state.step:
        return DecisionError("not_open", f"“{name}” has not started yet: the submission is "
                             f"at “{step_name(form, state.step).default}”.")
    return DecisionError("not_open", f"“{name}” was skipped for this submission: its "
                         "condition did not hold when the submission reached it.")


def _already(record: Record, name: str, shared: bool) -> DecisionError:
    when = _when(record.at)
    if record.kind == "approved":
        role = f" for {record.data.get('role')}" if shared else ""
        return DecisionError("already_decided", f"“{name}” was already approved{role} by "
                             f"{record.actor} at {when}.", record=record)
    how = _DECIDED.get(record.kind, record.kind)
    waiting = " It is waiting for the resident's changes." if record.kind == "returned" else ""
    return DecisionError("already_decided", f"At “{name}”, this submission was already {how} "
                         f"by {record.actor} at {when}.{waiting}", record=record)


def _not_returned(state: State) -> str:
    if state.status == "in_review":
        return "This submission is being reviewed, not waiting for changes, so it cannot be " \
               "sent again now."
    if state.status in ("approved", "rejected"):
        return f"This submission was already {state.status}, so it cannot be changed any more."
    return "This submission was not returned for changes, so there is nothing to send again."


def _who_may(task: Task) -> str:
    who = _who(task.role)
    if task.escalated_to:
        who += f" (or, since it was escalated, {_who(task.escalated_to)})"
    return f"only {who}"


def _who(assignee: str) -> str:
    return assignee if "@" in assignee else f"people in {assignee}"


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


def _when(moment: datetime) -> str:
    """``14:02 UTC on 3 May 2026``: the engine knows no city time zone, so it says UTC."""
    moment = aware(moment).astimezone(UTC)
    return f"{moment:%H:%M} UTC on {moment.day} {moment:%B %Y}"
