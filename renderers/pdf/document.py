"""HTML for WeasyPrint, and the archival PDF it becomes.

The HTML is built by this package's own Jinja environment, autoescaping everything: no answer,
title or description ever becomes markup. WeasyPrint then reads it through ``SafeFetcher``,
which serves nothing but this package's stylesheet and the submission's own images.

Every PDF is PDF/A-3b (archival, fonts embedded, with the answers as a JSON attachment for
submissions) and tagged (``pdf_tags``), which WeasyPrint 70 allows together with PDF/A-3b;
PDF/UA is a variant of its own and cannot be combined with PDF/A.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_datetime
from markupsafe import Markup
from weasyprint import HTML, Attachment

from renderers.html.summary import _locale
from renderers.html.text import format_description
from renderers.html.values import file_size
from renderers.pdf.fetcher import ASSET, FetchAttachment, SafeFetcher
from renderers.templating import translated_environment
from schemas.i18n import gettext

PDF_VARIANT = "pdf/a-3b"
ANSWERS_NAME = "answers.json"
_COUNTER = re.compile(r"%\((n|total)\)d")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The PDF templates' environment (see ``renderers.templating``)."""
    env = translated_environment("renderers.pdf")
    env.filters["description"] = format_description
    env.filters["file_size"] = file_size
    env.globals["stylesheet"] = ASSET + "pdf.css"
    return env


def render_html(template: str, lang: str, **context: Any) -> str:
    return environment().get_template(template).render(
        lang=lang, page_counter_css=page_counter_css(lang), **context)


def page_counter_css(lang: str | None) -> Markup:
    """The ``@page`` footer rule saying "Page x of y" in ``lang``.

    CSS ``content`` cannot take a translated sentence with two numbers in it, so the sentence
    is cut at its placeholders into quoted strings around ``counter(page)`` and
    ``counter(pages)``; every character of the words is written as a CSS escape, so nothing in
    a translation can end the string or the style element.
    """
    text = gettext(lang, "Page %(n)d of %(total)d")
    parts: list[str] = []
    position = 0
    for match in _COUNTER.finditer(text):
        parts.append(_css_string(text[position:match.start()]))
        parts.append("counter(page)" if match[1] == "n" else "counter(pages)")
        position = match.end()
    parts.append(_css_string(text[position:]))
    content = " ".join(p for p in parts if p != '""')
    return Markup(f"@page {{ @bottom-right {{ content: {content}; }} }}")


def _css_string(text: str) -> str:
    return '"' + "".join(ch if (ch.isalnum() and ch.isascii()) or ch == " " else
                         f"\\{ord(ch):06x}" for ch in text) + '"'


def moment(at: datetime | None, lang: str | None, time_zone: str | None = None) -> str:
    """A time as the reader writes it, in the city's zone and naming it ("CST"): the history
    is kept in UTC, but a clerk phoning a resident reads the city's clock. A numeric
    abbreviation ("-03") names nothing, so the zone's IANA name stands in for it."""
    if at is None:
        return ""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    name = time_zone or "UTC"
    zone = ZoneInfo(name)
    shown = format_datetime(at, format="medium", tzinfo=zone, locale=_locale(lang))
    short = at.astimezone(zone).tzname() or ""
    return f"{shown} {short if short and short[0] not in '+-' else name}"


def answers_attachment(answers: Mapping[str, Any], fetcher: SafeFetcher) -> Attachment:
    body = json.dumps(answers, ensure_ascii=False, indent=2, sort_keys=True)
    return Attachment(string=body, name=ANSWERS_NAME, url_fetcher=fetcher,
                      description="The submission's answers as stored (JSON)",
                      relationship="Data")


def write_pdf(html: str, *, fetch_attachment: FetchAttachment | None = None,
              attachments: Iterable[Attachment] = (), fetcher: SafeFetcher | None = None
              ) -> bytes:
    """The archival, tagged PDF of ``html``, fetching only through a ``SafeFetcher``."""
    fetcher = fetcher or SafeFetcher(fetch_attachment)
    document = HTML(string=html, base_url=ASSET, url_fetcher=fetcher)
    result = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True,
                                attachments=list(attachments))
    assert result is not None
    return result


def keywords(*groups: Sequence[str] | str) -> str:
    words: list[str] = []
    for group in groups:
        for word in [group] if isinstance(group, str) else group:
            if word and word not in words:
                words.append(word)
    return ", ".join(words)
