"""The questions of a form, found by walking its JSON Schema.

Every other part of the engine (renderers, conditions, checks, PDFs) asks for fields by
dotted path (``applicant.address.zip``; an item of a repeating group by the group's name,
``household_members.name``) instead of walking raw schema dictionaries again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from schemas.fieldtypes import FieldType, ValueType
from schemas.localized import Localized, localized
from schemas.refs import LocalRefs, RefError

MAX_FIELD_DEPTH = 12
FILE_FORMATS = ("file", "data-url")
CONDITIONAL_BRANCHES = ("then", "else")
# Keywords by which a property under ``then``, ``allOf``... asks a question of its own, rather
# than adding a rule (``minLength``, ``const``) to a question asked elsewhere.
DECLARING_KEYWORDS = frozenset({"type", "$ref", "title", "enum", "oneOf", "anyOf",
                                "properties", "items", "format"})

Path = tuple[str | int, ...]
# What each kind of question is, in an author's words (checker messages).
KIND_WORDS = {
    "text": "a text question", "textarea": "a text question", "number": "a number",
    "integer": "a whole number", "boolean": "a yes/no question", "choice": "a single choice",
    "multichoice": "a list of choices", "file": "a file upload", "files": "a list of files",
    "group": "a group of questions", "repeat": "a repeating group", "list": "a list of answers",
    "tuple": "a list of answers",
}


@dataclass(frozen=True)
class Choice:
    """One allowed answer of a choice question, with its display label."""

    value: Any
    label: Localized


@dataclass(frozen=True)
class Field:
    """One question (or group of questions) of a form."""

    path: str
    keys: tuple[str, ...]
    schema: Mapping[str, Any]
    kind: str
    title: Localized
    description: Localized | None
    required: bool
    conditional: bool
    choices: tuple[Choice, ...] = ()
    parent: str | None = None
    in_repeat: bool = False
    source_path: Path = ()
    ui: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.keys[-1]

    @property
    def format(self) -> str | None:
        fmt = self.schema.get("format")
        return fmt if isinstance(fmt, str) else None

    @property
    def value_type(self) -> ValueType:
        """How conditions compare this field's answer."""
        if self.kind in ("number", "integer"):
            return "number"
        if self.kind == "boolean":
            return "boolean"
        if self.kind in ("multichoice", "list"):
            return "list"
        if self.kind in ("file", "files"):
            return "file"
        if self.kind in ("group", "repeat", "tuple"):
            return "group"
        if self.kind == "choice" and self.choices and all(
            isinstance(c.value, int | float) and not isinstance(c.value, bool) for c in self.choices
        ):
            return "number"
        if self.kind == "choice" and self.choices and all(
            isinstance(c.value, bool) for c in self.choices
        ):
            return "boolean"
        if self.format in ("date", "date-time"):
            return "date"
        if self.format == "time":
            return "time"
        return "text"

    @property
    def field_type(self) -> FieldType:
        choices = tuple(c.value for c in self.choices) if self.choices else None
        return FieldType(self.value_type, choices)

    def label_for(self, value: Any, lang: str | None = None) -> str:
        """The display label of a choice value, or the value itself."""
        for choice in self.choices:
            if choice.value == value:
                return choice.label.get(lang)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class SchemaIssue:
    """Something in the schema that stops it from being drawn as a form."""

    path: Path
    message: str
    code: str


def humanise(name: str) -> str:
    """``end_date`` -> ``End date``; ``firstName`` -> ``First name``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    words = re.sub(r"[_\-.]+", " ", words).strip().lower()
    return words[:1].upper() + words[1:] if words else name


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    """The declared types, with ``null`` (a nullable answer) set aside."""
    declared = schema.get("type")
    types = declared if isinstance(declared, list) else [declared] if declared else []
    return [t for t in types if t != "null" and isinstance(t, str)]


class FieldCollector:
    """Walks a schema once, collecting fields and the constructs that cannot be drawn."""

    def __init__(self, root: Mapping[str, Any], ui: Mapping[str, Any] | None = None):
        self.root = root
        self.refs = LocalRefs(root)
        self.ui = ui or {}
        self.fields: dict[str, Field] = {}
        self.issues: list[SchemaIssue] = []
        self.warnings: list[SchemaIssue] = []  # the form can be drawn, but not as written

    def collect(self) -> dict[str, Field]:
        self._object(self.root, (), ("schema",), conditional=False, parent=None,
                     in_repeat=False, refs=())
        return self.fields

    def _resolve(self, schema: Any, spath: Path, refs: tuple[str, ...]
                 ) -> tuple[Any, tuple[str, ...], Path]:
        """The target of any ``$ref`` in ``schema``, the refs taken so far, and its location."""
        try:
            target, chain, where = self.refs.resolve(schema)
        except RefError as exc:
            self.issues.append(SchemaIssue((*spath, "$ref"), exc.message, exc.code))
            return None, refs, spath
        looped = next((ref for ref in chain if ref in refs), None)
        if looped:
            self.issues.append(SchemaIssue(
                (*spath, "$ref"),
                f"`$ref: '{looped}'` contains itself, so the form would never end. A form "
                "cannot draw a group that repeats inside itself; limit the depth by writing "
                "each level out.", "recursive_ref"))
            return None, refs, spath
        return target, refs + chain, ("schema", *where) if where is not None else spath

    def _object(self, schema: Any, keys: tuple[str, ...], spath: Path, *, conditional: bool,
                parent: str | None, in_repeat: bool, refs: tuple[str, ...],
                extra_required: frozenset[str] = frozenset()) -> None:
        schema, refs, spath = self._resolve(schema, spath, refs)
        if not isinstance(schema, Mapping):
            return
        required = set(_strings(schema.get("required"))) | extra_required
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                self._property(str(name), sub, keys, (*spath, "properties", name),
                               required=name in required, conditional=conditional,
                               parent=parent, in_repeat=in_repeat, refs=refs)
        for branch_path, branch, is_conditional in _branches(schema, spath):
            if isinstance(branch, Mapping):
                branch = _declarations(branch)
            branch_required = frozenset(_strings(branch.get("required"))) \
                if isinstance(branch, Mapping) else frozenset()
            self._object(branch, keys, branch_path, conditional=conditional or is_conditional,
                         parent=parent, in_repeat=in_repeat, refs=refs,
                         extra_required=branch_required if is_conditional else frozenset())

    def _property(self, name: str, sub: Any, keys: tuple[str, ...], spath: Path, *,
                  required: bool, conditional: bool, parent: str | None, in_repeat: bool,
                  refs: tuple[str, ...]) -> None:
        path_keys = (*keys, name)
        path = ".".join(path_keys)
        if sub is False:
            return
        if path in self.fields:
            self._again(self.fields[path], sub, spath)
            return
        if len(path_keys) > MAX_FIELD_DEPTH:
            self.issues.append(SchemaIssue(spath, f"`{path}` is nested more than "
                                           f"{MAX_FIELD_DEPTH} groups deep.", "too_deep"))
            return
        schema, refs, body_path = self._resolve(sub if isinstance(sub, Mapping) else {}, spath,
                                                refs)
        if not isinstance(schema, Mapping):
            return
        found = self.ui.get(path)
        hints = found if isinstance(found, Mapping) else {}
        kind = _kind(schema, self.refs, hints)
        self.fields[path] = Field(
            path=path, keys=path_keys, schema=schema, kind=kind,
            title=localized(schema, "title", default=humanise(name)) or Localized(name),
            description=localized(schema, "description"),
            required=required, conditional=conditional,
            choices=_choices(schema, self.refs, hints), parent=parent, in_repeat=in_repeat,
            source_path=spath, ui=hints)
        if kind == "group":
            self._object(schema, path_keys, body_path, conditional=conditional, parent=path,
                         in_repeat=in_repeat, refs=refs)
        elif kind == "repeat":
            self._object(schema.get("items"), path_keys, (*body_path, "items"),
                         conditional=conditional, parent=path, in_repeat=True, refs=refs)

    def _again(self, found: Field, sub: Any, spath: Path) -> None:
        """Another branch defines a question already met. It is drawn from its first
        definition, so a definition of another kind, or under another title, is pointed out; one
        with choices of its own adds them (``food`` is meat or grass for a cat, insects or worms
        for a fish): which of them apply to an answer is
        :func:`schemas.choice_rules.choice_rules`' business."""
        try:
            schema = self.refs.resolve(sub)[0] if isinstance(sub, Mapping) else None
        except RefError:  # reported where the walk meets it
            return
        if not isinstance(schema, Mapping):
            return
        kind = _kind(schema, self.refs, found.ui)
        words, first = KIND_WORDS.get(kind, kind), KIND_WORDS.get(found.kind, found.kind)
        if words != first:
            self.warnings.append(SchemaIssue(spath, (
                f"`{found.path}` is {words} here, but {first} where it is first defined, and "
                "the form asks it that way. Define it the same way in both places, or make "
                "them two questions."), "redefined"))
            return
        title = localized(schema, "title")
        if title is not None and title.default != found.title.default:
            self.warnings.append(SchemaIssue(spath, (
                f"`{found.path}` is titled “{title.default}” here, but "
                f"“{found.title.default}” where it is first defined, and the form shows that "
                "title wherever it asks it. Give both the same title, or make them two "
                "questions."), "redefined"))
        if kind not in ("choice", "multichoice"):
            return
        known = {label_key(c.value) for c in found.choices}
        more = tuple(c for c in _choices(schema, self.refs, found.ui)
                     if label_key(c.value) not in known)
        if more:
            self.fields[found.path] = replace(found, choices=found.choices + more)


def allowed_values(schema: Any, refs: LocalRefs) -> tuple[Any, ...] | None:
    """The only answers one definition of a choice question allows (``enum``, ``const``,
    titled ``oneOf`` constants; for a list, those of its items), or ``None`` when it does not
    limit them."""
    if not isinstance(schema, Mapping):
        return None
    source = _choice_source(schema, refs)
    if "const" in source:
        return (source["const"],)
    options = _const_options(source)
    if options is not None:
        return tuple(o["const"] for o in options)
    enum = source.get("enum")
    return tuple(enum) if isinstance(enum, list) else None


def _declarations(branch: Mapping[str, Any]) -> Mapping[str, Any]:
    """A branch without the properties that only add rules: those are not questions."""
    properties = branch.get("properties")
    if not isinstance(properties, Mapping):
        return branch
    kept = {name: sub for name, sub in properties.items()
            if not isinstance(sub, Mapping) or DECLARING_KEYWORDS & set(sub)}
    return branch if len(kept) == len(properties) else {**branch, "properties": kept}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _branches(schema: Mapping[str, Any], spath: Path) -> Iterator[tuple[Path, Any, bool]]:
    """Sub-schemas that add questions: ``allOf`` always; the rest only in some cases."""
    for key, conditional in (("allOf", False), ("oneOf", True), ("anyOf", True)):
        items = schema.get(key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                yield (*spath, key, index), item, conditional
    for key in CONDITIONAL_BRANCHES:
        if isinstance(schema.get(key), Mapping):
            yield (*spath, key), schema[key], True
    for key in ("dependentSchemas", "dependencies"):
        deps = schema.get(key)
        if isinstance(deps, Mapping):
            for name, dep in deps.items():
                if isinstance(dep, Mapping):
                    yield (*spath, key, name), dep, True


def _item_schema(schema: Mapping[str, Any], refs: LocalRefs) -> Any:
    items = schema.get("items")
    if isinstance(items, Mapping):
        try:
            return refs.resolve(items)[0]
        except RefError:
            return None
    return items


def _single_value(option: Any) -> bool:
    """``{const: x}``, or ``{enum: [x]}`` as older schemas write it."""
    if not isinstance(option, Mapping):
        return False
    enum = option.get("enum")
    return "const" in option or (isinstance(enum, list) and len(enum) == 1)


def _const_options(schema: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """Alternatives of one value each, with a title each: choices with labels."""
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and all(map(_single_value, options)):
            return [o if "const" in o else {**o, "const": o["enum"][0]} for o in options]
    return None


def _is_choice(schema: Mapping[str, Any]) -> bool:
    return isinstance(schema.get("enum"), list) or _const_options(schema) is not None


def _kind(schema: Mapping[str, Any], refs: LocalRefs, hints: Mapping[str, Any]) -> str:
    types = schema_types(schema)
    main = types[0] if types else None
    if schema.get("format") in FILE_FORMATS:
        return "file"
    if main == "array" or (main is None and "items" in schema):
        if isinstance(schema.get("items"), list) or "prefixItems" in schema:
            return "tuple"
        items = _item_schema(schema, refs)
        if not isinstance(items, Mapping):
            return "list"
        if _is_choice(items):
            return "multichoice"
        if items.get("format") in FILE_FORMATS:
            return "files"
        item_types = schema_types(items)
        if "object" in item_types or (not item_types and "properties" in items):
            return "repeat"
        return "list"
    if _is_choice(schema):
        return "choice"
    if main == "boolean":
        return "boolean"
    if main in ("number", "integer"):
        return main
    if main == "object" or (main is None and "properties" in schema):
        return "group"
    max_length = schema.get("maxLength")
    long_text = isinstance(max_length, int) and max_length > 200
    if hints.get("widget") == "textarea" or long_text:
        return "textarea"
    return "text"


def _choice_source(schema: Mapping[str, Any], refs: LocalRefs) -> Mapping[str, Any]:
    """Where a question's choices are written: the schema, or a list's item schema."""
    if schema_types(schema)[:1] == ["array"] or "items" in schema:
        items = _item_schema(schema, refs)
        return items if isinstance(items, Mapping) else {}
    return schema


def _choices(schema: Mapping[str, Any], refs: LocalRefs,
             hints: Mapping[str, Any]) -> tuple[Choice, ...]:
    source = _choice_source(schema, refs)
    options = _const_options(source)
    if options is not None:
        pairs = [(o["const"], o) for o in options]
    elif isinstance(source.get("enum"), list):
        declared = source.get("enumNames")
        names = declared if isinstance(declared, list) else []
        pairs = [(v, {"title": names[i]} if i < len(names) else {})
                 for i, v in enumerate(source["enum"])]
    else:
        return ()
    labels = _label_table(hints.get("labels"))
    translated = {key[len("labels_"):]: _label_table(value) for key, value in hints.items()
                  if isinstance(key, str) and key.startswith("labels_")}
    choices = []
    for value, option in pairs:
        key = label_key(value)
        title = option.get("title") if isinstance(option.get("title"), str) else None
        default = labels.get(key) or title or _show(value)
        langs = localized(option, "title", default=default).translations if option else {}
        langs = {**langs, **{lang: t[key] for lang, t in translated.items() if key in t}}
        choices.append(Choice(value, Localized(default, langs)))
    return tuple(choices)


def label_key(value: Any) -> str:
    """How a choice value is written as a key of ``labels`` (``true``, ``3``, ``large``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _label_table(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {label_key(k): str(v) for k, v in value.items()}


def _show(value: Any) -> str:
    if isinstance(value, Mapping):  # a choice that is an object: its name, else sorted JSON
        named = next((value[k] for k in ("title", "label", "name")
                      if isinstance(value.get(k), str)), None)
        return named or json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return "None"
    return str(value)
