"""Schemas written for other form tools become forms: one value is one question, answers the
resident names are a repeating group of a name and a value."""

from __future__ import annotations

import json
from pathlib import Path

from schemas import check_text, load_definition
from schemas.checker import build
from schemas.source import parse

CORPUS = Path(__file__).parents[1] / "corpus"


def form_of(schema: dict, name: str = "peer.json"):
    form, problems = build(parse(json.dumps(schema, indent=2), name, json_syntax=True))
    assert form is not None, problems
    return form


def test_a_single_text_value_is_a_one_question_form():
    form = form_of({"type": "string", "title": "Your name", "maxLength": 40}, "single.json")
    (question,) = form.fields.values()
    assert question.path == "answer" and question.kind == "text" and question.required
    assert str(question.title) == "Your name" and str(form.title) == "Your name"
    assert form.validate({"answer": "Ana"}) == []
    assert [e.code for e in form.validate({"answer": "x" * 41})] == ["maxLength"]


def test_an_enum_array_is_one_checkbox_question():
    form = form_of({"type": "array", "uniqueItems": True,
                    "items": {"type": "string", "enum": ["a", "b"]}})
    assert [f.kind for f in form.fields.values()] == ["multichoice"]


def test_a_schema_with_no_type_is_one_question():
    form = form_of({"title": "Fallback", "description": "Anything"})
    assert list(form.fields) == ["answer"]


def test_additional_properties_become_a_name_value_group():
    form = form_of({"type": "object", "required": ["first"],
                    "properties": {"first": {"type": "string"}},
                    "additionalProperties": {"type": "integer"}})
    assert form.fields["additional"].kind == "repeat"
    assert [f.path for f in form.children("additional")] == ["additional.name",
                                                              "additional.value"]
    assert form.validate({"first": "a", "additional": [{"name": "age", "value": 3}]}) == []
    assert form.validate({"first": "a", "additional": [{"name": "age", "value": "x"}]})


def test_property_names_choose_the_name():
    form = form_of({"type": "object", "additionalProperties": {"type": "boolean"},
                    "propertyNames": {"enum": ["darkMode", "beta"]}})
    name = form.fields["answer.name"]
    assert [c.value for c in name.choices] == ["darkMode", "beta"]


def test_a_moved_part_keeps_its_line():
    text = '{\n  "type": "string",\n  "minLength": 5,\n  "maxLength": 2\n}\n'
    (problem,) = check_text(text, "one.json")
    assert problem.line == 3
    assert problem.message.startswith("`answer`: `minLength` (5) is above")


def test_at_least_nine_in_ten_corpus_schemas_load_from_what_is_stored():
    files = sorted(CORPUS.glob("*/*.json"))
    loaded = 0
    for path in files:
        form, _ = build(parse(path.read_bytes(), str(path), json_syntax=True))
        if form is not None:
            again = load_definition(json.loads(json.dumps(form.definition, sort_keys=True)),
                                    published=True)
            loaded += bool(again.fields)
    assert len(files) == 81
    assert loaded >= 0.9 * len(files)
