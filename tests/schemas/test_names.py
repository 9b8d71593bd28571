"""Every name a form file uses is checked against its questions, wherever it is written."""

from __future__ import annotations

import textwrap

import pytest

from schemas import check_text

HEAD = """\
id: a-form
title: A form
applicant_email: email
schema:
  type: object
  properties:
    owner: {type: boolean, title: "Are you the owner?"}
    owner_permission: {type: string, title: Owner permission}
    email: {type: string, format: email}
    vehicles:
      type: array
      items:
        type: object
        properties:
          plate: {type: string}
    address:
      type: object
      properties:
        street: {type: string}
"""


def problems_with(extra: str, head: str = HEAD) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.message, p.severity) for p in check_text(with_extra(extra, head))]


def with_extra(extra: str, head: str = HEAD) -> str:
    return head + textwrap.indent(textwrap.dedent(extra), "  ")


@pytest.mark.parametrize(("extra", "wrong", "right"), [
    ("required: [ownr]\n", "ownr", "owner"),
    ("dependentRequired: {ownr: [email]}\n", "ownr", "owner"),
    ("dependentRequired: {owner: [emial]}\n", "emial", "email"),
    ("if: {properties: {ownr: {const: false}}}\nthen: {required: [owner_permission]}\n",
     "ownr", "owner"),
    ("if: {required: [ownr]}\nthen: {required: [owner_permission]}\n", "ownr", "owner"),
    ("if: {properties: {owner: {const: false}}}\nthen: {required: [owner_permision]}\n",
     "owner_permision", "owner_permission"),
    ("if: {properties: {owner: {const: false}}}\nelse: {required: [owner_permision]}\n",
     "owner_permision", "owner_permission"),
    ("if: {properties: {owner: {const: false}}}\n"
     "then: {properties: {owner_permision: {minLength: 3}}}\n",
     "owner_permision", "owner_permission"),
])
def test_unknown_names_in_the_schema_are_errors(extra, wrong, right):
    (problem,) = problems_with(extra)
    line, message, severity = problem
    assert severity == "error"
    assert f"`{wrong}`" in message
    assert f"Did you mean `{right}`?" in message
    lines = with_extra(extra).splitlines()
    assert line == next(n for n, text in enumerate(lines, 1) if wrong in text)


def test_required_inside_a_repeating_group_is_checked():
    head = HEAD.replace("          plate: {type: string}",
                        "          plate: {type: string}\n        required: [plat]")
    (problem,) = problems_with("", head)
    assert "`vehicles`" in problem[1] and "Did you mean `plate`?" in problem[1]
    assert problem[0] == head.splitlines().index("        required: [plat]") + 1


def test_required_inside_a_group_is_checked():
    head = HEAD + "      required: [stret]\n"
    (problem,) = problems_with("", head)
    assert "Did you mean `street`?" in problem[1]


def test_a_question_declared_only_in_then_is_not_a_misspelling():
    extra = ("if: {properties: {owner: {const: false}}}\n"
             "then: {properties: {landlord: {type: string, title: Landlord}}, "
             "required: [landlord]}\n")
    assert problems_with(extra) == []


def test_notify_entry_close_to_applicant_is_an_error():
    text = HEAD + "notify:\n  on_submit: [aplicant, public-works]\n"
    (problem,) = [(p.line, p.message) for p in check_text(text)]
    assert "Did you mean `applicant`?" in problem[1]
    assert problem[0] == len(text.splitlines())


def test_a_role_that_only_looks_like_a_word_is_left_alone():
    text = HEAD + "notify:\n  on_submit: [applicant, assessor, permits-desk]\n"
    assert check_text(text) == []
