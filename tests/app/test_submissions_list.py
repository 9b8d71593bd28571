"""/staff/submissions: every case I may see in any state, found by search and filters, paged
by keyset, with the applicant's name and the form's summary answers; decisions need a choice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from staff import csrf_token, make_app, make_staff

import schemas
from formbuilder.models import User
from formbuilder.services import publishing, routing
from formbuilder.services.submissions import create_submission, get_by_reference

T0 = datetime(2030, 3, 1, 9, tzinfo=UTC)


def definition(form_id, prefix, role):
    return {
        "id": form_id, "title": form_id.replace("-", " ").title(), "reference_prefix": prefix,
        "summary": ["location", "size"],
        "routing": [{"step": "Dispatch review", "step_es": "Revisión", "assign": role,
                     "due": "2 days"}],
        "schema": {"type": "object", "required": ["location"], "properties": {
            "location": {"type": "string", "title": "Where?"},
            "size": {"type": "string", "title": "Size", "enum": ["small", "large"]},
            "full_name": {"type": "string", "title": "Name"}}},
        "ui": {"full_name": {"autocomplete": "name"},
               "size": {"labels": {"small": "Smaller than a plate", "large": "Wider"}}},
    }


@pytest.fixture
def versions(db):
    found = {}
    with db.session() as session:
        for form_id, prefix, role in [("pothole-report", "PW", "dispatch"),
                                      ("park-booking", "PK", "parks")]:
            found[form_id], _ = publishing.publish(session, schemas.load_definition(
                definition(form_id, prefix, role)))
    return found


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path, NOW=lambda: T0 + timedelta(days=3))


@pytest.fixture
def client(app):
    return app.test_client()


def submit(db, version, count, *, name="Ana <b>Ruiz</b>", location="Main St"):
    with db.session() as session:
        return [create_submission(
            session, version, {"location": f"{location} {n}", "size": "small",
                               "full_name": name}, language="en", idempotency_key=None,
            now=T0 + timedelta(hours=n))[0].reference for n in range(count)]


def listed(client, query=""):
    response = client.get(f"/staff/submissions{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:1500]
    page = response.get_data(as_text=True)
    return page, re.findall(r'<th scope="row" class="reference"><a href="/staff/submissions/'
                            r'([^"]+)">', page)


def decide(db, reference, decision, comment=None):
    with db.session() as session:
        found = get_by_reference(session, reference)
        user = session.query(User).filter_by(email="dee@city.gov").one()
        routing.decide(session, found, user, 0, "dispatch", decision, comment,
                       T0 + timedelta(days=1))


def test_decided_cases_stay_findable_with_name_and_summary(db, versions, client, staff):
    make_staff(db, "dee@city.gov", ["dispatch"])
    mine = submit(db, versions["pothole-report"], 3)
    submit(db, versions["park-booking"], 2)
    decide(db, mine[0], "approve")
    decide(db, mine[1], "return", "Which side of the street?")
    staff.sign_in("dee@city.gov")
    page, refs = listed(client)
    assert refs == list(reversed(mine))  # another office's cases are not mine
    assert "Ana &lt;b&gt;Ruiz&lt;/b&gt;" in page and "<b>Ruiz" not in page
    assert "Smaller than a plate" in page and "Main St 2" in page
    assert "Returned to the resident for changes" in page and "Approved" in page
    assert listed(client, "?status=approved")[1] == [mine[0]]
    assert listed(client, "?status=in_review&overdue=1")[1] == [mine[2]]
    assert listed(client, "?q=main+st+1")[1] == [mine[1]]
    assert listed(client, f"?q={mine[2].lower()}")[1] == [mine[2]]
    assert listed(client, "?step=Dispatch+review")[1] == [mine[2]]


def test_admins_see_every_form_and_pages_follow_a_cursor(db, versions, client, staff):
    make_staff(db, "ada@city.gov", admin=True)
    made = submit(db, versions["pothole-report"], 30) + submit(db, versions["park-booking"], 2)
    staff.sign_in("ada@city.gov")
    page, first = listed(client)
    assert len(first) == 25 and first[0] == made[-1]
    after = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    _, second = listed(client, after[len("/staff/submissions"):])
    assert first + second == list(reversed(made))
    assert listed(client, "?form=park-booking")[1] == list(reversed(made[30:]))


@pytest.mark.parametrize("query, named", [
    ("?after=xyz", "That page of the list no longer exists"),
    ("?from=31-03-2030", "Enter the first date like"),
    ("?from=2030-04-01&to=2030-03-01", "The first date is after the last date"),
    ("?status=%3Cscript%3E", "Choose a status from the list"),
    ("?q=%25%27%22%5C", "No submissions match"),
])
def test_bad_input_is_named_never_a_500(db, versions, client, staff, query, named):
    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    assert named in listed(client, query)[0]


def test_a_decision_needs_a_choice(db, versions, client, staff):
    make_staff(db, "dee@city.gov", ["dispatch"])
    [reference] = submit(db, versions["pothole-report"], 1)
    staff.sign_in("dee@city.gov")
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert 'name="decision"' in page and " checked" not in page
    response = client.post(f"/staff/submissions/{reference}/decide", data={
        "csrf_token": csrf_token(page), "step": "0", "role": "dispatch",
        "history_length": re.search(r'name="history_length" value="(\d+)"', page).group(1),
        "comment": ""})
    assert response.status_code == 400
    assert "Choose approve, reject or return for changes." in response.get_data(as_text=True)
    with db.session() as session:
        assert get_by_reference(session, reference).status == "in_review"
