"""A resident's visit, through the Flask test client, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
from example_forms import every_example
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from formbuilder.models import Submission


@pytest.fixture
def published_forms():
    return every_example().values()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a CSRF token"
    return match.group(1)


class Resident:
    """What a resident does, in the words of the test."""

    def __init__(self, client):
        self.client = client

    def open(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response.get_data(as_text=True)

    def answer(self, url: str, answers: dict, *, status: int = 302, files=None) -> object:
        page = self.open(url)
        data = {"csrf_token": csrf_token(page), **answers, **(files or {})}
        response = self.client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == status, response.get_data(as_text=True)[:3000]
        return response

    def send(self, form_id: str) -> str:
        page = self.open(f"/forms/{form_id}/check")
        key = re.search(r'name="key" value="([^"]+)"', page).group(1)
        response = self.client.post(f"/forms/{form_id}/submit",
                                    data={"csrf_token": csrf_token(page), "key": key})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response.headers["Location"]


@pytest.fixture
def resident(client):
    return Resident(client)


POTHOLE = {
    1: {"location": "Corner of Main St & 2nd Ave"},
    2: {"size": "large", "lanes_blocked": "yes"},
}


def test_catalogue_finds_the_pothole_form(resident):
    page = resident.open("/?q=pothole")
    assert "/forms/pothole-report" in page
    assert "/forms/dog-license" not in page


def test_every_example_form_opens(resident):
    for name in every_example():
        page = resident.open(f"/forms/{name}")
        assert "<label" in page or "<legend" in page


def test_security_headers_and_cookies(client):
    response = client.get("/forms/pothole-report?lang=es")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_switch_sets_lang(resident):
    page = resident.open("/forms/pothole-report?lang=es")
    assert '<html lang="es">' in page
    assert "Reportar un bache" in page


def test_unknown_form_is_a_404_page(resident):
    page = resident.open("/forms/no-such-form", status=404)
    assert "Page not found" in page


def answer_pothole(resident, *, size="large", files=None):
    resident.answer("/forms/pothole-report/1", {"location": "Main St & 2nd Ave",
                                                 "position": "traffic_lane"})
    resident.answer("/forms/pothole-report/2", {"size": size, "lanes_blocked": "yes"},
                    files=files)
    resident.answer("/forms/pothole-report/3", {"email": "ana@example.org"})


def stored(db) -> list:
    with db.session() as session:
        query = select(Submission).options(selectinload(Submission.attachments))
        return list(session.scalars(query.order_by(Submission.id)))


def test_a_resident_reports_a_pothole(resident, db):
    answer_pothole(resident)
    check = resident.open("/forms/pothole-report/check")
    assert "Main St &amp; 2nd Ave" in check
    location = resident.send("pothole-report")
    assert re.search(r"/forms/pothole-report/done/PW-\d{4}-000001$", location)
    done = resident.open(location)
    assert "PW-" in done
    [submission] = stored(db)
    assert submission.answers["location"] == "Main St & 2nd Ave"
    assert submission.answers["lanes_blocked"] is True
    assert submission.language == "en"


def test_answers_that_no_longer_apply_are_not_stored(resident, db):
    answer_pothole(resident, size="large")
    resident.answer("/forms/pothole-report/2", {"size": "small"})
    resident.send("pothole-report")
    [submission] = stored(db)
    assert "lanes_blocked" not in submission.answers


def test_double_submit_gives_one_submission(resident, client, db):
    answer_pothole(resident)
    page = resident.open("/forms/pothole-report/check")
    data = {"csrf_token": csrf_token(page),
            "key": re.search(r'name="key" value="([^"]+)"', page).group(1)}
    first = client.post("/forms/pothole-report/submit", data=data)
    second = client.post("/forms/pothole-report/submit", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(stored(db)) == 1


def test_page_errors_keep_the_answers(resident):
    response = resident.answer("/forms/pothole-report/3",
                               {"email": "not-an-email", "name": "<b>Ana</b>"}, status=400)
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert 'value="not-an-email"' in page
    assert "&lt;b&gt;Ana&lt;/b&gt;" in page and "<b>Ana</b>" not in page


def test_missing_csrf_token_is_refused_but_keeps_answers(client, resident):
    response = client.post("/forms/pothole-report/1", data={"location": "Elm St"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Elm St"' in page
    assert "Nothing you typed has been lost" in page


@pytest.mark.parametrize(
    "tampered",
    [
        {"location": ["one", "two"], "position": "traffic_lane"},
        {"location": "x" * 1_000_000},
        {"location": "Elm", "is_admin": "1", "position": "not-a-choice"},
        {"location": "Elm", "size": ["large"] * 10_000},
    ],
    ids=["list-for-text", "megabyte-string", "unknown-and-bad-choice", "many-repeats"],
)
def test_tampered_posts_get_a_clear_answer(resident, client, tampered):
    page = resident.open("/forms/pothole-report/1")
    response = client.post("/forms/pothole-report/1",
                           data={"csrf_token": csrf_token(page), **tampered})
    # 413: more fields than MAX_FORM_PARTS, refused before parsing (issue 12).
    assert response.status_code in (302, 400, 413), response.status_code
    assert "Traceback" not in response.get_data(as_text=True)


def test_request_over_the_size_limit_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/forms/pothole-report/2", data={"size": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8"
       b"N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_photo_is_stored_and_linked(resident, db):
    answer_pothole(resident, files={"photo": (io.BytesIO(PNG), "hole.png")})
    check = resident.open("/forms/pothole-report/check")
    assert "hole.png" in check
    resident.send("pothole-report")
    [submission] = stored(db)
    assert submission.answers["photo"].startswith("att_")
    assert [a.file_name for a in submission.attachments] == ["hole.png"]


def test_executable_named_pdf_is_refused(resident, db):
    fake = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200)
    response = resident.answer("/forms/pothole-report/2",
                               {"size": "small"},
                               files={"photo": (fake, "photo.png")}, status=400)
    assert "must be" in response.get_data(as_text=True)


def test_save_and_come_back_later(resident, app):
    resident.answer("/forms/pothole-report/1", {"location": "Oak St", "_save": "1"})
    saved = resident.open("/forms/pothole-report/saved")
    link = re.search(r'href="(http://localhost/resume/[^"]+)"', saved).group(1)
    other = app.test_client()
    asked = other.get(link.replace("http://localhost", ""))  # asks before it moves the draft
    assert asked.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', asked.get_data(as_text=True))
    response = other.post(link.replace("http://localhost", ""),
                          data={"csrf_token": token.group(1)})
    assert response.status_code == 302
    page = other.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Oak St"' in page
    # The draft moved: the first browser and the link no longer open it.
    assert 'value="Oak St"' not in resident.open("/forms/pothole-report/1")
    assert app.test_client().get(link.replace("http://localhost", "")).status_code == 404


def test_expired_resume_link_says_so(resident):
    page = resident.open("/resume/not-a-real-token", status=404)
    assert "expired" in page


def test_spanish_resident_sees_spanish(resident, db):
    page = resident.open("/forms/pothole-report/2?lang=es")
    assert "¿Qué tamaño tiene?" in page
    assert "Más pequeño que un plato" in page


def test_an_expired_draft_is_explained_not_silently_dropped(resident, db):
    from formbuilder.models import Draft

    resident.answer("/forms/pothole-report/1", {"location": "Oak St"})
    with db.session() as session:
        for draft in session.scalars(select(Draft)):
            draft.expires_at = draft.created_at
    page = resident.open("/forms/pothole-report/2")
    assert "have been deleted" in page
