"""``summary:``: the one to three questions whose answers tell cases apart in staff lists.

Checked like every other name in a form file: each must be a question of the form, asked once
(not inside a repeating group, which has many answers) and holding a short answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from schemas.fields import Field
from schemas.semantics import Finding, not_a_field


def check_summary(summary: Any, fields: Mapping[str, Field]) -> Iterator[Finding]:
    """Problems with ``summary``; its layout (a list of one to three names) is the
    meta-schema's, so only the names are judged here."""
    if not isinstance(summary, list):
        return
    seen: set[str] = set()
    for index, name in enumerate(summary):
        if not isinstance(name, str):
            continue
        path = ("summary", index)
        if name in seen:
            yield path, f"`{name}` is in `summary` twice; name each question once.", "summary"
        elif name not in fields:
            yield path, not_a_field(name, fields), "unknown_field"
        elif fields[name].in_repeat:
            yield (path, f"`{name}` is inside a repeating group, which has an answer per "
                   "item; name a question asked once.", "summary")
        elif fields[name].kind in ("group", "repeat", "file", "files"):
            yield (path, f"`{name}` does not hold a short answer; name a question a clerk can "
                   "read in one line, like a name, an address or a date.", "summary")
        seen.add(name)
