"""Due times, overdue and escalation, with the clock moved by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from routing_cases import DISPATCH, MANAGER, POLICE, STRANGER, T0, Case, Staff, make_form

import workflows
from workflows import DecisionError, Record

ESCALATING = [{"step": "Dispatch review", "assign": "dispatch", "due": "2 days",
               "escalate_to": "manager"},
              {"step": "Supervisor approval", "assign": "supervisor", "due": "4 hours",
               "escalate_to": "director@city.gov"},
              {"step": "Filing", "assign": "clerk"}]


def _case() -> Case:
    case = Case(make_form(ESCALATING))
    case.submit()
    return case


def test_nothing_is_due_before_the_due_time():
    case = _case()
    case.later(days=2, seconds=-1)
    assert case.due() == []
    assert case.state.tasks[0].overdue is False


def test_at_the_due_time_the_step_is_overdue_once():
    case = _case()
    case.later(days=2)
    assert case.due() == [Record("overdue", "system", T0 + timedelta(days=2), {"step": 0})]
    case.later(hours=5)
    assert case.due() == [], "one overdue record per run of the step"
    [task] = case.state.tasks
    assert (task.overdue, task.escalated_to, task.due_at) == (True, None, T0 + timedelta(days=2))


def test_overdue_shows_only_once_its_record_is_written():
    case = _case()
    case.later(days=3)
    assert case.state.tasks[0].overdue is False
    case.due()
    assert case.state.tasks[0].overdue is True


def test_a_second_period_after_overdue_the_step_escalates_and_the_escalation_role_may_act():
    case = _case()
    case.later(days=2)
    case.due()
    case.later(days=2, seconds=-1)
    assert case.due() == []
    assert not workflows.may_act(case.state.tasks[0], MANAGER.email, MANAGER.roles)
    case.later(seconds=1)
    assert case.due() == [Record("escalated", "system", T0 + timedelta(days=4),
                                 {"step": 0, "to": "manager"})]
    case.later(days=10)
    assert case.due() == []
    [task] = case.state.tasks
    assert (task.role, task.escalated_to) == ("dispatch", "manager")
    assert workflows.may_act(task, MANAGER.email, MANAGER.roles)
    assert workflows.may_act(task, DISPATCH.email, DISPATCH.roles), "the assignees still may"
    assert not workflows.may_act(task, STRANGER.email, STRANGER.roles)
    [approved, _] = case.decide(MANAGER)
    assert approved.data["role"] == "dispatch", "the manager acted for the step's role"
    assert approved.actor == MANAGER.email


def test_a_late_job_writes_overdue_and_escalated_together():
    case = _case()
    case.later(days=30)
    assert [(r.kind, r.data) for r in case.due()] == [
        ("overdue", {"step": 0}), ("escalated", {"step": 0, "to": "manager"})]


def test_escalation_to_an_email():
    case = _case()
    case.decide(DISPATCH)
    case.later(hours=8)
    assert case.due()[-1].data == {"step": 1, "to": "director@city.gov"}
    director = Staff("Director@City.gov", frozenset())
    assert workflows.may_act(case.state.tasks[0], director.email, director.roles)
    case.decide(director, step=1, role="supervisor")
    assert case.roles_now() == ["clerk"]


def test_a_step_without_due_is_never_overdue():
    case = _case()
    case.decide(DISPATCH)
    case.decide(Staff("sue@city.gov", frozenset({"supervisor"})))
    case.later(days=400)
    assert case.due() == []
    assert case.state.tasks[0].due_at is None


def test_overdue_without_escalate_to_never_escalates():
    case = Case(make_form([{"step": "Dispatch review", "assign": "dispatch", "due": "1 day"}]))
    case.submit()
    case.later(days=100)
    assert [r.kind for r in case.due()] == ["overdue"]
    assert case.due() == []


def test_the_next_step_gets_its_own_due_time_from_when_it_started():
    case = _case()
    case.later(days=1)
    case.decide(DISPATCH)
    [task] = case.state.tasks
    assert (task.started_at, task.due_at) == (T0 + timedelta(days=1),
                                              T0 + timedelta(days=1, hours=4))


def test_a_step_started_again_after_a_return_gets_a_fresh_period():
    case = _case()
    case.later(days=5)
    case.due()
    case.decide(MANAGER, "return", "The address is missing.")
    assert case.due() == [], "nothing is due while the resident has it"
    case.later(days=1)
    case.resubmit(location="12 Main St")
    [task] = case.state.tasks
    assert (task.overdue, task.escalated_to) == (False, None), "the old run's records are spent"
    assert task.due_at == case.now + timedelta(days=2)
    assert not workflows.may_act(task, MANAGER.email, MANAGER.roles)
    case.later(days=2)
    assert [r.kind for r in case.due()] == ["overdue"]


def test_decided_and_finished_submissions_have_nothing_due():
    case = _case()
    case.decide(DISPATCH, "reject", "Duplicate of PW-2026-000002.")
    case.later(days=100)
    assert case.due() == []
    assert workflows.next_deadline(case.form, case.history) is None


def test_next_deadline_says_when_due_records_will_next_have_something():
    case = _case()
    assert workflows.next_deadline(case.form, case.history) == T0 + timedelta(days=2)
    case.later(days=2)
    case.due()
    assert workflows.next_deadline(case.form, case.history) == T0 + timedelta(days=4)
    case.later(days=2)
    case.due()
    assert workflows.next_deadline(case.form, case.history) is None


def test_escalation_does_not_let_the_escalation_role_act_on_another_submission_step():
    case = _case()
    case.later(days=4)
    case.due()
    with pytest.raises(DecisionError) as refused:
        case.decide(MANAGER, step=1, role="supervisor")
    assert refused.value.code == "not_open"
    with pytest.raises(DecisionError) as refused:
        case.decide(POLICE, step=0, role="dispatch")
    assert refused.value.code == "not_allowed"
    assert "people in manager" in refused.value.message
