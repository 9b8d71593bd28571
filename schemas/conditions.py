"""The condition language of ``when:``, parsed by hand and never run as code.

Conditions are written by city staff and decide, on residents' answers, whether a page is shown
or a routing step runs. So the text is tokenized and parsed by a small recursive-descent parser
into an immutable tree, checked against the form's fields when the form is checked, and evaluated
by walking that tree. ``eval``, ``exec`` and ``compile`` are never used.

Grammar (keywords in any letter case)::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | primary
    primary    := "(" expr ")" | comparison
    comparison := FIELD
                | FIELD ("is" | "==" | "is not" | "!=") literal
                | FIELD (">" | ">=" | "<" | "<=") literal
                | FIELD ("in" | "not in") "[" literal ("," literal)* "]"
                | FIELD ("contains" | "not contains") literal
                | FIELD "is" ["not"] ("set" | "empty")
                | FIELD "is" ["not"] ("before" | "after") (DATE | TIME)
    literal    := NUMBER | STRING | true | false | yes | no | DATE | TIME

Additions to FORMAT.md: ``contains``/``not contains``; ``is not before``/``is not after``; TIME
literals (``17:30``) for time questions; curly quotes (“large”), as pasted from a word processor;
letters beyond ASCII in field names. ``and``, ``or``, ``not``, ``is``, ``in``, ``true``,
``false``, ``yes`` and ``no`` cannot be field names.

How a condition reads a submission's answers (a nested dict):

- ``applicant.age`` walks nested dicts (a flat key ``"applicant.age"`` is also found). Through a
  repeating group (a list of dicts), ``household_members.age`` stands for every member's answer,
  and a test holds when it holds for *any* member.
- Every ``not`` form (``is not``, ``!=``, ``not in``, ``not contains``, ``is not set``...) is the
  exact negation of its positive form. So a missing or ``None`` answer makes comparisons, ``in``,
  ``contains``, ``is set`` and a bare yes/no field false, and their ``not`` forms true; ``is
  empty`` holds for it.
- ``is set``: there is an answer that is not blank text. ``is empty``: ``None``, blank text,
  ``[]`` or ``{}`` (so a checkbox question with nothing ticked is set *and* empty).
- Numbers compare as numbers, ints and floats alike. An answer given as text (``"5000"`` from a
  form post) counts as a number only when the literal is a number; a text literal such as
  ``"5000"`` matches only the exact text. Text equality is exact; ``contains`` on text looks for
  the words anywhere, ignoring case.
- ``yes``/``true`` and ``no``/``false`` match the booleans and the texts yes, true, no, false in
  any case (so a yes/no choice question stored as text works too).
- Dates compare as dates: an answer may be ``"2026-05-01"``, a date-time
  (``"2026-05-01T10:00:00Z"``, compared on the date as written) or a ``date``; times likewise.
- A checkbox answer (a list): ``is "x"`` and ``contains "x"`` hold when "x" is ticked, ``in
  [...]`` when any listed value is ticked; ordering on a list never holds.
- An answer of the wrong type makes a test false instead of raising: evaluation never raises.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, TypeAlias, TypeVar

from schemas.fieldtypes import FieldType

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "And",
    "Compare",
    "Condition",
    "ConditionError",
    "Contains",
    "FieldTest",
    "In",
    "IsEmpty",
    "IsSet",
    "Node",
    "Not",
    "Or",
    "Truthy",
    "Value",
    "describe",
    "parse",
    "typecheck",
]

MAX_LENGTH = 2000
MAX_DEPTH = 50

ValueKind = Literal["text", "number", "boolean", "date", "time"]


class ConditionError(ValueError):
    """A condition that cannot be used, explained for a city clerk.

    ``column`` is the 1-based position in the condition text of the part to look at.
    """

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message, column)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message


# --- Tokens -----------------------------------------------------------------------------------

TokenKind = Literal["word", "string", "number", "date", "time", "op", "punct", "end", "error"]


@dataclass(frozen=True)
class Token:
    """One token: ``column`` is 1-based for messages, ``end`` the 0-based offset after it.

    An ``error`` token carries its message as ``text``.
    """

    kind: TokenKind
    text: str
    column: int
    end: int
    value: Any = None

    @property
    def lower(self) -> str:
        return self.text.lower() if self.kind == "word" else ""

    def is_word(self, *words: str) -> bool:
        return self.lower in words


_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_ESCAPES = {"n": "\n", "t": "\t"}
_WORD = re.compile(r"[^\W\d][\w-]*(?:\.[\w-]*)*")
_SEGMENT = re.compile(r"[^\W\d][\w-]*")
_BLOB = re.compile(r"-?[\w.:/-]+")
_OP_RUN = re.compile(r"[=!<>&|]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
_OPERATORS = {"==", "!=", ">", ">=", "<", "<="}
_OPERATOR_FIXES = {
    "=": "`is` or `==`", "=>": "`>=`", "=<": "`<=`", "<>": "`!=`", "===": "`==`",
    "!==": "`!=`", "&&": "`and`", "&": "`and`", "||": "`or`", "|": "`or`", "!": "`not`",
}
_CHAR_HINTS = {
    "$": " Write amounts as plain numbers, like 5000.",
    "€": " Write amounts as plain numbers, like 5000.",
    "£": " Write amounts as plain numbers, like 5000.",
    "%": " Write percentages as plain numbers, like 25.",
    "{": ' Lists go in square brackets, like ["parade", "block party"].',
    "}": ' Lists go in square brackets, like ["parade", "block party"].',
    ";": " Join tests with `and` or `or`.",
}


def _tokens(text: str, token_at: Callable[[str, int], Token]) -> list[Token]:
    """All tokens of ``text``; a lexical mistake becomes a final ``error`` token.

    Raising only when the parser reaches the error token reports mistakes left to right.
    ``token_at`` reads the token at an offset: conditions and arithmetic share this loop and
    differ only there.
    """
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        token = token_at(text, i)
        tokens.append(token)
        if token.kind == "error":
            return tokens
        i = token.end
    tokens.append(Token("end", "", len(text) + 1, len(text)))
    return tokens


def _token_at(text: str, i: int) -> Token:
    ch, column = text[i], i + 1
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch in "()[],":
        return Token("punct", ch, column, i + 1)
    if ch in _QUOTES:
        return _string(text, i)
    if ch in "0123456789" or (ch in "-." and after in "0123456789" and after):
        return _blob(text, i)
    word = _WORD.match(text, i)
    if word:
        return _word(word.group(), i)
    run = _OP_RUN.match(text, i)
    if run:
        return _operator(run.group(), i)
    return _error(f"{_show_char(ch)} at column {column} cannot be used in a condition."
                  f"{_CHAR_HINTS.get(ch, '')}", i)


def _error(message: str, i: int) -> Token:
    return Token("error", message, i + 1, i + 1)


def _show_char(ch: str) -> str:
    if ch == "`":
        return "A backtick (`)"
    return f"`{ch}`" if ch.isprintable() else f"The character U+{ord(ch):04X}"


def _string(text: str, i: int) -> Token:
    opening = text[i]
    closing, chars, j = _QUOTES[opening], [], i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\" and j + 1 < len(text):
            escaped = text[j + 1]
            keep = escaped in _QUOTES or escaped in _QUOTES.values() or escaped == "\\"
            chars.append(_ESCAPES.get(escaped, escaped if keep else "\\" + escaped))
            j += 2
        elif ch == closing:
            return Token("string", text[i:j + 1], i + 1, j + 1, "".join(chars))
        else:
            chars.append(ch)
            j += 1
    return _error(f"The quote ({opening}) at column {i + 1} is never closed; add a matching "
                  f"{closing} after the text.", i)


def _word(word: str, i: int) -> Token:
    if all(_SEGMENT.fullmatch(part) for part in word.split(".")):
        return Token("word", word, i + 1, i + len(word))
    return _error(f"`{word}` at column {i + 1} is not a field name; join the names of nested "
                  "questions with single dots, like `applicant.age`.", i)


def _operator(run: str, i: int) -> Token:
    if run in _OPERATORS:
        return Token("op", run, i + 1, i + len(run))
    fix = _OPERATOR_FIXES.get(run)
    hint = f" Did you mean {fix}?" if fix else ""
    return _error(f"`{run}` at column {i + 1} is not an operator here.{hint}", i)


def _clock(match: re.Match[str]) -> time:
    """The time an ``H:MM`` or ``H:MM:SS`` match spells; ValueError when there is no such time."""
    hour, minute, second = (int(part or 0) for part in match.groups())
    return time(hour, minute, second)


def _blob(text: str, i: int) -> Token:
    """A number, a date or a time, or a clear word on why it is none of them."""
    blob = _BLOB.match(text, i)
    assert blob is not None
    source, column, end = blob.group(), i + 1, blob.end()
    if _NUMBER.fullmatch(source):
        number = float(source) if "." in source else int(source)
        return Token("number", source, column, end, number)
    if _DATE.fullmatch(source):
        try:
            return Token("date", source, column, end, date.fromisoformat(source))
        except ValueError:
            return _error(f"`{source}` at column {column} is not a real date.", i)
    match = _TIME.fullmatch(source)
    if match:
        try:
            return Token("time", source, column, end, _clock(match))
        except ValueError:
            return _error(f"`{source}` at column {column} is not a real time.", i)
    return _error(f"`{source}` at column {column} {_blob_advice(source)}", i)


def _blob_advice(source: str) -> str:
    if _DATE.match(source):
        return "has a time of day; compare the date alone, like 2027-01-01."
    if re.fullmatch(r"[0-9]+[-/.][0-9]+[-/.][0-9]+", source):
        return "is not a date in year-month-day form; write dates like 2027-01-01."
    if re.fullmatch(r"[0-9:]+\s*[ap]\.?m\.?", source, re.IGNORECASE):
        return "is not a time in 24-hour form; write times like 17:30."
    return "is not a number; write numbers with digits only, like 5000 or 12.5."


# --- What both parsers share ------------------------------------------------------------------
#
# Conditions and the arithmetic of ``computed:`` (below) are two small languages over the same
# tokens: the same checks on the text as given, the same walk over a token list that may end in
# a lexical error, the same bound on nesting. Only their words differ.

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Wording:
    """What a clerk reads when a text of one language cannot be parsed at all.

    ``too_long`` is formatted with ``length`` and ``most``; ``too_deep`` with ``most``;
    ``too_deep_at`` with ``column`` and ``most``.
    """

    not_text: str
    too_long: str
    empty: str
    too_deep: str
    too_deep_at: str


def _parse_text(text: Any, wording: _Wording, parse: Callable[[str], _T]) -> _T:
    """``parse(text)`` once ``text`` is known to be text worth parsing.

    Python's stack may still run out within ``MAX_DEPTH``; that is a nesting problem too.
    """
    if not isinstance(text, str):
        raise ConditionError(wording.not_text, 1)
    if len(text) > MAX_LENGTH:
        raise ConditionError(wording.too_long.format(length=len(text), most=MAX_LENGTH),
                             MAX_LENGTH + 1)
    if not text.strip():
        raise ConditionError(wording.empty, 1)
    try:
        return parse(text)
    except RecursionError:
        raise ConditionError(wording.too_deep.format(most=MAX_DEPTH), 1) from None


class _TokenStream:
    """The position in a token list; ``depth`` bounds the recursion of a parser over it."""

    wording: _Wording

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def _peek(self) -> Token:
        """The next token; a lexical error is raised only when the parse gets this far."""
        token = self.tokens[self.pos]
        if token.kind == "error":
            raise ConditionError(token.text, token.column)
        return token

    def _next(self) -> Token:
        token = self._peek()
        self.pos += 1
        return token

    def _enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(
                self.wording.too_deep_at.format(column=token.column, most=MAX_DEPTH),
                token.column)


# --- The tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A literal as written: ``source`` is kept for messages, ``value`` is what is compared."""

    kind: ValueKind
    value: Any
    source: str
    column: int


@dataclass(frozen=True)
class FieldTest:
    """A test of one field's answer; the leaves of the tree.

    ``spelling`` is the operator as written (``is not``, ``!=``); ``span`` the 0-based slice of
    the condition text the test covers, so messages can quote it.
    """

    field: str
    column: int
    spelling: str
    op_column: int
    span: tuple[int, int]
    negated: bool

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return any(self.holds(answer) for answer in _answers_of(answers, self.field)) != (
            self.negated)

    def holds(self, answer: Any) -> bool:
        """Whether the positive form of the test holds for one answer."""
        raise NotImplementedError

    def names(self) -> Iterator[str]:
        yield self.field


@dataclass(frozen=True)
class Truthy(FieldTest):
    """A yes/no field on its own."""

    def holds(self, answer: Any) -> bool:
        return _as_bool(answer) is True


@dataclass(frozen=True)
class Compare(FieldTest):
    """``op`` is one of ``==``, ``>``, ``>=``, ``<``, ``<=``, ``before``, ``after``."""

    op: str
    value: Value

    def holds(self, answer: Any) -> bool:
        if self.op == "==":
            return _matches(answer, self.value)
        order = _order(answer, self.value)
        return order is not None and _ORDERING[self.op](order)


@dataclass(frozen=True)
class In(FieldTest):
    values: tuple[Value, ...]

    def holds(self, answer: Any) -> bool:
        return any(_matches(answer, value) for value in self.values)


@dataclass(frozen=True)
class Contains(FieldTest):
    value: Value

    def holds(self, answer: Any) -> bool:
        if _is_list(answer):
            return any(_same(item, self.value) for item in answer)
        if isinstance(answer, str) and self.value.kind == "text":
            return self.value.value.casefold() in answer.casefold()
        return False


@dataclass(frozen=True)
class IsSet(FieldTest):
    def holds(self, answer: Any) -> bool:
        return answer is not None and not (isinstance(answer, str) and not answer.strip())


@dataclass(frozen=True)
class IsEmpty(FieldTest):
    def holds(self, answer: Any) -> bool:
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            return True
        return isinstance(answer, Mapping | list | tuple | set | frozenset) and not answer


@dataclass(frozen=True)
class Not:
    item: Node

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return not self.item.evaluate(answers)

    def names(self) -> Iterator[str]:
        return self.item.names()


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return all(item.evaluate(answers) for item in self.items)

    def names(self) -> Iterator[str]:
        for item in self.items:
            yield from item.names()


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return any(item.evaluate(answers) for item in self.items)

    def names(self) -> Iterator[str]:
        for item in self.items:
            yield from item.names()


Node: TypeAlias = Or | And | Not | FieldTest


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text and the root of its tree."""

    text: str
    node: Node

    def fields(self) -> frozenset[str]:
        """The dotted names of the fields the condition reads."""
        return frozenset(self.node.names())

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition holds for one submission's answers; never raises."""
        return self.node.evaluate(answers)

    def __str__(self) -> str:
        return self.text


# --- Reading answers ---------------------------------------------------------------------------

_ORDERING: dict[str, Callable[[int], bool]] = {
    ">": lambda order: order > 0, ">=": lambda order: order >= 0,
    "<": lambda order: order < 0, "<=": lambda order: order <= 0,
    "after": lambda order: order > 0, "before": lambda order: order < 0,
}
_TRUE_WORDS = {"yes", "true"}
_FALSE_WORDS = {"no", "false"}
_ANSWER_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]|\Z)")
_ANSWER_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?:[.+\-Z]|\Z)")


def _answers_of(answers: Any, name: str) -> tuple[Any, ...]:
    """The answers a dotted name reaches: one, or one per item of a repeating group."""
    if "." in name and isinstance(answers, Mapping) and name in answers:
        return (answers[name],)
    current: list[Any] = [answers]
    for segment in name.split("."):
        reached: list[Any] = []
        for value in current:
            if isinstance(value, Mapping):
                reached.append(value.get(segment))
            elif _is_list(value):
                reached += [item.get(segment) for item in value if isinstance(item, Mapping)]
            else:
                reached.append(None)
        current = reached
    return tuple(current) or (None,)


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _matches(answer: Any, value: Value) -> bool:
    """Equality, where a list answer matches when it holds the value."""
    if _is_list(answer):
        return any(_same(item, value) for item in answer)
    return _same(answer, value)


def _same(answer: Any, value: Value) -> bool:
    if value.kind == "text":
        return isinstance(answer, str) and answer == value.value
    if value.kind == "boolean":
        return _as_bool(answer) is value.value
    converted = _CONVERT[value.kind](answer)
    return converted is not None and converted == value.value


def _order(answer: Any, value: Value) -> int | None:
    """-1, 0 or 1 as the answer is below, at or above the value; None when they don't compare."""
    convert = _CONVERT.get(value.kind)
    converted = convert(answer) if convert else None
    if converted is None:
        return None
    return (converted > value.value) - (converted < value.value)


def _as_bool(answer: Any) -> bool | None:
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, str):
        word = answer.strip().lower()
        return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else None
    return None


def _as_number(answer: Any) -> int | float | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer
    if isinstance(answer, Decimal):
        return float(answer) if answer.is_finite() else None
    if isinstance(answer, float):
        return None if math.isnan(answer) else answer
    if isinstance(answer, str) and _NUMBER.fullmatch(answer.strip()):
        try:
            return float(answer) if "." in answer else int(answer)
        except ValueError:
            return None
    return None


def _as_date(answer: Any) -> date | None:
    if isinstance(answer, datetime):
        return answer.date()
    if isinstance(answer, date):
        return answer
    match = _ANSWER_DATE.match(answer) if isinstance(answer, str) else None
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    return None


def _as_time(answer: Any) -> time | None:
    if isinstance(answer, datetime):
        return answer.time()
    if isinstance(answer, time):
        return answer.replace(tzinfo=None)
    match = _ANSWER_TIME.match(answer) if isinstance(answer, str) else None
    if match:
        try:
            return _clock(match)
        except ValueError:
            return None
    return None


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "number": _as_number, "date": _as_date, "time": _as_time,
}


# --- Parsing ------------------------------------------------------------------------------------

_RESERVED = {"and", "or", "not", "is", "in", "true", "false", "yes", "no"}
_BOOLEAN_WORDS = {"true": True, "yes": True, "false": False, "no": False}
_VALUE_KINDS: dict[str, ValueKind] = {"number": "number", "date": "date", "time": "time"}
_LITERAL_KINDS = {"string", *_VALUE_KINDS}
_OPERATOR_WORDS = {
    "equals": "is", "equal": "is", "eq": "is", "isnt": "is not", "greater": ">", "more": ">",
    "over": ">", "above": ">", "gt": ">", "less": "<", "fewer": "<", "under": "<",
    "below": "<", "lt": "<", "before": "is before", "after": "is after", "set": "is set",
    "empty": "is empty", "has": "contains", "includes": "contains", "include": "contains",
    "contain": "contains",
}
_MISSING_HINT = " To check for a missing answer, write `is not set` or `is empty`."
_MORE_HINT = " Write `>` for 'more than' and `<` for 'less than', like `amount > 5000`."
_AFTER_IS_HINTS = {
    **dict.fromkeys(("null", "none", "nothing", "blank", "missing"), _MISSING_HINT),
    **dict.fromkeys(("greater", "more", "less"), _MORE_HINT),
    "in": " To check against a list, write `in` or `not in` without `is`.",
    "at": " Write `>=` for 'at least' and `<=` for 'at most', like `amount >= 5000`.",
}


_CONDITION_WORDING = _Wording(
    not_text="A condition must be text, like `size is \"large\"`.",
    too_long="The condition is {length:,} characters long; a condition can have at most "
             "{most:,}. Split it over several steps or pages.",
    empty="The condition is empty; write a test like `size is \"large\"`.",
    too_deep="The condition is nested too deeply; use at most {most} levels of parentheses "
             "and `not`.",
    too_deep_at="The condition is nested too deeply at column {column}: use at most {most} "
                "levels of parentheses and `not`.",
)


def parse(text: str) -> Condition:
    """Parse a condition, or raise ConditionError saying what to change and where."""
    return _parse_text(text, _CONDITION_WORDING, _parse)


@lru_cache(maxsize=1024)
def _parse(text: str) -> Condition:
    """Conditions are immutable, so the same text is parsed once however often it is used."""
    return Condition(text, _Parser(text).parse())


class _Parser(_TokenStream):
    """Recursive descent over the token list of a condition."""

    wording = _CONDITION_WORDING

    def __init__(self, text: str) -> None:
        super().__init__(_tokens(text, _token_at))
        self.text = text
        self.open_parens = 0
        self.last: FieldTest | None = None

    def parse(self) -> Node:
        node = self._or()
        self._expect_end(self._peek(), inside=None)
        return node

    # -- token access, beyond the stream's

    def _raw(self, offset: int) -> Token:
        """A token further ahead, for hints only: never raises on a lexical error."""
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def _previous(self) -> Token | None:
        return self.tokens[self.pos - 1] if self.pos else None

    # -- grammar

    def _or(self) -> Node:
        items = [self._and()]
        while self._peek().is_word("or"):
            self._next()
            items.append(self._and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self) -> Node:
        items = [self._not()]
        while self._peek().is_word("and"):
            self._next()
            items.append(self._not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def _not(self) -> Node:
        token = self._peek()
        if not token.is_word("not"):
            return self._primary()
        self._enter(token)
        self._next()
        node = Not(self._not())
        self.depth -= 1
        return node

    def _primary(self) -> Node:
        token = self._peek()
        if token.kind == "punct" and token.text == "(":
            self._enter(token)
            self._next()
            self.open_parens += 1
            node = self._or()
            self._expect_end(self._peek(), inside=token)
            self._next()
            self.open_parens -= 1
            self.depth -= 1
            return node
        if token.kind == "word" and token.lower not in _RESERVED:
            self.last = self._comparison()
            return self.last
        raise self._expected_field(token)

    def _comparison(self) -> FieldTest:
        name = self._next()
        op = self._peek()
        if op.kind == "end" or op.is_word("and", "or") or (op.kind, op.text) == ("punct", ")"):
            return Truthy(**self._test(name, "", name), negated=False)
        if op.kind == "op":
            self._next()
            value = self._value(op.text)
            negated, canonical = op.text == "!=", op.text if op.text != "!=" else "=="
            return Compare(**self._test(name, op.text, op), negated=negated, op=canonical,
                           value=value)
        if op.is_word("is"):
            return self._after_is(name, op)
        if op.is_word("in", "contains"):
            return self._membership(name, op, op.lower, negated=False)
        if op.is_word("not"):
            self._next()
            word = self._peek()
            if word.is_word("in", "contains"):
                return self._membership(name, op, f"not {word.lower}", negated=True)
            raise ConditionError(
                f"Expected `in` or `contains` after `not` at column {word.column}; to compare "
                f"with one value, write `{name.text} is not …`.", word.column)
        raise self._bad_operator(name, op)

    def _test(self, name: Token, spelling: str, op: Token) -> dict[str, Any]:
        """The FieldTest fields of a test that starts at ``name`` and ends at the last token."""
        end = self.tokens[self.pos - 1].end
        return {"field": name.text, "column": name.column, "spelling": spelling,
                "op_column": op.column, "span": (name.column - 1, end)}

    def _after_is(self, name: Token, op: Token) -> FieldTest:
        self._next()
        negated = self._peek().is_word("not")
        if negated:
            self._next()
        spelling = "is not" if negated else "is"
        word = self._peek()
        if word.is_word("set", "empty"):
            self._next()
            kind = IsSet if word.lower == "set" else IsEmpty
            return kind(**self._test(name, f"{spelling} {word.lower}", op), negated=negated)
        if word.is_word("before", "after"):
            self._next()
            value = self._moment(f"{spelling} {word.lower}")
            return Compare(**self._test(name, f"{spelling} {word.lower}", op), negated=negated,
                           op=word.lower, value=value)
        value = self._value(spelling)
        return Compare(**self._test(name, spelling, op), negated=negated, op="==", value=value)

    def _membership(self, name: Token, op: Token, spelling: str, negated: bool) -> FieldTest:
        self._next()
        if spelling.endswith("contains"):
            value = self._value(spelling)
            return Contains(**self._test(name, spelling, op), negated=negated, value=value)
        values = self._list(spelling, name)
        return In(**self._test(name, spelling, op), negated=negated, values=values)

    def _list(self, spelling: str, name: Token) -> tuple[Value, ...]:
        bracket = self._peek()
        if not (bracket.kind == "punct" and bracket.text == "["):
            raise self._no_list(spelling, name, bracket)
        self._next()
        if self._peek().text == "]" and self._peek().kind == "punct":
            raise ConditionError(f"The list at column {bracket.column} is empty; put at least "
                                 "one value in it.", bracket.column)
        values = [self._list_item(bracket)]
        while True:
            token = self._peek()
            if token.kind == "punct" and token.text in ",]":
                self._next()
                if token.text == "]":
                    return tuple(values)
                values.append(self._list_item(bracket))
            elif token.kind == "end":
                raise ConditionError(f"The list that starts at column {bracket.column} is never "
                                     "closed; add a `]`.", bracket.column)
            else:
                hint = " Separate values with commas." if self._literal(token) else ""
                raise ConditionError(f"Expected `,` or `]` at column {token.column} in the list "
                                     f"that starts at column {bracket.column}.{hint}",
                                     token.column)

    def _list_item(self, bracket: Token) -> Value:
        token = self._peek()
        value = self._literal(token)
        if value is None:
            raise ConditionError(
                f"Expected a value at column {token.column} in the list that starts at column "
                f"{bracket.column} (like \"parade\", 5000 or yes).", token.column)
        self._next()
        return value

    def _no_list(self, spelling: str, name: Token, token: Token) -> ConditionError:
        if token.kind == "punct" and token.text == "(":
            hint = " Use square brackets [ ] rather than parentheses."
        elif self._literal(token):
            hint = f" For one value, write `{name.text} is {token.text}`."
        else:
            hint = ""
        return ConditionError(f"Expected a list in square brackets after `{spelling}` (like "
                              f"[\"parade\", \"block party\"]) at column {token.column}.{hint}",
                              token.column)

    def _literal(self, token: Token) -> Value | None:
        """The literal ``token`` spells, if it is one."""
        if token.kind in _LITERAL_KINDS:
            kind: ValueKind = "text" if token.kind == "string" else _VALUE_KINDS[token.kind]
            return Value(kind, token.value, token.text, token.column)
        if token.lower in _BOOLEAN_WORDS:
            return Value("boolean", _BOOLEAN_WORDS[token.lower], token.lower, token.column)
        return None

    def _value(self, spelling: str) -> Value:
        token = self._peek()
        value = self._literal(token)
        if value is not None:
            self._next()
            self._no_thousands(value)
            return value
        examples = "5000 or 2027-01-01" if spelling in ("<", "<=", ">", ">=") else (
            '"large", 5000 or yes')
        raise ConditionError(f"Expected a value after `{spelling}` (like {examples}) at column "
                             f"{token.column}.{self._value_hint(token)}", token.column)

    def _value_hint(self, token: Token) -> str:
        if token.kind == "punct" and token.text == "[":
            return " To check against a list, write `in` instead of `is`."
        if token.kind != "word":
            return ""
        if token.lower in _AFTER_IS_HINTS:
            return _AFTER_IS_HINTS[token.lower]
        close = difflib.get_close_matches(token.lower, ["set", "empty", "before", "after",
                                                        "not", "yes", "no", "true", "false"],
                                          n=1, cutoff=0.75)
        if close:
            return f" Did you mean `{close[0]}`?"
        return f" To compare with the text {token.text}, put it in quotes: \"{token.text}\"."

    def _no_thousands(self, value: Value) -> None:
        comma, digits = self._raw(0), self._raw(1)
        if (value.kind == "number" and comma.text == "," and comma.kind == "punct"
                and digits.kind == "number" and comma.end == digits.column - 1):
            raise ConditionError(f"Write numbers without commas, like 5000 (the comma is at "
                                 f"column {comma.column}).", comma.column)

    def _moment(self, spelling: str) -> Value:
        token = self._peek()
        if token.kind in ("date", "time"):
            self._next()
            return Value(token.kind, token.value, token.text, token.column)
        quoted = token.kind == "string" and (
            _DATE.fullmatch(token.value) or _TIME.fullmatch(token.value))
        hint = " Write the date without quotes." if quoted else ""
        raise ConditionError(f"Expected a date after `{spelling}` (like 2027-01-01, or a time "
                             f"like 17:30) at column {token.column}.{hint}", token.column)

    # -- errors

    def _expect_end(self, token: Token, inside: Token | None) -> None:
        """Check that the (parenthesized) expression ends at ``token``."""
        closing = token.kind == "punct" and token.text == ")"
        if inside is None and token.kind == "end":
            return
        if inside is not None and closing:
            return
        if inside is not None and token.kind == "end":
            raise ConditionError(f"The `(` at column {inside.column} is never closed; add a "
                                 "`)`.", inside.column)
        if closing:
            raise ConditionError(f"The `)` at column {token.column} has no matching `(`.",
                                 token.column)
        expected = "`and` or `or`" if inside is None else "`and`, `or` or `)`"
        raise ConditionError(f"Expected {expected} before {_shown(token)} at column "
                             f"{token.column}.", token.column)

    def _expected_field(self, token: Token) -> ConditionError:
        previous = self._previous()
        if token.kind == "end" and previous is not None:
            return ConditionError(f"Expected a field name after `{previous.text}` at column "
                                  f"{token.column}.", token.column)
        message = f"Expected a field name at column {token.column}, but found {_shown(token)}."
        value = self._literal(token)
        if value is not None:
            message += self._several_values_hint(value, previous)
        return ConditionError(message, token.column)

    def _several_values_hint(self, value: Value, previous: Token | None) -> str:
        last = self.last
        if (isinstance(last, Compare) and last.op == "==" and not last.negated
                and previous is not None and previous.is_word("or")):
            return (f" To allow several values, write `{last.field} in "
                    f"[{last.value.source}, {value.source}]`.")
        return " Write the field first, like `size is \"large\"`."

    def _bad_operator(self, name: Token, op: Token) -> ConditionError:
        if self._literal(op) is not None:
            return ConditionError(f"Expected an operator between `{name.text}` and {op.text} at "
                                  f"column {op.column}, like `{name.text} is {op.text}`.",
                                  op.column)
        fix = self._operator_fix(op)
        if fix:
            return ConditionError(f"`{op.text}` at column {op.column} is not an operator here. "
                                  f"Did you mean `{fix}`?", op.column)
        if op.kind == "word" and self._literal(self._raw(1)) is not None:
            return ConditionError(
                f"`{op.text}` at column {op.column} is not an operator. Use `is`, `is not`, "
                "`>`, `>=`, `<`, `<=`, `in`, `not in` or `contains`.", op.column)
        if op.kind == "word":
            expected = "`and`, `or` or `)`" if self.open_parens else "`and` or `or`"
            return ConditionError(f"Expected {expected} before `{op.text}` at column "
                                  f"{op.column}.", op.column)
        return ConditionError(f"Expected an operator such as `is`, `>` or `in` after "
                              f"`{name.text}` at column {op.column}.", op.column)

    @staticmethod
    def _operator_fix(op: Token) -> str | None:
        if op.kind != "word":
            return None
        if op.lower in _OPERATOR_WORDS:
            return _OPERATOR_WORDS[op.lower]
        close = difflib.get_close_matches(op.lower, ["is", "in", "contains"], n=1, cutoff=0.75)
        return close[0] if close else None


def _shown(token: Token) -> str:
    if token.kind == "end":
        return "the end of the condition"
    if token.kind in _LITERAL_KINDS or token.lower in _BOOLEAN_WORDS:
        return f"the value {token.text}"
    return f"`{token.text}`"


# --- Type checking ------------------------------------------------------------------------------

_TYPE_WORDS = {
    "text": "text", "number": "a number", "boolean": "a yes/no question", "date": "a date",
    "time": "a time", "list": "a list of choices", "file": "a file upload",
    "group": "a group of questions",
}
_VALUE_WORDS = {"text": "text", "number": "a number", "boolean": "yes/no", "date": "a date",
                "time": "a time"}
_ORDERED = {"number", "date", "time"}


def typecheck(cond: Condition, fields: Mapping[str, FieldType]) -> list[ConditionError]:
    """Every test in ``cond`` that names no field or can never work on its field's answers.

    ``fields`` maps each dotted field name of the form to its type.
    """
    checker = _TypeChecker(cond.text, fields)
    for test in _leaves(cond.node):
        checker.check(test)
    return sorted(checker.errors, key=lambda error: error.column)


def _leaves(node: Node) -> Iterator[FieldTest]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, And | Or):
            stack.extend(reversed(current.items))
        elif isinstance(current, Not):
            stack.append(current.item)
        else:
            yield current


class _TypeChecker:
    def __init__(self, text: str, fields: Mapping[str, FieldType]) -> None:
        self.text = text
        self.fields = fields
        self.errors: list[ConditionError] = []
        self.unknown: set[str] = set()

    def error(self, message: str, column: int) -> None:
        self.errors.append(ConditionError(message, column))

    def check(self, test: FieldTest) -> None:
        ftype = self.fields.get(test.field)
        if ftype is None:
            self._unknown(test)
        elif isinstance(test, Truthy):
            if ftype.value_type != "boolean":
                self.error(f"`{test.field}` is {_TYPE_WORDS[ftype.value_type]}, not a yes/no "
                           "question, so it cannot stand on its own. Write "
                           f"`{test.field} is set` to check that it has an answer.", test.column)
        elif isinstance(test, Compare | In | Contains):
            self._operator(test, ftype)

    def _unknown(self, test: FieldTest) -> None:
        if test.field in self.unknown:
            return
        self.unknown.add(test.field)
        hint = _closest(test.field, self.fields)
        self.error(f"`{test.field}` is not a field of this form.{hint}", test.column)

    def _operator(self, test: Compare | In | Contains, ftype: FieldType) -> None:
        kind = ftype.value_type
        advice = self._misuse(test, kind)
        if advice is not None:
            self.error(f"`{test.field}` is {_TYPE_WORDS[kind]}, so `{test.spelling}` cannot be "
                       f"used with it.{advice}", test.op_column)
            return
        values = test.values if isinstance(test, In) else (test.value,)
        for value in values:
            message = self._value_problem(test, ftype, value)
            if message:
                self.error(message, value.column)

    def _misuse(self, test: Compare | In | Contains, kind: str) -> str | None:
        """Advice when the operator cannot apply to the field's type, else None."""
        if kind == "file":
            return f" Use `{test.field} is set` or `{test.field} is not set`."
        if kind == "group":
            child = next((name for name in self.fields if name.startswith(test.field + ".")),
                         None)
            return f" Name one question inside it, like `{child}`." if child else ""
        if isinstance(test, Contains):
            return None if kind in ("list", "text") else " `contains` is for lists and text."
        if not isinstance(test, Compare) or test.op == "==":
            return None
        if test.op in ("before", "after"):
            if kind in ("date", "time"):
                return None
            return " Use `<` or `>` to compare numbers." if kind == "number" else (
                " `is before` and `is after` are for dates and times.")
        return None if kind in _ORDERED else _ORDER_ADVICE.get(kind, "").format(test.field)

    def _value_problem(self, test: FieldTest, ftype: FieldType, value: Value) -> str | None:
        kind = ftype.value_type
        choices = ftype.choices or ()
        fits_choice = any(_same(choice, value) for choice in choices)
        if not _fits(kind, value, fits_choice):
            return (f"`{test.field}` is {_TYPE_WORDS[kind]}, it cannot be compared with "
                    f"{_VALUE_WORDS[value.kind]} ({value.source}).{_quote_hint(kind, value)}")
        if isinstance(test, Contains) and kind == "text":
            return None
        if choices and not fits_choice:
            return self._choice_problem(test, ftype, value)
        if choices and isinstance(test, Compare) and test.op in _ORDERING and not test.negated \
                and not any(
                _ORDERING[test.op](order) for order in
                (_order(choice, value) for choice in choices) if order is not None):
            return (f"`{test.field}` can only be {_choice_list(choices)}, so "
                    f"`{self._quote(test)}` can never hold.")
        return None

    def _choice_problem(self, test: FieldTest, ftype: FieldType, value: Value) -> str:
        verb = "include" if ftype.value_type == "list" else "be"
        start = f"`{test.field}` can only {verb} {_choice_list(ftype.choices or ())}, so "
        if isinstance(test, In):
            message = f"{start}{value.source} in `{self._quote(test)}` can never match."
        elif test.negated:
            message = f"{start}`{self._quote(test)}` always holds."
        else:
            message = f"{start}`{self._quote(test)}` can never hold."
        texts = [choice for choice in ftype.choices or () if isinstance(choice, str)]
        close = difflib.get_close_matches(str(value.value), texts, n=1, cutoff=0.6)
        return message + (f" Did you mean {_show_value(close[0])}?" if close else "")

    def _quote(self, test: FieldTest) -> str:
        return self.text[test.span[0]:test.span[1]]


def _closest(name: str, fields: Mapping[str, FieldType]) -> str:
    """`` Did you mean `x`?`` for the field closest to an unknown name, else ``""``.

    Not ``schemas.suggest.did_you_mean``: that one also offers a name differing only in case.
    """
    close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
    return f" Did you mean `{close[0]}`?" if close else ""


_ORDER_ADVICE = {
    "text": " Use `is` or `in` to compare text.",
    "boolean": " Use `{0} is yes` or `{0} is no`.",
    "list": " Use `contains` or `in` for a list of choices.",
}


def _fits(kind: str, value: Value, fits_choice: bool) -> bool:
    if kind == "list":
        return True
    if kind == "text":
        return value.kind == "text" or (value.kind == "boolean" and fits_choice)
    return value.kind == kind


def _quote_hint(kind: str, value: Value) -> str:
    if value.kind != "text":
        return ""
    unquoted = value.value.strip()
    if kind == "number" and _NUMBER.fullmatch(unquoted):
        return f" Write the number without quotes: {unquoted}."
    if kind == "boolean" and unquoted.lower() in _BOOLEAN_WORDS:
        return f" Write {unquoted.lower()} without quotes."
    if kind in ("date", "time") and (_DATE.fullmatch(unquoted) or _TIME.fullmatch(unquoted)):
        return f" Write {unquoted} without quotes."
    return ""


def _choice_list(choices: Sequence[Any]) -> str:
    shown = [_show_value(choice) for choice in choices if choice is not None]
    if len(shown) > 8:
        return f"one of its {len(shown)} choices"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


# --- Describing --------------------------------------------------------------------------------

_PHRASES = {
    ("number", ">"): "more than", ("number", ">="): "at least",
    ("number", "<"): "less than", ("number", "<="): "at most",
    ("date", ">"): "after", ("date", ">="): "on or after",
    ("date", "<"): "before", ("date", "<="): "on or before",
    ("time", ">"): "after", ("time", ">="): "at or after",
    ("time", "<"): "before", ("time", "<="): "at or before",
}


def describe(cond: Condition, label: Callable[[str], str] | None = None,
             value_label: Callable[[str, Any], str] | None = None) -> str:
    """The condition as a plain English phrase, for printed forms and staff screens.

    ``label`` turns a field name into its question's title; ``value_label(field, value)`` turns
    a text value into its display label (``large`` -> ``Wider than a car``).
    """
    return _Describer(label or str, value_label).node(cond.node)


class _Describer:
    def __init__(self, label: Callable[[str], str],
                 value_label: Callable[[str, Any], str] | None) -> None:
        self.label = label
        self.value_label = value_label

    def node(self, node: Node) -> str:
        if isinstance(node, And | Or):
            joiner = " and " if isinstance(node, And) else " or "
            return joiner.join(self._part(item, type(node)) for item in node.items)
        if isinstance(node, Not):
            return self._negation(node.item)
        return self.test(node, node.negated)

    def _part(self, item: Node, parent: type) -> str:
        text = self.node(item)
        return f"({text})" if isinstance(item, And | Or) and not isinstance(item, parent) else text

    def _negation(self, item: Node) -> str:
        if isinstance(item, Not):
            return self.node(item.item)
        if isinstance(item, FieldTest):
            return self.test(item, not item.negated)
        return f"it is not the case that ({self.node(item)})"

    def test(self, test: FieldTest, negated: bool) -> str:
        name = f'"{self.label(test.field)}"'
        if isinstance(test, IsSet):
            return f"there is {'no' if negated else 'an'} answer to {name}"
        subject, is_ = f"the answer to {name}", "is not" if negated else "is"
        if isinstance(test, Truthy):
            return f"{subject} {is_} yes"
        if isinstance(test, IsEmpty):
            return f"{subject} {is_} empty"
        if isinstance(test, Contains):
            verb = "does not include" if negated else "includes"
            return f"{subject} {verb} {self.value(test.field, test.value)}"
        if isinstance(test, In):
            return f"{subject} {self._one_of(test, negated)}"
        assert isinstance(test, Compare)
        value = self.value(test.field, test.value)
        if test.op == "==":
            return f"{subject} {is_} {value}"
        if test.op in ("before", "after"):
            return f"{subject} {is_} {test.op} {value}"
        phrase = _PHRASES.get((test.value.kind, test.op)) or _PHRASES[("number", test.op)]
        return f"{subject} {is_} {phrase} {value}"

    def _one_of(self, test: In, negated: bool) -> str:
        shown = [self.value(test.field, value) for value in test.values]
        if len(shown) == 1:
            return f"is not {shown[0]}" if negated else f"is {shown[0]}"
        if len(shown) == 2:
            return f"is neither {shown[0]} nor {shown[1]}" if negated else (
                f"is {shown[0]} or {shown[1]}")
        listed = f"{', '.join(shown[:-1])} or {shown[-1]}"
        return f"is none of {listed}" if negated else f"is one of {listed}"

    def value(self, field: str, value: Value) -> str:
        if value.kind == "boolean":
            return "yes" if value.value else "no"
        if value.kind != "text":
            return value.source
        shown = self.value_label(field, value.value) if self.value_label else value.value
        return f'"{shown}"'


# --- Arithmetic ---------------------------------------------------------------------------------
#
# ``computed:`` values are worked out from answers by the same reading of answers as conditions,
# over a grammar of its own (never Python's)::
#
#     sum     := product (("+" | "-") product)*
#     product := unary (("*" | "/") unary)*
#     unary   := "-" unary | atom
#     atom    := NUMBER | FIELD | "(" sum ")"
#
# A FIELD must be a number question (or a step's number field, or a choice of numbers). An
# answer that is missing or not a number, a division by zero or a result beyond 10^15 gives no
# value (``None``) instead of raising.

MAX_RESULT = 10 ** 15


@dataclass(frozen=True)
class Number:
    value: int | float
    source: str
    column: int


@dataclass(frozen=True)
class FieldValue:
    field: str
    column: int


@dataclass(frozen=True)
class Arithmetic:
    op: str
    left: Term
    right: Term
    column: int


Term: TypeAlias = Number | FieldValue | Arithmetic


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic expression: its text and the root of its tree."""

    text: str
    node: Term

    def fields(self) -> frozenset[str]:
        return frozenset(term.field for term in _terms(self.node)
                         if isinstance(term, FieldValue))

    def evaluate(self, answers: Mapping[str, Any]) -> int | float | None:
        """The value for one submission's answers, or ``None`` when there is none."""
        result = _compute(self.node, answers)
        if result is None or abs(result) > MAX_RESULT:
            return None
        if isinstance(result, float):
            result = round(result, 6)
            return int(result) if result.is_integer() else result
        return result

    def __str__(self) -> str:
        return self.text


_EXPRESSION_WORDING = _Wording(
    not_text="A computed value must be text, like `attendees * 2 + 50`.",
    too_long="The expression is {length:,} characters long; it can have at most {most:,}.",
    empty="The expression is empty; write one like `attendees * 2 + 50`.",
    too_deep="The expression is nested too deeply; use at most {most} levels of parentheses.",
    too_deep_at="The expression is nested too deeply at column {column}: use at most {most} "
                "levels.",
)


def parse_expression(text: str) -> Expression:
    """Parse ``attendees * 2 + 50``, or raise ConditionError saying what to change and where."""
    return _parse_text(text, _EXPRESSION_WORDING, _parse_expression)


@lru_cache(maxsize=256)
def _parse_expression(text: str) -> Expression:
    return Expression(text, _ExpressionParser(text).parse())


def typecheck_expression(expression: Expression, fields: Mapping[str, FieldType]
                         ) -> list[ConditionError]:
    """Every name in ``expression`` that is not a number field, and every division by 0."""
    errors: list[ConditionError] = []
    seen: set[str] = set()
    for term in _terms(expression.node):
        if isinstance(term, Arithmetic) and term.op == "/" and isinstance(term.right, Number) \
                and term.right.value == 0:
            errors.append(ConditionError(f"Dividing by 0 at column {term.column} gives no "
                                         "value.", term.column))
        if not isinstance(term, FieldValue) or term.field in seen:
            continue
        seen.add(term.field)
        ftype = fields.get(term.field)
        if ftype is None:
            hint = _closest(term.field, fields)
            if "-" in term.field and term.field.split("-")[0] in fields:
                hint = " Put spaces around `-` to subtract, like `a - b`."
            errors.append(ConditionError(f"`{term.field}` is not a field of this form.{hint}",
                                         term.column))
        elif ftype.value_type != "number":
            errors.append(ConditionError(
                f"`{term.field}` is {_TYPE_WORDS[ftype.value_type]}, so it cannot be used in "
                "arithmetic: only numbers can.", term.column))
    return sorted(errors, key=lambda error: error.column)


def _terms(node: Term) -> Iterator[Term]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Arithmetic):
            stack += [current.right, current.left]


def _compute(node: Term, answers: Mapping[str, Any]) -> int | float | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, FieldValue):
        found = [a for a in _answers_of(answers, node.field) if a is not None]
        return _as_number(found[0]) if len(found) == 1 else None
    left, right = _compute(node.left, answers), _compute(node.right, answers)
    if left is None or right is None:
        return None
    if node.op == "/":
        return None if right == 0 else left / right
    result = left + right if node.op == "+" else left - right if node.op == "-" else left * right
    return None if isinstance(result, float) and not math.isfinite(result) else result


def _arithmetic_token_at(text: str, i: int) -> Token:
    """A condition's token, but with ``+ - * /`` as operators (a number is never signed here:
    ``-`` is always an operator, so ``fee -5`` means ``fee - 5``)."""
    if text[i] in "+-*/":
        return Token("op", text[i], i + 1, i + 1)
    number = _NUMBER.match(text, i) if text[i] in "0123456789" \
        and not (_DATE.match(text, i) or _TIME.match(text, i)) else None
    if number and not re.match(r"[\w.:]", text[number.end():number.end() + 1]):
        source = number.group().lstrip("-")
        return Token("number", source, i + 1, number.end(),
                     float(source) if "." in source else int(source))
    return _token_at(text, i)


class _ExpressionParser(_TokenStream):
    """Recursive descent over the token list of an arithmetic expression."""

    wording = _EXPRESSION_WORDING

    def __init__(self, text: str) -> None:
        super().__init__(_tokens(text, _arithmetic_token_at))

    def parse(self) -> Term:
        node = self._sum()
        token = self._peek()
        if token.kind != "end":
            what = "`)` has no matching `(`" if token.text == ")" else None
            raise ConditionError(
                f"The {what} at column {token.column}." if what else
                f"Expected `+`, `-`, `*` or `/` before {_shown(token)} at column "
                f"{token.column}.", token.column)
        return node

    def _is(self, *ops: str) -> Token | None:
        token = self._peek()
        return token if token.kind == "op" and token.text in ops else None

    def _sum(self) -> Term:
        node = self._product()
        while (token := self._is("+", "-")) is not None:
            self.pos += 1
            node = Arithmetic(token.text, node, self._product(), token.column)
        return node

    def _product(self) -> Term:
        node = self._unary()
        while (token := self._is("*", "/")) is not None:
            self.pos += 1
            node = Arithmetic(token.text, node, self._unary(), token.column)
        return node

    def _unary(self) -> Term:
        token = self._is("-")
        if token is None:
            return self._atom()
        self._enter(token)
        self.pos += 1
        node = Arithmetic("-", Number(0, "0", token.column), self._unary(), token.column)
        self.depth -= 1
        return node

    def _atom(self) -> Term:
        token = self._peek()
        if token.kind == "number":
            self.pos += 1
            return Number(token.value, token.text, token.column)
        if token.kind == "word" and token.lower not in _RESERVED:
            self.pos += 1
            return FieldValue(token.text, token.column)
        if token.kind == "punct" and token.text == "(":
            self._enter(token)
            self.pos += 1
            node = self._sum()
            closing = self._peek()
            if closing.kind != "punct" or closing.text != ")":
                raise ConditionError(f"The `(` at column {token.column} is never closed; add a "
                                     "`)`.", token.column)
            self.pos += 1
            self.depth -= 1
            return node
        if token.kind == "end":
            return self._fail(token, "Expected a number or a number question at the end")
        return self._fail(token, f"Expected a number or a number question at column "
                          f"{token.column}, but found {_shown(token)}")

    @staticmethod
    def _fail(token: Token, message: str) -> Term:
        raise ConditionError(f"{message}. Write arithmetic like `attendees * 2 + 50`.",
                             token.column)
