"""Problems found in a form file, kept as data until they are shown to a person.

Like python-jsonschema's ``ValidationError``, a problem carries where it is and what kind it
is, so the CLI, the studio and the tests can each present or assert on it without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a form file, with the place a clerk should look."""

    file: str
    line: int | None
    message: str
    code: str = "invalid"
    field: str | None = None
    column: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        label = "warning: " if self.severity == "warning" else ""
        return f"{where}: {label}{self.message}"


class FormError(Exception):
    """Raised when a form cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
