"""Residents find forms by the task they have in mind, even misspelt."""

from __future__ import annotations

import pytest
from example_forms import every_example

from formbuilder.services.catalogue import search, stem, words

FORMS = list(every_example().values())


def first(query: str) -> str | None:
    found = search(FORMS, query)
    return found[0].id if found else None


@pytest.mark.parametrize(
    ("query", "form_id"),
    [
        ("pothole", "pothole-report"),
        ("potholle", "pothole-report"),
        ("hole in the road", "pothole-report"),
        ("bache", "pothole-report"),
        ("block party", "block-party-permit"),
        ("parking sticker", "residential-parking-permit"),
        ("smoke detecter", "smoke-alarm-request"),
        ("I want a free smoke alarm", "smoke-alarm-request"),
        ("FOIA", "public-records-request"),
        ("renew my business license", "business-license-renewal"),
        ("license my dog", "dog-license"),
        ("parade", "special-event-permit"),
        ("remodel my kitchen", "building-permit"),
    ],
)
def test_finds_the_form_for_a_task(query, form_id):
    assert first(query) == form_id


def test_nonsense_finds_nothing():
    assert search(FORMS, "xyzzy qwerty") == []


def test_blank_query_lists_every_form_by_title():
    listed = search(FORMS, "  ")
    assert len(listed) == len(FORMS)
    titles = [f.title.default.lower() for f in listed]
    assert titles == sorted(titles)


def test_short_words_are_not_fuzzed_into_others():
    assert "smoke-alarm-request" not in [f.id for f in search(FORMS, "tree")]


def test_words_fold_case_and_accents():
    assert words("Reportar un BACHE, ¿cómo?") == ["reportar", "un", "bache", "como"]
    assert stem("permits") == stem("permit")
