"""Posted strings back to typed answers: round trips, add/remove, and tampering that never
raises."""

from __future__ import annotations

from pathlib import Path

import pytest
import wtforms
from example_forms import every_example
from html_checks import Page, PostData, sample_answers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.csrf.session import SessionCSRF

from renderers.html import render_questions
from renderers.wtforms import PostAction, answers_from_post, form_class
from schemas import load, load_definition

ROOT = Path(__file__).parents[2]
FORMS = every_example()
SINK = load(Path(__file__).parent / "kitchen-sink.yaml")
PAGES = [(name, index) for name, form in {**FORMS, "kitchen-sink": SINK}.items()
         for index in range(len(form.pages))]
ALL = {**FORMS, "kitchen-sink": SINK}


def post(mapping) -> PostData:
    return PostData.of(mapping)


def round_trip(form, fields, answers, lang="en", previous=None):
    page = Page(render_questions(form, fields, answers, [], lang))
    return answers_from_post(form, fields, page.posted(),
                             previous=answers if previous is None else previous)


@pytest.mark.parametrize(("name", "index"), PAGES)
@pytest.mark.parametrize("variant", [0, 1, 2])
def test_rendered_answers_post_back_unchanged(name, index, variant):
    form = ALL[name]
    fields = form.pages[index].fields
    top = [f.path for f in form.fields.values() if f.parent is None]
    answers = sample_answers(form, top, variant)  # the whole draft, as the app holds it
    result = round_trip(form, fields, answers)
    assert result.answers == answers
    assert result.action is None



@pytest.mark.parametrize(("name", "index"), PAGES)
def test_a_blank_page_posts_only_defaults(name, index):
    form = ALL[name]
    fields = form.pages[index].fields
    result = round_trip(form, fields, {}, previous={})
    for key, value in result.answers.items():
        question = form.fields[key]
        assert question.kind in ("group", "repeat", "boolean") or (
            "default" in question.schema or "const" in question.schema), (key, value)
        assert value != ""


def test_typed_values():
    form = FORMS["special-event-permit"]
    fields = ["street_closure", "attendees", "activities", "food_vendors", "event_type"]
    result = answers_from_post(form, fields, post({
        "street_closure": "yes", "attendees": " 1,500 ", "activities": ["stage", "tents"],
        "food_vendors": "3.0", "event_type": "parade"}))
    assert result.answers == {"street_closure": True, "attendees": 1500,
                              "activities": ["tents", "stage"], "food_vendors": 3,
                              "event_type": "parade"}


def test_text_that_is_not_a_number_is_kept_for_jsonschema_to_explain():
    form = FORMS["building-permit"]
    result = answers_from_post(form, ["valuation", "square_feet"],
                               post({"valuation": "about 5k", "square_feet": "12.5"}))
    assert result.answers == {"valuation": "about 5k", "square_feet": 12.5}
    assert form.fields["valuation"].ui["prefix"] == "$"
    money = answers_from_post(form, ["valuation"], post({"valuation": "$25,000.50"}))
    assert money.answers == {"valuation": 25000.5}
    for odd in ("nan", "inf", "1e999", "0x10", "1_000", "١٢"):
        assert answers_from_post(form, ["valuation"], post({"valuation": odd})).answers == {
            "valuation": odd}


def test_choices_that_are_not_offered_are_kept_as_typed():
    form = FORMS["pothole-report"]
    result = answers_from_post(form, ["size"], post({"size": "enormous"}))
    assert result.answers == {"size": "enormous"}


def test_numeric_choices_come_back_as_numbers():
    form = FORMS["dog-license"]
    result = answers_from_post(form, ["license_term"], post({"license_term": "3"}))
    assert result.answers == {"license_term": 3}


def test_blank_inputs_remove_the_answer_instead_of_storing_blank_text():
    form = FORMS["pothole-report"]
    previous = {"name": "Ann", "email": "a@example.com", "location": "x"}
    result = answers_from_post(form, ["name", "email", "phone"],
                               post({"name": "   ", "email": " b@example.com "}),
                               previous=previous)
    assert result.answers == {"email": "b@example.com", "location": "x"}
    assert previous == {"name": "Ann", "email": "a@example.com", "location": "x"}


def test_unticked_checkboxes_remove_the_answer_and_a_single_checkbox_means_no():
    form = FORMS["smoke-alarm-request"]
    result = answers_from_post(form, ["household_needs", "safety_tips"], post({}),
                               previous={"household_needs": ["over_65"], "safety_tips": True})
    assert result.answers == {"safety_tips": False}


def test_optional_groups_left_blank_are_dropped_required_ones_kept_empty():
    form = FORMS["public-records-request"]
    result = answers_from_post(form, ["mailing_address"], post({"mailing_address.street": ""}),
                               previous={"delivery": "mail"})
    assert result.answers == {"delivery": "mail", "mailing_address": {}}
    sink = answers_from_post(SINK, ["home"], post({"home.street": ""}))
    assert sink.answers == {"home": {"city": "Springfield"}}
    optional = load_definition({"id": "opt", "title": "Optional", "schema": {
        "type": "object", "properties": {"where": {"type": "object", "properties": {
            "street": {"type": "string"}, "city": {"type": "string", "const": "X",
                                                   "readOnly": True}}}}}})
    assert answers_from_post(optional, ["where"], post({"where.street": ""})).answers == {}


def test_fixed_answers_are_never_read_from_the_post():
    form = FORMS["smoke-alarm-request"]
    result = answers_from_post(form, ["home", "program"], post({
        "home.address.city": "Elsewhere", "program": "free-money"}))
    assert result.answers["program"] == "home-fire-safety"
    assert result.answers["home"]["address"]["city"] == "Springfield"


def test_repeating_group_items_are_renumbered_after_gaps():
    form = FORMS["residential-parking-permit"]
    result = answers_from_post(form, ["vehicles"], post({
        "vehicles.0.plate": "A", "vehicles.2.plate": "C", "vehicles.5": "",
        "vehicles.5.make": "Ford"}))
    assert result.answers["vehicles"] == [{"plate": "A"}, {"plate": "C"}, {"make": "Ford"}]


def test_empty_items_survive_an_add_thanks_to_their_marker_but_not_continue():
    form = FORMS["residential-parking-permit"]
    added = answers_from_post(form, ["vehicles"], post({"vehicles.0": "", "_add": "vehicles"}))
    assert added.answers["vehicles"] == [{}, {}]
    result = answers_from_post(form, ["vehicles"], post({"vehicles.0": ""}))
    assert "vehicles" not in result.answers, "a blank item is no item"


def test_add_another_appends_a_blank_item_and_remove_takes_one_out():
    form = FORMS["residential-parking-permit"]
    added = answers_from_post(form, ["vehicles"], post({
        "vehicles.0": "", "vehicles.0.plate": "A", "_add": "vehicles"}))
    assert added.answers["vehicles"] == [{"plate": "A"}, {}]
    assert added.action == PostAction("add", "vehicles", "vehicles.1")
    removed = answers_from_post(form, ["vehicles"], post({
        "vehicles.0.plate": "A", "vehicles.1.plate": "B", "_remove": "vehicles.0"}))
    assert removed.answers["vehicles"] == [{"plate": "B"}]
    assert removed.action == PostAction("remove", "vehicles.0", "vehicles")


def test_add_and_remove_respect_max_and_min_items():
    form = FORMS["residential-parking-permit"]
    full = {f"vehicles.{i}.plate": str(i) for i in range(3)}
    result = answers_from_post(form, ["vehicles"], post({**full, "_add": "vehicles"}))
    assert len(result.answers["vehicles"]) == 3 and result.action is None
    one = answers_from_post(form, ["vehicles"], post({"vehicles.0.plate": "A",
                                                      "_remove": "vehicles.0"}))
    assert one.answers["vehicles"] == [{"plate": "A"}] and one.action is None


def test_lists_of_primitives_add_blank_entries_and_drop_blank_ones():
    result = answers_from_post(SINK, ["tags"], post({"tags.0": "a", "tags.1": "", "_add": "tags"}))
    assert result.answers["tags"] == ["a", ""]
    again = answers_from_post(SINK, ["tags"], post({"tags.0": "a", "tags.1": ""}))
    assert again.answers["tags"] == ["a"]
    gone = answers_from_post(SINK, ["tags"], post({"tags.0": "a", "_remove": "tags.0"}),
                             previous={"tags": ["a"]})
    assert "tags" not in gone.answers


def test_files_come_from_uploads_and_previous_answers_never_the_post():
    form = FORMS["building-permit"]
    result = answers_from_post(form, ["plans"], post({"plans": "att_stolen"}),
                               previous={"plans": ["att_1"]}, uploads={"plans": ["att_2"]})
    assert result.answers["plans"] == ["att_1", "att_2"]
    removed = answers_from_post(form, ["plans"], post({"_remove": "plans.0"}),
                                previous={"plans": ["att_1", "att_2"]})
    assert removed.answers["plans"] == ["att_2"]
    pothole = FORMS["pothole-report"]
    replaced = answers_from_post(pothole, ["photo"], post({}), previous={"photo": "att_1"},
                                 uploads={"photo": "att_9"})
    assert replaced.answers == {"photo": "att_9"}
    dropped = answers_from_post(pothole, ["photo"], post({"_remove": "photo"}),
                                previous={"photo": "att_1"})
    assert dropped.answers == {} and dropped.action == PostAction("remove", "photo", "photo")


def test_too_many_uploads_are_capped_at_max_items():
    form = FORMS["building-permit"]
    result = answers_from_post(form, ["plans"], post({}),
                               uploads={"plans": [f"att_{i}" for i in range(50)]})
    assert len(result.answers["plans"]) == 10


# --- Tampering ---------------------------------------------------------------------------------


def test_unknown_names_are_ignored():
    form = FORMS["pothole-report"]
    result = answers_from_post(form, ["location"], post({
        "location": "x", "evil": "1", "location.extra": "2", "__class__": "3", "csrf_token": "4",
        "_add": "location", "_remove": "email"}), previous={"email": "a@example.com"})
    assert result.answers == {"location": "x", "email": "a@example.com"}
    assert result.action is None


def test_several_values_for_one_question_keep_the_first():
    form = FORMS["pothole-report"]
    result = answers_from_post(form, ["location", "size"], post({
        "location": ["first", "second"], "size": ["large", "small"]}))
    assert result.answers == {"location": "first", "size": "large"}


def test_ten_thousand_items_are_capped():
    form = FORMS["residential-parking-permit"]
    flood = {f"vehicles.{i}.plate": "X" for i in range(10_000)}
    result = answers_from_post(form, ["vehicles"], post(flood))
    assert len(result.answers["vehicles"]) == 3
    tags = answers_from_post(SINK, ["tags"], post({f"tags.{i}": "t" for i in range(10_000)}))
    assert len(tags.answers["tags"]) == 3
    unbounded = load_definition({"id": "many", "title": "Many", "schema": {
        "type": "object", "properties": {"things": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"}}}}}}})
    lots = answers_from_post(unbounded, ["things"],
                             post({f"things.{i}.name": "n" for i in range(10_000)}))
    assert len(lots.answers["things"]) == 100


def test_a_megabyte_of_text_is_cut_to_a_hundred_thousand_characters():
    form = FORMS["special-event-permit"]
    result = answers_from_post(form, ["event_description", "event_name"], post({
        "event_description": "x" * 1_000_000, "event_name": "y" * 1_000_000}))
    assert len(result.answers["event_description"]) == 100_000
    assert len(result.answers["event_name"]) == 100_000


@pytest.mark.parametrize("key", [
    "vehicles.99999999999999999999999999.plate", "vehicles." + "9" * 5000 + ".plate",
    "vehicles.٣.plate", "vehicles.-1.plate", "vehicles..plate", "vehicles.0x1.plate",
    "vehicles.0.plate.deeper", "vehicles", "vehicles.²", ".", "",
])
def test_odd_item_indexes_never_raise(key):
    form = FORMS["residential-parking-permit"]
    result = answers_from_post(form, ["vehicles"], post({key: "X", "_remove": key,
                                                         "_add": key}))
    assert isinstance(result.answers, dict)


@pytest.mark.parametrize("value", [None, 5, b"bytes", ["a", None], {"x": 1}, object()])
def test_values_that_are_not_text_never_raise(value):
    form = FORMS["pothole-report"]
    data = PostData()
    data["location"] = value if isinstance(value, list) else [value]
    data["_add"] = [value]
    result = answers_from_post(form, ["location", "size"], data)
    assert result.answers.get("location") in (None, "a")


def test_odd_formdata_objects_never_raise():
    form = FORMS["pothole-report"]

    class Broken:
        def getlist(self, key):
            raise KeyError(key)

        def keys(self):
            return ["location", 3, None]

        def __contains__(self, key):
            raise TypeError("no")

    assert answers_from_post(form, ["location"], Broken()).answers == {}
    assert answers_from_post(form, ["location"], None).answers == {}
    assert answers_from_post(form, ["location", "nope"], post({}), previous="junk").answers == {}


def test_action_values_that_are_huge_or_nested_are_ignored():
    form = FORMS["residential-parking-permit"]
    result = answers_from_post(form, ["vehicles"], post({
        "vehicles.0.plate": "A", "_add": "vehicles" * 1000,
        "_remove": "vehicles.0.plate"}))
    assert result.action is None


# --- The WTForms class --------------------------------------------------------------------------


def test_form_class_builds_nested_fields_without_validators():
    cls = form_class(FORMS["residential-parking-permit"], ["address", "vehicles", "zone"])
    bound = cls(formdata=post({"address.street": "1 Elm", "vehicles.0.plate": "A",
                               "zone": "B"}))
    fields = list(bound)
    assert [f.name for f in fields] == ["address", "vehicles", "zone"]
    assert isinstance(fields[0], wtforms.FormField)
    assert isinstance(fields[1], wtforms.FieldList)
    assert fields[1].entries[0].form["q0"].name == "vehicles.0.plate"
    assert bound.validate(), "nothing here validates: jsonschema does"


def test_form_class_accepts_session_csrf_meta():
    session: dict = {}
    meta = {"csrf": True, "csrf_class": SessionCSRF, "csrf_secret": b"secret",
            "csrf_context": session}
    cls = form_class(FORMS["pothole-report"], ["location"], meta=meta)
    token = cls().csrf_token.current_token
    assert cls(formdata=post({"location": "x", "csrf_token": token})).validate()
    assert not cls(formdata=post({"location": "x", "csrf_token": "forged"})).validate()
    late = form_class(FORMS["pothole-report"], ["location"])
    bound = late(formdata=post({"csrf_token": token}), meta=meta)
    assert bound.validate()


def test_questions_named_like_wtforms_attributes_work():
    form = load_definition({"id": "clash", "title": "Clash", "schema": {
        "type": "object", "properties": {name: {"type": "string"} for name in
                                         ("data", "meta", "errors", "validate", "process")}}})
    names = list(form.fields)
    result = answers_from_post(form, names, post({name: name.upper() for name in names}))
    assert result.answers == {name: name.upper() for name in names}


# --- Any text survives the trip ---------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=TEXT.map(str.strip).filter(bool),
       para=st.lists(TEXT.map(str.strip).filter(bool), min_size=1, max_size=4).map("\n".join))
def test_any_text_round_trips(line, para):
    form = FORMS["special-event-permit"]
    answers = {"event_name": line, "event_description": para}
    result = round_trip(form, ["event_name", "event_description"], answers)
    assert result.answers == answers
