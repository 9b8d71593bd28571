"""A question that several branches define, each with its own choices (``food`` is meat or grass
for a cat, insects or worms for a fish): the form knows every choice, and which of them the
answers allow is the branches' business, decided as JSON Schema decides it."""

from __future__ import annotations

from typing import Any

import checked_files
import pytest
from checked_files import accepted
from example_forms import every_example

from schemas import FormError, check_text, load, load_definition
from schemas.choice_rules import choice_rules, describe_choice, offered_choices


def branch(animal: str, food: list[str], **more: Any) -> dict[str, Any]:
    return {"if": {"properties": {"animal": {"const": animal}}, "required": ["animal"]},
            "then": {"properties": {"food": {"type": "string", "title": "Food", "enum": food},
                                    **more},
                     "required": ["food"]}}


def pets(*branches: dict[str, Any], routing: list[dict[str, Any]] | None = None,
         pages: bool = False, **properties: Any) -> Any:
    definition: dict[str, Any] = {
        "id": "pets", "title": "Pets",
        "schema": {"type": "object", "required": ["animal"],
                   "properties": {"animal": {"type": "string", "title": "Animal",
                                             "title_es": "Animal",
                                             "enum": ["Cat", "Fish", "Dog"]},
                                  **properties},
                   "allOf": list(branches)},
    }
    if pages:
        definition["ui"] = {"pages": [{"title": "Your pet", "fields": ["animal"]},
                                      {"title": "Its food", "fields": ["food"]}]}
    if routing:
        definition["routing"] = routing
    return load_definition(definition)


CAT = branch("Cat", ["meat", "grass"])
FISH = branch("Fish", ["insect", "worms"])


def values(choices: Any) -> list[Any]:
    return [c.value for c in choices]


def test_the_question_knows_the_choices_of_every_branch_in_order():
    form = pets(CAT, FISH)
    assert values(form.fields["food"].choices) == ["meat", "grass", "insect", "worms"]
    assert form.fields["food"].label_for("worms") == "worms"


def test_a_list_of_choices_defined_twice_knows_both_lists():
    def ticks(animal: str, foods: list[str]) -> dict[str, Any]:
        return {"if": {"properties": {"animal": {"const": animal}}, "required": ["animal"]},
                "then": {"properties": {"food": {
                    "type": "array", "uniqueItems": True,
                    "items": {"type": "string", "enum": foods}}}}}

    form = pets(ticks("Cat", ["meat", "grass"]), ticks("Fish", ["grass", "worms"]))
    food = form.fields["food"]
    assert food.kind == "multichoice"
    assert values(food.choices) == ["meat", "grass", "worms"]
    assert values(offered_choices(form, food, {"animal": "Fish"})) == ["grass", "worms"]


def test_a_second_definition_of_another_kind_adds_no_choices():
    other = {"if": {"properties": {"animal": {"const": "Fish"}}, "required": ["animal"]},
             "then": {"properties": {"food": {"type": "string", "title": "Food"}}}}
    form = pets(CAT, other)
    assert values(form.fields["food"].choices) == ["meat", "grass"]


@pytest.mark.parametrize(("answers", "expected"), [
    ({"animal": "Cat"}, ["meat", "grass"]),
    ({"animal": "Fish"}, ["insect", "worms"]),
    ({"animal": "Dog"}, ["meat", "grass", "insect", "worms"]),  # no branch: all, not none
    ({}, ["meat", "grass", "insect", "worms"]),
])
def test_the_answers_pick_the_choices_of_the_branch_that_applies(answers, expected):
    form = pets(CAT, FISH)
    assert values(offered_choices(form, form.fields["food"], answers)) == expected


def test_branches_that_apply_together_offer_only_what_they_all_allow():
    """JSON Schema holds an answer to every definition that applies: an unconditional list
    narrowed by a branch (``const`` in a ``then``) offers only what both allow."""
    narrowed = {"if": {"properties": {"animal": {"const": "Fish"}}, "required": ["animal"]},
                "then": {"properties": {"food": {"const": "worms"}}}}
    form = pets(narrowed, food={"type": "string", "enum": ["meat", "worms", "grass"]})
    food = form.fields["food"]
    assert values(offered_choices(form, food, {"animal": "Fish"})) == ["worms"]
    assert values(offered_choices(form, food, {"animal": "Cat"})) == ["meat", "worms", "grass"]
    rules = choice_rules(form, food)
    assert set(rules) == {"meat", "worms", "grass"}
    assert not rules["worms"].left_out_by and not rules["worms"].never
    assert rules["meat"].left_out_by and not rules["meat"].never


def test_a_choice_an_unconditional_definition_leaves_out_is_never_offered():
    narrower = {"properties": {"food": {"enum": ["meat"]}}}
    form = pets(CAT, narrower)
    rules = choice_rules(form, form.fields["food"])
    assert not rules["meat"].never
    assert rules["grass"].never


def test_questions_whose_choices_never_change_have_no_rules():
    form = pets(branch("Cat", ["meat", "grass"]), branch("Fish", ["grass", "meat"]))
    assert choice_rules(form, form.fields["food"]) == {}
    plain = pets(CAT)
    assert choice_rules(plain, plain.fields["food"]) == {}
    assert choice_rules(plain, plain.fields["animal"]) == {}


def test_each_choice_says_when_it_is_offered_in_plain_words():
    form = pets(CAT, FISH)
    food = form.fields["food"]
    rules = choice_rules(form, food)
    assert describe_choice(form, food, rules["meat"]) == \
        "Only if you answered “Cat” to “Animal”."
    assert describe_choice(form, food, rules["worms"], "es") == \
        "Solo si respondió “Fish” a “Animal”."
    narrowed = pets({"if": {"properties": {"animal": {"const": "Fish"}}, "required": ["animal"]},
                     "then": {"properties": {"food": {"const": "worms"}}}},
                    food={"type": "string", "title": "Food", "enum": ["meat", "worms"]})
    meat = choice_rules(narrowed, narrowed.fields["food"])["meat"]
    assert describe_choice(narrowed, narrowed.fields["food"], meat) == \
        "Not if you answered “Fish” to “Animal”."


def test_the_answers_check_refuses_a_choice_of_the_other_branch_by_its_question():
    form = pets(CAT, FISH)
    assert form.validate({"animal": "Fish", "food": "worms"}) == []
    [error] = form.validate({"animal": "Cat", "food": "worms"})
    assert error.path == "food" and "Food" in error.message


def test_routing_may_name_a_choice_of_any_branch_and_no_other():
    form = pets(CAT, FISH, routing=[{"step": "Aquarium", "assign": "clerk",
                                     "when": 'food is "worms"'}])
    assert form.routing
    with pytest.raises(FormError, match="can only be"):
        pets(CAT, FISH, routing=[{"step": "Aquarium", "assign": "clerk",
                                  "when": 'food is "bones"'}])


@pytest.mark.parametrize("where", ["dependentSchemas", "oneOf"])
def test_alternatives_that_each_pick_one_of_the_choices_take_none_away(where):
    """rjsf's dependencies + oneOf: each alternative narrows the question to the answer that
    selects it. One alternative is enough, so no answer takes the other choices away."""
    alternatives = [
        {"properties": {"pets": {"enum": ["No"]}}},
        {"properties": {"pets": {"enum": ["One"]},
                        "name": {"type": "string", "title": "Its name"}}},
        {"properties": {"pets": {"enum": ["Many"]},
                        "count": {"type": "integer", "title": "How many"}}},
    ]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"pets": {"type": "string", "title": "Any pets?",
                                "enum": ["No", "One", "Many"]}}}
    if where == "oneOf":
        schema["oneOf"] = alternatives
    else:
        schema["dependentSchemas"] = {"pets": {"oneOf": alternatives}}
    form = load_definition({"id": "pets", "title": "Pets", "schema": schema})
    pets_field = form.fields["pets"]
    assert choice_rules(form, pets_field) == {}
    assert values(offered_choices(form, pets_field, {"pets": "One"})) == ["No", "One", "Many"]


def test_a_branch_that_reads_the_questions_own_answer_takes_no_choice_away():
    own = {"if": {"properties": {"food": {"const": "meat"}}, "required": ["food"]},
           "then": {"properties": {"food": {"enum": ["meat", "grass"]}}}}
    form = pets(own, food={"type": "string", "title": "Food", "enum": ["meat", "grass", "fish"]})
    assert choice_rules(form, form.fields["food"]) == {}
    assert values(offered_choices(form, form.fields["food"], {"food": "meat"})) == [
        "meat", "grass", "fish"]


def every_form() -> list[Any]:
    forms = list(every_example().values())
    for path in accepted(checked_files.CORPUS):
        forms.append(load(path))
    return forms


def test_no_answer_ever_takes_away_the_choice_it_is():
    """Over every example and every peer schema the checker accepts: a choice question's rules
    never read its own answer, and whatever a top-level question is answered, that answer is
    still among its choices (a resident can always keep, and change, what they picked)."""
    checked = 0
    for form in every_form():
        for field in form.fields.values():
            if not field.choices:
                continue
            for rule in choice_rules(form, field).values():
                for chain in (*rule.offered_by, *rule.left_out_by):
                    for clause in chain:
                        assert all(t.path[0] != field.name for t in clause.tests or ()), \
                            (form.id, field.path)
            if field.parent is None and field.kind == "choice":
                for choice in field.choices:
                    offered = offered_choices(form, field, {field.name: choice.value})
                    assert choice in offered, (form.id, field.path, choice.value)
                    checked += 1
    assert checked > 100


# --- What the checker says about a question defined again -----------------------------------


REDEFINED = """\
id: licence
title: Business licence
schema:
  type: object
  properties:
    kind: {type: string, title: "Who applies?", enum: [person, company]}
  if: {properties: {kind: {const: company}}, required: [kind]}
  then:
    properties:
      name: {type: string, title: Company name}
      staff: {type: integer, title: Employees}
  else:
    properties:
      name: {type: string, title: Your full name}
      staff: {type: boolean, title: Employees}
"""


def test_a_question_defined_again_under_another_title_or_kind_is_pointed_out():
    """The form asks a question from its first definition: the author is told, on the line of
    the other one, what residents will see instead (a warning: the form still works)."""
    problems = {p.field: p for p in check_text(REDEFINED, "licence.yaml")}
    name, staff = problems["name"], problems["staff"]
    assert (name.severity, name.code, name.line) == ("warning", "redefined", 14)
    assert "“Your full name” here, but “Company name” where it is first defined" in name.message
    assert (staff.severity, staff.line) == ("warning", 15)
    assert "a yes/no question here, but a whole number where it is first defined" in \
        staff.message
    assert len(problems) == 2


def test_the_same_question_repeated_in_each_branch_is_not_a_mistake():
    same = REDEFINED.replace("Your full name", "Company name").replace(
        "staff: {type: boolean", "staff: {type: integer")
    assert check_text(same, "licence.yaml") == []


# --- Choices picked by oneOf/anyOf alternatives --------------------------------------------


def by_alternative(where: str, unconditional: list[str] | None = None) -> Any:
    """rjsf's dependent dropdown: the alternative that ``animal`` picks lists ``food``'s
    choices (``where``: Draft 7 ``dependencies``, ``dependentSchemas`` or a plain ``oneOf``)."""
    alternatives = [
        {"properties": {"animal": {"enum": ["Cat"]},
                        "food": {"type": "string", "title": "Food", "enum": ["meat", "grass"]}}},
        {"properties": {"animal": {"enum": ["Fish"]},
                        "food": {"type": "string", "title": "Food",
                                 "enum": ["insect", "worms"]}}},
    ]
    schema: dict[str, Any] = {"type": "object", "properties": {
        "animal": {"type": "string", "title": "Animal", "enum": ["Cat", "Fish"]}}}
    if unconditional is not None:
        schema["properties"]["food"] = {"type": "string", "title": "Food",
                                        "enum": unconditional}
    if where == "oneOf":
        schema["oneOf"] = alternatives
    else:
        schema[where] = {"animal": {"oneOf": alternatives}}
    if where == "dependencies":
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return load_definition({"id": "pets", "title": "Pets", "schema": schema})


@pytest.mark.parametrize("where", ["dependencies", "dependentSchemas", "oneOf"])
def test_the_alternative_an_answer_picks_lists_the_choices(where):
    form = by_alternative(where)
    food = form.fields["food"]
    assert values(food.choices) == ["meat", "grass", "insect", "worms"]
    assert values(offered_choices(form, food, {"animal": "Fish"})) == ["insect", "worms"]
    assert values(offered_choices(form, food, {"animal": "Cat"})) == ["meat", "grass"]
    rules = choice_rules(form, food)
    assert rules["meat"].among_alternatives and rules["meat"].picked_by
    assert not rules["meat"].never
    assert describe_choice(form, food, rules["worms"]) == \
        "Only if you answered “Fish” to “Animal”."


def test_alternatives_narrow_a_list_given_outside_them():
    form = by_alternative("oneOf", unconditional=["meat", "grass", "insect", "worms", "bones"])
    food = form.fields["food"]
    assert values(offered_choices(form, food, {"animal": "Fish"})) == ["insect", "worms"]
    assert choice_rules(form, food)["bones"].never  # no alternative allows it


@pytest.mark.parametrize("where", ["dependencies", "dependentSchemas", "oneOf"])
def test_a_choice_of_another_alternative_is_blamed_on_its_own_question(where):
    """The branch whose one-value ``enum`` the answers agree with is the one the resident
    picked: a fish's owner who picks meat is told about the food, not about the animal."""
    form = by_alternative(where)
    for answers in ({"animal": "Fish", "food": "meat"}, {"animal": "Cat", "food": "worms"}):
        [error] = form.validate(answers)
        assert (error.path, error.message) == ("food", "Select one of the options for “Food”")
    assert form.validate({"animal": "Fish", "food": "worms"}) == []
