"""One run of `check` shows every problem, each naming its line and its field."""

from __future__ import annotations

import textwrap

import pytest

from schemas import check_text

NINE_MISTAKES = """\
id: street-repair
title: Street repair
retension: 3 years
applicant_email: email
schema:
  type: object
  required: [adress, email]
  properties:
    street:
      type: text
      title: Street
    address:
      type: string
      title: Address
    amount:
      type: number
      minimum: 10
      maximum: 5
    size:
      type: string
      enum: [small, large, small]
    owner:
      type: boolean
    owner_permission:
      type: string
    email:
      type: string
      format: email
  if: {properties: {owner: {const: false}}}
  then: {required: [owner_permision]}
ui:
  sise:
    widget: radio
  pages:
    - title: One
      fields: [street, address, amount, size, owner, owner_permission, emial]
notify:
  on_submit: [aplicant]
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_nine_mistakes_give_nine_messages_in_one_run():
    problems = check_text(NINE_MISTAKES)
    found = {(p.line, p.message) for p in problems}
    expected = [
        ("retension", "Did you mean `retention`?"),
        ("type: text", "`street`: `type: text` is not a JSON Schema type"),
        ("required: [adress", "Did you mean `address`?"),
        ("minimum: 10", "`amount`: `minimum` (10) is above `maximum` (5)"),
        ("enum: [small, large, small]", "`size`: `enum` lists `small` twice"),
        ("then: {required", "Did you mean `owner_permission`?"),
        ("sise:", "Did you mean `size`?"),
        ("fields: [street", "Did you mean `email`?"),
        ("on_submit: [aplicant]", "Did you mean `applicant`?"),
    ]
    for needle, words in expected:
        line = line_of(NINE_MISTAKES, needle)
        assert any(line == at and words in message for at, message in found), (needle, problems)
    assert len(problems) == 9, "\n".join(map(str, problems))
    assert all(p.severity == "error" for p in problems)


def test_a_broken_layout_does_not_hide_the_schemas_problems():
    text = NINE_MISTAKES.replace("retension: 3 years", "retention: forever\nkeywords: road")
    messages = [p.message for p in check_text(text)]
    assert any("`retention: forever`" in m for m in messages)
    assert any("`keywords`" in m for m in messages)
    assert any("`type: text`" in m for m in messages)


def test_a_ui_that_is_a_list_is_one_problem_not_a_crash():
    text = NINE_MISTAKES.split("ui:")[0] + "ui: [size]\n"
    messages = [p.message for p in check_text(text)]
    assert any("`ui`" in m for m in messages)
    assert any("Did you mean `address`?" in m for m in messages)


@pytest.mark.parametrize(("schema_line", "words"), [
    ("type: file", "write `type: string` and `format: file`"),
    ("type: text", "Use string, number, integer, boolean, object or array. Did you mean "
                   "`string`?"),
    ("type: int", "Did you mean `integer`?"),
])
def test_a_wrong_type_says_what_to_write(schema_line, words):
    text = textwrap.dedent(f"""\
        id: photo-form
        title: Photo
        schema:
          type: object
          properties:
            photo:
              {schema_line}
        """)
    problems = check_text(text)
    assert len(problems) == 1, problems
    assert problems[0].message.startswith("`photo`: ")
    assert words in problems[0].message
    assert problems[0].field == "photo"
    assert problems[0].line == 7


def test_messages_about_a_nested_question_name_its_dotted_path():
    text = textwrap.dedent("""\
        id: cars-form
        title: Cars
        schema:
          type: object
          properties:
            vehicles:
              type: array
              items:
                type: object
                properties:
                  plate:
                    type: string
                    minLength: 9
                    maxLength: 2
        """)
    (problem,) = check_text(text)
    assert problem.message.startswith("`vehicles.plate`: `minLength` (9) is above `maxLength` (2)")
    assert problem.line == 13


@pytest.mark.parametrize(("text", "line", "words"), [
    ("id: a-form\ntitle: A\nschema:\n  type: object\n    properties: {}\n", 5,
     "Line 5 is indented more than the line above it"),
    ("id: a-form\ntitle: A\nschema:\n  type: object\n  properties:\n    a:\n      type: string\n"
     "     title: A\n", 8, "Line 8 is indented differently"),
])
def test_yaml_messages_say_what_to_do_without_parser_words(text, line, words):
    (problem,) = check_text(text)
    assert problem.line == line
    assert words in problem.message
    assert "<" not in problem.message, problem.message


def test_a_misspelt_required_is_an_error_not_a_warning():
    text = textwrap.dedent("""\
        id: a-form
        title: A
        schema:
          type: object
          requried: [name]
          properties:
            name: {type: string}
        """)
    (problem,) = check_text(text)
    assert problem.severity == "error"
    assert "Did you mean `required`?" in problem.message


def test_a_misspelt_description_stays_a_warning():
    text = textwrap.dedent("""\
        id: a-form
        title: A
        schema:
          type: object
          properties:
            name: {type: string, descripton: Your name}
        """)
    (problem,) = check_text(text)
    assert problem.severity == "warning"
    assert problem.message.startswith("`name`: ")
