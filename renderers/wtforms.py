"""Posted strings to typed answers, through a WTForms form class built from a page's questions.

The app uses :func:`form_class` for CSRF (pass ``meta={"csrf": True, "csrf_class":
SessionCSRF, "csrf_secret": ..., "csrf_context": session}``, to ``form_class`` or when binding)
and :func:`answers_from_post` to turn a post into answers. jsonschema stays the only judge of
answers: the fields here attach no validators and never reject input. What cannot be converted
(``abc`` for a number, a choice that is not offered) is kept as the resident's text, so
jsonschema reports it in plain words and the text is shown again.

Input names are the answers' dotted paths with item indexes (``applicant.address.zip``,
``vehicles.0.plate``), as :mod:`renderers.html` writes them. Tampering is absorbed, never
raised: unknown names are ignored; where one value is expected and several are posted, the
first is used; repeating groups and lists keep at most ``maxItems`` (100 when unbounded) items;
text keeps at most 100,000 characters; files and fixed (``readOnly``/``const``) answers are
never read from the post at all (files come from ``uploads``, which the app has stored and
checked; fixed answers from the form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Literal

import wtforms
from wtforms.utils import unset_value

from renderers.html import structure
from renderers.html.values import MISSING, clean_text, parse_boolean, parse_choices, parse_scalar
from schemas.fields import Field
from schemas.model import Form

__all__ = ["PostAction", "PostResult", "answers_from_post", "form_class"]

_INDEX = re.compile(r"[0-9]{1,6}")
_MAX_VALUES = 1000
_MAX_ACTION = 1000


@dataclass(frozen=True)
class PostAction:
    """An "Add another" or "Remove" button that was pressed instead of Continue.

    ``path`` is what the button named (the list for ``add``, the item or file for ``remove``);
    ``target`` the path to bring into view when the page is shown again (the new item, or the
    list an item was removed from): ``renderers.html.field_id(target)`` is its element id.
    """

    kind: Literal["add", "remove"]
    path: str
    target: str


@dataclass(frozen=True)
class PostResult:
    """The answers after a post (the page's answers merged over the previous ones), and the
    add/remove action to show the page again for, if one was pressed."""

    answers: dict[str, Any]
    action: PostAction | None = None


# --- Fields ---------------------------------------------------------------------------------------


class AnswerField(wtforms.Field):
    """One input; its data is the typed answer, or ``MISSING`` when left blank."""

    widget = wtforms.widgets.TextInput()

    def __init__(self, label: str | None = None, *, question: Field, **kwargs: Any) -> None:
        super().__init__(label, validators=(), **kwargs)
        self.question = question
        self.data = MISSING

    def process_data(self, value: Any) -> None:
        self.data = MISSING if value is None or value is unset_value else value

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = self.parse(valuelist)

    def parse(self, valuelist: list[Any]) -> Any:
        first = next((v for v in valuelist if isinstance(v, str)), None)
        return MISSING if first is None else parse_scalar(self.question, first)

    def _value(self) -> str:
        return "" if self.data is MISSING or self.data is None else str(self.data)


class CheckboxField(AnswerField):
    """A yes/no question drawn as one checkbox: not posted means "no"."""

    def parse(self, valuelist: list[Any]) -> Any:
        first = next((v for v in valuelist if isinstance(v, str)), None)
        return False if first is None else parse_boolean(first)


class ChoicesField(AnswerField):
    """Checkboxes: every ticked value, in the order the choices are offered."""

    def parse(self, valuelist: list[Any]) -> Any:
        return parse_choices(self.question, [v for v in valuelist if isinstance(v, str)])


class UnreadField(AnswerField):
    """Files and fixed answers: whatever is posted under their name is not read."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = MISSING


class GroupField(wtforms.FormField):
    """A group of questions, its inputs named ``group.child``."""

    def __init__(self, form_class: type[wtforms.Form], label: str | None = None, *,
                 question: Field, **kwargs: Any) -> None:
        super().__init__(form_class, label, separator=".", **kwargs)
        self.question = question


class ItemsField(wtforms.FieldList):
    """The items of a repeating group or list, named ``list.0``, ``list.1``...

    Indexes are read strictly (at most six ASCII digits: no giant or Unicode numbers), and each
    item remembers the index it was posted with, so files kept from before follow their item
    when an earlier one was removed.
    """

    def __init__(self, unbound_field: Any, label: str | None = None, *, question: Field,
                 **kwargs: Any) -> None:
        super().__init__(unbound_field, label, separator=".", **kwargs)
        self.question = question

    def _extract_indices(self, prefix: str, formdata: Any) -> Iterator[int]:
        start = prefix + "."
        for key in formdata:
            if isinstance(key, str) and key.startswith(start):
                head = key[len(start):].split(".", 1)[0]
                if _INDEX.fullmatch(head):
                    yield int(head)

    def _add_entry(self, formdata: Any = None, data: Any = unset_value,
                   index: int | None = None) -> Any:
        entry = super()._add_entry(formdata, data, index)  # type: ignore[misc]  # not in the stub
        entry.posted_index = entry.index
        return entry


# --- The form class -------------------------------------------------------------------------------


def form_class(form: Form, fields: Iterable[Field | str], *,
               meta: Mapping[str, Any] | type | None = None) -> type[wtforms.Form]:
    """A WTForms form class for a page's questions (``fields``: the page's top-level questions
    or their names): ``FormField`` for groups, ``FieldList`` of ``FormField`` for repeating
    groups, fields that coerce but never validate for the rest.

    Attributes are named ``q0``, ``q1``... and carry the real input name, so a question called
    ``data``, ``meta`` or ``_private`` cannot clash with WTForms' own attributes.
    """
    questions = structure.as_fields(form, fields)
    return _class(form, questions, meta, f"{_class_name(form.id)}Page")


def _class(form: Form, questions: list[Field], meta: Mapping[str, Any] | type | None,
           name: str) -> type[wtforms.Form]:
    attrs: dict[str, Any] = {f"q{index}": _unbound(form, question)
                             for index, question in enumerate(questions)}
    if meta is not None:
        attrs["Meta"] = meta if isinstance(meta, type) else type("Meta", (), dict(meta))
    return type(name, (wtforms.Form,), attrs)


def _class_name(form_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", form_id)) or "Form"


def _unbound(form: Form, question: Field) -> Any:
    name = question.name
    unread = structure.is_fixed(question) or question.kind in ("file", "files")
    if question.kind == "group" and not structure.is_fixed(question):
        inner = _class(form, structure.children_of(form, question), None, "Group")
        return GroupField(inner, name=name, question=question)
    if question.kind == "repeat":
        inner = _class(form, structure.children_of(form, question), None, "Item")
        return ItemsField(GroupField(inner, question=question), name=name, question=question,
                          max_entries=structure.max_items(question))
    if question.kind in ("list", "tuple") and not unread:
        limit = len(structure.item_fields(form, question)) if question.kind == "tuple" \
            else structure.max_items(question)
        return ItemsField(AnswerField(question=question), name=name, question=question,
                          max_entries=max(limit, 1))
    if unread:
        return UnreadField(name=name, question=question)
    if question.kind == "multichoice":
        return ChoicesField(name=name, question=question)
    if question.kind == "boolean" and question.ui.get("widget") == "checkbox":
        return CheckboxField(name=name, question=question)
    return AnswerField(name=name, question=question)


# --- Reading a post -------------------------------------------------------------------------------


class _Posted:
    """Any MultiDict-like (``getlist``) as WTForms reads it, returning only strings and never
    raising on odd keys."""

    def __init__(self, data: Any) -> None:
        self.data: Any = data if data is not None else {}

    def __iter__(self) -> Iterator[str]:
        keys = self.data.keys() if hasattr(self.data, "keys") else iter(self.data)
        return (k for k in keys if isinstance(k, str))

    def __contains__(self, key: object) -> bool:
        try:
            return key in self.data
        except TypeError:
            return False

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return True

    def getlist(self, key: str) -> list[str]:
        try:
            values = self.data.getlist(key)
        except (AttributeError, KeyError, TypeError):
            return []
        return [v for v in list(values)[:_MAX_VALUES] if isinstance(v, str)]

    def first(self, key: str) -> str | None:
        found = self.getlist(key)
        return found[0] if found and len(found[0]) <= _MAX_ACTION else None


def answers_from_post(form: Form, fields: Iterable[Field | str], formdata: Any, *,
                      previous: Mapping[str, Any] | None = None,
                      uploads: Mapping[str, str | list[str]] | None = None) -> PostResult:
    """The answers after a page is posted, merged over ``previous``.

    The page's questions are replaced by what was posted (a blank optional input removes the
    answer instead of storing ""); other answers are kept. ``uploads`` maps input names
    (``photo``, ``plans``, ``vehicles.0.photo``) to the attachment id(s) the app stored for
    this post: a single file replaces the one before, files of a multiple upload are added.
    An ``_add``/``_remove`` button is applied and returned as :class:`PostAction`.
    """
    posted = _Posted(formdata)
    questions = structure.as_fields(form, fields)
    bound = form_class(form, questions)(formdata=posted, meta={"csrf": False})
    before = previous if isinstance(previous, Mapping) else {}
    answers: dict[str, Any] = deepcopy(dict(before))
    # While an add/remove button is pressed, items keep their places (a blank one is being
    # filled in, and remove names an index); on Continue or Save a blank item is no item.
    acting = posted.first("_add") is not None or posted.first("_remove") is not None
    reader = _Reader(form, uploads or {}, keep_blank_items=acting)
    names = {q.name for q in questions}
    for wt_field in bound:
        question: Field | None = getattr(wt_field, "question", None)
        if question is None or not structure.asked_here(form, question, names, before):
            continue
        value = reader.value(wt_field, question, before.get(question.name, MISSING))
        if value is MISSING:
            answers.pop(question.name, None)
        else:
            answers[question.name] = value
    action = _apply_action(form, {q.name for q in questions}, posted, answers)
    return PostResult(answers, action)


class _Reader:
    """Walks a bound form, turning each field's data into the answer to store."""

    def __init__(self, form: Form, uploads: Mapping[str, Any], *,
                 keep_blank_items: bool = False) -> None:
        self.form = form
        self.uploads = uploads
        self.keep_blank_items = keep_blank_items

    def value(self, wt_field: Any, question: Field, before: Any) -> Any:
        if structure.is_fixed(question):
            if "const" in question.schema or before is not MISSING:
                return structure.fixed_value(question, before, before is not MISSING)
            return deepcopy(question.schema["default"]) if "default" in question.schema \
                else MISSING
        if question.kind in ("file", "files"):
            return self._files(wt_field.name, question, before)
        if isinstance(wt_field, GroupField):
            return self._group(wt_field, question, before)
        if isinstance(wt_field, ItemsField):
            if question.kind == "repeat":
                return self._repeat(wt_field, question, before)
            return self._list(wt_field, question)
        return wt_field.data

    def _group(self, wt_field: GroupField, question: Field, before: Any) -> Any:
        values = self._members(wt_field.form, before)
        asked = [f.question for f in wt_field.form if not structure.is_fixed(f.question)]
        if any(_answered(values.get(q.name, MISSING)) for q in asked) \
                or structure.is_required(question):
            return values
        return MISSING

    def _members(self, wt_form: wtforms.Form, before: Any) -> dict[str, Any]:
        old = before if isinstance(before, Mapping) else {}
        out: dict[str, Any] = {}
        for member in wt_form:
            question = getattr(member, "question", None)
            if question is None:
                continue
            value = self.value(member, question, old.get(question.name, MISSING))
            if value is not MISSING:
                out[question.name] = value
        return out

    def _repeat(self, wt_field: ItemsField, question: Field, before: Any) -> Any:
        """The posted items; one the resident left as it was drawn (blank, or holding only
        defaults and fixed answers) is dropped, so an optional group can be left empty and
        a blank item's own required questions are never asked for."""
        old = before if isinstance(before, list) else []
        members = structure.children_of(self.form, question)
        items = []
        for entry in wt_field.entries:
            index = getattr(entry, "posted_index", entry.index)
            item_before = old[index] if index < len(old) else {}
            item = self._members(entry.form, item_before)
            if self.keep_blank_items or not _blank(self.form, members, item):
                items.append(item)
        return items or MISSING

    def _list(self, wt_field: ItemsField, question: Field) -> Any:
        positions = structure.item_fields(self.form, question)
        if question.kind == "tuple":
            values: list[Any] = [None] * len(positions)
            for entry in wt_field.entries:
                index = getattr(entry, "posted_index", entry.index)
                if index < len(values):
                    values[index] = _or_none(_first_parsed(positions[index], entry))
            return values if any(v is not None for v in values) else MISSING
        parsed = [_first_parsed(positions[0], entry) for entry in wt_field.entries]
        kept = [v for v in parsed if v is not MISSING]
        return kept or MISSING

    def _files(self, name: str, question: Field, before: Any) -> Any:
        new = self.uploads.get(name)
        new_ids = [new] if isinstance(new, str) else [v for v in new if isinstance(v, str)] \
            if isinstance(new, list) else []
        if question.kind == "file":
            if new_ids:
                return new_ids[0]
            return before if isinstance(before, str) and before else MISSING
        kept = [v for v in before if isinstance(v, str)] if isinstance(before, list) else []
        merged = list(dict.fromkeys(kept + new_ids))[:structure.max_items(question)]
        return merged or MISSING


def _first_parsed(question: Field, entry: Any) -> Any:
    raw = next((v for v in entry.raw_data or [] if isinstance(v, str)), None)
    return MISSING if raw is None else parse_scalar(question, raw)


def _or_none(value: Any) -> Any:
    return None if value is MISSING else value


# --- "Add another" and "Remove" -------------------------------------------------------------------


def _apply_action(form: Form, names: set[str], posted: _Posted,
                  answers: dict[str, Any]) -> PostAction | None:
    """Apply an add/remove button to ``answers``; a button naming anything that is not a list
    on this page (tampering, or a page changed since it was drawn) is ignored."""
    add, remove = clean_text(posted.first("_add")), clean_text(posted.first("_remove"))
    if isinstance(add, str):
        return _add(form, names, add, answers)
    if isinstance(remove, str):
        return _remove(form, names, remove, answers)
    return None


def _add(form: Form, names: set[str], path: str, answers: dict[str, Any]) -> PostAction | None:
    question = _question_at(form, names, path)
    if question is None or question.kind not in ("repeat", "list"):
        return None
    place = _locate(answers, path, create=True)
    if place is None:
        return None
    container, key = place
    current = container.get(key) if isinstance(container, dict) else None
    items = current if isinstance(current, list) else []
    if len(items) >= structure.max_items(question):
        return None
    items.append({} if question.kind == "repeat" else "")
    container[key] = items
    return PostAction("add", path, f"{path}.{len(items) - 1}")


def _remove(form: Form, names: set[str], path: str,
            answers: dict[str, Any]) -> PostAction | None:
    single = _question_at(form, names, path)
    if single is not None and single.kind == "file":
        place = _locate(answers, path, create=False)
        if place is not None and isinstance(place[0], dict):
            place[0].pop(place[1], None)
        return PostAction("remove", path, path)
    if "." not in path:
        return None
    list_path, index_text = path.rsplit(".", 1)
    question = _question_at(form, names, list_path)
    if question is None or question.kind not in ("repeat", "list", "files") or not (
            _INDEX.fullmatch(index_text)):
        return None
    place = _locate(answers, list_path, create=False)
    items = place[0].get(place[1]) if place and isinstance(place[0], dict) else None
    index = int(index_text)
    if not isinstance(items, list) or index >= len(items):
        return None
    if question.kind != "files" and len(items) <= structure.min_items(question):
        return None
    del items[index]
    if not items:
        place[0].pop(place[1], None)  # type: ignore[index]
    return PostAction("remove", path, list_path)


def _question_at(form: Form, names: set[str], path: str) -> Field | None:
    """The question an indexed path names exactly, if it is on this page."""
    found = structure.split_path(form, path)
    if not found or found[-1][0] != path or path.split(".")[0] not in names:
        return None
    return found[-1][1]


def _locate(answers: dict[str, Any], path: str, *, create: bool) -> tuple[Any, str] | None:
    """The dict holding the last segment of ``path`` and that key, walking dicts by key and
    lists by index; missing groups are created when ``create``."""
    segments = path.split(".")
    node: Any = answers
    for segment in segments[:-1]:
        if isinstance(node, dict):
            if segment not in node and create:
                node[segment] = {}
            node = node.get(segment)
        elif isinstance(node, list) and _INDEX.fullmatch(segment) and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return None
    return (node, segments[-1]) if isinstance(node, dict) else None


def _blank(form: Form, members: Iterable[Field], values: Mapping[str, Any]) -> bool:
    """Whether an item holds nothing the resident gave: every answer missing, empty, fixed,
    equal to its default, or an unticked single checkbox."""
    for member in members:
        value = values.get(member.name, MISSING)
        if value is MISSING or value in ("", [], {}) or structure.is_fixed(member):
            continue
        if "default" in member.schema and value == member.schema["default"]:
            continue
        if member.kind == "boolean" and member.ui.get("widget") == "checkbox" and value is False:
            continue
        if member.kind == "group" and isinstance(value, Mapping) and _blank(
                form, structure.children_of(form, member), value):
            continue
        return False
    return True


def _answered(value: Any) -> bool:
    """Whether a group member holds an answer: a required inner group left blank comes back
    as ``{}``, which must not make its optional outer group count as answered."""
    if value is MISSING:
        return False
    if isinstance(value, Mapping):
        return any(_answered(v) for v in value.values())
    if isinstance(value, list):
        return any(_answered(v) for v in value)
    return True
