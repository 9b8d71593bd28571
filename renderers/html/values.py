"""How answers are written into form inputs and read back from posted strings.

The HTML renderer and the WTForms coercion both use these, so what one writes the other reads:
a posted form round-trips to the same answers. Reading never raises: text that is not what the
question wants (``abc`` for a number, a choice that is not offered) is kept as the resident's
text, so jsonschema reports it in plain words and the text is shown again to be corrected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from schemas.fields import Field, label_key
from schemas.localized import localized

MAX_TEXT = 100_000
YES, NO = "yes", "no"
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_DECIMAL = re.compile(
    r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,3})?")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}:[0-9]{2}(?::[0-9]{2})?)")
_TIME = re.compile(r"([0-9]{2}:[0-9]{2}(?::[0-9]{2})?)")
_TRUE_WORDS = {"yes", "true", "on", "1"}
_FALSE_WORDS = {"no", "false", "off", "0"}


class _Missing:
    """No answer: distinct from ``None``, which a choice of ``null`` can legitimately post."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def is_money(field: Field) -> bool:
    return field.ui.get("widget") == "money"


def prefix_of(field: Field, lang: str | None) -> str | None:
    found = localized(field.ui, "prefix")
    if found is not None:
        return found.get(lang)
    return "$" if is_money(field) else None


def suffix_of(field: Field, lang: str | None) -> str | None:
    found = localized(field.ui, "suffix")
    return found.get(lang) if found is not None else None


def choice_key(value: Any) -> str:
    """The ``value`` attribute of a choice: its ``labels`` key (``large``, ``3``, ``true``)."""
    return label_key(value)


# --- Writing answers into inputs ----------------------------------------------------------------


def input_text(field: Field, value: Any) -> str:
    """The text an input shows for an answer."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int | float):
        return number_text(value, money=is_money(field))
    if isinstance(value, str):
        if field.format == "date-time":
            return _datetime_local(value)
        if field.format == "time":
            return _time_input(value)
        return value
    return ""


def number_text(value: int | float, *, money: bool = False) -> str:
    """A number as a resident would type it: ``25000``, ``12.5``, ``12.50`` for money."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if money and round(value, 2) == value and abs(value) < 1e15:
        return f"{value:.2f}"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _datetime_local(value: str) -> str:
    """``2026-05-01T10:30:00Z`` as a ``datetime-local`` input takes it: without the offset."""
    match = _DATETIME.match(value)
    return f"{match[1]}T{match[2]}" if match else value


def _time_input(value: str) -> str:
    match = _TIME.match(value)
    return match[1] if match else value


def checked_keys(field: Field, value: Any) -> set[str]:
    """The option values to show ticked or selected for an answer."""
    if field.kind == "boolean":
        return {YES} if value is True else {NO} if value is False else set()
    if value is MISSING:
        return set()
    if isinstance(value, list):
        return {choice_key(v) for v in value}
    if field.choices and any(_same(c.value, value) for c in field.choices):
        return {choice_key(value)}
    return set()


def _same(a: Any, b: Any) -> bool:
    return (type(a) is type(b) and a == b) or (
        isinstance(a, int | float) and isinstance(b, int | float)
        and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


# --- Reading posted strings -----------------------------------------------------------------------


def clean_text(raw: Any, *, multiline: bool = False) -> Any:
    """Posted text without surrounding whitespace, capped; ``MISSING`` when blank."""
    if not isinstance(raw, str):
        return MISSING
    text = raw[:MAX_TEXT * 2].replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ")
    text = text.strip()[:MAX_TEXT]
    return text if text else MISSING


def parse_number(raw: Any, *, integer: bool, prefix: str | None = None,
                 suffix: str | None = None) -> Any:
    """``12`` -> 12, ``12.50`` -> 12.5, ``1,200`` -> 1200, ``$5`` -> 5; other text as typed."""
    text = clean_text(raw)
    if text is MISSING:
        return MISSING
    plain = text
    if prefix and plain.startswith(prefix.strip()):
        plain = plain[len(prefix.strip()):].strip()
    if suffix and plain.endswith(suffix.strip()):
        plain = plain[:-len(suffix.strip())].strip()
    plain = plain.replace(" ", "")
    if _THOUSANDS.fullmatch(plain):
        plain = plain.replace(",", "")
    if _INTEGER.fullmatch(plain):
        return int(plain)
    if _DECIMAL.fullmatch(plain):
        number = float(plain)
        if not math.isfinite(number):
            return text
        return int(number) if integer and number.is_integer() and abs(number) < 2**53 else number
    return text


def parse_boolean(raw: Any) -> Any:
    text = clean_text(raw)
    if text is MISSING:
        return MISSING
    word = text.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return text


def choice_table(field: Field) -> Mapping[str, Any]:
    """Posted option value -> the choice's value; the first choice wins a clash (``1``/``"1"``)."""
    table: dict[str, Any] = {}
    for choice in field.choices:
        table.setdefault(choice_key(choice.value), choice.value)
    return table


def parse_choice(field: Field, raw: Any) -> Any:
    text = clean_text(raw)
    if text is MISSING:
        return MISSING
    table = choice_table(field)
    return table.get(text, text)


def parse_choices(field: Field, raws: list[Any]) -> Any:
    """Ticked boxes as a list in the order the choices are offered; ``MISSING`` when none."""
    table = choice_table(field)
    picked: list[Any] = []
    unknown: list[str] = []
    for raw in raws[:len(table) + 20]:
        text = clean_text(raw)
        if text is MISSING:
            continue
        if text in table:
            picked.append(text)
        elif text not in unknown:
            unknown.append(text)
    ordered = [table[key] for key in table if key in picked]
    return ordered + unknown if ordered or unknown else MISSING


def parse_scalar(field: Field, raw: Any, lang: str | None = None) -> Any:
    """One posted string as the answer a question of ``field``'s kind holds."""
    if field.kind in ("number", "integer"):
        return parse_number(raw, integer=field.kind == "integer", prefix=prefix_of(field, lang),
                            suffix=suffix_of(field, lang))
    if field.kind == "boolean":
        return parse_boolean(raw)
    if field.kind in ("choice", "multichoice"):
        return parse_choice(field, raw)
    return clean_text(raw, multiline=field.kind == "textarea")


def file_size(size: Any) -> str:
    """``10 MB`` as written in the form; a number of bytes in the largest whole unit."""
    if isinstance(size, bool) or not isinstance(size, int | float):
        return str(size)
    if size < 1024:
        return f"{int(size)} bytes"
    amount = size / 1024
    for unit in ("KB", "MB"):
        if amount < 1024:
            return f"{number_text(round(amount, 1))} {unit}"
        amount /= 1024
    return f"{number_text(round(amount, 1))} GB"
