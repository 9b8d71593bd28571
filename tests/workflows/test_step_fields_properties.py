"""Random runs over a routing whose steps have their own fields (issue 15).

Beside the engine's usual invariants (test_routing_properties): an approval always carries the
step's ``required_to_approve`` fields, values are only ever changed by a new record (the old ones
stay in the history), the state's values are the last ones each step recorded, and a later
step starts exactly when its ``when`` holds on what earlier steps entered.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routing_cases import T0, Case, Staff, make_form
from test_routing_properties import CODES, check_state, check_step

import schemas
import workflows
from workflows import DecisionError, Record, State

OFFICE_CODES = CODES | {"fields_invalid", "not_decided", "nothing_changed"}
ROUTING = [
    {"step": "Inspection", "assign": "inspectors", "required_to_approve": ["result"],
     "fields": {"result": {"title": "Result", "enum": ["pass", "fail"]},
                "score": {"type": "integer", "title": "Score", "minimum": 0},
                "note": {"type": "string", "title": "Note", "maxLength": 20}}},
    {"step": "Re-inspection", "assign": "inspectors", "when": 'Inspection.result is "fail"',
     "required_to_approve": ["result"],
     "fields": {"result": {"title": "Result", "enum": ["pass", "fail"]}}},
    {"step": "Payment", "assign": "cashier", "when": "Inspection.score > 5 or big > 80"},
    {"step": "Filing", "all_of": ["clerks", "cashier"]},
]
PEOPLE = [Staff("ian@city.gov", frozenset({"inspectors"})),
          Staff("cas@city.gov", frozenset({"cashier"})),
          Staff("cle@city.gov", frozenset({"clerks"})),
          Staff("sam@city.gov", frozenset({"parks"}))]
VALUES = st.fixed_dictionaries({}, optional={
    "result": st.sampled_from(["pass", "fail", "maybe", ""]),
    "score": st.one_of(st.integers(-2, 9), st.just("ten")),
    "note": st.sampled_from(["ok", "x" * 30]),
    "stray": st.just(1),
})


@functools.cache
def office_form() -> schemas.Form:
    return make_form(ROUTING, computed={"big": "Inspection.score * 10"})


def actions() -> st.SearchStrategy:
    who = st.one_of(st.none(), st.none(), st.integers(0, len(PEOPLE) - 1))
    decision = st.sampled_from(["approve"] * 5 + ["reject", "return"])
    comment = st.sampled_from([None, "Checked."])
    return st.one_of(
        st.tuples(st.just("decide"), who, st.integers(0, 3), decision, comment, VALUES),
        st.tuples(st.just("decide"), who, st.integers(0, 3), decision, comment, VALUES),
        st.tuples(st.just("correct"), who, st.integers(-1, 4), comment, VALUES),
        st.tuples(st.just("resubmit")),
    )


def apply(case: Case, action: tuple[Any, ...]) -> list[Record]:
    if action[0] == "resubmit":
        return case.resubmit()
    tasks = case.state.tasks
    if action[0] == "decide":
        _, who, pick, decision, comment, values = action
        step, role = (tasks[pick % len(tasks)].step, tasks[pick % len(tasks)].role) if tasks \
            else (0, "inspectors")
        person = PEOPLE[who] if who is not None else holder(role)
        return case._append(workflows.decide(
            case.form, case.answers, case.history, actor=person.email, roles=person.roles,
            step=step, role=role, decision=decision, comment=comment, now=case.now,
            fields=values))
    _, who, step, comment, values = action
    person = PEOPLE[who] if who is not None else PEOPLE[0]
    return case._append(workflows.correct(
        case.form, case.history, actor=person.email, roles=person.roles, step=step,
        fields=values, comment=comment, now=case.now))


def holder(role: str) -> Staff:
    return next(p for p in PEOPLE if role in p.roles)


def expected_office(history: list[Record]) -> dict[int, dict[str, Any]]:
    """The last values each step recorded, read straight off the history."""
    office: dict[int, dict[str, Any]] = {}
    for record in history:
        if record.kind in ("approved", "rejected", "returned", "corrected") \
                and record.data.get("fields"):
            office[record.data["step"]] = dict(record.data["fields"])
        elif record.kind == "corrected":
            office.pop(record.data["step"], None)
    return office


def check_final(before: State, after: State, new: list[Record]) -> None:
    """Approved and rejected are final for the routing; a step's values may still be
    corrected afterwards (docs/FORMAT.md), and only by a ``corrected`` record."""
    if before.finished:
        assert replace(after, office=before.office) == before, "approved and rejected are final"
        if after.office != before.office:
            assert [r.kind for r in new] == ["corrected"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=st.lists(actions(), min_size=5, max_size=25))
def test_random_runs_with_step_fields_keep_the_invariants(run: list) -> None:
    form = office_form()
    case = Case(form, {"location": "Main St"}, T0)
    case.submit()
    for action in run:
        before, length = case.state, len(case.history)
        try:
            new = apply(case, action)
        except DecisionError as error:
            assert error.code in OFFICE_CODES, error.code
            assert len(case.history) == length, "a refusal writes nothing"
            new = []
        after = case.state
        check_state(form, after)
        check_final(before, after, new)
        check_step(replace(before, office=after.office) if before.finished else before, after)
        assert case.history[:length] == [*case.history[:length]], "the history only grows"
        for record in new:
            step = form.routing[record.data["step"]] if "step" in record.data else None
            if record.kind == "approved" and step is not None:
                assert set(step.required_to_approve) <= set(record.data.get("fields", {}))
            if record.kind == "corrected":
                assert record.data["previous"] == dict(before.office.get(record.data["step"],
                                                                         {}))
            if record.kind == "step_started" and new[0].kind == "approved":
                facts = form.facts(case.answers, after.office)
                started = record.data["step"]
                assert all(form.routing[i].when is not None
                           and not form.routing[i].when.evaluate(facts)
                           for i in range(before.step + 1, started))
                when = form.routing[started].when
                assert when is None or when.evaluate(facts)
        assert {k: dict(v) for k, v in after.office.items()} == expected_office(case.history)
        stored = [Record(r.kind, r.actor, r.at, json.loads(json.dumps(dict(r.data))))
                  for r in case.history]
        assert workflows.replay(form, stored, case.now) == after, "replay is a function"
    finish(case)


def finish(case: Case) -> None:
    """Approvers who fill in what approving needs bring every submission to an end."""
    for _ in range(2 * len(case.form.routing) + 2):
        state = case.state
        if state.finished:
            return
        if state.status == "returned":
            case.resubmit()
            continue
        for task in state.tasks:
            person = holder(task.role)
            fields = {"result": "pass"} if case.form.routing[task.step].fields else None
            case._append(workflows.decide(
                case.form, case.answers, case.history, actor=person.email,
                roles=person.roles, step=task.step, role=task.role, decision="approve",
                comment=None, now=case.now, fields=fields))
    raise AssertionError(f"the submission did not finish: {case.state}")


def test_a_failed_inspection_routes_to_the_reinspection_and_a_correction_keeps_the_old() -> None:
    case = Case(office_form(), {"location": "Main St"}, T0)
    case.submit()
    inspector = PEOPLE[0]
    try:
        case.decide(inspector, "approve")
    except DecisionError as error:
        assert error.code == "fields_invalid" and "Result" in error.message
    new = case._append(workflows.decide(
        case.form, case.answers, case.history, actor=inspector.email, roles=inspector.roles,
        step=0, role="inspectors", decision="approve", comment=None, now=case.now,
        fields={"result": "fail", "score": 2}))
    assert [r.kind for r in new] == ["approved", "step_started"]
    assert new[1].data["step"] == 1
    case._append(workflows.correct(case.form, case.history, actor=inspector.email,
                                   roles=inspector.roles, step=0, fields={"result": "pass"},
                                   comment="Typed the wrong result.", now=case.now))
    assert case.state.office[0] == {"result": "pass"}
    assert case.history[-1].data["previous"] == {"result": "fail", "score": 2}
    assert case.state.step == 1, "a correction changes no routing"


def test_a_correction_after_the_final_decision_changes_values_not_the_outcome() -> None:
    case = Case(office_form(), {"location": "Main St"}, T0)
    case.submit()
    inspector = PEOPLE[0]
    case._append(workflows.decide(
        case.form, case.answers, case.history, actor=inspector.email, roles=inspector.roles,
        step=0, role="inspectors", decision="reject", comment="Unsafe.", now=case.now,
        fields={"result": "pass", "score": 2}))
    decided = case.state
    case._append(workflows.correct(case.form, case.history, actor=inspector.email,
                                   roles=inspector.roles, step=0, fields={"score": 2},
                                   comment="No result was taken.", now=case.now))
    assert case.state.office == {0: {"score": 2}}
    case._append(workflows.correct(case.form, case.history, actor=inspector.email,
                                   roles=inspector.roles, step=0, fields={"score": ""},
                                   comment="Nothing was measured.", now=case.now))
    assert case.state.office == {}, "clearing every value leaves none, as if never entered"
    assert case.history[-1].data["previous"] == {"score": 2}
    assert (case.state.status, case.state.decisions) == (decided.status, decided.decisions)
