"""A step's own fields on the staff page, /track, the API, webhooks and the PDF (issue 15),
through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re

import pytest
from mailforms import Clerk
from pypdf import PdfReader
from sqlalchemy import select
from staff import csrf_token, make_staff

import schemas
from formbuilder.models import Attachment, Event, Job
from formbuilder.services import api_tokens, publishing, routing
from formbuilder.services.submissions import create_submission

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ROUTING = [
    {"step": "Inspection", "assign": "inspectors", "show_resident": True,
     "fields": {
         "inspection_date": {"type": "string", "format": "date", "title": "Date inspected"},
         "result": {"title": "Result", "enum": ["pass", "fail"]},
         "notes": {"type": "string", "title": "Notes <i>kept</i>", "maxLength": 50},
         "report": {"type": "string", "format": "file", "title": "Report",
                    "contentMediaType": "application/pdf"}},
     "required_to_approve": ["inspection_date", "result"]},
    {"step": "Re-inspection", "assign": "inspectors", "when": 'Inspection.result is "fail"',
     "fields": {"permit_number": {"type": "string", "title": "Permit number"}}},
    {"step": "Filing", "assign": "clerks"},
]


def definition() -> dict:
    return {
        "id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
        "applicant_email": "email", "routing": ROUTING,
        "webhooks": [{"url": "https://hooks.example.org/permits"}],
        "computed": {"fee": {"title": "Fee", "value": "lanes * 40 + 10"}},
        "schema": {"type": "object", "required": ["location", "email"], "properties": {
            "location": {"type": "string", "title": "Where is it?"},
            "lanes": {"type": "integer", "title": "Lanes"},
            "email": {"type": "string", "format": "email", "title": "Email"}}},
    }


@pytest.fixture
def reference(db) -> str:
    make_staff(db, "ian@city.gov", ["inspectors"])
    make_staff(db, "cle@city.gov", ["clerks"])
    with db.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(definition()))
        submission, _ = create_submission(
            session, version, {"location": "Main St", "lanes": 2, "email": "ana@example.org"},
            language="en", idempotency_key=None)
        return submission.reference


def page_of(client, reference: str, path: str = "") -> str:
    response = client.get(f"/staff/submissions/{reference}{path}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def decide(client, reference: str, page: str, **fields):
    length = re.search(r'name="history_length" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "history_length": length, "step": "0",
            "role": "inspectors", "comment": "", **fields}
    return client.post(f"/staff/submissions/{reference}/decide", data=data,
                       content_type="multipart/form-data")


def kinds(db) -> list[tuple[str, dict]]:
    with db.session(readonly=True) as session:
        return [(kind, data) for kind, data in session.execute(
            select(Event.kind, Event.data).where(Event.kind != "viewed").order_by(Event.id))]


def test_approving_needs_the_required_fields_in_the_residents_words(client, staff, reference,
                                                                    db):
    staff.sign_in("ian@city.gov")
    page = page_of(client, reference)
    assert "For office use" in page and 'name="result"' in page
    assert "Notes &lt;i&gt;kept&lt;/i&gt;" in page
    response = decide(client, reference, page, decision="approve", notes="x" * 60)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a date for “Date inspected”" in body
    assert "Select an answer for “Result”" in body
    assert 'value="' + "x" * 60 in body, "what was typed is shown again"
    assert [kind for kind, _ in kinds(db)] == ["submitted", "step_started"]


def test_a_return_may_leave_the_fields_blank(client, staff, reference, db):
    staff.sign_in("ian@city.gov")
    response = decide(client, reference, page_of(client, reference), decision="return",
                      comment="Photo please.")
    assert response.status_code == 302
    assert kinds(db)[-1] == ("returned", {"step": 0, "role": "inspectors",
                                          "comment": "Photo please."})


def test_a_failed_inspection_is_recorded_routes_on_and_is_shown(client, staff, reference, db):
    staff.sign_in("ian@city.gov")
    response = decide(client, reference, page_of(client, reference), decision="approve",
                      inspection_date="2026-05-06", result="fail", notes="Cracked <beam>",
                      report=(io.BytesIO(PDF), "report.pdf"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    approved = next(data for kind, data in kinds(db) if kind == "approved")
    assert approved["fields"]["result"] == "fail"
    assert kinds(db)[-1][1]["step"] == 1, "Inspection.result is \"fail\": re-inspection next"
    with db.session(readonly=True) as session:
        report = session.get(Attachment, approved["fields"]["report"])
        assert report.submission_id is not None and report.field == "Inspection.report"
    page = page_of(client, reference)
    assert "Cracked &lt;beam&gt;" in page and "report.pdf" in page
    assert "Fee" in page and "90" in page
    # The PDF's "For office use" box, the API and /track show it too.
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get(f"/staff/submissions/{reference}/pdf").data)).pages)
    assert "For office use" in text and "Cracked <beam>" in text and "Result fail" in text


def test_a_correction_is_a_new_event_that_keeps_the_old_values(client, staff, reference, db):
    staff.sign_in("ian@city.gov")
    decide(client, reference, page_of(client, reference), decision="approve",
           inspection_date="2026-05-06", result="fail")
    assert "Correct the fields of Inspection" in page_of(client, reference)
    form = page_of(client, reference, "/steps/0/correct")
    length = re.search(r'name="history_length" value="(\d+)"', form).group(1)
    missing = client.post(f"/staff/submissions/{reference}/steps/0/correct", data={
        "csrf_token": csrf_token(form), "history_length": length, "result": "pass",
        "inspection_date": "2026-05-06"})
    assert missing.status_code == 400 and "Enter why you are correcting it." in missing.text
    response = client.post(f"/staff/submissions/{reference}/steps/0/correct", data={
        "csrf_token": csrf_token(form), "history_length": length, "result": "pass",
        "inspection_date": "2026-05-07", "comment": "Wrong day typed."})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    kind, data = kinds(db)[-1]
    assert kind == "corrected"
    assert data["previous"] == {"inspection_date": "2026-05-06", "result": "fail"}
    assert data["fields"] == {"inspection_date": "2026-05-07", "result": "pass"}
    assert "Corrected the fields of “Inspection”" in page_of(client, reference)


def test_track_shows_only_the_steps_that_say_show_resident(client, staff, reference, db):
    staff.sign_in("ian@city.gov")
    decide(client, reference, page_of(client, reference), decision="approve",
           inspection_date="2026-05-06", result="fail", notes="Call us")
    page = page_of(client, reference)
    length = re.search(r'name="history_length" value="(\d+)"', page).group(1)
    client.post(f"/staff/submissions/{reference}/decide", data={
        "csrf_token": csrf_token(page), "history_length": length, "step": "1",
        "role": "inspectors", "decision": "approve", "permit_number": "SECRET-77"})
    staff.sign_out()
    form = client.get("/track").get_data(as_text=True)
    tracked = client.post("/track", data={"csrf_token": csrf_token(form),
                                          "reference": reference, "email": "ana@example.org"})
    body = tracked.get_data(as_text=True)
    assert "Recorded at “Inspection”" in body and "Call us" in body
    assert "SECRET-77" not in body, "the re-inspection does not say show_resident"
    assert "Fee" in body


def test_the_api_and_webhooks_carry_the_step_fields(client, staff, reference, db):
    with db.session() as session:
        _, token = api_tokens.create(session, "case system", ["read", "decide"],
                                     by="ada@city.gov")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/submissions/{reference}"
    length = client.get(url, headers=headers).json["history_length"]
    missing = client.post(f"{url}/decisions", headers=headers, json={
        "step": 0, "role": "inspectors", "decision": "approve", "history_length": length})
    assert missing.status_code == 409 and "Date inspected" in missing.json["detail"]
    approved = client.post(f"{url}/decisions", headers=headers, json={
        "step": 0, "role": "inspectors", "decision": "approve", "history_length": length,
        "fields": {"inspection_date": "2026-05-06", "result": "pass"}})
    assert approved.status_code == 200, approved.json
    assert approved.json["office"] == [{"step": 0, "name": "Inspection", "fields": {
        "inspection_date": "2026-05-06", "result": "pass"}}]
    assert approved.json["computed"] == {"fee": 90}
    assert approved.json["history"][-2]["fields"]["result"] == "pass"
    with db.session(readonly=True) as session:
        bodies = [json.loads(job.payload["body"]) for job in session.scalars(
            select(Job).where(Job.kind == "webhook").order_by(Job.id))]
    step_approved = next(b for b in bodies if b["type"] == "step.approved")
    assert step_approved["step"]["fields"] == {"inspection_date": "2026-05-06",
                                               "result": "pass"}


def test_notify_can_email_the_address_a_step_entered(db):
    crew = {**definition(), "id": "crew-form", "reference_prefix": "CR",
            "notify": {"on_decision": ["Dispatch.crew_email"]},
            "routing": [{"step": "Dispatch", "assign": "dispatch", "required_to_approve":
                         ["crew_email"], "fields": {"crew_email": {
                             "type": "string", "format": "email", "title": "Crew email"}}}]}
    with db.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(crew))
        submission, _ = create_submission(
            session, version, {"location": "Main St", "email": "ana@example.org"},
            language="en", idempotency_key=None)
        routing.decide(session, submission, Clerk("dee@city.gov", frozenset({"dispatch"})), 0,
                       "dispatch", "approve", None, fields={"crew_email": "crew7@city.gov"})
        keys = session.scalars(select(Job.key).where(Job.kind == "email")).all()
    assert any(key.endswith(":crew7@city.gov") for key in keys), keys
