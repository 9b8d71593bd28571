"""``after`` and ``before`` on a date question: ``today`` (in the future, in the past) or a date.

One reading of these keys for the checker, validation and anything that draws the question, so
"in the future" means the same thing everywhere: strictly after the day the answer is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

TODAY = "today"


@dataclass(frozen=True)
class DateLimit:
    """One end of the dates a question accepts; ``day`` is ``None`` for "today"."""

    text: str
    day: date | None = None

    @classmethod
    def read(cls, value: Any) -> DateLimit | None:
        """The limit ``value`` names, or ``None`` when it is neither ``today`` nor a date."""
        if value == TODAY:
            return cls(TODAY)
        if isinstance(value, str):
            try:
                return cls(value, date.fromisoformat(value))
            except ValueError:
                return None
        return None

    def on(self, today: date) -> date:
        return self.day or today

    def leaves_room_before(self, before: DateLimit) -> bool:
        """Whether some day is after this limit and before ``before``."""
        if self.day is None and before.day is None:
            return False
        if self.day is not None and before.day is not None:
            return before.day - self.day > timedelta(days=1)
        return True

    def __str__(self) -> str:
        return self.text


def answer_date(value: Any) -> date | None:
    """The day of a date or date-time answer; ``None`` when it is not one (``format`` says so)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
