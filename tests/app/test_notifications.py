"""Who gets which email: one job per (event, recipient), in the transaction of the change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mailforms import APPLICANT, decide, email_jobs, publish_permit, status, submit
from sqlalchemy import select
from staff import make_staff

from formbuilder import outbox
from formbuilder.models import Event, Job, User, utcnow
from formbuilder.notifiers import email as notifications
from formbuilder.services import routing, submissions


@pytest.fixture
def crew(db):
    make_staff(db, "rita@city.gov", ["reviewers"])
    make_staff(db, "rob@city.gov", ["reviewers", "finance"])
    gone = make_staff(db, "old@city.gov", ["reviewers"])
    with db.session() as session:
        session.get(User, gone.id).active = False
    make_staff(db, "sue@city.gov", ["supervisors"])
    make_staff(db, "fin@city.gov", ["finance"])


def test_submit_sends_a_receipt_and_new_tasks_to_active_role_holders(db, crew):
    version = publish_permit(db)
    submit(db, version, lang="es")
    assert email_jobs(db) == [("receipt", APPLICANT, "es"), ("task", "rita@city.gov", "en"),
                              ("task", "rob@city.gov", "en")]


def test_the_decision_goes_to_the_applicant_only_when_the_submission_is_finished(db, crew):
    reference = submit(db, publish_permit(db), lang="zh")
    decide(db, reference, "rita@city.gov", {"reviewers"}, 0, "reviewers", "approve")
    jobs = email_jobs(db)[3:]
    assert jobs == [("task", "fin@city.gov", "en"), ("task", "rob@city.gov", "en"),
                    ("task", "legal@city.gov", "en")]
    decide(db, reference, "fin@city.gov", {"finance"}, 1, "finance", "approve")
    assert len(email_jobs(db)) == 6  # one of two sign-offs: nothing finished yet
    decide(db, reference, "legal@city.gov", set(), 1, "legal@city.gov", "approve")
    assert email_jobs(db)[6:] == [("decision", APPLICANT, "zh")]
    assert status(db, reference) == "approved"


def test_a_rejection_and_a_return_tell_the_applicant(db, crew):
    version = publish_permit(db)
    rejected = submit(db, version)
    decide(db, rejected, "rita@city.gov", {"reviewers"}, 0, "reviewers", "reject", "No room")
    returned = submit(db, version, lang="es")
    decide(db, returned, "rob@city.gov", {"reviewers"}, 0, "reviewers", "return", "Which St?")
    kinds = [job for job in email_jobs(db) if job[1] == APPLICANT]
    assert kinds == [("receipt", APPLICANT, "en"), ("decision", APPLICANT, "en"),
                     ("receipt", APPLICANT, "es"), ("return", APPLICANT, "es")]


def test_a_resubmission_starts_new_tasks_for_the_returned_step(db, crew):
    reference = submit(db, publish_permit(db))
    decide(db, reference, "rob@city.gov", {"reviewers"}, 0, "reviewers", "return", "Which?")
    with db.session() as session:
        routing.resubmit(session, submissions.get_by_reference(session, reference),
                         {"place": "Elm St", "email": APPLICANT})
    tasks = [job for job in email_jobs(db) if job[0] == "task"]
    assert tasks == [("task", "rita@city.gov", "en"), ("task", "rob@city.gov", "en")] * 2


def test_overdue_reminds_the_assignees_and_escalation_tells_escalate_to(db, crew):
    reference = submit(db, publish_permit(db))
    before = len(email_jobs(db))
    with db.session() as session:
        routing.check_overdue(session, utcnow() + timedelta(days=2, hours=1))
    assert email_jobs(db)[before:] == [("reminder", "rita@city.gov", "en"),
                                       ("reminder", "rob@city.gov", "en")]
    with db.session() as session:
        routing.check_overdue(session, utcnow() + timedelta(days=5))
    assert email_jobs(db)[before + 2:] == [("escalation", "sue@city.gov", "en")]
    assert status(db, reference) == "in_review"


def test_notify_lists_replace_the_defaults(db, crew):
    version = publish_permit(db, notify={
        "on_submit": ["applicant", "auditors@city.gov", "supervisors"],
        "on_decision": ["assignees"], "on_return": []})
    reference = submit(db, version)
    assert email_jobs(db)[:3] == [("receipt", APPLICANT, "en"),
                                  ("notice", "auditors@city.gov", "en"),
                                  ("notice", "sue@city.gov", "en")]
    decide(db, reference, "rob@city.gov", {"reviewers"}, 0, "reviewers", "return", "Which?")
    assert not [job for job in email_jobs(db) if job[0] == "return"]
    other = submit(db, version)
    decide(db, other, "rita@city.gov", {"reviewers"}, 0, "reviewers", "reject", "No")
    assert [job for job in email_jobs(db) if job[0] == "notice"][-2:] == [
        ("notice", "rita@city.gov", "en"), ("notice", "rob@city.gov", "en")]
    assert not [job for job in email_jobs(db) if job[0] == "decision"]


def test_no_applicant_email_no_resident_mail(db, crew):
    version = publish_permit(db, applicant_email=None)
    submit(db, version)
    assert [kind for kind, _, _ in email_jobs(db)] == ["task", "task"]


def test_enqueueing_is_idempotent_and_keyed_per_event_and_recipient(db, crew):
    reference = submit(db, publish_permit(db))
    with db.session() as session:
        found = submissions.get_by_reference(session, reference)
        events = session.scalars(select(Event).where(Event.submission_id == found.id)).all()
        outbox.after_change(session, found, events, routing.state_of(session, found))
        keys = session.scalars(select(Job.key).where(Job.kind == "email")).all()
    assert len(keys) == 3
    first = events[0].id
    assert f"email:{first}:{APPLICANT}" in keys


def test_a_rolled_back_submission_enqueues_nothing(db, crew):
    version = publish_permit(db)
    with pytest.raises(RuntimeError), db.session() as session:
        submissions.create_submission(session, version, {"place": "x", "email": APPLICANT},
                                      language="en", idempotency_key=None)
        assert session.scalars(select(Job)).all()  # enqueued in this very transaction
        raise RuntimeError("the request failed after storing")
    assert email_jobs(db) == []


def test_an_overlong_recipient_gets_a_hashed_key():
    key = notifications.email_key("7", "a" * 300 + "@example.org")
    assert len(key) <= 255 and key.startswith("email:7:sha256:")
