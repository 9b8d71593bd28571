"""The residents' optional answer to "How easy was this form?", kept apart from submissions.

Stored in its own table, never in the answers, so it does not reach the case, its PDF, its
webhooks or its export; one answer per submission (a second one changes nothing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from formbuilder.models import SatisfactionAnswer, Submission, utcnow

MAX_COMMENT = 2000
RATINGS = (1, 2, 3, 4, 5)


def answered(session: Session, submission: Submission) -> bool:
    return session.scalars(select(SatisfactionAnswer.id).where(
        SatisfactionAnswer.submission_id == submission.id)).first() is not None


def record(session: Session, submission: Submission, rating: int | None, comment: str, *,
           language: str, now: datetime | None = None) -> bool:
    """Store the answer; ``False`` when this submission was answered already."""
    if answered(session, submission):
        return False
    text = comment.strip()[:MAX_COMMENT] or None
    session.add(SatisfactionAnswer(form_id=submission.form_id, submission_id=submission.id,
                                   rating=rating if rating in RATINGS else None, comment=text,
                                   language=language, created_at=now or utcnow()))
    return True
