"""Every construct of the form language, rendered by the app and submitted as a browser would,
on SQLite and on PostgreSQL: what is stored equals what the resident answered."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from html_checks import Page, sample_answers
from sqlalchemy import select

import schemas
from formbuilder.models import Submission
from schemas.flow import applicable_answers

SINK = Path(__file__).parents[1] / "renderers" / "kitchen-sink.yaml"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
       b"N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@cache
def kitchen_sink() -> schemas.Form:
    return schemas.load(SINK)


@pytest.fixture
def published_forms():
    return [kitchen_sink()]


def _form_html(page: str) -> str:
    match = re.search(r"<form method=\"post\".*?</form>", page, re.S)
    assert match, "the page has a form"
    return match.group(0)


def _upload(field: schemas.Field) -> tuple[io.BytesIO, str]:
    accepted = str((field.schema.get("items") or field.schema).get("contentMediaType", ""))
    if "pdf" in accepted and "image" not in accepted:
        return io.BytesIO(PDF), f"{field.name}.pdf"
    return io.BytesIO(PNG), f"{field.name}.png"


@pytest.mark.parametrize("variant", [0, 1])
def test_every_construct_is_stored_as_answered(client, db, variant):
    form = schemas.load(SINK)
    top = [f.path for f in form.fields.values() if f.parent is None]
    wanted = applicable_answers(form, sample_answers(form, top, variant))
    url = "/forms/kitchen-sink/1"
    for _ in range(len(form.pages) + 1):
        number = int(url.rsplit("/", 1)[1].split("?")[0])
        fields = [form.fields[name] for name in form.pages[number - 1].fields]
        page = client.get(url).get_data(as_text=True)
        on_page = {f.path: wanted[f.path] for f in fields if f.path in wanted}
        filled = Page(_render_filled(form, fields, on_page)).posted()
        data: dict = {k: v for k, v in filled.items()}
        data["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                       page).group(1)
        for field in fields:
            if field.kind in ("file", "files") and field.path in wanted:
                data[field.path] = _upload(field)
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        url = response.headers["Location"]
        if url.endswith("/check"):
            break
    check = client.get("/forms/kitchen-sink/check").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', check).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', check).group(1)
    done = client.post("/forms/kitchen-sink/submit", data={"key": key, "csrf_token": token})
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    with db.session() as session:
        [stored] = session.scalars(select(Submission)).all()
        answers = dict(stored.answers)
    for path in ("photo", "documents"):
        if path in wanted:
            got = answers.pop(path)
            assert all(i.startswith("att_") for i in (got if isinstance(got, list) else [got]))
            wanted.pop(path)
    assert answers == wanted


def _render_filled(form: schemas.Form, fields: list, answers: dict) -> str:
    from renderers.html import render_questions

    return str(render_questions(form, fields, answers, [], "en"))
