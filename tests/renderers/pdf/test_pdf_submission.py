"""Submission PDFs of every example form: every answer printed, archival metadata, the
answers attached as JSON, the reference and page numbers on every page.

Each example's PDF is drawn once per test run: the module's tests share ``rendered`` and stay
on one pytest-xdist worker (``xdist_group``; ``make test`` schedules with ``loadgroup``).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from example_forms import every_example
from pdf_answers import Filled, filled
from pdf_checks import pages_text, squeezed, write_pngs
from pypdf import PdfReader

import schemas
from renderers.html import structure
from renderers.html.questions import widget_of
from renderers.pdf import HistoryRow, SafeFetcher, render_submission, submission_html
from schemas.flow import applicable_answers, visible_at

FORMS = every_example()
pytestmark = pytest.mark.xdist_group("submission-pdfs")
SUBMITTED = datetime(2026, 5, 1, 14, 30, tzinfo=UTC)
REFERENCE = "PW-2026-000123"


def history(form: schemas.Form) -> list[HistoryRow]:
    rows = [HistoryRow("submitted", "resident", SUBMITTED)]
    for index, step in enumerate(form.routing):
        role = step.assignees[0] if step.assignees else None
        rows.append(HistoryRow("approved", f"officer{index}@example.gov",
                               SUBMITTED + timedelta(days=index + 1), index, role,
                               f"Checked at step {index + 1}"))
    return rows


class Rendered:
    def __init__(self, form: schemas.Form, lang: str) -> None:
        self.form = form
        self.case: Filled = filled(form)
        self.fetcher = SafeFetcher(self.case.fetch)
        self.history = history(form)
        self.pdf = render_submission(
            form, self.case.answers, lang=lang, reference=REFERENCE, submitted_at=SUBMITTED,
            version_number=3, city_name="City of Example", attachments=self.case.files,
            history=self.history, fetcher=self.fetcher)
        self.pages = pages_text(self.pdf)
        self.text = squeezed("".join(self.pages))


@pytest.fixture(scope="module")
def rendered() -> dict[str, Rendered]:
    return {name: Rendered(form, form.default_language) for name, form in FORMS.items()}


def expected_words(form: schemas.Form, case: Filled, lang: str) -> list[str]:
    """Every leaf answer that applies, as a person would read it."""
    answers = case.answers
    clean = applicable_answers(form, answers)
    found: list[str] = []

    def walk(question: schemas.Field, value: Any, path: str) -> None:
        if widget_of(question) == "hidden" or not visible_at(form, path, answers):
            return
        if question.kind == "group" and isinstance(value, dict):
            for child in form.children(question.path):
                if child.name in value:
                    walk(child, value[child.name], f"{path}.{child.name}")
        elif question.kind == "repeat" and isinstance(value, list):
            for index, item in enumerate(value):
                for child in form.children(question.path):
                    if isinstance(item, dict) and child.name in item:
                        walk(child, item[child.name], f"{path}.{index}.{child.name}")
        elif isinstance(value, list):
            for item in value:
                found.append(leaf(question, item))
        else:
            found.append(leaf(question, value))

    def leaf(question: schemas.Field, value: Any) -> str:
        if question.kind in ("file", "files"):
            return case.files[value].name
        if question.choices:
            return question.label_for(value, lang)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, int) and question.schema.get("minimum", 0) >= 1000 \
                and question.schema.get("maximum", 10_000) <= 9999:
            return str(value)  # a year: 2019
        if isinstance(value, int | float):
            money = question.ui.get("widget") == "money"
            return format_decimal(value, format="#,##0.00" if money else None, locale=lang)
        if question.format == "date":
            return format_date(date.fromisoformat(value), format="long", locale=lang)
        if question.format == "date-time":
            moment = datetime.fromisoformat(value)
            return format_datetime(moment, format="medium", tzinfo=moment.tzinfo, locale=lang)
        if question.format == "time":
            return format_time(time.fromisoformat(value), format="short", locale=lang)
        return str(value)

    for question in form.top_fields:
        if question.name in clean and not structure.is_fixed(question):
            walk(question, clean[question.name], question.name)
    return [word for word in found if word]


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_answer_of_every_example_is_printed(rendered, name):
    result = rendered[name]
    words = expected_words(result.form, result.case, result.form.default_language)
    assert words, "the resident answered nothing?"
    missing = [w for w in words if squeezed(w) not in result.text]
    assert not missing, f"not in the PDF of {name}: {missing}"


@pytest.mark.parametrize("name", sorted(FORMS))
def test_header_history_and_page_footer(rendered, name):
    result = rendered[name]
    form = result.form
    assert squeezed("City of Example") in result.text
    assert squeezed(form.title.get("en")) in result.text
    if form.department:
        assert squeezed(form.department.get("en")) in result.text
    assert squeezed("May 1, 2026") in result.text
    assert squeezed("Approval history") in result.text
    for row in result.history[1:]:
        assert squeezed(row.comment) in result.text
        assert squeezed(form.routing[row.step].name.get("en")) in result.text
        assert squeezed(row.actor) in result.text
    total = len(result.pages)
    for number, page in enumerate(result.pages, 1):
        assert REFERENCE in page, f"page {number} lacks the reference"
        assert f"Page {number} of {total}" in page


@pytest.mark.parametrize("name", sorted(FORMS))
def test_archival_metadata_and_the_answers_attached(rendered, name):
    result = rendered[name]
    reader = PdfReader(io.BytesIO(result.pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert str(xmp.pdfaid_part) == "3" and xmp.pdfaid_conformance == "B"
    info = reader.metadata
    assert info.title == f"{result.form.title.get('en')} – {REFERENCE}"
    assert REFERENCE in info.subject and REFERENCE in info["/Keywords"]
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged for screen readers
    attached = reader.attachments["answers.json"]
    assert json.loads(attached[0]) == result.case.answers


def test_photos_are_embedded_and_other_files_listed_with_their_digest(rendered):
    with_files = [r for r in rendered.values() if r.case.files]
    assert with_files
    for result in with_files:
        images = sum(len(page.images) for page in PdfReader(io.BytesIO(result.pdf)).pages)
        photos = [f for f in result.case.files.values() if f.is_image]
        assert images >= len({f.id for f in photos})
        for info in result.case.files.values():
            assert info.sha256 in result.text
            assert squeezed(info.name) in result.text
        allowed = {"asset:pdf.css"} | {f"attachment:{f.id}" for f in photos}
        assert set(result.fetcher.requested) <= allowed
        assert not result.fetcher.refused


def test_repeating_groups_print_as_tables(rendered):
    forms = [r for r in rendered.values()
             if any(f.kind == "repeat" and f.parent is None for f in r.form.fields.values())]
    assert forms
    for result in forms:
        repeat = next(f for f in result.form.fields.values()
                      if f.kind == "repeat" and f.parent is None)
        items = result.case.answers.get(repeat.name) or []
        html = submission_html(result.form, result.case.answers, lang="en",
                               reference=REFERENCE, submitted_at=SUBMITTED, version_number=3,
                               city_name="City of Example", attachments=result.case.files)
        table = html.split('<table class="items">', 1)[1].split("</table>", 1)[0]
        for child in result.form.children(repeat.path)[:2]:
            assert f'<th scope="col">{child.title.get("en")}</th>' in table
        assert table.count("<tr>") == 1 + len(items)


@pytest.mark.parametrize(("lang", "words"), [
    ("es", ["Historial de aprobación", "Número de referencia"]),
    ("zh", ["审批记录", "表格版本"]),
])
def test_spanish_and_chinese_text_extracts(lang, words):
    form = next(f for f in FORMS.values() if "es" in f.languages)
    result = Rendered(form, lang)
    for word in [*words, form.title.get(lang)]:
        assert squeezed(word) in result.text
    if lang == "es":
        assert squeezed(form.pages[0].title.get("es")) in result.text
    write_pngs(result.pdf, f"filled-{form.id}-{lang}")


def test_pages_as_png_for_review(rendered):
    written = []
    for name, result in rendered.items():
        written += write_pngs(result.pdf, f"filled-{name}")
    assert len(written) >= len(rendered)
