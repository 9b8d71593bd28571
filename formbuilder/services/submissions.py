"""Storing a submission: reference, answers, files, history and first approval step, at once.

Everything happens in the caller's transaction, so a failure anywhere (a file that cannot be
linked, a crash before commit) stores nothing and gives the reference number back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from formbuilder import metrics
from formbuilder.models import Attachment, Event, FormVersion, Submission, utcnow
from formbuilder.services import routing
from formbuilder.services.publishing import form_of
from formbuilder.services.references import next_reference

MAX_IDEMPOTENCY_KEY_LENGTH = 128


class UnusableAttachments(ValueError):
    """Some uploads cannot be part of this submission: unknown, of another form, or already
    part of another submission. Nothing is stored; the resident should upload them again."""

    def __init__(self, attachment_ids: Iterable[str]) -> None:
        self.attachment_ids = sorted(attachment_ids)
        super().__init__("These uploads cannot be attached to the submission: "
                         + ", ".join(self.attachment_ids))


def create_submission(session: Session, version: FormVersion, answers: Mapping[str, Any], *,
                      language: str, idempotency_key: str | None,
                      attachment_ids: Iterable[str] = (), actor: str = "resident",
                      now: datetime | None = None) -> tuple[Submission, bool]:
    """The stored submission and whether it was created now (``False``: the key was used).

    A repeated ``idempotency_key`` for the same form returns the first submission, also when
    the two requests race. The reference's year is ``now``'s year in ``now``'s time zone:
    pass the city's local time to turn the year at the city's midnight, not at UTC's.
    """
    if idempotency_key is not None and not 0 < len(idempotency_key) \
            <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(f"An idempotency key has 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    if idempotency_key is not None:
        existing = get_by_key(session, version.form_id, idempotency_key)
        if existing is not None:
            return existing, False
    moment = now or utcnow()
    try:
        # A savepoint: losing a race on the key undoes only this attempt, reference included.
        with session.begin_nested():
            submission, submitted = _store(session, version, _plain(answers),
                                           language=language,
                                           idempotency_key=idempotency_key, actor=actor,
                                           at=moment)
            _link(session, submission, version.form_id, attachment_ids)
            # Announces the submission and its first step to the outbox, in this savepoint.
            routing.start(session, submission, moment, events=[submitted])
    except IntegrityError:
        winner = get_by_key(session, version.form_id, idempotency_key) \
            if idempotency_key is not None else None
        if winner is None:
            raise
        return winner, False
    metrics.submission_stored(version.form_id)
    return submission, True


def get_by_reference(session: Session, reference: str) -> Submission | None:
    """Residents type references by hand: case and surrounding spaces do not matter."""
    wanted = reference.strip().upper()
    return session.scalars(select(Submission).where(Submission.reference == wanted)).first()


def get_by_key(session: Session, form_id: str, idempotency_key: str) -> Submission | None:
    return session.scalars(select(Submission).where(
        Submission.form_id == form_id, Submission.idempotency_key == idempotency_key)).first()


def _store(session: Session, version: FormVersion, answers: dict[str, Any], *, language: str,
           idempotency_key: str | None, actor: str, at: datetime) -> tuple[Submission, Event]:
    """The new submission and its ``submitted`` event, its version already in hand (so
    routing does not load it again)."""
    reference = next_reference(session, form_of(version).reference_prefix, at.year)
    submission = Submission(
        reference=reference, form_id=version.form_id, form_version_id=version.id,
        answers=answers, status="received", language=language, created_at=at,
        updated_at=at, idempotency_key=idempotency_key)
    session.add(submission)
    session.flush()
    # Versions never change; the caller's copy (perhaps a cached, detached one) is only read,
    # so it is set as loaded, without attaching it to this session.
    set_committed_value(submission, "form_version", version)
    submitted = Event(submission_id=submission.id, kind="submitted", actor=actor, at=at,
                      data={"reference": reference, "form_version": version.number})
    session.add(submitted)
    session.flush()
    return submission, submitted


def _link(session: Session, submission: Submission, form_id: str,
          attachment_ids: Iterable[str]) -> None:
    """Claim the uploads in one statement, so two submissions can never both take a file."""
    wanted = set(attachment_ids)
    if not wanted:
        return
    linked = session.scalars(
        update(Attachment)
        .where(Attachment.id.in_(wanted), Attachment.form_id == form_id,
               Attachment.submission_id.is_(None))
        .values(submission_id=submission.id)
        .returning(Attachment.id)
    ).all()
    if missing := wanted - set(linked):
        raise UnusableAttachments(missing)


def _plain(answers: Mapping[str, Any]) -> dict[str, Any]:
    """A detached, JSON-only copy: later changes to the caller's dict cannot leak in, and
    values JSON cannot hold fail here rather than at commit."""
    return json.loads(json.dumps(answers, ensure_ascii=False))
