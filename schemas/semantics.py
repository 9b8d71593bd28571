"""Checks a schema cannot express: that every name in a form points at a real question.

Each check yields ``(path, message, code)`` where ``path`` locates the mistake in the form file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from schemas.conditions import Condition, ConditionError, parse, typecheck
from schemas.fields import KIND_WORDS, Field, label_key
from schemas.fieldtypes import FieldType
from schemas.localized import translation_languages
from schemas.suggest import did_you_mean

Path = tuple[str | int, ...]
Finding = tuple[Path, str, str]

WIDGET_KINDS = {
    "text": {"text", "textarea"},
    "textarea": {"text", "textarea"},
    "email": {"text"},
    "tel": {"text"},
    "date": {"text"},
    "radio": {"choice", "boolean"},
    "select": {"choice"},
    "checkboxes": {"multichoice"},
    "checkbox": {"boolean"},
    "number": {"number", "integer"},
    "money": {"number", "integer"},
    "file": {"file", "files"},
}
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "zh": "Chinese", "fr": "French",
                  "vi": "Vietnamese", "ko": "Korean", "tl": "Tagalog", "ar": "Arabic",
                  "ru": "Russian", "pt": "Portuguese", "ht": "Haitian Creole"}


def not_a_field(name: str, fields: Iterable[str]) -> str:
    return f"`{name}` is not a field of this form.{did_you_mean(name, list(fields))}"


def language_name(code: str) -> str:
    return f"{LANGUAGE_NAMES.get(code.split('-')[0], code)} ({code})"


def condition(text: str, fields: Mapping[str, Field], path: Path,
              extra: Mapping[str, FieldType] | None = None
              ) -> tuple[Condition | None, list[Finding]]:
    """Parse and type-check a ``when``; findings carry the column in their message.
    ``extra`` names more fields than the questions (steps' fields, computed values)."""
    types: dict[str, FieldType] = {p: f.field_type for p, f in fields.items()}
    types.update(extra or {})
    try:
        parsed = parse(text)
    except ConditionError as exc:
        return None, [(path, _in_condition(text, exc), "condition")]
    return parsed, [(path, _in_condition(text, e), "condition") for e in typecheck(parsed, types)]


def _in_condition(text: str, error: ConditionError) -> str:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return f"In `when: {shown}`: {error.message}"


RESERVED_NAMES = frozenset({"csrf_token", "key"})


def check_names(fields: Mapping[str, Field]) -> Iterator[Finding]:
    """Question names the engine's own inputs use (``_add``, ``csrf_token``) cannot be used."""
    for field in fields.values():
        if field.parent is None and (field.name.startswith("_") or field.name in RESERVED_NAMES):
            yield (field.source_path, f"`{field.name}` cannot be a question's name: names "
                   "starting with `_`, `csrf_token` and `key` are used by formbuilder itself. "
                   "Rename the question.", "reserved_name")


def check_ui(ui: Mapping[str, Any], fields: Mapping[str, Field]) -> Iterator[Finding]:
    for name, hints in ui.items():
        if name in ("order", "pages"):
            continue
        if name not in fields:
            yield ("ui", name), not_a_field(str(name), fields), "unknown_field"
            continue
        if isinstance(hints, Mapping):
            yield from _check_hints(fields[name], hints)
    order = ui.get("order")
    if isinstance(order, list):
        for index, name in enumerate(order):
            if name not in fields:
                yield ("ui", "order", index), not_a_field(str(name), fields), "unknown_field"


def _check_hints(field: Field, hints: Mapping[str, Any]) -> Iterator[Finding]:
    widget = hints.get("widget")
    allowed = WIDGET_KINDS.get(widget) if isinstance(widget, str) else None
    if allowed is not None and field.kind not in allowed:
        yield (("ui", field.path, "widget"),
               f"`widget: {widget}` does not suit `{field.path}`, which is {_kind_words(field)}.",
               "widget")
    for key, table in hints.items():
        if not (isinstance(key, str) and key.startswith("labels") and isinstance(table, Mapping)):
            continue
        if not field.choices:
            yield (("ui", field.path, key), f"`{key}` gives labels, but `{field.path}` has no "
                   "fixed choices (`enum`) to label.", "labels")
            continue
        values = [label_key(c.value) for c in field.choices]
        for value in table:
            if label_key(value) not in values:
                yield (("ui", field.path, key, value),
                       f"`{key}` has `{value}`, which is not one of the choices of "
                       f"`{field.path}` ({', '.join(values)}).{did_you_mean(str(value), values)}",
                       "labels")


def _kind_words(field: Field) -> str:
    return KIND_WORDS.get(field.kind, field.kind)


def check_pages(pages: Sequence[Any], fields: Mapping[str, Field]) -> Iterator[Finding]:
    if not pages:
        return
    top = [f.path for f in fields.values() if f.parent is None]
    placed: dict[str, int] = {}
    meant: set[str] = set()
    for number, page in enumerate(pages, start=1):
        if not isinstance(page, Mapping):
            continue
        listed = page.get("fields")
        names = listed if isinstance(listed, list) else []
        for index, name in enumerate(names):
            where: Path = ("ui", "pages", number - 1, "fields", index)
            if name not in fields:
                yield where, not_a_field(str(name), top), "unknown_field"
                meant.update(difflib.get_close_matches(str(name), top, n=1, cutoff=0.6))
            elif fields[name].parent is not None:
                outer = name.split(".")[0]
                yield (where, f"`{name}` is inside `{outer}`; put `{outer}` on the page as a "
                       "whole.", "nested_on_page")
            elif name in placed:
                yield (where, f"`{name}` is on page {placed[name]} and page {number}; a "
                       "question can be on only one page.", "page_twice")
            else:
                placed[name] = number
        when = page.get("when")
        if isinstance(when, str):
            path: Path = ("ui", "pages", number - 1, "when")
            parsed, findings = condition(when, fields, path)
            yield from findings
            if parsed is not None:
                yield from _asked_later(parsed, placed, number, path)
    for name in top:
        if name not in placed and name not in meant and fields[name].ui.get("widget") != "hidden":
            yield (fields[name].source_path, f"`{name}` is on no page; add it to the `fields` of "
                   "one page in `ui.pages`.", "not_on_page")


def _asked_later(parsed: Condition, placed: Mapping[str, int], number: int,
                 path: Path) -> Iterator[Finding]:
    for name in sorted(parsed.fields()):
        top = name.split(".")[0]
        if placed.get(top, 0) >= number:
            yield (path, f"Page {number} is shown or skipped by `{name}`, which is asked on "
                   f"page {placed[top]}; a page can depend only on answers given before it.",
                   "asked_later")


def check_routing(steps: Sequence[Any], fields: Mapping[str, Field],
                  known: Callable[[int | None], Mapping[str, FieldType]] | None = None
                  ) -> Iterator[Finding]:
    """``known(index)``: the steps' fields entered before step ``index`` (``None``: all of
    them) and the computed values, which a step's ``when`` may also name."""
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        if not isinstance(step, Mapping):
            continue
        path: Path = ("routing", index)
        name = step.get("step")
        if isinstance(name, str):
            if name in seen:
                yield ((*path, "step"), f"Two steps are called “{name}” (steps {seen[name]} and "
                       f"{index + 1}); give each step its own name.", "step_twice")
            seen.setdefault(name, index + 1)
        has_assign, has_all = "assign" in step, "all_of" in step
        if has_assign == has_all:
            which = "both `assign` and `all_of`" if has_assign else "neither `assign` nor `all_of`"
            yield (path, f"Step “{name}” has {which}; give it one: `assign` for one role or "
                   "person, `all_of` for several roles that must all approve.", "assignee")
        if "escalate_to" in step and "due" not in step:
            yield ((*path, "escalate_to"), f"Step “{name}” has `escalate_to` but no `due`; "
                   "escalation happens a period after the step is overdue, so add `due`.",
                   "escalation")
        when = step.get("when")
        if isinstance(when, str):
            before = dict(known(index)) if known else {}
            everything = dict(known(None)) if known else {}
            parsed, findings = condition(when, fields, (*path, "when"), {**everything, **before})
            for later in sorted((parsed.fields() if parsed else set()) - set(before)):
                if later in everything and later not in fields:
                    yield ((*path, "when"), f"Step “{name}” depends on `{later}`, which is "
                           "entered at this step or a later one; a step can depend only on "
                           "what earlier steps entered.", "asked_later")
            yield from findings


NOTIFY_WORDS = ("applicant", "assignees")
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # other shapes are the layout's to refuse


def check_notify(notify: Mapping[str, Any], applicant_email: str | None) -> Iterator[Finding]:
    for event, recipients in notify.items():
        if not isinstance(recipients, list):
            continue
        if "applicant" in recipients and not applicant_email:
            index = recipients.index("applicant")
            yield (("notify", event, index), f"`notify.{event}` emails the applicant, but the "
                   "form has no `applicant_email`; name the question that holds the resident's "
                   "email address there.", "applicant_email")
        for index, who in enumerate(recipients):
            yield from _near_miss(event, index, who)


def _near_miss(event: str, index: int, who: Any) -> Iterator[Finding]:
    """``aplicant`` would be read as a role nobody holds, and the resident gets no email."""
    if not isinstance(who, str) or who in NOTIFY_WORDS or "@" in who:
        return
    close = difflib.get_close_matches(who, NOTIFY_WORDS, n=1, cutoff=0.8)
    if close:
        yield (("notify", event, index), f"`{who}` in `notify.{event}` would be read as a staff "
               f"role of that name, so nobody might be emailed. Did you mean `{close[0]}`?",
               "unknown_field")


def check_applicant_email(name: Any, fields: Mapping[str, Field]) -> Iterator[Finding]:
    if not isinstance(name, str):
        return
    if name not in fields:
        yield ("applicant_email",), not_a_field(name, fields), "unknown_field"
    elif fields[name].in_repeat or fields[name].kind != "text":
        yield (("applicant_email",), f"`applicant_email` must name one email question, and "
               f"`{name}` is {_kind_words(fields[name])}.", "applicant_email")
    elif fields[name].format not in ("email", "idn-email"):
        yield (("applicant_email",), f"`{name}` should have `format: email` so that residents "
               "are asked for a real email address.", "applicant_email")


def check_dates(definition: Mapping[str, Any]) -> Iterator[Finding]:
    parsed: dict[str, date] = {}
    for key in ("open_from", "open_until"):
        value = definition.get(key)
        if isinstance(value, str) and _ISO_DAY.match(value):
            try:
                parsed[key] = date.fromisoformat(value)
            except ValueError:
                yield (key,), f"`{key}: {value}` is not a real date.", "date"
    if len(parsed) == 2 and parsed["open_from"] > parsed["open_until"]:
        yield (("open_until",), "`open_until` is before `open_from`, so the form would never "
               "be open.", "date")


def check_translations(definition: Mapping[str, Any], fields: Mapping[str, Field],
                       languages: Sequence[str]) -> Iterator[Finding]:
    """Every person-readable string has a translation in every declared language."""
    wanted = list(languages[1:])
    if not wanted:
        return
    places: list[tuple[Path, Mapping[str, Any], str]] = [
        ((), definition, key) for key in ("title", "description", "confirmation")]
    for field in fields.values():
        places += [(field.source_path, field.schema, key) for key in ("title", "description")]
        if field.choices and field.kind in ("choice", "multichoice"):
            places += _option_titles(field)
    found = definition.get("ui")
    ui = found if isinstance(found, Mapping) else {}
    for name, hints in ui.items():
        if isinstance(hints, Mapping) and name not in ("order", "pages"):
            places += [(("ui", name), hints, key) for key in ("hint", "labels")]
    for index, page in enumerate(ui.get("pages") or []):
        if isinstance(page, Mapping):
            places += [(("ui", "pages", index), page, key) for key in ("title", "description")]
    for index, step in enumerate(definition.get("routing") or []):
        if isinstance(step, Mapping):
            places.append((("routing", index), step, "step"))
    for path, data, key in places:
        if key not in data:
            continue
        missing = [lang for lang in wanted if lang not in translation_languages(data, key)]
        if missing:
            names = ", ".join(f"`{key}_{lang}`" for lang in missing)
            langs = " and ".join(language_name(lang) for lang in missing)
            yield ((*path, key), f"`{key}` has no {names}: the form is offered in {langs}, "
                   "so every text residents read needs a translation.", "translation")


def _option_titles(field: Field) -> list[tuple[Path, Mapping[str, Any], str]]:
    """``oneOf`` options' titles are labels too; ``enum`` values are labelled through ``ui``."""
    options = field.schema.get("oneOf") or field.schema.get("anyOf") or []
    return [((*field.source_path, "oneOf", i), o, "title") for i, o in enumerate(options)
            if isinstance(o, Mapping) and "title" in o]
