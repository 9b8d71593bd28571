"""The studio's builder and PDF import through the Flask test client, on SQLite and PostgreSQL:
each change saves the draft's next revision (the source shows it), a stale page is refused,
undo takes back the last change, a refused change saves nothing, and an imported PDF opens in
the builder with its checklist and is kept beside the draft."""

from __future__ import annotations

import html
import io
import re

import pytest
from pdf_forms import fillable_pdf, flat_pdf
from sqlalchemy import func, select
from staff import StaffActions, csrf_token, make_app, make_staff

from formbuilder.models import FormDraft, StudioEvent, User
from formbuilder.services import studio_grants
from schemas.checker import check_text

AUTHOR, READER = "ana@city.example", "rita@city.example"
FORMS = "/staff/forms"


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path)


def grant(db, email: str, text: str) -> None:
    make_staff(db, email)
    with db.session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        studio_grants.set_grants(session, user, studio_grants.parse_grants(text))


@pytest.fixture
def clerk(app, db):
    grant(db, AUTHOR, "author of Public Works")
    client = app.test_client()
    StaffActions(client).sign_in(AUTHOR)
    page = client.get(f"{FORMS}/new")
    response = client.post(f"{FORMS}/new", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "how": "blank",
        "title": "Report a pothole", "form_id": "pothole-fix", "department": "Public Works"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


def followed(client, response) -> str:
    """The page a change redirected to (it must have answered 302)."""
    assert response.status_code == 302
    return text_of(client.get(response.headers["Location"]))


def revision(client, url: str = f"{FORMS}/pothole-fix/build") -> tuple[str, str]:
    page = text_of(client.get(url))
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found, page[:3000]
    return csrf_token(page), found.group(1)


def change(client, op: str, data: dict, *, stale: str | None = None, **kwargs):
    token, current = revision(client)
    return client.post(f"{FORMS}/pothole-fix/build", data={
        "csrf_token": token, "revision": stale or current, "op": op, **data}, **kwargs)


def source(client) -> str:
    page = text_of(client.get(f"{FORMS}/pothole-fix/edit"))
    found = re.search(r'<textarea[^>]*id="source"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found
    return html.unescape(found.group(1))


def test_adding_a_question_saves_a_checked_draft_the_source_shows(clerk):
    response = change(clerk, "add_question", {
        "kind": "one_choice", "title": "How big is it?", "name": "size", "required": "yes",
        "choices": "Smaller than a plate [small]\nWider than a car [large]"})
    page = followed(clerk, response)
    assert "Added the question “How big is it?”." in page
    assert "How big is it?" in page and "One choice from a list" in page
    text = source(clerk)
    assert "enum: [small, large]" in text and "large: Wider than a car" in text
    assert not [p for p in check_text(text, "pothole-fix.yaml") if p.severity == "error"]


def test_a_condition_from_menus_is_written_as_if_then_and_shown_in_words(clerk):
    change(clerk, "add_question", {"kind": "one_choice", "title": "How big is it?",
                                   "name": "size", "choices": "Small [small]\nLarge [large]"})
    change(clerk, "add_question", {"kind": "yes_no", "title": "Is a lane blocked?",
                                   "name": "lanes_blocked", "required": "yes"})
    response = change(clerk, "set_condition", {"path": "lanes_blocked", "question": "size",
                                               "comparison": "is", "values_other": "Large",
                                               "view": "question"})
    page = followed(clerk, response)
    assert "Answer only if you answered “Large” to “How big is it?”." in page
    assert "size is &#34;large&#34;" in page or 'size is "large"' in page
    text = source(clerk)
    assert "then:" in text and "lanes_blocked" in text.split("then:")[1]


def test_a_change_the_checker_refuses_saves_nothing_and_says_why(clerk, db):
    before = source(clerk)
    response = change(clerk, "set_page_when", {"page": "0", "when": "amout > 5"})
    assert response.status_code == 400
    assert "This form is on one page" in text_of(response)
    change(clerk, "add_page", {"title": "You", "fields": ["email"]})
    response = change(clerk, "set_page_when", {"page": "0", "when": "amout > 5"})
    assert response.status_code == 400 and "amout" in text_of(response)
    assert "Not changed" in text_of(response)
    assert source(clerk) != before  # the page was added
    assert "amout" not in source(clerk)


def test_a_page_opened_before_a_colleagues_save_is_refused(clerk):
    token, old = revision(clerk)
    change(clerk, "edit_form", {"title": "Report a road hole"})
    response = clerk.post(f"{FORMS}/pothole-fix/build", data={
        "csrf_token": token, "revision": old, "op": "edit_form", "title": "Something else"})
    assert response.status_code == 409
    assert "Someone else saved this draft" in text_of(response)
    assert "Report a road hole" in source(clerk)


def test_undo_takes_back_the_last_changes_one_by_one(clerk, db):
    original = source(clerk)
    change(clerk, "add_question", {"kind": "date", "title": "When did you see it?"})
    after_one = source(clerk)
    change(clerk, "add_question", {"kind": "phone", "title": "Your phone"})
    assert change(clerk, "undo", {}).status_code == 302
    assert source(clerk) == after_one
    assert change(clerk, "undo", {}).status_code == 302
    assert source(clerk) == original
    assert change(clerk, "undo", {}).status_code == 400
    with db.session(readonly=True) as session:
        draft = session.get(FormDraft, "pothole-fix")
        assert draft.revision == 5 and draft.source == original


def test_undo_stops_at_a_save_in_the_source_editor(clerk):
    change(clerk, "add_question", {"kind": "date", "title": "When did you see it?"})
    token, current = revision(clerk, f"{FORMS}/pothole-fix/edit")
    clerk.post(f"{FORMS}/pothole-fix/edit", data={
        "csrf_token": token, "revision": current,
        "source": source(clerk) + "# edited by hand\n"}, content_type="multipart/form-data")
    page = text_of(clerk.get(f"{FORMS}/pothole-fix/build"))
    assert "Undo the last change" not in page
    assert change(clerk, "undo", {}).status_code == 400


def test_translations_table_marks_missing_and_adds_a_language_whole(clerk):
    page = text_of(clerk.get(f"{FORMS}/pothole-fix/build/translations?add=es"))
    assert page.count("Missing") >= 3
    cells = dict(re.findall(r'name="(t-\d+-es)"', page) and
                 [(name, f"ES {name}") for name in re.findall(r'name="(t-\d+-es)"', page)])
    partial = dict(list(cells.items())[:1])
    token, current = revision(clerk, f"{FORMS}/pothole-fix/build/translations?add=es")
    response = clerk.post(f"{FORMS}/pothole-fix/build", data={
        "csrf_token": token, "revision": current, "op": "translate", "view": "translations",
        "new_language": "es", **partial})
    assert response.status_code == 400 and "title_es" in text_of(response)
    assert "ES t-0-es" in text_of(response)  # what was typed stays in the box
    response = clerk.post(f"{FORMS}/pothole-fix/build", data={
        "csrf_token": token, "revision": current, "op": "translate", "view": "translations",
        "new_language": "es", **cells})
    assert response.status_code == 302
    assert "languages: [en, es]" in source(clerk)
    assert "Missing" not in text_of(clerk.get(f"{FORMS}/pothole-fix/build/translations"))


def test_routing_steps_and_notify_come_from_menus(clerk, db):
    make_staff(db, "dispatch@city.example", ["public-works-dispatch"])
    page = text_of(clerk.get(f"{FORMS}/pothole-fix/build"))
    assert 'value="public-works-dispatch"' in page
    response = change(clerk, "add_step", {"name": "Dispatch review",
                                          "assign": "public-works-dispatch", "due": "8 hours",
                                          "when_question_0": "email",
                                          "when_comparison_0": "answered"})
    assert response.status_code == 302
    change(clerk, "set_notify", {"event": "on_submit", "recipients": ["applicant"]})
    text = source(clerk)
    assert "assign: public-works-dispatch" in text and "when: email is set" in text
    assert "on_submit: [applicant]" in text


def test_a_reader_without_the_author_grant_cannot_change(app, db, clerk):
    grant(db, READER, "publisher of Public Works")
    reader = app.test_client()
    StaffActions(reader).sign_in(READER)
    page = text_of(reader.get(f"{FORMS}/pothole-fix/build"))
    assert "Add the question" not in page
    response = reader.post(f"{FORMS}/pothole-fix/build", data={
        "csrf_token": csrf_token(page), "revision": "1", "op": "edit_form", "title": "Mine"})
    assert response.status_code == 403


def test_a_post_without_a_csrf_token_changes_nothing(clerk):
    before = source(clerk)
    response = clerk.post(f"{FORMS}/pothole-fix/build", data={"op": "edit_form",
                                                            "title": "X", "revision": "1"})
    assert response.status_code == 400 and source(clerk) == before


def test_script_in_a_question_is_escaped(clerk):
    change(clerk, "add_question", {"kind": "short_text", "title": "<script>alert(1)</script>"})
    page = text_of(clerk.get(f"{FORMS}/pothole-fix/build"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def import_pdf(client, data: bytes, name: str = "sidewalk.pdf", form_id: str = "sidewalk"):
    page = client.get(f"{FORMS}/new")
    return client.post(f"{FORMS}/new", data={
        "csrf_token": csrf_token(text_of(page)), "how": "pdf", "title": "",
        "form_id": form_id, "department": "Public Works",
        "pdf": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_fillable_pdf_opens_in_the_builder_with_its_checklist_and_is_kept(clerk, db):
    response = import_pdf(clerk, fillable_pdf())
    page = followed(clerk, response)
    assert response.headers["Location"].endswith("/sidewalk/build")
    assert re.search(r"\d+ questions imported; \d+ took their text from nearby words", page)
    assert "Is it a trip hazard?" in page and "Yes or no" in page
    pdf = clerk.get(f"{FORMS}/sidewalk/build/pdf")
    assert pdf.status_code == 200 and pdf.data == fillable_pdf()
    assert pdf.headers["Content-Type"] == "application/pdf"
    with db.session(readonly=True) as session:
        draft = session.get(FormDraft, "sidewalk")
        assert draft.errors == 0 and draft.department == "Public Works"


def test_a_flat_pdf_gives_an_outline_turned_into_questions_one_click_each(clerk):
    response = import_pdf(clerk, flat_pdf(), name="trees.pdf", form_id="trees")
    assert response.status_code == 302
    page = text_of(clerk.get(f"{FORMS}/trees/build"))
    assert "Your name" in page and "Add as a question" in page
    token, current = revision(clerk, f"{FORMS}/trees/build")
    clerk.post(f"{FORMS}/trees/build", data={"csrf_token": token, "revision": current,
                                             "op": "add_question", "kind": "short_text",
                                             "title": "Your name"})
    page = text_of(clerk.get(f"{FORMS}/trees/build"))
    assert "Added" in page and "your_name" in page


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.7\n" + b"x" * 100, "damaged"),
    (b"hello, this is text", "not a PDF"),
])
def test_a_bad_pdf_is_refused_in_words_and_nothing_is_made(clerk, db, data, words):
    response = import_pdf(clerk, data, form_id="bad-one")
    assert response.status_code == 400 and words in text_of(response)
    with db.session(readonly=True) as session:
        assert session.get(FormDraft, "bad-one") is None
        assert session.scalar(select(func.count()).select_from(StudioEvent).where(
            StudioEvent.form_id == "bad-one")) == 0
