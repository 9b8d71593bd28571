"""``check``: every problem in a form file, in words a clerk can act on; ``load``: a ``Form``.

The order of work matters for the messages: the file must parse, then have the right layout
(the definition meta-schema), then a valid and safe JSON Schema, and only then are names checked
against the questions, so one typo does not cascade into a page of confusing messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path as FilePath
from typing import Any

import jsonschema

from schemas import contradictions, names, office, semantics, webhooks
from schemas.drafts import (
    DRAFT_2020_12,
    detect_draft,
    id_from_filename,
    is_bare_schema,
    title_from_filename,
)
from schemas.fields import Field, FieldCollector
from schemas.localized import Localized, localized, translation_languages
from schemas.model import NOTIFY_EVENTS, Form, Page, Retention, Step, Webhook, parse_duration
from schemas.peers import as_questions, moved
from schemas.problems import FormError, Problem
from schemas.schema_checks import TYPE_WORDS, check_schema
from schemas.source import Source, parse, read
from schemas.suggest import did_you_mean
from schemas.summary import check_summary as _check_summary
from schemas.validation import lenient_validator

Path = tuple[str | int, ...]

_KEY_PURPOSE = {
    "id": "the form's address, like pothole-report",
    "title": "the name residents see",
    "schema": "the questions, as a JSON Schema",
    "step": "the step's name, shown to staff and residents",
    "fields": "the names of the questions on the page",
}


# Rules a stored, published definition may predate: they never stop it from loading.
LATER_RULES = frozenset({
    "reserved_name", "unsafe_pattern", "unknown_field", "not_on_page", "page_twice",
    "nested_on_page", "asked_later", "widget", "labels", "translation", "applicant_email",
    "step_twice", "assignee", "escalation", "wrong_draft", "condition", "date",
    "duplicate_key", "unknown_keyword", "unknown_format", "webhook", "summary",
    "contradiction", "date_limit",
})


@cache
def definition_schema() -> dict[str, Any]:
    """The meta-schema of form files (FORMAT.md as JSON Schema)."""
    text = resources.files("schemas").joinpath("form-definition.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _definition_validator() -> Any:
    """The layout's validator; its patterns run on RE2 like every other (schemas.patterns)."""
    return lenient_validator(definition_schema(), DRAFT_2020_12)


def check(path: str | FilePath) -> list[Problem]:
    """Every problem in the form file at ``path``; an empty list when it is fine to publish."""
    try:
        source = read(path)
    except FormError as exc:
        return exc.problems
    return build(source)[1]


def check_text(text: str | bytes, name: str = "form.yaml") -> list[Problem]:
    """Like :func:`check`, for text that is not in a file (the studio, tests)."""
    try:
        source = parse(text, name, json_syntax=name.lower().endswith(".json"))
    except FormError as exc:
        return exc.problems
    return build(source)[1]


def load(path: str | FilePath) -> Form:
    """The form in the file at ``path``; :class:`FormError` listing every problem otherwise."""
    return _require(build(read(path)))


def load_definition(definition: Mapping[str, Any], name: str = "<form>", *,
                    published: bool = False) -> Form:
    """A form from an already parsed definition, such as one stored in the database.

    A ``published`` definition passed the checker of its day; rules added since then are
    reported as warnings, so a stricter checker never stops old submissions from opening.
    """
    return _require(build(Source(name, definition), published=published))


def _require(result: tuple[Form | None, list[Problem]]) -> Form:
    form, problems = result
    errors = [p for p in problems if p.severity == "error"]
    if form is None or errors:
        raise FormError(errors or problems)
    return form


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def build(source: Source, *, published: bool = False) -> tuple[Form | None, list[Problem]]:
    """Check a parsed file and, when nothing is wrong, build its :class:`Form`.

    Checking goes on past a problem wherever the rest can still be read, so one run shows
    every mistake; only a file that is not a set of keys, or a schema that is not one, stops it.
    """
    problems: list[Problem] = []

    def add(path: Path, message: str, code: str, severity: str = "error") -> None:
        if published and code in LATER_RULES:
            severity = "warning"
        question = question_of(path)
        if question and not message.startswith(f"`{question}`"):
            message = f"`{question}`: {message}"
        problems.append(source.problem(path, message, code, severity=severity, field=question))

    for path, line in source.duplicates:
        problems.append(Problem(source.name, line, f"`{path[-1]}` is written twice here; the "
                                "second one would silently replace the first.", "duplicate_key"))
    data = source.data
    if not isinstance(data, Mapping):
        add((), "A form file must be a set of keys (id, title, schema, ...), not "
            f"{_what(data)}.", "layout")
        return None, _sorted(problems)
    bare = is_bare_schema(data)
    definition = _as_definition(data, source) if bare else dict(data)
    for path, message, code in _definition_findings(definition):
        add(path, message, code)
    schema = definition.get("schema")
    if not isinstance(schema, Mapping):
        return None, _sorted(problems)
    draft = detect_draft(schema, bare=bare)
    if draft not in (None, DRAFT_2020_12) and "$schema" not in schema:
        schema = definition["schema"] = {"$schema": draft, **schema}  # stored, read back alike
    if draft is None:
        add(("schema", "$schema"), f"`$schema: {schema['$schema']}` is not a JSON Schema draft "
            "formbuilder reads. Use 2020-12, 2019-09 or Draft 7, or leave `$schema` out.",
            "draft")
        draft = DRAFT_2020_12
    schema_findings = list(check_schema(schema, draft, ("schema",)))
    for path, message, code, severity in schema_findings:
        add(path, message, code, severity)
    if any(code in UNREADABLE for _, _, code, _ in schema_findings):
        return None, _sorted(problems)
    shaped = not any(code == "not_object" for _, _, code, _ in schema_findings)
    fields, languages, found = _check_questions(definition, schema, draft, add, shaped=shaped)
    if errors_only(problems):
        return None, _sorted(problems)
    return _form(definition, draft, fields, languages, source.name, found), _sorted(problems)


# Schema problems after which its questions cannot be walked.
UNREADABLE = frozenset({"remote_ref", "missing_ref", "anchor_ref", "ref_loop", "too_deep"})


def _check_questions(definition: Mapping[str, Any], schema: Mapping[str, Any], draft: str,
                     add: Any, *, shaped: bool) -> tuple[dict, tuple[str, ...], office.Office]:
    """Everything that names a question: the schema's own names, hints, pages, routing,
    the steps' own fields and the computed values."""
    ui = _mapping(definition.get("ui"))
    collector = FieldCollector(schema, ui)
    fields = collector.collect()
    for issue in collector.issues:
        add(issue.path, issue.message, issue.code)
    for issue in collector.warnings:
        add(issue.path, issue.message, issue.code, "warning")
    if not fields and shaped:
        add(("schema",), "The schema has no questions: add them under `properties`.", "empty")
    languages = _languages(definition)
    applicant_email = definition.get("applicant_email")
    found, office_findings = office.read(definition, fields, draft)
    for path, message, code, severity in [*office_findings,
                                          *office.check_translations(definition, languages)]:
        add(path, message, code, severity)

    def known(before: int | None) -> dict[str, Any]:
        return {**found.step_types(before), **found.computed_types()}

    findings = [
        *names.check_schema_names(schema),
        *contradictions.check_contradictions(schema, draft),
        *semantics.check_names(fields),
        *semantics.check_ui(ui, fields),
        *semantics.check_pages(_list(ui.get("pages")), fields),
        *semantics.check_routing(_list(definition.get("routing")), fields, known),
        *semantics.check_notify(_mapping(definition.get("notify")), applicant_email),
        *semantics.check_applicant_email(applicant_email, fields),
        *_check_summary(definition.get("summary"), fields),
        *semantics.check_dates(definition),
        *semantics.check_translations(definition, fields, languages),
    ]
    for path, message, code in findings:
        add(path, message, code)
    for path, message, code, severity in webhooks.check_webhooks(definition.get("webhooks")):
        add(path, message, code, severity)
    return fields, languages, found


def question_of(path: Path) -> str | None:
    """The dotted name of the question a place in the schema belongs to, if any:
    ``schema.properties.vehicles.items.properties.plate.type`` is ``vehicles.plate``; a part
    under ``$defs`` is named by its definition (``address.street``)."""
    if path[:1] != ("schema",):
        return None
    names: list[str] = []
    for index, key in enumerate(path[1:-1], start=1):
        after = path[index + 1]
        if key in ("$defs", "definitions") and path[index - 1] != "properties":
            names = [str(after)]
        elif key == "properties" and path[index - 1] != "properties" and isinstance(after, str):
            names.append(after)
    return ".".join(names) or None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _what(data: Any) -> str:
    if data is None:
        return "nothing"
    if isinstance(data, list):
        return "a list"
    return f"a single value ({str(data)[:40]!r})"


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line or 0, p.column or 0, p.message))


def _as_definition(schema: Mapping[str, Any], source: Source) -> dict[str, Any]:
    """A bare JSON Schema file as a form: id from the file name, title from the schema, and
    its values as questions (``schemas.peers``)."""
    questions, moves = as_questions(schema)
    source.lines = {("schema", *moved(path, moves)): line for path, line in source.lines.items()}
    source.duplicates = [(("schema", *moved(path, moves)), line)
                         for path, line in source.duplicates]
    title = schema.get("title")
    return {
        "id": id_from_filename(source.name),
        "title": title if isinstance(title, str) and title.strip()
        else title_from_filename(source.name),
        "schema": questions,
    }


def _definition_findings(definition: Mapping[str, Any]) -> list[tuple[Path, str, str]]:
    errors = sorted(_definition_validator().iter_errors(definition),
                    key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    return [finding for error in errors for finding in _explain_layout(error)]


def _explain_layout(error: jsonschema.ValidationError) -> list[tuple[Path, str, str]]:
    path: Path = tuple(error.absolute_path)
    where = _where(path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    hint = schema.get("x-hint")
    if error.validator == "required":
        missing = error.message.split("'")[1]
        purpose = _KEY_PURPOSE.get(missing)
        return [(path, f"{where} needs `{missing}`" + (f": {purpose}." if purpose else "."),
                 "missing")]
    if error.validator == "additionalProperties":
        allowed = _allowed_keys(schema)
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        extra = [k for k in instance if k not in allowed and not _is_translation(k)]
        return [((*path, key), f"`{key}` is not a key {where.lower()} can have."
                 f"{did_you_mean(str(key), allowed)}", "unknown_key") for key in extra]
    key = next((p for p in reversed(path) if isinstance(p, str)), "value")
    shown = error.instance if not isinstance(error.instance, Mapping | list) else None
    if error.validator == "enum":
        choices = error.validator_value if isinstance(error.validator_value, list) else []
        options = ", ".join(str(o) for o in choices)
        suggestion = did_you_mean(str(error.instance), [str(o) for o in choices])
        return [(path, f"`{key}: {shown}` is not one of: {options}.{suggestion}", "value")]
    if error.validator == "type":
        wanted = TYPE_WORDS.get(str(error.validator_value), str(error.validator_value))
        return [(path, f"`{key}` should be {wanted}." + (f" {hint}" if hint else ""), "type")]
    value = f"`{key}: {shown}`" if shown is not None else f"`{key}`"
    reason = hint or error.message
    return [(path, f"{value} is not right. {reason}", "value")]


def _is_translation(key: Any) -> bool:
    return isinstance(key, str) and "_" in key and len(key.rsplit("_", 1)[1]) in (2, 3, 5)


def _allowed_keys(schema: Mapping[str, Any]) -> list[str]:
    return [str(k) for k in (schema.get("properties") or {})]


def _where(path: Path) -> str:
    if not path:
        return "A form"
    if path[0] == "routing" and len(path) >= 2:
        return f"Routing step {path[1] + 1}" if isinstance(path[1], int) else "`routing`"
    if path[:2] == ("ui", "pages") and len(path) >= 3:
        return f"Page {path[2] + 1}" if isinstance(path[2], int) else "`ui.pages`"
    if path[0] == "ui" and len(path) >= 2:
        return f"The hints for `{path[1]}`"
    if path[0] == "webhooks" and len(path) >= 2 and isinstance(path[1], int):
        return f"Webhook {path[1] + 1}"
    return f"`{'.'.join(str(p) for p in path)}`"


def _languages(definition: Mapping[str, Any]) -> tuple[str, ...]:
    declared = definition.get("languages")
    if isinstance(declared, list) and declared:
        return tuple(lang for lang in declared if isinstance(lang, str)
                     and _LANGUAGE_CODE.match(lang)) or ("en",)
    found = translation_languages(definition, "title") | translation_languages(
        definition, "description")
    return ("en", *sorted(found - {"en"}))


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")  # others: the layout's to refuse


def in_order(fields: Mapping[str, Field], order: Any) -> dict[str, Field]:
    """The questions in the order ``ui.order`` gives (a nested one among its group's
    questions), the rest in schema order: group by group, depth first."""
    rank = {name: index for index, name in enumerate(_list(order)) if isinstance(name, str)}
    written = {path: index for index, path in enumerate(fields)}
    children: dict[str | None, list[str]] = {}
    for path, field in fields.items():
        children.setdefault(field.parent, []).append(path)
    result: dict[str, Field] = {}

    def visit(parent: str | None) -> None:
        for path in sorted(children.get(parent, []),
                           key=lambda p: (rank.get(p, len(rank)), written[p])):
            result[path] = fields[path]
            visit(path)

    visit(None)
    result.update((p, f) for p, f in fields.items() if p not in result)
    return result


def _stored(definition: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """The definition as it is stored: the questions' order written out in ``ui.order``,
    because stored JSON does not keep the order of keys (sorted canonical JSON, JSONB)."""
    ui = dict(_mapping(definition.get("ui")))
    if len(fields) > 1 and ui.get("order") != list(fields):
        ui["order"] = list(fields)
        return {**definition, "ui": ui}
    return dict(definition)


def _form(definition: Mapping[str, Any], draft: str, fields: dict, languages: tuple[str, ...],
          name: str, found: office.Office | None = None) -> Form:
    ui = _mapping(definition.get("ui"))
    fields = in_order(fields, ui.get("order"))
    definition = _stored(definition, fields)
    ui = _mapping(definition.get("ui"))
    pages = tuple(_page(p, fields) for p in _list(ui.get("pages")))
    if not pages:
        order = [p for p in _list(ui.get("order")) if p in fields and fields[p].parent is None]
        rest = [f.path for f in fields.values() if f.parent is None and f.path not in order]
        pages = (Page(localized(definition, "title") or Localized(""), tuple(order + rest)),)
    notify = {event: tuple(definition.get("notify", {}).get(event) or ())
              for event in NOTIFY_EVENTS}
    retention = definition.get("retention")
    return Form(
        id=definition["id"],
        title=localized(definition, "title") or Localized(definition["id"]),
        schema=definition["schema"],
        draft=draft,
        fields=fields,
        pages=pages,
        languages=languages,
        description=localized(definition, "description"),
        confirmation=localized(definition, "confirmation"),
        department=localized(definition, "department"),
        keywords=tuple(definition.get("keywords") or ()),
        reference_prefix=definition.get("reference_prefix") or default_prefix(definition["id"]),
        applicant_email=definition.get("applicant_email"),
        summary=tuple(definition.get("summary") or ()),
        retention=Retention.parse(retention) if retention else None,
        open_from=_date(definition.get("open_from")),
        open_until=_date(definition.get("open_until")),
        routing=tuple(_step(s, fields, *own) for s, own in zip(
            definition.get("routing") or [],
            office.build_steps(found or office.Office(), definition, draft, languages)
            if found is not None else [({}, None)] * len(definition.get("routing") or []),
            strict=False)),
        computed=dict(found.computed) if found is not None else {},
        notify=notify,
        webhooks=tuple(Webhook(url=hook["url"].strip(), on=tuple(hook.get("on") or
                                                                 Webhook.on))
                       for hook in definition.get("webhooks") or []),
        ui=ui,
        definition=definition,
        source_name=name,
    )


def default_prefix(form_id: str) -> str:
    """Initials of the id's words (``pothole-report`` -> ``PR``), or its first three letters."""
    words = [w for w in form_id.split("-") if w and w[0].isalpha()]
    if len(words) >= 2:
        return "".join(w[0] for w in words)[:6].upper()
    letters = "".join(c for c in form_id if c.isalpha())
    return (letters[:3] or "F").upper()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _when(text: Any, fields: dict) -> Any:
    if not isinstance(text, str):
        return None
    return semantics.condition(text, fields, ())[0]


def _page(page: Mapping[str, Any], fields: dict) -> Page:
    return Page(
        title=localized(page, "title") or Localized(""),
        fields=tuple(page.get("fields") or ()),
        when=_when(page.get("when"), fields),
        description=localized(page, "description"),
    )


def _step(step: Mapping[str, Any], fields: dict, own: dict | None = None,
          questions: Form | None = None) -> Step:
    return Step(
        name=localized(step, "step") or Localized(""),
        assign=step.get("assign"),
        all_of=tuple(step.get("all_of") or ()),
        when=_when(step.get("when"), fields),
        due=parse_duration(step["due"]) if step.get("due") else None,
        escalate_to=step.get("escalate_to"),
        fields=own or {},
        required_to_approve=tuple(n for n in step.get("required_to_approve") or ()
                                  if own and n in own),
        show_resident=step.get("show_resident") is True,
        questions=questions,
    )
