"""/api/v1: tokens with scopes, problem details, cursor pages, decisions with the staff
page's rules, a counter clerk's submission, and the audit of every use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from on_record import publish_with_submissions
from sqlalchemy import select
from staff import make_app

from formbuilder.cli import main
from formbuilder.models import ApiToken, AuditEntry
from formbuilder.services import api_tokens

T0 = datetime(2030, 3, 1, 9, tzinfo=UTC)
DEFINITION = {
    "id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
    "routing": [{"step": "Dispatch review", "assign": "dispatch"}],
    "schema": {"type": "object", "required": ["location"], "properties": {
        "location": {"type": "string", "title": "Where?", "maxLength": 50}}},
}


@pytest.fixture
def app(db, tmp_path):
    with db.session() as session:
        publish_with_submissions(session, DEFINITION,
                                 [({"location": f"Main St {n}"}, T0) for n in range(3)])
    return make_app(db, tmp_path)


def bearer(db, *scopes: str) -> dict[str, str]:
    with db.session() as session:
        _, token = api_tokens.create(session, "case system", scopes, by="ada@city.gov")
    return {"Authorization": f"Bearer {token}"}


def test_tokens_are_needed_and_scoped(db, app):
    client = app.test_client()
    response = client.get("/api/v1/forms")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.json["status"] == 401 and "Bearer" in response.json["detail"]
    assert client.get("/api/v1/forms", headers={"Authorization": "Bearer fbt_nope"}
                      ).status_code == 401
    read = bearer(db, "read")
    assert client.get("/api/v1/forms", headers=read).json["forms"][0]["id"] == "pothole-report"
    refused = client.post("/api/v1/forms/pothole-report/submissions", headers=read,
                          json={"answers": {"location": "x"}})
    assert refused.status_code == 403 and "`submit` scope" in refused.json["detail"]
    with db.session() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_hash != read["Authorization"][7:] and stored.last_used_at
        actions = [e.action for e in session.scalars(select(AuditEntry))]
        assert "token_used" in actions and "refused" in actions


def test_pages_follow_the_cursor_and_bad_input_is_a_problem(db, app):
    client, read = app.test_client(), bearer(db, "read")
    first = client.get("/api/v1/submissions?limit=2", headers=read).json
    assert len(first["submissions"]) == 2 and first["next_cursor"]
    second = client.get(f"/api/v1/submissions?limit=2&cursor={first['next_cursor']}",
                        headers=read).json
    assert len(second["submissions"]) == 1 and second["next_cursor"] is None
    for query in ("cursor=abc", "from=yesterday", "limit=0", "status=gone", "overdue=maybe"):
        response = client.get(f"/api/v1/submissions?{query}", headers=read)
        assert response.status_code == 400 and response.json["title"] == "Bad request"
    missing = client.get("/api/v1/submissions/PW-2030-999999", headers=read)
    assert missing.status_code == 404 and "PW-2030-999999" in missing.json["detail"]


def test_decisions_follow_the_staff_rules(db, app):
    client, token = app.test_client(), bearer(db, "read", "decide")
    url = "/api/v1/submissions/PW-2030-000001"
    length = client.get(url, headers=token).json["history_length"]
    decision = {"step": 0, "role": "dispatch", "decision": "return", "history_length": length}
    needs_comment = client.post(f"{url}/decisions", headers=token, json=decision)
    assert needs_comment.status_code == 409 and "comment" in needs_comment.json["detail"]
    approved = client.post(f"{url}/decisions", headers=token,
                           json={**decision, "decision": "approve"})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert approved.json["history"][-1]["actor"] == "token:case system"
    stale = client.post(f"{url}/decisions", headers=token, json={**decision,
                                                                  "decision": "approve"})
    assert stale.status_code == 409


def test_a_counter_clerk_submits_once_per_key(db, app):
    client, token = app.test_client(), bearer(db, "submit")
    url = "/api/v1/forms/pothole-report/submissions"
    body = {"answers": {"location": "Elm St"}, "idempotency_key": "desk-1-0001"}
    first = client.post(url, headers=token, json=body)
    again = client.post(url, headers=token, json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json["reference"] == again.json["reference"]
    invalid = client.post(url, headers=token, json={"answers": {"location": "x" * 60}})
    assert invalid.status_code == 422 and invalid.json["errors"][0]["field"] == "location"
    assert client.post(url, headers=token, data="not json").status_code == 400


def test_tokens_from_the_command_line(db, tmp_path, monkeypatch):
    if db.schema:
        pytest.skip("the command line reaches PostgreSQL through its URL, not a test schema")
    monkeypatch.setenv("FORMBUILDER_DATABASE_URL", db.url.render_as_string(False))
    runner = CliRunner()
    made = runner.invoke(main, ["tokens", "create", "--name", "permits", "--scope", "read",
                                "--scope", "decide"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("fbt_")
    listed = runner.invoke(main, ["tokens", "list"]).output
    assert "permits" in listed and "read decide" in listed and token not in listed
    assert runner.invoke(main, ["tokens", "revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["tokens", "list"]).output
    assert runner.invoke(main, ["tokens", "revoke", "99"]).exit_code == 1
