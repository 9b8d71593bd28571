"""`webhooks` in form files: what `check` says about them, and what the parsed form holds."""

from __future__ import annotations

import pytest

from schemas import check_text, load_definition
from schemas.model import Webhook

FORM = """\
id: pothole-report
title: Report a pothole
schema:
  type: object
  properties:
    location: {type: string, title: Where is it}
webhooks:
"""


def problems(hooks: str) -> list[str]:
    return [str(p) for p in check_text(FORM + hooks)]


def test_a_form_lists_its_webhooks_and_when_each_wants_news():
    form = load_definition({
        "id": "pothole-report", "title": "Report a pothole",
        "schema": {"type": "object", "properties": {"location": {"type": "string"}}},
        "webhooks": [{"url": "https://permits.example.gov/hooks", "on": ["submit"]},
                     {"url": " https://gis.example.gov/in "}]})
    assert form.webhooks == (Webhook("https://permits.example.gov/hooks", ("submit",)),
                             Webhook("https://gis.example.gov/in", ("submit", "decision")))


def test_a_good_webhook_has_no_problems():
    assert problems("  - url: https://permits.example.gov/hooks\n    on: [submit, decision]\n") \
        == []


@pytest.mark.parametrize(("hooks", "expected"), [
    ("  - url: ftp://files.example.gov/in\n",
     "form.yaml:8: Webhook 1: `ftp://files.example.gov/in` must start with https://"),
    ("  - url: https://clerk:hunter2@permits.example.gov/\n",
     "form.yaml:8: Webhook 1: the address must not hold a user name or password"),
    ("  - url: https://\n", "form.yaml:8: Webhook 1: `https://` names no server"),
    ("  - url: https://a.example.gov/x y\n", "has a space or line break in it"),
    ("  - url: https://a.example.gov/#top\n", "has a `#` part"),
    ("  - url: https://a.example.gov:99999/\n", "is not a web address"),
    ("  - url: https://a.example.gov/\n    on: [sumbit]\n",
     "`on: sumbit` is not one of: submit, decision. Did you mean `submit`?"),
    ("  - url: https://a.example.gov/\n    on: []\n", "`on` lists when to send"),
    ("  - uri: https://a.example.gov/\n",
     "`uri` is not a key webhook 1 can have. Did you mean `url`?"),
    ("  - url: https://a.example.gov/\n  - url: https://a.example.gov/\n",
     "Webhook 2 has the same address as webhook 1"),
    ("  https://a.example.gov/\n", "`webhooks` is a list of addresses"),
])
def test_mistakes_are_explained_with_their_line(hooks: str, expected: str):
    found = problems(hooks)
    assert any(expected in p for p in found), found


def test_plain_http_is_only_a_warning():
    found = check_text(FORM + "  - url: http://permits.example.gov/hooks\n")
    assert [(p.severity, p.line) for p in found] == [("warning", 8)]
    assert "unencrypted" in found[0].message
