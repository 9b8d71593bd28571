"""Nothing a form author or a resident writes becomes markup, except description links."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from html_checks import Page

from renderers.html import (
    format_description,
    render_check_answers,
    render_error_summary,
    render_questions,
)
from schemas import load_definition

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" onmouseover="alert(2)'
HOSTILE = f"{SCRIPT}{ATTRIBUTE} '><img src=x onerror=alert(3)>"


@dataclass
class FieldError:
    path: str
    message: str
    code: str = "test"


def hostile_form():
    text = {"type": "string", "title": f"Name {HOSTILE}", "description": f"Help {HOSTILE}"}
    return load_definition({
        "id": "hostile",
        "title": f"Form {HOSTILE}",
        "description": f"Intro {HOSTILE}\n\n[bad](javascript:alert(1)) [ok](https://example.org/a)",
        "schema": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": text,
                "story": {**text, "maxLength": 5000},
                "amount": {"type": "number", "title": f"Amount {HOSTILE}"},
                "pick": {"type": "string", "title": f"Pick {HOSTILE}",
                         "enum": ['a"b', "<x>", "c' onfocus='y"]},
                "many": {"type": "array", "title": f"Many {HOSTILE}", "uniqueItems": True,
                         "items": {"type": "string", "enum": ["<i>", "j"]}},
                "yes": {"type": "boolean", "title": f"Yes {HOSTILE}"},
                "group": {"type": "object", "title": f"Group {HOSTILE}",
                          "properties": {'odd" name': {"type": "string",
                                                       "title": f"Odd {HOSTILE}"}}},
                "items": {"type": "array", "title": f"Items {HOSTILE}",
                          "items": {"type": "object", "title": f"Item {HOSTILE}",
                                    "properties": {"x": {"type": "string", "title": HOSTILE}}}},
                "doc": {"type": "string", "format": "file", "title": f"Doc {HOSTILE}",
                        "contentMediaType": f"image/png, {HOSTILE}", "maxFileSize": HOSTILE},
                "fixed": {"type": "string", "title": f"Fixed {HOSTILE}", "const": HOSTILE,
                          "readOnly": True},
                "secret": {"type": "string", "title": "Secret", "default": HOSTILE},
            },
            "if": {"properties": {"pick": {"const": '<x>'}}, "required": ["pick"]},
            "then": {"properties": {"more": {"type": "string", "title": f"More {HOSTILE}"}}},
        },
        "ui": {
            "name": {"hint": f"Hint {HOSTILE}", "placeholder": HOSTILE},
            "amount": {"prefix": HOSTILE, "suffix": HOSTILE, "widget": "money"},
            "pick": {"labels": {'a"b': f"Label {HOSTILE}", "<x>": HOSTILE}},
            "secret": {"widget": "hidden"},
            "pages": [{"title": f"Page {HOSTILE}",
                       "fields": ["name", "story", "amount", "pick", "more", "many", "yes",
                                  "group", "items", "doc", "fixed", "secret"]}],
        },
    })


FORM = hostile_form()
FIELDS = FORM.pages[0].fields
ANSWERS = {
    "name": HOSTILE, "story": f"{HOSTILE}\n{HOSTILE}", "amount": HOSTILE, "pick": "<x>",
    "more": HOSTILE, "many": ["<i>", HOSTILE], "yes": HOSTILE,
    "group": {'odd" name': HOSTILE}, "items": [{"x": HOSTILE}], "doc": HOSTILE,
}
ATTACHMENTS = {HOSTILE: {"name": HOSTILE, "size": HOSTILE, "media_type": HOSTILE,
                         "url": "javascript:alert(4)", "thumbnail_url": f"/t?{HOSTILE}"}}


def assert_inert(html) -> Page:
    page = Page(html)
    page.check()
    assert SCRIPT in page.root.all_text() or any(
        SCRIPT in v for e in page.elements for v in e.attrs.values()), "escaped, not dropped"
    assert not page.find("img", src="x")
    return page


@pytest.mark.parametrize("lang", ["en", "xx"])
def test_questions_escape_titles_labels_hints_and_answers(lang):
    page = assert_inert(render_questions(FORM, FIELDS, ANSWERS, [], lang,
                                         attachments=ATTACHMENTS.get))
    assert page.find("input", name="name")[0].attrs["value"] == HOSTILE
    assert page.find("input", name="group.odd\" name")[0].attrs["value"] == HOSTILE
    assert page.find("input", type="hidden", name="secret")[0].attrs["value"] == HOSTILE
    assert page.find("input", name="fixed")[0].attrs["value"] == HOSTILE


def test_questions_escape_error_messages():
    errors = [FieldError("name", f"Enter {HOSTILE}"), FieldError("", HOSTILE),
              FieldError("items.0.x", HOSTILE), FieldError(HOSTILE, HOSTILE)]
    assert_inert(render_error_summary(FORM, errors, "en")
                 + render_questions(FORM, FIELDS, ANSWERS, errors, "en"))


def test_check_answers_escapes_everything():
    page = assert_inert(render_check_answers(
        FORM, ANSWERS, "en", change_url=lambda page, path: f"/change?{path}",
        attachments=ATTACHMENTS.get))
    assert not page.find("a", href="javascript:alert(4)")
    links = [a.attrs["href"] for a in page.find("a")]
    assert all(href.startswith(("/", "#")) for href in links), links


def test_change_urls_that_are_not_http_are_refused():
    page = Page(render_check_answers(FORM, {"name": "Ann"}, "en",
                                     change_url=lambda page, path: "javascript:alert(1)"))
    assert {a.attrs["href"] for a in page.find("a")} == {"#"}


def test_descriptions_have_paragraphs_and_only_http_links():
    html = format_description(FORM.description.default)
    page = Page(html)
    page.check()
    assert [p.tag for p in page.root.children] == ["p", "p"]
    assert [a.attrs["href"] for a in page.find("a")] == ["https://example.org/a"]
    assert "[bad](javascript:alert(1))" in page.root.all_text()


@pytest.mark.parametrize(("text", "hrefs"), [
    ("[a](http://x.org/p?q=1&r=2)", ["http://x.org/p?q=1&r=2"]),
    ("[a](https://x.org) and [b](https://y.org)", ["https://x.org", "https://y.org"]),
    ("[a](javascript:alert(1))", []),
    ("[a](data:text/html,<script>)", []),
    ("[a](//evil.example)", []),
    ("[a](HTTPS://x.org)", []),
    ('[a](https://x.org/" onclick="y)', []),
    ("[<b>](https://x.org)", ["https://x.org"]),
    ("[a]( https://x.org)", []),
    ("no links at all", []),
])
def test_description_links(text, hrefs):
    page = Page(format_description(text))
    page.check()
    assert [a.attrs["href"] for a in page.find("a")] == hrefs
    assert not page.find("b")


def test_blank_descriptions_render_nothing():
    assert format_description("") == ""
    assert format_description("  \n\n ") == ""
    assert format_description(None) == ""
    assert str(format_description("a\r\n\r\nb")).count("<p") == 2
