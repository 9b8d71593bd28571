"""The route tester: which approval steps a set of answers would run, and why the others not.

It asks the engine itself (:func:`workflows.start` and :func:`workflows.decide`, approving each
task as soon as it starts), so the route it shows is the route a real submission takes, and
then explains every step's ``when`` with the answers it read: "skipped: `attendees >= 500` is
false, attendees is 40". Pure: the caller says who holds each role and what the notify
defaults are; nothing is stored or sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import schemas
from schemas.conditions import Condition
from workflows.decisions import decide, start
from workflows.records import Record
from workflows.replay import replay

Holders = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Assignee:
    """A role or email a step is assigned to, and the active staff who hold it."""

    name: str
    people: tuple[str, ...]


@dataclass(frozen=True)
class StepRun:
    """One routing step as the tester sees it."""

    index: int
    name: str
    runs: bool
    why: str
    assignees: tuple[Assignee, ...] = ()
    due: timedelta | None = None
    due_by: datetime | None = None
    escalate_to: str | None = None
    notified: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """Every step in order, and who is emailed at each event of the submission."""

    steps: tuple[StepRun, ...]
    outcome: str
    notices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def running(self) -> list[StepRun]:
        return [step for step in self.steps if step.runs]


def route(form: schemas.Form, answers: Mapping[str, Any], *, now: datetime,
          holders: Holders = lambda name: (),
          notify_defaults: Mapping[str, Sequence[str]] | None = None) -> Route:
    """The route ``answers`` take through ``form.routing`` if every task is approved.

    ``due_by`` is the latest each step may finish when every earlier step takes its full time,
    starting from ``now``; ``holders(role)`` names the people a role or email stands for.
    """
    started = _started_steps(form, answers, now)
    clock = now
    steps = []
    for index, step in enumerate(form.routing):
        runs = index in started
        who = tuple(Assignee(name, tuple(holders(name))) for name in step.assignees)
        due_by = clock + step.due if runs and step.due else None
        if due_by is not None:
            clock = due_by
        steps.append(StepRun(
            index=index, name=step.name.default or f"Step {index + 1}", runs=runs,
            why=_why(step, answers, runs, started, index), assignees=who, due=step.due,
            due_by=due_by, escalate_to=step.escalate_to,
            notified=_people(who) if runs else ()))
    state = replay(form, _history(form, answers, now), now)
    defaults = notify_defaults or {}
    notices = {event: tuple(form.notify.get(event, defaults.get(event, ())))
               for event in ("on_submit", "on_decision", "on_return", "on_overdue")}
    return Route(tuple(steps), state.status, notices)


def _history(form: schemas.Form, answers: Mapping[str, Any], now: datetime) -> list[Record]:
    """The records of a submission whose every task is approved the moment it starts."""
    history = start(form, answers, [], now)
    for _ in range(len(form.routing) * 8 + 1):
        state = replay(form, history, now)
        if not state.tasks:
            break
        task = state.tasks[0]
        history += decide(form, answers, history, actor="route-tester", roles={task.role},
                          step=task.step, role=task.role, decision="approve", comment=None,
                          now=now)
    return history


def _started_steps(form: schemas.Form, answers: Mapping[str, Any], now: datetime) -> set[int]:
    return {record.data["step"] for record in _history(form, answers, now)
            if record.kind == "step_started" and isinstance(record.data.get("step"), int)}


def _why(step: schemas.Step, answers: Mapping[str, Any], runs: bool, started: set[int],
         index: int) -> str:
    if not step.assignees:
        return "skipped: the step names nobody to assign it to"
    if step.when is None:
        return "runs: it has no condition" if runs else \
            "not reached: an earlier step would end the submission"
    verdict = "true" if step.when.evaluate(answers) else "false"
    reason = f"`{step.when.text}` is {verdict}{explain_values(step.when, answers)}"
    if runs:
        return f"runs: {reason}"
    if verdict == "true" and index not in started:
        return f"not reached: {reason}, but an earlier step would end the submission"
    return f"skipped: {reason}"


def explain_values(condition: Condition, answers: Mapping[str, Any]) -> str:
    """", attendees is 40, street_closure is not answered": the answers a condition read."""
    parts = [f"{name} is {show_answer(_answer(answers, name))}"
             for name in sorted(condition.fields())]
    return (", " + ", ".join(parts)) if parts else ""


def _answer(answers: Mapping[str, Any], name: str) -> Any:
    value: Any = answers
    for key in name.split("."):
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list):
            value = [item.get(key) for item in value if isinstance(item, Mapping)]
        else:
            return None
    return value


def show_answer(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f"“{value[:80]}”"
    if isinstance(value, list):
        return "[" + ", ".join(show_answer(item) for item in value[:10]) + "]"
    return str(value)


def _people(assignees: Iterable[Assignee]) -> tuple[str, ...]:
    found: list[str] = []
    for assignee in assignees:
        for person in assignee.people or ((assignee.name,) if "@" in assignee.name else ()):
            if person not in found:
                found.append(person)
    return tuple(found)
