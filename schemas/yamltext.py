"""Editing a form file's text through its data, keeping every line an edit does not touch.

The studio's builder changes a form by changing its data, but the form file is the one source
people read and hand-edit: its comments, key order, quoting, wrapped lists and keys the builder
knows nothing about must survive. So a :class:`Document` reads the text with ruamel.yaml's
round-trip loader (which keeps comments and order on the data), lets the builder change that
data, and writes back only what changed: :func:`Document.text` walks the old and new data
together and copies the original lines of every unchanged entry, re-emitting just the entries
(and list items) that differ. An unchanged document is returned byte for byte.

JSON drafts are read the same way and written back as indented JSON (JSON has no comments to
keep). Pure: knows no web framework or database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString


class TextError(ValueError):
    """The text cannot be read as YAML or JSON; the message says so in words."""


def _yaml(offset: int) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    yaml.width = 4096  # long lines stay long lines, as people write labels and descriptions
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def _offset(text: str) -> int:
    """How far this file indents a block list's dashes under their key (0 or 2)."""
    lines = text.splitlines()
    for index, line in enumerate(lines[1:], 1):
        dash = re.match(r"^(\s*)- ", line)
        parent = re.match(r"^(\s*)[^\s#-][^#]*:\s*(#.*)?$", lines[index - 1])
        if dash and parent:
            return 2 if len(dash.group(1)) > len(parent.group(1)) else 0
    return 2


def text_value(text: str) -> Any:
    """A string to store: a literal block (``|``) when it has several lines, as people write."""
    return LiteralScalarString(text) if "\n" in text else text


def flow_list(items: list[Any]) -> CommentedSeq:
    """A list written on one line (``[a, b]``), as form files write names and choices."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def plain(value: Any) -> Any:
    """The data as plain dicts, lists and scalars (ruamel's own types and dates unwrapped)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def same(a: Any, b: Any) -> bool:
    """Equal as data, key order included (a reordered mapping is a change to write)."""
    return _shape(a) == _shape(b)


def _shape(value: Any) -> Any:
    if isinstance(value, Mapping):
        return ("map", tuple((str(k), _shape(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_shape(v) for v in value))
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    return ("s", str(value), type(value).__name__ == "LiteralScalarString")


class Document:
    """A form file's text and its data; change ``data``, then read :meth:`text`."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.is_json = text.lstrip().startswith(("{", "["))
        self._offset = _offset(text)
        self._before = self._load(text)
        self.data = self._load(text)
        if not isinstance(self.data, CommentedMap):
            raise TextError("The form file is not a set of keys and values (like `id: ...`).")

    def _load(self, text: str) -> Any:
        try:
            return _yaml(self._offset).load(text)
        except YAMLError as error:
            raise TextError(f"The form file cannot be read: {str(error).splitlines()[0]}") \
                from None
        except RecursionError:
            raise TextError("The form file is nested too deeply to be read.") from None

    def text(self) -> str:
        """The text with the changes made to ``data``; unchanged lines exactly as they were."""
        if same(self._before, self.data):
            return self.original
        if self.is_json:
            return json.dumps(plain(self.data), indent=2, ensure_ascii=False) + "\n"
        lines = self.original.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        before = self._before
        if not before:
            return "".join(self._emit(self.data, 0))
        first = before.lc.key(next(iter(before)))[0]
        out = lines[:first] + self._mapping(lines, before, self.data, first, len(lines), 0)
        return "".join(out)

    # --- splicing ------------------------------------------------------------------------

    def _mapping(self, lines: list[str], old: CommentedMap, new: Mapping[str, Any],
                 start: int, end: int, column: int) -> list[str]:
        keys = list(old)
        starts = [old.lc.key(k)[0] for k in keys]
        spans = {k: (starts[i], starts[i + 1] if i + 1 < len(keys) else end)
                 for i, k in enumerate(keys)}
        out: list[str] = []
        tail: list[str] = []  # blank and comment lines above the next old key
        for key, value in new.items():
            if key not in old:
                out += self._entry(new, key, column)
                continue
            first, last = spans[key]
            body_end = _body_end(lines, first, last)
            out += tail
            tail = lines[body_end:last]
            if same(old[key], value):
                out += lines[first:body_end]
                continue
            nested = self._nested(lines, old[key], value, first, body_end)
            out += nested if nested is not None else self._entry(new, key, column)
        return out + tail

    def _nested(self, lines: list[str], old: Any, new: Any, first: int,
                end: int) -> list[str] | None:
        """An entry whose value is a block mapping or list, rewritten inside; else None."""
        if isinstance(old, CommentedMap) and isinstance(new, Mapping) and old and new and \
                not old.fa.flow_style():
            child_line, child_column = old.lc.key(next(iter(old)))
            if child_line > first and _starts_line(lines[child_line], child_column):
                return lines[first:child_line] + self._mapping(lines, old, new, child_line,
                                                               end, child_column)
        if isinstance(old, CommentedSeq) and isinstance(new, list) and old and new and \
                not old.fa.flow_style():
            item_line = old.lc.item(0)[0]
            dash = lines[item_line].find("-")
            if item_line > first and dash >= 0 and lines[item_line][:dash].strip() == "":
                return lines[first:item_line] + self._sequence(lines, old, new, item_line,
                                                               end, dash)
        return None

    def _sequence(self, lines: list[str], old: CommentedSeq, new: list[Any], start: int,
                  end: int, dash: int) -> list[str]:
        starts = [old.lc.item(i)[0] for i in range(len(old))]
        spans = [(starts[i], starts[i + 1] if i + 1 < len(old) else end)
                 for i in range(len(old))]
        unused = list(range(len(old)))
        out: list[str] = []
        tail: list[str] = []
        for item in new:
            match = next((i for i in unused if same(old[i], item)), None)
            if match is not None:
                unused.remove(match)
                first, last = spans[match]
                body_end = _body_end(lines, first, last)
                out += tail + lines[first:body_end]
                tail = lines[body_end:last]
            else:
                out += self._emit([item], dash)
        return out + tail

    def _entry(self, parent: Mapping[str, Any], key: str, column: int) -> list[str]:
        single = CommentedMap()
        single[key] = parent[key]
        comments = getattr(parent, "ca", None)
        if comments is not None and key in comments.items:
            single.ca.items[key] = comments.items[key]
        return self._emit(single, column)

    def _emit(self, value: Any, column: int) -> list[str]:
        stream = io.StringIO()
        _yaml(self._offset).dump(value, stream)
        emitted = _without_spacing(stream.getvalue().splitlines(keepends=True))
        while emitted and emitted[-1].lstrip().startswith("#"):
            emitted.pop()
        indent = min((len(x) - len(x.lstrip(" ")) for x in emitted if x.strip()), default=0)
        return [wrapped for x in emitted
                for wrapped in _wrap((" " * column + x[indent:]) if x.strip() else x)]


_FLOW_LIST = re.compile(r"^(?P<head>\s*(?:- )?[\w.$-]+: \[)(?P<items>[^\[\]{}\"'#]*)\]\n$")


def _wrap(line: str, width: int = 100) -> list[str]:
    """A long one-line list of plain words (``required: [a, b, ...]``) wrapped as people wrap
    them, continuing under the first item."""
    match = _FLOW_LIST.match(line)
    if len(line) <= width or match is None:
        return [line]
    head, items = match["head"], match["items"].split(", ")
    out, current = [], head
    for index, item in enumerate(items):
        piece = item + ("," if index < len(items) - 1 else "]")
        if current.strip() and current != head and len(current) + 1 + len(piece) > width:
            out.append(current.rstrip() + "\n")
            current = " " * len(head)
        current += piece if current.endswith(("[", " ")) else " " + piece
    return [*out, current + "\n"]


_BLOCK_SCALAR = re.compile(r"(?:^|[:\s-])[|>][-+0-9]*\s*(#.*)?$")


def _without_spacing(lines: list[str]) -> list[str]:
    """Blank lines in new text are leftovers of a moved entry's spacing and are dropped,
    except inside a block scalar (``description: |``), where they are paragraph breaks."""
    kept: list[str] = []
    block: int | None = None  # the indentation of the line that opened a block scalar
    for index, line in enumerate(lines):
        indent = len(line) - len(line.lstrip(" "))
        if block is not None and line.strip() and indent <= block:
            block = None
        if not line.strip():
            following = next((x for x in lines[index + 1:] if x.strip()), "")
            if block is not None and len(following) - len(following.lstrip(" ")) > block:
                kept.append(line)
            continue
        kept.append(line)
        if block is None and _BLOCK_SCALAR.search(line.rstrip("\n")):
            block = indent
    return kept


def _starts_line(line: str, column: int) -> bool:
    return line[:column].strip() == ""


def _body_end(lines: list[str], first: int, last: int) -> int:
    """Where an entry's own lines end: the blank and comment lines after them belong to what
    follows (a comment above the next key), so they are kept when the entry is rewritten."""
    end = last
    while end > first + 1 and (not lines[end - 1].strip()
                               or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end
