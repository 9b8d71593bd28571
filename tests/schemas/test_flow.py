"""Which questions apply and which page comes next: the server's own reading of the branches."""

from __future__ import annotations

import gc
from pathlib import Path

import checked_files
import pytest
from checked_files import accepted
from example_forms import every_example
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import flow, load, load_definition

ROOT = Path(__file__).parents[2]
FORMS = every_example()
CORPUS = accepted(checked_files.CORPUS)


def form(name):
    return FORMS[name]


# --- applicable_answers ---------------------------------------------------------------------------


def test_then_questions_are_dropped_when_if_fails():
    pothole = form("pothole-report")
    answers = {"location": "Main St", "size": "small", "lanes_blocked": True}
    assert flow.applicable_answers(pothole, answers) == {"location": "Main St", "size": "small"}
    assert answers["lanes_blocked"] is True, "the caller's answers are not changed"
    large = {**answers, "size": "large"}
    assert flow.applicable_answers(pothole, large) == large


def test_then_questions_are_dropped_when_the_if_answer_is_missing():
    pothole = form("pothole-report")
    assert flow.applicable_answers(pothole, {"lanes_blocked": False}) == {}


def test_else_questions_apply_when_if_fails():
    building = form("building-permit")
    owner = {"applicant_role": "owner", "owner_builder": ["will_do_work"],
             "contractor_license": "CBC123456"}
    assert flow.applicable_answers(building, owner) == {
        "applicant_role": "owner", "owner_builder": ["will_do_work"]}
    contractor = {**owner, "applicant_role": "contractor"}
    assert flow.applicable_answers(building, contractor) == {
        "applicant_role": "contractor", "contractor_license": "CBC123456"}


def test_dependent_schemas_apply_while_their_key_is_answered():
    renewal = form("business-license-renewal")
    answers = {"location_change_date": "2026-02-01", "home_based": False}
    assert flow.applicable_answers(renewal, answers) == {}
    moved = {**answers, "new_location": "1 Elm St", "changes": ["location"]}
    assert flow.applicable_answers(renewal, moved) == moved


def test_nested_if_on_a_group_answer():
    dog = form("dog-license")
    answers = {"dog": {"name": "Rex", "spayed_neutered": False}, "neuter_certificate": "att_1"}
    assert flow.applicable_answers(dog, answers) == {"dog": {"name": "Rex",
                                                             "spayed_neutered": False}}
    yes = {"dog": {"spayed_neutered": True}, "neuter_certificate": "att_1"}
    assert flow.applicable_answers(dog, yes) == yes


def test_allof_branches_each_decide_their_own_questions():
    smoke = form("smoke-alarm-request")
    answers = {"hearing_loss": False, "strobe_alarm": "strobe",
               "home": {"ownership": "rent"}, "landlord_permission": True}
    assert flow.applicable_answers(smoke, answers) == {
        "hearing_loss": False, "home": {"ownership": "rent"}, "landlord_permission": True}


def test_dropping_one_answer_turns_off_what_depended_on_it():
    records = form("public-records-request")
    answers = {"format": "inspect", "delivery": "mail",
               "mailing_address": {"street": "1 Elm"}, "requester_name": "Ann"}
    assert flow.applicable_answers(records, answers) == {"format": "inspect",
                                                         "requester_name": "Ann"}
    copies = {**answers, "format": "paper"}
    assert flow.applicable_answers(records, copies) == copies


def test_answers_on_skipped_pages_are_dropped():
    event = form("special-event-permit")
    answers = {"street_closure": False, "closure_streets": "Main", "alcohol": True,
               "alcohol_license": "applied"}
    assert flow.applicable_answers(event, answers) == {
        "street_closure": False, "alcohol": True, "alcohol_license": "applied"}
    renewal = form("business-license-renewal")
    skipped = {"changes": [], "new_business_name": "New", "name_change_date": "2026-01-01"}
    assert flow.applicable_answers(renewal, skipped) == {"changes": []}


INLINE = {
    "id": "inline",
    "title": "Inline",
    "schema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "people": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                    "if": {"properties": {"age": {"minimum": 18}}, "required": ["age"]},
                    "then": {"properties": {"job": {"type": "string"}}},
                    "else": {"properties": {"school": {"type": "string"}}},
                },
            },
            "animal": {"enum": ["Cat", "Fish"]},
            "kind": {"type": "string"},
        },
        "allOf": [
            {"if": {"properties": {"animal": {"const": "Cat"}}},
             "then": {"properties": {"food": {"enum": ["meat", "fish"]}}}},
            {"if": {"properties": {"animal": {"const": "Fish"}}},
             "then": {"properties": {"food": {"enum": ["worms"]},
                                     "water": {"enum": ["lake", "sea"]}}}},
        ],
        "dependencies": {
            "kind": {"oneOf": [
                {"properties": {"kind": {"enum": ["a"]}, "alpha": {"type": "string"}}},
                {"properties": {"kind": {"enum": ["b"]}, "beta": {"type": "string"}}},
            ]},
        },
    },
}


def test_branches_inside_repeating_group_items_decide_per_item():
    inline = load_definition(INLINE)
    answers = {"people": [{"name": "Ann", "age": 40, "job": "nurse", "school": "x"},
                          {"name": "Bo", "age": 9, "job": "y", "school": "Elm Primary"}]}
    assert flow.applicable_answers(inline, answers) == {"people": [
        {"name": "Ann", "age": 40, "job": "nurse"},
        {"name": "Bo", "age": 9, "school": "Elm Primary"}]}
    assert flow.visible_at(inline, "people.0.job", answers)
    assert not flow.visible_at(inline, "people.1.job", answers)
    assert flow.visible(inline, inline.fields["people.job"], answers), "applies to an item"


def test_a_property_in_several_branches_applies_when_any_does():
    inline = load_definition(INLINE)
    assert flow.applicable_answers(inline, {"animal": "Fish", "food": "worms"}) == {
        "animal": "Fish", "food": "worms"}
    assert flow.applicable_answers(inline, {"animal": "Cat", "water": "sea"}) == {
        "animal": "Cat"}


def test_alternatives_apply_by_what_they_say_about_questions_outside_them():
    inline = load_definition(INLINE)
    assert flow.applicable_answers(inline, {"kind": "a", "alpha": "1", "beta": "2"}) == {
        "kind": "a", "alpha": "1"}
    assert flow.applicable_answers(inline, {"alpha": "1"}) == {}


def test_keys_the_schema_does_not_declare_are_left_for_jsonschema():
    pothole = form("pothole-report")
    assert flow.applicable_answers(pothole, {"unknown": 1}) == {"unknown": 1}


@pytest.mark.parametrize("answers", [None, [], "text", {"size": ["odd"]}, {"dog": "x"},
                                     {"people": "x"}, {"people": [1, None, "x"]}])
def test_odd_answers_never_raise(answers):
    for each in [*FORMS.values(), load_definition(INLINE)]:
        assert isinstance(flow.applicable_answers(each, answers), dict)
        assert isinstance(flow.active_pages(each, answers), list)


def test_deeply_nested_answers_never_raise():
    deep: dict = {}
    node = deep
    for _ in range(500):
        node["dog"] = {}
        node = node["dog"]
    assert isinstance(flow.applicable_answers(form("dog-license"), deep), dict)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=10)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_peer_corpus_forms_never_raise(path, data):
    corpus_form = load(path)
    names = st.sampled_from([*corpus_form.fields, "x"])
    answers = data.draw(st.dictionaries(names, JSON, max_size=6))
    cleaned = flow.applicable_answers(corpus_form, answers)
    assert set(cleaned) <= set(answers)
    assert flow.applicable_answers(corpus_form, cleaned) == cleaned
    for question in corpus_form.fields.values():
        flow.visible(corpus_form, question, answers)
        flow.describe_branch(corpus_form, question, "en")


# --- Pages ----------------------------------------------------------------------------------------


def test_active_pages_skip_pages_whose_when_fails():
    event = form("special-event-permit")
    assert flow.active_pages(event, {}) == [0, 1, 2, 3, 7, 8]
    assert flow.active_pages(event, {"street_closure": True, "alcohol": True}) == [
        0, 1, 2, 3, 4, 6, 7, 8]


def test_next_and_previous_page_skip_pages_whose_when_fails():
    event = form("special-event-permit")
    answers = {"street_closure": False, "amplified_sound": True, "alcohol": False}
    assert flow.next_page(event, 3, answers) == 5
    assert flow.next_page(event, 5, answers) == 7
    assert flow.previous_page(event, 7, answers) == 5
    assert flow.previous_page(event, 5, answers) == 3
    assert flow.next_page(event, 8, answers) is None
    assert flow.previous_page(event, 0, answers) is None


def test_stale_answers_on_skipped_pages_turn_no_page_on():
    records = form("public-records-request")
    stale = {"format": "inspect", "delivery": "mail"}
    assert flow.next_page(records, 2, stale) == 5
    assert flow.previous_page(records, 5, stale) == 2
    assert flow.next_page(records, 3, {"format": "paper", "delivery": "mail"}) == 4


def test_pages_with_dotted_conditions():
    dog = form("dog-license")
    assert flow.next_page(dog, 1, {"dog": {"spayed_neutered": True}}) == 2
    assert flow.next_page(dog, 1, {"dog": {"spayed_neutered": False}}) == 3


def test_one_page_forms():
    smoke = form("smoke-alarm-request")
    assert flow.active_pages(smoke, {}) == [0]
    assert flow.next_page(smoke, 0, {}) is None
    assert flow.page_of(smoke, "home.address.zip") == 0


def test_visible_needs_the_page_and_the_branch():
    event = form("special-event-permit")
    streets = event.fields["closure_streets"]
    assert not flow.visible(event, streets, {"street_closure": False})
    assert flow.visible(event, streets, {"street_closure": True})
    assert flow.visible(event, event.fields["event_name"], {})
    records = form("public-records-request")
    assert not flow.visible(records, records.fields["mailing_address.street"],
                            {"format": "paper", "delivery": "email"})
    assert flow.visible(records, records.fields["mailing_address.street"],
                        {"format": "paper", "delivery": "mail"})


# --- Words ----------------------------------------------------------------------------------------


def test_describe_branch_in_plain_words():
    pothole = form("pothole-report")
    assert flow.describe_branch(pothole, pothole.fields["lanes_blocked"], "en") == (
        "Answer only if you answered “About as wide as a car tire” or “Wider than a car tire”"
        " to “How big is it?”.")
    assert flow.describe_branch(pothole, pothole.fields["size"], "en") is None


def test_describe_branch_for_booleans_else_and_dependencies():
    event = form("special-event-permit")
    assert flow.describe_branch(event, event.fields["alcohol_plan"], "en") == (
        "Answer only if you answered “Yes” to “Will alcohol be sold or served?”.")
    building = form("building-permit")
    assert flow.describe_branch(building, building.fields["owner_builder"], "en") == (
        "Answer only if you did not answer “I am the contractor” to “Are you the property "
        "owner or the contractor?”.")
    renewal = form("business-license-renewal")
    assert flow.describe_branch(renewal, renewal.fields["home_based"], "en") == (
        "Answer only if you answered “What is the new business address in the city? "
        "(optional)”.")


def test_describe_branch_for_nested_groups_and_numbers():
    dog = form("dog-license")
    assert flow.describe_branch(dog, dog.fields["neuter_certificate"], "en") == (
        "Answer only if you answered “Yes” to “Is your dog spayed or neutered?”.")
    inline = load_definition(INLINE)
    assert flow.describe_branch(inline, inline.fields["people.job"], "en") == (
        "Answer only if your answer to “Age” is 18 or more.")
    assert flow.describe_branch(inline, inline.fields["people.school"], "en") == (
        "Answer only if your answer to “Age” is less than 18.")
    assert flow.describe_branch(inline, inline.fields["food"], "en") == (
        "Answer only if you answered “Cat” to “Animal” or you answered “Fish” to “Animal”.")


def test_describe_branch_translates():
    pothole = form("pothole-report")
    text = flow.describe_branch(pothole, pothole.fields["lanes_blocked"], "es")
    assert "“Más ancho que una llanta”" in text and "“¿Qué tamaño tiene?”" in text


def test_describe_branch_gives_up_on_what_it_cannot_say():
    odd = load_definition({"id": "odd", "title": "Odd", "schema": {
        "type": "object", "properties": {"a": {"type": "string"}},
        "if": {"properties": {"a": {"pattern": "^x"}}},
        "then": {"properties": {"b": {"type": "string"}}}}})
    assert flow.describe_branch(odd, odd.fields["b"], "en") is None
    rule = flow.branch_rule(odd, odd.fields["b"])
    assert rule is not None and rule[0][0].tests is None


def test_branch_rules_as_simple_tests():
    pothole = form("pothole-report")
    rule = flow.branch_rule(pothole, pothole.fields["lanes_blocked"])
    assert rule == ((flow.Clause((flow.Test(("size",), "in", ("medium", "large"), True),)),),)
    assert flow.branch_rule(pothole, pothole.fields["location"]) is None


def test_a_dropped_form_is_forgotten():
    before = len(flow._CACHE)
    temporary = load_definition(INLINE)
    flow.applicable_answers(temporary, {})
    assert len(flow._CACHE) == before + 1
    del temporary
    gc.collect()
    assert len(flow._CACHE) == before
