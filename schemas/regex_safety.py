"""Refusing regular expressions that can take exponential time (ReDoS).

A pattern in a form runs on every resident's answer, so a pattern like ``(a+)+$`` would let
one long answer stall a server. We refuse a repeat inside a repeat (star height above one) and
a repeated alternation whose branches can match the same text, which covers the classic cases
while allowing everything forms need (postcodes, licence numbers, phone numbers).
"""

from __future__ import annotations

import re

try:  # Python 3.11 moved the parser; keep the fallback for older interpreters
    import re._parser as sre_parse  # type: ignore[import-not-found]
    from re._constants import MAX_REPEAT, MAXREPEAT, MIN_REPEAT  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import MAX_REPEAT, MAXREPEAT, MIN_REPEAT  # type: ignore[no-redef]

MAX_PATTERN_LENGTH = 1000
_REPEATS = (MAX_REPEAT, MIN_REPEAT)


def pattern_problem(pattern: str) -> str | None:
    """A plain sentence saying why ``pattern`` cannot be used, or ``None`` when it is fine."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"the pattern is not a valid regular expression ({exc})"
    if _nested_repeat(parsed, outer=0):
        return ("the pattern repeats something that itself repeats, like `(a+)+`, which can "
                "make checking an answer take hours; remove the outer or the inner repeat")
    if _overlapping_alternation(parsed, inside_repeat=False):
        return ("the pattern repeats a choice whose options can match the same text, like "
                "`(a|ab)*`, which can make checking an answer take hours")
    return None


def _unbounded(max_count: int) -> bool:
    return max_count == MAXREPEAT or max_count > 100


def _nested_repeat(items: sre_parse.SubPattern, *, outer: int) -> bool:
    """A repeat inside a repeat where either side is unbounded; ``outer`` is the enclosing max."""
    for op, arg in items:
        if op in _REPEATS:
            high, body = arg[1], arg[2]
            if outer > 1 and high > 1 and (_unbounded(outer) or _unbounded(high)):
                return True
            if _nested_repeat(body, outer=max(outer, high)):
                return True
        elif any(_nested_repeat(sub, outer=outer) for sub in _children(op, arg)):
            return True
    return False


def _overlapping_alternation(items: sre_parse.SubPattern, *, inside_repeat: bool) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            if _overlapping_alternation(arg[2], inside_repeat=inside_repeat or _unbounded(arg[1])):
                return True
        elif op == sre_parse.BRANCH and inside_repeat:
            firsts = [_first_chars(branch) for branch in arg[1]]
            seen: set[int] = set()
            for chars in firsts:
                if chars is None or chars & seen:
                    return True
                seen |= chars
        else:
            for sub in _children(op, arg):
                if _overlapping_alternation(sub, inside_repeat=inside_repeat):
                    return True
    return False


def _first_chars(branch: sre_parse.SubPattern) -> set[int] | None:
    """The literal characters a branch can start with; ``None`` when it is not that simple."""
    if not branch:
        return None
    op, arg = branch[0]
    if op == sre_parse.LITERAL:
        return {arg}
    if op == sre_parse.IN and all(o == sre_parse.LITERAL for o, _ in arg):
        return {a for _, a in arg}
    if op == sre_parse.SUBPATTERN:
        return _first_chars(arg[-1])
    return None


def _children(op: int, arg: object) -> list[sre_parse.SubPattern]:
    if op == sre_parse.SUBPATTERN:
        return [arg[-1]]  # type: ignore[index]
    if op == sre_parse.BRANCH:
        return list(arg[1])  # type: ignore[index]
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [arg[1]]  # type: ignore[index]
    if op == sre_parse.GROUPREF_EXISTS:
        return [a for a in arg[1:] if a]  # type: ignore[index]
    return []
