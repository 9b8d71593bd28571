"""Checks of the ``schema`` part of a form: valid JSON Schema, safe, and drawable as a form.

Each function yields ``(path, message, code, severity)`` with ``path`` inside the form file, so
the caller can attach lines. Nothing here fetches anything: remote references are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
from jsonschema.validators import validator_for

from schemas.dates import DateLimit
from schemas.drafts import DRAFT_7, DRAFT_2019_09, DRAFT_2020_12, DRAFT_NAMES
from schemas.patterns import pattern_problem
from schemas.refs import LocalRefs, RefError, all_refs
from schemas.suggest import did_you_mean

Path = tuple[str | int, ...]
Finding = tuple[Path, str, str, str]

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
                  "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
                  "contentSchema")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")

KEYWORDS = frozenset("""
$schema $id $ref $defs $anchor $dynamicRef $dynamicAnchor $vocabulary $comment $recursiveRef
$recursiveAnchor definitions id type enum const multipleOf maximum exclusiveMaximum minimum
exclusiveMinimum maxLength minLength pattern items prefixItems additionalItems unevaluatedItems
contains minContains maxContains maxItems minItems uniqueItems maxProperties minProperties
required properties patternProperties additionalProperties unevaluatedProperties propertyNames
dependentRequired dependentSchemas dependencies allOf anyOf oneOf not if then else format
contentMediaType contentEncoding contentSchema title description default deprecated readOnly
writeOnly examples maxFileSize enumNames errorMessage after before
""".split())
# Keywords that decide what a resident must answer: a misspelling of one silently drops the
# rule (``requried:`` makes every question optional), so it is an error, not a warning.
RULE_KEYWORDS = frozenset("""
required dependentRequired dependentSchemas dependencies type enum const minimum maximum
exclusiveMinimum exclusiveMaximum minLength maxLength pattern minItems maxItems uniqueItems
multipleOf format if then else allOf anyOf oneOf not properties items additionalProperties
contentMediaType maxFileSize after before
""".split())
# What clerks write for a type, and what JSON Schema calls it.
_TYPE_ADVICE = {
    "file": "for an upload write `type: string` and `format: file`",
    "date": "for a date write `type: string` and `format: date`",
    "email": "for an email address write `type: string` and `format: email`",
    "text": "Did you mean `string`?", "str": "Did you mean `string`?",
    "int": "Did you mean `integer`?", "bool": "Did you mean `boolean`?",
    "list": "for a list write `type: array`", "float": "Did you mean `number`?",
}
_TRANSLATED_KEYWORD = re.compile(
    r"^(title|description|errorMessage)_[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
KNOWN_FORMATS = frozenset({"email", "date", "time", "date-time", "uri", "tel", "file", "data-url",
                           "idn-email", "uri-reference", "iri", "hostname", "ipv4", "ipv6",
                           "uuid", "duration", "regex", "json-pointer"})
_DRAFT_ONLY: dict[str, dict[str, str | None]] = {
    DRAFT_7: {"dependentRequired": "dependencies", "dependentSchemas": "dependencies",
              "prefixItems": "items", "unevaluatedProperties": None},
    DRAFT_2019_09: {"prefixItems": "items", "dependencies": "dependentRequired"},
    DRAFT_2020_12: {"dependencies": "dependentRequired", "additionalItems": "items"},
}


def subschemas(schema: Any, path: Path) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Every schema object in the document, depth first, with its path."""
    if not isinstance(schema, Mapping):
        return
    yield path, schema
    for key in _SCHEMA_MAPS:
        if isinstance(schema.get(key), Mapping):
            for name, sub in schema[key].items():
                yield from subschemas(sub, (*path, key, name))
    if isinstance(schema.get("dependencies"), Mapping):
        for name, sub in schema["dependencies"].items():
            yield from subschemas(sub, (*path, "dependencies", name))
    for key in _SCHEMA_VALUES:
        if isinstance(schema.get(key), Mapping):
            yield from subschemas(schema[key], (*path, key))
    for key in _SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            for index, sub in enumerate(schema[key]):
                yield from subschemas(sub, (*path, key, index))


def check_schema(schema: Mapping[str, Any], draft: str, base: Path) -> Iterator[Finding]:
    """All findings for a form's schema, which sits at ``base`` in the file."""
    findings = list(_refs(schema, base))
    if any(f[2] in ("remote_ref", "missing_ref", "anchor_ref", "ref_loop") for f in findings):
        yield from findings
        return
    yield from findings
    yield from _draft_meta(schema, draft, base)
    yield from _top_level(schema, base)
    for path, node in subschemas(schema, base):
        yield from _node(node, path, draft)


def _refs(schema: Mapping[str, Any], base: Path) -> Iterator[Finding]:
    refs = LocalRefs(schema)
    loops: set[frozenset[str]] = set()
    for path, ref in all_refs(schema, base):
        try:
            refs.resolve({"$ref": ref})
        except RefError as exc:
            if exc.code == "ref_loop":
                members = frozenset(part.strip() for part in exc.message.split("(")[1]
                                    .split(")")[0].split("->"))
                if members in loops:
                    continue
                loops.add(members)
            yield path, exc.message, exc.code, "error"


def _draft_meta(schema: Mapping[str, Any], draft: str, base: Path) -> Iterator[Finding]:
    cls = validator_for({"$schema": draft})
    meta = cls(cls.META_SCHEMA)
    try:
        errors = list(meta.iter_errors(schema))
    except (RecursionError, jsonschema.exceptions.SchemaError):  # pragma: no cover
        yield base, "The schema is too deeply nested to check.", "too_deep", "error"
        return
    for error in errors:
        yield (*base, *error.absolute_path), _meta_message(error, draft), "schema", "error"


def _meta_message(error: jsonschema.ValidationError, draft: str) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    key = next((p for p in reversed(error.absolute_path) if isinstance(p, str)), "schema")
    value = error.instance
    if error.validator in ("anyOf", "type") and key == "type":
        advice = _TYPE_ADVICE.get(str(value))
        if advice and not advice.startswith("Did"):
            return f"`type: {value}` is not a JSON Schema type: {advice}."
        suggestion = f" {advice}" if advice else did_you_mean(
            str(value), ["string", "number", "integer", "boolean", "object", "array", "null"])
        return (f"`type: {value}` is not a JSON Schema type. Use string, number, integer, "
                f"boolean, object or array.{suggestion}")
    if error.validator == "type":
        declared = error.validator_value
        wanted = " or ".join(declared) if isinstance(declared, list) else str(declared)
        return f"`{key}` should be {TYPE_WORDS.get(wanted, wanted)}, not `{value!r}`."
    if error.validator == "uniqueItems":
        return f"`{key}` lists the same value twice."
    if error.validator == "minItems":
        return f"`{key}` needs at least {error.validator_value} entries."
    return f"The schema is not valid JSON Schema ({DRAFT_NAMES[draft]}) at `schema{where}`: " \
        f"{error.message}."


TYPE_WORDS = {
    "string": "text", "array": "a list, like [a, b]", "object": "a group of keys",
    "number": "a number", "integer": "a whole number", "boolean": "true or false",
    "object or boolean": "a schema (a group of keys)", "boolean or object": "a schema",
}


def _top_level(schema: Mapping[str, Any], base: Path) -> Iterator[Finding]:
    declared = schema.get("type")
    if "properties" not in schema and declared not in ("object", None):
        what = {"string": "a single piece of text", "array": "a list",
                "number": "a single number", "integer": "a single number",
                "boolean": "a single yes or no"}.get(str(declared), f"`type: {declared}`")
        yield ((*base, "type") if "type" in schema else base,
               f"The schema describes {what}, not a set of questions. A form's schema needs "
               "`type: object` with its questions under `properties`.", "not_object", "error")
    elif isinstance(declared, list) and "object" not in declared:
        yield (*base, "type"), "A form's schema needs `type: object`.", "not_object", "error"


def _node(node: Mapping[str, Any], path: Path, draft: str) -> Iterator[Finding]:
    for key in node:
        if not isinstance(key, str) or key in KEYWORDS or key.startswith(("x-", "ui:")):
            continue
        if _TRANSLATED_KEYWORD.match(key):
            continue
        yield _unknown_keyword(key, path)
    for key, replacement in _DRAFT_ONLY.get(draft, {}).items():
        if key in node:
            instead = f" Use `{replacement}` instead," if replacement else ""
            yield ((*path, key), f"`{key}` does not work in {DRAFT_NAMES[draft]} schemas, so it "
                   f"would be ignored.{instead} or declare the draft you mean with `$schema`.",
                   "wrong_draft", "error")
    yield from _date_limits(node, path)
    pattern = node.get("pattern")
    if isinstance(pattern, str) and (problem := pattern_problem(pattern)):
        yield (*path, "pattern"), f"`pattern` cannot be used: {problem}.", "unsafe_pattern", "error"
    fmt = node.get("format")
    if isinstance(fmt, str) and fmt not in KNOWN_FORMATS:
        yield ((*path, "format"), f"`format: {fmt}` is not a format formbuilder knows, so the "
               "answer is shown and checked as plain text.", "unknown_format", "warning")
    yield from _undrawable(node, path)


def _unknown_keyword(key: str, path: Path) -> Finding:
    stem, _, lang = key.rpartition("_")
    if stem and re.fullmatch(r"[a-z]{2,3}", lang):
        suggestion = did_you_mean(stem, ["title", "description"]).replace("`?", f"_{lang}`?")
    else:
        suggestion = did_you_mean(key, sorted(KEYWORDS))
    meant = suggestion.split("`")[1] if suggestion else None
    if meant in RULE_KEYWORDS:
        return ((*path, key), f"`{key}` is not a JSON Schema keyword, so its rule would be "
                f"silently ignored and residents asked for less than you meant.{suggestion}",
                "unknown_keyword", "error")
    return ((*path, key), f"`{key}` is not a JSON Schema keyword, so it would be ignored."
            f"{suggestion}", "unknown_keyword", "warning")


def _date_limits(node: Mapping[str, Any], path: Path) -> Iterator[Finding]:
    """``after``/``before``: ``today`` or a date, on a date question."""
    for key in ("after", "before"):
        if key not in node:
            continue
        value = node[key]
        if DateLimit.read(value) is None:
            yield ((*path, key), f"`{key}: {value}` is not a date. Write `{key}: today` (the "
                   f"date must be in the {'future' if key == 'after' else 'past'}) or a date "
                   "like 2027-01-31.", "date_limit", "error")
        elif node.get("format") not in ("date", "date-time"):
            yield ((*path, key), f"`{key}` only works on a date question: add `format: date`.",
                   "date_limit", "error")


def _undrawable(node: Mapping[str, Any], path: Path) -> Iterator[Finding]:
    """Constructs that validate data but cannot be drawn as questions for a resident."""
    if node.get("patternProperties"):
        yield ((*path, "patternProperties"), "`patternProperties` (answers whose question names "
               "follow a pattern) cannot be shown as a form, because a form needs to know each "
               "question's name. List the questions under `properties`.", "unsupported", "error")
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping) and extra and node.get("type") in ("object", None):
        yield ((*path, "additionalProperties"), "`additionalProperties` with a schema (questions "
               "the resident names themselves) cannot be shown as a form. List the questions "
               "under `properties`, or set `additionalProperties: false`.", "unsupported",
               "error")
    if "prefixItems" in node:
        yield ((*path, "prefixItems"), "`prefixItems` (a fixed sequence of different answers) "
               "cannot be shown as a form yet. Use an object with one property per answer "
               "instead.", "unsupported", "error")
