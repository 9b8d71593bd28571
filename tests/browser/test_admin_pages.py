"""An admin's pages in real Chromium, audited with axe-core: staff accounts (add, change,
deactivate) and parked background jobs (retry), on a phone with JavaScript off, as these pages
must work without it."""

from __future__ import annotations

from typing import Any

import pytest
from approver import Approver, press
from jobs import run_jobs
from playwright.sync_api import expect
from staff import make_staff

from formbuilder.jobs import enqueue

ADMIN = "ada.admin@city.example"


@pytest.fixture
def admin(page_nojs: Any, live_server: str, app: Any, axe: Any) -> Approver:
    make_staff(app.extensions["db"], ADMIN, ["special-events-office"], admin=True)
    person = Approver(page_nojs, live_server, ADMIN, audit=axe.assert_accessible)
    person.sign_in()
    return person


def test_an_admin_adds_changes_and_deactivates_a_staff_account(admin: Approver) -> None:
    page = admin.page
    page.goto(f"{admin.base_url}/staff/admin/users")
    admin.audit()
    expect(admin.heading()).to_have_text("Staff accounts")
    form = admin.main.locator("form").filter(has=page.get_by_label("First password"))
    form.get_by_label("Email address").fill("pia.police@city.example")
    form.get_by_label("Name").fill("Pia <b>Police</b>")
    form.get_by_label("Roles").fill("police-events")
    admin.press(admin.button("Add staff member"))
    row = admin.main.get_by_role("row").filter(has_text="pia.police@city.example")
    expect(row).to_contain_text("Pia <b>Police</b>")  # shown as typed, not as markup
    expect(row).to_contain_text("police-events")

    admin.press(row.get_by_role("link", name="Change pia.police@city.example"))
    expect(admin.heading()).to_have_text("Pia <b>Police</b>")
    admin.main.get_by_label("Roles").fill("police-events, fire-marshal")
    admin.press(admin.button("Save changes"))
    expect(admin.main).to_contain_text("The account of pia.police@city.example was changed.")
    row = admin.main.get_by_role("row").filter(has_text="pia.police@city.example")
    admin.press(row.get_by_role("link", name="Change pia.police@city.example"))
    admin.press(admin.button("Deactivate pia.police@city.example"))
    expect(admin.main).to_contain_text("The account of pia.police@city.example was deactivated")
    row = admin.main.get_by_role("row").filter(has_text="pia.police@city.example")
    expect(row).to_contain_text("Deactivated")
    expect(row).to_contain_text("fire-marshal")


def test_an_admin_sees_a_parked_job_and_retries_it(admin: Approver, app: Any) -> None:
    with app.extensions["db"].session() as session:
        enqueue(session, "no.such.kind", {"reference": "PW-2026-000001"})
    outcomes = run_jobs(app)
    assert [outcome.result for outcome in outcomes] == ["parked"]

    admin.page.goto(f"{admin.base_url}/staff/admin/jobs")
    admin.audit()
    expect(admin.heading()).to_have_text("Background jobs")
    table = admin.main.get_by_role("table")
    expect(table).to_contain_text("No handler for job kind no.such.kind")
    press(admin.page, table.get_by_role("button", name=f"Retry job {outcomes[0].job_id}"))
    admin.audit()
    expect(admin.main).to_contain_text("No job is parked or failing.")
