"""The value types a question's answer can have, as conditions and messages see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ValueType = Literal["text", "number", "boolean", "date", "time", "list", "file", "group"]


@dataclass(frozen=True)
class FieldType:
    """What a condition checker needs to know of a field: its value type and fixed choices.

    ``choices`` is the tuple of allowed values for enum/const questions (for a list question, the
    allowed items), or ``None`` when any value of the type is allowed.
    """

    value_type: ValueType
    choices: tuple[Any, ...] | None = None
