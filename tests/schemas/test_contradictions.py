"""A schema that contradicts itself is an error: no resident could ever give the answer."""

from __future__ import annotations

import textwrap

import pytest
from form_definitions import form_yaml

from schemas import check_text


def problems_for(question: str) -> list[str]:
    text = form_yaml("answer:\n" + textwrap.indent(textwrap.dedent(question), "  "))
    return [p.message for p in check_text(text) if p.severity == "error"]


@pytest.mark.parametrize(("question", "words"), [
    ("{type: string, enum: [a, b], const: c}", "`const: c` is not one of its own choices"),
    ("{type: boolean, const: \"no\"}", "`const: no` is not a yes/no answer"),
    ("{type: number, minimum: 10, maximum: 5}", "`minimum` (10) is above `maximum` (5)"),
    ("{type: number, exclusiveMinimum: 5, maximum: 5}", "`exclusiveMinimum` (5)"),
    ("{type: string, minLength: 9, maxLength: 2}", "`minLength` (9) is above `maxLength` (2)"),
    ("{type: array, items: {type: string}, minItems: 3, maxItems: 1}",
     "`minItems` (3) is above `maxItems` (1)"),
    ("{type: integer, minimum: 1, default: 0}", "`default: 0` is refused by the question"),
    ("{type: string, pattern: '^[0-9]{5}$', examples: ['1234', '12345']}",
     "`examples` has `1234`, which the question itself refuses"),
    ("{type: string, enum: [small, large, small]}", "`enum` lists `small` twice"),
    ("{type: string, oneOf: [{const: a, title: A}, {const: a, title: B}]}",
     "`oneOf` lists `a` twice"),
    ("{type: string, format: date, after: today, before: today}",
     "`after: today` and `before: today` leave no date"),
])
def test_contradictions_are_errors(question, words):
    (message,) = problems_for(question)
    assert message.startswith("`answer`: ")
    assert words in message


@pytest.mark.parametrize("question", [
    "{type: string, enum: [a, b], const: a}",
    "{type: boolean, const: true}",
    "{type: number, minimum: 5, maximum: 5}",
    "{type: integer, minimum: 1, default: 1, examples: [2, 3]}",
    "{type: string, format: email, default: ''}",
])
def test_consistent_questions_pass(question):
    assert problems_for(question) == []
