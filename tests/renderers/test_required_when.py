"""A question required only under a condition is never labelled "(optional)": the page says
when it is needed."""

from __future__ import annotations

from pathlib import Path

from renderers.html import question_views
from schemas import load, load_definition
from schemas.flow import describe_required, required_rule

POTHOLE = load(Path(__file__).parents[2] / "examples" / "pothole-report.yaml")
SIZED = load_definition({
    "id": "sized", "title": "Pothole",
    "schema": {
        "type": "object", "required": ["size"],
        "properties": {
            "size": {"type": "string", "title": "How big is it?", "title_es": "¿Qué tamaño?",
                     "enum": ["small", "large"]},
            "lanes_blocked": {"type": "boolean", "title": "Is it blocking a lane?",
                              "title_es": "¿Bloquea un carril?"},
        },
        "if": {"properties": {"size": {"const": "large"}}, "required": ["size"]},
        "then": {"required": ["lanes_blocked"]},
    },
    "ui": {"size": {"labels": {"large": "Wider than a car"},
                    "labels_es": {"large": "Más ancho que un coche"}}},
})


def view(form, name, lang="en"):
    [found] = [q for q in question_views(form, [name], {}, [], lang) if q.path == name]
    return found


def test_a_then_required_question_says_when_it_is_needed():
    lanes = SIZED.fields["lanes_blocked"]
    assert required_rule(SIZED, lanes) is not None
    assert describe_required(SIZED, lanes, "en") == \
        "Needed if you answered “Wider than a car” to “How big is it?”."
    drawn = view(SIZED, "lanes_blocked")
    assert drawn.optional is False
    assert "Needed if you answered" in str(drawn.hint)
    assert "Necesaria si" in str(view(SIZED, "lanes_blocked", "es").hint)


def test_dependent_required_names_the_answer_that_makes_it_needed():
    form = load_definition({
        "id": "contact", "title": "Contact",
        "schema": {"type": "object", "properties": {
            "phone": {"type": "string", "title": "Phone"},
            "best_time": {"type": "string", "title": "Best time to call"}},
            "dependentRequired": {"phone": ["best_time"]}}})
    drawn = view(form, "best_time")
    assert drawn.optional is False
    assert "Needed if you answered “Phone”." in str(drawn.hint)


def test_a_truly_optional_question_is_still_marked_optional():
    assert required_rule(POTHOLE, POTHOLE.fields["photo"]) is None
    assert view(POTHOLE, "location").optional is False
