"""The studio's builder: a form made question by question from menus, written in the form
language a technical author would write by hand.

Each operation (:data:`OPERATIONS`) changes a form's data the way a person would edit its
file: a question added under ``schema.properties`` with its ``ui`` hints and page, a condition
written as the ``if``/``then`` a person writes, a page or routing step in its list. The text is
edited through :class:`schemas.yamltext.Document`, so comments, key order and everything the
builder cannot show stay as they were, and :func:`apply` refuses any change after which the
form would not check: the builder never leaves a draft a publisher could not publish.

Pure: knows no web framework or database; the studio's service saves what this returns.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from schemas.checker import build
from schemas.conditions import (
    Compare,
    ConditionError,
    Contains,
    In,
    IsSet,
    Not,
    Truthy,
    describe,
)
from schemas.conditions import parse as parse_condition
from schemas.fields import Field
from schemas.flow import describe_branch
from schemas.model import NOTIFY_EVENTS, Form
from schemas.problems import FormError, Problem
from schemas.source import parse
from schemas.yamltext import Document, TextError, flow_list, plain, same, text_value

RESERVED = frozenset({"csrf_token", "key"})
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
DURATION = re.compile(r"^[1-9][0-9]{0,3} (hour|day|week)s?$")
SIZE = re.compile(r"^[1-9][0-9]{0,3} ?(KB|MB)$", re.IGNORECASE)
MAX_TEXT = 4000

KINDS: dict[str, str] = {
    "short_text": "Short answer (one line of text)",
    "long_text": "Long answer (several lines)",
    "whole_number": "Whole number",
    "money": "Amount of money",
    "date": "Date",
    "email": "Email address",
    "phone": "Phone number",
    "address": "Address (street, city, ZIP code)",
    "yes_no": "Yes or no",
    "one_choice": "One choice from a list",
    "several_choices": "Several choices (tick all that apply)",
    "file": "File upload",
    "repeat": "Repeating group (“Add another …”)",
    "declaration": "Statement or declaration to agree to",
}
FILE_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("PDF", "application/pdf"),
    "photo": ("photo (JPG or PNG)", "image/jpeg, image/png"),
    "word": ("Word document", "application/vnd.openxmlformats-officedocument"
                              ".wordprocessingml.document"),
    "spreadsheet": ("spreadsheet (Excel or CSV)", "application/vnd.openxmlformats-"
                                                 "officedocument.spreadsheetml.sheet, text/csv"),
}
COMPARISONS: dict[str, str] = {
    "is": "is", "is_not": "is not", "yes": "is Yes", "no": "is No",
    "at_least": "is at least", "at_most": "is at most", "more_than": "is more than",
    "less_than": "is less than", "before": "is before", "after": "is after",
    "includes": "includes", "answered": "is answered", "not_answered": "is not answered",
}


class BuilderError(ValueError):
    """A change the builder refuses; the message says why and what to do instead."""


@dataclass(frozen=True)
class Result:
    text: str
    summary: str
    form: Form


# --- reading -------------------------------------------------------------------------------


def checked(text: str, name: str = "form.yaml") -> tuple[Form | None, list[Problem]]:
    try:
        source = parse(text, name, json_syntax=name.endswith(".json"))
    except FormError as error:
        return None, list(error.problems)
    return build(source)


def apply(text: str, operation: str, *, source_name: str = "form.yaml", **arguments: Any
          ) -> Result:
    """``text`` after ``operation``; :class:`BuilderError` when it cannot be done, or when the
    form would no longer check (the checker's words say why)."""
    handler = OPERATIONS.get(operation)
    if handler is None:
        raise BuilderError("The builder does not know that change.")
    form, problems = checked(text, source_name)
    if form is None:
        raise BuilderError("The draft has problems the builder cannot show: "
                           + _first(problems) + " Fix them in the source first.")
    try:
        document = Document(text)
    except TextError as error:
        raise BuilderError(str(error)) from None
    summary = handler(Context(document.data, form), **arguments)
    new_text = document.text()
    after, problems = checked(new_text, source_name)
    if after is None:
        raise BuilderError("That change would leave the form with a problem, so it was not "
                           "made: " + _first(problems))
    return Result(new_text, summary, after)


def _first(problems: Sequence[Problem]) -> str:
    errors = [p for p in problems if p.severity == "error"] or list(problems)
    shown = "; ".join(p.message for p in errors[:2])
    return shown + ("" if shown.endswith(".") else ".")


@dataclass
class Context:
    """The data being changed, and the form as it checked before the change."""

    root: CommentedMap
    form: Form

    @property
    def schema(self) -> CommentedMap:
        return self.root["schema"]

    def ui(self) -> CommentedMap:
        if not isinstance(self.root.get("ui"), CommentedMap):
            _insert(self.root, "ui", CommentedMap(), before=("routing", "notify", "webhooks"))
        return self.root["ui"]

    @overload
    def hints(self, path: str, create: Literal[True]) -> CommentedMap: ...

    @overload
    def hints(self, path: str, create: bool = False) -> CommentedMap | None: ...

    def hints(self, path: str, create: bool = False) -> CommentedMap | None:
        ui = self.ui() if create else self.root.get("ui")
        if not isinstance(ui, CommentedMap):
            return None
        if not isinstance(ui.get(path), CommentedMap):
            if not create:
                return None
            _insert(ui, path, CommentedMap(), before=("pages", "order"))
        return ui[path]

    @property
    def pages(self) -> CommentedSeq | None:
        ui = self.root.get("ui")
        pages = ui.get("pages") if isinstance(ui, CommentedMap) else None
        return pages if isinstance(pages, CommentedSeq) and pages else None

    def field(self, path: str) -> Field:
        found = self.form.fields.get(path)
        if found is None:
            raise BuilderError(f"There is no question `{path}` in this form.")
        return found

    def node(self, found: Field) -> CommentedMap:
        node = _at(self.root, found.source_path)
        if not isinstance(node, CommentedMap):
            raise BuilderError(f"“{found.title.default}” is written in a way the builder "
                               "cannot change. Edit it in the source.")
        return node

    def level(self, found: Field) -> CommentedMap:
        """The schema whose ``properties`` holds the question (the form, a branch, a group)."""
        if len(found.source_path) < 2 or found.source_path[-2] != "properties":
            raise BuilderError(f"“{found.title.default}” is written in a way the builder "
                               "cannot change. Edit it in the source.")
        level = _at(self.root, found.source_path[:-2])
        if not isinstance(level, CommentedMap):
            raise BuilderError("The builder cannot change this part of the form.")
        return level


def _at(root: Any, path: Sequence[str | int]) -> Any:
    node = root
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _insert(mapping: CommentedMap, key: str, value: Any, before: Iterable[str] = ()) -> None:
    """Add ``key`` before the first of ``before`` present (so ``pages`` stays last in ``ui``)."""
    if key in mapping:
        mapping[key] = value
        return
    keys = list(mapping)
    position = min((keys.index(k) for k in before if k in mapping), default=len(keys))
    mapping.insert(position, key, value)


def _text(value: Any, what: str, *, required: bool = True) -> str:
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if required and not text:
        raise BuilderError(f"Enter {what}.")
    if len(text) > MAX_TEXT:
        raise BuilderError(f"{what[0].upper()}{what[1:]} can be at most {MAX_TEXT} characters.")
    return text


def slug(text: str, fallback: str = "question") -> str:
    """``Where is the pothole?`` -> ``where_is_the_pothole``: a question's name in the data."""
    plain_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "_", plain_text).strip("_")[:40].strip("_")
    if not words or not words[0].isalpha():
        words = f"{fallback}_{words}".strip("_") if words else fallback
    return words


def _unique(wanted: str, taken: Iterable[str]) -> str:
    taken = set(taken) | RESERVED
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}_{number}" in taken:
        number += 1
    return f"{wanted}_{number}"


# --- questions -----------------------------------------------------------------------------


def _siblings(ctx: Context, parent: str | None) -> list[str]:
    return [f.name for f in ctx.form.fields.values() if f.parent == parent]


def _choices(lines: str | Sequence[str]) -> list[tuple[str, str]]:
    """Choices typed one per line, ``Label`` or ``Label [value]``, as (value, label)."""
    rows = lines.splitlines() if isinstance(lines, str) else list(lines)
    found: list[tuple[str, str]] = []
    for row in rows:
        row = " ".join(str(row).split())
        if not row:
            continue
        match = re.match(r"^(.*?)\s*\[([^\[\]]+)\]$", row)
        label, value = (match.group(1), match.group(2).strip()) if match else (row, "")
        label = label or value
        value = value or slug(label, "choice")
        if value in {v for v, _ in found}:
            raise BuilderError(f"The choice “{label}” is listed twice. Each choice once.")
        found.append((value, label[:500]))
    if not found:
        raise BuilderError("Enter the choices, one per line.")
    if len(found) > 500:
        raise BuilderError("A question can have at most 500 choices.")
    return found


def _media_types(types: Iterable[str]) -> str:
    chosen = [FILE_TYPES[t][1] for t in types if t in FILE_TYPES]
    return ", ".join(chosen) or "application/pdf, image/jpeg, image/png"


def _size(text: str) -> str:
    text = " ".join(text.split()).upper().replace("KB", " KB").replace("MB", " MB")
    text = " ".join(text.split())
    if not SIZE.match(text):
        raise BuilderError("Write the largest file size like 5 MB or 500 KB.")
    return text


def _definition(kind: str, title: str, arguments: Mapping[str, Any]
                ) -> tuple[CommentedMap, CommentedMap]:
    """The question's schema and its ``ui`` hints, as FORMAT.md writes each kind."""
    schema, hints = CommentedMap(), CommentedMap()
    if kind in ("short_text", "long_text", "email", "phone", "date", "file"):
        schema["type"] = "string"
    if kind == "long_text":
        hints["widget"] = "textarea"
    elif kind == "email":
        schema["format"] = "email"
        hints["autocomplete"] = "email"
    elif kind == "phone":
        schema["format"] = "tel"
        hints["autocomplete"] = "tel"
    elif kind == "date":
        schema["format"] = "date"
    elif kind == "whole_number":
        schema["type"] = "integer"
    elif kind == "money":
        schema["type"] = "number"
    elif kind == "yes_no":
        schema["type"] = "boolean"
    elif kind == "file":
        schema["format"] = "file"
    schema["title"] = title
    if kind == "money":
        schema["minimum"] = 0
        schema["multipleOf"] = 0.01
        hints["widget"] = "money"
    elif kind == "file":
        schema["contentMediaType"] = _media_types(arguments.get("file_types") or ())
        schema["maxFileSize"] = _size(str(arguments.get("max_size") or "10 MB"))
    elif kind == "address":
        schema["type"] = "object"
        schema["required"] = flow_list(["street", "city", "zip"])
        parts = CommentedMap()
        for part, words in (("street", "Street address"), ("city", "Town or city"),
                            ("zip", "ZIP code")):
            parts[part] = CommentedMap([("type", "string"), ("title", words)])
        schema["properties"] = parts
    elif kind in ("one_choice", "several_choices"):
        choices = _choices(arguments.get("choices") or "")
        values = flow_list([value for value, _ in choices])
        if kind == "one_choice":
            schema["type"] = "string"
            schema["enum"] = values
            hints["widget"] = "select" if arguments.get("widget") == "select" else "radio"
        else:
            schema["type"] = "array"
            schema["uniqueItems"] = True
            schema["items"] = CommentedMap([("type", "string"), ("enum", values)])
            hints["widget"] = "checkboxes"
        hints["labels"] = CommentedMap(choices)
    elif kind == "repeat":
        item = _text(arguments.get("item_label") or "Item", "what one item is called")
        schema["type"] = "array"
        schema["maxItems"] = 20
        first = _text(arguments.get("first_question") or "Details", "the first question")
        schema["items"] = CommentedMap([
            ("type", "object"), ("title", item),
            ("properties", CommentedMap([(slug(first), CommentedMap(
                [("type", "string"), ("title", first)]))]))])
        hints["item_label"] = item
        hints["add_label"] = _text(arguments.get("add_label") or f"Add another {item.lower()}",
                                   "the add button's words")
    elif kind == "declaration":
        statement = _text(arguments.get("statement"), "the statement the resident agrees to")
        schema["type"] = "array"
        schema["minItems"] = 1
        schema["uniqueItems"] = True
        schema["items"] = CommentedMap([("type", "string"), ("enum", flow_list(["agree"]))])
        hints["widget"] = "checkboxes"
        hints["labels"] = CommentedMap([("agree", text_value(statement))])
    if "type" in schema:
        _move_key(schema, "type", 0)
    return schema, hints


def add_question(ctx: Context, *, kind: str, title: str, name: str = "", hint: str = "",
                 required: bool = False, group: str = "", page: int | str | None = None,
                 **arguments: Any) -> str:
    """A new question of a kind from the menu, at the end of its page (or group)."""
    if kind not in KINDS:
        raise BuilderError("Choose what kind of question to add.")
    title = _text(title, "the question, as residents will read it")
    parent = ctx.field(group) if group else None
    if parent is not None and parent.kind not in ("group", "repeat"):
        raise BuilderError(f"“{parent.title.default}” is not a group of questions.")
    if parent is not None and kind == "repeat":
        raise BuilderError("A repeating group cannot be put inside a group.")
    taken = _siblings(ctx, parent.path if parent else None)
    if name:
        name = name.strip()
        if not NAME.match(name) or name in RESERVED:
            raise BuilderError("A question's name is lower-case letters, digits and _, "
                               "starting with a letter, like pothole_size.")
        if name in taken:
            raise BuilderError(f"There is already a question named `{name}` here.")
    else:
        name = _unique(slug(title), taken)
    schema, hints = _definition(kind, title, arguments)
    hint = _text(hint, "the hint", required=False)
    if hint:
        hints.insert(0, "hint", text_value(hint))
    level = ctx.schema if parent is None else _level_of(ctx, parent)
    properties = level.get("properties")
    if not isinstance(properties, CommentedMap):
        properties = CommentedMap()
        _insert(level, "properties", properties, before=("if", "then", "else", "allOf"))
    properties[name] = schema
    if required or kind == "declaration":
        _require(level, name, True)
    path = f"{parent.path}.{name}" if parent else name
    if hints:
        ctx.hints(path, create=True).update(hints)
    if parent is None:
        _place(ctx, name, page)
    return f"Added the question “{title}”."


def _level_of(ctx: Context, group: Field) -> CommentedMap:
    node = ctx.node(group)
    if group.kind == "repeat":
        node = node.get("items")
    if not isinstance(node, CommentedMap) or "$ref" in node:
        raise BuilderError(f"“{group.title.default}” is shared with other questions ($defs); "
                           "edit it in the source.")
    return node


def _require(level: CommentedMap, name: str, required: bool, *, last: bool = False) -> None:
    names = level.get("required")
    if required:
        if not isinstance(names, list):
            _insert(level, "required", flow_list([name]), before=() if last else ("properties",))
        elif name not in names:
            names.append(name)
    elif isinstance(names, list) and name in names:
        names.remove(name)
        if not names:
            del level["required"]


def _place(ctx: Context, name: str, page: int | str | None) -> None:
    pages = ctx.pages
    ui = ctx.root.get("ui")
    if pages is not None:
        index = _page_index(ctx, page, default=len(pages) - 1)
        fields = pages[index].get("fields")
        if not isinstance(fields, list):
            raise BuilderError("That page's list of questions cannot be changed here.")
        fields.append(name)
    elif isinstance(ui, CommentedMap) and isinstance(ui.get("order"), list):
        ui["order"].append(name)


def _page_index(ctx: Context, page: int | str | None, default: int = 0) -> int:
    if page in (None, ""):
        return default
    return _index(page, len(ctx.pages or []), "Choose one of the pages.")


def _index(chosen: int | str, count: int, refusal: str) -> int:
    """The position ``chosen`` names among ``count`` pages or steps; else ``refusal``."""
    try:
        index = int(chosen)
    except (TypeError, ValueError):
        raise BuilderError(refusal) from None
    if not 0 <= index < count:
        raise BuilderError(refusal)
    return index


def edit_question(ctx: Context, *, path: str, title: str | None = None,
                  hint: str | None = None, required: bool | None = None) -> str:
    """The question's words and whether it must be answered; its name (and so every answer
    already stored under it) stays."""
    found = ctx.field(path)
    node = ctx.node(found)
    if title is not None:
        node["title"] = _text(title, "the question, as residents will read it")
    if hint is not None:
        hint = _text(hint, "the hint", required=False)
        hints = ctx.hints(path, create=bool(hint) and "description" not in node)
        if "description" in node:
            if hint:
                node["description"] = text_value(hint)
            else:
                del node["description"]
        elif hints is not None:
            if hint:
                _insert(hints, "hint", text_value(hint), before=tuple(hints)[:1])
            else:
                hints.pop("hint", None)
    if required is not None and found.required != required:
        _require(ctx.level(found), found.name, required)
    return f"Changed “{node.get('title', path)}”."


LIMITS: dict[str, tuple[str, str]] = {
    "min_length": ("minLength", "int"), "max_length": ("maxLength", "int"),
    "minimum": ("minimum", "number"), "maximum": ("maximum", "number"),
    "min_items": ("minItems", "int"), "max_items": ("maxItems", "int"),
    "after": ("after", "date"), "before": ("before", "date"),
    "max_size": ("maxFileSize", "size"),
}


def set_limits(ctx: Context, *, path: str, **limits: Any) -> str:
    """Lengths, smallest and largest, earliest and latest dates (``today``: in the future or
    past), item counts, the largest file; a blank removes the limit."""
    found = ctx.field(path)
    node = ctx.node(found)
    for key, value in limits.items():
        if key == "file_types":
            if value:
                node["contentMediaType"] = _media_types(value)
            continue
        if key not in LIMITS or value is None:
            continue
        keyword, kind = LIMITS[key]
        text = str(value).strip()
        if not text:
            node.pop(keyword, None)
            continue
        node[keyword] = _limit(text, kind)
    return f"Changed the limits of “{found.title.default}”."


def _limit(text: str, kind: str) -> Any:
    if kind in ("int", "number"):
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise BuilderError(f"{text} is not a number.") from None
        if kind == "int" and (number < 0 or not number.is_integer()):
            raise BuilderError(f"{text} is not a whole number.")
        return int(number) if number.is_integer() else number
    if kind == "size":
        return _size(text)
    if text.lower() in ("today", "in the future", "in the past"):
        return "today"
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        raise BuilderError(f"Write a date like 2027-01-31, or today ({text} is not one).")
    return text


def _choice_node(ctx: Context, found: Field) -> tuple[CommentedMap, str]:
    node = ctx.node(found)
    holder = node.get("items") if found.kind in ("multichoice", "list") else node
    if isinstance(holder, CommentedMap):
        for key in ("enum", "oneOf", "anyOf"):
            if isinstance(holder.get(key), list):
                return holder, key
    raise BuilderError(f"“{found.title.default}” has no list of choices the builder can change.")


def _labels(ctx: Context, path: str) -> CommentedMap:
    hints = ctx.hints(path, create=True)
    if not isinstance(hints.get("labels"), CommentedMap):
        hints["labels"] = CommentedMap()
    return hints["labels"]


def add_choice(ctx: Context, *, path: str, label: str) -> str:
    found = ctx.field(path)
    holder, key = _choice_node(ctx, found)
    ((value, words),) = _choices([label])
    existing = [str(c.value) for c in found.choices]
    value = _unique(value, existing) if value in existing else value
    if key == "enum":
        holder["enum"].append(value)
        _labels(ctx, path)[value] = words
    else:
        holder[key].append(CommentedMap([("const", value), ("title", words)]))
    return f"Added the choice “{words}”."


def rename_choice(ctx: Context, *, path: str, value: str, label: str) -> str:
    """A choice's words change; its stored value (in answers, conditions, routing) stays."""
    found = ctx.field(path)
    holder, key = _choice_node(ctx, found)
    words = _text(label, "the choice's words")
    if key == "enum":
        if value not in [str(v) for v in holder["enum"]]:
            raise BuilderError("Choose one of the question's choices.")
        _labels(ctx, path)[value] = words
    else:
        option = next((o for o in holder[key] if str(o.get("const")) == value), None)
        if option is None:
            raise BuilderError("Choose one of the question's choices.")
        option["title"] = words
    return f"Renamed a choice of “{found.title.default}” to “{words}”."


def move_choice(ctx: Context, *, path: str, value: str, direction: str) -> str:
    found = ctx.field(path)
    holder, key = _choice_node(ctx, found)
    items = holder[key]
    values = [str(o.get("const")) if key != "enum" else str(o) for o in items]
    if value not in values:
        raise BuilderError("Choose one of the question's choices.")
    _move(items, values.index(value), direction)
    return f"Moved a choice of “{found.title.default}”."


def remove_choice(ctx: Context, *, path: str, value: str) -> str:
    found = ctx.field(path)
    holder, key = _choice_node(ctx, found)
    items = holder[key]
    values = [str(o.get("const")) if key != "enum" else str(o) for o in items]
    if value not in values:
        raise BuilderError("Choose one of the question's choices.")
    if len(items) == 1:
        raise BuilderError("A question needs at least one choice.")
    del items[values.index(value)]
    hints = ctx.hints(path)
    for table in [v for k, v in (hints or {}).items() if str(k).startswith("labels")]:
        if isinstance(table, CommentedMap):
            table.pop(value, None)
    return f"Removed a choice of “{found.title.default}”."


def _move(items: list[Any], index: int, direction: str, steps: int | str = 1) -> int:
    """Move an item up or down ``steps`` places (dragging moves several); its new index."""
    try:
        count = max(1, min(int(steps), len(items)))
    except (TypeError, ValueError):
        count = 1
    target = index - count if direction == "up" else index + count
    if direction not in ("up", "down") or not 0 <= target < len(items):
        raise BuilderError("It cannot move further that way.")
    items.insert(target, items.pop(index))
    return target


def set_group_labels(ctx: Context, *, path: str, item_label: str = "",
                     add_label: str = "") -> str:
    found = ctx.field(path)
    if found.kind != "repeat":
        raise BuilderError(f"“{found.title.default}” is not a repeating group.")
    hints = ctx.hints(path, create=True)
    for key, value in (("item_label", item_label), ("add_label", add_label)):
        text = _text(value, "the label", required=False)
        if text:
            hints[key] = text
        else:
            hints.pop(key, None)
    return f"Changed the labels of “{found.title.default}”."


def remove_question(ctx: Context, *, path: str) -> str:
    found = ctx.field(path)
    level = ctx.level(found)
    del level["properties"][found.name]
    _require(level, found.name, False)
    for pages in ([ctx.pages] if found.parent is None and ctx.pages else []):
        for page in list(pages):
            fields = page.get("fields")
            if isinstance(fields, list) and found.name in fields:
                fields.remove(found.name)
                if not fields:
                    pages.remove(page)
    ui = ctx.root.get("ui")
    if isinstance(ui, CommentedMap):
        for key in [k for k in ui if k == path or str(k).startswith(path + ".")]:
            del ui[key]
        if isinstance(ui.get("order"), list) and path in ui["order"]:
            ui["order"].remove(path)
    _tidy_branches(ctx.schema)
    return f"Removed the question “{found.title.default}”."


def move_question(ctx: Context, *, path: str, direction: str, steps: int | str = 1) -> str:
    """Up or down among the questions of its page (or its group, or the one-page form)."""
    found = ctx.field(path)
    if found.parent is None and ctx.pages is not None:
        page = next((p for p in ctx.pages if found.name in (p.get("fields") or [])), None)
        if page is None:
            raise BuilderError("The question is on no page.")
        _move(page["fields"], list(page["fields"]).index(found.name), direction, steps)
        return f"Moved “{found.title.default}” {direction}."
    ui = ctx.root.get("ui")
    order = ui.get("order") if isinstance(ui, CommentedMap) else None
    if found.parent is None and isinstance(order, list) and found.name in order:
        _move(order, list(order).index(found.name), direction, steps)
        return f"Moved “{found.title.default}” {direction}."
    properties = ctx.level(found)["properties"]
    siblings = [f for f in ctx.form.fields.values() if f.parent == found.parent]
    index = [f.path for f in siblings].index(found.path)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(siblings):
        raise BuilderError("It cannot move further that way.")
    other = siblings[target]
    if other.source_path[:-1] == found.source_path[:-1]:
        keys = list(properties)
        _move_key(properties, found.name, keys.index(other.name))
    elif found.parent is None:
        names = [f.name for f in siblings]
        names.insert(target, names.pop(index))
        _insert(ctx.ui(), "order", flow_list(names), before=("pages",))
    else:
        raise BuilderError("This question cannot move past a conditional question here.")
    return f"Moved “{found.title.default}” {direction}."


def _move_key(mapping: CommentedMap, key: str, position: int) -> None:
    value = mapping.pop(key)
    mapping.insert(position, key, value)


# --- conditions ----------------------------------------------------------------------------


def _value(control: Field, text: str) -> Any:
    """A typed value as the controlling question stores it."""
    text = str(text).strip()
    if control.value_type == "number" or control.kind in ("number", "integer"):
        try:
            number = float(text)
        except ValueError:
            raise BuilderError(f"“{control.title.default}” is a number: {text} is not.") \
                from None
        return int(number) if number.is_integer() else number
    for choice in control.choices:
        if str(choice.value) == text or choice.label.default == text:
            return choice.value
    if control.choices:
        raise BuilderError(f"Choose one of the choices of “{control.title.default}”.")
    if not text:
        raise BuilderError("Enter the value to compare with.")
    return text


def condition_schema(control: Field, comparison: str, values: Sequence[str]
                     ) -> tuple[CommentedMap, str]:
    """The ``if`` a person would write for "ask only if <question> <comparison> <value>",
    and the branch (``then``, or ``else`` for "is not") that asks the question."""
    name = control.name
    test = CommentedMap()
    branch = "then"
    if comparison in ("answered", "not_answered"):
        return CommentedMap([("required", flow_list([name]))]), (
            "then" if comparison == "answered" else "else")
    if comparison in ("yes", "no"):
        test["const"] = comparison == "yes"
    elif comparison in ("is", "is_not"):
        picked = [_value(control, v) for v in values if str(v).strip()]
        if not picked:
            raise BuilderError("Choose the answer (or answers) that ask the question.")
        if len(picked) == 1:
            test["const"] = picked[0]
        else:
            test["enum"] = flow_list(picked)
        branch = "then" if comparison == "is" else "else"
    elif comparison in ("at_least", "at_most", "more_than", "less_than"):
        if control.value_type != "number":
            raise BuilderError(f"“{control.title.default}” is not a number.")
        keyword = {"at_least": "minimum", "at_most": "maximum", "more_than": "exclusiveMinimum",
                   "less_than": "exclusiveMaximum"}[comparison]
        test[keyword] = _value(control, (list(values) or [""])[0])
    elif comparison == "includes":
        if control.kind not in ("multichoice", "list"):
            raise BuilderError(f"“{control.title.default}” is not a several-choices question.")
        test["contains"] = CommentedMap([("const", _value(control, (list(values) or [""])[0]))])
    else:
        raise BuilderError("Choose how to compare.")
    properties = CommentedMap([(name, test)])
    properties.fa.set_flow_style()
    return CommentedMap([("properties", properties), ("required", flow_list([name]))]), branch


def set_condition(ctx: Context, *, path: str, question: str = "", comparison: str = "",
                  values: Sequence[str] = (), typed: str = "") -> str:
    """Ask the question only if another question's answer says so: the question moves into
    the ``then`` (or ``else``) of a matching ``if``, joining any question asked on the same
    condition. Its name stays, so stored answers keep their meaning."""
    found = ctx.field(path)
    if found.parent is not None:
        raise BuilderError("Only questions outside groups can have a condition here; edit a "
                           "group's conditions in the source.")
    if typed.strip():
        question, comparison, values = _from_typed(ctx, typed)
    control = ctx.field(question) if question else None
    if control is None or control.parent is not None or control.path == found.path:
        raise BuilderError("Choose the question whose answer decides.")
    test, branch = condition_schema(control, comparison, values)
    _detach(ctx, found, lambda node, required: _attach(ctx.schema, test, branch, found.name,
                                                       node, required))
    return f"“{found.title.default}” is now asked only if {_words(ctx, control, test, branch)}."


def clear_condition(ctx: Context, *, path: str) -> str:
    found = ctx.field(path)
    if not found.conditional:
        raise BuilderError(f"“{found.title.default}” is always asked already.")

    def back(node: CommentedMap, required: bool) -> None:
        properties = ctx.schema.setdefault("properties", CommentedMap())
        properties[found.name] = node
        if required:
            _require(ctx.schema, found.name, True)

    _detach(ctx, found, back)
    return f"“{found.title.default}” is now always asked."


def _detach(ctx: Context, found: Field, then: Callable[[CommentedMap, bool], None]) -> None:
    path = found.source_path
    allowed = (("schema", "properties"), ("schema", "then", "properties"),
               ("schema", "else", "properties"))
    if tuple(path[:-1]) not in allowed and not (
            len(path) == 6 and path[1] == "allOf" and path[3] in ("then", "else")):
        raise BuilderError(f"The condition of “{found.title.default}” is written in a way the "
                           "builder cannot change. Edit it in the source.")
    level = ctx.level(found)
    node = level["properties"].pop(found.name)
    required = found.name in (level.get("required") or [])
    _require(level, found.name, False)
    then(node, required)
    _tidy_branches(ctx.schema)


def _attach(schema: CommentedMap, test: CommentedMap, branch: str, name: str,
            node: CommentedMap, required: bool) -> None:
    holders = [schema] + [h for h in schema.get("allOf") or [] if isinstance(h, CommentedMap)]
    holder = next((h for h in holders if "if" in h and same(plain(h["if"]), plain(test))),
                  None)
    if holder is None and "if" not in schema:
        holder = schema
        schema["if"] = test
    elif holder is None:
        if not isinstance(schema.get("allOf"), list):
            schema["allOf"] = CommentedSeq()
        holder = CommentedMap([("if", test)])
        schema["allOf"].append(holder)
    if not isinstance(holder.get(branch), CommentedMap):
        holder[branch] = CommentedMap()
    part = holder[branch]
    if not isinstance(part.get("properties"), CommentedMap):
        _insert(part, "properties", CommentedMap(), before=("required",))
    part["properties"][name] = node
    if required:
        _require(part, name, True, last=True)


def _tidy_branches(schema: CommentedMap) -> None:
    """Branches left with nothing to ask or require are removed, with their ``if``."""
    holders = [schema] + [h for h in schema.get("allOf") or [] if isinstance(h, CommentedMap)]
    for holder in holders:
        for branch in ("then", "else"):
            part = holder.get(branch)
            if isinstance(part, CommentedMap):
                if part.get("properties") == {}:
                    del part["properties"]
                if not part:
                    del holder[branch]
        if "if" in holder and "then" not in holder and "else" not in holder:
            del holder["if"]
    if isinstance(schema.get("allOf"), list):
        for holder in [h for h in schema["allOf"] if h == {}]:
            schema["allOf"].remove(holder)
        if not schema["allOf"]:
            del schema["allOf"]


def _from_typed(ctx: Context, typed: str) -> tuple[str, str, list[str]]:
    """A condition typed in the condition language, when it is one test a question's ``if``
    can say (``size is "large"``, ``size in [...]``, ``lanes_blocked``, ``amount >= 500``)."""
    try:
        condition = parse_condition(typed)
    except ConditionError as error:
        raise BuilderError(f"The condition cannot be read: {error}") from None
    node, negated = condition.node, False
    if isinstance(node, Not):
        node, negated = node.item, True
    simple = "A question's condition can be one test, like size is \"large\" or amount >= 500."
    if isinstance(node, Truthy):
        return node.field, ("no" if negated != node.negated else "yes"), []
    if isinstance(node, IsSet):
        return node.field, ("not_answered" if negated != node.negated else "answered"), []
    if isinstance(node, In):
        return node.field, ("is_not" if negated != node.negated else "is"), [
            str(v.value) for v in node.values]
    if isinstance(node, Contains) and not negated and not node.negated:
        return node.field, "includes", [str(node.value.value)]
    if isinstance(node, Compare):
        ops = {">=": "at_least", "<=": "at_most", ">": "more_than", "<": "less_than"}
        if node.op == "==":
            return node.field, ("is_not" if negated != node.negated else "is"), [
                str(node.value.value)]
        if node.op in ops and not negated and not node.negated:
            return node.field, ops[node.op], [str(node.value.value)]
    raise BuilderError(simple)


def _words(ctx: Context, control: Field, test: CommentedMap, branch: str) -> str:
    text = condition_text(control, test, branch)
    try:
        return describe(parse_condition(text), lambda n: _title(ctx.form, n),
                        lambda n, v: _label(ctx.form, n, v))
    except ConditionError:
        return text


def _title(form: Form, name: str) -> str:
    found = form.fields.get(name)
    return found.title.default if found else name


def _label(form: Form, name: str, value: Any) -> str:
    found = form.fields.get(name)
    return found.label_for(value) if found else str(value)


def condition_text(control: Field, test: Mapping[str, Any], branch: str = "then") -> str:
    """The ``if`` the builder writes, in the condition language (``size in ["medium", ...]``),
    as pages and routing steps write it."""
    name = control.name
    prop = (test.get("properties") or {}).get(name, {}) if isinstance(test, Mapping) else {}
    negate = branch == "else"
    if not prop:
        return f"{name} is {'not ' if negate else ''}set"
    if "const" in prop and isinstance(prop["const"], bool):
        return f"{'not ' if prop['const'] == negate else ''}{name}"
    if "const" in prop:
        return f"{name} {'is not' if negate else 'is'} {_literal(prop['const'])}"
    if "enum" in prop:
        listed = ", ".join(_literal(v) for v in prop["enum"])
        return f"{'not ' if negate else ''}{name} in [{listed}]"
    for keyword, op in (("minimum", ">="), ("maximum", "<="), ("exclusiveMinimum", ">"),
                        ("exclusiveMaximum", "<")):
        if keyword in prop:
            return f"{'not ' if negate else ''}{name} {op} {_literal(prop[keyword])}"
    if "contains" in prop:
        return f"{name} {'not contains' if negate else 'contains'} " \
               f"{_literal(prop['contains'].get('const'))}"
    return json.dumps(plain(test), ensure_ascii=False)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def when_text(rows: Sequence[Mapping[str, str]], form: Form) -> str:
    """A page's or step's ``when`` from menu rows (question, comparison, value, joined by
    ``and``/``or``), in the condition language."""
    parts: list[str] = []
    for row in rows:
        question = str(row.get("question") or "").strip()
        if not question:
            continue
        control = form.fields.get(question)
        if control is None:
            raise BuilderError(f"There is no question `{question}` in this form.")
        comparison, value = row.get("comparison", ""), str(row.get("value") or "").strip()
        values = [v.strip() for v in value.split(",")] if comparison in ("is", "is_not") \
            else [value]
        if comparison in ("before", "after"):
            if not re.match(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}:\d{2}$", value):
                raise BuilderError("Write a date like 2027-01-31 or a time like 17:30.")
            text = f"{question} is {comparison} {value}"
        elif comparison == "not_answered":
            text = f"{question} is not set"
        else:
            test, branch = condition_schema(control, comparison, values)
            text = condition_text(control, test, branch)
        if parts:
            parts.append("or" if row.get("join") == "or" else "and")
        parts.append(text)
    if not parts:
        raise BuilderError("Choose a question for the condition.")
    return " ".join(parts)


def _when(ctx: Context, when: str | None, rows: Sequence[Mapping[str, str]]) -> str | None:
    """A page's or step's ``when`` as typed, or, when nothing is typed and a menu row names a
    question, built from the rows (``None``, leave it be, stays ``None`` without rows)."""
    if (when or "").strip() or not any(r.get("question") for r in rows):
        return when
    return when_text(rows, ctx.form)


def describe_when(form: Form, text: str) -> str:
    """A ``when`` in plain words, for the builder's lists."""
    try:
        return describe(parse_condition(text), lambda n: _title(form, n),
                        lambda n, v: _label(form, n, v))
    except ConditionError:
        return text


def ask_only_if(form: Form, found: Field) -> str | None:
    """When a question is asked, in plain words (``None``: always)."""
    return describe_branch(form, found) if found.conditional else None


# --- pages ---------------------------------------------------------------------------------


def add_page(ctx: Context, *, title: str, fields: Sequence[str] = ()) -> str:
    """A new page holding the chosen questions (moved from where they were). The first page
    of a one-page form comes first, and the other questions go on a page after it."""
    title = _text(title, "the page's title")
    chosen = [name for name in dict.fromkeys(fields) if name]
    for name in chosen:
        if name not in ctx.form.fields or ctx.form.fields[name].parent is not None:
            raise BuilderError(f"There is no question `{name}` in this form.")
    page = CommentedMap([("title", title), ("fields", flow_list(chosen))])
    pages = ctx.pages
    if pages is None:
        if not chosen:
            chosen = [f.name for f in ctx.form.top_fields]
            page["fields"] = flow_list(chosen)
        rest = [f.name for f in ctx.form.top_fields if f.name not in chosen]
        pages = CommentedSeq([page])
        if rest:
            pages.append(CommentedMap([("title", "More questions"),
                                       ("fields", flow_list(rest))]))
        ui = ctx.ui()
        ui["pages"] = pages
        ui.pop("order", None)
        return f"Made the page “{title}”."
    if not chosen:
        raise BuilderError("Choose at least one question to put on the new page.")
    for other in list(pages):
        names = other.get("fields")
        if isinstance(names, list):
            for name in chosen:
                if name in names:
                    names.remove(name)
            if not names:
                pages.remove(other)
    pages.append(page)
    return f"Added the page “{title}”."


def edit_page(ctx: Context, *, page: int | str, title: str | None = None,
              description: str | None = None) -> str:
    pages = _pages(ctx)
    item = pages[_page_index(ctx, page)]
    if title is not None:
        item["title"] = _text(title, "the page's title")
    if description is not None:
        text = _text(description, "the text", required=False)
        if text:
            _insert(item, "description", text_value(text), before=("fields", "when"))
        else:
            item.pop("description", None)
    return f"Changed the page “{item['title']}”."


def move_page(ctx: Context, *, page: int | str, direction: str, steps: int | str = 1) -> str:
    pages = _pages(ctx)
    target = _move(pages, _page_index(ctx, page), direction, steps)
    return f"Moved the page “{pages[target]['title']}” {direction}."


def remove_page(ctx: Context, *, page: int | str) -> str:
    """The page goes; its questions join the page before it (or after, for the first)."""
    pages = _pages(ctx)
    index = _page_index(ctx, page)
    if len(pages) == 1:
        raise BuilderError("A form has at least one page.")
    gone = pages.pop(index)
    neighbour = pages[index - 1 if index > 0 else 0]
    neighbour["fields"].extend(gone.get("fields") or [])
    return f"Removed the page “{gone.get('title')}”; its questions moved to “" \
           f"{neighbour.get('title')}”."


def move_to_page(ctx: Context, *, path: str, page: int | str) -> str:
    found = ctx.field(path)
    pages = _pages(ctx)
    index = _page_index(ctx, page)
    if found.parent is not None:
        raise BuilderError("A question inside a group moves with its group.")
    for other in pages:
        names = other.get("fields")
        if isinstance(names, list) and found.name in names:
            names.remove(found.name)
    pages[index]["fields"].append(found.name)
    for other in list(pages):
        if not other.get("fields"):
            pages.remove(other)
    title = pages[min(index, len(pages) - 1)]["title"]
    return f"Moved “{found.title.default}” to the page “{title}”."


def set_page_when(ctx: Context, *, page: int | str, when: str = "",
                  rows: Sequence[Mapping[str, str]] = ()) -> str:
    """Show a page only if a condition holds (typed, or from menu rows); blank: always."""
    pages = _pages(ctx)
    item = pages[_page_index(ctx, page)]
    text = (_when(ctx, when, rows) or "").strip()
    if text:
        item["when"] = text
        return f"The page “{item['title']}” is shown only if {describe_when(ctx.form, text)}."
    item.pop("when", None)
    return f"The page “{item['title']}” is always shown."


def _pages(ctx: Context) -> CommentedSeq:
    if ctx.pages is None:
        raise BuilderError("This form is on one page. Add a page first.")
    return ctx.pages


# --- translations --------------------------------------------------------------------------


@dataclass
class Text:
    """One resident-facing text and its translations (``None``: missing)."""

    path: tuple[str | int, ...]
    what: str
    default: str
    translations: dict[str, str | None] = field(default_factory=dict)


def _translation_path(path: tuple[str | int, ...], language: str) -> tuple[str | int, ...]:
    if len(path) >= 2 and str(path[-2]) == "labels":
        return (*path[:-2], f"labels_{language}", path[-1])
    return (*path[:-1], f"{path[-1]}_{language}")


def texts(data: Mapping[str, Any], form: Form) -> list[Text]:
    """Every text residents read (titles, hints, choices, pages, steps, messages) with each
    of the form's other languages, so the table can mark what is missing."""
    found: list[Text] = []

    def add(path: tuple[str | int, ...], what: str) -> None:
        value = _at(data, path)
        if isinstance(value, str) and value.strip():
            found.append(Text(path, what, str(value)))

    for key, what in (("title", "Form title"), ("description", "Form description"),
                      ("confirmation", "After sending"), ("department", "Department")):
        add((key,), what)
    for item in form.fields.values():
        where = tuple(item.source_path)
        add((*where, "title"), f"Question {item.path}")
        add((*where, "description"), f"Hint of {item.path}")
        add(("ui", item.path, "hint"), f"Hint of {item.path}")
        for key in ("item_label", "add_label", "prefix", "suffix", "placeholder"):
            add(("ui", item.path, key), f"{key.replace('_', ' ').capitalize()} of {item.path}")
        labels = _at(data, ("ui", item.path, "labels"))
        if isinstance(labels, Mapping):
            for value in labels:
                add(("ui", item.path, "labels", value), f"Choice {value} of {item.path}")
        node = _at(data, where) or {}
        items = node.get("items")
        holder = items if isinstance(items, Mapping) else node
        for key in ("oneOf", "anyOf"):
            for index, option in enumerate(holder.get(key) or []):
                if isinstance(option, Mapping) and "title" in option:
                    add((*where, *(("items",) if holder is not node else ()), key, index,
                         "title"), f"Choice {option.get('const')} of {item.path}")
    for index, _page in enumerate(form.pages if _at(data, ("ui", "pages")) else ()):
        add(("ui", "pages", index, "title"), f"Page {index + 1} title")
        add(("ui", "pages", index, "description"), f"Page {index + 1} text")
    for index, _step in enumerate(form.routing):
        add(("routing", index, "step"), f"Step {index + 1}")
    others = form.languages[1:]
    for text in found:
        for language in others:
            value = _at(data, _translation_path(text.path, language))
            text.translations[language] = str(value) if isinstance(value, str) and \
                value.strip() else None
    return found


def set_languages(ctx: Context, *, languages: Sequence[str] | str) -> str:
    codes = languages.replace(",", " ").split() if isinstance(languages, str) else languages
    codes = list(dict.fromkeys(c.strip().lower() for c in codes if c.strip()))
    if not codes or not all(LANGUAGE.match(c) for c in codes):
        raise BuilderError("Write languages as short codes, like en es zh.")
    _insert(ctx.root, "languages", flow_list(codes), before=("reference_prefix",
                                                              "applicant_email", "schema"))
    return "The form's languages are now " + ", ".join(codes) + "."


def translate(ctx: Context, *, cells: Mapping[tuple[str | int, ...], Mapping[str, str]],
              new_language: str = "") -> str:
    """Write translations beside their texts (``title_es``, ``labels_es``); blank removes.
    A ``new_language`` is declared in the same change, as the checker wants every text of a
    declared language translated: the whole column is filled in one go."""
    languages = list(ctx.form.languages[1:])
    new_language = new_language.strip().lower()
    if new_language:
        if not LANGUAGE.match(new_language) or new_language in ctx.form.languages:
            raise BuilderError("Write the new language as a short code, like es or zh, "
                               "that the form does not have yet.")
        languages.append(new_language)
    known = {t.path: t for t in texts(ctx.root, ctx.form)}
    changed = 0
    for path, by_language in cells.items():
        if tuple(path) not in known:
            raise BuilderError("That text is not in the form any more. Reload the page.")
        for language, value in by_language.items():
            if language not in languages:
                continue
            text = _text(value, "the translation", required=False)
            target = _translation_path(tuple(path), language)
            parent = _at(ctx.root, target[:-1])
            if parent is None and text:
                holder = _at(ctx.root, target[:-2])
                if not isinstance(holder, CommentedMap):
                    continue
                _insert(holder, str(target[-2]), CommentedMap(),
                        before=[k for k in list(holder)
                                if list(holder).index(k) > list(holder).index(path[-2])][:1])
                parent = holder[target[-2]]
            if not isinstance(parent, CommentedMap):
                continue
            if text and parent.get(target[-1]) != text:
                after = [k for k in list(parent) if k == path[-1]] if path[-1] in parent else []
                if target[-1] not in parent and after:
                    parent.insert(list(parent).index(path[-1]) + 1, target[-1],
                                  text_value(text))
                else:
                    parent[target[-1]] = text_value(text)
                changed += 1
            elif not text and target[-1] in parent:
                del parent[target[-1]]
                changed += 1
    if new_language:
        set_languages(ctx, languages=[*ctx.form.languages, new_language])
    return f"Saved {changed} translation{'s' if changed != 1 else ''}."


# --- routing and notifications -------------------------------------------------------------


def _people(text: str | Sequence[str]) -> list[str]:
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))


def _step(item: CommentedMap, *, name: str | None, assign: str | Sequence[str] | None,
          due: str | None, escalate_to: str | None, when: str | None) -> None:
    if name is not None:
        item["step"] = _text(name, "the step's name")
    if assign is not None:
        holders = _people(assign)
        if not holders:
            raise BuilderError("Choose who acts at this step.")
        item.pop("assign", None)
        item.pop("all_of", None)
        if len(holders) == 1:
            _insert(item, "assign", holders[0], before=("when", "due", "escalate_to"))
        else:
            _insert(item, "all_of", flow_list(holders), before=("when", "due", "escalate_to"))
    for key, value in (("when", when), ("due", due), ("escalate_to", escalate_to)):
        if value is None:
            continue
        text = " ".join(str(value).split())
        if key == "due" and text and not DURATION.match(text):
            raise BuilderError("Write how long the step may take like 8 hours, 2 days or "
                               "1 week.")
        if text:
            _insert(item, key, text, before=[k for k in ("when", "due", "escalate_to")
                                             if ("when", "due", "escalate_to").index(k) >
                                             ("when", "due", "escalate_to").index(key)])
        else:
            item.pop(key, None)


def add_step(ctx: Context, *, name: str, assign: str | Sequence[str], due: str = "",
             escalate_to: str = "", when: str = "",
             rows: Sequence[Mapping[str, str]] = ()) -> str:
    """A routing step at the end: who acts (one role or email, or all of several roles),
    when it applies, how long it may take and whom it escalates to."""
    item = CommentedMap()
    _step(item, name=name, assign=assign, due=due, escalate_to=escalate_to,
          when=_when(ctx, when, rows))
    if not isinstance(ctx.root.get("routing"), list):
        _insert(ctx.root, "routing", CommentedSeq(), before=("notify", "webhooks"))
    ctx.root["routing"].append(item)
    return f"Added the step “{item['step']}”."


def edit_step(ctx: Context, *, step: int | str, name: str | None = None,
              assign: str | Sequence[str] | None = None, due: str | None = None,
              escalate_to: str | None = None, when: str | None = None,
              rows: Sequence[Mapping[str, str]] = ()) -> str:
    item = _routing(ctx)[_step_index(ctx, step)]
    _step(item, name=name, assign=assign, due=due, escalate_to=escalate_to,
          when=_when(ctx, when, rows))
    return f"Changed the step “{item['step']}”."


def move_step(ctx: Context, *, step: int | str, direction: str, steps: int | str = 1) -> str:
    routing = _routing(ctx)
    target = _move(routing, _step_index(ctx, step), direction, steps)
    return f"Moved the step “{routing[target].get('step')}” {direction}."


def remove_step(ctx: Context, *, step: int | str) -> str:
    routing = _routing(ctx)
    gone = routing.pop(_step_index(ctx, step))
    if not routing:
        del ctx.root["routing"]
    return f"Removed the step “{gone.get('step')}”."


def set_notify(ctx: Context, *, event: str, recipients: str | Sequence[str]) -> str:
    """Who is emailed on an event (``applicant``, ``assignees``, roles, addresses)."""
    if event not in NOTIFY_EVENTS:
        raise BuilderError("Choose when people are told.")
    people = _people(recipients)
    if not isinstance(ctx.root.get("notify"), CommentedMap):
        _insert(ctx.root, "notify", CommentedMap(), before=("webhooks",))
    notify = ctx.root["notify"]
    if people:
        notify[event] = flow_list(people)
    else:
        notify.pop(event, None)
        if not notify:
            del ctx.root["notify"]
    return f"Set who is told {event.removeprefix('on_').replace('_', ' ')}."


def _routing(ctx: Context) -> CommentedSeq:
    routing = ctx.root.get("routing")
    if not isinstance(routing, CommentedSeq) or not routing:
        raise BuilderError("This form has no routing steps yet.")
    return routing


def _step_index(ctx: Context, step: int | str) -> int:
    return _index(step, len(_routing(ctx)), "Choose one of the steps.")


def edit_form(ctx: Context, *, title: str | None = None, description: str | None = None,
              confirmation: str | None = None) -> str:
    if title is not None:
        ctx.root["title"] = _text(title, "the form's title")
    for key, value in (("description", description), ("confirmation", confirmation)):
        if value is None:
            continue
        text = _text(value, "the text", required=False)
        if text:
            _insert(ctx.root, key, text_value(text), before=("languages", "reference_prefix",
                                                             "applicant_email", "schema"))
        else:
            ctx.root.pop(key, None)
    return "Changed the form's details."


OPERATIONS: dict[str, Callable[..., str]] = {
    op.__name__: op for op in (
        add_question, edit_question, set_limits, add_choice, rename_choice, move_choice,
        remove_choice, set_group_labels, remove_question, move_question, set_condition,
        clear_condition, add_page, edit_page, move_page, remove_page, move_to_page,
        set_page_when, set_languages, translate, add_step, edit_step, move_step, remove_step,
        set_notify, edit_form)
}


# --- what the builder shows ----------------------------------------------------------------


def kind_label(found: Field) -> str:
    """What kind of question, in the menu's words."""
    widget = found.ui.get("widget")
    if found.kind in ("multichoice", "list"):
        return KINDS["declaration"] if [c.value for c in found.choices] == ["agree"] \
            else KINDS["several_choices"]
    if found.kind == "choice":
        return KINDS["one_choice"]
    if found.kind == "boolean":
        return KINDS["yes_no"]
    if found.kind in ("file", "files"):
        return KINDS["file"]
    if found.kind == "repeat":
        return KINDS["repeat"]
    if found.kind in ("group", "tuple"):
        return "Group of questions"
    if found.kind == "integer":
        return KINDS["whole_number"]
    if found.kind == "textarea":
        return KINDS["long_text"]
    if found.kind == "number":
        return KINDS["money"] if widget == "money" else "Number"
    return {"email": KINDS["email"], "tel": KINDS["phone"], "date": KINDS["date"]}.get(
        found.format or "", KINDS["long_text"] if widget == "textarea" else KINDS["short_text"])
