"""Answers as words: the "Check your answers" list and the error summary.

Only questions that are asked for these answers are listed (pages whose ``when`` holds,
branches that apply), from the applicable answers, so what the resident checks is exactly what
will be submitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from renderers.html import structure
from renderers.html.questions import Attachments, widget_of
from renderers.html.text import field_id, safe_url
from renderers.html.values import MISSING, file_size, is_money, number_text, prefix_of, suffix_of
from schemas.fields import Field
from schemas.flow import active_pages, applicable_answers, visible_at
from schemas.i18n import gettext
from schemas.model import Form

ChangeUrl = Callable[[int, str], str]


@dataclass
class Row:
    key: str
    value: Markup
    change_url: str | None = None


@dataclass
class Block:
    """Rows under an optional heading (a group, or one item of a repeating group)."""

    heading: str | None = None
    rows: list[Row] = field(default_factory=list)


@dataclass
class Section:
    """One page of the form."""

    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class SummaryItem:
    message: str
    href: str | None


def error_items(form: Form, errors: Iterable[Any] | None,
                fields: Iterable[Field | str] | None = None) -> list[SummaryItem]:
    """One entry per question with an error (the one shown next to it), linked to its first
    input; errors about the whole submission, or about a hidden question the resident cannot
    change, come without a link."""
    names = None if fields is None else {f.name if isinstance(f, Field) else str(f).split(".")[0]
                                         for f in fields}
    items: list[SummaryItem] = []
    seen: set[str | None] = set()
    order = structure.drawing_order(form)
    # In the order of the page, whatever order the errors were found in (upload checks, then
    # the schema's own order), so the list reads top to bottom like the questions.
    by_page = sorted(errors or (), key=lambda error: structure.drawn_position(
        order, str(getattr(error, "path", "") or "")))
    for error in by_page:
        message = str(getattr(error, "message", "") or "")
        found = structure.split_path(form, str(getattr(error, "path", "") or ""))
        owner = found[-1][0] if found else None
        if not message or (owner is not None and owner in seen):
            continue
        if names is not None and owner is not None and owner.split(".")[0] not in names:
            continue
        seen.add(owner)
        anchor = None
        if owner is not None and widget_of(found[-1][1]) != "hidden":
            anchor = f"#{field_id(owner)}"
        items.append(SummaryItem(message, anchor))
    return items


class CheckAnswers:
    """Builds the sections of "Check your answers" for one submission and language."""

    def __init__(self, form: Form, answers: Mapping[str, Any] | None, lang: str | None,
                 change_url: ChangeUrl | None, attachments: Attachments | None) -> None:
        self.form = form
        self.raw = answers if isinstance(answers, Mapping) else {}
        self.answers = applicable_answers(form, self.raw)
        self.lang = lang
        self.change_url = change_url
        self.attachments = attachments

    def _(self, message: str, **params: Any) -> str:
        return gettext(self.lang, message, **params)

    def sections(self) -> list[Section]:
        sections = []
        for index in active_pages(self.form, self.raw):
            page = self.form.pages[index]
            section = Section(page.title.get(self.lang) or self.form.title.get(self.lang),
                              [Block()])
            fields = structure.ordered(self.form, structure.as_fields(self.form, page.fields))
            for question in fields:
                if self._shown(question, question.name):
                    self._add(section, index, question, question.name, self.answers)
            section.blocks = [b for b in section.blocks if b.rows or b.heading]
            if section.blocks:
                sections.append(section)
        return sections

    def _shown(self, question: Field, path: str) -> bool:
        return widget_of(question) != "hidden" and visible_at(self.form, path, self.raw)

    def _add(self, section: Section, page: int, question: Field, path: str,
             parent: Any) -> None:
        value = parent.get(question.name, MISSING) if isinstance(parent, Mapping) else MISSING
        if question.kind == "group":
            block = Block(question.title.get(self.lang))
            section.blocks.append(block)
            inner = value if isinstance(value, Mapping) else {}
            for child in structure.children_of(self.form, question):
                child_path = f"{path}.{child.name}"
                if self._shown(child, child_path):
                    block.rows.append(self._row(page, child, child_path, inner))
            section.blocks.append(Block())
        elif question.kind == "repeat":
            self._repeat(section, page, question, path, value)
        else:
            section.blocks[-1].rows.append(self._row(page, question, path, parent))

    def _repeat(self, section: Section, page: int, question: Field, path: str,
                value: Any) -> None:
        entries = [e if isinstance(e, Mapping) else {} for e in value] \
            if isinstance(value, list) else []
        name = self.form.item_label(question.path, self.lang)
        if not entries:
            section.blocks.append(Block(question.title.get(self.lang), [Row(
                question.title.get(self.lang), self._not_answered(),
                self._change(page, path, question))]))
        for index, entry in enumerate(entries):
            block = Block(self._("%(item)s %(number)s", item=name, number=index + 1))
            section.blocks.append(block)
            for child in structure.children_of(self.form, question):
                child_path = f"{path}.{index}.{child.name}"
                if self._shown(child, child_path):
                    block.rows.append(self._row(page, child, child_path, entry))
        section.blocks.append(Block())

    def _row(self, page: int, question: Field, path: str, parent: Any) -> Row:
        value = parent.get(question.name, MISSING) if isinstance(parent, Mapping) else MISSING
        if structure.is_fixed(question):
            present = isinstance(parent, Mapping) and question.name in parent
            value = structure.fixed_value(question, value, present)
        return Row(question.title.get(self.lang), self.display(question, value, path),
                   self._change(page, path, question))

    def _change(self, page: int, path: str, question: Field) -> str | None:
        if self.change_url is None or structure.is_fixed(question):
            return None
        return safe_url(self.change_url(page, path))

    def _not_answered(self) -> Markup:
        return Markup('<span class="secondary-text">{}</span>').format(self._("Not answered"))

    # --- Values as words ----------------------------------------------------------------------

    def display(self, question: Field, value: Any, path: str = "") -> Markup:
        """An answer as the resident reads it back; every piece of it escaped."""
        if value is MISSING or value is None or value == "" or value == [] or value == {}:
            return self._not_answered()
        kind = question.kind
        if kind == "group" and isinstance(value, Mapping):
            return self._group(question, value, path)
        if kind == "repeat" and isinstance(value, list):
            items = [self._group(question, v if isinstance(v, Mapping) else {}, path)
                     for v in value]
            return Markup('<ul class="list">{}</ul>').format(
                Markup("").join(Markup("<li>{}</li>").format(i) for i in items))
        if kind in ("multichoice", "list", "tuple", "files") and isinstance(value, list):
            return self._many(question, value)
        if kind in ("file", "files"):
            return self._file(value)
        return Markup("{}").format(self.words(question, value))

    def words(self, question: Field, value: Any) -> str | Markup:
        if question.choices:
            return question.label_for(value, self.lang)
        if isinstance(value, bool):
            return self._("Yes") if value else self._("No")
        if isinstance(value, int | float):
            return self._number(question, value)
        if isinstance(value, str):
            return self._text(question, value)
        return str(value)

    def _group(self, question: Field, value: Mapping[str, Any], path: str) -> Markup:
        lines = []
        for child in structure.children_of(self.form, question):
            answer = value.get(child.name, MISSING)
            if structure.is_fixed(child):
                answer = structure.fixed_value(child, answer, child.name in value)
            if answer not in (MISSING, None, "", [], {}) and widget_of(child) != "hidden":
                lines.append(self.display(child, answer, f"{path}.{child.name}"))
        return Markup("<br>").join(lines) if lines else self._not_answered()

    def _many(self, question: Field, values: list[Any]) -> Markup:
        if question.kind == "files":
            shown = [self._file(v) for v in values]
        elif question.kind == "multichoice":
            shown = [Markup("{}").format(self.words(question, v)) for v in values]
        else:
            items = structure.item_fields(self.form, question)
            shown = [Markup("{}").format(self.words(
                items[min(i, len(items) - 1)] if items else question, v))
                for i, v in enumerate(values)]
        if len(shown) == 1:
            return shown[0]
        return Markup('<ul class="list">{}</ul>').format(
            Markup("").join(Markup("<li>{}</li>").format(s) for s in shown))

    def _file(self, attachment_id: Any) -> Markup:
        found = self.attachments(str(attachment_id)) if self.attachments else None
        info = found if isinstance(found, Mapping) else {}
        name = str(info.get("name") or attachment_id)
        out = Markup("")
        if info.get("thumbnail_url"):
            out += Markup('<img class="thumbnail" src="{}" alt="">').format(
                safe_url(info["thumbnail_url"]))
        out += Markup('<a class="link" href="{}">{}</a>').format(safe_url(info["url"]), name) \
            if info.get("url") else escape(name)
        if info.get("size"):
            out += Markup(' <span class="secondary-text">({})</span>').format(
                file_size(info["size"]))
        return Markup('<span class="file-answer">{}</span>').format(out)

    def _number(self, question: Field, value: int | float) -> str:
        locale = _locale(self.lang)
        try:
            if is_money(question):
                shown = format_decimal(value, format="#,##0.00", locale=locale)
            elif _four_digit_code(question):
                shown = str(value)  # a year or a code: 2019, not "2,019"
            else:
                shown = format_decimal(value, locale=locale, decimal_quantization=False)
        except (ValueError, ArithmeticError):
            shown = number_text(value)
        prefix, suffix = prefix_of(question, self.lang), suffix_of(question, self.lang)
        return f"{prefix or ''}{shown}{' ' + suffix if suffix else ''}"

    def _text(self, question: Field, value: str) -> str | Markup:
        moment = _moment(question.format, value, _locale(self.lang))
        if moment is not None:
            return moment
        if question.kind == "textarea" or "\n" in value:
            return Markup("<br>").join(escape(line) for line in value.split("\n"))
        return value


@lru_cache(maxsize=64)
def _locale(lang: str | None) -> Locale:
    try:
        return Locale.parse((lang or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _moment(fmt: str | None, value: str, locale: Locale) -> str | None:
    """Dates and times written the resident's way (``1 de mayo de 2026``); ``None`` when the
    text is not one, so it is shown as typed."""
    try:
        if fmt == "date":
            return format_date(date.fromisoformat(value), format="long", locale=locale)
        if fmt == "time":
            return format_time(time.fromisoformat(value.replace("Z", "+00:00")), format="short",
                               locale=locale)
        if fmt == "date-time":
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return format_datetime(moment, format="medium", tzinfo=moment.tzinfo,
                                   locale=locale)
    except (ValueError, TypeError, OverflowError):
        return None
    return None


def _four_digit_code(question: Field) -> bool:
    """An integer question whose bounds allow four digits only, like a vehicle's year."""
    low, high = question.schema.get("minimum"), question.schema.get("maximum")
    return question.kind == "integer" and isinstance(low, int) and isinstance(high, int) \
        and 1000 <= low <= high <= 9999
