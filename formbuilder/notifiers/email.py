"""Who is told what, by email, when a submission's history grows: the ``email`` notifier.

:func:`enqueue_emails` is handed each change by ``formbuilder.outbox`` in the transaction that
appends its events, so the email jobs it enqueues commit with the change that causes them, or
not at all. One job per (event, recipient), keyed ``email:<event id>:<recipient>``: handing it
the same events twice enqueues nothing more. The job renders the message when it runs
(``formbuilder.mail``).

Residents are told what concerns them (receipt, decision, return for changes) when the form
has an ``applicant_email``; staff get a new-task email for every step that starts (everyone
holding its role, or the assignee email), reminders when it is overdue and a notice when it is
escalated to them. A form's ``notify`` lists (docs/FORMAT.md) replace the default recipients
of their event: ``applicant``, ``assignees``, a role, or an email address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import schemas
from formbuilder.jobs import enqueue
from formbuilder.models import Draft, Event, Membership, Submission, User
from formbuilder.notifiers import Change, notifier

STAFF_LANGUAGE = "en"
KEY_LENGTH = 255
# With the job system's backoff (doubling from 30 s, at most an hour apart) this is about a
# day of retries before an email is parked for an admin: a mail server down overnight loses
# nothing. A worker killed mid-batch also costs each job of its batch an attempt.
EMAIL_MAX_ATTEMPTS = 24
DEFAULTS: Mapping[str, tuple[str, ...]] = {
    "on_submit": ("applicant",),
    "on_decision": ("applicant",),
    "on_return": ("applicant",),
    "on_overdue": ("assignees",),
}
# What the applicant gets for each notify event (nothing for on_overdue: staff's business).
APPLICANT_KINDS = {"on_submit": "receipt", "on_decision": "decision", "on_return": "return"}
# What staff named in a notify list get.
STAFF_KINDS = {"on_submit": "notice", "on_decision": "notice", "on_return": "notice",
               "on_overdue": "reminder"}


@notifier("email")
def enqueue_emails(session: Session, change: Change) -> None:
    """Enqueue the emails the change's new events call for."""
    for event in change.events:
        for recipient, kind, lang in _emails(session, change, event):
            enqueue(session, "email", {"event": event.id, "to": recipient, "kind": kind,
                                       "lang": lang}, key=email_key(str(event.id), recipient),
                    max_attempts=EMAIL_MAX_ATTEMPTS)


def send_resume_link(session: Session, draft: Draft, token: str, address: str, *,
                     lang: str, secret_key: str) -> None:
    """Email the resident their "save and come back" link (a job, never in the request).

    The token is sealed with the app's key in the payload: drafts are stored by hash only.
    """
    from formbuilder.mail.sealed import seal

    enqueue(session, "email", {"kind": "resume", "draft": draft.id, "to": address,
                               "lang": lang, "sealed": seal(secret_key, token)},
            key=email_key(f"resume:{draft.id}", address), max_attempts=EMAIL_MAX_ATTEMPTS)


def email_key(identity: str, recipient: str) -> str:
    key = f"email:{identity}:{recipient}"
    if len(key) <= KEY_LENGTH:
        return key
    return f"email:{identity}:sha256:{hashlib.sha256(recipient.encode()).hexdigest()}"


def applicant_address(form: schemas.Form, submission: Submission) -> str | None:
    return form.applicant_email_in(submission.answers)


def holders(session: Session, role: str) -> list[str]:
    """The active staff holding ``role``; an assignee written as an email is itself."""
    if "@" in role:
        return [role.strip().lower()]
    return list(session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.role == role, User.active.is_(True)).order_by(User.email)))


def _emails(session: Session, change: Change, event: Event) -> Iterator[tuple[str, str, str]]:
    """(recipient, kind, language) for one event, each recipient once."""
    form, submission = change.form, change.submission
    data: Mapping[str, Any] = event.data or {}
    found: list[tuple[str, str, str]] = []
    if event.kind == "submitted":
        found = _notify(session, form, submission, "on_submit", None)
    elif event.kind == "step_started":
        roles = data.get("roles") or _step_roles(form, data.get("step"))
        found = [(email, "task", STAFF_LANGUAGE) for role in roles
                 for email in holders(session, str(role))]
    elif event.kind == "rejected" or (event.kind == "approved" and _finished(change, event)):
        found = _notify(session, form, submission, "on_decision", data.get("step"),
                        change.state.office)
    elif event.kind == "returned":
        found = _notify(session, form, submission, "on_return", data.get("step"),
                        change.state.office)
    elif event.kind == "overdue":
        found = _notify(session, form, submission, "on_overdue", data.get("step"),
                        change.state.office)
    elif event.kind == "escalated" and data.get("to"):
        found = [(email, "escalation", STAFF_LANGUAGE)
                 for email in holders(session, str(data["to"]))]
    seen: set[str] = set()
    for recipient, kind, lang in found:
        if recipient.lower() not in seen:
            seen.add(recipient.lower())
            yield recipient, kind, lang


def _notify(session: Session, form: schemas.Form, submission: Submission, on: str,
            step: Any, office: Mapping[int, Mapping[str, Any]] | None = None
            ) -> list[tuple[str, str, str]]:
    """The recipients of a notify event: the form's list when it names one, else the default.
    An entry naming a step's email field (``Inspection.inspector_email``) is the address
    entered there, when one was (``office``: the steps' values, ``workflows.State.office``)."""
    written = (form.definition.get("notify") or {}) if form.definition else {}
    targets = form.notify.get(on, ()) if on in written else DEFAULTS[on]
    found: list[tuple[str, str, str]] = []
    for target in targets:
        if target == "applicant":
            address = applicant_address(form, submission)
            if address and on in APPLICANT_KINDS:
                found.append((address, APPLICANT_KINDS[on], submission.language))
        elif target == "assignees":
            found += [(email, STAFF_KINDS[on], STAFF_LANGUAGE)
                      for role in _step_roles(form, step) for email in holders(session, role)]
        elif target in form.step_fields():
            entered = form.facts({}, office).get(target.split(".")[0]) or {}
            address = entered.get(target.split(".", 1)[1])
            if isinstance(address, str) and "@" in address:
                found.append((address.strip(), STAFF_KINDS[on], STAFF_LANGUAGE))
        else:
            found += [(email, STAFF_KINDS[on], STAFF_LANGUAGE)
                      for email in holders(session, target)]
    return found


def _step_roles(form: schemas.Form, step: Any) -> tuple[str, ...]:
    if isinstance(step, int) and 0 <= step < len(form.routing):
        return form.routing[step].assignees
    return ()


def _finished(change: Change, event: Event) -> bool:
    """An approval tells the applicant only when it is the one that approved the whole
    submission: the last approval of its change, with no step started after it."""
    if change.state.status != "approved":
        return False
    batch = list(change.events)
    later = batch[batch.index(event) + 1:] if event in batch else []
    return not any(e.kind in ("approved", "step_started") for e in later)
