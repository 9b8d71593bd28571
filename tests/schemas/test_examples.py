"""The example forms: all check clean, together use all of FORMAT.md, and validate answers right."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from example_forms import every_example
from generated_answers import SLOW_SCHEMAS, answer_strategy
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Form, check, load
from schemas.conditions import Condition

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
FORMS = every_example()


def test_there_are_enough_examples():
    assert len(EXAMPLES) >= 8
    assert sum(1 for form in FORMS.values() if "es" in form.languages[1:]) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_checks_clean(path):
    assert [str(p) for p in check(path)] == []
    assert load(path).id == path.stem


def _all_conditions(form: Form) -> list[Condition]:
    found = [page.when for page in form.pages] + [step.when for step in form.routing]
    return [c for c in found if c is not None]


def test_examples_use_every_construct():
    used: set[str] = set()
    for form in FORMS.values():
        definition = form.definition
        used |= {f"key:{key}" for key in definition}
        for field in form.fields.values():
            used.add(f"kind:{field.kind}")
            if field.format:
                used.add(f"format:{field.format}")
            schema = field.schema
            used |= {f"schema:{k}" for k in ("readOnly", "const", "default", "multipleOf",
                                             "minimum", "maximum", "contentMediaType",
                                             "maxFileSize", "$ref", "oneOf") if k in schema}
            used |= {f"hint:{k}" for k in field.ui}
            if "widget" in field.ui:
                used.add(f"widget:{field.ui['widget']}")
            if field.conditional:
                used.add("conditional-field")
            if field.kind == "choice":
                used.add("choice:radios" if len(field.choices) <= 6 else "choice:select")
        text = repr(form.schema)
        used |= {f"schema:{k}" for k in ("if", "then", "else", "dependentRequired",
                                          "dependentSchemas", "$defs") if f"'{k}'" in text}
        ui = definition.get("ui", {})
        used |= {f"ui:{k}" for k in ("order", "pages") if k in ui}
        if any(page.when for page in form.pages):
            used.add("ui:page-when")
        conditions = " ".join(c.text for c in _all_conditions(form))
        used |= {f"op:{op}" for op in (" > ", " >= ", " < ", " is not set", " is set",
                                        " is empty", " is not ", " is ", "==", "!=", " in [",
                                        " and ", " or ", "not ", "(", " is before ",
                                        " is after ")
                 if op in f" {conditions} "}
        if any("." in name for c in _all_conditions(form) for name in c.fields()):
            used.add("op:dotted-field")
        for step in form.routing:
            used |= {f"step:{k}" for k in ("assign", "all_of", "when", "due", "escalate_to")
                     if getattr(step, k)}
            if step.assign and "@" in step.assign:
                used.add("step:assign-email")
            if step.due and step.due.total_seconds() % 86400:
                used.add("step:due-hours")
        for event, recipients in form.notify.items():
            if recipients:
                used.add(f"notify:{event}")
            for who in recipients:
                used.add("notify:" + ("email" if "@" in who else who
                                      if who in ("applicant", "assignees") else "role"))
    wanted = {
        *(f"key:{k}" for k in ("id", "title", "title_es", "department", "keywords",
                               "description", "confirmation", "languages", "reference_prefix",
                               "applicant_email", "retention", "open_from", "open_until",
                               "ui", "routing", "notify")),
        *(f"kind:{k}" for k in ("text", "textarea", "number", "integer", "boolean", "choice",
                                "multichoice", "group", "repeat", "file")),
        *(f"format:{f}" for f in ("email", "date", "time", "date-time", "uri", "tel", "file")),
        *(f"schema:{k}" for k in ("readOnly", "const", "default", "multipleOf", "minimum",
                                  "maximum", "contentMediaType", "maxFileSize", "oneOf", "if",
                                  "then", "else", "dependentRequired", "dependentSchemas",
                                  "$defs")),
        *(f"hint:{k}" for k in ("hint", "placeholder", "prefix", "suffix", "labels",
                                "labels_es", "width", "autocomplete")),
        *(f"widget:{w}" for w in ("textarea", "radio", "select", "checkboxes", "checkbox",
                                  "money")),
        "choice:radios", "choice:select", "conditional-field", "ui:order", "ui:pages",
        "ui:page-when",
        *(f"op:{o}" for o in (" > ", " >= ", " is not set", " is set", " is empty", " is not ",
                              " is ", "==", "!=", " in [", " and ", " or ", "not ", "(",
                              " is before ", "dotted-field")),
        *(f"step:{k}" for k in ("assign", "all_of", "when", "due", "escalate_to",
                                "assign-email", "due-hours")),
        *(f"notify:{k}" for k in ("on_submit", "on_decision", "on_return", "on_overdue",
                                  "applicant", "assignees", "role", "email")),
    }
    assert sorted(wanted - used) == []


@functools.cache
def _strategy(form: Form) -> st.SearchStrategy:
    """One strategy per form: building it resolves the whole schema, which is slow."""
    return answer_strategy(form.schema)


def for_every_form(max_examples: int) -> Callable[[Callable[..., None]], Any]:
    """Run a test ``(name, data)`` for each example form, drawing ``max_examples`` times."""

    def decorate(test: Callable[..., None]) -> Any:
        drawing = given(data=st.data())(test)
        tuned = settings(max_examples=max_examples, deadline=None,
                         suppress_health_check=SLOW_SCHEMAS)(drawing)
        return pytest.mark.parametrize("name", sorted(FORMS))(tuned)

    return decorate


@for_every_form(max_examples=25)
def test_generated_answers_are_accepted(name, data):
    form = FORMS[name]
    assert form.validate(data.draw(_strategy(form))) == []


def _breakable(form: Form) -> list[str]:
    return [f.path for f in form.fields.values()
            if f.parent is None and f.required and not f.conditional]


@for_every_form(max_examples=15)
def test_broken_answers_name_the_right_field(name, data):
    form = FORMS[name]
    answers = data.draw(_strategy(form))
    required = _breakable(form)
    if not required:
        return
    field = data.draw(st.sampled_from(required))
    how = data.draw(st.sampled_from(["missing", "wrong type"]))
    broken = copy.deepcopy(answers)
    if how == "missing":
        broken.pop(field, None)
    else:
        is_list = form.fields[field].kind in ("multichoice", "repeat", "list", "files")
        broken[field] = "not a list" if is_list else ["not", "one", "answer"]
    for lang in ("en", "es", "zh"):
        errors = form.validate(broken, lang)
        paths = [e.path for e in errors]
        assert field in paths, (how, field, errors)
        message = next(e.message for e in errors if e.path == field)
        assert message and "{" not in message
        if lang == "en":
            title = form.fields[field].title.get("en")
            assert title.lower().rstrip("?") in message.lower() or field in message
