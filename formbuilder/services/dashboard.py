"""A form's dashboard: how it is doing, in a fixed number of queries over a recent window.

Each figure is one aggregate query, filtered by form and by the window's start on an indexed
column (``submissions (form_id, created_at)`` and ``(form_id, status)``, ``workflow_tasks
(form_id, closed_at)`` and ``(form_id, state, due_at)``, ``satisfaction_answers (form_id,
created_at)``, ``form_page_counts``' key), so the page costs the same number of queries on a
city's first day and after a million submissions, and reads only the window's rows.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from formbuilder.models import FormPageCount, SatisfactionAnswer, Submission, WorkflowTask

WEEKS = 12
RATINGS = (1, 2, 3, 4, 5)


@dataclass
class StepTimes:
    step: int
    decided: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class Dashboard:
    weeks: list[tuple[date, int]]
    started: int
    sent: int
    pages: list[tuple[int, int]]  # (page index, residents who reached it)
    steps: list[StepTimes]
    overdue: int
    outcomes: dict[str, int]
    ratings: dict[int, int]
    comments: list[str] = field(default_factory=list)

    @property
    def completion(self) -> float | None:
        return self.sent / self.started if self.started else None

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def mean_rating(self) -> float | None:
        return sum(k * v for k, v in self.ratings.items()) / self.rated if self.rated else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def build(session: Session, form_id: str, now: datetime, weeks: int = WEEKS) -> Dashboard:
    first = week_start(now.date()) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, time(0), tzinfo=UTC)
    day = _day(session, Submission.created_at)
    per_day = session.execute(
        select(day.label("day"), func.count()).where(
            Submission.form_id == form_id, Submission.created_at >= since).group_by(day)).all()
    counts: Counter[date] = Counter()
    for row_day, count in per_day:
        counts[week_start(_as_date(row_day))] += count
    week_list = [(first + timedelta(weeks=n), counts[first + timedelta(weeks=n)])
                 for n in range(weeks)]
    pages = _pages(session, form_id, first)
    outcomes = {status: count for status, count in session.execute(
        select(Submission.status, func.count()).where(
            Submission.form_id == form_id, Submission.created_at >= since)
        .group_by(Submission.status))}
    overdue = session.scalar(select(func.count()).select_from(WorkflowTask).where(
        WorkflowTask.form_id == form_id, WorkflowTask.state == "open",
        WorkflowTask.due_at < now)) or 0
    durations: dict[int, list[float]] = defaultdict(list)
    for step, opened, closed in session.execute(
            select(WorkflowTask.step, WorkflowTask.opened_at, WorkflowTask.closed_at).where(
                WorkflowTask.form_id == form_id, WorkflowTask.closed_at >= since)):
        if closed is not None:  # the filter already leaves out open tasks
            durations[step].append((closed - opened).total_seconds() / 3600)
    ratings = {rating: count for rating, count in session.execute(
        select(SatisfactionAnswer.rating, func.count()).where(
            SatisfactionAnswer.form_id == form_id, SatisfactionAnswer.created_at >= since,
            SatisfactionAnswer.rating.is_not(None)).group_by(SatisfactionAnswer.rating))}
    latest = session.scalars(select(SatisfactionAnswer.comment).where(
        SatisfactionAnswer.form_id == form_id, SatisfactionAnswer.created_at >= since,
        SatisfactionAnswer.comment.is_not(None)).order_by(
        SatisfactionAnswer.created_at.desc()).limit(5))
    comments = [comment for comment in latest if comment is not None]
    return Dashboard(
        weeks=week_list, started=pages.get(0, 0), sent=sum(counts.values()),
        pages=sorted(pages.items()),
        steps=[StepTimes(step, len(values), percentile(values, 50), percentile(values, 90))
               for step, values in sorted(durations.items())],
        overdue=overdue, outcomes=outcomes,
        ratings={r: ratings.get(r, 0) for r in RATINGS}, comments=comments)


def _pages(session: Session, form_id: str, first: date) -> dict[int, int]:
    return {page: int(total) for page, total in session.execute(
        select(FormPageCount.page, func.sum(FormPageCount.count)).where(
            FormPageCount.form_id == form_id, FormPageCount.day >= first)
        .group_by(FormPageCount.page))}


def percentile(values: Sequence[float], q: int) -> float | None:
    """The nearest-rank percentile: a real observed duration, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def count_page(session: Session, form_id: str, page: int, day: date) -> None:
    """One more resident reached ``page`` (0: started the form) today: an upsert, so
    residents filling in at once never lose a count."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(FormPageCount).values(form_id=form_id, day=day, page=page, count=1)
    session.execute(statement.on_conflict_do_update(
        index_elements=["form_id", "day", "page"],
        set_={"count": FormPageCount.count + 1}))


def _day(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
