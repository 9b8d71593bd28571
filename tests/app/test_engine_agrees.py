"""The engine agrees with what `check` accepts: an applicant email inside a group, routing
whose every step is skipped, a form closed between "Check your answers" and "Submit"."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

import schemas
from formbuilder.app import create_app
from formbuilder.models import FormVersion, Job, Submission
from formbuilder.services import publishing, submissions

EMAIL = "ana@example.org"


def grouped_definition(**extra: Any) -> dict[str, Any]:
    """A form whose applicant email is a question inside the ``contact`` group."""
    return {
        "id": "street-permit", "title": "Street permit", "reference_prefix": "SP",
        "applicant_email": "contact.email",
        "schema": {
            "type": "object", "required": ["place", "contact"],
            "properties": {
                "place": {"type": "string", "title": "Where?", "maxLength": 200},
                "contact": {"type": "object", "title": "How can we reach you?",
                            "required": ["email"],
                            "properties": {"email": {"type": "string", "format": "email",
                                                     "title": "Your email"}}},
            },
        },
        **extra,
    }


def publish(db, definition: dict[str, Any]) -> FormVersion:
    with db.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(definition),
                                        by="clerk@example.gov")
    return version


def submit(db, version: FormVersion, answers: dict[str, Any]) -> str:
    with db.session() as session:
        created, _ = submissions.create_submission(
            session, session.get(FormVersion, version.id), answers, language="en",
            idempotency_key=None)
        return created.reference


def jobs(db, kind: str) -> list[dict[str, Any]]:
    with db.session(readonly=True) as session:
        return [dict(job.payload) for job in session.scalars(
            select(Job).where(Job.kind == kind).order_by(Job.id))]


@pytest.fixture
def app(db, tmp_path):
    return create_app({"TESTING": True, "DATABASE": db, "SECRET_KEY": "test-secret",
                       "UPLOAD_DIR": str(tmp_path / "uploads")})


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, "the page has a CSRF token"
    return match.group(1)


def track(client, reference: str, email: str = EMAIL):
    page = client.get("/track").get_data(as_text=True)
    return client.post("/track", data={"csrf_token": csrf_token(page), "reference": reference,
                                       "email": email})


# --- 6: one accessor for the applicant's email -------------------------------------------------


def test_the_applicant_email_is_read_through_one_accessor_of_the_form():
    form = schemas.load_definition(grouped_definition())
    assert form.applicant_email_in({"contact": {"email": f"  {EMAIL} "}}) == EMAIL
    assert form.applicant_email_in({"contact": {}}) is None
    assert form.applicant_email_in({"contact": "x"}) is None
    assert form.applicant_email_in({}) is None


def test_an_applicant_email_inside_a_group_gets_the_receipt_and_can_track(app, db):
    version = publish(db, grouped_definition())
    reference = submit(db, version, {"place": "Main St", "contact": {"email": EMAIL}})
    assert [(j["kind"], j["to"]) for j in jobs(db, "email")] == [("receipt", EMAIL)]
    response = track(app.test_client(), reference, email=EMAIL.upper())
    assert response.status_code == 200
    assert reference in response.get_data(as_text=True)


# --- 10: routing whose every step is skipped -----------------------------------------------------


SKIPPED = [{"step": "Supervisor approval", "assign": "supervisor", "when": "place is \"River\""}]


def test_routing_with_every_step_skipped_approves_at_once_everywhere(app, db):
    hook = [{"url": "https://hooks.example.gov/in", "on": ["submit", "decision"]}]
    version = publish(db, grouped_definition(routing=SKIPPED, webhooks=hook))
    reference = submit(db, version, {"place": "Main St", "contact": {"email": EMAIL}})
    with db.session(readonly=True) as session:
        assert submissions.get_by_reference(session, reference).status == "approved"
    emails = sorted(jobs(db, "email"), key=lambda job: job["event"])
    assert [(j["kind"], j["to"]) for j in emails] == [("receipt", EMAIL), ("decision", EMAIL)]
    sent = [json.loads(j["body"]) for j in jobs(db, "webhook")]
    assert sorted((body["type"], body["submission"]["status"]) for body in sent)[::-1] == [
        ("submission.submitted", "approved"), ("submission.approved", "approved")]
    page = track(app.test_client(), reference).get_data(as_text=True)
    assert "Approved" in page


# --- 11: closed means closed --------------------------------------------------------------------


def test_submit_after_open_until_is_refused_with_a_page_that_says_so(app, db):
    publish(db, grouped_definition())
    client = app.test_client()
    page = client.get("/forms/street-permit/1").get_data(as_text=True)
    client.post("/forms/street-permit/1", data={
        "csrf_token": csrf_token(page), "place": "Main St", "contact.email": EMAIL})
    check = client.get("/forms/street-permit/check").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', check).group(1)
    # The clerk closes the form while the resident reads "Check your answers".
    publish(db, grouped_definition(open_until=(date.today() - timedelta(days=1)).isoformat()))
    app.extensions.pop("published_versions", None)
    response = client.post("/forms/street-permit/submit",
                           data={"csrf_token": csrf_token(check), "key": key})
    assert response.status_code == 403
    assert "closed" in response.get_data(as_text=True).lower()
    with db.session(readonly=True) as session:
        assert session.scalars(select(Submission)).all() == []
