"""The staff inbox: my roles only, filters, search, keyset pages and a fixed query count."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from staff import make_staff

import schemas
from formbuilder.models import Submission
from formbuilder.services import publishing, routing
from formbuilder.services.inbox import Cursor
from formbuilder.services.submissions import create_submission

T0 = datetime(2030, 3, 1, 9, tzinfo=UTC)


def definition(form_id, prefix, routing_steps):
    return {"id": form_id, "title": form_id.replace("-", " ").title(), "reference_prefix": prefix,
            "routing": routing_steps,
            "schema": {"type": "object", "required": ["location"], "properties": {
                "location": {"type": "string", "title": "Where?"}}}}


@pytest.fixture
def forms(db):
    versions = {}
    with db.session() as session:
        for form_id, prefix, steps in [
                ("pothole-report", "PW", [{"step": "Dispatch review", "assign": "dispatch",
                                           "due": "2 days"}]),
                ("tree-request", "TR", [{"step": "Arborist review", "assign": "dispatch"}]),
                ("park-booking", "PK", [{"step": "Parks review", "assign": "parks",
                                         "due": "1 day"}])]:
            version, _ = publishing.publish(session, schemas.load_definition(
                definition(form_id, prefix, steps)))
            versions[form_id] = version
    return versions


@pytest.fixture
def app_config():
    return {"NOW": lambda: T0 + timedelta(days=3)}


@pytest.fixture
def dee(db, staff):
    make_staff(db, "dee@city.gov", ["dispatch"])
    staff.sign_in("dee@city.gov")


def submit(db, version, count, *, start=T0, location="Main St") -> list[str]:
    with db.session() as session:
        return [create_submission(session, version, {"location": f"{location} {n}"},
                                  language="en", idempotency_key=None,
                                  now=start + timedelta(hours=n))[0].reference
                for n in range(count)]


def references(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/staff/submissions/([^"]+)">', page)


def inbox(client, query="") -> str:
    response = client.get(f"/staff{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_the_inbox_needs_sign_in(client):
    response = client.get("/staff")
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]


def test_only_tasks_for_my_roles_soonest_due_first(client, db, forms, dee):
    potholes = submit(db, forms["pothole-report"], 3, start=T0 + timedelta(days=2))
    trees = submit(db, forms["tree-request"], 1)
    submit(db, forms["park-booking"], 2)
    page = inbox(client)
    # Due soonest first; the tree request has no due date, so it comes last.
    assert references(page) == [*potholes, *trees]
    assert "<caption" in page and 'scope="col"' in page


def test_overdue_is_said_in_words_and_filtered(client, db, forms, dee):
    late = submit(db, forms["pothole-report"], 1)  # due T0 + 2 days, now is T0 + 3 days
    fresh = submit(db, forms["pothole-report"], 1, start=T0 + timedelta(days=2))
    page = inbox(client)
    assert page.count('<strong class="overdue">Overdue</strong>') == 1
    assert references(inbox(client, "?status=overdue")) == late
    assert fresh[0] in page


def test_filters_by_form_step_claim_and_date(client, db, forms, dee, staff):
    potholes = submit(db, forms["pothole-report"], 2)
    trees = submit(db, forms["tree-request"], 2, start=T0 + timedelta(days=1))
    assert references(inbox(client, "?form=tree-request")) == trees
    assert references(inbox(client, "?step=Dispatch+review")) == potholes
    assert references(inbox(client, "?from=2030-03-02&to=2030-03-02")) == trees
    assert references(inbox(client, "?to=2030-03-01")) == potholes
    user = make_staff(db, "kim@city.gov", ["dispatch"])
    with db.session() as session:
        submission = session.query(Submission).filter_by(reference=trees[1]).one()
        routing.claim(session, submission, user, 0, "dispatch", T0)
        submission = session.query(Submission).filter_by(reference=potholes[0]).one()
        dee_user = session.get(type(user), 1)
        routing.claim(session, submission, dee_user, 0, "dispatch", T0)
    assert references(inbox(client, "?status=mine")) == [potholes[0]]
    assert "kim@city.gov" in inbox(client)


def test_bad_filter_values_are_named_not_a_500(client, db, forms, dee):
    submit(db, forms["pothole-report"], 1)
    page = inbox(client, "?from=yesterday&status=everything&after=nonsense")
    assert "Enter the first date like 2026-03-31" in page
    assert "Choose a status from the list" in page
    assert len(references(page)) == 1


def test_search_by_reference_or_answer_text(client, db, forms, dee):
    potholes = submit(db, forms["pothole-report"], 3)
    special = submit(db, forms["pothole-report"], 1, location="Zanzibar Avenue")
    assert references(inbox(client, f"?q={potholes[1].lower()}")) == [potholes[1]]
    assert references(inbox(client, "?q=zanzibar")) == special
    assert references(inbox(client, "?q=Zanzibar+avenue")) == special
    assert references(inbox(client, "?q=nowhere")) == []
    assert references(inbox(client, "?q=%25")) == []  # LIKE wildcards are only text


def test_pages_walk_through_60_tasks_without_duplicates_or_gaps(client, db, forms, dee):
    made = submit(db, forms["pothole-report"], 40) + submit(db, forms["tree-request"], 20)
    seen: list[str] = []
    url = "/staff"
    pages = 0
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += references(page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = html.unescape(found.group(1)) if found else None
        pages += 1
        assert "OFFSET" not in url if url else True
    assert pages == 3
    assert seen == made  # pothole tasks by due date, then the undated tree tasks by id


def test_a_cursor_survives_its_text_form():
    moment = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert Cursor.decode(Cursor(moment, 17).encode()) == Cursor(moment, 17)
    assert Cursor.decode(Cursor(None, 17).encode()) == Cursor(None, 17)
    for bad in ["", "17", "x,17", "-,x", "20300102T030405Z,1"]:
        assert Cursor.decode(bad) is None


def queries_for(client, db, url) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_a_page_costs_the_same_queries_for_10_and_60_tasks(client, db, forms, dee):
    submit(db, forms["pothole-report"], 5)
    submit(db, forms["tree-request"], 5)
    small = queries_for(client, db, "/staff")
    submit(db, forms["pothole-report"], 30, start=T0 + timedelta(days=1))
    submit(db, forms["tree-request"], 20, start=T0 + timedelta(days=1))
    large = queries_for(client, db, "/staff")
    assert small == large
    page = client.get("/staff").get_data(as_text=True)
    later = html.unescape(re.search(r'href="([^"]+)" rel="next"', page).group(1))
    assert queries_for(client, db, later) == large
