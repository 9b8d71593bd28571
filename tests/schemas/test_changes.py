"""The plain-language changes between two versions of a form, as a publisher reads them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemas
from schemas.changes import changes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def special_event() -> tuple[schemas.Form, dict[str, Any]]:
    form = schemas.load(EXAMPLES / "special-event-permit.yaml")
    return form, json.loads(json.dumps(form.definition))


def kinds_and_fields(old: schemas.Form, new: schemas.Form) -> set[tuple[str, str | None]]:
    return {(change.kind, change.field) for change in changes(old, new)}


def test_the_same_form_has_no_changes():
    form, definition = special_event()
    assert changes(form, schemas.load_definition(definition)) == []


def test_questions_added_removed_reworded_and_newly_required():
    form, definition = special_event()
    properties = definition["schema"]["properties"]
    properties["organizer_name"]["title"] = "Your full name"
    properties["organizer_name"]["title_es"] = "Su nombre completo"
    properties["sponsor"] = {"type": "string", "title": "Who sponsors it?",
                             "title_es": "¿Quién lo patrocina?"}
    del properties["organization"]
    del definition["ui"]["organization"]
    definition["ui"]["order"].remove("organization")
    definition["schema"]["required"].append("sponsor")
    for page in definition["ui"]["pages"]:
        page["fields"] = [f for f in page["fields"] if f != "organization"]
    definition["ui"]["pages"][0]["fields"].append("sponsor")
    found = kinds_and_fields(form, schemas.load_definition(definition))
    assert {("reworded", "organizer_name"), ("added", "sponsor"),
            ("removed", "organization")} <= found
    texts = [c.text for c in changes(form, schemas.load_definition(definition))]
    assert any("(required)" in text and "sponsor" in text for text in texts)


def test_choices_conditions_and_routing():
    form, definition = special_event()
    event_type = definition["schema"]["properties"]["event_type"]
    event_type["enum"] = [*event_type["enum"], "wedding"]
    definition["routing"][1]["when"] = "attendees >= 1000"
    definition["routing"][2]["assign"] = "public-works-dispatch"
    found = changes(form, schemas.load_definition(definition))
    texts = " | ".join(c.text for c in found)
    assert ("choices", "event_type") in {(c.kind, c.field) for c in found}
    assert "`attendees >= 1000`" in texts and "`attendees >= 500 or street_closure`" in texts
    assert "public-works-dispatch" in texts


def without_spanish(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_spanish(v) for k, v in value.items() if not k.endswith("_es")}
    return [without_spanish(v) for v in value] if isinstance(value, list) else value


def test_a_language_dropped_is_said():
    form, definition = special_event()
    definition = without_spanish(definition)
    definition["languages"] = ["en"]
    texts = [c.text for c in changes(form, schemas.load_definition(definition))]
    assert "The languages change from en, es to en." in texts


def test_a_new_form_is_described():
    form, _ = special_event()
    assert changes(None, form)[0].text.startswith("A new form")
