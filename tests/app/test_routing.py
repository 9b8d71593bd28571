"""The routing service: the engine's records stored as Events, status and tasks kept in step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from staff import make_staff

import workflows
from formbuilder.models import Event, Submission, WorkflowTask
from formbuilder.services import routing
from formbuilder.services.submissions import create_submission

T0 = datetime(2030, 3, 1, 9, tzinfo=UTC)
ROUTING = [
    {"step": "Dispatch review", "assign": "dispatch", "due": "2 days",
     "escalate_to": "dispatch-manager"},
    {"step": "Supervisor approval", "when": 'location is "Main St"', "assign": "supervisor"},
]


@pytest.fixture
def routed(publish_form):
    return publish_form(routing=ROUTING)


@pytest.fixture
def people(db):
    return {
        "dee": make_staff(db, "dee@city.gov", ["dispatch"]),
        "sam": make_staff(db, "sam@city.gov", ["supervisor"]),
        "max": make_staff(db, "max@city.gov", ["dispatch-manager"]),
    }


def submit(db, version, location="Main St", at=T0) -> int:
    with db.session() as session:
        submission, _ = create_submission(session, version, {"location": location},
                                          language="en", idempotency_key=None, now=at)
        return submission.id


def kinds(db, submission_id) -> list[str]:
    with db.session(readonly=True) as session:
        return list(session.scalars(select(Event.kind).where(
            Event.submission_id == submission_id).order_by(Event.id)))


def open_tasks(db, submission_id) -> list[tuple[int, str]]:
    with db.session(readonly=True) as session:
        return [(t.step, t.role) for t in session.scalars(select(WorkflowTask).where(
            WorkflowTask.submission_id == submission_id, WorkflowTask.state == "open")
            .order_by(WorkflowTask.id))]


def act(db, submission_id, user, step, role, decision, comment=None, at=T0):
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        return [e.kind for e in routing.decide(session, submission, user, step, role, decision,
                                               comment, at)]


def status(db, submission_id) -> str:
    with db.session(readonly=True) as session:
        return session.get(Submission, submission_id).status


def test_submitting_starts_the_first_step_in_the_same_transaction(db, routed):
    sid = submit(db, routed)
    assert kinds(db, sid) == ["submitted", "step_started"]
    assert status(db, sid) == "in_review"
    assert open_tasks(db, sid) == [(0, "dispatch")]
    with db.session(readonly=True) as session:
        task = session.scalars(select(WorkflowTask)).one()
        assert task.due_at == T0 + timedelta(days=2)
        assert task.alarm_at == task.due_at
        assert task.name == "Dispatch review"


def test_a_form_without_routing_is_received_and_has_no_tasks(db, publish_form):
    sid = submit(db, publish_form())
    assert kinds(db, sid) == ["submitted"]
    assert status(db, sid) == "received"
    assert open_tasks(db, sid) == []


def test_approving_every_step_approves_the_submission(db, routed, people):
    sid = submit(db, routed)
    assert act(db, sid, people["dee"], 0, "dispatch", "approve") == ["approved", "step_started"]
    assert open_tasks(db, sid) == [(1, "supervisor")]
    assert act(db, sid, people["sam"], 1, "supervisor", "approve") == ["approved"]
    assert status(db, sid) == "approved"
    assert open_tasks(db, sid) == []
    with db.session(readonly=True) as session:
        done = session.scalars(select(WorkflowTask).order_by(WorkflowTask.id)).all()
        assert [(t.state, t.closed_at) for t in done] == [("done", T0), ("done", T0)]


def test_a_step_whose_when_fails_is_skipped(db, routed, people):
    sid = submit(db, routed, location="Elm St")
    act(db, sid, people["dee"], 0, "dispatch", "approve")
    assert status(db, sid) == "approved"
    assert kinds(db, sid) == ["submitted", "step_started", "approved"]


def test_rejecting_ends_the_submission_with_the_comment_kept(db, routed, people):
    sid = submit(db, routed)
    act(db, sid, people["dee"], 0, "dispatch", "reject", "Not on a city street")
    assert status(db, sid) == "rejected"
    assert open_tasks(db, sid) == []
    with db.session(readonly=True) as session:
        rejected = session.scalars(select(Event).where(Event.kind == "rejected")).one()
        assert rejected.actor == "dee@city.gov"
        assert rejected.data == {"step": 0, "role": "dispatch",
                                 "comment": "Not on a city street"}


def test_a_rejection_without_a_comment_changes_nothing(db, routed, people):
    sid = submit(db, routed)
    with pytest.raises(workflows.DecisionError) as refused:
        act(db, sid, people["dee"], 0, "dispatch", "reject", "  ")
    assert refused.value.code == "comment_required"
    assert kinds(db, sid) == ["submitted", "step_started"]


def test_someone_without_the_role_cannot_decide(db, routed, people):
    sid = submit(db, routed)
    with pytest.raises(workflows.DecisionError) as refused:
        act(db, sid, people["sam"], 0, "dispatch", "approve")
    assert refused.value.code == "not_allowed"
    assert status(db, sid) == "in_review"


def test_return_and_resubmit_keep_both_answers_and_restart_the_step(db, routed, people):
    sid = submit(db, routed)
    act(db, sid, people["dee"], 0, "dispatch", "return", "Which side of the street?")
    assert status(db, sid) == "returned"
    assert open_tasks(db, sid) == []
    with db.session() as session:
        submission = session.get(Submission, sid)
        events = routing.history(session, submission)
        assert routing.open_return(events).data["comment"] == "Which side of the street?"
        routing.resubmit(session, submission, {"location": "Main St, north side"},
                         T0 + timedelta(hours=1))
    assert status(db, sid) == "in_review"
    assert open_tasks(db, sid) == [(0, "dispatch")]
    with db.session(readonly=True) as session:
        submission = session.get(Submission, sid)
        assert submission.answers == {"location": "Main St, north side"}
        resubmitted = session.scalars(select(Event).where(Event.kind == "resubmitted")).one()
        assert resubmitted.data["previous_answers"] == {"location": "Main St"}
        assert routing.open_return(routing.history(session, submission)) is None
        task = session.scalars(select(WorkflowTask).where(
            WorkflowTask.state == "open")).one()
        # A fresh period from the restart.
        assert task.due_at == T0 + timedelta(hours=1, days=2)


def test_all_of_needs_every_role(db, publish_form):
    version = publish_form(routing=[{"step": "Joint review", "all_of": ["police", "fire"]}])
    police = make_staff(db, "pat@city.gov", ["police"])
    fire = make_staff(db, "fay@city.gov", ["fire"])
    sid = submit(db, version)
    assert open_tasks(db, sid) == [(0, "police"), (0, "fire")]
    act(db, sid, fire, 0, "fire", "approve")
    assert status(db, sid) == "in_review"
    assert open_tasks(db, sid) == [(0, "police")]
    act(db, sid, police, 0, "police", "approve")
    assert status(db, sid) == "approved"


def test_a_decision_on_a_closed_task_is_already_decided(db, routed, people):
    sid = submit(db, routed)
    act(db, sid, people["dee"], 0, "dispatch", "approve")
    with pytest.raises(workflows.DecisionError) as refused:
        act(db, sid, people["dee"], 0, "dispatch", "approve")
    assert refused.value.code == "already_decided"
    assert kinds(db, sid).count("approved") == 1


def test_a_stale_page_changes_nothing(db, routed, people):
    sid = submit(db, routed)
    with db.session() as session:
        submission = session.get(Submission, sid)
        length = routing.history_length(routing.history(session, submission))
        routing.view(session, submission, people["sam"], T0)  # a view does not make it stale
        routing.claim(session, submission, people["dee"], 0, "dispatch", T0,
                      expected_length=length)
    with db.session() as session, pytest.raises(routing.StaleHistory):
        routing.decide(session, session.get(Submission, sid), people["dee"], 0, "dispatch",
                       "approve", None, T0, expected_length=length)
    assert kinds(db, sid) == ["submitted", "step_started", "viewed", "claimed"]


def test_claim_and_release_show_in_the_task(db, routed, people):
    sid = submit(db, routed)
    with db.session() as session:
        routing.claim(session, session.get(Submission, sid), people["dee"], 0, "dispatch", T0)
    with db.session(readonly=True) as session:
        assert session.scalars(select(WorkflowTask.claimed_by)).one() == "dee@city.gov"
    with db.session() as session:
        routing.release(session, session.get(Submission, sid), people["dee"], 0, "dispatch", T0)
    with db.session(readonly=True) as session:
        assert session.scalars(select(WorkflowTask.claimed_by)).one() is None


def test_views_are_noted_at_most_once_an_hour(db, routed, people):
    sid = submit(db, routed)
    with db.session() as session:
        submission = session.get(Submission, sid)
        assert routing.view(session, submission, people["dee"], T0)
        assert not routing.view(session, submission, people["dee"], T0 + timedelta(minutes=59))
        assert routing.view(session, submission, people["sam"], T0 + timedelta(minutes=5))
        assert routing.view(session, submission, people["dee"], T0 + timedelta(minutes=61))
    assert kinds(db, sid).count("viewed") == 3


def test_overdue_then_escalation_with_an_injected_clock(db, routed, people):
    late = submit(db, routed)
    on_time = submit(db, routed, at=T0 + timedelta(days=1, hours=12))
    with db.session() as session:
        assert routing.check_overdue(session, T0 + timedelta(days=1)) == 0
    with db.session() as session:
        assert routing.check_overdue(session, T0 + timedelta(days=2)) == 1
    assert kinds(db, late)[-1] == "overdue"
    assert kinds(db, on_time) == ["submitted", "step_started"]
    with db.session() as session:  # nothing new until the second period ends
        assert routing.check_overdue(session, T0 + timedelta(days=3)) == 0
    with db.session() as session:
        assert routing.check_overdue(session, T0 + timedelta(days=4)) == 2  # escalated + overdue
    assert kinds(db, late)[-1] == "escalated"
    assert kinds(db, on_time)[-1] == "overdue"
    with db.session(readonly=True) as session:
        task = session.scalars(select(WorkflowTask).where(
            WorkflowTask.submission_id == late)).one()
        assert task.escalated_to == "dispatch-manager" and task.overdue
        assert task.alarm_at is None
    # The manager it escalated to may now decide.
    act(db, late, people["max"], 0, "dispatch", "approve", at=T0 + timedelta(days=4))
    assert open_tasks(db, late) == [(1, "supervisor")]


def test_residents_see_step_runs_without_staff_names(db, routed, people):
    sid = submit(db, routed)
    act(db, sid, people["dee"], 0, "dispatch", "return", "Add the side of the street")
    with db.session() as session:
        routing.resubmit(session, session.get(Submission, sid), {"location": "Main St"}, T0)
    act(db, sid, people["dee"], 0, "dispatch", "approve", "internal note")
    act(db, sid, people["sam"], 1, "supervisor", "reject", "Private land")
    with db.session(readonly=True) as session:
        submission = session.get(Submission, sid)
        runs = routing.step_runs(routing.form_for(submission),
                                 routing.history(session, submission), submission.status)
    assert [(r.step, r.outcome, r.comment) for r in runs] == [
        (0, "returned", "Add the side of the street"), (0, "approved", None),
        (1, "rejected", "Private land")]
    assert all(r.finished_at == T0 for r in runs)


def test_the_overdue_command_runs_one_check(db, routed, tmp_path, monkeypatch):
    from click.testing import CliRunner
    from staff import make_app

    from formbuilder import cli

    submit(db, routed, at=datetime.now(UTC) - timedelta(days=3))
    monkeypatch.setattr(cli, "_app", lambda: make_app(db, tmp_path))
    result = CliRunner().invoke(cli.main, ["overdue"])
    assert result.exit_code == 0, result.output
    assert "1 overdue or escalation record written." in result.output  # escalation is later
    result = CliRunner().invoke(cli.main, ["overdue"])
    assert "0 overdue or escalation records written." in result.output
