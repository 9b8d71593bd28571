"""Every question name the schema itself uses (``required``, ``dependentRequired``, ``if``/
``then``/``else``) must name a question of its own group.

JSON Schema happily requires a property that does not exist: ``then: {required:
[owner_permision]}`` validates, and a resident who answers "No" then meets "Enter an answer for
“Owner permision”" with no field to fill and no way out. So each group of questions (the form,
a group, a repeating group's item) is checked as one level: the names declared anywhere in it
(including its ``allOf``, ``then``, ``else`` ... parts), against the names each part uses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from schemas.fields import DECLARING_KEYWORDS
from schemas.refs import LocalRefs, RefError
from schemas.suggest import did_you_mean

Path = tuple[str | int, ...]
Finding = tuple[Path, str, str]

MAX_DEPTH = 12
# Parts of an object schema that stand in place of it (their properties are its properties).
_IN_PLACE_LISTS = ("allOf", "anyOf", "oneOf")
_IN_PLACE_VALUES = ("then", "else")
_IN_PLACE_MAPS = ("dependentSchemas", "dependencies")


def check_schema_names(schema: Mapping[str, Any]) -> Iterator[Finding]:
    """Unknown names in every level of the form's questions."""
    yield from _Levels(schema).level(schema, ("schema",), "", depth=0, refs=())


class _Levels:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.refs = LocalRefs(root)

    def resolve(self, schema: Any, path: Path) -> tuple[Any, Path, tuple[str, ...]]:
        try:
            target, chain, where = self.refs.resolve(schema)
        except RefError:
            return None, path, ()
        return target, (("schema", *where) if where is not None else path), chain

    def parts(self, schema: Any, path: Path, depth: int = 0
              ) -> Iterator[tuple[Path, Mapping[str, Any], bool]]:
        """The in-place parts of one level, each with whether it may declare questions."""
        schema, path, _ = self.resolve(schema, path)
        if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
            return
        yield path, schema, True
        if isinstance(schema.get("if"), Mapping):
            yield (*path, "if"), schema["if"], False
        for key in _IN_PLACE_LISTS:
            for index, part in enumerate(_items(schema.get(key))):
                yield from self.parts(part, (*path, key, index), depth + 1)
        for key in _IN_PLACE_VALUES:
            if isinstance(schema.get(key), Mapping):
                yield from self.parts(schema[key], (*path, key), depth + 1)
        for key in _IN_PLACE_MAPS:
            deps = schema.get(key)
            for name, part in (deps.items() if isinstance(deps, Mapping) else ()):
                if isinstance(part, Mapping):
                    yield from self.parts(part, (*path, key, name), depth + 1)

    def level(self, schema: Any, path: Path, where: str, *, depth: int,
              refs: tuple[str, ...]) -> Iterator[Finding]:
        parts = list(self.parts(schema, path))
        if not parts or depth > MAX_DEPTH or _open(parts):
            return
        base = parts[0][1]
        declared = _declared(parts)
        for part_path, part, _ in parts:
            yield from _unknown(part_path, part, declared, where, base is part)
        for part_path, part, _ in parts:
            properties = part.get("properties")
            for name, sub in (properties.items() if isinstance(properties, Mapping) else ()):
                yield from self._inner(sub, (*part_path, "properties", name),
                                       f"{where}.{name}" if where else str(name), depth, refs)

    def _inner(self, sub: Any, path: Path, where: str, depth: int,
               refs: tuple[str, ...]) -> Iterator[Finding]:
        """The levels inside a question: a group's questions, a repeating group's item."""
        schema, body, chain = self.resolve(sub, path)
        if not isinstance(schema, Mapping) or any(ref in refs for ref in chain):
            return
        refs = refs + chain
        items = schema.get("items")
        if isinstance(items, Mapping):
            yield from self.level(items, (*body, "items"), where, depth=depth + 1, refs=refs)
        elif "properties" in schema or schema.get("type") == "object":
            yield from self.level(schema, body, where, depth=depth + 1, refs=refs)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _open(parts: list[tuple[Path, Mapping[str, Any], bool]]) -> bool:
    """A level whose answers may carry names of the resident's choosing checks none."""
    for _, part, _ in parts:
        extra = part.get("additionalProperties")
        if part.get("patternProperties") or (isinstance(extra, Mapping) and extra):
            return True
    return False


def _declared(parts: list[tuple[Path, Mapping[str, Any], bool]]) -> set[str]:
    """The names the level asks: its own properties, and those its parts ask in full."""
    base = parts[0][1]
    names = set(_property_names(base))
    for _, part, may_declare in parts[1:]:
        if not may_declare:
            continue
        properties = part.get("properties")
        for name, sub in (properties.items() if isinstance(properties, Mapping) else ()):
            if isinstance(sub, Mapping) and DECLARING_KEYWORDS & set(sub):
                names.add(str(name))
    return names


def _property_names(schema: Mapping[str, Any]) -> list[str]:
    properties = schema.get("properties")
    return [str(n) for n in properties] if isinstance(properties, Mapping) else []


def _unknown(path: Path, part: Mapping[str, Any], declared: set[str], where: str,
             is_base: bool) -> Iterator[Finding]:
    known = sorted(declared)

    def problem(at: Path, name: Any, how: str) -> Finding:
        group = f" in `{where}`" if where else ""
        return (at, f"`{name}` {how}, but there is no question called `{name}`{group}."
                f"{did_you_mean(str(name), known)}", "unknown_field")

    for index, name in enumerate(_items(part.get("required"))):
        if isinstance(name, str) and name not in declared:
            yield problem((*path, "required", index), name, "is required")
    for key in ("dependentRequired", "dependencies"):
        deps = part.get(key)
        for name, needed in (deps.items() if isinstance(deps, Mapping) else ()):
            if name not in declared:
                yield problem((*path, key, name), name, f"is named in `{key}`")
            for index, other in enumerate(_items(needed)):
                if isinstance(other, str) and other not in declared:
                    yield problem((*path, key, name, index), other, "is required")
    if not is_base:
        for name in _property_names(part):
            if name not in declared:
                yield problem((*path, "properties", name), name, "has rules here")
