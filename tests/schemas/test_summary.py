"""``summary:`` names one to three questions, checked like every other name in a form file."""

from __future__ import annotations

import pytest
import yaml

import schemas
from schemas.checker import check_text

FORM = """id: pothole-report
title: Report a pothole
summary: %s
schema:
  type: object
  properties:
    location: {type: string}
    size: {type: string, enum: [small, large]}
    photo: {type: string, format: file}
    kids: {type: array, items: {type: object, properties: {age: {type: integer}}}}
"""


@pytest.mark.parametrize("summary, message", [
    ("[locaton]", "`locaton` is not a field of this form. Did you mean `location`?"),
    ("[kids.age]", "inside a repeating group"),
    ("[photo]", "does not hold a short answer"),
    ("[size, size]", "`size` is in `summary` twice"),
    ("[]", "List one to three question names"),
    ("[location, size, photo, kids]", "List one to three question names"),
])
def test_summary_names_are_checked(summary, message):
    assert any(message in p.message for p in check_text(FORM % summary)), \
        [p.message for p in check_text(FORM % summary)]


def test_a_good_summary_reaches_the_form():
    assert check_text(FORM % "[location, size]") == []
    definition = yaml.safe_load(FORM % "[location, size]")
    assert schemas.load_definition(definition).summary == ("location", "size")
