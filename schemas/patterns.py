"""Every form ``pattern`` is matched here, on RE2: time grows with the answer, never faster.

A pattern runs on every resident's answer, and on a backtracking engine (Python's ``re``) an
ordinary-looking pattern such as ``^([A-Z0-9]{1,20}-?){1,20}$`` holds a server for seconds on
one answer of a few dozen characters. RE2 (google-re2) guarantees linear time, and its syntax
is close to the ECMA subset JSON Schema recommends. What it cannot run (looking ahead or behind,
referring back to a group) is refused by ``check`` with the reason, so validation, the checker
and anything else that matches a form's pattern all go through :func:`compiled`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN_LENGTH = 1000
_CACHE_SIZE = 1024

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the clerk, not to stderr

# RE2's own error words, and what they mean for a clerk.
_LOOKAROUND = ("it looks ahead or behind (`(?=`, `(?!`, `(?<=`, `(?<!`), which the safe "
               "pattern engine cannot do; describe the whole answer instead, or use two questions")
_REASONS = (
    ("invalid perl operator: (?=", _LOOKAROUND),
    ("invalid perl operator: (?!", _LOOKAROUND),
    ("invalid perl operator: (?<", _LOOKAROUND),
    ("invalid escape sequence: \\1", "it refers back to an earlier part (`\\1`), which the safe "
     "pattern engine cannot do; write the part out again instead"),
    ("invalid repetition size", "it repeats something more than 1000 times; use `+` or `*` for "
     "“any number of times”"),
    ("missing )", "it is missing a closing bracket `)`"),
    ("unexpected )", "it has a closing bracket `)` with no opening one"),
    ("missing ]", "it is missing a closing bracket `]`"),
    ("pattern too large", "it is too large to check quickly; make it shorter"),
    ("bad repetition operator", "a `*`, `+` or `?` follows nothing it could repeat, or two "
     "follow each other"),
    ("no argument for repetition operator", "a `*`, `+` or `?` follows nothing it could "
     "repeat"),
    ("invalid character class range", "it has a range like `[z-a]` or a class like `\\p{...}` "
     "that does not exist"),
    ("trailing \\", "it ends with a lone `\\`"),
    ("invalid escape sequence", "it uses a `\\` escape the safe pattern engine does not know"),
)


class PatternError(ValueError):
    """A pattern RE2 cannot run, with the reason in plain words."""


def pattern_problem(pattern: str) -> str | None:
    """A plain sentence saying why ``pattern`` cannot be used, or ``None`` when it is fine."""
    try:
        compiled(pattern)
    except PatternError as exc:
        return str(exc)
    return None


@lru_cache(maxsize=_CACHE_SIZE)
def compiled(pattern: str) -> Any:
    """The RE2 program for ``pattern``, built once; :class:`PatternError` when it cannot be."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None


def matches(pattern: str, text: str) -> bool:
    """Whether ``text`` contains a match of ``pattern`` anywhere, as JSON Schema's ``pattern``
    means (anchor it with ``^`` and ``$`` to describe the whole answer)."""
    return compiled(pattern).search(text) is not None


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else str(exc)
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    if re.search(r"invalid escape sequence: \\[1-9]", text):
        return _REASONS[3][1]
    for words, reason in _REASONS:
        if words in text:
            return reason
    return f"it is not a pattern formbuilder can check ({text})"
