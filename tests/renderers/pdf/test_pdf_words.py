"""Page conditions in words, for printed forms: every operator, negation, and translation."""

from __future__ import annotations

import pytest

import schemas
from renderers.pdf import describe_condition

FORM = schemas.load_definition({
    "id": "words",
    "title": "Words",
    "schema": {"type": "object", "properties": {
        "size": {"type": "string", "title": "How big is it?", "enum": ["small", "large"]},
        "blocked": {"type": "boolean", "title": "Is a lane blocked?"},
        "amount": {"type": "number", "title": "Amount"},
        "day": {"type": "string", "format": "date", "title": "Day"},
        "note": {"type": "string", "title": "Note"},
        "pets": {"type": "array", "title": "Pets", "uniqueItems": True,
                 "items": {"enum": ["dog", "cat"]}},
    }},
    "ui": {"size": {"labels": {"small": "Small", "large": "Large"}},
           "pets": {"labels": {"dog": "Dog", "cat": "Cat"}}},
})


def words(text: str, lang: str = "en") -> str:
    from schemas.conditions import parse

    return describe_condition(FORM, parse(text), lang)


@pytest.mark.parametrize(("text", "expected"), [
    ('size is "large"', "you answered “Large” to “How big is it?”"),
    ('size != "large"', "you did not answer “Large” to “How big is it?”"),
    ('size in ["small", "large"]', "you answered “Small” or “Large” to “How big is it?”"),
    ("blocked", "you answered “Yes” to “Is a lane blocked?”"),
    ("not blocked", "you did not answer “Yes” to “Is a lane blocked?”"),
    ("amount > 5000", "your answer to “Amount” is more than 5000"),
    ("not amount > 5000", "your answer to “Amount” is 5000 or less"),
    ("amount <= 10", "your answer to “Amount” is 10 or less"),
    ("note is set", "you answered “Note”"),
    ("note is not set", "you did not answer “Note”"),
    ("note is empty", "you did not answer “Note”"),
    ('note contains "tree"', "your answer to “Note” contains “tree”"),
    ('pets contains "dog"', "you answered “Dog” to “Pets”"),
    ("day is before 2027-01-01", "your answer to “Day” is before “January 1, 2027”"),
    ("day is not after 2027-01-01", "your answer to “Day” is not after “January 1, 2027”"),
])
def test_each_kind_of_test_in_words(text, expected):
    assert words(text) == expected


def test_negation_is_pushed_down_and_mixed_groups_are_bracketed():
    assert words('not (blocked and size is "large")') == (
        "you did not answer “Yes” to “Is a lane blocked?” or "
        "you did not answer “Large” to “How big is it?”")
    assert words('blocked and (size is "large" or amount > 5)') == (
        "you answered “Yes” to “Is a lane blocked?” and "
        "(you answered “Large” to “How big is it?” or your answer to “Amount” is more than 5)")


def test_words_are_translated():
    assert words("amount > 5000", "es") == "su respuesta a “Amount” es mayor que 5000"
    assert words("day is before 2027-01-01", "zh").startswith("您对“Day”的回答早于")
