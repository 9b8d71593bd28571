"""An admin's day with every submission, on a desktop with JavaScript off, axe on each page:
/staff/submissions filtered and paged, one submission, the form's dashboard, the audit log
and the API tokens; references never wrap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from approver import Approver
from playwright.sync_api import expect
from staff import make_staff

import schemas
from formbuilder.services import dashboard, publishing
from formbuilder.services.submissions import create_submission

ADMIN = "ada.admin@city.example"
FORM = {
    "id": "tree-permit", "title": "Tree permit", "reference_prefix": "TREEPM",
    "summary": ["tree"],
    "routing": [{"step": "Arborist review", "assign": "parks", "due": "1 day"}],
    "schema": {"type": "object", "properties": {
        "name": {"type": "string", "title": "Your name"},
        "tree": {"type": "string", "title": "Which tree?"}}},
    "ui": {"name": {"autocomplete": "name"}},
}


@pytest.fixture
def admin(open_page: Callable[..., Any], live_server: str, app: Any, axe: Any) -> Approver:
    database = app.extensions["db"]
    start = datetime.now(UTC) - timedelta(days=3)
    with database.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(FORM))
        for n in range(30):  # more than one page of the list
            create_submission(session, version, {"name": f"Resident {n}", "tree": f"Oak {n}"},
                              language="en", idempotency_key=None,
                              now=start + timedelta(minutes=n))
        for page in (0, 0, 1):
            dashboard.count_page(session, "tree-permit", page, start.date())
    make_staff(database, ADMIN, admin=True)
    person = Approver(open_page(javascript=False, desktop=True), live_server, ADMIN,
                      audit=axe.assert_accessible)
    person.sign_in()
    return person


LINES = """el => { const range = document.createRange(); range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""


def _references_on_one_line(person: Approver) -> None:
    """Every reference in the list is drawn on one line (its text's boxes share one top)."""
    links = person.main.locator("th.reference a")
    assert links.count() > 0
    assert [links.nth(i).evaluate(LINES) for i in range(links.count())] == [1] * links.count()


def test_an_admin_finds_submissions_reads_the_dashboard_audit_and_tokens(
        admin: Approver) -> None:
    page, base = admin.page, admin.base_url
    nav = page.get_by_role("navigation", name="Staff")
    admin.press(nav.get_by_role("link", name="All submissions"))
    expect(admin.heading()).to_have_text("All submissions")
    admin.main.get_by_label("Form").select_option(label="Tree permit")
    admin.main.get_by_label("Waiting at step").select_option(label="Arborist review")
    admin.press(admin.button("Find"))
    rows = admin.main.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(26)  # a header and a page of 25
    expect(rows.nth(1)).to_contain_text("Resident 29")
    expect(rows.nth(1)).to_contain_text("Oak 29")
    _references_on_one_line(admin)
    admin.press(admin.main.get_by_role("link", name="Next page"))
    expect(rows).to_have_count(6)
    reference = rows.nth(5).get_by_role("link").inner_text()

    admin.press(rows.nth(5).get_by_role("link"))
    expect(admin.heading()).to_have_text(reference)
    expect(admin.main.get_by_role("link", name="in the resident's language (English)")
           ).to_be_visible()

    page.goto(f"{base}/staff/submissions?form=tree-permit")
    admin.audit()
    admin.press(admin.main.get_by_role("link", name="Dashboard of Tree permit"))
    expect(admin.main).to_contain_text("30 sent of 2 started")
    expect(admin.main.get_by_role("table", name="Where residents give up")).to_contain_text("1")

    admin.press(nav.get_by_role("link", name="Audit log"))
    expect(admin.main.get_by_role("table")).to_contain_text("Opened a submission")
    admin.press(nav.get_by_role("link", name="API tokens"))
    admin.main.get_by_label("Name: the system that will use it").fill("case system")
    admin.main.get_by_label("read forms, submissions and files").check()
    admin.press(admin.button("Make the token"))
    expect(admin.main.get_by_role("status")).to_contain_text("Copy the token now")
    expect(admin.main.get_by_role("table")).to_contain_text("case system")
