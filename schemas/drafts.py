"""Which JSON Schema draft a form's schema is written in, and bare schema files as forms.

Most schemas people already have (see the peer corpus) declare no ``$schema`` and use Draft 7
habits, so a bare schema is read by the keywords it uses; a full form file defaults to 2020-12.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import PurePath
from typing import Any

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"
DRAFT_7 = "http://json-schema.org/draft-07/schema#"

KNOWN_DRAFTS = {
    DRAFT_2020_12: DRAFT_2020_12,
    DRAFT_2019_09: DRAFT_2019_09,
    DRAFT_7: DRAFT_7,
}
DRAFT_NAMES = {DRAFT_2020_12: "2020-12", DRAFT_2019_09: "2019-09", DRAFT_7: "Draft 7"}

_DRAFT7_HABITS = ("definitions", "dependencies")


def normalise_draft_uri(uri: str) -> str | None:
    """The canonical URI for a ``$schema`` value, tolerating http/https and a missing ``#``."""
    text = uri.strip().rstrip("#").replace("http://", "https://")
    for known in KNOWN_DRAFTS:
        if known.rstrip("#").replace("http://", "https://") == text:
            return known
    return None


def detect_draft(schema: Mapping[str, Any], *, bare: bool) -> str | None:
    """The draft URI the schema is written in; ``None`` when ``$schema`` names an unknown one."""
    declared = schema.get("$schema")
    if isinstance(declared, str):
        return normalise_draft_uri(declared)
    if bare and uses_draft7_habits(schema):
        return DRAFT_7
    return DRAFT_2020_12


def uses_draft7_habits(schema: Any) -> bool:
    """True when the schema uses ``definitions``, ``dependencies`` or a list under ``items``."""
    return any(True for _ in draft7_habits(schema))


def draft7_habits(schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[Any, str]]:
    """Each place a Draft 7-only keyword is used, as (path, keyword)."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key in _DRAFT7_HABITS and isinstance(value, Mapping):
                yield (*path, key), key
            elif key == "items" and isinstance(value, list):
                yield (*path, key), "items"
            if key not in ("enum", "const", "default", "examples"):
                yield from draft7_habits(value, (*path, key))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from draft7_habits(item, (*path, index))


def id_from_filename(name: str) -> str:
    """A valid form id from a file name: ``if_then_else.json`` becomes ``if-then-else``."""
    stem = PurePath(name).stem.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:63].strip("-")
    return slug if len(slug) >= 2 else f"form-{slug or 'untitled'}"


def title_from_filename(name: str) -> str:
    """A readable title from a file name: ``if_then_else.json`` becomes ``If then else``."""
    words = re.sub(r"[_\-.]+", " ", PurePath(name).stem)
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", words).strip().lower()
    return words[:1].upper() + words[1:] if words else "Untitled form"


def is_bare_schema(data: Mapping[str, Any]) -> bool:
    """A file is a full form when it has a ``schema`` key; anything else is a bare JSON Schema."""
    return "schema" not in data
