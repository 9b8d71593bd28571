"""The form language guide (docs/FORMAT.md) as studio pages for clerks, one page per part,
each construct with an example to copy into a draft; checker messages link here by code.

FORMAT.md stays the one text of the language: the pages are drawn from it at run time by a
small Markdown reader that escapes everything and follows only http(s) and in-guide links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import abort, render_template, url_for
from markupsafe import Markup, escape

from formbuilder.views.studio.base import blueprint, me, studio_required

FORMAT_MD = Path(__file__).resolve().parents[3] / "docs" / "FORMAT.md"


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    body: Markup
    examples: tuple[str, ...]


def slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower().replace("`", "")).strip("-")


# Short examples for the parts of the guide that explain by table rather than by example.
EXTRA_EXAMPLES: dict[str, tuple[str, ...]] = {
    "top-level-keys": ("title_es: Reportar un bache\nlanguages: [en, es]\n"
                       "reference_prefix: PW\napplicant_email: email\nretention: 3 years\n"
                       "open_until: 2027-06-30",),
    "the-schema": (
        "    size:\n      type: string\n      title: How big is it?\n"
        "      title_es: ¿Qué tamaño tiene?\n      enum: [small, medium, large]",
        "    attendees:\n      type: integer\n      title: How many people will come?\n"
        "      minimum: 1",
        "    photo:\n      type: string\n      format: file\n      title: Photo (optional)\n"
        "      contentMediaType: image/jpeg, image/png\n      maxFileSize: 10 MB",
        "  if:   { properties: { size: { const: large } } }\n"
        "  then: { required: [lanes_blocked] }"),
    "ui-presentation-hints": (
        "ui:\n  size:\n    widget: radio\n    hint: Measure across the widest part\n"
        "    labels: { small: Smaller than a plate, large: Wider than a car }\n"
        "  pages:\n    - title: Where is it?\n      fields: [location]\n"
        "    - title: About you\n      fields: [email]\n      when: size is \"large\"",),
    "conditions": ("when: attendees >= 500 and not alcohol",
                   "when: permit_type in [\"parade\", \"block party\"]"),
    "routing-approval-steps": (
        "routing:\n  - step: Supervisor approval\n    step_es: Aprobación del supervisor\n"
        "    when: size is \"large\" or lanes_blocked\n    assign: public-works-supervisor\n"
        "    due: 2 days\n    escalate_to: public-works-manager",
        "  - step: Police and fire review\n    all_of: [police-events, fire-marshal]\n"
        "    due: 10 days"),
    "notify": ("notify:\n  on_submit: [applicant]\n  on_decision: [applicant, "
               "clerk@city.example]\n  on_overdue: [assignees]",),
    "additions-in-this-engine": (
        "    permit_number:\n      type: string\n      pattern: \"^[A-Z]{2}[0-9]{6}$\"\n"
        "      errorMessage: Enter the permit number, like AB123456",
        "webhooks:\n  - url: https://permits.example.gov/hooks/formbuilder\n"
        "    on: [submit, decision]"),
}

# Which part of the guide explains each checker problem code (schemas' ``Problem.code``).
_TOPIC_CODES: dict[str, tuple[str, ...]] = {
    "top-level-keys": (
        "layout", "unknown_key", "id", "title", "languages", "retention", "open_from",
        "open_until", "date", "date_limit", "reference_prefix", "applicant_email", "summary",
        "keywords", "department", "studio_id", "studio_department", "translation",
        "description", "confirmation"),
    "the-schema": (
        "schema", "not_object", "type", "unknown_keyword", "unknown_format", "format", "draft",
        "wrong_draft", "enum", "unsupported", "remote_ref", "missing_ref", "anchor_ref",
        "ref_loop", "recursive_ref", "contradiction", "multichoice", "files", "file", "default",
        "const", "examples", "items", "required", "dependencies", "definitions", "if", "then",
        "else", "additional", "file_size", "file_type", "maximum", "minimum", "redefined"),
    "additions-in-this-engine": ("reserved_name", "url", "webhook", "webhooks"),
    "ui-presentation-hints": (
        "item_label", "ui", "widget", "labels", "pages", "not_on_page", "page_twice",
        "nested_on_page", "asked_later", "order"),
    "conditions": ("unknown_field", "condition", "when"),
    "routing-approval-steps": (
        "routing", "step", "step_twice", "assignee", "assign", "escalation", "escalate_to",
        "due", "duration", "all_of"),
    "notify": ("notify",),
    "patterns": ("pattern", "unsafe_pattern", "regex"),
    "checking-a-form": (
        "syntax", "duplicate_key", "empty", "binary", "encoding", "too_large", "too_deep", "io"),
}
CODE_TOPICS: dict[str, str] = {
    code: topic for topic, codes in _TOPIC_CODES.items() for code in codes}


def guide_link(code: str | None) -> str:
    """The guide page (and part) that explains a problem; the checking part when unknown."""
    topic = CODE_TOPICS.get(code or "", "checking-a-form")
    page = _page_of(topic)
    anchor = f"#{topic}" if page != topic else ""
    return url_for("studio.guide", topic=page) + anchor


def _page_of(anchor: str) -> str:
    for topic in topics():
        if topic.slug == anchor or f'id="{anchor}"' in topic.body:
            return topic.slug
    return "checking-a-form"


@cache
def topics() -> tuple[Topic, ...]:
    text = FORMAT_MD.read_text("utf-8") if FORMAT_MD.is_file() else "# Guide\n"
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    found = []
    for part in parts:
        heading, _, body = part.partition("\n")
        name = slug(heading)
        examples = tuple(re.findall(r"```[a-z]*\n(.*?)```", body, flags=re.DOTALL))
        found.append(Topic(name, heading.replace("`", ""), render(body),
                           examples + EXTRA_EXAMPLES.get(name, ())))
    return tuple(found)


def render(markdown: str) -> Markup:
    """A small, escaping Markdown reader: headings, paragraphs, lists, tables, code."""
    out: list[str] = []
    blocks = re.split(r"(```[a-z]*\n.*?```)", markdown, flags=re.DOTALL)
    for block in blocks:
        if block.startswith("```"):
            code = re.sub(r"^```[a-z]*\n|```$", "", block)
            out.append(f'<pre class="guide-code"><code>{escape(code)}</code></pre>')
            continue
        for chunk in re.split(r"\n\s*\n", block):
            out.append(_chunk(chunk.strip("\n")))
    return Markup("\n".join(part for part in out if part))


def _chunk(chunk: str) -> str:
    if not chunk.strip():
        return ""
    lines = chunk.split("\n")
    if lines[0].startswith("### "):
        title = lines[0][4:]
        rest = _chunk("\n".join(lines[1:]))
        return f'<h2 class="heading-m" id="{slug(title)}">{_inline(title)}</h2>{rest}'
    if all(line.startswith("|") for line in lines):
        rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines
                if not re.match(r"^\|[\s\-|]+\|$", line)]
        head = "".join(f'<th scope="col">{_inline(c)}</th>' for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>"
                       for row in rows[1:])
        return (f'<div class="table-scroll" tabindex="0" role="region" aria-label="Table">'
                f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
    if all(line.startswith(("- ", "  ")) for line in lines):
        items, current = [], ""
        for line in lines:
            if line.startswith("- "):
                if current:
                    items.append(current)
                current = line[2:]
            else:
                current += " " + line.strip()
        items.append(current)
        return "<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>"
    return f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>"


def _inline(text: str) -> str:
    pieces = re.split(r"(`[^`]*`)", text)
    out = []
    for piece in pieces:
        if piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            out.append(f"<code>{escape(piece[1:-1])}</code>")
            continue
        escaped = str(escape(piece))
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
        escaped = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>',
                         escaped)
        escaped = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"\1", escaped)
        out.append(escaped)
    return "".join(out)


@blueprint.route("/guide")
@studio_required
def guide_index() -> Any:
    me()
    return render_template("studio/guide_index.html", topics=topics())


@blueprint.route("/guide/<topic>")
@studio_required
def guide(topic: str) -> Any:
    me()
    found = next((t for t in topics() if t.slug == topic[:80]), None)
    if found is None:
        abort(404)
    return render_template("studio/guide.html", topic=found, topics=topics())
