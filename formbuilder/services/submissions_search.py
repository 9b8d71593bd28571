"""Every submission a staff member may see, in any state: searched, filtered and paged.

The inbox (``services.inbox``) lists open tasks; this lists cases, so a decided case, or one
waiting at another office's step, can be found again. It follows the inbox's pattern: a keyset
cursor (newest first, by id) instead of OFFSET, and a fixed number of queries per page (the
submissions, their open tasks, their form versions), however many rows it shows.

Who sees what is ``permissions``' rule, applied to versions rather than rows: a non-admin sees
the submissions of the form versions whose routing names one of their roles or their email.
Versions are few, so the set is computed in Python with the same ``roles_of_form`` and
``holds_any`` that ``can()`` uses, and the query filters by version id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

import schemas
from formbuilder.models import FormVersion, Submission, User, WorkflowTask
from formbuilder.services import listing
from formbuilder.services.permissions import holds_any, roles_of_form
from formbuilder.services.publishing import form_of
from schemas.i18n import gettext as translate
from workflows.records import STATUSES

PAGE_SIZE = 25
MAX_SUMMARY_TEXT = 80


@dataclass(frozen=True)
class Filters:
    form: str | None = None
    status: str | None = None  # one of workflows' STATUSES
    step: str | None = None  # the name of a step open now
    submitted_from: date | None = None
    submitted_to: date | None = None
    overdue: bool = False
    query: str = ""


@dataclass(frozen=True)
class Row:
    submission: Submission
    form: schemas.Form
    open_tasks: list[WorkflowTask] = field(default_factory=list)

    def overdue(self, now: datetime) -> bool:
        return any(t.overdue or (t.due_at is not None and t.due_at < now)
                   for t in self.open_tasks)

    @property
    def steps(self) -> list[int]:
        """The open steps' indexes, once each (an ``all_of`` step has a task per role)."""
        return sorted({t.step for t in self.open_tasks})


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next: int | None  # the id to continue below


def visible_versions(session: Session, user: User) -> list[int] | None:
    """The form version ids whose submissions ``user`` may view; ``None`` means all (admin)."""
    if user.is_admin:
        return None
    return [version.id for version in session.scalars(select(FormVersion))
            if holds_any(user, roles_of_form(form_of(version)))]


def visible_forms(session: Session, user: User) -> list[schemas.Form]:
    """The newest definition of each form the user sees some version of, by title."""
    versions = session.scalars(select(FormVersion).order_by(FormVersion.form_id,
                                                            FormVersion.number)).all()
    newest: dict[str, FormVersion] = {}
    for version in versions:
        if user.is_admin or holds_any(user, roles_of_form(form_of(version))):
            newest[version.form_id] = version
    return sorted((form_of(v) for v in newest.values()), key=lambda f: str(f.title))


def page(session: Session, versions: Sequence[int] | None, filters: Filters, *,
         now: datetime, after: int | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of submissions, newest first; ``versions`` from :func:`visible_versions`."""
    statement = select(Submission).where(*clauses(session, versions, filters, now))
    if after is not None:
        statement = statement.where(Submission.id < after)
    found, more = listing.one_page(
        list(session.scalars(statement.order_by(Submission.id.desc()).limit(size + 1))), size)
    tasks: dict[int, list[WorkflowTask]] = {s.id: [] for s in found}
    if found:
        for task in session.scalars(select(WorkflowTask).where(
                WorkflowTask.submission_id.in_(tasks), WorkflowTask.state == "open")
                .order_by(WorkflowTask.step, WorkflowTask.id)):
            tasks[task.submission_id].append(task)
    forms = _forms(session, {s.form_version_id for s in found})
    rows = [Row(s, forms[s.form_version_id], tasks[s.id]) for s in found]
    return Page(rows, found[-1].id if more and found else None)


def clauses(session: Session, versions: Sequence[int] | None, filters: Filters,
            now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE of a search: what the user may see, then each filter. Shared with exports."""
    found: list[ColumnElement[bool]] = []
    if versions is not None:
        found.append(Submission.form_version_id.in_(list(versions)))
    found += listing.equal_to((Submission.form_id, filters.form),
                              (Submission.status, filters.status))
    found += listing.within_days(Submission.created_at, filters.submitted_from,
                                 filters.submitted_to)
    task = WorkflowTask
    if filters.step:
        found.append(exists().where(task.submission_id == Submission.id, task.state == "open",
                                    task.name == filters.step))
    if filters.overdue:
        found.append(exists().where(task.submission_id == Submission.id, task.state == "open",
                                    or_(task.overdue.is_(True), task.due_at < now)))
    searched = listing.search(session, filters.query)
    if searched is not None:
        found.append(searched)
    return found


def parse_filters(args: Mapping[str, Any]) -> tuple[Filters, list[str]]:
    """Filters from a query string, and the names of the fields that were not valid (dropped
    and named, so the list still shows)."""
    read = listing.QueryArgs(args)
    status = read.choice("status", STATUSES)
    filters = Filters(
        form=read.text("form")[:63] or None, status=status,
        step=read.text("step")[:200] or None,
        submitted_from=read.day("from"), submitted_to=read.day("to"),
        overdue=read.text("overdue") in ("1", "on", "true", "yes"),
        query=read.text("q")[:listing.MAX_QUERY_LENGTH])
    if filters.submitted_from and filters.submitted_to \
            and filters.submitted_from > filters.submitted_to:
        read.problems.append("range")
    return filters, read.problems


# The id a "next page" link continues below; ``None`` for anything we did not make.
decode_cursor = listing.id_cursor


# --- What a row shows -------------------------------------------------------------------------


def applicant_name(form: schemas.Form, answers: Mapping[str, Any]) -> str:
    """The resident's name as they typed it, or an empty string when the form asks none."""
    path = form.applicant_name
    value = form.answer_at(path, answers) if path else None
    return _short(value) if isinstance(value, str) else ""


def summary(form: schemas.Form, answers: Mapping[str, Any], lang: str
            ) -> list[tuple[str, str]]:
    """The answers the form names in ``summary:``, as (question title, short text) pairs."""
    rows = []
    for path in form.summary:
        question = form.fields.get(path)
        if question is None:
            continue
        rows.append((question.title.get(lang), answer_text(question, form.answer_at(
            path, answers), lang)))
    return rows


def answer_text(question: Any, value: Any, lang: str) -> str:
    """One answer as a line of plain text (a choice by its label, a list joined)."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        return _short(", ".join(answer_text(question, v, lang) for v in value))
    if question.choices:
        return _short(question.label_for(value, lang))
    if isinstance(value, bool):
        return translate(lang, "Yes") if value else translate(lang, "No")
    if isinstance(value, Mapping):
        return ""
    return _short(str(value))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SUMMARY_TEXT else text[:MAX_SUMMARY_TEXT - 1] + "…"


def _forms(session: Session, ids: set[int]) -> dict[int, schemas.Form]:
    if not ids:
        return {}
    return {v.id: form_of(v) for v in session.scalars(
        select(FormVersion).where(FormVersion.id.in_(ids)))}
