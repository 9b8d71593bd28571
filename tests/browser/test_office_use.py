"""A building permit's inspection fails, in Chromium: the inspector fills in the step's own
fields ("For office use"), is told in plain words what approving needs, and the failed result
routes the permit to a re-inspection; the resident sees the result on /track. Every page is
audited with axe (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
import resident
from approver import Approver, track
from example_forms import example
from mailforms import Clerk
from staff import make_staff

from formbuilder.models import Submission
from formbuilder.services import routing

FORM = example("building-permit")
EVERY_ROLE = Clerk("all@city.gov", frozenset(
    role for step in FORM.routing for role in step.assignees))


@pytest.fixture
def published_forms() -> Any:
    return [FORM]


def at_inspection(app: Any) -> tuple[str, str]:
    """A permit sent by a resident, with every review before the inspection approved; its
    reference and the applicant's email."""
    answers = resident.plan_answers(FORM)
    reference = resident.submit_with_client(app.test_client(), FORM, answers)
    with app.extensions["db"].session() as session:
        found = session.query(Submission).filter_by(reference=reference).one()
        while (task := routing.state_of(session, found).tasks[0]).name.default != "Inspection":
            routing.decide(session, found, EVERY_ROLE, task.step, task.role, "approve", None)
    return reference, FORM.applicant_email_in(answers) or ""


def test_a_failed_inspection_goes_to_reinspection(page: Any, open_page: Any, live_server: str,
                                                  app: Any, axe: Any,
                                                  browser_checks: Any) -> None:
    from playwright.sync_api import expect

    reference, email = at_inspection(app)
    make_staff(app.extensions["db"], "ivy@city.gov", ["building-inspectors"])
    inspector = Approver(page, live_server, "ivy@city.gov", audit=axe.assert_accessible)
    inspector.sign_in()
    page.goto(f"{live_server}/staff/submissions/{reference}")
    inspector.audit()
    box = inspector.task("Inspection, for building-inspectors")
    office = box.get_by_role("group", name="For office use")
    office.get_by_label("Conditions or corrections needed").fill("Footing <too> shallow")
    inspector.decide("approve", task="Inspection, for building-inspectors")

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a date for “Date inspected”")
    expect(summary).to_contain_text("Select an answer for “Result”")
    browser_checks.flush()
    browser_checks.clear()  # the refused post's 400, which Chromium logs
    box = inspector.task("Inspection, for building-inspectors")
    expect(box.get_by_label("Conditions or corrections needed")).to_have_value(
        "Footing <too> shallow")
    box.get_by_label("Date inspected").fill("2026-05-06")
    box.get_by_role("radio", name="fail", exact=True).check()
    inspector.decide("approve", task="Inspection, for building-inspectors")

    expect(inspector.task("Re-inspection, for building-inspectors")).to_be_visible()
    recorded = inspector.main.get_by_role("region", name="Inspection", exact=True)
    expect(recorded).to_contain_text("Footing <too> shallow")
    expect(recorded).to_contain_text("fail")

    main = track(open_page(), live_server, reference, email, lang="en",
                 audit=axe.assert_accessible)
    expect(main).to_contain_text("Recorded at “Inspection”")
    expect(main).to_contain_text("Footing <too> shallow")
