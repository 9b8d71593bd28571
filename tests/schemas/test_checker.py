"""`check` explains every problem with the line a clerk should look at."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest
import yaml

from schemas import FormError, Problem, check, check_text, load, load_definition

BASE = """\
id: pothole-report
title: Report a pothole
reference_prefix: PW
applicant_email: email
schema:
  type: object
  required: [location, size, email]
  properties:
    location:
      type: string
      title: Where is the pothole?
      maxLength: 200
    size:
      type: string
      title: How big is it?
      enum: [small, medium, large]
    lanes_blocked:
      type: boolean
      title: Is it blocking a lane?
    amount:
      type: number
      title: Estimated cost
    email:
      type: string
      format: email
      title: Your email address
"""


def problems_for(text: str, name: str = "form.yaml") -> list[Problem]:
    return check_text(textwrap.dedent(text), name)


def only(problems: list[Problem]) -> Problem:
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, "\n".join(map(str, problems))
    return errors[0]


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def test_a_good_form_has_no_problems():
    assert problems_for(BASE) == []


def test_missing_required_key_names_it():
    problem = only(problems_for("id: x-form\nschema: {type: object, properties: {a: {}}}\n"))
    assert "needs `title`" in problem.message
    assert problem.line == 1


def two_pages(second: str) -> str:
    """BASE with a page "One" asking for location and size, and a page "Two" of ``second``."""
    return (BASE + "ui:\n  pages:\n    - title: One\n      fields: [location, size]\n"
            "    - title: Two\n" + textwrap.indent(second, "      "))


# A form with one mistake: the error says what (each of ``expected``), ``code`` is its kind and
# ``line`` a text on the line it points at (None: not asserted).
ONE_ERROR = [
    pytest.param(BASE + "titel_es: Reportar\nretension: 3 years\n",
                 ["`retension` is not a key", "Did you mean `retention`?"], "retension", None,
                 id="misspelt_top_level_key_suggests_the_right_one"),
    pytest.param(BASE + "open_from: 2027-05-01\nopen_until: 2027-01-01\n",
                 ["never be open"], "open_until", None, id="impossible_date_range"),
    pytest.param(BASE + "ui:\n  size:\n    widget: radios\n",
                 ["`widget: radios` is not one of", "Did you mean `radio`?"], "widget: radios",
                 None, id="unknown_widget_lists_the_choices"),
    pytest.param(BASE + "ui:\n  location:\n    widget: checkboxes\n",
                 ["does not suit `location`, which is a text question"], None, None,
                 id="widget_that_does_not_suit_the_question"),
    pytest.param(BASE + "ui:\n  size:\n    labels: {small: Small, huge: Huge}\n",
                 ["`huge`, which is not one of the choices of `size`"], "labels:", None,
                 id="labels_for_values_that_are_not_choices"),
    pytest.param(two_pages("fields: [size, lanes_blocked, amount, email]\n"),
                 ["`size` is on page 1 and page 2"], None, None, id="field_on_two_pages"),
    pytest.param(two_pages("when: lanes_blocked\nfields: [lanes_blocked, amount, email]\n"),
                 ["a page can depend only on answers given before it"], "when: lanes_blocked",
                 None, id="page_condition_on_a_later_answer"),
    pytest.param(BASE + "routing:\n  - step: Review\n    assign: dispatch\n    when: amount => 5\n",
                 ["`=>`"], "when:", None, id="condition_syntax_error"),
    pytest.param(BASE + "routing:\n  - step: Review\n    assign: dispatch\n    due: 2 fortnights\n",
                 ["like 4 hours, 2 days or 2 weeks"], None, None,
                 id="due_must_be_hours_days_or_weeks"),
    pytest.param(BASE.replace("applicant_email: email\n", "")
                 + "notify:\n  on_submit: [applicant]\n",
                 ["has no `applicant_email`"], "on_submit", None,
                 id="notify_applicant_without_applicant_email"),
    pytest.param(BASE.replace("applicant_email: email", "applicant_email: location"),
                 ["`location` should have `format: email`"], None, None,
                 id="applicant_email_must_be_an_email_question"),
    pytest.param(BASE.replace("maxLength: 200", "maxLength: 200\n      pattern: '^(a)\\1$'"),
                 ["refers back to an earlier part"], "pattern:", "unsafe_pattern",
                 id="pattern_the_safe_engine_cannot_run_is_refused"),
    pytest.param(BASE.replace("maxLength: 200", "maxLength: 200\n      pattern: '[A-Z'"),
                 ["missing a closing bracket `]`"], None, None, id="invalid_pattern_is_refused"),
    pytest.param((BASE + "  $defs:\n    a: {$ref: '#/$defs/b'}\n    b: {$ref: '#/$defs/a'}\n"
                  ).replace("      maxLength: 200", "      $ref: '#/$defs/a'"),
                 ["loop"], None, "ref_loop", id="ref_loop_is_refused"),
    pytest.param(textwrap.dedent("""\
        id: tree
        title: Tree
        schema:
          type: object
          properties:
            node: {$ref: '#/$defs/node'}
          $defs:
            node:
              type: object
              properties:
                name: {type: string}
                child: {$ref: '#/$defs/node'}
        """), [], "child:", "recursive_ref", id="recursive_group_is_refused"),
    pytest.param(BASE.replace("      maxLength: 200", "      $ref: '#/$defs/adress'"),
                 ["points at nothing"], None, None, id="missing_ref_target"),
    pytest.param(BASE.replace("type: number", "type: nubmer"),
                 ["`type: nubmer` is not a JSON Schema type", "Did you mean `number`?"],
                 "nubmer", None, id="unknown_schema_type_suggests_the_right_one"),
    pytest.param(BASE + "  dependencies:\n    lanes_blocked: [amount]\n",
                 ["`dependentRequired`"], None, "wrong_draft",
                 id="draft7_keyword_in_a_2020_12_form"),
    pytest.param(BASE + "title: Another title\n",
                 ["`title` is written twice"], "Another title", None,
                 id="duplicate_key_is_reported"),
    pytest.param("id: a-form\ntitle: A\nschema:\n  type: string\n  title: Name\n",
                 ["a single piece of text, not a set of questions"], None, None,
                 id="form_whose_schema_is_not_an_object"),
]


@pytest.mark.parametrize(("text", "expected", "line", "code"), ONE_ERROR)
def test_one_error_explained(text, expected, line, code):
    problem = only(problems_for(text))
    for words in expected:
        assert words in problem.message
    if code is not None:
        assert problem.code == code
    if line is not None:
        assert problem.line == line_of(text, line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("id: Pothole Report", "lower-case letters"),
        ("reference_prefix: pw1", "capital letters"),
        ("retention: forever", "like 90 days"),
        ("open_from: 1st of May", "YYYY-MM-DD"),
        ("languages: [en, Spanish]", "language code"),
    ],
)
def test_bad_values_get_a_hint(line, expected):
    key = line.split(":")[0]
    kept = [row for row in BASE.splitlines() if not row.startswith(key + ":")]
    text = "\n".join(kept) + f"\n{line}\n"
    problem = only(problems_for(text))
    assert expected in problem.message
    assert problem.line == line_of(text, line)


def test_unknown_ui_field_suggests_close_name():
    text = BASE + "ui:\n  loction:\n    hint: Street or intersection\n"
    problem = only(problems_for(text))
    assert problem.message == "`loction` is not a field of this form. Did you mean `location`?"
    assert problem.line == line_of(text, "loction")


def test_page_field_that_does_not_exist():
    text = BASE + textwrap.dedent("""\
        ui:
          pages:
            - title: Where
              fields: [location, sise]
            - title: About
              fields: [lanes_blocked, amount, email]
        """)
    problems = [p for p in problems_for(text) if p.severity == "error"]
    messages = [p.message for p in problems]
    assert "`sise` is not a field of this form. Did you mean `size`?" in messages
    assert not any("`size` is on no page" in m for m in messages), "said once, not twice"
    sise = next(p for p in problems if "sise" in p.message)
    assert sise.line == line_of(text, "sise")


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("amout > 5000", "`amout` is not a field of this form. Did you mean `amount`?"),
        ('amount > "lots"', "`amount` is a number"),
        ('size is "huge"', "can never hold"),
    ],
)
def test_routing_condition_problems(condition, expected):
    text = BASE + textwrap.dedent(f"""\
        routing:
          - step: Review
            assign: public-works-dispatch
            when: {condition!r}
        """)
    problem = only(problems_for(text))
    assert expected in problem.message
    assert problem.line == line_of(text, "when:")


def test_step_without_assignee_and_escalation_without_due():
    text = BASE + "routing:\n  - step: Review\n    escalate_to: chief\n"
    messages = [p.message for p in problems_for(text)]
    assert any("neither `assign` nor `all_of`" in m for m in messages)
    assert any("`escalate_to` but no `due`" in m for m in messages)


def test_due_in_weeks():
    text = BASE + "routing:\n  - step: Review\n    assign: dispatch\n    due: 2 weeks\n"
    assert problems_for(text) == []
    (step,) = load_definition(yaml.safe_load(text)).routing
    assert step.due == timedelta(days=14)


def test_missing_translation_for_declared_language():
    spanish = "title: Report a pothole\ntitle_es: Reportar un bache\nlanguages: [en, es]\n"
    text = BASE.replace("title: Report a pothole\n", spanish)
    problems = [p for p in problems_for(text) if p.code == "translation"]
    fields = {p.line for p in problems}
    assert line_of(text, "title: Where is the pothole?") in fields
    assert all("Spanish (es)" in p.message for p in problems)
    assert line_of(text, "title: Report a pothole") not in fields


def test_remote_ref_is_refused_without_network(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("checking touched the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    text = BASE.replace("      maxLength: 200",
                        "      $ref: 'https://example.org/address.json'")
    problem = only(problems_for(text))
    assert problem.code == "remote_ref"
    assert "points outside this file" in problem.message


def test_misspelt_schema_keyword_is_a_warning():
    text = BASE.replace("maxLength: 200", "maxLength: 200\n      descripton: Street")
    problems = problems_for(text)
    assert [p.severity for p in problems] == ["warning"]
    assert "Did you mean `description`?" in problems[0].message


def test_misspelt_rule_keyword_is_an_error():
    text = BASE.replace("maxLength: 200", "maxLenght: 200")
    problem = only(problems_for(text))
    assert problem.message.startswith("`location`: `maxLenght` is not a JSON Schema keyword")
    assert "Did you mean `maxLength`?" in problem.message


@pytest.mark.parametrize(
    ("text", "expected", "line", "column"),
    [
        ("id: x\ntitle: Note: bring ID\n", "put the whole text in quotes", 2, 12),
        ("id: x\nlabels: { small: Smaller? than, big }\n", None, 2, None),
        ("id: x\n\ttitle: Tabs\n", "tabs", 2, 1),
        ('id: x\ntitle: "unterminated\n', "never closed", None, None),
    ],
)
def test_yaml_syntax_errors_have_line_and_hint(text, expected, line, column):
    problem = only(problems_for(text))
    assert problem.code == "syntax"
    assert problem.message.startswith("This line is not valid YAML")
    assert "<" not in problem.message
    if expected:
        assert expected in problem.message
    if line:
        assert problem.line == line
    if column:
        assert problem.column == column


def test_json_syntax_error_has_line_and_column():
    problem = only(problems_for('{\n  "id": "x",\n  "title": "y",\n}\n', "form.json"))
    assert problem.code == "syntax"
    assert problem.line == 4
    assert "last item must not have a comma" in problem.message


def test_norway_problem_is_avoided():
    text = BASE + "ui:\n  size:\n    labels: {small: no, medium: yes, large: on}\n"
    form_problems = problems_for(text)
    assert form_problems == []


def test_load_returns_a_form_and_refuses_broken_ones(tmp_path):
    good = tmp_path / "pothole-report.yaml"
    good.write_text(BASE)
    form = load(good)
    assert form.id == "pothole-report"
    assert form.fields["size"].choices[2].value == "large"
    assert form.reference_prefix == "PW"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("type: number", "type: nubmer"))
    with pytest.raises(FormError) as raised:
        load(bad)
    assert raised.value.problems[0].code == "schema"


def test_check_reads_files(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(BASE)
    assert check(path) == []
    assert check(tmp_path / "missing.yaml")[0].code == "io"


@pytest.mark.parametrize("name", ["_add", "csrf_token", "key"])
def test_names_the_engine_uses_are_refused(name):
    text = BASE.replace("    lanes_blocked:", f"    {name}:")
    problem = only(problems_for(text))
    assert problem.code == "reserved_name"
    assert f"`{name}` cannot be a question's name" in problem.message
    assert problem.line == line_of(text, f"    {name}:")


def test_published_definitions_survive_stricter_rules():
    import yaml

    definition = yaml.safe_load(BASE.replace("    lanes_blocked:", "    _legacy:"))
    with pytest.raises(FormError):
        load_definition(definition)
    form = load_definition(definition, published=True)
    assert "_legacy" in form.fields


@pytest.mark.parametrize("change", [
    ("maxLength: 200", "maxLength: 200\n      minLength: 300"),
    ("maxLength: 200", "maxLength: 200\n      pattern: '^(?=x)x$'"),
    ("required: [location, size, email]", "required: [location, size, email, sise]"),
    ("format: email", "format: email\n      default: not-an-email"),
])
def test_published_definitions_load_despite_the_new_checks(change):
    definition = yaml.safe_load(BASE.replace(*change))
    with pytest.raises(FormError):
        load_definition(definition)
    form = load_definition(definition, published=True)
    assert "location" in form.fields
