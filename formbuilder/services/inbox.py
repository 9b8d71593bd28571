"""The staff inbox: open tasks for my roles and for me, filtered, searched and paged.

Built to cost the same on the first page and the ten-thousandth of millions of tasks: pages
follow a keyset cursor (due date, id) instead of OFFSET, every filter is a column of
``WorkflowTask`` or ``Submission`` that an index covers, and a page takes a fixed number of
queries however many rows it shows (the tasks with their submissions in one, their form
versions in a second).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

import schemas
from formbuilder.models import FormVersion, Submission, WorkflowTask
from formbuilder.services import listing
from formbuilder.services.publishing import form_of, published_forms

PAGE_SIZE = 25
STATUSES = ("open", "mine", "overdue")


@dataclass(frozen=True)
class Filters:
    form: str | None = None
    step: str | None = None  # a step's name: the same step name across forms is one filter
    status: str = "open"  # open | mine (claimed by me) | overdue
    submitted_from: date | None = None
    submitted_to: date | None = None
    query: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's due date (``None`` sorts last) and id."""

    due_at: datetime | None
    id: int

    def encode(self) -> str:
        due = self.due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ") if self.due_at else "-"
        return f"{due},{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """``None`` for anything that is not a cursor we made (a hand-edited address)."""
        if not text or "," not in text or len(text) > 60:
            return None
        due, _, ident = text.partition(",")
        if not ident.isdigit():
            return None
        if due == "-":
            return cls(None, int(ident))
        if len(due) != len("20300102T030405000000Z"):
            return None
        try:
            moment = datetime.strptime(due, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        return cls(moment, int(ident))


@dataclass(frozen=True)
class Row:
    task: WorkflowTask
    reference: str
    status: str
    form: schemas.Form

    def overdue(self, now: datetime) -> bool:
        return self.task.overdue or (self.task.due_at is not None and self.task.due_at < now)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next: Cursor | None


def identities(email: str, roles: Collection[str]) -> set[str]:
    """What a task's role or escalation may name to be mine: my roles or my email."""
    return {*roles, email}


def page(session: Session, email: str, roles: Collection[str], filters: Filters, *,
         after: Cursor | None = None, now: datetime, size: int = PAGE_SIZE) -> Page:
    """One page of my open tasks, soonest due first (no due date last)."""
    mine = identities(email, roles)
    task = WorkflowTask
    statement = (
        select(task, Submission.reference, Submission.status, Submission.form_version_id)
        .join(Submission, Submission.id == task.submission_id)
        .where(task.state == "open",
               or_(task.role.in_(mine), task.escalated_to.in_(mine), task.claimed_by == email))
    )
    statement = statement.where(*_filter_clauses(session, email, filters, now))
    if after is not None:
        statement = statement.where(_after(after))
    statement = statement.order_by(task.due_at.asc().nulls_last(), task.id.asc()).limit(size + 1)
    found, more = listing.one_page(session.execute(statement).all(), size)
    versions = _versions(session, {row.form_version_id for row in found})
    rows = [Row(task=row[0], reference=row.reference, status=row.status,
                form=versions[row.form_version_id]) for row in found]
    last = rows[-1].task if rows and more else None
    return Page(rows=rows, next=Cursor(last.due_at, last.id) if last else None)


def forms_for(session: Session, roles: Collection[str], email: str, *,
              admin: bool = False) -> list[schemas.Form]:
    """The published forms whose routing names one of my roles (all forms for an admin):
    the choices of the inbox's form filter."""
    mine = identities(email, roles)
    forms = [form_of(version) for version in published_forms(session)]
    return [form for form in forms if form.routing and (admin or any(
        mine & {*step.assignees, *([step.escalate_to] if step.escalate_to else [])}
        for step in form.routing))]


def _filter_clauses(session: Session, email: str, filters: Filters,
                    now: datetime) -> list[ColumnElement[bool]]:
    task = WorkflowTask
    clauses = listing.equal_to((task.form_id, filters.form), (task.name, filters.step))
    if filters.status == "mine":
        clauses.append(task.claimed_by == email)
    elif filters.status == "overdue":
        clauses.append(task.due_at < now)
    clauses += listing.within_days(task.submitted_at, filters.submitted_from,
                                   filters.submitted_to)
    found = listing.search(session, filters.query)
    if found is not None:
        clauses.append(found)
    return clauses


def _after(cursor: Cursor) -> ColumnElement[bool]:
    """Rows after the cursor in (due_at NULLS LAST, id) order."""
    task = WorkflowTask
    if cursor.due_at is None:
        return and_(task.due_at.is_(None), task.id > cursor.id)
    return or_(task.due_at > cursor.due_at,
               and_(task.due_at == cursor.due_at, task.id > cursor.id),
               task.due_at.is_(None))


def _versions(session: Session, ids: set[int]) -> dict[int, schemas.Form]:
    if not ids:
        return {}
    return {version.id: form_of(version) for version in
            session.scalars(select(FormVersion).where(FormVersion.id.in_(ids)))}


def parse_filters(args: Any) -> tuple[Filters, list[str]]:
    """Filters from the inbox's query string, and the names of fields that were not valid.

    Bad values are dropped and named rather than failing the page: the inbox still shows.
    """
    read = listing.QueryArgs(args)
    status = read.choice("status", STATUSES) or "open"
    filters = Filters(form=read.text("form") or None, step=read.text("step") or None,
                      status=status, submitted_from=read.day("from"), submitted_to=read.day("to"),
                      query=read.text("q")[:listing.MAX_QUERY_LENGTH])
    return filters, read.problems


def steps_of(forms: Sequence[schemas.Form]) -> list[str]:
    """The distinct step names of these forms, for the step filter."""
    names: dict[str, None] = {}
    for form in forms:
        for step in form.routing:
            names.setdefault(step.name.default, None)
    return list(names)
