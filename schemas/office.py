"""Steps' own fields ("for office use only") and computed values: read, checked and built.

A step's ``fields`` are questions like those of ``schema.properties``, answered by its approvers
when they decide. Elsewhere in the file they are named ``<step key>.<field>``
(``Inspection.result``), so the checker gives them to conditions and computed values with their
types, exactly as it gives the residents' questions; the ``Form`` built afterwards carries the
same fields on its ``Step``s, so the checker and the engine never disagree about a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemas.conditions import (
    ConditionError,
    Expression,
    parse_expression,
    typecheck_expression,
)
from schemas.fields import Field, FieldCollector, label_key
from schemas.fieldtypes import FieldType
from schemas.localized import Localized, localized, translation_languages
from schemas.model import Computed, Form, Page, step_key
from schemas.schema_checks import check_schema
from schemas.suggest import did_you_mean

Path = tuple[str | int, ...]
Finding = tuple[Path, str, str, str]  # path, message, code, severity

# The decide form's own inputs, beside which a step's fields are drawn.
RESERVED_STEP_FIELDS = frozenset({"csrf_token", "key", "decision", "comment", "step", "role",
                                  "history_length"})
_CONDITION_WORDS = frozenset({"and", "or", "not", "is", "in", "true", "false", "yes", "no"})
_KEY = re.compile(r"^[^\W\d][\w-]*$")


@dataclass
class Office:
    """What the checker learns of the routing's fields and the computed values."""

    steps: list[dict[str, Field]] = field(default_factory=list)  # per step, by local name
    keys: list[str] = field(default_factory=list)
    computed: dict[str, Computed] = field(default_factory=dict)

    def step_types(self, before: int | None = None) -> dict[str, FieldType]:
        """Types of the fields of the steps before ``before`` (all when ``None``)."""
        end = len(self.steps) if before is None else before
        return {f"{self.keys[i]}.{path}": found.field_type
                for i in range(min(end, len(self.steps))) for path, found in
                self.steps[i].items()}

    def computed_types(self) -> dict[str, FieldType]:
        return {name: FieldType(item.value_type, item.choices)  # type: ignore[arg-type]
                for name, item in self.computed.items()}


def step_schema(step: Mapping[str, Any]) -> dict[str, Any]:
    """The step's fields as one object schema; approving requires ``required_to_approve``."""
    properties = step.get("fields")
    schema: dict[str, Any] = {"type": "object",
                              "properties": dict(properties) if isinstance(properties, Mapping)
                              else {}}
    required = [n for n in step.get("required_to_approve") or () if isinstance(n, str)
                and n in schema["properties"]]
    if required:
        schema["required"] = required
    return schema


def read(definition: Mapping[str, Any], questions: Mapping[str, Field], draft: str
         ) -> tuple[Office, list[Finding]]:
    """Every step's fields and every computed value, with the problems found on the way."""
    office, findings = Office(), []
    for index, step in enumerate(_list(definition.get("routing"))):
        step = step if isinstance(step, Mapping) else {}
        named = step.get("step")
        name = named if isinstance(named, str) else ""
        office.keys.append(step_key(name))
        fields, found = _step_fields(step, index, draft)
        office.steps.append(fields)
        findings += found
        if fields:
            findings += _check_step(step, index, fields, questions, office.keys[-1])
    findings += _check_notify(definition.get("notify"), office)
    computed = definition.get("computed")
    if isinstance(computed, Mapping):
        types = {p: f.field_type for p, f in questions.items()} | office.step_types()
        fields_by_name = dict(questions) | {
            f"{office.keys[i]}.{p}": f for i, s in enumerate(office.steps) for p, f in s.items()}
        for name, spec in computed.items():
            item, found = _computed(str(name), spec, types, fields_by_name)
            findings += found
            if item is not None:
                office.computed[str(name)] = item
        findings += _clashes(computed, questions, office)
    return office, findings


def build_steps(office: Office, definition: Mapping[str, Any], draft: str,
                languages: tuple[str, ...]) -> list[tuple[dict[str, Field], Form | None]]:
    """Per step: its fields and the small form of just those that renderers draw."""
    built: list[tuple[dict[str, Field], Form | None]] = []
    for index, step in enumerate(_list(definition.get("routing"))):
        fields = office.steps[index] if index < len(office.steps) else {}
        if not fields or not isinstance(step, Mapping):
            built.append(({}, None))
            continue
        title = localized(step, "step") or Localized("")
        top = tuple(path for path, found in fields.items() if found.parent is None)
        # The form's own id: the files entered at a step are the form's attachments.
        questions = Form(id=str(definition.get("id")), title=title, schema=step_schema(step),
                         draft=draft, fields=fields, pages=(Page(title, top),),
                         languages=languages)
        built.append((fields, questions))
    return built


def _step_fields(step: Mapping[str, Any], index: int, draft: str
                 ) -> tuple[dict[str, Field], list[Finding]]:
    if not isinstance(step.get("fields"), Mapping) or not step["fields"]:
        return {}, []
    schema = step_schema(step)
    base: Path = ("routing", index, "fields")
    findings: list[Finding] = [(_moved(path, base), message, code, severity)
                               for path, message, code, severity in
                               check_schema(schema, draft, ("schema",))]
    collector = FieldCollector(schema)
    fields = collector.collect()
    findings += [(_moved(issue.path, base), issue.message, issue.code, "error")
                 for issue in collector.issues]
    return fields, findings


def _moved(path: Path, base: Path) -> Path:
    """A place in the step's object schema (``schema.properties.result.enum``) as a place in
    the file (``routing.3.fields.result.enum``)."""
    rest = tuple(path[1:]) if path[:1] == ("schema",) else tuple(path)
    if rest[:1] == ("properties",):
        rest = rest[1:]
    return (*base, *rest)


def _check_step(step: Mapping[str, Any], index: int, fields: Mapping[str, Field],
                questions: Mapping[str, Field], key: str) -> Iterator[Finding]:
    path: Path = ("routing", index)
    name = step.get("step")
    if not _KEY.match(key) or key.lower() in _CONDITION_WORDS or "." in key:
        yield ((*path, "step"), f"Step “{name}” has `fields`, so conditions name them as "
               f"`{key}.field`; use only letters, digits, spaces and dashes in its name.",
               "step_name", "error")
    elif key in questions:
        yield ((*path, "step"), f"Step “{name}” has `fields`, which conditions name as "
               f"`{key}.…`, but `{key}` is also a question: rename the step or the question.",
               "clash", "error")
    for local, found in fields.items():
        if found.parent is None and (local.startswith("_") or local in RESERVED_STEP_FIELDS):
            yield ((*path, "fields", local), f"`{local}` cannot name a step's field: the "
                   "decision form uses it. Rename the field.", "reserved_name", "error")
    top = [p for p, f in fields.items() if f.parent is None]
    for position, wanted in enumerate(_list(step.get("required_to_approve"))):
        if isinstance(wanted, str) and wanted not in top:
            yield ((*path, "required_to_approve", position),
                   f"`{wanted}` is in `required_to_approve`, but step “{name}” has no field "
                   f"called `{wanted}`.{did_you_mean(wanted, top)}", "unknown_field", "error")


def _check_notify(notify: Any, office: Office) -> Iterator[Finding]:
    """A notify entry with a dot names a step's email field (``Inspection.inspector_email``):
    a misspelt one would be read as a role nobody holds, and nobody would be emailed."""
    fields = {f"{office.keys[i]}.{p}": f for i, s in enumerate(office.steps)
              for p, f in s.items()}
    for event, recipients in (notify.items() if isinstance(notify, Mapping) else ()):
        for index, who in enumerate(recipients if isinstance(recipients, list) else ()):
            if not isinstance(who, str) or "." not in who or "@" in who:
                continue
            found = fields.get(who)
            if found is None:
                yield (("notify", event, index), f"`{who}` in `notify.{event}` is not a field "
                       f"of a step.{did_you_mean(who, list(fields))}", "unknown_field", "error")
            elif found.format not in ("email", "idn-email"):
                yield (("notify", event, index), f"`{who}` in `notify.{event}` must be a step "
                       "field with `format: email`.", "type", "error")


def _computed(name: str, spec: Any, types: Mapping[str, FieldType],
              fields: Mapping[str, Field]) -> tuple[Computed | None, list[Finding]]:
    path: Path = ("computed", name)
    spec = {"value": spec} if isinstance(spec, str) else spec
    if not isinstance(spec, Mapping):
        return None, []  # the layout's to explain
    title = localized(spec, "title") or Localized(name.replace("_", " ").capitalize())
    if isinstance(spec.get("value"), str):
        text = spec["value"]
        try:
            expression: Expression = parse_expression(text)
        except ConditionError as error:
            return None, [((*path,), _in(name, text, error), "condition", "error")]
        problems = typecheck_expression(expression, types)
        return (Computed(name, title, expression=expression),
                [((*path,), _in(name, text, e), "condition", "error") for e in problems])
    source, table = spec.get("from"), spec.get("table")
    if not isinstance(source, str) or not isinstance(table, Mapping):
        return None, []
    findings: list[Finding] = []
    found = fields.get(source)
    if found is None:
        findings.append(((*path, "from"), f"`computed.{name}` looks up `{source}`, which is "
                         f"not a field of this form.{did_you_mean(source, list(fields))}",
                         "unknown_field", "error"))
    else:
        findings += _table_keys(name, source, found, table, path)
    values = [*table.values(), *([spec["otherwise"]] if "otherwise" in spec else [])]
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in values]
    if any(numbers) and not all(numbers):
        findings.append(((*path, "table"), f"`computed.{name}` mixes numbers and text; give "
                         "every value of its table the same kind.", "type", "error"))
    return Computed(name, title, source=source, table=tuple(table.items()),
                    otherwise=spec.get("otherwise")), findings


def _table_keys(name: str, source_name: str, source: Field, table: Mapping[Any, Any],
                path: Path) -> Iterator[Finding]:
    """A key no answer can have would silently never match."""
    if source.value_type == "boolean":
        allowed = ["true", "false"]
    elif source.choices:
        allowed = [label_key(choice.value) for choice in source.choices]
    else:
        return
    for key in table:
        if label_key(key) not in allowed:
            yield ((*path, "table", key), f"`computed.{name}` has `{label_key(key)}` in its "
                   f"table, but `{source_name}` can only be {', '.join(allowed)}."
                   f"{did_you_mean(label_key(key), allowed)}", "value", "error")


def _clashes(computed: Mapping[str, Any], questions: Mapping[str, Field],
             office: Office) -> Iterator[Finding]:
    keys = {key for key, fields in zip(office.keys, office.steps, strict=False) if fields}
    for name in computed:
        if name in questions or name in keys:
            what = "a question" if name in questions else "a step with fields"
            yield (("computed", name), f"`computed.{name}` has the name of {what}; conditions "
                   "could not tell them apart. Rename it.", "clash", "error")


def check_translations(definition: Mapping[str, Any], languages: Sequence[str]
                       ) -> Iterator[Finding]:
    """Staff read step fields in their language too; residents read computed titles."""
    wanted = list(languages[1:])
    if not wanted:
        return
    places: list[tuple[Path, Mapping[str, Any]]] = []
    for index, step in enumerate(_list(definition.get("routing"))):
        fields = step.get("fields") if isinstance(step, Mapping) else None
        for local, spec in (fields.items() if isinstance(fields, Mapping) else ()):
            if isinstance(spec, Mapping):
                places.append((("routing", index, "fields", local), spec))
    computed = definition.get("computed")
    for name, spec in (computed.items() if isinstance(computed, Mapping) else ()):
        if isinstance(spec, Mapping):
            places.append((("computed", name), spec))
    for path, data in places:
        if "title" not in data:
            continue
        missing = [lang for lang in wanted if lang not in translation_languages(data, "title")]
        if missing:
            names = ", ".join(f"`title_{lang}`" for lang in missing)
            yield ((*path, "title"), f"`title` has no {names}: the form is offered in "
                   f"{', '.join(missing)}, so every title needs a translation.", "translation",
                   "error")


def _in(name: str, text: str, error: ConditionError) -> str:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return f"In `computed.{name}: {shown}`: {error.message}"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
