"""The dashboard's funnel is counted as residents fill in forms: drafts started against sent,
and how many reached each page, each resident once per page."""

from __future__ import annotations

import re

import pytest
from resident import submit_with_client
from staff import csrf_token, make_staff

import schemas

DEFINITION = {
    "id": "tree-permit", "title": "Tree permit", "reference_prefix": "TP",
    "schema": {"type": "object", "required": ["street", "tree", "reason"], "properties": {
        "street": {"type": "string", "title": "Street"},
        "tree": {"type": "string", "title": "Which tree?"},
        "reason": {"type": "string", "title": "Why?"}}},
    "ui": {"pages": [{"title": "Where", "fields": ["street"]},
                     {"title": "The tree", "fields": ["tree"]},
                     {"title": "The reason", "fields": ["reason"]}]},
}


@pytest.fixture
def published_forms():
    return [schemas.load_definition(DEFINITION)]


def _send_page(client, number: int, **answers: str) -> str:
    url = f"/forms/tree-permit/{number}" if number > 1 else "/forms/tree-permit"
    page = client.get(url).get_data(as_text=True)
    response = client.post(f"/forms/tree-permit/{number}",
                           data={"csrf_token": csrf_token(page), **answers})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def test_a_form_walked_partway_shows_on_the_dashboard(app, db, staff):
    finishes, gives_up, looks = app.test_client(), app.test_client(), app.test_client()
    looks.get("/forms/tree-permit")  # opened, never started: not counted
    submit_with_client(finishes, schemas.load_definition(DEFINITION),
                       {"street": "Elm", "tree": "Oak", "reason": "Dead"})
    _send_page(gives_up, 1, street="Ash")
    gives_up.get("/forms/tree-permit/2")
    _send_page(gives_up, 1, street="Ash Street")  # back and forth counts once
    gives_up.get("/forms/tree-permit/2")

    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    page = staff.client.get("/staff/forms/tree-permit/dashboard").get_data(as_text=True)
    assert "1 sent of 2 started: 50%." in page
    reached = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", page)
    assert [row for row in reached if row[0] in ("Where", "The tree", "The reason")] == [
        ("Where", "2"), ("The tree", "2"), ("The reason", "1")]
