"""Answers in progress, kept on the server so that nothing a resident typed is lost.

The resident holds a random token (in the session cookie or a "continue later" link); the
database keeps only its SHA-256, so a copy of the database cannot be used to open drafts.
A draft lives 30 days from its last save, and so do the uploads its answers refer to.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from formbuilder.models import ATTACHMENT_ID_PREFIX, Attachment, Draft, FormVersion, utcnow

LIFETIME = timedelta(days=30)
# An upload that neither a submission nor a live draft holds is garbage after this long.
ABANDONED_AFTER = timedelta(days=1)
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_draft(session: Session, version: FormVersion, language: str, *,
                now: datetime | None = None,
                lifetime: timedelta = LIFETIME) -> tuple[Draft, str]:
    """A new empty draft and the token that opens it; the token is never stored."""
    moment = now or utcnow()
    token = secrets.token_urlsafe(32)
    draft = Draft(token_hash=token_hash(token), form_id=version.form_id,
                  form_version_id=version.id, answers={}, page=0, language=language,
                  created_at=moment, updated_at=moment, expires_at=moment + lifetime)
    session.add(draft)
    session.flush()
    return draft, token


def load_draft(session: Session, token: str, *, now: datetime | None = None) -> Draft | None:
    """The draft this token opens; ``None`` when it is unknown or has expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    draft = session.scalars(select(Draft).where(Draft.token_hash == token_hash(token))).first()
    if draft is None or draft.expires_at <= (now or utcnow()):
        return None
    return draft


def save_answers(session: Session, draft: Draft, answers: Mapping[str, Any], page: int, *,
                 now: datetime | None = None, lifetime: timedelta = LIFETIME) -> None:
    """Keep the answers and the page reached; saving counts as activity and extends the draft."""
    draft.answers = json.loads(json.dumps(answers, ensure_ascii=False))
    # Always written: a caller that changed the stored dict in place would look unchanged.
    flag_modified(draft, "answers")
    draft.page = page
    extend(draft, now=now, lifetime=lifetime)
    session.flush()


def extend(draft: Draft, *, now: datetime | None = None, lifetime: timedelta = LIFETIME) -> None:
    """Keep the draft for another ``lifetime`` from now (the resident was active)."""
    moment = now or utcnow()
    draft.updated_at = moment
    draft.expires_at = moment + lifetime



def delete_draft(session: Session, draft: Draft) -> None:
    session.delete(draft)
    session.flush()


def purge_expired(session: Session, now: datetime) -> int:
    """Delete every expired draft; returns how many (for the purge job's log)."""
    result = session.execute(delete(Draft).where(Draft.expires_at <= now)
                             .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_abandoned_uploads(session: Session, now: datetime,
                            grace: timedelta = ABANDONED_AFTER) -> list[str]:
    """Delete the records of uploads that no submission and no live draft holds; returns the
    storage keys whose files the caller deletes once this transaction has committed.

    An upload belongs to its draft until the submission is stored, and a draft lives 30 days
    from its last save, so age alone cannot tell garbage: a resident may upload a photo on the
    first page and come back to finish weeks later. The decision is one statement: reading the
    candidates and then the drafts let a submit that committed in between lose its files (its
    draft was gone, its upload looked abandoned); a single DELETE re-checks each row it
    removes, so a file linked to a submission meanwhile is kept. Deleting files only after the
    commit means a failed purge leaves a file without a record (harmless), never a record
    without a file.
    """
    live = select(Draft.id).where(Draft.expires_at > now)
    result = session.execute(
        delete(Attachment)
        .where(Attachment.submission_id.is_(None), Attachment.created_at < now - grace,
               or_(Attachment.draft_id.is_(None), Attachment.draft_id.not_in(live)))
        .returning(Attachment.storage_key)
        .execution_options(synchronize_session=False))
    return list(result.scalars())


def rotate(session: Session, draft: Draft) -> str:
    """A new token for the draft; the old one (a link, another browser's cookie) stops
    working, so a draft is only ever open in the one browser that opened it last."""
    token = secrets.token_urlsafe(32)
    draft.token_hash = token_hash(token)
    session.flush()
    return token


def own_uploads(session: Session, draft: Draft, answers: Any) -> list[str]:
    """The attachment ids among ``answers`` that this draft uploaded and nobody sent yet.

    Ids are not secrets (they travel in receipts); one typed into a text answer, or
    belonging to another resident's draft, is only text here.
    """
    named = set(attachment_ids(answers))
    if not named:
        return []
    return sorted(session.scalars(select(Attachment.id).where(
        Attachment.id.in_(named), Attachment.draft_id == draft.id,
        Attachment.submission_id.is_(None))))


def attachment_ids(value: Any) -> Iterator[str]:
    """Every attachment id an answer refers to, at any depth."""
    if isinstance(value, str) and value.startswith(ATTACHMENT_ID_PREFIX):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from attachment_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from attachment_ids(item)
