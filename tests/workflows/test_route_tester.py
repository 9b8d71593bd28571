"""The route tester explains each step with the answers its condition read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import schemas
from workflows.explain import route

FORM = schemas.load(Path(__file__).resolve().parents[2] / "examples" /
                    "special-event-permit.yaml")
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_a_small_event_runs_the_office_review_only_and_says_why_the_rest_is_skipped():
    result = route(FORM, {"attendees": 40, "street_closure": False}, now=NOW,
                   holders=lambda name: ["sam@city.example"] if name == "special-events-office"
                   else [])
    first, police, transport = result.steps
    assert first.runs and first.notified == ("sam@city.example",)
    assert first.due_by == NOW + timedelta(days=5)
    assert not police.runs
    assert police.why == ("skipped: `attendees >= 500 or street_closure` is false, attendees is "
                          "40, street_closure is no")
    assert not transport.runs and "street_closure is no" in transport.why
    assert result.outcome == "approved"
    assert result.notices["on_submit"] == ("applicant", "special-events-office")


def test_a_street_closure_runs_every_step_in_order_with_due_dates_adding_up():
    result = route(FORM, {"attendees": 40, "street_closure": True}, now=NOW)
    assert [step.runs for step in result.steps] == [True, True, True]
    assert "is true" in result.steps[1].why
    assert result.steps[2].due_by == NOW + timedelta(days=5 + 10 + 7)
    assert [a.name for a in result.steps[1].assignees] == ["police-events", "fire-marshal"]


def test_no_answers_read_as_not_answered():
    result = route(FORM, {}, now=NOW)
    assert "attendees is not answered" in result.steps[1].why
