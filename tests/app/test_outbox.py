"""After each change one outbox step hands the new events and the new state to every notifier;
notifiers are found in a registry and never reach back into routing or Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from mailforms import APPLICANT, decide, email_jobs, publish_permit, status, submit
from staff import make_staff

from formbuilder import notifiers
from formbuilder.notifiers import Change

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def heard(monkeypatch):
    """Every change a test notifier is handed, registered beside email and webhooks."""
    changes: list[Change] = []
    monkeypatch.setitem(notifiers._notifiers, "test", lambda session, change: changes.append(
        change))
    return changes


def test_email_and_webhooks_are_registered_in_order():
    names = [f"{n.__module__}.{n.__name__}" for n in notifiers.registered()]
    assert names[:2] == ["formbuilder.notifiers.email.enqueue_emails",
                         "formbuilder.notifiers.webhooks.enqueue_deliveries"]


def test_a_submission_is_announced_once_with_its_first_step_and_state(db, heard):
    reference = submit(db, publish_permit(db))
    [change] = heard
    assert change.submission.reference == reference
    assert [event.kind for event in change.events] == ["submitted", "step_started"]
    assert change.state.status == "in_review" == status(db, reference)


def test_a_decision_hands_its_new_events_and_the_state_it_led_to(db, heard):
    make_staff(db, "rita@city.gov", ["reviewers"])
    reference = submit(db, publish_permit(db))
    decide(db, reference, "rita@city.gov", {"reviewers"}, 0, "reviewers", "reject",
           "Not in our city")
    last = heard[-1]
    assert [event.kind for event in last.events] == ["rejected"]
    assert last.state.status == "rejected" == status(db, reference)
    assert ("decision", APPLICANT, "en") in email_jobs(db)


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sources(*names: str) -> list[Path]:
    paths: list[Path] = []
    for name in names:
        target = ROOT / "formbuilder" / name
        paths += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return paths


def test_notifiers_and_the_outbox_never_import_routing():
    for path in _sources("outbox.py", "notifiers"):
        assert "formbuilder.services.routing" not in _imported(path), path


def test_rules_outbox_notifiers_mail_and_jobs_import_no_flask():
    for path in _sources("services", "outbox.py", "notifiers", "mail", "jobs", "links.py"):
        assert not any(name == "flask" or name.startswith("flask.")
                       for name in _imported(path)), path
