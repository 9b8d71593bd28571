"""Reference numbers residents quote on the phone: ``PW-2026-000123``.

Numbers come without gaps, so staff can tell that nothing went missing. That rules out database
sequences (a rolled-back transaction burns their number); instead a counter row is incremented
inside the submission's own transaction: its row lock queues concurrent submits, and a
rollback gives the number back.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from formbuilder.database import insert_or_ignore
from formbuilder.models import ReferenceCounter


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year:04d}-{number:06d}"


def next_reference(session: Session, prefix: str, year: int) -> str:
    """The next reference for ``prefix`` in ``year``, taken in the caller's transaction.

    Counters are per prefix, not per form, so two forms that share a prefix share a sequence
    and can never hand out the same reference.
    """
    insert_or_ignore(session, ReferenceCounter, prefix=prefix, year=year, last=0)
    number = session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return format_reference(prefix, year, number)
