"""Steps' own fields and computed values in the form language (issue 15)."""

from __future__ import annotations

import pytest
import yaml

import schemas
from schemas.checker import check_text
from schemas.conditions import ConditionError, parse_expression

FORM = """
id: office-test
title: Office test
schema:
  type: object
  properties:
    attendees: { type: integer, title: Attendees }
    lanes_blocked: { type: boolean, title: Lanes blocked }
    name: { type: string, title: Name }
routing:
  - step: Inspection
    assign: inspectors
    fields:
      inspection_date: { type: string, format: date, title: Date inspected }
      result: { title: Result, enum: [pass, fail] }
      score: { type: integer, title: Score }
    required_to_approve: [inspection_date, result]
    show_resident: true
  - step: Re-inspection
    when: Inspection.result is "fail"
    assign: inspectors
computed:
  fee: { title: Fee, from: lanes_blocked, table: { true: 150, false: 75 } }
  total: attendees * 2 + 50
"""


def messages(text: str) -> list[str]:
    return [p.message for p in check_text(text) if p.severity == "error"]


def test_a_step_with_fields_loads_into_the_form() -> None:
    form = schemas.load_definition(yaml.safe_load(FORM))
    step = form.routing[0]
    assert list(step.fields) == ["inspection_date", "result", "score"]
    assert step.required_to_approve == ("inspection_date", "result")
    assert step.show_resident and step.key == "Inspection"
    assert set(form.step_fields()) == {"Inspection.inspection_date", "Inspection.result",
                                       "Inspection.score"}
    assert form.step_fields(before=0) == {}


def test_later_steps_read_the_fields_entered_earlier() -> None:
    form = schemas.load_definition(yaml.safe_load(FORM))
    when = form.routing[1].when
    assert when is not None
    assert when.evaluate(form.facts({}, {0: {"result": "fail"}}))
    assert not when.evaluate(form.facts({}, {0: {"result": "pass"}}))
    assert not when.evaluate(form.facts({}, {}))


def test_approving_needs_required_to_approve_and_a_return_does_not() -> None:
    form = schemas.load_definition(yaml.safe_load(FORM))
    step = form.routing[0]
    assert {e.path for e in step.validate({}, approving=True)} == {"inspection_date", "result"}
    assert step.validate({}, approving=False) == []
    assert [e.path for e in step.validate({"result": "maybe"}, approving=False)] == ["result"]


def test_computed_values_from_a_table_and_arithmetic() -> None:
    form = schemas.load_definition(yaml.safe_load(FORM))
    assert form.computed_values({"lanes_blocked": True, "attendees": 10}) == {
        "fee": 150, "total": 70}
    assert form.computed_values({"lanes_blocked": False}) == {"fee": 75}


@pytest.mark.parametrize(("change", "expected"), [
    (('Inspection.result is "fail"', 'Inspection.reslt is "fail"'),
     "`Inspection.reslt` is not a field of this form. Did you mean `Inspection.result`?"),
    (('Inspection.result is "fail"', "Inspection.result > 3"),
     "`Inspection.result` is text, so `>` cannot be used with it."),
    (('Inspection.result is "fail"', 'Inspection.result is "failed"'),
     'Did you mean "fail"?'),
    (("required_to_approve: [inspection_date, result]",
      "required_to_approve: [inspection_date, reslt]"),
     "`reslt` is in `required_to_approve`, but step “Inspection” has no field called `reslt`. "
     "Did you mean `result`?"),
    (("- step: Inspection", "- step: name"), "`name` is also a question"),
    (("score: { type: integer", "comment: { type: integer"), "`comment` cannot name a step"),
    (("attendees * 2 + 50", "attendes * 2 + name"), "Did you mean `attendees`?"),
    (("attendees * 2 + 50", "attendees * 2 + name"), "`name` is text, so it cannot be used in "
     "arithmetic"),
    (("attendees * 2 + 50", "attendees * (2 + 50"), "is never closed"),
    (("{ true: 150, false: 75 }", "{ yes: 150, false: 75 }"), "table, but `lanes_blocked`"),
    (("  total:", "  name:"), "`computed.name` has the name of a question"),
    (("    assign: inspectors\n    fields:",
      "    assign: inspectors\n    when: Inspection.score > 2\n    fields:"),
     "which is entered at this step or a later one"),
])
def test_check_explains_mistakes_with_step_fields(change: tuple[str, str], expected: str
                                                  ) -> None:
    text = FORM.replace(*change)
    assert text != FORM
    assert any(expected in message for message in messages(text)), messages(text)


def test_the_example_form_checks() -> None:
    assert messages(FORM) == []


@pytest.mark.parametrize(("text", "value"), [
    ("attendees * 2 + 50", 70), ("(attendees + 2) / 4", 3), ("attendees - -2", 12),
    ("attendees / 0", None), ("missing * 2", None), ("10/4", 2.5), ("0.1 + 0.2", 0.3),
])
def test_arithmetic_is_interpreted_never_run(text: str, value: object) -> None:
    assert parse_expression(text).evaluate({"attendees": 10}) == value


@pytest.mark.parametrize("text", ["__import__('os')", "attendees ** 2", "2 +", "a b",
                                  "attendees > 2", "", "(" * 60 + "1" + ")" * 60])
def test_anything_but_arithmetic_is_refused(text: str) -> None:
    with pytest.raises(ConditionError):
        parse_expression(text)


def test_conditions_may_compare_computed_values() -> None:
    assert messages(FORM.replace('Inspection.result is "fail"', "fee > 100 and total >= 70")) \
        == []
    assert "Did you mean `total`?" in " ".join(
        messages(FORM.replace('Inspection.result is "fail"', "totl > 3")))


def test_notify_may_name_a_steps_email_field() -> None:
    with_email = FORM.replace(
        "      score: { type: integer, title: Score }",
        "      score: { type: integer, title: Score }\n"
        "      crew: { type: string, format: email, title: Crew email }")
    assert messages(with_email + "notify:\n  on_decision: [Inspection.crew]\n") == []
    assert "Did you mean `Inspection.crew`?" in " ".join(
        messages(with_email + "notify:\n  on_decision: [Inspection.crw]\n"))
    assert "must be a step field with `format: email`" in " ".join(
        messages(with_email + "notify:\n  on_decision: [Inspection.score]\n"))
