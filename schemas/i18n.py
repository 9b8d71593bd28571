"""The one message catalogue of formbuilder: every sentence the engine and the web app show.

The source of truth is the gettext ``.po`` files under ``schemas/locale/<lang>/LC_MESSAGES``,
which translators edit with any PO editor. They are read at run time (Babel parses them and
compiles them in memory, once per language), so no compiled ``.mo`` file is committed and there
is no build step to forget: a fixed translation is live on the next start.

Messages are Python ``%``-format with named parameters (``%(title)s``), the style Jinja's
newstyle gettext uses, so templates and Python code share msgids. ``ngettext`` always passes
the count as ``num``.

``python -m schemas.i18n`` re-extracts the msgids from the code and templates into
``locale/formbuilder.pot`` and merges them into each ``.po``: new messages arrive untranslated
and changed ones fuzzy, both of which the tests refuse until a translator has seen them.
"""

from __future__ import annotations

import ast
import gettext as _gettext
import io
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SUPPORTED_LANGUAGES = ("en", "es", "zh")
DEFAULT_LANGUAGE = "en"
DOMAIN = "formbuilder"

# Call names whose string arguments are msgids, with how many (ngettext has two).
# ``gettext(lang, "...")`` and ``gettext("...")`` are both found: the first string literals
# among the positional arguments are taken, whatever comes before them.
KEYWORDS = {"gettext": 1, "_": 1, "_t": 1, "N_": 1, "Words": 1, "ngettext": 2, "_n": 2}
# Where msgids are looked for, relative to the project root.
SOURCE_PACKAGES = ("schemas", "renderers", "workflows", "formbuilder")

_POT_HEADER = """\
# The messages of formbuilder, extracted from the code and templates by `python -m schemas.i18n`.
# Do not edit: change the code, then run that command to merge this into each language's .po.
"""
_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[sdifr]")


def N_(message: str) -> str:
    """Mark ``message`` for extraction where the text is chosen at run time.

    A msgid kept in a table and translated later (``gettext(lang, TABLE[code])``) is
    invisible to the extractor unless its literal is wrapped in ``N_`` where it is written.
    """
    return message


class Words(str):
    """An English sentence that keeps its msgid and parameters.

    Code without a request (services, the command line) raises or returns it and it reads as
    plain English; a page says it in the reader's language with ``gettext(lang, words.msgid,
    **words.params)``, without the service knowing who reads it.
    """

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Words:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid, self.params = msgid, params
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (_words, (self.msgid, self.params))


def _words(msgid: str, params: dict[str, object]) -> Words:
    return Words(msgid, **params)


def base_language(code: str | None) -> str | None:
    """``es-MX`` -> ``es``, ``zh_CN``/``zh-Hans`` -> ``zh``; ``None`` when not supported."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None


def translations(lang: str | None) -> _gettext.NullTranslations:
    """The catalogue for ``lang``; English (the msgids themselves) for anything unsupported."""
    return _translations(base_language(lang) or DEFAULT_LANGUAGE)


def gettext(lang: str | None, message: str, /, **params: object) -> str:
    """``message`` in ``lang``, filled with ``params``."""
    text = translations(lang).gettext(message)
    return text % params if params else text


def ngettext(lang: str | None, singular: str, plural: str, n: int, /, **params: object) -> str:
    """The form of a message that agrees with ``n``, which is also passed as ``%(num)s``
    unless ``params`` gives ``num`` already formatted (``10,000``)."""
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def placeholders(text: str) -> set[str]:
    """The named parameters a message uses, so a translation can be checked against them."""
    return set(_PLACEHOLDER.findall(text))


@cache
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    catalog = read_catalog(lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def po_path(lang: str) -> Path:
    """Where the ``.po`` file of ``lang`` lives in the source tree."""
    return Path(str(resources.files("schemas"))) / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    """The parsed ``.po`` file of ``lang``, with its fuzzy flags and empty entries as written."""
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


# --- Extraction, for the update command and the catalogue's tests ------------------------------

Location = tuple[str, int]
Msgid = str | tuple[str, str]


def project_root() -> Path:
    return Path(str(resources.files("schemas"))).parent


def extract(root: Path | None = None) -> dict[Msgid, list[Location]]:
    """Every msgid used in the project's Python code and Jinja templates, with where it is."""
    root = root or project_root()
    found: dict[Msgid, list[Location]] = {}
    for package in SOURCE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix == ".py":
                messages = _python_messages(path.read_text("utf-8"))
            elif path.suffix == ".html" and "templates" in path.parts:
                messages = _template_messages(path.read_text("utf-8"))
            else:
                continue
            where = path.relative_to(root).as_posix()
            for line, msgid in messages:
                found.setdefault(msgid, []).append((where, line))
    return found


def _python_messages(source: str) -> Iterator[tuple[int, Msgid]]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) else None
        count = KEYWORDS.get(name or "")
        if not count:
            continue
        strings = [a.value for a in node.args
                   if isinstance(a, ast.Constant) and isinstance(a.value, str)][:count]
        if len(strings) == count:
            yield node.lineno, strings[0] if count == 1 else (strings[0], strings[1])


def _template_messages(source: str) -> Iterator[tuple[int, Msgid]]:
    from jinja2 import Environment  # only the update command and tests read templates
    from jinja2.ext import extract_from_ast

    env = Environment(extensions=["jinja2.ext.i18n"])
    for line, function, message in extract_from_ast(env.parse(source)):
        count = KEYWORDS.get(function, 0)
        strings = [m for m in (message if isinstance(message, tuple) else (message,))
                   if isinstance(m, str)][:count]
        if count and len(strings) == count:
            yield line, strings[0] if count == 1 else (strings[0], strings[1])


def template_catalog(root: Path | None = None) -> Catalog:
    """The ``.pot`` template: every extracted msgid, flagged python-format when it has
    parameters so PO editors warn a translator who drops one."""
    catalog = Catalog(domain=DOMAIN, project="formbuilder", charset="utf-8",
                      copyright_holder="formbuilder contributors", header_comment=_POT_HEADER)
    for msgid, locations in sorted(extract(root).items(), key=lambda item: str(item[0])):
        text = msgid if isinstance(msgid, str) else " ".join(msgid)
        flags = ("python-format",) if placeholders(text) else ()
        catalog.add(msgid, locations=locations, flags=flags)
    return catalog


def update_catalogs(root: Path | None = None) -> list[str]:
    """Write the ``.pot`` and merge it into every ``.po``; report what needs a translator."""
    from babel.messages.pofile import write_po

    template = template_catalog(root)
    locale_dir = po_path(DEFAULT_LANGUAGE).parents[2]
    with (locale_dir / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)
    report = []
    for lang in SUPPORTED_LANGUAGES:
        if lang == DEFAULT_LANGUAGE:
            continue
        catalog = read_catalog(lang)
        catalog.update(template)
        with po_path(lang).open("wb") as handle:
            write_po(handle, catalog, width=100, ignore_obsolete=True)
        todo = [m for m in catalog if m.id and (m.fuzzy or not _translated(m.string))]
        report.append(f"{lang}: {len(todo)} message(s) to translate or review")
    return report


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def main() -> None:
    for line in update_catalogs():
        print(line)


if __name__ == "__main__":
    main()
