"""Schemas written for other form tools (a bare JSON Schema file) made into questions.

Such schemas often describe one value (``type: string``, a list of choices) or a set of answers
named by the resident (``additionalProperties`` with a schema). A form asks named questions, so
the first becomes a form of one question, ``answer``, and the second a repeating group of a name
and a value. The result is what is stored, so a published form never depends on this step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Path = tuple[str | int, ...]
Moves = list[tuple[Path, Path]]

ANSWER = "answer"
ADDITIONAL = "additional"
# Keys that belong to the document, not to the one value it describes.
_DOCUMENT_KEYS = ("$schema", "$id", "$defs", "definitions", "title", "description", "$comment")
# Keywords by which a schema without ``properties`` still describes named questions.
_OBJECT_KEYWORDS = ("properties", "allOf", "anyOf", "oneOf", "if", "then", "else",
                    "dependentSchemas", "dependencies", "required", "$ref", "patternProperties")


def as_questions(schema: Mapping[str, Any]) -> tuple[dict[str, Any], Moves]:
    """The schema as questions, and where each moved part now stands (old path, new path)."""
    moves: Moves = []
    result = _name_value_groups(dict(schema), (), moves)
    if _single_value(result):
        result = _one_question(result, moves)
    return result, moves


def moved(path: Path, moves: Moves) -> Path:
    """Where the part at ``path`` of the original schema now stands."""
    for old, new in moves:
        if path[:len(old)] == old:
            return moved((*new, *path[len(old):]), [m for m in moves if m[0] != old])
    return path


def _single_value(schema: Mapping[str, Any]) -> bool:
    declared = schema.get("type")
    if "properties" in schema:
        return False
    if isinstance(declared, list):
        return True
    if declared == "object":
        return False
    return declared is not None or not any(key in schema for key in _OBJECT_KEYWORDS)


def _one_question(schema: dict[str, Any], moves: Moves) -> dict[str, Any]:
    question = {k: v for k, v in schema.items() if k not in _DOCUMENT_KEYS or k == "title"}
    if "description" in schema:
        question["description"] = schema["description"]
    wrapper = {k: v for k, v in schema.items() if k in _DOCUMENT_KEYS}
    moves += [((key,), ("properties", ANSWER, key)) for key in question
              if key not in ("title", "description")]
    return {**wrapper, "type": "object", "properties": {ANSWER: question}, "required": [ANSWER]}


def _name_value_groups(node: dict[str, Any], path: Path, moves: Moves) -> dict[str, Any]:
    """``additionalProperties: {schema}`` anywhere among the questions, as a repeating group."""
    properties = node.get("properties")
    if isinstance(properties, Mapping):
        node["properties"] = {
            name: _name_value_groups(dict(sub), (*path, "properties", name), moves)
            if isinstance(sub, Mapping) else sub for name, sub in properties.items()}
    items = node.get("items")
    if isinstance(items, Mapping):
        node["items"] = _name_value_groups(dict(items), (*path, "items"), moves)
    extra = node.get("additionalProperties")
    if not (isinstance(extra, Mapping) and extra) or node.get("patternProperties"):
        return node
    group = _group(extra, node.get("propertyNames"))
    rest = {k: v for k, v in node.items() if k not in ("additionalProperties", "propertyNames")}
    if not isinstance(rest.get("properties"), Mapping) or not rest["properties"]:
        moves.append(((*path, "additionalProperties"), (*path, "items", "properties", "value")))
        kept = {k: v for k, v in rest.items() if k in ("title", "description", *_DOCUMENT_KEYS)}
        return {**kept, **group}
    name = _free_name(rest["properties"])
    moves.append(((*path, "additionalProperties"),
                  (*path, "properties", name, "items", "properties", "value")))
    return {**rest, "properties": {**rest["properties"],
                                   name: {"title": "Additional details", **group}}}


def _group(value: Mapping[str, Any], names: Any) -> dict[str, Any]:
    name: dict[str, Any] = {"type": "string", "title": "Name", "minLength": 1}
    if isinstance(names, Mapping):
        name.update({k: v for k, v in names.items() if k not in ("type", "title")})
    return {"type": "array", "items": {
        "type": "object", "required": ["name", "value"],
        "properties": {"name": name, "value": {"title": "Value", **value}}}}


def _free_name(properties: Mapping[str, Any]) -> str:
    name, number = ADDITIONAL, 2
    while name in properties:
        name, number = f"{ADDITIONAL}_{number}", number + 1
    return name
