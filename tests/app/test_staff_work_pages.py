"""The dashboard, the satisfaction question, the audit log and the API tokens page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from on_record import publish_with_submissions
from sqlalchemy import select
from staff import csrf_token, make_app, make_staff

from formbuilder.models import AuditEntry, SatisfactionAnswer, Submission
from formbuilder.services import dashboard, routing

T0 = datetime(2030, 3, 4, 9, tzinfo=UTC)
DEFINITION = {
    "id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
    "routing": [{"step": "Dispatch review", "assign": "dispatch", "due": "1 day"}],
    "schema": {"type": "object", "properties": {"location": {"type": "string"}}},
}


@pytest.fixture
def app(db, tmp_path):
    with db.session() as session:
        publish_with_submissions(session, DEFINITION, [
            ({"location": f"<b>{n}</b>"}, T0 - timedelta(days=7 * n)) for n in range(4)])
        for page in (0, 0, 0, 0, 0, 1, 1):
            dashboard.count_page(session, "pothole-report", page, T0.date())
    return make_app(db, tmp_path, NOW=lambda: T0 + timedelta(days=2))


def test_the_dashboard_counts_in_fixed_queries(db, app):
    user = make_staff(db, "dee@city.gov", ["dispatch"])
    with db.session() as session:
        submission = session.scalars(select(Submission)).first()
        routing.decide(session, submission, user, 0, "dispatch", "approve", None,
                       submission.created_at + timedelta(hours=5))
        figures = dashboard.build(session, "pothole-report", T0 + timedelta(days=2))
    assert sum(count for _, count in figures.weeks) == 4 and figures.weeks[-1][1] == 1
    assert (figures.started, figures.sent) == (5, 4) and figures.pages == [(0, 5), (1, 2)]
    assert figures.steps[0].decided == 1 and figures.steps[0].median_hours == 5
    assert figures.overdue == 3 and figures.outcomes == {"approved": 1, "in_review": 3}


def test_the_dashboard_page_draws_svg_with_tables(db, app, staff):
    make_staff(db, "ada@city.gov", admin=True)
    staff.client = app.test_client()
    staff.sign_in("ada@city.gov")
    page = staff.client.get("/staff/forms/pothole-report/dashboard").get_data(as_text=True)
    assert "<svg role=\"img\"" in page and "<caption>Submissions per week</caption>" in page
    assert "4 sent of 5 started: 80%." in page
    assert "Overdue now: 4" in page
    assert staff.client.get("/staff/forms/nothing/dashboard").status_code == 404


def test_another_office_may_not_see_the_dashboard(db, app, staff):
    make_staff(db, "pat@city.gov", ["parks"])
    staff.client = app.test_client()
    staff.sign_in("pat@city.gov")
    assert staff.client.get("/staff/forms/pothole-report/dashboard").status_code == 403


def test_residents_answer_how_easy_it_was_once_and_apart(db, app):
    client = app.test_client()
    with db.session() as session:
        reference = session.scalars(select(Submission.reference)).first()
    url = f"/forms/pothole-report/done/{reference}"
    page = client.get(url).get_data(as_text=True)
    assert "How easy was this form? (optional)" in page
    data = {"csrf_token": csrf_token(page), "rating": "4", "comment": "Fine <b>"}
    assert client.post(f"{url}/feedback", data=data).status_code == 403  # not this browser's
    with client.session_transaction() as session:
        session["submitted"] = [reference]
    assert client.post(f"{url}/feedback", data=data).status_code == 302
    client.post(f"{url}/feedback", data={**data, "rating": "1"})
    with db.session() as session:
        answers = session.scalars(select(SatisfactionAnswer)).all()
        assert [(a.rating, a.comment) for a in answers] == [(4, "Fine <b>")]
        assert "Fine" not in str(session.scalars(select(Submission.answers)).all())


def test_the_audit_log_records_and_filters_staff_actions(db, app, staff):
    make_staff(db, "ada@city.gov", admin=True)
    make_staff(db, "pat@city.gov", ["parks"])
    with db.session() as session:
        reference = session.scalars(select(Submission.reference)).first()
    client = app.test_client()
    staff.client = client
    staff.sign_in("pat@city.gov")
    assert client.get(f"/staff/submissions/{reference}").status_code == 403
    assert client.get("/staff/admin/audit").status_code == 403
    staff.sign_out()
    staff.sign_in("ada@city.gov", password="wrong", check=False)
    staff.sign_in("ada@city.gov")
    client.get(f"/staff/submissions/{reference}")
    page = client.get("/staff/admin/audit?actor=pat@city.gov").get_data(as_text=True)
    assert "<td>Refused a page</td>" in page and reference in page
    assert "<td>Sign-in refused</td>" not in page
    csv_text = client.get("/staff/admin/audit.csv?action=viewed").get_data(as_text=True)
    assert reference in csv_text and "ada@city.gov" in csv_text
    assert "Enter a date like" in client.get("/staff/admin/audit?from=soon").get_data(
        as_text=True)
    with db.session() as session:
        actions = {e.action for e in session.scalars(select(AuditEntry))}
    assert {"sign_in", "sign_in_failed", "sign_out", "refused", "viewed", "published",
            "exported"} <= actions


def test_admins_make_tokens_shown_once_and_revoke_them(db, app, staff):
    make_staff(db, "ada@city.gov", admin=True)
    client = app.test_client()
    staff.client = client
    staff.sign_in("ada@city.gov")
    page = client.get("/staff/admin/tokens").get_data(as_text=True)
    made = client.post("/staff/admin/tokens", data={
        "csrf_token": csrf_token(page), "name": "permits <system>", "scope": ["read"]})
    shown = made.get_data(as_text=True)
    token = re.search(r'<code class="token">([^<]+)</code>', shown).group(1)
    assert client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200
    assert token not in client.get("/staff/admin/tokens").get_data(as_text=True)
    assert "permits &lt;system&gt;" in shown
    none = client.post("/staff/admin/tokens", data={"csrf_token": csrf_token(page),
                                                     "name": "x"})
    assert none.status_code == 400 and "Choose at least one scope" in none.get_data(
        as_text=True)
    client.post("/staff/admin/tokens/1/revoke", data={"csrf_token": csrf_token(page)})
    assert client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401
