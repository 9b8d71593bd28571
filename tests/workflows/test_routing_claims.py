"""Claims, who may act, and every refusal with its code and plain-language message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from routing_cases import (
    DISPATCH,
    DISPATCH_2,
    FIRE,
    POLICE,
    STRANGER,
    SUPERVISOR,
    T0,
    Case,
    Staff,
    make_form,
)

import workflows
from schemas import Localized
from workflows import DecisionError, Record, Task

TWO = [{"step": "Dispatch review", "assign": "dispatch", "due": "2 days"},
       {"step": "Supervisor approval", "assign": "supervisor", "when": "lanes_blocked"}]
PARALLEL = [{"step": "Police and fire review", "all_of": ["police", "fire"]},
            {"step": "Filing", "assign": "records@city.gov"}]


def _case(routing=TWO, **answers) -> Case:
    case = Case(make_form(routing), {"location": "Main St", **answers})
    case.submit()
    return case


def _refused(action, *args, **kwargs) -> DecisionError:
    with pytest.raises(DecisionError) as refused:
        action(*args, **kwargs)
    return refused.value


# --- Claims ----------------------------------------------------------------------------------


def test_a_claimed_task_shows_who_claimed_it_and_stays_visible_to_the_role():
    case = _case()
    case.later(minutes=5)
    assert case.claim(DISPATCH) == [Record("claimed", DISPATCH.email, case.now,
                                           {"step": 0, "role": "dispatch"})]
    [task] = case.state.tasks
    assert task.claimed_by == DISPATCH.email
    assert workflows.may_act(task, DISPATCH_2.email, DISPATCH_2.roles)


def test_claiming_a_task_someone_else_claimed_is_refused():
    case = _case()
    case.claim(DISPATCH)
    error = _refused(case.claim, DISPATCH_2)
    assert error.code == "already_claimed"
    assert error.message == ("ana@city.gov is already handling “Dispatch review” "
                             "(since 09:00 UTC on 4 May 2026).")
    assert error.record is not None and error.record.kind == "claimed"


def test_claiming_your_own_claim_again_adds_nothing():
    case = _case()
    case.claim(DISPATCH)
    assert case.claim(Staff("ANA@city.gov", DISPATCH.roles)) == []


def test_only_the_claimer_can_release():
    case = _case()
    case.claim(DISPATCH)
    error = _refused(case.release, DISPATCH_2)
    assert error.code == "not_claimer"
    assert error.message == ("Only ana@city.gov, who is handling “Dispatch review”, can give "
                             "it back.")
    assert [r.kind for r in case.release(DISPATCH)] == ["released"]
    assert case.state.tasks[0].claimed_by is None
    assert case.release(DISPATCH) == [], "nothing to give back"
    assert [r.kind for r in case.claim(DISPATCH_2)] == ["claimed"]
    assert case.state.tasks[0].claimed_by == DISPATCH_2.email


def test_someone_without_the_role_cannot_claim():
    case = _case()
    error = _refused(case.claim, STRANGER, step=0, role="dispatch")
    assert error.code == "not_allowed"
    assert error.message == "You cannot take “Dispatch review”: only people in dispatch can."


def test_a_claim_is_advisory_a_colleague_may_still_decide():
    case = _case()
    case.claim(DISPATCH)
    case.decide(DISPATCH_2)
    assert case.state.status == "approved"


def test_claims_end_with_the_decision_and_with_a_return():
    case = _case(PARALLEL)
    case.claim(POLICE)
    case.claim(FIRE)
    case.decide(POLICE)
    assert [(t.role, t.claimed_by) for t in case.state.tasks] == [("fire", FIRE.email)]
    case.decide(FIRE, "return", "Which route?")
    case.resubmit()
    assert [t.claimed_by for t in case.state.tasks] == [None, None]


def test_claiming_a_closed_task_is_refused_like_deciding_it():
    case = _case()
    case.decide(DISPATCH)
    error = _refused(case.claim, DISPATCH_2, step=0, role="dispatch")
    assert error.code == "already_decided"
    assert _refused(case.release, DISPATCH, step=0, role="dispatch").code == "already_decided"


# --- may_act ----------------------------------------------------------------------------------


def _task(role: str, escalated_to: str | None = None) -> Task:
    return Task(step=0, name=Localized("Review"), role=role,
                started_at=T0, due_at=None, overdue=False, escalated_to=escalated_to,
                claimed_by=None)


@pytest.mark.parametrize(("task_role", "escalated_to", "actor", "roles", "allowed"), [
    ("dispatch", None, "ana@city.gov", {"dispatch"}, True),
    ("dispatch", None, "ana@city.gov", {"dispatch", "parks"}, True),
    ("dispatch", None, "ana@city.gov", {"parks"}, False),
    ("dispatch", None, "ana@city.gov", set(), False),
    ("dispatch", None, "dispatch", set(), False),
    ("ana@city.gov", None, "ana@city.gov", set(), True),
    ("ana@city.gov", None, "Ana@City.GOV", set(), True),
    ("ana@city.gov", None, "ben@city.gov", {"ana@city.gov"}, True),
    ("ana@city.gov", None, "ben@city.gov", {"dispatch"}, False),
    ("dispatch", "manager", "max@city.gov", {"manager"}, True),
    ("dispatch", "boss@city.gov", "boss@city.gov", set(), True),
    ("dispatch", "boss@city.gov", "max@city.gov", {"manager"}, False),
])
def test_may_act(task_role, escalated_to, actor, roles, allowed):
    assert workflows.may_act(_task(task_role, escalated_to), actor, roles) is allowed


def test_a_step_assigned_to_an_email_is_decided_by_that_person():
    case = _case(PARALLEL)
    case.decide(POLICE)
    case.decide(FIRE)
    assert case.roles_now() == ["records@city.gov"]
    error = _refused(case.decide, DISPATCH, step=1, role="records@city.gov")
    assert error.message == "You cannot decide “Filing”: only records@city.gov can."
    case.decide(Staff("Records@city.gov", frozenset()), step=1, role="records@city.gov")
    assert case.state.status == "approved"


# --- Every refusal ------------------------------------------------------------------------------


def test_already_decided_says_by_whom_and_when():
    case = _case(lanes_blocked=True)
    case.now = datetime(2026, 5, 4, 14, 2, tzinfo=UTC)
    case.decide(DISPATCH)
    error = _refused(case.decide, DISPATCH_2, step=0, role="dispatch")
    assert error.code == "already_decided"
    assert error.message == ("“Dispatch review” was already approved by ana@city.gov at "
                             "14:02 UTC on 4 May 2026.")
    assert error.record == case.state.decisions[0]


def test_already_decided_in_parallel_names_the_role():
    case = _case(PARALLEL)
    case.decide(POLICE)
    error = _refused(case.decide, POLICE, step=0, role="police")
    assert error.code == "already_decided"
    assert error.message.startswith("“Police and fire review” was already approved for police "
                                    "by pat@city.gov at ")


def test_after_a_reject_every_other_task_is_already_decided():
    case = _case(PARALLEL)
    case.decide(POLICE, "reject", "Route crosses the highway.")
    error = _refused(case.decide, FIRE, step=0, role="fire")
    assert error.code == "already_decided"
    assert error.message == ("At “Police and fire review”, this submission was already rejected "
                             "by pat@city.gov at 09:00 UTC on 4 May 2026.")


def test_after_a_return_the_step_waits_for_the_resident():
    case = _case(PARALLEL)
    case.decide(POLICE)
    case.decide(FIRE, "return", "Which route?")
    error = _refused(case.decide, POLICE, step=0, role="police")
    assert error.code == "already_decided"
    assert "returned for changes by fay@city.gov" in error.message
    assert error.message.endswith("It is waiting for the resident's changes.")


def test_an_earlier_steps_approval_is_named_after_a_later_reject():
    case = _case(lanes_blocked=True)
    case.decide(DISPATCH)
    case.decide(SUPERVISOR, "reject", "Not city property.")
    error = _refused(case.decide, DISPATCH_2, step=0, role="dispatch")
    assert error.message.startswith("“Dispatch review” was already approved by ana@city.gov")


@pytest.mark.parametrize(("step", "role", "message"), [
    (1, "supervisor", "“Supervisor approval” has not started yet: the submission is at "
                      "“Dispatch review”."),
    (2, "dispatch", "There is no such step on this form; it has 2 steps: “Dispatch review” and "
                    "“Supervisor approval”."),
    (-1, "dispatch", "There is no such step on this form; it has 2 steps: “Dispatch review” "
                     "and “Supervisor approval”."),
    ("0", "dispatch", "There is no such step on this form; it has 2 steps: “Dispatch review” "
                      "and “Supervisor approval”."),
    (0, "supervisor", "“Dispatch review” is not assigned to supervisor; it is assigned to "
                      "dispatch."),
])
def test_not_open(step, role, message):
    case = _case(lanes_blocked=True)
    error = _refused(case.decide, SUPERVISOR, step=step, role=role)
    assert (error.code, error.message) == ("not_open", message)


def test_a_skipped_step_is_not_open():
    case = _case([*TWO, {"step": "Filing", "assign": "clerk"}], lanes_blocked=False)
    case.decide(DISPATCH)
    assert case.state.step == 2
    error = _refused(case.decide, SUPERVISOR, step=1, role="supervisor")
    assert (error.code, error.message) == (
        "not_open", "“Supervisor approval” was skipped for this submission: its condition did "
                    "not hold when the submission reached it.")


def test_a_skipped_step_of_an_approved_submission_is_not_open():
    case = _case(lanes_blocked=False)
    case.decide(DISPATCH)
    assert _refused(case.decide, SUPERVISOR, step=1, role="supervisor").code == "not_open"


def test_not_allowed_names_who_can():
    case = _case()
    error = _refused(case.decide, STRANGER, step=0, role="dispatch")
    assert (error.code, error.message) == (
        "not_allowed", "You cannot decide “Dispatch review”: only people in dispatch can.")


def test_not_allowed_mentions_the_escalation_once_escalated():
    case = Case(make_form([{**TWO[0], "escalate_to": "manager"}]))
    case.submit()
    case.later(days=4)
    case.due()
    error = _refused(case.decide, STRANGER, step=0, role="dispatch")
    assert error.message == ("You cannot decide “Dispatch review”: only people in dispatch "
                             "(or, since it was escalated, people in manager) can.")


@pytest.mark.parametrize("decision, verb", [("reject", "rejecting"), ("return", "returning")])
@pytest.mark.parametrize("comment", [None, "", "   \n "])
def test_reject_and_return_need_a_comment(decision, verb, comment):
    case = _case()
    error = _refused(case.decide, DISPATCH, decision, comment)
    assert (error.code, error.message) == (
        "comment_required", f"Write a comment to say why you are {verb} it.")
    assert case.kinds() == ["submitted", "step_started"], "nothing was written"


def test_comments_are_kept_without_surrounding_space():
    case = _case()
    [record] = case.decide(DISPATCH, "reject", "  Private road.\n")
    assert record.data["comment"] == "Private road."


def test_an_unknown_decision_is_refused():
    case = _case()
    error = _refused(case.decide, DISPATCH, "maybe")
    assert error.code == "unknown_decision"
    assert "approve, reject or return" in error.message


def test_the_permission_check_comes_before_the_comment_check():
    case = _case()
    assert _refused(case.decide, STRANGER, "reject", None, step=0, role="dispatch").code \
        == "not_allowed"


@pytest.mark.parametrize(("how", "message"), [
    ("in_review", "This submission is being reviewed, not waiting for changes, so it cannot be "
                  "sent again now."),
    ("approved", "This submission was already approved, so it cannot be changed any more."),
    ("rejected", "This submission was already rejected, so it cannot be changed any more."),
    ("received", "This submission was not returned for changes, so there is nothing to send "
                 "again."),
])
def test_resubmit_is_refused_unless_returned(how, message):
    routing = None if how == "received" else TWO
    case = Case(make_form(routing))
    case.submit()
    if how == "approved":
        case.decide(DISPATCH)
    elif how == "rejected":
        case.decide(DISPATCH, "reject", "No.")
    error = _refused(case.resubmit, location="Elm St")
    assert (error.code, error.message) == ("not_returned", message)


def test_a_finished_submission_refuses_every_action():
    case = _case()
    case.decide(DISPATCH)
    later = T0 + timedelta(days=1)
    for action in (workflows.claim, workflows.release):
        assert _refused(action, case.form, case.history, actor=DISPATCH.email,
                        roles=DISPATCH.roles, step=0, role="dispatch", now=later).code \
            == "already_decided"
    assert workflows.due_records(case.form, case.history, later + timedelta(days=9)) == []
