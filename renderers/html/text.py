"""Element ids for answers' paths, and the two kinds of markup a form's text may hold."""

from __future__ import annotations

import hashlib
import re

from markupsafe import Markup, escape

_SIMPLE_PATH = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LINK = re.compile(r"\[([^\[\]\n]{1,500})\]\((https?://[^\s()<>\"'`\\]{1,2000})\)")
_SAFE_URL = re.compile(r"(?:https?://|/(?!/)|#|\?)|[A-Za-z0-9_.~-]+(?:[/?#]|$)")


def field_id(path: str) -> str:
    """A stable, valid HTML id for a dotted answer path: ``vehicles.0.plate`` ->
    ``f-vehicles-0-plate``.

    Names made of letters, digits and ``_`` map one-to-one (their ids never hold ``--``); any
    other name gets a readable slug plus ``--`` and a hash of the path, so ids stay unique and
    safe in URLs and CSS selectors whatever the property names are. Suffixes the renderer adds
    (``--hint``, ``--error``, ``--2``) start with ``--`` for the same reason.
    """
    if _SIMPLE_PATH.fullmatch(path):
        return "f-" + path.replace(".", "-")
    slug = _UNSAFE.sub("-", path).strip("-")[:60] or "field"
    digest = hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"f-{slug}--{digest}"


def format_description(text: str | None) -> Markup:
    """A form's text as HTML: paragraphs at blank lines and ``[text](https://...)`` links.

    FORMAT.md says nothing else is markup, so everything is escaped first and only links to
    http(s) addresses are built; ``[x](javascript:...)`` stays visible text.
    """
    if not text or not text.strip():
        return Markup("")
    paragraphs = _PARAGRAPH_BREAK.split(text.strip().replace("\r\n", "\n"))
    return Markup("").join(Markup('<p class="body">{}</p>').format(_with_links(p))
                           for p in paragraphs if p.strip())


def _with_links(text: str) -> Markup:
    out = Markup("")
    position = 0
    for match in _LINK.finditer(text):
        out += escape(text[position:match.start()])
        out += Markup('<a class="link" href="{}">{}</a>').format(match[2], match[1])
        position = match.end()
    return out + escape(text[position:])


def safe_url(url: str | None) -> str:
    """``url`` when it is http(s), site-relative or a fragment; ``#`` otherwise.

    The URLs come from the app (attachments, change links), but a ``javascript:`` URL is never
    worth the risk of a bug upstream.
    """
    if not url or not isinstance(url, str) or not _SAFE_URL.match(url.strip()):
        return "#"
    return url
