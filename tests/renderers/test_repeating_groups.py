"""Repeating groups as residents meet them: a blank item is no item, items and the add
button are named by the form, errors say which item, and the error summary follows the page."""

from __future__ import annotations

from html_checks import PostData

from renderers.html import render_error_summary, render_questions
from renderers.wtforms import answers_from_post
from schemas import load_definition
from schemas.flow import applicable_answers

PARKING = {
    "id": "parking", "title": "Parking",
    "schema": {
        "type": "object",
        "required": ["needs_parking"],
        "properties": {
            "needs_parking": {"type": "boolean", "title": "Do you need to park?"},
            "vehicles": {
                "type": "array", "title": "Your vehicles", "minItems": 1, "maxItems": 3,
                "items": {
                    "type": "object", "title": "Vehicle", "required": ["plate"],
                    "properties": {
                        "plate": {"type": "string", "title": "Registration", "minLength": 1},
                        "state": {"type": "string", "title": "State", "default": "IL"},
                    },
                },
            },
        },
        "if": {"properties": {"needs_parking": {"const": True}}, "required": ["needs_parking"]},
        "then": {"required": ["vehicles"]},
    },
}
PAGE = ["needs_parking", "vehicles"]


def post(form, mapping, previous=None):
    return answers_from_post(form, PAGE, PostData.of(mapping), previous=previous or {})


def errors_after(form, mapping, lang="en"):
    answers = post(form, mapping).answers
    return answers, form.validate(applicable_answers(form, answers), lang)


def test_a_blank_item_of_a_group_not_needed_is_no_item():
    form = load_definition(PARKING)
    answers, errors = errors_after(form, {"needs_parking": "no", "vehicles.0.plate": "",
                                          "vehicles.0.state": "IL"})
    assert answers == {"needs_parking": False}
    assert errors == []


def test_a_blank_item_of_a_needed_group_asks_for_the_group():
    form = load_definition(PARKING)
    answers, errors = errors_after(form, {"needs_parking": "yes", "vehicles.0.plate": "",
                                          "vehicles.0.state": "IL"})
    assert "vehicles" not in answers
    assert [(e.path, e.code) for e in errors] == [("vehicles", "required")]


def test_add_another_keeps_a_blank_item_to_fill_in():
    form = load_definition(PARKING)
    result = post(form, {"needs_parking": "yes", "vehicles.0.plate": "AB1",
                         "vehicles.0.state": "IL", "_add": "vehicles"})
    assert result.answers["vehicles"] == [{"plate": "AB1", "state": "IL"}, {}]


def test_errors_say_which_item_named_by_the_form():
    definition = {**PARKING, "ui": {"vehicles": {
        "item_label": "Car", "item_label_es": "Coche",
        "add_label": "Add another car", "add_label_es": "Añadir otro coche"}}}
    form = load_definition(definition)
    mapping = {"needs_parking": "yes", "vehicles.0.plate": "AB1", "vehicles.0.state": "IL",
               "vehicles.1.plate": "", "vehicles.1.state": "WI"}
    _, errors = errors_after(form, mapping)
    assert [(e.path, e.message) for e in errors] == [
        ("vehicles.1.plate", "Car 2: Enter an answer for “Registration”")]
    _, spanish = errors_after(form, mapping, "es")
    assert spanish[0].message.startswith("Coche 2: ")
    page = render_questions(form, PAGE, post(form, mapping).answers, errors, "en")
    assert "Car 1" in page and "Car 2" in page
    assert "Add another car" in page
    assert "Añadir otro coche" in render_questions(form, PAGE, {"vehicles": [{}]}, [], "es")


def test_items_are_named_by_their_title_without_ui():
    form = load_definition(PARKING)
    _, errors = errors_after(form, {"needs_parking": "yes", "vehicles.0.plate": "",
                                    "vehicles.0.state": "WI"})
    assert errors[0].message == "Vehicle 1: Enter an answer for “Registration”"


def test_the_error_summary_follows_the_order_of_the_page():
    definition = {
        "id": "order", "title": "Order",
        "schema": {"type": "object", "required": ["first_in_schema", "second_in_schema"],
                   "properties": {"first_in_schema": {"type": "string", "title": "Schema first"},
                                  "second_in_schema": {"type": "string",
                                                       "title": "Schema second"}}},
        "ui": {"pages": [{"title": "One", "fields": ["second_in_schema", "first_in_schema"]}]},
    }
    form = load_definition(definition)
    errors = form.validate({}, "en")
    summary = str(render_error_summary(form, errors, "en"))
    assert summary.index("Schema second") < summary.index("Schema first")
