"""Upload problems say what is wrong, a saved draft's files meet the version being submitted,
and files past ``maxItems`` are refused before they are stored."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from resident import pdf_bytes, png_bytes
from sqlalchemy import func, select

import schemas
from formbuilder.app import create_app
from formbuilder.models import Attachment, Submission
from formbuilder.services import publishing


def definition(accepted: str = "application/pdf, image/jpeg, image/png",
               largest: str = "5 MB", most: int = 2) -> dict[str, Any]:
    return {
        "id": "proof", "title": "Proof",
        "schema": {"type": "object", "required": ["proof"], "properties": {
            "proof": {"type": "string", "format": "file", "title": "Proof of address",
                      "contentMediaType": accepted, "maxFileSize": largest},
            "photos": {"type": "array", "title": "Photos", "maxItems": most,
                       "items": {"type": "string", "format": "file",
                                 "contentMediaType": "image/png"}}}},
    }


def publish(db, **options: Any) -> None:
    with db.session() as session:
        publishing.publish(session, schemas.load_definition(definition(**options)),
                           by="clerk@example.gov")


@pytest.fixture
def app(db, tmp_path):
    publish(db)
    return create_app({"TESTING": True, "DATABASE": db, "SECRET_KEY": "test-secret",
                       "UPLOAD_DIR": str(tmp_path / "uploads")})


def token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def send_page(client, files: dict[str, Any]) -> Any:
    page = client.get("/forms/proof/1").get_data(as_text=True)
    return client.post("/forms/proof/1", data={"csrf_token": token(page), **files},
                       content_type="multipart/form-data")


def stored(db) -> int:
    with db.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Attachment))


def test_a_wrong_type_on_a_required_upload_says_what_is_wrong(app):
    response = send_page(app.test_client(),
                         {"proof": (io.BytesIO(b"just words, not a PDF\n" * 4), "proof.txt")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "must be a PDF, JPG, or PNG" in page
    assert "Select a file" not in page


def test_an_oversized_required_upload_says_it_is_too_large(app, db):
    publish(db, largest="1 KB")
    app.extensions.pop("published_versions", None)
    big = pdf_bytes() + b"%" + b"x" * 4000 + b"\n"
    response = send_page(app.test_client(), {"proof": (io.BytesIO(big), "proof.pdf")})
    page = response.get_data(as_text=True)
    assert "must be smaller than" in page
    assert "Select a file" not in page


def test_files_beyond_max_items_are_refused_before_storage(app, db):
    client = app.test_client()
    files = [(io.BytesIO(png_bytes()), f"photo{i}.png") for i in range(3)]
    response = send_page(client, {"proof": (io.BytesIO(pdf_bytes()), "proof.pdf"),
                                  "photos": files})
    assert response.status_code == 400
    assert "no more than 2 files" in response.get_data(as_text=True)
    assert stored(db) == 3  # the proof and two photos; the third was never kept


@pytest.mark.parametrize(("newer", "message"), [
    ({"accepted": "application/pdf"}, "must be a PDF"),  # the office now takes PDFs only
    ({"largest": "0.05 KB"}, "must be smaller than 50 bytes"),
    ({"most": 1}, "no more than 1 file"),
], ids=["type", "size", "count"])
def test_a_draft_file_a_newer_version_refuses_cannot_be_submitted(app, db, newer, message):
    client = app.test_client()
    photos = [(io.BytesIO(png_bytes()), f"photo{i}.png") for i in range(2)]
    response = send_page(client, {"proof": (io.BytesIO(png_bytes()), "proof.png"),
                                  "photos": photos})
    assert response.status_code == 302
    check = client.get("/forms/proof/check").get_data(as_text=True)
    assert message not in check
    key = re.search(r'name="key" value="([^"]+)"', check).group(1)
    publish(db, **newer)
    app.extensions.pop("published_versions", None)
    refused = client.post("/forms/proof/submit", data={"csrf_token": token(check), "key": key})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/check")
    page = client.get("/forms/proof/check").get_data(as_text=True)
    assert message in page
    assert "Select a file" not in page
    with db.session(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0
