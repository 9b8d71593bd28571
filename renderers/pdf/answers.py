"""A submission's answers as the sections of its PDF.

The words are those of "Check your answers" (``renderers.html.summary.CheckAnswers``): the same
pages that were asked, the same questions that applied, the same dates, numbers and labels,
so what the resident checked is what is filed. Two things differ on paper: a repeating group
is a table (one row per item) while it has few enough columns to fit the page, and a photo is
embedded through the ``attachment:`` address the PDF's url fetcher serves, other files listed
by name and size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from renderers.html import structure
from renderers.html.summary import Block, CheckAnswers, Section
from renderers.html.values import MISSING, file_size
from renderers.pdf.fetcher import ATTACHMENT
from renderers.pdf.records import AttachmentInfo
from schemas.fields import Field
from schemas.model import Form

MAX_TABLE_COLUMNS = 5


@dataclass
class TableBlock(Block):
    """A repeating group printed as a table: a header row and one row per item."""

    columns: list[str] = field(default_factory=list)
    cells: list[list[Markup]] = field(default_factory=list)


class PrintedAnswers(CheckAnswers):
    def __init__(self, form: Form, answers: Mapping[str, Any] | None, lang: str | None,
                 files: Mapping[str, AttachmentInfo]) -> None:
        super().__init__(form, answers, lang, change_url=None, attachments=None)
        self.files = files

    def _repeat(self, section: Section, page: int, question: Field, path: str,
                value: Any) -> None:
        children = [c for c in structure.children_of(self.form, question)
                    if self._shown(c, f"{path}.{c.name}")]
        entries = [e if isinstance(e, Mapping) else {} for e in value] \
            if isinstance(value, list) else []
        if not entries or not children or len(children) > MAX_TABLE_COLUMNS:
            super()._repeat(section, page, question, path, value)
            return
        table = TableBlock(question.title.get(self.lang),
                           columns=[c.title.get(self.lang) for c in children])
        for index, entry in enumerate(entries):
            row = []
            for child in children:
                child_path = f"{path}.{index}.{child.name}"
                if not self._shown(child, child_path):
                    row.append(Markup('<span class="secondary-text">–</span>'))
                    continue
                answer = entry.get(child.name, MISSING)
                if structure.is_fixed(child):
                    answer = structure.fixed_value(child, answer, child.name in entry)
                row.append(self.display(child, answer, child_path))
            table.cells.append(row)
        section.blocks.append(table)
        section.blocks.append(Block())

    def _file(self, attachment_id: Any) -> Markup:
        info = self.files.get(str(attachment_id))
        if info is None:
            return Markup('<span class="file-answer">{}</span>').format(str(attachment_id))
        caption = Markup('{} <span class="secondary-text">({})</span>').format(
            info.name, file_size(info.size))
        if info.is_image:
            return Markup('<figure class="photo"><img src="{}" alt="{}">'
                          '<figcaption>{}</figcaption></figure>').format(
                ATTACHMENT + info.id, info.name, caption)
        return Markup('<span class="file-answer">{}</span>').format(caption)


def file_rows(form: Form, answers: Mapping[str, Any] | None,
              files: Mapping[str, AttachmentInfo]) -> list[AttachmentInfo]:
    """The files the answers name, in the order they are named, each once."""
    seen: dict[str, AttachmentInfo] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str) and value in files:
            seen.setdefault(value, files[value])
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(answers or {})
    named = list(seen.values())
    return named + [info for key, info in files.items() if key not in seen]
