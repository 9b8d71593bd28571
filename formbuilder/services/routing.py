"""Approval routing on the database: the pure engine (``workflows``) wired to Event rows.

The history is the truth. Every change here follows the same path in the caller's
transaction: lock the submission's row, read its whole history again, ask the engine, append
the records it returns as Events, then re-derive ``Submission.status`` and the
``WorkflowTask`` rows from ``workflows.replay``. Because the history is re-read under the lock,
two people deciding one task at once cannot both succeed: the second sees the first decision
and gets the engine's "already decided".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import schemas
import workflows
from formbuilder import metrics, outbox
from formbuilder.models import Attachment, Event, Submission, WorkflowTask, utcnow
from formbuilder.services.drafts import attachment_ids
from formbuilder.services.publishing import form_of

Decision = Literal["approve", "reject", "return"]
RETURN_LINK_SALT = "return"
RETURN_LINK_LIFETIME = timedelta(days=30)
# Events that say nothing about the work itself: they do not make an open page stale.
QUIET_KINDS = frozenset({"viewed"})


class Staff(Protocol):
    """What routing needs of a staff member (``formbuilder.models.User`` has it)."""

    email: str

    @property
    def roles(self) -> frozenset[str]: ...


class StaleHistory(RuntimeError):
    """The submission changed after the page that posted was drawn; nothing was done."""


def form_for(submission: Submission) -> schemas.Form:
    """The form version the submission was made on: its routing never changes under it."""
    return form_of(submission.form_version)


def history(session: Session, submission: Submission) -> list[Event]:
    """The submission's events in the order they were appended."""
    return list(session.scalars(
        select(Event).where(Event.submission_id == submission.id).order_by(Event.id)))


def records(events: Iterable[Event]) -> list[workflows.Record]:
    return [workflows.Record(kind=e.kind, actor=e.actor, at=e.at, data=dict(e.data or {}))
            for e in events]


def history_length(events: Sequence[Event]) -> int:
    """How many events a page was drawn from, not counting views (which change no work)."""
    return sum(1 for event in events if event.kind not in QUIET_KINDS)


def state_of(session: Session, submission: Submission, now: datetime | None = None
             ) -> workflows.State:
    return workflows.replay(form_for(submission), records(history(session, submission)),
                            now or utcnow())


# --- Changes ------------------------------------------------------------------------------


def start(session: Session, submission: Submission, now: datetime | None = None, *,
          events: Sequence[Event] | None = None) -> list[Event]:
    """Start routing for a submission just stored (called by ``create_submission``, which
    hands over its history, ``events``, rather than have it read back).

    Its ``submitted`` event goes to the outbox together with what routing appends (the first
    step, or the approval when no step applies), with the state they lead to; a form without
    routing announces the submission alone.
    """
    moment = now or utcnow()
    events = history(session, submission) if events is None else list(events)
    new = workflows.start(form_for(submission), submission.answers, records(events), moment)
    return _append(session, submission, events, new, moment, fresh=True,
                   announce=[event for event in events if event.kind == "submitted"])


def decide(session: Session, submission: Submission, user: Staff, step: int, role: str,
           decision: Decision, comment: str | None, now: datetime | None = None, *,
           expected_length: int | None = None,
           fields: Mapping[str, Any] | None = None) -> list[Event]:
    """Record ``user``'s decision on the task (``step``, ``role``); returns the new events.

    ``fields`` are what was entered in the step's own fields (JSON values; files as the ids
    of attachments already stored): they become part of the decision's event, and files
    among them the submission's.

    Raises ``workflows.DecisionError`` when the engine refuses (already decided, not open,
    not theirs, comment missing, fields missing or wrong) and :class:`StaleHistory` when
    ``expected_length`` (the page's :func:`history_length`) no longer matches; in both cases
    nothing is written.
    """
    moment = now or utcnow()
    events = _locked_history(session, submission, expected_length, (step, role))
    text = (comment or "").strip() or None
    values = _plain(fields or {})
    new = workflows.decide(
        form_for(submission), submission.answers, records(events), actor=user.email,
        roles=user.roles, step=step, role=role, decision=decision, comment=text, now=moment,
        fields=values)
    _link_step_files(session, submission, step, values)
    recorded = _append(session, submission, events, new, moment)
    metrics.decision_recorded(submission.form_id, str(decision))
    return recorded


def correct(session: Session, submission: Submission, user: Staff, step: int,
            fields: Mapping[str, Any], comment: str | None, now: datetime | None = None, *,
            expected_length: int | None = None) -> list[Event]:
    """Correct what a decided step's fields hold, by a new ``corrected`` event that keeps
    the old values; refused like a decision (``DecisionError``, :class:`StaleHistory`)."""
    moment = now or utcnow()
    events = _locked_history(session, submission, expected_length)
    values = _plain(fields)
    new = workflows.correct(form_for(submission), records(events), actor=user.email,
                            roles=user.roles, step=step, fields=values, comment=comment,
                            now=moment)
    _link_step_files(session, submission, step, values)
    return _append(session, submission, events, new, moment)


def office_values(form: schemas.Form, state: workflows.State, *, resident: bool = False
                  ) -> list[tuple[int, schemas.Step, dict[str, Any]]]:
    """Each step's current field values, in routing order: the one place staff pages, /track
    (``resident``: only steps marked ``show_resident``), the API and the PDF read them from."""
    return [(index, step, dict(state.office[index])) for index, step in enumerate(form.routing)
            if step.fields and state.office.get(index)
            and (step.show_resident or not resident)]


def claim(session: Session, submission: Submission, user: Staff, step: int, role: str,
          now: datetime | None = None, *, expected_length: int | None = None) -> list[Event]:
    """Mark the task as taken by ``user``, so colleagues see it is being handled."""
    return _claim_or_release(workflows.claim, session, submission, user, step, role, now,
                             expected_length)


def release(session: Session, submission: Submission, user: Staff, step: int, role: str,
            now: datetime | None = None, *, expected_length: int | None = None) -> list[Event]:
    return _claim_or_release(workflows.release, session, submission, user, step, role, now,
                             expected_length)


class AlreadyAnswered(RuntimeError):
    """The return a link names was answered already (perhaps from another browser)."""


def resubmit(session: Session, submission: Submission, new_answers: Mapping[str, Any],
             now: datetime | None = None, *, answering: int | None = None,
             attachment_ids: Iterable[str] | None = None) -> list[Event]:
    """The resident answered a return for changes: keep both versions, restart the step.

    ``answering`` is the ``returned`` event the resident's link names: it is checked again
    under the submission's lock, so a link used in two browsers at once spends itself once
    and the second gets :class:`AlreadyAnswered`. New uploads among ``new_answers`` become the
    submission's (only ``attachment_ids`` when given: the uploads of the resident's own
    draft); the old answers stay in the ``resubmitted`` event (``previous_answers``), so
    nothing the resident sent is lost.
    """
    moment = now or utcnow()
    events = _locked_history(session, submission, None)
    still_open = open_return(events) if submission.status == "returned" else None
    if answering is not None and (still_open is None or still_open.id != answering):
        raise AlreadyAnswered(f"The return of {submission.reference} was already answered")
    previous = dict(submission.answers)
    answers = _plain(new_answers)
    new = workflows.resubmit(form_for(submission), answers, previous, records(events), moment)
    submission.answers = answers
    _link_new_uploads(session, submission, answers if attachment_ids is None
                      else list(attachment_ids))
    return _append(session, submission, events, new, moment)


def check_overdue(session: Session, now: datetime | None = None) -> int:
    """Append the overdue and escalation records now due; returns how many were appended.

    Only tasks whose ``alarm_at`` has passed are looked at (one indexed range query), so a
    run costs what is due, not what exists.
    """
    moment = now or utcnow()
    due = session.scalars(
        select(WorkflowTask.submission_id).where(
            WorkflowTask.state == "open", WorkflowTask.alarm_at <= moment)
        .distinct()).all()
    appended = 0
    for submission_id in sorted(due):
        submission = session.get(Submission, submission_id)
        if submission is None:
            continue
        events = _locked_history(session, submission, None)
        new = workflows.due_records(form_for(submission), records(events), moment)
        appended += len(_append(session, submission, events, new, moment))
    return appended


def view(session: Session, submission: Submission, user: Staff, now: datetime | None = None,
         *, every: timedelta = timedelta(hours=1)) -> bool:
    """Note that ``user`` opened the submission, at most once per ``every``; True if noted."""
    moment = now or utcnow()
    recent = session.scalars(select(Event.id).where(
        Event.submission_id == submission.id, Event.kind == "viewed",
        Event.actor == user.email, Event.at > moment - every).limit(1)).first()
    if recent is not None:
        return False
    session.add(Event(submission_id=submission.id, kind="viewed", actor=user.email, at=moment,
                      data={}))
    session.flush()
    return True


# --- Return for changes -----------------------------------------------------------------------


def open_return(events: Sequence[Event]) -> Event | None:
    """The ``returned`` event the resident has not answered yet, if any."""
    for event in reversed(events):
        if event.kind == "resubmitted":
            return None
        if event.kind == "returned":
            return event
    return None


def return_token(submission: Submission, returned: Event, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"reference": submission.reference,
                                          "event": returned.id})


def read_return_token(token: str, secret_key: str,
                      max_age: timedelta = RETURN_LINK_LIFETIME) -> tuple[str, int] | None:
    """The (reference, returned event id) a link names; ``None`` if forged or expired."""
    try:
        data = _serializer(secret_key).loads(token, max_age=int(max_age.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("reference"), str) \
            or not isinstance(data.get("event"), int):
        return None
    return data["reference"], data["event"]


# --- What the resident is told --------------------------------------------------------------


@dataclass(frozen=True)
class StepRun:
    """One run of one step, as /track shows it (a returned step runs again)."""

    step: int
    name: schemas.Localized
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None  # approved | rejected | returned | None (still running)
    comment: str | None  # only what the resident is meant to read


RESIDENT_COMMENTS = frozenset({"returned", "rejected"})


def step_runs(form: schemas.Form, events: Sequence[Event], status: str) -> list[StepRun]:
    """Each step as it ran, from the history alone; never names a staff member.

    A run ends at a rejection or a return in it, or when the next step starts; the last run
    of an approved submission ends at its last approval. Comments are kept only for returns
    (the resident must act on them) and rejections (a city tells applicants why).
    """
    runs: list[dict[str, Any]] = []
    for event in events:
        data = event.data or {}
        if event.kind == "step_started":
            if runs and runs[-1]["outcome"] is None:
                runs[-1].update(outcome="approved", finished_at=event.at)
            index = int(data.get("step", 0))
            if 0 <= index < len(form.routing):
                runs.append({"step": index, "name": form.routing[index].name,
                             "started_at": event.at, "finished_at": None, "outcome": None,
                             "comment": None, "last_approval": None})
        elif runs and runs[-1]["outcome"] is None and event.kind in ("rejected", "returned"):
            comment = data.get("comment") if event.kind in RESIDENT_COMMENTS else None
            runs[-1].update(outcome=event.kind, finished_at=event.at, comment=comment)
        elif runs and event.kind == "approved":
            runs[-1]["last_approval"] = event.at
    if runs and runs[-1]["outcome"] is None and status == "approved":
        runs[-1].update(outcome="approved", finished_at=runs[-1]["last_approval"])
    return [StepRun(**{k: v for k, v in run.items() if k != "last_approval"}) for run in runs]


# --- Internals --------------------------------------------------------------------------------


def _locked_history(session: Session, submission: Submission, expected_length: int | None,
                    task: tuple[int, str] | None = None) -> list[Event]:
    """Lock the submission (PostgreSQL: FOR UPDATE; SQLite: the write transaction already
    holds the database lock from BEGIN IMMEDIATE), then read its history afresh.

    With ``expected_length`` (the page's :func:`history_length`), refuse when anything that
    happened since the page was drawn bears on ``task`` (step, role): a colleague approving or
    claiming another role's task of the same parallel step does not, so people approving side
    by side need not reload each other's work.
    """
    session.execute(select(Submission.id).where(Submission.id == submission.id)
                    .with_for_update())
    session.refresh(submission)
    events = history(session, submission)
    if expected_length is not None:
        changes = [event for event in events if event.kind not in QUIET_KINDS]
        since = changes[expected_length:] if 0 <= expected_length <= len(changes) else None
        if since is None or any(_bears_on(event, task) for event in since):
            raise StaleHistory("The submission changed since the page was opened")
    return events


def _bears_on(event: Event, task: tuple[int, str] | None) -> bool:
    """Whether a change made after a page was drawn alters what acting on ``task`` means."""
    if task is None:
        return True
    step, role = task
    data = event.data or {}
    if event.kind in ("overdue", "escalated"):
        return False  # flags on the same work; who may act is still the engine's question
    if event.kind in ("approved", "claimed", "released") and data.get("step") == step:
        return data.get("role") == role
    return True


def _append(session: Session, submission: Submission, events: list[Event],
            new: Sequence[workflows.Record], now: datetime, *,
            announce: Sequence[Event] = (), fresh: bool = False) -> list[Event]:
    """Store the engine's records as events, sync the status and tasks, and hand the new
    events (after ``announce``: earlier ones not yet told) with the new state to the outbox,
    whose jobs commit with them or not at all."""
    added = [Event(submission_id=submission.id, kind=r.kind, actor=r.actor, at=r.at,
                   data=_plain(r.data)) for r in new]
    session.add_all(added)
    session.flush()
    if added or announce:
        state = _sync(session, submission, [*events, *added], now, fresh=fresh)
        outbox.after_change(session, submission, [*announce, *added], state)
    return added


def _sync(session: Session, submission: Submission, events: Sequence[Event],
          now: datetime, *, fresh: bool = False) -> workflows.State:
    """Make Submission.status and the open WorkflowTask rows say what replay says; the
    state replayed. A ``fresh`` submission (routing just started) has no task rows yet, so
    none are looked for."""
    form = form_for(submission)
    history_records = records(events)
    state = workflows.replay(form, history_records, now)
    alarm = workflows.next_deadline(form, history_records)
    if submission.status != state.status:
        submission.status = state.status
        submission.updated_at = now
    open_rows = {} if fresh else {(row.step, row.role): row for row in session.scalars(
        select(WorkflowTask).where(WorkflowTask.submission_id == submission.id,
                                   WorkflowTask.state == "open"))}
    for task in state.tasks:
        row = open_rows.pop((task.step, task.role), None)
        if row is None:
            row = WorkflowTask(submission_id=submission.id, form_id=submission.form_id,
                               step=task.step, role=task.role, state="open",
                               submitted_at=submission.created_at, opened_at=task.started_at)
            session.add(row)
        row.name = task.name.default[:200]
        row.due_at = task.due_at
        row.overdue = task.overdue
        row.escalated_to = task.escalated_to
        row.claimed_by = task.claimed_by
        row.alarm_at = alarm
    for row in open_rows.values():
        row.state = "done"
        row.closed_at = now
        row.alarm_at = None
    session.flush()
    return state


def _claim_or_release(action: Any, session: Session, submission: Submission, user: Staff,
                      step: int, role: str, now: datetime | None,
                      expected_length: int | None) -> list[Event]:
    moment = now or utcnow()
    events = _locked_history(session, submission, expected_length, (step, role))
    new = action(form_for(submission), records(events), actor=user.email, roles=user.roles,
                 step=step, role=role, now=moment)
    return _append(session, submission, events, new, moment)


def _link_new_uploads(session: Session, submission: Submission,
                      answers: Mapping[str, Any] | list[str]) -> None:
    """Files uploaded while answering the return become part of the submission."""
    wanted = set(answers) if isinstance(answers, list) else set(attachment_ids(answers))
    if wanted:
        session.execute(
            update(Attachment)
            .where(Attachment.id.in_(wanted), Attachment.form_id == submission.form_id,
                   Attachment.submission_id.is_(None))
            .values(submission_id=submission.id)
            .execution_options(synchronize_session=False))


def _link_step_files(session: Session, submission: Submission, step: int,
                     values: Mapping[str, Any]) -> None:
    """Files entered in a step's fields become the submission's, owned by the step: their
    ``field`` is the name conditions use (``Inspection.report``)."""
    form = form_for(submission)
    if not 0 <= step < len(form.routing):
        return
    definition = form.routing[step]
    for name, found in definition.fields.items():
        value = values.get(name)
        ids = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
            if isinstance(value, list) else []
        if found.kind not in ("file", "files") or not ids:
            continue
        session.execute(
            update(Attachment)
            .where(Attachment.id.in_(ids), Attachment.form_id == submission.form_id,
                   Attachment.submission_id.is_(None))
            .values(submission_id=submission.id, field=f"{definition.key}.{name}")
            .execution_options(synchronize_session=False))


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RETURN_LINK_SALT)


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(dict(value), ensure_ascii=False, default=str))

