"""The audit log: every staff action, one append-only row each, filterable and exportable.

Sign-ins and refusals, views of a submission, decisions, exports, API token use and
publishing are written by the code that does them, in the same transaction where there is
one, so an action and its record are committed together. A submission's own history
(``Event``) stays the resident-facing truth; this log answers "who did what" across all of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from formbuilder.models import AuditEntry, utcnow
from formbuilder.services import listing

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "refused", "viewed", "decided",
           "exported", "token_used", "token_created", "token_revoked", "published")
PAGE_SIZE = 50
MAX_ACTOR = 320


def record(session: Session, actor: str, action: str, *, target: str | None = None,
           form_id: str | None = None, detail: Mapping[str, Any] | None = None,
           now: datetime | None = None) -> AuditEntry:
    """Add one entry to the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}; the actions are {', '.join(ACTIONS)}")
    entry = AuditEntry(at=now or utcnow(), actor=(actor or "unknown")[:MAX_ACTOR],
                       action=action, target=(target or None) and target[:200],
                       form_id=(form_id or None) and form_id[:63], detail=dict(detail or {}))
    session.add(entry)
    return entry


@dataclass(frozen=True)
class Filters:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: date | None = None
    until: date | None = None


def parse_filters(args: Mapping[str, Any]) -> tuple[Filters, list[str]]:
    """Filters from a query string and the names of those that were not valid (dropped)."""
    read = listing.QueryArgs(args)
    action = read.choice("action", ACTIONS)
    return Filters(actor=read.text("actor").strip().lower()[:MAX_ACTOR] or None,
                   action=action, target=read.text("target").strip()[:200] or None,
                   since=read.day("from"), until=read.day("to")), read.problems


def _clauses(filters: Filters) -> list[ColumnElement[bool]]:
    entry = AuditEntry
    return [*listing.equal_to((entry.actor, filters.actor), (entry.action, filters.action),
                              (entry.target, filters.target)),
            *listing.within_days(entry.at, filters.since, filters.until)]


def page(session: Session, filters: Filters, *, before: int | None = None,
         size: int = PAGE_SIZE) -> tuple[list[AuditEntry], int | None]:
    """One page, newest first, and the id the next page continues below (keyset)."""
    statement = select(AuditEntry).where(*_clauses(filters))
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    rows, more = listing.one_page(
        list(session.scalars(statement.order_by(AuditEntry.id.desc()).limit(size + 1))), size)
    return rows, rows[-1].id if more and rows else None


def every(session: Session, filters: Filters, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, read in batches (for the export)."""
    last = 0
    while True:
        rows = list(session.scalars(select(AuditEntry).where(
            *_clauses(filters), AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].id
