"""Random runs: decisions, claims, returns, resubmits and time jumps by random people.

Whatever happens, replay never raises and the state is always a valid one; each run ends
approved, rejected, or waiting on someone; and from any state, people doing their jobs finish it.
"""

from __future__ import annotations

import functools
import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from routing_cases import T0, Case, Staff, make_form, special_event_permit

import schemas
import workflows
from workflows import DecisionError, Record, State

CODES = {"already_decided", "not_open", "not_allowed", "comment_required", "unknown_decision",
         "already_claimed", "not_claimer", "not_returned"}

SYNTHETIC = [
    {"step": "Dispatch review", "assign": "dispatch", "due": "1 day", "escalate_to": "manager"},
    {"step": "Police, fire and parks", "all_of": ["police", "fire", "parks"], "due": "2 days",
     "when": 'size is "large" or lanes_blocked', "escalate_to": "manager"},
    {"step": "Supervisor approval", "assign": "supervisor", "when": 'size is not "small"'},
    {"step": "Filing", "assign": "clerk@city.gov", "due": "2 hours",
     "escalate_to": "director@city.gov"},
]


@functools.cache
def synthetic() -> schemas.Form:
    return make_form(SYNTHETIC)


FORMS = {"synthetic": synthetic, "special-event-permit": special_event_permit}

ANSWERS = {
    "synthetic": st.fixed_dictionaries({"location": st.just("Main St")}, optional={
        "size": st.sampled_from(["small", "medium", "large"]), "lanes_blocked": st.booleans()}),
    "special-event-permit": st.fixed_dictionaries({
        "attendees": st.sampled_from([10, 499, 500, 600, 5000]),
        "street_closure": st.booleans()}),
}


def staff_for(form: schemas.Form) -> list[Staff]:
    """One person per role or email the form names, someone with every role, and a stranger."""
    names = sorted({name for step in form.routing
                    for name in (*step.assignees, step.escalate_to) if name})
    people = [Staff(name.upper() if "@" in name else f"{name}@city.gov",
                    frozenset() if "@" in name else frozenset({name})) for name in names]
    everyone = Staff("all@city.gov", frozenset(n for n in names if "@" not in n))
    return [*people, everyone, Staff("nobody@city.gov", frozenset({"library"}))]


def actions(form: schemas.Form, answers: st.SearchStrategy) -> st.SearchStrategy:
    # Mostly the right person on an open task, so that runs get somewhere; sometimes anyone,
    # on anything.
    person = st.one_of(st.just(None), st.just(None), st.integers(0, len(staff_for(form)) - 1))
    target = st.one_of(
        st.tuples(st.just("open"), st.integers(0, 3)),
        st.tuples(st.just("open"), st.integers(0, 3)),
        st.tuples(st.integers(-1, len(form.routing)),
                  st.sampled_from(sorted({r for s in form.routing for r in s.assignees}))))
    decision = st.sampled_from(["approve"] * 5 + ["reject", "return", "return", "maybe"])
    comment = st.sampled_from([None, "  ", "Please add the route map.", "Checked."])
    decide = st.tuples(st.just("decide"), person, target, decision, comment)
    return st.one_of(
        decide, decide, decide,
        st.tuples(st.just("claim"), person, target),
        st.tuples(st.just("release"), person, target),
        st.tuples(st.just("resubmit"), answers),
        st.tuples(st.just("later"), st.sampled_from([1, 5, 23, 24, 49, 24 * 7])),
        st.tuples(st.just("due")),
    )


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_runs_stay_valid_and_end_decided_or_waiting(name, data):
    form = FORMS[name]()
    case = Case(form, data.draw(ANSWERS[name], label="answers"), T0)
    case.submit()
    check_state(form, case.state)
    people = staff_for(form)
    run = st.lists(actions(form, ANSWERS[name]), min_size=8, max_size=30)
    for action in data.draw(run, label="run"):
        before, length = case.state, len(case.history)
        try:
            new = apply(case, people, action)
        except DecisionError as error:
            assert error.code in CODES
            assert error.message.endswith(".") and " " in error.message
            assert len(case.history) == length, "a refusal writes nothing"
            new = []
        after = case.state
        check_records(case, new, before)
        check_state(form, after)
        check_step(before, after)
    state = case.state
    assert state.status in ("approved", "rejected", "returned") or state.tasks
    event(f"ends {state.status}")
    for kind in ("escalated", "resubmitted", "claimed", "released", "rejected"):
        if kind in case.kinds():
            event(f"has {kind}")
    finish(case, people)


def apply(case: Case, people: list[Staff], action: tuple[Any, ...]) -> list[Record]:
    kind = action[0]
    if kind == "later":
        case.later(hours=action[1])
        return []
    if kind == "due":
        return case.due()
    if kind == "resubmit":
        return case.resubmit(**action[1])
    step, role = action[2]
    if step == "open":
        tasks = case.state.tasks
        step, role = (tasks[role % len(tasks)].step, tasks[role % len(tasks)].role) if tasks \
            else (0, case.form.routing[0].assignees[0])
    who = people[action[1]] if action[1] is not None else holder(people, role)
    if kind == "decide":
        before = case.state
        new = case.decide(who, action[3], action[4], step=step, role=role)
        task = next(t for t in before.tasks if (t.step, t.role) == (step, role))
        assert workflows.may_act(task, who.email, who.roles)
        return new
    return case.claim(who, step=step, role=role) if kind == "claim" \
        else case.release(who, step=step, role=role)


def holder(people: list[Staff], role: str) -> Staff:
    return next(p for p in people if role in p.roles or p.email.casefold() == role.casefold())


def check_state(form: schemas.Form, state: State) -> None:
    assert state.status in ("in_review", "returned", "approved", "rejected")
    if state.status == "in_review":
        assert state.tasks, "in review means someone has work to do"
        assert state.step is not None
    else:
        assert state.tasks == (), "tasks only exist while in review"
    assert (state.step is None) == (state.status in ("approved", "rejected"))
    for task in state.tasks:
        step = form.routing[task.step]
        assert task.step == state.step
        assert task.role in step.assignees
        assert task.due_at == (task.started_at + step.due if step.due else None)
        assert task.escalated_to in (None, step.escalate_to)
        assert task.escalated_to is None or task.overdue
    assert len({t.role for t in state.tasks}) == len(state.tasks)


def check_step(before: State, after: State) -> None:
    if before.status in ("approved", "rejected"):
        assert after == before, "approved and rejected are final"
    assert after.decisions[:len(before.decisions)] == before.decisions, "history only grows"
    if before.status == "returned" and after.status != "returned":
        assert after.status == "in_review" and after.step == before.step


def check_records(case: Case, new: list[Record], before: State) -> None:
    assert case.history[len(case.history) - len(new):] == new
    for record in new:
        assert record.at == case.now
        assert json.loads(json.dumps(dict(record.data))) == record.data
    started = [r.data["step"] for r in new if r.kind == "step_started"]
    if started and new[0].kind == "approved":
        # Only the last open role's approval moves on, to the first later step whose `when`
        # holds now.
        assert [t.role for t in before.tasks] == [new[0].data["role"]]
        steps = case.form.routing
        skipped = range(before.step + 1, started[0])
        assert all(steps[i].when is not None and not steps[i].when.evaluate(case.answers)
                   for i in skipped)
        when = steps[started[0]].when
        assert when is None or when.evaluate(case.answers)
    stored = [Record(r.kind, r.actor, r.at, json.loads(json.dumps(dict(r.data))))
              for r in case.history]
    assert workflows.replay(case.form, stored, case.now) == case.state, "replay is a function"


def finish(case: Case, people: list[Staff]) -> None:
    """People doing their jobs bring any submission to an end within the routing's length."""
    for _ in range(2 * len(case.form.routing) + 2):
        state = case.state
        if state.status in ("approved", "rejected"):
            return
        if state.status == "returned":
            case.resubmit()
            continue
        for task in state.tasks:
            case.decide(holder(people, task.role), "approve", step=task.step, role=task.role)
        case.later(hours=1)
    pytest.fail(f"the submission did not finish: {case.state}")


@settings(max_examples=100, deadline=None)
@given(history=st.lists(st.builds(
    Record,
    kind=st.sampled_from(["step_started", "approved", "rejected", "returned", "claimed",
                          "released", "overdue", "escalated", "resubmitted", "viewed",
                          "submitted", "mystery"]),
    actor=st.sampled_from(["ana@city.gov", "system", "resident"]),
    at=st.integers(0, 10_000).map(lambda minutes: T0 + timedelta(minutes=minutes)),
    data=st.dictionaries(
        st.sampled_from(["step", "role", "roles", "to", "comment"]),
        st.one_of(st.integers(-1, 4), st.sampled_from(["dispatch", "police", "fire", "manager"]),
                  st.lists(st.sampled_from(["dispatch", "police", "fire", "x"]), max_size=3),
                  st.none(), st.booleans())),
), max_size=30))
def test_replay_never_raises_even_on_histories_it_did_not_write(history):
    form = synthetic()
    state = workflows.replay(form, history, T0)
    assert state.status in ("in_review", "returned", "approved", "rejected")
    assert bool(state.tasks) == (state.status == "in_review")
    workflows.due_records(form, history, T0 + timedelta(days=30))
    workflows.next_deadline(form, history)
