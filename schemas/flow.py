"""Which questions apply to a submission's answers, and which page comes next.

A question that a JSON Schema branch adds (``then``/``else``, ``dependentSchemas``/Draft 7
``dependencies``, ``oneOf``/``anyOf``) applies only while its branch does; a page whose ``when``
fails is skipped. The server re-runs this logic on every post instead of trusting what the
browser hid (open-forms' CVE-2025-64515 came from forgetting it), so answers to questions that no
longer apply are dropped before validation, routing and storage.

Branches are decided the way the form's own JSON Schema draft decides them: ``if`` is validated
by a ``jsonschema`` validator of that draft. ``oneOf``/``anyOf`` alternatives are not validated
whole (an unfinished alternative would never "apply"); an alternative applies while the answers
match what it says about the questions asked outside it (its discriminator), as renderers of
``dependencies``+``oneOf`` forms do. A property named in several branches applies when any of its
definitions does. When something cannot be decided (an unresolvable ``$ref``), answers are kept:
jsonschema stays the judge of whether they are valid.

Pure: knows no web framework, no database, no renderer.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any, Literal

from schemas.fields import Field, humanise
from schemas.i18n import N_
from schemas.i18n import gettext as _t
from schemas.model import Form
from schemas.refs import LocalRefs, RefError
from schemas.validation import lenient_validator

__all__ = [
    "Clause",
    "Definition",
    "Link",
    "Test",
    "active_pages",
    "applicable_answers",
    "branch_rule",
    "clause",
    "definitions",
    "describe_alternatives",
    "describe_branch",
    "describe_required",
    "holds",
    "local_refs",
    "next_page",
    "page_of",
    "previous_page",
    "required_rule",
    "resolve",
    "visible",
    "visible_at",
]

MAX_DEPTH = 32
MAX_ROUNDS = 64
_ANNOTATIONS = frozenset({"title", "description", "$comment", "type", "examples", "default",
                          "readOnly", "writeOnly", "deprecated"})
_VALUE_KEYS = frozenset({"const", "enum", "minimum", "maximum", "exclusiveMinimum",
                         "exclusiveMaximum", "contains"})

LinkKind = Literal["if", "else", "dependent", "alternative"]
TestOp = Literal["in", "has", "set", "min", "max", "xmin", "xmax"]
_BRANCHES: tuple[tuple[str, LinkKind], ...] = (("then", "if"), ("else", "else"))
_LIMITS: tuple[tuple[str, TestOp], ...] = (
    ("minimum", "min"), ("maximum", "max"), ("exclusiveMinimum", "xmin"),
    ("exclusiveMaximum", "xmax"))


@dataclass(frozen=True)
class Link:
    """One condition between an object level and a property defined under one of its branches.

    ``schema`` is the ``if`` schema (for ``if``/``else``) or the discriminator of an alternative;
    ``key`` the property whose presence turns on a ``dependentSchemas`` branch.
    """

    kind: LinkKind
    schema: Any = None
    key: str | None = None


@dataclass(frozen=True)
class Definition:
    """A property as one place of an object schema defines it, with the links it sits under."""

    name: str
    schema: Any
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Test:
    """One simple test a branch makes on an answer of the same object level.

    ``path`` is relative to that level (``("dog", "spayed_neutered")``). ``op``: ``in`` (the
    answer is one of ``values``), ``has`` (a list answer holds one of ``values``), ``set`` (there
    is an answer), ``min``/``max`` (at least/at most ``values[0]``), ``xmin``/``xmax`` (more/less
    than). ``required``: whether a missing answer fails the test; JSON Schema lets a missing
    property pass ``properties`` unless the ``if`` also lists it under ``required``.
    """

    path: tuple[str, ...]
    op: TestOp
    values: tuple[Any, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Clause:
    """A branch condition as simple tests: it holds when all ``tests`` hold (``negate``: when
    they do not all hold, for ``else``). ``tests`` is ``None`` when the schema says more than
    simple tests can express; such a clause is treated as holding by the browser script."""

    tests: tuple[Test, ...] | None
    negate: bool = False


# --- Per-form logic, cached while the form lives ---------------------------------------------


@dataclass(frozen=True)
class _Level:
    """The definitions of one object level, in order and by name."""

    schemas: tuple[Any, ...]
    definitions: list[Definition]

    @cached_property
    def named(self) -> dict[str, list[Definition]]:
        named: dict[str, list[Definition]] = {}
        for definition in self.definitions:
            named.setdefault(definition.name, []).append(definition)
        return named


class _Logic:
    """The schema walks of one form, with the validator of its draft built once (checking
    formats as validation does, so an ``if`` on a format is decided the same way)."""

    def __init__(self, form: Form) -> None:
        self.root = form.schema
        self.refs = LocalRefs(form.schema)
        self.validator = lenient_validator(form.schema, form.draft)  # RE2 patterns, as validation
        self._resolved: dict[int, tuple[Any, Any]] = {}
        self._levels: dict[tuple[int, ...], _Level] = {}
        self._page_of = {name: index for index, page in enumerate(form.pages)
                         for name in page.fields}

    def resolve(self, schema: Any) -> Any:
        """``schema`` with its ``$ref`` followed; the same object each time for the same input,
        so results keyed on it can be cached (the form's schema tree outlives this object)."""
        if not isinstance(schema, Mapping) or "$ref" not in schema:
            return schema
        cached = self._resolved.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        try:
            target = self.refs.resolve(schema)[0]
        except RefError:
            target = None
        self._resolved[id(schema)] = (schema, target)
        return target

    def level(self, schemas: tuple[Any, ...]) -> list[Definition]:
        """Every property definition of an object level made of ``schemas``, in the order the
        field collector meets them (so the first one is the one that drew the question)."""
        return self._level(schemas).definitions

    def definitions_of(self, schemas: tuple[Any, ...], name: str) -> list[Definition]:
        """The definitions of one property of a level, without scanning the whole level
        (a form of ten thousand questions asks this for each of them)."""
        return self._level(schemas).named.get(name, [])

    def _level(self, schemas: tuple[Any, ...]) -> _Level:
        key = tuple(id(s) for s in schemas)
        cached = self._levels.get(key)
        if cached is not None and all(a is b for a, b in zip(cached.schemas, schemas,
                                                             strict=True)):
            return cached
        raw = [d for schema in schemas for d in self._walk(schema, (), 0, frozenset())]
        found = _Level(schemas, self._with_discriminators(raw))
        self._levels[key] = found
        return found

    def _walk(self, schema: Any, links: tuple[Link, ...], depth: int,
              seen: frozenset[int]) -> Iterator[Definition]:
        target = self.resolve(schema)
        if not isinstance(target, Mapping) or depth > MAX_DEPTH or id(target) in seen:
            return
        seen = seen | {id(target)}
        properties = target.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                if sub is not False:
                    yield Definition(str(name), sub, links)
        for item in _list(target.get("allOf")):
            yield from self._walk(item, links, depth + 1, seen)
        for key in ("oneOf", "anyOf"):
            for item in _list(target.get(key)):
                yield from self._walk(item, (*links, Link("alternative", item)), depth + 1,
                                      seen)
        has_if = "if" in target
        for key, kind in _BRANCHES:
            if isinstance(target.get(key), Mapping):
                extra = (Link(kind, target["if"]),) if has_if else ()
                yield from self._walk(target[key], (*links, *extra), depth + 1, seen)
        for key in ("dependentSchemas", "dependencies"):
            deps = target.get(key)
            if isinstance(deps, Mapping):
                for name, dep in deps.items():
                    if isinstance(dep, Mapping):
                        yield from self._walk(dep, (*links, Link("dependent", key=str(name))),
                                              depth + 1, seen)

    def requirements(self, schema: Any, links: tuple[Link, ...] = (), depth: int = 0,
                     seen: frozenset[int] = frozenset()
                     ) -> Iterator[tuple[tuple[str, ...], tuple[Link, ...]]]:
        """Each list of names an object level requires, with the links it sits under:
        ``required`` here and under ``then``/``else``/``dependentSchemas``, and the names
        ``dependentRequired`` (or Draft 7 ``dependencies``) asks for once a key is answered."""
        target = self.resolve(schema)
        if not isinstance(target, Mapping) or depth > MAX_DEPTH or id(target) in seen:
            return
        seen = seen | {id(target)}
        yield tuple(_strings(target.get("required"))), links
        for item in _list(target.get("allOf")):
            yield from self.requirements(item, links, depth + 1, seen)
        if "if" in target:
            for key, kind in _BRANCHES:
                if isinstance(target.get(key), Mapping):
                    yield from self.requirements(target[key], (*links, Link(kind, target["if"])),
                                                 depth + 1, seen)
        for key in ("dependentSchemas", "dependentRequired", "dependencies"):
            deps = target.get(key)
            for name, dep in deps.items() if isinstance(deps, Mapping) else ():
                link = Link("dependent", key=str(name))
                if isinstance(dep, Mapping):
                    yield from self.requirements(dep, (*links, link), depth + 1, seen)
                elif isinstance(dep, list):
                    yield tuple(_strings(dep)), (*links, link)

    def _with_discriminators(self, raw: list[Definition]) -> list[Definition]:
        """Replace each alternative's link schema by what it says about the questions that are
        asked whatever the alternative (the only part an answer can already match)."""
        base = {d.name for d in raw if not any(link.kind == "alternative" for link in d.links)}
        out = []
        for definition in raw:
            links = tuple(self._discriminator(link, base) if link.kind == "alternative" else link
                          for link in definition.links)
            out.append(Definition(definition.name, definition.schema, links))
        return out

    def _discriminator(self, link: Link, base: set[str]) -> Link:
        branch = self.resolve(link.schema)
        if not isinstance(branch, Mapping):
            return Link("alternative", {})
        properties = branch.get("properties")
        said = {k: v for k, v in properties.items() if k in base} \
            if isinstance(properties, Mapping) else {}
        required = [k for k in _strings(branch.get("required")) if k in base]
        schema: dict[str, Any] = {"properties": said} if said else {}
        if required:
            schema["required"] = required
        return Link("alternative", schema)

    def holds(self, link: Link, instance: Any) -> bool:
        if link.kind == "dependent":
            return isinstance(instance, Mapping) and link.key in instance
        valid = self._valid(link.schema, instance)
        if valid is None:
            return True
        return not valid if link.kind == "else" else valid

    def chain_holds(self, links: Sequence[Link], instance: Any) -> bool:
        return all(self.holds(link, instance) for link in links)

    def _valid(self, schema: Any, instance: Any) -> bool | None:
        """Whether ``instance`` is valid against a sub-schema of the form; ``None`` when that
        cannot be decided (then nothing is dropped: jsonschema judges the answers later)."""
        try:
            return bool(self.validator.evolve(schema=schema).is_valid(instance))
        except Exception:
            return None

    def page_of(self, name: str) -> int | None:
        return self._page_of.get(name)


_CACHE: dict[int, tuple[weakref.ref, _Logic]] = {}


def _logic(form: Form) -> _Logic:
    """The logic of ``form``, kept as long as the form object lives (forms are not hashable,
    and the logic holds no reference back to the form, so a dropped form is forgotten)."""
    key = id(form)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is form:
        return entry[1]
    logic = _Logic(form)
    _CACHE[key] = (weakref.ref(form, partial(_forget, _CACHE, key)), logic)
    return logic


def _forget(cache: dict[int, tuple[weakref.ref, _Logic]], key: int, _ref: object) -> None:
    """A dropped form's weakref callback; ``cache`` is bound when the form is cached, as
    module globals may already be cleared when it runs at interpreter exit."""
    cache.pop(key, None)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


# --- Applicable answers -------------------------------------------------------------------------


def applicable_answers(form: Form, answers: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``answers`` without the answers to questions that no longer apply.

    A question added by a branch is kept only while its branch applies, at every level of
    groups and in every item of a repeating group; the questions of a page whose ``when`` fails
    are dropped too. Dropping one answer can turn off another branch or page (a delivery method
    asked only for copies decides whether the mailing address page is shown), so this repeats
    until nothing more is dropped. Keys the schema declares nowhere are kept for jsonschema to
    judge.
    """
    return _settle(form, answers)[0]


def active_pages(form: Form, answers: Mapping[str, Any] | None) -> list[int]:
    """The indexes of the pages to ask, in order: those without ``when`` or whose ``when``
    holds for the applicable answers (stale answers on skipped pages turn nothing on)."""
    return _settle(form, answers)[1]


def next_page(form: Form, index: int, answers: Mapping[str, Any] | None) -> int | None:
    """The next page to ask after page ``index``; ``None`` after the last (check answers)."""
    return next((i for i in active_pages(form, answers) if i > index), None)


def previous_page(form: Form, index: int, answers: Mapping[str, Any] | None) -> int | None:
    """The page to go back to from page ``index``; ``None`` before the first."""
    return next((i for i in reversed(active_pages(form, answers)) if i < index), None)


def resolve(form: Form, schema: Any) -> Any:
    """A part of the form's schema with its ``$ref`` followed (``None`` if it cannot be)."""
    return _logic(form).resolve(schema)


def page_of(form: Form, field: Field | str) -> int | None:
    """The index of the page that asks ``field`` (its top-level group's page)."""
    path = field.path if isinstance(field, Field) else field
    return _logic(form).page_of(path.split(".")[0])


def _settle(form: Form, answers: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[int]]:
    logic = _logic(form)
    current: Mapping[str, Any] = answers if isinstance(answers, Mapping) else {}
    for _ in range(MAX_ROUNDS):
        active = [i for i, page in enumerate(form.pages)
                  if page.when is None or page.when.evaluate(current)]
        skipped = {name for i, page in enumerate(form.pages) if i not in active
                   for name in page.fields}
        cleaned = _clean_object(logic, (logic.root,), current, 0)
        cleaned = {k: v for k, v in cleaned.items() if k not in skipped}
        if cleaned == current:
            return cleaned, active
        current = cleaned
    return dict(current), [i for i, page in enumerate(form.pages)
                     if page.when is None or page.when.evaluate(current)]


def _clean_object(logic: _Logic, schemas: tuple[Any, ...], instance: Mapping[str, Any],
                  depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        return dict(instance)
    definitions = logic.level(schemas)
    declared = {d.name for d in definitions}
    applying: dict[str, list[Any]] = {}
    for definition in definitions:
        if logic.chain_holds(definition.links, instance):
            applying.setdefault(definition.name, []).append(definition.schema)
    out: dict[str, Any] = {}
    for key, value in instance.items():
        if key in declared and key not in applying:
            continue
        subs = tuple(s for s in (logic.resolve(s) for s in applying.get(key, ()))
                     if isinstance(s, Mapping))
        out[key] = _clean_value(logic, subs, value, depth + 1)
    return out


def _clean_value(logic: _Logic, schemas: tuple[Any, ...], value: Any, depth: int) -> Any:
    if isinstance(value, Mapping):
        return _clean_object(logic, schemas, value, depth)
    if isinstance(value, list):
        items = _item_schemas(logic, schemas)
        return [_clean_value(logic, items, item, depth + 1) for item in value]
    return value


def _item_schemas(logic: _Logic, schemas: tuple[Any, ...]) -> tuple[Any, ...]:
    found = (logic.resolve(s.get("items")) for s in schemas if isinstance(s, Mapping))
    return tuple(s for s in found if isinstance(s, Mapping))


# --- Visibility -------------------------------------------------------------------------------


def visible(form: Form, field: Field, answers: Mapping[str, Any] | None) -> bool:
    """Whether ``field`` is asked for these answers: its page is shown and its branch applies.

    For a question inside a repeating group, whether it applies to any item (or to a new, empty
    item when there are none). Use :func:`visible_at` for one item.
    """
    return visible_at(form, field.path, answers)


def visible_at(form: Form, path: str, answers: Mapping[str, Any] | None) -> bool:
    """Like :func:`visible` for a dotted path that may hold item indexes (``vehicles.0.plate``)."""
    logic = _logic(form)
    clean, active = _settle(form, answers)
    segments = path.split(".")
    page = logic.page_of(segments[0])
    if page is not None and page not in active:
        return False
    return _applies_along(logic, (logic.root,), clean, segments, 0)


def _applies_along(logic: _Logic, schemas: tuple[Any, ...], instance: Any,
                   segments: list[str], depth: int) -> bool:
    if not segments or depth > MAX_DEPTH:
        return True
    key, rest = segments[0], segments[1:]
    definitions = logic.definitions_of(schemas, key)
    if not definitions:
        return True
    level = instance if isinstance(instance, Mapping) else {}
    applying = [d for d in definitions if logic.chain_holds(d.links, level)]
    if not applying:
        return False
    subs = tuple(s for s in (logic.resolve(d.schema) for d in applying) if isinstance(s, Mapping))
    value = level.get(key)
    items = _item_schemas(logic, subs)
    if rest and items and rest[0].isdigit():
        index = int(rest[0]) if len(rest[0]) < 7 else -1
        item = value[index] if isinstance(value, list) and 0 <= index < len(value) else {}
        return _applies_along(logic, items, item, rest[1:], depth + 1)
    if rest and items:
        entries = [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
        return any(_applies_along(logic, items, entry, rest, depth + 1)
                   for entry in entries or [{}])
    return _applies_along(logic, subs, value if isinstance(value, Mapping) else {}, rest,
                          depth + 1)


# --- Branch rules as simple tests ---------------------------------------------------------------


def branch_rule(form: Form, field: Field) -> tuple[tuple[Clause, ...], ...] | None:
    """When ``field`` applies, as alternatives of clauses: it applies when, for any alternative
    (one per place the schema defines it), every clause holds.

    ``None`` when the field is asked whatever the answers at its own level (it may still sit in
    a conditional group: the group carries the rule). Tests' paths are relative to the field's
    level, so a renderer adds the group's (indexed) path in front.
    """
    logic = _logic(form)
    found = definitions(form, field)
    if not found or any(not d.links for d in found):
        return None
    return tuple(tuple(_clause(logic, link) for link in d.links) for d in found)


def required_rule(form: Form, field: Field) -> tuple[tuple[Clause, ...], ...] | None:
    """When ``field``, asked whatever the answers, must be answered only for some answers
    (``if: ... then: {required: [field]}``, ``dependentRequired``): alternatives of clauses as
    :func:`branch_rule` gives them. ``None`` when it is always required or never."""
    if field.required:
        return None
    logic = _logic(form)
    alternatives = tuple(
        tuple(_clause(logic, link) for link in links)
        for schema in _level_schemas(logic, field.keys[:-1])
        for names, links in logic.requirements(schema)
        if links and field.name in names)
    return alternatives or None


def definitions(form: Form, field: Field) -> list[Definition]:
    """Every place the schema defines ``field`` at its own level, with the links each sits
    under, in the order the field collector meets them (the first one drew the question)."""
    logic = _logic(form)
    return logic.definitions_of(_level_schemas(logic, field.keys[:-1]), field.name)


def clause(form: Form, link: Link) -> Clause:
    """One link's condition as simple tests."""
    return _clause(_logic(form), link)


def holds(form: Form, links: Sequence[Link], instance: Any) -> bool:
    """Whether every link holds for the answers of their level (``instance``), decided as the
    form's JSON Schema draft decides it."""
    return _logic(form).chain_holds(links, instance)


def local_refs(form: Form) -> LocalRefs:
    """The form's ``$ref`` resolver, built once per form."""
    return _logic(form).refs


def _level_schemas(logic: _Logic, keys: Sequence[str]) -> tuple[Any, ...]:
    schemas: tuple[Any, ...] = (logic.root,)
    for key in keys:
        subs = tuple(s for s in (logic.resolve(d.schema)
                                 for d in logic.definitions_of(schemas, key))
                     if isinstance(s, Mapping))
        schemas = _item_schemas(logic, subs) or subs
    return schemas


def _clause(logic: _Logic, link: Link) -> Clause:
    if link.kind == "dependent":
        return Clause((Test((str(link.key),), "set", required=True),))
    tests = _tests(logic, link.schema, (), True, 0)
    return Clause(None if tests is None else tuple(tests), negate=link.kind == "else")


def _tests(logic: _Logic, schema: Any, prefix: tuple[str, ...], required: bool,
           depth: int) -> list[Test] | None:
    schema = logic.resolve(schema)
    if schema is True:
        return []
    if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
        return None
    if set(schema) - {"properties", "required"} - _ANNOTATIONS:
        return None
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        return None
    names = set(_strings(schema.get("required")))
    tests: list[Test] = []
    for name, sub in properties.items():
        found = _property_tests(logic, sub, (*prefix, str(name)), required and name in names,
                                depth)
        if found is None:
            return None
        tests += found
    tests += [Test((*prefix, name), "set", required=required) for name in sorted(names)
              if name not in properties]
    return tests


def _property_tests(logic: _Logic, schema: Any, path: tuple[str, ...], required: bool,
                    depth: int) -> list[Test] | None:
    schema = logic.resolve(schema)
    if schema is True:
        return []
    if not isinstance(schema, Mapping):
        return None
    if "properties" in schema or "required" in schema:
        return _tests(logic, schema, path, required, depth + 1)
    if set(schema) - _VALUE_KEYS - _ANNOTATIONS:
        return None
    tests: list[Test] = []
    if "const" in schema:
        tests.append(Test(path, "in", (schema["const"],), required))
    if isinstance(schema.get("enum"), list):
        tests.append(Test(path, "in", tuple(schema["enum"]), required))
    for key, op in _LIMITS:
        if key in schema:
            limit = schema[key]
            if isinstance(limit, bool) or not isinstance(limit, int | float):
                return None
            tests.append(Test(path, op, (limit,), required))
    if "contains" in schema:
        contained = _property_tests(logic, schema["contains"], path, required, depth + 1)
        if not contained or any(t.op != "in" for t in contained):
            return None
        tests += [Test(path, "has", t.values, required) for t in contained]
    if not tests and "type" in schema:
        return None
    return tests


# --- Plain words ----------------------------------------------------------------------------------


def describe_branch(form: Form, field: Field, lang: str | None = None) -> str | None:
    """When a conditional question applies, in plain words for when it cannot be hidden
    (JavaScript off, printed forms): "Answer only if you answered “Large” to “How big is it?”.".

    ``None`` when the question always applies at its level, or when its condition is more than
    simple tests (``const``, ``enum``, yes/no, ``minimum``...) can say.
    """
    rule = branch_rule(form, field)
    condition = None if rule is None else describe_alternatives(form, field, rule, lang)
    return None if condition is None else _t(lang, "Answer only if %(condition)s.",
                                             condition=condition)


def describe_alternatives(form: Form, field: Field, chains: Sequence[Sequence[Clause]],
                          lang: str | None = None) -> str | None:
    """Alternatives of clauses, as :func:`branch_rule` gives them, in plain words: "you
    answered “Cat” to “Animal” or you answered “Fish” to “Animal”". ``None`` when there are
    none, or when one takes more than simple tests to say."""
    alternatives = []
    for chain in chains:
        parts = []
        for one in chain:
            phrase = _describe_clause(form, field, one, lang)
            if phrase is None:
                return None
            if phrase:
                parts.append(phrase)
        if not parts:
            return None
        alternatives.append(_join(parts, "and", lang))
    return _join(alternatives, "or", lang) if alternatives else None


def describe_required(form: Form, field: Field, lang: str | None = None) -> str | None:
    """When a question that is asked anyway must be answered, in plain words: "Needed if you
    answered “Wider than a car” to “How big is it?”.", so it is never marked "(optional)"
    while a resident's own answer makes it required. ``None`` when it is not conditionally
    required; a condition too complex for words gives a general sentence."""
    rule = required_rule(form, field)
    if rule is None:
        return None
    alternatives = []
    for chain in rule:
        parts = [_describe_clause(form, field, clause, lang) for clause in chain]
        if any(part is None for part in parts) or not any(parts):
            return _t(lang, "You may need to answer this, depending on your other answers.")
        alternatives.append(_join([p for p in parts if p], "and", lang))
    return _t(lang, "Needed if %(condition)s.", condition=_join(alternatives, "or", lang))


def _describe_clause(form: Form, field: Field, clause: Clause, lang: str | None) -> str | None:
    if clause.tests is None:
        return None
    phrases = [_describe_test(form, field, test, clause.negate, lang) for test in clause.tests]
    return _join(phrases, "or" if clause.negate else "and", lang)


def _describe_test(form: Form, field: Field, test: Test, negated: bool,
                   lang: str | None) -> str:
    path = ".".join((*field.keys[:-1], *test.path))
    target = form.fields.get(path)
    question = target.title.get(lang) if target else humanise(test.path[-1])
    if test.op == "set":
        message = N_("you did not answer “%(question)s”") if negated else N_(
            "you answered “%(question)s”")
        return _t(lang, message, question=question)
    if test.op in ("in", "has"):
        shown = [_t(lang, "“%(text)s”", text=_value_label(target, value, lang))
                 for value in test.values]
        message = (N_("you did not answer %(answers)s to “%(question)s”") if negated
                   else N_("you answered %(answers)s to “%(question)s”"))
        return _t(lang, message, answers=_join(shown, "or", lang), question=question)
    op = _NEGATED[test.op] if negated else test.op
    return _t(lang, _NUMBER_PHRASES[op], question=question, number=_number(test.values[0]))


_NEGATED = {"min": "xmax", "max": "xmin", "xmin": "max", "xmax": "min"}
_NUMBER_PHRASES = {
    "min": N_("your answer to “%(question)s” is %(number)s or more"),
    "max": N_("your answer to “%(question)s” is %(number)s or less"),
    "xmin": N_("your answer to “%(question)s” is more than %(number)s"),
    "xmax": N_("your answer to “%(question)s” is less than %(number)s"),
}


def _value_label(field: Field | None, value: Any, lang: str | None) -> str:
    if field is not None and field.choices:
        return field.label_for(value, lang)
    if isinstance(value, bool):
        return _t(lang, "Yes") if value else _t(lang, "No")
    return _number(value) if isinstance(value, int | float) else str(value)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _join(parts: Sequence[str], word: Literal["and", "or"], lang: str | None) -> str:
    """``a``, ``a or b``, ``a or b or c``: pairs only, so every language can order its words."""
    message = N_("%(first)s and %(second)s") if word == "and" else N_("%(first)s or %(second)s")
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = _t(lang, message, first=text, second=part)
    return text
