"""Form patterns run on RE2, a linear-time engine: no answer can hold the server."""

from __future__ import annotations

import pytest
from form_definitions import form_yaml

from schemas import check_text, load_definition
from schemas.patterns import matches, pattern_problem

# Each of these took 10-28 s on Python's backtracking engine with one hostile answer.
HOSTILE = [
    (r"^([A-Z0-9]{1,20}-?){1,20}$", "A" * 400 + "!"),
    (r"^[A-Za-z0-9]+[A-Za-z0-9 ]*[A-Za-z0-9]+$", "a" + " " * 20_000 + "!"),
    (r"^\s*\s*\s*\s*\s*$", " " * 20_000 + "x"),
    (r"^.*a.*a.*a.*a$", "a" * 20_000 + "b"),
]


@pytest.mark.parametrize(("pattern", "answer"), HOSTILE)
def test_hostile_answers_are_refused_by_the_linear_engine(pattern, answer):
    assert pattern_problem(pattern) is None
    assert not matches(pattern, answer)


@pytest.mark.parametrize(("pattern", "answer"), HOSTILE)
def test_hostile_answers_are_refused_in_validation(pattern, answer):
    form = load_definition({"id": "a-form", "title": "A", "schema": {
        "type": "object", "properties": {"code": {"type": "string", "pattern": pattern}}}})
    (error,) = form.validate({"code": answer})
    assert error.path == "code" and error.code == "pattern"


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    (r"^[0-9]{5}(-[0-9]{4})?$", "94110-1234", "9411"),
    (r"^\d{3}-\d{4}$", "555-0123", "555-01234"),
    (r"^[A-Z]{2}[0-9]+$", "PW123", "pw123"),
    (r"colour|color", "the color red", "hue"),
    (r"^\p{L}+$", "José", "José1"),
])
def test_ordinary_patterns_match_as_before(pattern, good, bad):
    assert matches(pattern, good)
    assert not matches(pattern, bad)


def test_dollar_means_the_very_end_as_in_json_schema():
    assert not matches(r"^[0-9]+$", "123\n")


@pytest.mark.parametrize(("pattern", "words"), [
    (r"^(a)\1$", "refers back to an earlier part"),
    (r"^(?=.*[0-9]).{8,}$", "looks ahead or behind"),
    (r"^(?<!x)y$", "looks ahead or behind"),
    (r"^a{1,2000}$", "repeats something more than 1000 times"),
    (r"^(abc$", "missing a closing bracket"),
])
def test_patterns_re2_cannot_run_are_refused_in_plain_words(pattern, words):
    problem = pattern_problem(pattern)
    assert problem is not None and words in problem


def test_check_refuses_a_lookahead_naming_the_field():
    text = form_yaml("""\
        password:
          type: string
          pattern: '^(?=.*[0-9]).{8,}$'
        """)
    (problem,) = check_text(text)
    assert problem.line == 8
    assert problem.message.startswith("`password`: `pattern` cannot be used")
    assert "looks ahead or behind" in problem.message


def test_check_accepts_nested_repeats_now_that_they_are_safe():
    text = form_yaml("permit_id: {type: string, pattern: '^([A-Z0-9]{1,20}-?){1,20}$'}\n")
    assert check_text(text) == []


def _conditional_form(pattern: str):
    return load_definition({"id": "a-form", "title": "A", "schema": {
        "type": "object",
        "properties": {"code": {"type": "string"}},
        "if": {"properties": {"code": {"pattern": pattern}}, "required": ["code"]},
        "then": {"properties": {"why": {"type": "string", "title": "Why?"}}}}})


def test_a_pattern_in_a_condition_runs_on_the_same_engine():
    """`$` is the very end on RE2, but also before a final newline on Python's `re`: the
    conditional question shows only if the condition used RE2, as validation does."""
    from schemas.flow import applicable_answers

    form = _conditional_form(r"^[0-9]+$")
    assert "why" in applicable_answers(form, {"code": "123", "why": "x"})
    assert "why" not in applicable_answers(form, {"code": "123\n", "why": "x"})


def test_a_hostile_answer_to_a_condition_is_decided():
    from schemas.flow import applicable_answers

    pattern, answer = HOSTILE[3]
    form = _conditional_form(pattern)
    assert "why" not in applicable_answers(form, {"code": answer, "why": "x"})
