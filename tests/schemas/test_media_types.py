"""One media-type policy: the form's messages and the app's upload check read one table."""

from __future__ import annotations

import io

import pytest

from formbuilder.files import uploads
from schemas import media_types, validation


@pytest.mark.parametrize("media_type", sorted(media_types.NEVER))
def test_a_never_type_is_refused_by_the_form_and_the_upload_check_even_for_any_type(
        media_type):
    assert not validation.accepted_type(["*/*"], media_type)
    assert not uploads.accepts(["*/*"], media_type)


@pytest.mark.parametrize(("alias", "meant"), sorted(media_types.ALIASES.items()))
def test_an_alias_means_the_same_to_the_form_and_the_upload_check(alias, meant):
    assert uploads.parse_accept(alias) == [meant]
    assert validation.accepted_type([alias], meant) and uploads.accepts([alias], meant)


def test_what_the_sniffer_calls_code_is_in_the_never_table():
    for found in (uploads.sniff(b"<!doctype html><p>hi"), uploads.sniff(b"<svg xmlns='x'/>"),
                  uploads.sniff(b"MZ\x90\x00" + bytes(60)),
                  uploads.sniff_file(io.BytesIO(b"\x7fELF" + bytes(60)))):
        assert found in media_types.NEVER
