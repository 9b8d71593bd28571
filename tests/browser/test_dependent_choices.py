"""Dependent choices, as rjsf's ``dependencies`` + ``oneOf`` writes them, in Chromium: the
alternative that an earlier answer picks says which choices a question offers, the page's
script shows only those, and the answer goes through."""

from __future__ import annotations

from typing import Any

import pytest

import schemas

FORM = schemas.load_definition({
    "id": "pet-licence", "title": "Pet licence", "reference_prefix": "PL",
    "schema": {
        "type": "object", "required": ["animal"],
        "properties": {"animal": {"type": "string", "title": "Animal",
                                  "enum": ["Cat", "Fish"]}},
        "dependentSchemas": {"animal": {"oneOf": [
            {"properties": {"animal": {"enum": ["Cat"]},
                            "food": {"type": "string", "title": "Food",
                                     "enum": ["meat", "grass"]}},
             "required": ["food"]},
            {"properties": {"animal": {"enum": ["Fish"]},
                            "food": {"type": "string", "title": "Food",
                                     "enum": ["insect", "worms"]}},
             "required": ["food"]},
        ]}},
    },
})


@pytest.fixture
def published_forms() -> Any:
    return [FORM]


def test_the_alternative_an_answer_picks_says_which_choices_are_offered(
        page: Any, live_server: str, axe: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server}/forms/{FORM.id}")
    axe.assert_accessible(page)
    animal = page.get_by_role("group", name="Animal")
    food = page.get_by_role("group", name="Food")

    def offered() -> list[str]:
        return food.get_by_role("radio").evaluate_all(
            "radios => radios.map(r => r.labels[0].textContent.trim())")

    animal.get_by_role("radio", name="Fish").check()
    assert offered() == ["insect", "worms"]
    animal.get_by_role("radio", name="Cat").check()
    assert offered() == ["meat", "grass"]
    food.get_by_role("radio", name="grass").check()
    axe.assert_accessible(page)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending")
    axe.assert_accessible(page)
    expect(page.get_by_text("grass", exact=True)).to_be_visible()
