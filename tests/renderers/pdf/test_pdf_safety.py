"""Nothing a resident or a form writer types can make WeasyPrint fetch anything."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from pdf_answers import photo
from pdf_checks import pages_text, squeezed

import schemas
from renderers.pdf import AttachmentInfo, SafeFetcher, render_blank, render_submission
from renderers.pdf.fetcher import RefusedURL

HOSTILE = [
    '<img src="file:///etc/passwd">',
    "<link rel=stylesheet href=http://evil.example/x.css>",
    "</style><style>body { background: url(http://evil.example/bg) }</style>",
    '<div style="background:url(file:///etc/shadow)">x</div>',
    "<iframe src=https://evil.example/></iframe>",
    "@import url(http://evil.example/a.css);",
]
PHOTO = photo(64, 48)


def hostile_form() -> schemas.Form:
    return schemas.load_definition({
        "id": "hostile",
        "title": 'Report <img src="http://evil.example/t.png">',
        "department": "<style>@import url(file:///etc/passwd)</style>",
        "description": "Read [this](https://evil.example/) <object data=file:///etc/hosts>",
        "schema": {
            "type": "object",
            "properties": {
                "story": {"type": "string", "title": "Tell us", "maxLength": 5000,
                          "description": '<img src="file:///etc/passwd"> url(http://x/y)'},
                "note": {"type": "string", "title": "<b>Note</b> url(file:///etc/hosts)"},
                "photo": {"type": "string", "format": "file", "title": "Photo"},
                "other": {"type": "string", "format": "file", "title": "Other file"},
            },
        },
    })


FILES = {
    "att_photo": AttachmentInfo("att_photo", '<img src="file:///x">.png', "image/png",
                                len(PHOTO), "ab" * 32),
    "att_other": AttachmentInfo("att_other", "x.pdf", "application/pdf", 10, "cd" * 32),
}
ALLOWED = {"asset:pdf.css", "attachment:att_photo"}


@pytest.fixture(scope="module")
def hostile_pdf() -> tuple[bytes, SafeFetcher, list[str]]:
    asked: list[str] = []

    def fetch(attachment_id: str) -> bytes | None:
        asked.append(attachment_id)
        return PHOTO if attachment_id == "att_photo" else b"%PDF-1.4 not an image"

    fetcher = SafeFetcher(fetch)
    answers = {"story": "\n".join(HOSTILE), "note": HOSTILE[0], "photo": "att_photo",
               "other": "att_other"}
    pdf = render_submission(
        hostile_form(), answers, lang="en", reference="F-2026-000001",
        submitted_at=datetime(2026, 1, 2, tzinfo=UTC), version_number=1, city_name="<b>City</b>",
        attachments=FILES, fetch_attachment=fetch, fetcher=fetcher)
    return pdf, fetcher, asked


def test_hostile_answers_fetch_nothing_but_the_stylesheet_and_the_photo(hostile_pdf):
    _, fetcher, asked = hostile_pdf
    outside = [url for url in fetcher.requested if url not in ALLOWED]
    assert not outside, f"the renderer asked for {outside}"
    assert "asset:pdf.css" in fetcher.requested
    assert asked == ["att_photo"]  # the other file is listed, never read


def test_hostile_text_prints_as_the_text_typed(hostile_pdf):
    pdf, _, _ = hostile_pdf
    text = squeezed("".join(pages_text(pdf)))
    for line in HOSTILE[:4]:
        assert squeezed(line) in text
    assert squeezed('<img src="file:///etc/passwd"> url(http://x/y)') not in text  # not asked
    assert squeezed("<b>City</b>") in text


def test_a_hostile_blank_form_fetches_only_the_stylesheet():
    fetcher = SafeFetcher()
    pdf = render_blank(hostile_form(), lang="en", city_name="City", fetcher=fetcher)
    assert fetcher.requested == ["asset:pdf.css"]
    text = squeezed("".join(pages_text(pdf)))
    assert squeezed('<img src="file:///etc/passwd"> url(http://x/y)') in text
    assert squeezed("<b>Note</b>") in text


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "http://evil.example/x.png", "https://evil.example/",
    "ftp://evil.example/x", "data:text/html,<script>1</script>",
    "data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode(),
    "data:image/png;base64," + base64.b64encode(b"not a png").decode(),
    "asset:../../etc/passwd", "asset:pdf.html", "asset:missing.css",
    "attachment:att_unknown", "attachment:../x", "javascript:alert(1)", "relative.png",
])
def test_the_fetcher_refuses_everything_else(url):
    fetcher = SafeFetcher({"att_photo": PHOTO}.get)
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_its_stylesheet_images_and_stored_photos():
    fetcher = SafeFetcher({"att_photo": PHOTO}.get)
    assert b"@page" in fetcher.fetch("asset:pdf.css").read()
    assert fetcher.fetch("attachment:att_photo").read() == PHOTO
    inline = "data:image/png;base64," + base64.b64encode(PHOTO).decode()
    assert fetcher.fetch(inline).content_type == "image/png"
    assert not fetcher.refused
