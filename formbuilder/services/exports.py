"""A form's submissions as CSV or XLSX: one column per question, streamed in bounded memory.

Rows are read in keyset batches (``BATCH`` submissions and their decisions at a time), so an
export of 100,000 submissions holds one batch in memory, never the whole result: CSV is
yielded batch by batch as text, and XLSX goes through openpyxl's write-only mode, which
writes each row to a temporary file as it arrives. Repeating groups have many answers per
submission: they go to a second sheet (XLSX) or a second file (CSV), one row per item.

A cell a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) gets a leading apostrophe: an export is read by people who open it with
a double click, and a resident's answer must never become a command (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

import schemas
from formbuilder import timezones
from formbuilder.models import Event, FormVersion, Submission
from formbuilder.services import submissions_search
from formbuilder.services.publishing import form_of, latest_version
from schemas.fields import Field

BATCH = 1000
FORMATS = ("csv", "xlsx")
DECISIONS = ("approved", "rejected", "returned")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EXCEL_MAX_TEXT = 32_767


def neutralise(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell: text that would run as a formula is quoted."""
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            value = "'" + value
        return value[:_EXCEL_MAX_TEXT]
    return value


@dataclass(frozen=True)
class Layout:
    """The columns of an export, from the form's newest version (older versions' answers
    fill the same columns by question name; a dropped question keeps no column)."""

    form: schemas.Form
    questions: list[Field]  # asked once: one column each
    repeats: list[tuple[Field, list[Field]]]  # repeating groups and their items' questions
    zone: str
    version_numbers: dict[int, int]

    def header(self) -> list[str]:
        steps = [f"{step.name.default}: {what}" for step in self.form.routing
                 for what in ("outcome", "decided at")]
        return ["reference", "status", f"sent ({self.zone})", f"last change ({self.zone})",
                "language", "form version", *[q.path for q in self.questions], *steps]

    def item_header(self) -> list[str]:
        return ["reference", "group", "item", *sorted({f"{group.path}.{child.name}"
                                                        for group, children in self.repeats
                                                        for child in children})]


def layout(session: Session, form_id: str, zone: str) -> Layout | None:
    version = latest_version(session, form_id)
    if version is None:
        return None
    form = form_of(version)
    questions: list[Field] = []
    repeats: list[tuple[Field, list[Field]]] = []

    def walk(fields: Sequence[Field]) -> None:
        for field in fields:
            if field.kind == "group":
                walk(form.children(field.path))
            elif field.kind == "repeat":
                repeats.append((field, [c for c in form.children(field.path)
                                        if c.kind not in ("group", "repeat")]))
            else:
                questions.append(field)

    walk(form.top_fields)
    numbers = {row.id: row.number for row in session.execute(
        select(FormVersion.id, FormVersion.number).where(FormVersion.form_id == form_id))}
    return Layout(form, questions, repeats, zone, numbers)


def batches(session: Session, form_id: str, filters: submissions_search.Filters, *,
            versions: Sequence[int] | None, now: datetime, batch: int = BATCH
            ) -> Iterator[list[tuple[Submission, dict[int, tuple[str, datetime]]]]]:
    """The matching submissions, oldest first, ``batch`` at a time, each with the last
    decision per step: two queries per batch, whatever the export's size."""
    filters = submissions_search.Filters(
        form=form_id, status=filters.status, submitted_from=filters.submitted_from,
        submitted_to=filters.submitted_to)
    where = submissions_search.clauses(session, versions, filters, now)
    last = 0
    while True:
        rows = list(session.scalars(select(Submission).where(*where, Submission.id > last)
                                    .order_by(Submission.id).limit(batch)))
        if not rows:
            return
        decided: dict[int, dict[int, tuple[str, datetime]]] = {row.id: {} for row in rows}
        for event in session.scalars(select(Event).where(
                Event.submission_id.in_(decided), Event.kind.in_(DECISIONS))
                .order_by(Event.id)):
            step = (event.data or {}).get("step")
            if isinstance(step, int):
                decided[event.submission_id][step] = (event.kind, event.at)
        yield [(row, decided[row.id]) for row in rows]
        session.expunge_all()  # keep memory bounded: the batch's objects are done with
        last = rows[-1].id


def _time(moment: datetime | None, zone: str) -> datetime | None:
    """A naive local time: spreadsheets show naive times as written; the header names the
    zone."""
    return timezones.local(moment, zone).replace(tzinfo=None, microsecond=0) if moment else None


def main_row(shape: Layout, submission: Submission,
             decided: dict[int, tuple[str, datetime]], lang: str) -> list[Any]:
    answers = submission.answers or {}
    cells: list[Any] = [submission.reference, submission.status,
                        _time(submission.created_at, shape.zone),
                        _time(submission.updated_at, shape.zone), submission.language,
                        shape.version_numbers.get(submission.form_version_id)]
    for question in shape.questions:
        cells.append(_cell(question, shape.form.answer_at(question.path, answers), lang))
    for index in range(len(shape.form.routing)):
        outcome, at = decided.get(index, ("", None))
        cells += [outcome, _time(at, shape.zone)]
    return [neutralise(cell) for cell in cells]


def item_rows(shape: Layout, submission: Submission, lang: str) -> Iterator[list[Any]]:
    columns = shape.item_header()[3:]
    for group, children in shape.repeats:
        items = shape.form.answer_at(group.path, submission.answers or {})
        for number, item in enumerate(items if isinstance(items, list) else [], start=1):
            values = {f"{group.path}.{c.name}": _cell(c, item.get(c.name), lang)
                      for c in children if isinstance(item, dict)}
            yield [neutralise(v) for v in [submission.reference, group.path, number,
                                           *[values.get(name, "") for name in columns]]]


def _cell(question: Field, value: Any, lang: str) -> Any:
    """Numbers and booleans stay numbers and booleans; choices read as their labels."""
    if value is None:
        return None
    if question.choices or isinstance(value, list | dict):
        return submissions_search.answer_text(question, value, lang)
    return value


# --- Writers ------------------------------------------------------------------------------------


def csv_text(shape: Layout, chunks: Iterator[list[Any]], *, items: bool = False,
             lang: str = "en") -> Iterator[str]:
    """The CSV, as text chunks (one per batch) for a streamed response or a file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(shape.item_header() if items else shape.header())
    for chunk in chunks:
        for submission, decided in chunk:
            if items:
                writer.writerows(item_rows(shape, submission, lang))
            else:
                writer.writerow(main_row(shape, submission, decided, lang))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(shape: Layout, chunks: Iterator[list[Any]], target: str | Path | IO[bytes], *,
               lang: str = "en") -> int:
    """The XLSX workbook (a second sheet holds repeating groups' items); returns the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Submissions")
    sheet.append(shape.header())
    items = book.create_sheet("Items") if shape.repeats else None
    if items is not None:
        items.append(shape.item_header())
    count = 0
    for chunk in chunks:
        for submission, decided in chunk:
            sheet.append(main_row(shape, submission, decided, lang))
            if items is not None:
                for row in item_rows(shape, submission, lang):
                    items.append(row)
            count += 1
    book.save(target)
    return count
