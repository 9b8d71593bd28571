"""A schema that contradicts itself: a rule no answer can meet, or a choice listed twice.

JSON Schema accepts ``minimum: 10, maximum: 5`` or ``type: boolean, const: "no"`` as written,
and a resident then meets a question nobody can answer. Each part of the schema is checked on
its own, with the form's draft and formats, so what is refused here is exactly what validation
would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

import jsonschema
from referencing.exceptions import Unresolvable

from schemas.dates import DateLimit
from schemas.schema_checks import subschemas
from schemas.validation import SchemaReferenceError, lenient_validator

Path = tuple[str | int, ...]
Finding = tuple[Path, str, str]

_BOUNDS = (
    ("minimum", "maximum", False), ("exclusiveMinimum", "maximum", True),
    ("minimum", "exclusiveMaximum", True), ("exclusiveMinimum", "exclusiveMaximum", True),
    ("minLength", "maxLength", False), ("minItems", "maxItems", False),
    ("minProperties", "maxProperties", False), ("minContains", "maxContains", False),
)
_NOT_RULES = ("const", "default", "examples", "title", "description")


def check_contradictions(schema: Mapping[str, Any], draft: str) -> Iterator[Finding]:
    """Every self-contradiction in the form's schema, which sits at ``schema`` in the file."""
    root = lenient_validator(schema, draft)
    for path, node in subschemas(schema, ("schema",)):
        if "not" in path:
            continue
        yield from _bounds(node, path)
        yield from _twice(node, path)
        yield from _dates(node, path)
        yield from _values(root, node, path)


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds(node: Mapping[str, Any], path: Path) -> Iterator[Finding]:
    for low_key, high_key, strict in _BOUNDS:
        low, high = node.get(low_key), node.get(high_key)
        if not (_number(low) and _number(high)) or (low < high or (low == high and not strict)):
            continue
        relation = "is above" if low > high else "is the same as"
        yield ((*path, low_key), f"`{low_key}` ({_show(low)}) {relation} `{high_key}` "
               f"({_show(high)}), so no answer can meet both. Lower `{low_key}` or raise "
               f"`{high_key}`.", "contradiction")


def _twice(node: Mapping[str, Any], path: Path) -> Iterator[Finding]:
    enum = node.get("enum")
    if isinstance(enum, list):
        yield from _repeated(enum, (*path, "enum"), "enum")
    for key in ("oneOf", "anyOf"):
        options = node.get(key)
        if isinstance(options, list) and options and all(
                isinstance(o, Mapping) and "const" in o for o in options):
            yield from _repeated([o["const"] for o in options], (*path, key), key)


def _repeated(values: list[Any], path: Path, key: str) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        token = json.dumps(value, sort_keys=True)
        if token in seen:
            yield ((*path, index), f"`{key}` lists `{_show(value)}` twice, so residents would "
                   "see the same choice twice. Remove one of them.", "contradiction")
        seen.add(token)


def _dates(node: Mapping[str, Any], path: Path) -> Iterator[Finding]:
    after, before = DateLimit.read(node.get("after")), DateLimit.read(node.get("before"))
    if after is not None and before is not None and not after.leaves_room_before(before):
        yield ((*path, "after"), f"`after: {after}` and `before: {before}` leave no date "
               "that could be entered. Change one of them.", "contradiction")


def _values(root: Any, node: Mapping[str, Any], path: Path) -> Iterator[Finding]:
    """``const``, ``default`` and ``examples`` that the rest of the same part refuses."""
    if "const" in node:
        reason = _refusal(root, node, node["const"])
        if reason is not None:
            yield (*path, "const"), _const_message(node, reason), "contradiction"
    default = node.get("default")
    if default not in (None, ""):
        reason = _refusal(root, node, default)
        if reason is not None:
            yield ((*path, "default"), f"`default: {_show(default)}` is refused by the question "
                   f"itself ({reason}), so residents would start from an answer they cannot "
                   "send. Change the default or the rules.", "contradiction")
    examples = node.get("examples")
    for index, example in enumerate(examples if isinstance(examples, list) else []):
        reason = _refusal(root, node, example)
        if reason is not None:
            yield ((*path, "examples", index), f"`examples` has `{_show(example)}`, which the "
                   f"question itself refuses ({reason}). Correct or remove the example.",
                   "contradiction")


def _const_message(node: Mapping[str, Any], reason: str) -> str:
    const = node["const"]
    if isinstance(node.get("enum"), list) and const not in node["enum"]:
        choices = ", ".join(_show(v) for v in node["enum"])
        return (f"`const: {_show(const)}` is not one of its own choices (`enum`: {choices}), "
                "so no answer fits. Make `const` one of the choices, or remove one of the two.")
    if node.get("type") == "boolean" and not isinstance(const, bool):
        return (f"`const: {_show(const)}` is not a yes/no answer. Write `const: true` or "
                "`const: false`.")
    return f"`const: {_show(const)}` is refused by the question's own rules ({reason})."


def _refusal(root: Any, node: Mapping[str, Any], value: Any) -> str | None:
    """Why the rest of ``node`` refuses ``value``, or ``None`` when it accepts it."""
    rules = {k: v for k, v in node.items() if k not in _NOT_RULES}
    try:
        error = next(root.evolve(schema=rules).iter_errors(value), None)
    except (jsonschema.exceptions.SchemaError, Unresolvable, SchemaReferenceError,
            RecursionError, TypeError, ValueError):
        return None
    return None if error is None else error.message


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value) if not isinstance(value, Mapping | list) else json.dumps(value)
