"""Routing constructs: single and several steps, `when`, `all_of`, return and resubmit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from routing_cases import (
    DISPATCH,
    DISPATCH_2,
    FIRE,
    MANAGER,
    POLICE,
    SUPERVISOR,
    T0,
    Case,
    make_form,
    special_event_permit,
)

import workflows
from workflows import DecisionError, Record

SINGLE = [{"step": "Dispatch review", "assign": "dispatch", "due": "2 days"}]
TWO = [*SINGLE, {"step": "Supervisor approval", "assign": "supervisor"}]
SKIPPABLE = [*SINGLE,
             {"step": "Supervisor approval", "assign": "supervisor",
              "when": 'size is "large" or lanes_blocked'}]
PARALLEL = [*SINGLE,
            {"step": "Police and fire review", "all_of": ["police", "fire"], "due": "1 day",
             "escalate_to": "manager"},
            {"step": "Supervisor approval", "assign": "supervisor"}]


# --- No routing, one step, several steps -------------------------------------------------------


def test_a_form_without_routing_is_received_with_no_tasks():
    case = Case(make_form())
    assert case.submit() == []
    state = case.state
    assert (state.status, state.step, state.tasks, state.decisions) == ("received", None, (), ())
    with pytest.raises(DecisionError) as refused:
        case.decide(DISPATCH, step=0, role="dispatch")
    assert refused.value.code == "not_open"
    assert "no approval steps" in refused.value.message


def test_start_opens_the_first_step_for_its_role():
    case = Case(make_form(SINGLE))
    assert case.submit() == [Record("step_started", "system", T0,
                                    {"step": 0, "roles": ["dispatch"]})]
    state = case.state
    assert (state.status, state.step) == ("in_review", 0)
    [task] = state.tasks
    assert (task.step, task.name.default, task.role, task.started_at) == (
        0, "Dispatch review", "dispatch", T0)
    assert (task.due_at, task.overdue, task.escalated_to, task.claimed_by) == (
        T0 + timedelta(days=2), False, None, None)


def test_start_twice_starts_nothing_more():
    case = Case(make_form(SINGLE))
    case.submit()
    assert workflows.start(case.form, case.answers, case.history, case.now) == []


def test_approving_the_only_step_approves_the_submission():
    case = Case(make_form(SINGLE))
    case.submit()
    case.later(hours=3)
    [record] = case.decide(DISPATCH, "approve", "  ")
    assert record == Record("approved", DISPATCH.email, T0 + timedelta(hours=3),
                            {"step": 0, "role": "dispatch", "comment": None})
    state = case.state
    assert (state.status, state.step, state.tasks) == ("approved", None, ())
    assert state.finished
    assert state.decisions == (record,)


def test_approving_a_step_starts_the_next_one():
    case = Case(make_form(TWO))
    case.submit()
    approved, started = case.decide(DISPATCH, "approve", "Looks right")
    assert approved.data == {"step": 0, "role": "dispatch", "comment": "Looks right"}
    assert started.kind == "step_started"
    assert started.data == {"step": 1, "roles": ["supervisor"]}
    assert (case.state.status, case.state.step, case.roles_now()) == (
        "in_review", 1, ["supervisor"])
    assert case.state.tasks[0].due_at is None, "the second step has no `due`"
    case.decide(SUPERVISOR)
    assert case.state.status == "approved"
    assert [d.actor for d in case.state.decisions] == [DISPATCH.email, SUPERVISOR.email]


def test_rejecting_ends_the_submission_rejected():
    case = Case(make_form(TWO))
    case.submit()
    [record] = case.decide(DISPATCH, "reject", "This is on a private road.")
    assert record.kind == "rejected"
    assert record.data["comment"] == "This is on a private road."
    state = case.state
    assert (state.status, state.step, state.tasks) == ("rejected", None, ())


# --- when ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("answers", "reached"), [
    ({"size": "small"}, False),
    ({"size": "large"}, True),
    ({"size": "small", "lanes_blocked": True}, True),
    ({}, False),
])
def test_a_step_whose_when_fails_is_skipped(answers, reached):
    case = Case(make_form(SKIPPABLE), {"location": "Main St", **answers})
    case.submit()
    records = case.decide(DISPATCH)
    assert [r.kind for r in records] == (["approved", "step_started"] if reached
                                         else ["approved"])
    assert case.state.status == ("in_review" if reached else "approved")


def test_when_is_evaluated_on_the_answers_when_the_step_is_reached():
    routing = [{"step": "Dispatch review", "assign": "dispatch", "when": 'size is "large"'},
               {"step": "Supervisor approval", "assign": "supervisor", "when": "lanes_blocked"}]
    case = Case(make_form(routing), {"location": "Main St", "size": "small"})
    # Neither holds at submission: nothing starts, the submission is approved as it stands.
    assert [r.kind for r in case.submit()] == ["approved"]
    assert case.kinds() == ["submitted", "approved"]
    assert case.state.status == "approved"

    blocked = Case(make_form(routing), {"location": "Main St", "lanes_blocked": True})
    [started] = blocked.submit()
    assert started.data == {"step": 1, "roles": ["supervisor"]}, "step 0 skipped, step 1 runs"


def test_a_later_steps_when_reads_the_answers_as_they_are_when_it_is_reached():
    case = Case(make_form(SKIPPABLE), {"location": "Main St", "size": "small"})
    case.submit()
    case.decide(DISPATCH, "return", "Is it really small? The photo looks large.")
    case.resubmit(size="large")
    assert case.decide(DISPATCH)[-1].data == {"step": 1, "roles": ["supervisor"]}


def test_routing_whose_steps_are_all_skipped_approves_at_once():
    routing = [{"step": "Supervisor approval", "assign": "supervisor", "when": "lanes_blocked"}]
    case = Case(make_form(routing), {"location": "Main St", "lanes_blocked": False})
    written = case.submit()
    assert [(r.kind, r.actor, dict(r.data)) for r in written] == [
        ("approved", "system", {"skipped": True})], "the approval is in the history"
    state = case.state
    assert (state.status, state.step, state.tasks, state.decisions) == ("approved", None, (), ())
    assert case.submit() == [], "a retried submit approves once"


# --- all_of ------------------------------------------------------------------------------------


def _at_parallel_step() -> Case:
    case = Case(make_form(PARALLEL))
    case.submit()
    case.decide(DISPATCH)
    return case


def test_all_of_opens_one_task_per_role():
    case = _at_parallel_step()
    assert case.history[-1].data == {"step": 1, "roles": ["police", "fire"]}
    assert case.roles_now() == ["police", "fire"]
    assert {t.name.default for t in case.state.tasks} == {"Police and fire review"}


@pytest.mark.parametrize("first, second", [(POLICE, FIRE), (FIRE, POLICE)])
def test_all_of_completes_when_every_role_approved_in_any_order(first, second):
    case = _at_parallel_step()
    assert [r.kind for r in case.decide(first)] == ["approved"]
    assert (case.state.status, case.state.step) == ("in_review", 1)
    assert case.roles_now() == [r for r in ("police", "fire") if r not in first.roles]
    approved, started = case.decide(second)
    assert approved.data["role"] == next(iter(second.roles))
    assert started.data == {"step": 2, "roles": ["supervisor"]}
    case.decide(SUPERVISOR)
    assert case.state.status == "approved"


def test_one_person_holding_both_roles_approves_each_role_separately():
    case = _at_parallel_step()
    both = POLICE.__class__("chief@city.gov", POLICE.roles | FIRE.roles)
    assert [r.kind for r in case.decide(both, role="police", step=1)] == ["approved"]
    assert case.roles_now() == ["fire"]
    assert [r.kind for r in case.decide(both, role="fire", step=1)] == ["approved",
                                                                          "step_started"]


def test_a_reject_in_the_middle_of_parallel_approval_rejects_the_submission():
    case = _at_parallel_step()
    case.decide(POLICE)
    case.decide(FIRE, "reject", "No fire lane on the site map.")
    state = case.state
    assert (state.status, state.tasks) == ("rejected", ())
    assert [d.kind for d in state.decisions] == ["approved", "approved", "rejected"]


def test_a_return_in_the_middle_of_parallel_approval_returns_it_and_every_role_approves_again():
    case = _at_parallel_step()
    case.decide(POLICE)
    case.decide(FIRE, "return", "Please add the fire lane to the site map.")
    state = case.state
    assert (state.status, state.step, state.tasks) == ("returned", 1, ())
    case.later(days=3)
    resubmitted, started = case.resubmit(size="medium")
    assert resubmitted == Record("resubmitted", "resident", case.now,
                                 {"previous_answers": {"location": "Main St"}})
    assert started == Record("step_started", "system", case.now,
                             {"step": 1, "roles": ["police", "fire"]})
    assert case.roles_now() == ["police", "fire"], "police approved before, and must again"
    assert all(t.started_at == case.now for t in case.state.tasks)
    case.decide(POLICE)
    assert case.roles_now() == ["fire"]


# --- return for changes ------------------------------------------------------------------------


def test_return_waits_on_the_resident_with_no_open_tasks():
    case = Case(make_form(TWO))
    case.submit()
    case.decide(DISPATCH)
    [returned] = case.decide(SUPERVISOR, "return", "Which side of the street?")
    assert returned.data == {"step": 1, "role": "supervisor",
                             "comment": "Which side of the street?"}
    state = case.state
    assert (state.status, state.step, state.tasks) == ("returned", 1, ())


def test_resubmit_starts_the_returned_step_again_not_the_first():
    case = Case(make_form(TWO))
    case.submit()
    case.decide(DISPATCH)
    case.decide(SUPERVISOR, "return", "Which side of the street?")
    case.resubmit(location="Main St, north side")
    assert case.kinds()[-2:] == ["resubmitted", "step_started"]
    assert (case.state.status, case.state.step, case.roles_now()) == (
        "in_review", 1, ["supervisor"])
    case.decide(SUPERVISOR)
    assert case.state.status == "approved"
    assert [d.kind for d in case.state.decisions] == ["approved", "returned", "approved"]


def test_resubmit_does_not_ask_the_returned_steps_when_again():
    case = Case(make_form(SKIPPABLE), {"location": "Main St", "size": "large"})
    case.submit()
    case.decide(DISPATCH)
    case.decide(SUPERVISOR, "return", "Send a photo, please.")
    case.resubmit(size="small")
    assert (case.state.step, case.roles_now()) == (1, ["supervisor"])


def test_returned_twice_and_resubmitted_twice():
    case = Case(make_form(SINGLE))
    case.submit()
    for round_ in range(2):
        case.decide(DISPATCH, "return", f"Round {round_}: more detail, please.")
        case.resubmit(location=f"Main St {round_}")
    case.decide(DISPATCH_2)
    assert case.state.status == "approved"
    assert case.kinds().count("step_started") == 3


# --- The special event permit ---------------------------------------------------------------


EVENT_OFFICE = DISPATCH.__class__("eve@city.gov", frozenset({"special-events-office"}))
EVENT_POLICE = DISPATCH.__class__("paul@city.gov", frozenset({"police-events"}))
EVENT_FIRE = DISPATCH.__class__("fran@city.gov", frozenset({"fire-marshal"}))
TRAFFIC = DISPATCH.__class__("tom@city.gov", frozenset({"transportation-traffic"}))


def test_a_large_event_with_a_street_closure_goes_through_every_department():
    case = Case(special_event_permit(), {"attendees": 600, "street_closure": True})
    case.submit()
    assert (case.state.step, case.roles_now()) == (0, ["special-events-office"])
    assert case.state.tasks[0].name.get("es") == "Revisión de la Oficina de Eventos Especiales"
    assert case.state.tasks[0].due_at == T0 + timedelta(days=5)
    case.decide(EVENT_OFFICE)
    assert (case.state.step, case.roles_now()) == (1, ["police-events", "fire-marshal"])
    case.decide(EVENT_FIRE)
    case.decide(EVENT_POLICE)
    assert (case.state.step, case.roles_now()) == (2, ["transportation-traffic"])
    case.decide(TRAFFIC, "approve", "Closure approved from 8 am.")
    assert case.state.status == "approved"
    assert [(d.data["step"], d.data["role"]) for d in case.state.decisions] == [
        (0, "special-events-office"), (1, "fire-marshal"), (1, "police-events"),
        (2, "transportation-traffic")]


@pytest.mark.parametrize(("answers", "steps"), [
    ({"attendees": 80, "street_closure": False}, [0]),
    ({"attendees": 600, "street_closure": False}, [0, 1]),
    ({"attendees": 80, "street_closure": True}, [0, 1, 2]),
])
def test_smaller_special_events_skip_the_steps_they_do_not_need(answers, steps):
    case = Case(special_event_permit(), answers)
    case.submit()
    everyone = DISPATCH.__class__("all@city.gov", frozenset(
        EVENT_OFFICE.roles | EVENT_POLICE.roles | EVENT_FIRE.roles | TRAFFIC.roles))
    while case.state.status == "in_review":
        case.decide(everyone)
    assert case.state.status == "approved"
    assert sorted({d.data["step"] for d in case.state.decisions}) == steps


# --- Records -------------------------------------------------------------------------------------


def test_every_record_the_engine_writes_survives_a_json_round_trip():
    case = _at_parallel_step()
    case.claim(POLICE)
    case.release(POLICE)
    case.decide(POLICE, "return", "Add the route.")
    case.resubmit(size="large")
    case.later(days=3)
    case.due()
    case.decide(MANAGER, "approve", step=1, role="fire")
    assert {"claimed", "released", "returned", "resubmitted", "overdue", "escalated",
            "approved"} <= set(case.kinds())
    for record in case.history:
        assert json.loads(json.dumps(dict(record.data))) == record.data
        assert record.at.tzinfo is not None
    stored = [Record(r.kind, r.actor, r.at, json.loads(json.dumps(dict(r.data))))
              for r in case.history]
    assert workflows.replay(case.form, stored, case.now) == case.state


def test_kinds_the_engine_does_not_know_change_nothing():
    case = _at_parallel_step()
    before = case.state
    case.history += [Record("viewed", POLICE.email, case.now, {}),
                     Record("submitted", "resident", case.now, {"reference": "X"}),
                     Record("commented", POLICE.email, case.now, {"step": 1, "role": "police"})]
    assert case.state == before
    case.decide(POLICE)
    assert case.roles_now() == ["fire"]


def test_records_that_do_not_fit_the_state_are_ignored():
    case = _at_parallel_step()
    before = case.state
    case.history += [
        Record("approved", POLICE.email, case.now, {"step": 0, "role": "police"}),
        Record("approved", POLICE.email, case.now, {"step": 1, "role": "parks"}),
        Record("rejected", POLICE.email, case.now, {"step": "1", "role": "police"}),
        Record("returned", POLICE.email, case.now, {}),
        Record("step_started", "system", case.now, {"step": 2, "roles": []}),
        Record("claimed", POLICE.email, case.now, {"step": 1}),
        Record("escalated", "system", case.now, {"step": 1}),
    ]
    assert case.state == before


def test_naive_times_are_read_as_utc():
    case = Case(make_form(SINGLE))
    naive = T0.replace(tzinfo=None)
    case.history = [Record("step_started", "system", naive, {"step": 0, "roles": ["dispatch"]})]
    [task] = case.state.tasks
    assert (task.started_at, task.due_at) == (T0, T0 + timedelta(days=2))
    assert [r.kind for r in workflows.due_records(case.form, case.history,
                                                  naive + timedelta(days=2))] == ["overdue"]


def test_replay_is_the_same_at_any_later_time():
    case = _at_parallel_step()
    case.decide(POLICE)
    assert workflows.replay(case.form, case.history, T0 + timedelta(days=300)) == case.state
