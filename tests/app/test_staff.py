"""Staff at the submission page, through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from staff import csrf_token, make_staff

import schemas
from formbuilder.models import Event, Submission
from formbuilder.services import publishing
from formbuilder.services.submissions import create_submission

ROUTING = [
    {"step": "Dispatch review", "assign": "dispatch", "due": "2 days"},
    {"step": "Supervisor approval", "assign": "supervisor"},
]


def definition(**extra):
    return {
        "id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
        "applicant_email": "email", "routing": ROUTING,
        "schema": {"type": "object", "required": ["location", "email"], "properties": {
            "location": {"type": "string", "title": "Where is it?"},
            "email": {"type": "string", "format": "email", "title": "Email"},
            "photo": {"type": "string", "format": "file", "title": "Photo",
                      "contentMediaType": "image/png"}}},
        **extra,
    }


@pytest.fixture
def version(db):
    with db.session() as session:
        found, _ = publishing.publish(session, schemas.load_definition(definition()))
    return found


@pytest.fixture
def reference(db, version) -> str:
    with db.session() as session:
        submission, _ = create_submission(
            session, version, {"location": "Main St <b>&</b>", "email": "ana@example.org"},
            language="en", idempotency_key=None)
        return submission.reference


@pytest.fixture
def people(db):
    make_staff(db, "dee@city.gov", ["dispatch"])
    make_staff(db, "sam@city.gov", ["supervisor"])
    make_staff(db, "ola@city.gov", ["parks"])


def open_page(client, reference, status=200) -> str:
    response = client.get(f"/staff/submissions/{reference}")
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def length_of(page: str) -> str:
    return re.search(r'name="history_length" value="(\d+)"', page).group(1)


def post(client, reference, action, page, **fields):
    data = {"csrf_token": csrf_token(page), "history_length": length_of(page), **fields}
    return client.post(f"/staff/submissions/{reference}/{action}", data=data)


def events(db, kind=None) -> list:
    """The history as plain rows (a read-only session's objects expire when it ends)."""
    with db.session(readonly=True) as session:
        query = select(Event.kind, Event.actor, Event.data).order_by(Event.id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(session.execute(query))


def status_of(db, reference) -> str:
    with db.session(readonly=True) as session:
        return session.scalars(select(Submission.status).where(
            Submission.reference == reference)).one()


def test_signed_out_visitors_go_to_sign_in(client, reference):
    response = client.get(f"/staff/submissions/{reference}")
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


def test_the_page_shows_answers_history_and_my_task(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    assert "Main St &lt;b&gt;&amp;&lt;/b&gt;" in page  # what residents type is escaped
    assert "Dispatch review, for dispatch" in page
    assert 'name="decision"' in page and "Claim this task" in page
    assert f"/staff/submissions/{reference}/pdf" in page
    assert "Sent the form" in page and "The resident" in page
    assert "<caption" in page and 'scope="col"' in page
    assert "Change" not in re.sub(r"Change your|changes", "", page)  # no Change links
    assert [e.actor for e in events(db, "viewed")] == ["dee@city.gov"]
    open_page(client, reference)
    assert len(events(db, "viewed")) == 1  # once an hour at most


def test_approving_moves_to_the_next_step(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    response = post(client, reference, "decide", page, step="0", role="dispatch",
                    decision="approve", comment="")
    assert response.status_code == 302
    assert [e.actor for e in events(db, "approved")] == ["dee@city.gov"]
    page = open_page(client, reference)
    assert 'name="decision"' not in page  # the supervisor's task is not mine
    assert "Supervisor approval, for supervisor" in page


def test_a_rejection_needs_a_comment_shown_as_a_field_error(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    response = post(client, reference, "decide", page, step="0", role="dispatch",
                    decision="reject", comment="  ")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body and "Enter the reason for rejecting." in body
    assert "error-message" in body
    assert events(db, "rejected") == []
    response = post(client, reference, "decide", page, step="0", role="dispatch",
                    decision="return", comment="")
    assert "Enter a comment: the resident is told why." in response.get_data(as_text=True)
    assert status_of(db, reference) == "in_review"


def test_returning_shows_the_link_to_send_the_resident(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    post(client, reference, "decide", page, step="0", role="dispatch", decision="return",
         comment="Which side of the street?")
    assert status_of(db, reference) == "returned"
    page = open_page(client, reference)
    assert "Send this link to the resident" in page
    assert re.search(r'href="http://localhost/returned/[^"]+"', page)


def test_a_stale_page_posting_twice_records_one_decision(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    first = post(client, reference, "decide", page, step="0", role="dispatch",
                 decision="approve")
    second = post(client, reference, "decide", page, step="0", role="dispatch",
                  decision="approve")
    assert first.status_code == 302
    assert second.status_code == 409
    assert "This submission changed since you opened it" in second.get_data(as_text=True)
    assert len(events(db, "approved")) == 1


def test_a_forged_step_or_role_is_a_clear_400(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    for step, role, words in [("7", "dispatch", "no such step"), ("x", "dispatch", "did not say"),
                              ("0", "mayor", "No step of this form is assigned")]:
        response = post(client, reference, "decide", page, step=step, role=role,
                        decision="approve")
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
    response = post(client, reference, "decide", page, step="0", role="dispatch",
                    decision="delete")
    assert response.status_code == 400
    assert events(db, "approved") == []


def test_acting_on_another_roles_task_is_refused(client, staff, people, reference, db):
    staff.sign_in("sam@city.gov")  # a supervisor may see the form's submissions...
    page = open_page(client, reference)
    assert 'name="decision"' not in page
    response = client.post(f"/staff/submissions/{reference}/decide", data={
        "csrf_token": csrf_token(page), "history_length": "2", "step": "0", "role": "dispatch",
        "decision": "approve"})
    assert response.status_code == 403  # ...but not decide the dispatch step
    assert "You cannot decide" in response.get_data(as_text=True)
    assert events(db, "approved") == []


def test_other_departments_get_a_403_in_their_language(client, staff, people, reference):
    staff.sign_in("ola@city.gov")
    response = client.get(f"/staff/submissions/{reference}?lang=es")
    assert response.status_code == 403
    assert "No puede ver esta página" in response.get_data(as_text=True)
    page = client.get("/track").get_data(as_text=True)
    response = client.post(f"/staff/submissions/{reference}/decide",
                           data={"csrf_token": csrf_token(page), "step": "0",
                                 "role": "dispatch", "history_length": "2",
                                 "decision": "approve"})
    assert response.status_code == 403


def test_posts_without_csrf_are_refused(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    response = client.post(f"/staff/submissions/{reference}/decide",
                           data={"step": "0", "role": "dispatch", "decision": "approve",
                                 "history_length": length_of(page)})
    assert response.status_code == 400
    assert events(db, "approved") == []


def test_claim_and_release(client, staff, people, reference, db):
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    assert post(client, reference, "claim", page, step="0", role="dispatch").status_code == 302
    page = open_page(client, reference)
    assert "You have claimed this task." in page and "Release this task" in page
    assert post(client, reference, "release", page, step="0",
                role="dispatch").status_code == 302
    assert [e.kind for e in events(db) if e.kind in ("claimed", "released")] == [
        "claimed", "released"]


def test_an_unknown_reference_is_a_404(client, staff, people):
    staff.sign_in("dee@city.gov")
    assert client.get("/staff/submissions/PW-2030-999999").status_code == 404


def test_the_pdf_link_answers(client, staff, people, reference):
    staff.sign_in("dee@city.gov")
    response = client.get(f"/staff/submissions/{reference}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f'filename="{reference}.pdf"' in response.headers["Content-Disposition"]


def test_staff_download_the_submissions_files(client, staff, people, db, version, tmp_path, app):
    from formbuilder.models import Attachment

    storage = app.extensions["storage"]
    with db.session() as session:
        key = "ab" * 16
        storage.write(key, b"\x89PNG\r\n\x1a\nfake")
        attachment = Attachment(form_id=version.form_id, field="photo", file_name="hole.png",
                                media_type="image/png", size=12, sha256="0" * 64,
                                storage_key=key, created_at=datetime.now(UTC))
        session.add(attachment)
        session.flush()
        submission, _ = create_submission(
            session, version, {"location": "Elm", "photo": attachment.id,
                               "email": "a@example.org"},
            language="en", idempotency_key=None, attachment_ids=[attachment.id])
        reference, attachment_id = submission.reference, attachment.id
    staff.sign_in("dee@city.gov")
    page = open_page(client, reference)
    assert f"/staff/submissions/{reference}/files/{attachment_id}" in page
    response = client.get(f"/staff/submissions/{reference}/files/{attachment_id}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
