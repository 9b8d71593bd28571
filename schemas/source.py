"""Reading a form file into plain data while remembering the line of every key.

Every message a clerk sees points at a line, so the loader keeps a map from each key's path
(``("schema", "properties", "email")``) to its line. YAML is read with YAML 1.2 rules for
scalars: only ``true``/``false`` are booleans (so ``no`` and ``on`` stay text, the "Norway
problem"), dates stay strings, and ``10:30`` is text rather than a base-60 number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from schemas.problems import FormError, Problem

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 64
MAX_NODES = 200_000

PathKey = tuple[str | int, ...]


@dataclass
class Source:
    """A form file's data plus where each key stands in the text."""

    name: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    duplicates: list[tuple[PathKey, int]] = field(default_factory=list)

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def problem(self, path: PathKey, message: str, code: str, **extra: Any) -> Problem:
        return Problem(self.name, self.line_of(path), message, code, **extra)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars."""


_REPLACED_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp")}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
    ),
    list("-+.0123456789"),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)

_YAML_HINTS = [
    ("mapping values are not allowed",
     "A colon followed by a space starts a new key. If the colon is part of the text, put the "
     'whole text in quotes, like title: "Note: bring ID".'),
    ("found character '\\t'", "Indent with spaces; YAML does not allow tabs."),
    ("expected ',' or '}'",
     "Inside { } separate items with commas; text that contains a colon, a question mark or a "
     "comma needs quotes."),
    ("expected ',' or ']'",
     "Inside [ ] separate items with commas; text that contains a colon, a question mark or a "
     "comma needs quotes."),
    ("could not find expected ':'",
     "A key is missing its colon, or a line is indented differently from the one above it."),
    ("found unexpected end of stream", "A quote or bracket was opened but never closed."),
    ("while scanning a quoted scalar", "A quote was opened but never closed."),
    ("expected <block end>", "This line is indented differently from the lines around it."),
    ("did not find expected key", "This line is indented differently from the lines around it."),
    ("did not find expected '-' indicator", "List items must line up under each other."),
    ("found undefined alias", "An alias (*name) refers to an anchor (&name) that is not defined."),
    ("could not determine a constructor", "Tags like !something are not allowed in form files."),
]


def read(path: str | Path) -> Source:
    """Load a form file, raising :class:`FormError` with plain messages when it cannot be read."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise FormError([Problem(name, None, "This is a folder, not a form file.", "io")]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        problem = Problem(name, None, f"The file cannot be read: {reason}.", "io")
        raise FormError([problem]) from None
    return parse(raw, name, json_syntax=path.suffix.lower() == ".json")


def parse(raw: bytes | str, name: str, *, json_syntax: bool = False) -> Source:
    """Parse the text of a form file (YAML, or JSON when ``json_syntax``)."""
    text = _decode(raw, name)
    if not text.strip():
        raise FormError([Problem(name, 1, "The file is empty. A form needs at least `id`, "
                                          "`title` and `schema`.", "empty")])
    if json_syntax:
        source = Source(name, _parse_json(text, name))
        try:  # only for lines: JSON strings cannot hold raw tabs, so tabs here are whitespace
            node = yaml.compose(text.replace("\t", " "), Loader=_Loader)
            if node is not None:
                _Walker(source).walk(node, (), 0)
        except (yaml.YAMLError, RecursionError, FormError):
            source.lines, source.duplicates = {}, []
        return source
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise FormError([_yaml_problem(exc, name, text)]) from None
    except RecursionError:
        raise FormError([_too_deep(name, None)]) from None
    source = Source(name, None)
    source.data = _Walker(source).walk(node, (), 0) if node is not None else None
    return source


def _decode(raw: bytes | str, name: str) -> str:
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_FILE_BYTES:
        raise FormError([Problem(
            name, None,
            f"The file is {size / 1_000_000:.1f} MB; a form file may be at most "
            f"{MAX_FILE_BYTES // 1_000_000} MB. Large lists belong in a data source, not the form.",
            "too_large")])
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if b"\x00" in raw[:8192]:
        raise FormError([Problem(name, None, "This is not a text file (it looks like a binary "
                                 "file). Save the form as YAML or JSON text.", "binary")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FormError([Problem(name, line, "This line has characters that are not UTF-8 text. "
                                 "Save the file with the UTF-8 encoding.", "encoding")]) from None


def _yaml_problem(exc: yaml.YAMLError, name: str, text: str = "") -> Problem:
    """A YAML error as what to do, never in the parser's own words (``<block end>``)."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    detail = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    message = _indentation_advice(detail, line, text) if line else None
    if message is None:
        hint = next((h for key, h in _YAML_HINTS if key in detail or key in context), None)
        message = f"This line is not valid YAML. {hint}" if hint else \
            f"This line is not valid YAML: {_plain(detail)}."
    return Problem(name, line, message, "syntax", column=column)


_INDENT_ERRORS = ("mapping values are not allowed", "expected <block end>",
                  "did not find expected key")
_PARSER_WORDS = {"block end": "the end of an indented block", "stream end": "the end of the file",
                 "block mapping start": "a new key", "block sequence start": "a new list",
                 "scalar": "a value", "flow mapping start": "`{`", "flow sequence start": "`[`",
                 "flow mapping end": "`}`", "flow sequence end": "`]`", "document start": "`---`",
                 "block entry": "a list item (`-`)", "key": "a key", "value": "a value"}


def _indentation_advice(detail: str, line: int, text: str) -> str | None:
    """Most YAML mistakes clerks make are indentation: say which way the line is off."""
    if not any(key in detail for key in _INDENT_ERRORS):
        return None
    rows = text.splitlines()
    if line > len(rows):
        return None
    above = next((row for row in reversed(rows[:line - 1])
                  if row.strip() and not row.lstrip().startswith("#")), None)
    if above is None:
        return None
    here, before = _indent(rows[line - 1]), _indent(above)
    if here > before and not above.rstrip().endswith(":"):
        return (f"Line {line} is indented more than the line above it. Line it up with the "
                "line above, or, if it belongs inside that line's key, take the value off that "
                "line so the key ends with a colon.")
    if "mapping values" in detail:
        return None
    return (f"Line {line} is indented differently from the lines above it: line it up with the "
            "other keys of the same group (or list items with their `-`), using spaces.")


def _indent(row: str) -> int:
    return len(row) - len(row.lstrip(" "))


def _plain(detail: str) -> str:
    return re.sub(r"'?<([a-z ]+)>'?", lambda m: _PARSER_WORDS.get(m[1], "something else"),
                  detail)


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if "Expecting property name" in exc.msg:
            hint = " Keys need double quotes, and the last item must not have a comma after it."
        elif "Expecting ',' delimiter" in exc.msg:
            hint = " A comma is missing between two items."
        raise FormError([Problem(name, exc.lineno, f"This is not valid JSON: {exc.msg}.{hint}",
                                 "syntax", column=exc.colno)]) from None
    except RecursionError:
        raise FormError([_too_deep(name, None)]) from None


def _too_deep(name: str, line: int | None) -> Problem:
    return Problem(name, line, f"The file is nested more than {MAX_DEPTH} levels deep. Split "
                   "deep groups into reusable parts under `$defs`.", "too_deep")


class _Walker:
    """Builds plain data from YAML nodes, recording lines and refusing alias bombs."""

    def __init__(self, source: Source):
        self.source = source
        self.nodes = 0
        self.constructor = _Loader("")

    def walk(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormError([Problem(self.source.name, node.start_mark.line + 1,
                                     "The file is too large to be a form (over "
                                     f"{MAX_NODES:,} values; aliases may repeat it).",
                                     "too_large")])
        if depth > MAX_DEPTH:
            raise FormError([_too_deep(self.source.name, node.start_mark.line + 1)])
        if depth == 0:
            self.source.lines[()] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.source.lines.setdefault((*path, index), item.start_mark.line + 1)
                items.append(self.walk(item, (*path, index), depth + 1))
            return items
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise FormError([_yaml_problem(exc, self.source.name)]) from None

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.walk(value_node, path, depth + 1)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            result.setdefault(k, v)
                continue
            key = self.walk(key_node, path, depth + 1)
            if not isinstance(key, Hashable) or isinstance(key, (list, dict)):
                key = str(key)
            line = key_node.start_mark.line + 1
            if key in result:
                self.source.duplicates.append(((*path, key), line))
            self.source.lines[(*path, key)] = line
            result[key] = self.walk(value_node, (*path, key), depth + 1)
        return result
