"""SQL statements per step of a resident's submission, with ceilings so they cannot creep
back: each statement is a round trip to PostgreSQL, and the submit path is the hot one.

Counted with SQLAlchemy's ``before_cursor_execute`` event on the app's engine, after one
warm-up journey (the published version is then cached), leaving out the ``BEGIN`` that only
SQLite sends through the cursor, so both databases count the same. A step that needs more
statements for a new feature raises its ceiling here, in the same change, on purpose.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from resident import png_bytes
from sqlalchemy import event
from staff import make_app

import schemas
from formbuilder.services import publishing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CEILINGS = {
    "form page": 0,
    # Each page post also counts the page for the dashboard's funnel (form_page_counts).
    "page 1": 3,  # the new draft, its answers, the page's count
    "page 2 + photo": 4,  # the draft, the attachment, the answers, the count
    "page 3": 3,
    "check answers": 4,
    "send": 18,  # reference, submission, events, first task, jobs, draft gone
    "confirmation": 1,
}
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def app(db, tmp_path):
    with db.session() as session:
        publishing.publish(session, schemas.load(EXAMPLES / "pothole-report.yaml"))
    return make_app(db, tmp_path, RATELIMIT_ENABLED=False)


def journey(client: Any, counted: dict[str, list[str]], statements: list[str]) -> None:
    def step(name: str, response: Any, status: int) -> Any:
        assert response.status_code == status, response.get_data(as_text=True)[:1000]
        counted[name] = [s for s in statements if not s.startswith("BEGIN")]
        statements.clear()
        return response

    base = "/forms/pothole-report"
    statements.clear()
    page = step("form page", client.get(f"{base}/1"), 200).get_data(as_text=True)
    token = _CSRF.search(page).group(1)
    step("page 1", client.post(f"{base}/1", data={
        "csrf_token": token, "location": "Main St", "position": "traffic_lane"}), 302)
    step("page 2 + photo", client.post(f"{base}/2", content_type="multipart/form-data", data={
        "csrf_token": token, "size": "large", "lanes_blocked": "yes",
        "photo": (io.BytesIO(png_bytes()), "hole.png")}), 302)
    step("page 3", client.post(f"{base}/3", data={
        "csrf_token": token, "name": "Ana", "email": "ana@example.org",
        "phone": "555-555-0123"}), 302)
    check = step("check answers", client.get(f"{base}/check"), 200).get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', check).group(1)
    sent = step("send", client.post(f"{base}/submit", data={"csrf_token": token, "key": key}),
                302)
    step("confirmation", client.get(sent.headers["Location"]), 200)


def test_each_step_stays_within_its_statements(app, db):
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split())[:120])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        journey(app.test_client(), {}, statements)  # warm: the published version is cached
        counted: dict[str, list[str]] = {}
        journey(app.test_client(), counted, statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    over = {name: found for name, found in counted.items() if len(found) > CEILINGS[name]}
    assert not over, "More SQL statements than before:\n" + "\n".join(
        f"{name}: {len(found)} > {CEILINGS[name]}\n    " + "\n    ".join(found)
        for name, found in over.items())
    assert set(counted) == set(CEILINGS)
