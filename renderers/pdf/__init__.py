"""Submission PDFs and printable blank forms, drawn with WeasyPrint.

Pure: a form, answers, files and history in, PDF bytes out. No web framework, no database, no
network, no file system: WeasyPrint reaches nothing but this package's stylesheet and the
submission's images, through ``fetch_attachment`` (see ``renderers.pdf.fetcher``).

- ``render_submission(form, answers, ...)``: the record of one submission: letterhead, every
  answer under its page in the resident's language, repeating groups as tables, photos
  embedded, other files listed with size and SHA-256, the approval history, "Page x of y" and
  the reference on every page. PDF/A-3b with the answers attached as ``answers.json``.
- ``render_blank(form, lang=...)``: the form to fill in by hand: boxes and lines, drawn
  checkboxes and radios, instructions, and "Answer only if …" for conditional questions.
- ``history_rows(events)`` turns a submission's history records into ``HistoryRow``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from renderers.pdf.answers import PrintedAnswers, file_rows
from renderers.pdf.blank import blank_items, blank_pages, blank_table, instructions
from renderers.pdf.document import (
    answers_attachment,
    keywords,
    moment,
    render_html,
    write_pdf,
)
from renderers.pdf.fetcher import FetchAttachment, SafeFetcher
from renderers.pdf.records import AttachmentInfo, HistoryRow, history_rows, step_name
from renderers.pdf.words import describe_condition, describe_when
from schemas.i18n import N_, gettext
from schemas.model import Form

__all__ = [
    "AttachmentInfo",
    "HistoryRow",
    "SafeFetcher",
    "blank_html",
    "describe_condition",
    "describe_when",
    "history_rows",
    "render_blank",
    "render_submission",
    "submission_html",
]

DECISION_WORDS = {
    "submitted": N_("Submitted"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "returned": N_("Returned for changes"),
    "resubmitted": N_("Resubmitted with changes"),
}


def submission_html(form: Form, answers: Mapping[str, Any] | None, *, lang: str,
                    reference: str, submitted_at: datetime, version_number: int,
                    city_name: str, attachments: Mapping[str, AttachmentInfo] | None = None,
                    history: Sequence[HistoryRow] = (), time_zone: str = "UTC",
                    office: Mapping[int, Mapping[str, Any]] | None = None) -> str:
    """The HTML ``render_submission`` prints (for tests and the benchmark's baseline); times
    are shown in ``time_zone`` (an IANA name), named. ``office``: what each step's approvers
    entered in its own fields, by step index (``workflows.State.office``)."""
    files = dict(attachments or {})
    title = form.title.get(lang)
    department = form.department.get(lang) if form.department else ""
    return render_html(
        "submission.html", lang,
        city_name=city_name, department=department, form_title=title, reference=reference,
        submitted=moment(submitted_at, lang, time_zone), submitted_iso=submitted_at.isoformat(),
        version_number=version_number,
        sections=PrintedAnswers(form, answers, lang, files).sections(),
        files=file_rows(form, answers, files),
        history=[_history_view(form, row, lang, time_zone) for row in history],
        office=_office_boxes(form, office or {}, lang, files),
        computed=[(form.computed[name].title.get(lang), str(value)) for name, value
                  in form.computed_values(answers, office).items()],
        meta_title=f"{title} – {reference}",
        meta_subject=gettext(lang, "Submission %(reference)s to %(department)s, %(city)s",
                             reference=reference, department=department or title,
                             city=city_name),
        meta_keywords=keywords(reference, form.id, department, form.keywords))


def render_submission(form: Form, answers: Mapping[str, Any] | None, *, lang: str,
                      reference: str, submitted_at: datetime, version_number: int,
                      city_name: str, attachments: Mapping[str, AttachmentInfo] | None = None,
                      history: Sequence[HistoryRow] = (),
                      fetch_attachment: FetchAttachment | None = None,
                      fetcher: SafeFetcher | None = None, time_zone: str = "UTC",
                      office: Mapping[int, Mapping[str, Any]] | None = None) -> bytes:
    """The submission's archival PDF; ``fetch_attachment(id)`` gives a stored file's bytes
    (only images are ever asked for, to embed them). Pass ``fetcher`` to see what was
    fetched."""
    html = submission_html(form, answers, lang=lang, reference=reference,
                           submitted_at=submitted_at, version_number=version_number,
                           city_name=city_name, attachments=attachments, history=history,
                           time_zone=time_zone, office=office)
    fetcher = fetcher or SafeFetcher(fetch_attachment)
    return write_pdf(html, fetcher=fetcher,
                     attachments=[answers_attachment(dict(answers or {}), fetcher)])


def blank_html(form: Form, *, lang: str, city_name: str) -> str:
    """The HTML ``render_blank`` prints."""
    title = form.title.get(lang)
    department = form.department.get(lang) if form.department else ""

    def table(question: Any) -> Any:
        return blank_table(form, question, lang)

    def items(question: Any) -> Any:
        return blank_items(form, question, lang)

    return render_html(
        "blank.html", lang, city_name=city_name, department=department, form_title=title,
        description=form.description.get(lang) if form.description else "",
        instructions=instructions(lang), pages=blank_pages(form, lang),
        table_of=table, items_of=items, form_id=form.id,
        meta_title=title,
        meta_subject=gettext(lang, "Blank paper form of %(department)s, %(city)s",
                             department=department or title, city=city_name),
        meta_keywords=keywords(form.id, department, form.keywords))


def render_blank(form: Form, *, lang: str, city_name: str,
                 fetcher: SafeFetcher | None = None) -> bytes:
    """The form as a PDF to print and fill in by hand."""
    return write_pdf(blank_html(form, lang=lang, city_name=city_name), fetcher=fetcher)


def _office_boxes(form: Form, office: Mapping[int, Mapping[str, Any]], lang: str,
                  files: Mapping[str, AttachmentInfo]) -> list[dict[str, Any]]:
    """A "For office use" box per step with fields, as the paper form ended: each field with
    what was entered, or a line left blank to write on."""
    boxes = []
    for index, step in enumerate(form.routing):
        if step.questions is None:
            continue
        values = office.get(index) or {}
        printed = PrintedAnswers(step.questions, values, lang, files)
        rows = [(found.title.get(lang),
                 printed.display(found, values[found.name], found.name)
                 if values.get(found.name) not in (None, "") else "")
                for found in step.questions.top_fields]
        boxes.append({"step": step.name.get(lang), "rows": rows})
    return boxes


def _history_view(form: Form, row: HistoryRow, lang: str, time_zone: str) -> dict[str, str]:
    step = step_name(form, row.step, lang)
    person = row.actor if row.actor not in ("resident", "system") else {
        "resident": gettext(lang, "The applicant"), "system": gettext(lang, "Automatic")}[row.actor]
    if row.role and row.role != row.actor:
        person = gettext(lang, "%(person)s for %(role)s", person=person, role=row.role)
    return {"step": step, "person": person, "time": moment(row.at, lang, time_zone),
            "decision": gettext(lang, DECISION_WORDS.get(row.kind, row.kind)),
            "comment": row.comment or ""}
