"""What the staff lists (the inbox, all submissions, the audit log) share, so that a date, a
search or a page means the same on each: filters read leniently from a query string, a filter
left blank matching every row, whole-day date ranges, the reference-or-words search over
submissions, and keyset pages.

Each list keeps its own filters, columns and order; only these rules are common.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, exists, false, func, literal_column, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from formbuilder.models import Submission

MAX_QUERY_LENGTH = 200
_REFERENCE = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{1,9}$")
_WORD = re.compile(r"\w+")
# Must stay the expression the migration indexes (0003), or PostgreSQL cannot use the index.
_TS_CONFIG = "'simple'::regconfig"
_TS_TYPES = "'[\"string\", \"numeric\"]'::jsonb"

_Row = TypeVar("_Row")


class QueryArgs:
    """A list's query string, read leniently: a value that is not valid is read as not given and
    its name kept in ``problems``, so the list still shows and can say what it left out."""

    def __init__(self, args: Mapping[str, Any]) -> None:
        self.args = args
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        return str(self.args.get(name) or "")

    def day(self, name: str) -> date | None:
        """A date written YYYY-MM-DD."""
        value = self.text(name).strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append(name)
            return None

    def choice(self, name: str, allowed: Collection[str]) -> str | None:
        """One of ``allowed``, exactly as written."""
        value = self.text(name) or None
        if value is not None and value not in allowed:
            self.problems.append(name)
            return None
        return value


def midnight(day: date) -> datetime:
    """The start of ``day`` in UTC, the zone times are stored in."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def equal_to(*filters: tuple[InstrumentedAttribute[Any], object]
             ) -> list[ColumnElement[bool]]:
    """``column == value`` for each (column, value) filter that is set; one left blank
    matches every row."""
    return [column == value for column, value in filters if value]


def within_days(column: InstrumentedAttribute[datetime], first: date | None,
                last: date | None) -> list[ColumnElement[bool]]:
    """``column`` from the start of ``first`` to the end of ``last``, both days included; a
    missing day leaves that side open."""
    found: list[ColumnElement[bool]] = []
    if first:
        found.append(column >= midnight(first))
    if last:
        found.append(column < midnight(last + timedelta(days=1)))
    return found


def search(session: Session, text: str) -> ColumnElement[bool] | None:
    """The submissions a search box's ``text`` finds (``None``: the box is empty).

    A whole reference finds that submission alone; anything else finds the references that
    start with it and the submissions whose answers have every word of it.
    """
    query = text.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return None
    reference = query.upper()
    if _REFERENCE.match(reference):
        return Submission.reference == reference
    return or_(Submission.reference.startswith(reference, autoescape=True),
               answers_match(session, query))


def answers_match(session: Session, text: str) -> ColumnElement[bool]:
    """Submissions whose answers contain every word of ``text``: the one dialect difference.

    PostgreSQL matches word prefixes with the GIN full-text index over the answers' strings
    and numbers (migration 0003). SQLite looks into each answer value with ``json_tree``,
    which decodes the JSON (so accented and Chinese text matches) and compares with LIKE.
    """
    words = _WORD.findall(text.lower())[:8]
    if not words:
        return false()
    if session.get_bind().dialect.name == "postgresql":
        vector = func.jsonb_to_tsvector(literal_column(_TS_CONFIG), Submission.answers,
                                        literal_column(_TS_TYPES))
        query = func.to_tsquery(literal_column(_TS_CONFIG),
                                " & ".join(f"{word}:*" for word in words))
        return vector.op("@@")(query)
    tree = func.json_tree(Submission.answers).table_valued("value", "type").alias("answer")
    clauses = [exists(select(literal_column("1")).select_from(tree).where(
        tree.c.type == "text", tree.c.value.like(f"%{_escape_like(word)}%", escape="\\")))
        for word in words]
    return and_(*clauses)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def id_cursor(text: str | None) -> int | None:
    """The id a "next page" link of a list paged by id continues below; ``None`` for anything
    we did not make (a hand-edited address)."""
    if not text or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def one_page(found: Sequence[_Row], size: int) -> tuple[list[_Row], bool]:
    """The first ``size`` rows and whether more follow: each list asks for ``size + 1`` rows,
    so a next-page link is shown only when there is a next page."""
    return list(found[:size]), len(found) > size
