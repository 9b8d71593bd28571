"""A form version as a printable blank form: what each page asks, and when.

The questions are the HTML renderer's own views (``renderers.html.question_views``' builder)
built for no answers, so labels, hints, choices, units and the "Answer only if …" sentences of
conditional questions are exactly those residents see online. On paper every question is
printed, conditional ones included, each saying when it applies: a page's ``when`` in words
(``renderers.pdf.words``) and a branch's condition from ``schemas.flow.describe_branch``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from renderers.html import structure
from renderers.html.questions import QuestionBuilder
from renderers.html.views import Question
from renderers.pdf.words import describe_when
from schemas.i18n import gettext
from schemas.model import Form

BLANK_ITEMS = 3
MAX_TABLE_COLUMNS = 5


@dataclass
class BlankPage:
    title: str
    condition: str | None
    questions: list[Question]


@dataclass
class BlankTable:
    """A repeating group as a table to write in: its columns and how many empty rows."""

    columns: list[str] = field(default_factory=list)
    rows: int = BLANK_ITEMS


def blank_pages(form: Form, lang: str | None) -> list[BlankPage]:
    """Every page of the form, each with every question it can ask."""
    builder = QuestionBuilder(form, {}, None, lang)
    builder.page_names = {f.name for f in form.top_fields}
    pages = []
    for page in form.pages:
        top = structure.ordered(form, structure.as_fields(form, page.fields))
        questions = [builder.question(f, f.name, {}) for f in top]
        pages.append(BlankPage(
            title=page.title.get(lang) or form.title.get(lang),
            condition=describe_when(form, page.when, lang) if page.when else None,
            questions=[q for q in questions if q.widget != "hidden"]))
    return pages


def blank_table(form: Form, question: Question, lang: str | None) -> BlankTable | None:
    """The table a repeating group is printed as, or ``None`` when it has too many columns
    (then it is printed item by item, like a group)."""
    found = form.fields.get(question.path)
    if found is None or found.kind != "repeat":
        return None
    children = [c for c in structure.children_of(form, found)
                if c.ui.get("widget") != "hidden"]
    if not children or len(children) > MAX_TABLE_COLUMNS or any(
            c.kind in ("group", "repeat", "textarea") for c in children):
        return None
    rows = max(structure.min_items(found), min(BLANK_ITEMS, structure.max_items(found)))
    return BlankTable([c.title.get(lang) for c in children], rows)


def blank_items(form: Form, question: Question, lang: str | None) -> list[Question]:
    """The questions of one item of a repeating group printed as items."""
    found = form.fields.get(question.path)
    if found is None:
        return []
    builder = QuestionBuilder(form, {}, None, lang)
    builder.page_names = {f.name for f in form.top_fields}
    return [builder.question(c, f"{question.path}.0.{c.name}", {}, True)
            for c in structure.children_of(form, found)]


def instructions(lang: str | None) -> list[str]:
    """How to fill in the paper form, before its first question."""
    return [
        gettext(lang, "Write clearly in black or blue ink, one answer in each box."),
        gettext(lang, "Round marks (○): tick one. Square marks (□): tick all that apply."),
        gettext(lang, "Questions marked “Answer only if …” apply only to some people: skip them "
                      "when the condition does not hold for you."),
    ]
