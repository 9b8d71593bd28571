"""A submission in review, driven through the engine the way the app drives it.

``Case`` keeps a history, appends whatever the engine returns, and moves its own clock, so a
test reads as what people do: ``case.decide(ANA, "approve")``, ``case.later(days=2)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import schemas
import workflows
from workflows import Record, State

ROOT = Path(__file__).parents[2]
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Staff:
    email: str
    roles: frozenset[str]


DISPATCH = Staff("ana@city.gov", frozenset({"dispatch"}))
DISPATCH_2 = Staff("ben@city.gov", frozenset({"dispatch"}))
SUPERVISOR = Staff("sue@city.gov", frozenset({"supervisor"}))
POLICE = Staff("pat@city.gov", frozenset({"police"}))
FIRE = Staff("fay@city.gov", frozenset({"fire"}))
MANAGER = Staff("max@city.gov", frozenset({"manager"}))
STRANGER = Staff("sam@city.gov", frozenset({"parks"}))


def definition(routing: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A small valid form (as in the app tests) with the questions routing conditions ask."""
    return {
        "id": "pothole-report",
        "title": "Report a pothole",
        "reference_prefix": "PW",
        "schema": {
            "type": "object",
            "required": ["location"],
            "properties": {
                "location": {"type": "string", "title": "Where is it?"},
                "size": {"type": "string", "title": "How big is it?",
                         "enum": ["small", "medium", "large"]},
                "lanes_blocked": {"type": "boolean", "title": "Is it blocking a lane?"},
            },
        },
        **({"routing": routing} if routing is not None else {}),
        **extra,
    }


def make_form(routing: list[dict[str, Any]] | None = None, **extra: Any) -> schemas.Form:
    return schemas.load_definition(definition(routing, **extra))


@functools.cache
def special_event_permit() -> schemas.Form:
    """Loaded once: a ``Form`` is immutable, and checking the file is the slow part."""
    return schemas.load(ROOT / "examples" / "special-event-permit.yaml")


class Case:
    """One submission: its answers, its history and the time now."""

    def __init__(self, form: schemas.Form, answers: Mapping[str, Any] | None = None,
                 now: datetime = T0) -> None:
        self.form = form
        self.answers: dict[str, Any] = dict(answers or {"location": "Main St"})
        self.history: list[Record] = []
        self.now = now

    def submit(self) -> list[Record]:
        self.history.append(Record("submitted", "resident", self.now,
                                   {"reference": "PW-2026-000001", "form_version": 1}))
        return self._append(workflows.start(self.form, self.answers, self.history, self.now))

    @property
    def state(self) -> State:
        return workflows.replay(self.form, self.history, self.now)

    def decide(self, who: Staff, decision: str = "approve", comment: str | None = None, *,
               step: int | None = None, role: str | None = None) -> list[Record]:
        step, role = self._target(who, step, role)
        return self._append(workflows.decide(
            self.form, self.answers, self.history, actor=who.email, roles=who.roles, step=step,
            role=role, decision=decision, comment=comment, now=self.now))

    def claim(self, who: Staff, *, step: int | None = None, role: str | None = None
              ) -> list[Record]:
        return self._act(workflows.claim, who, step, role)

    def release(self, who: Staff, *, step: int | None = None, role: str | None = None
                ) -> list[Record]:
        return self._act(workflows.release, who, step, role)

    def resubmit(self, **changes: Any) -> list[Record]:
        previous, self.answers = self.answers, {**self.answers, **changes}
        return self._append(workflows.resubmit(self.form, self.answers, previous,
                                               self.history, self.now))

    def due(self) -> list[Record]:
        return self._append(workflows.due_records(self.form, self.history, self.now))

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def kinds(self) -> list[str]:
        return [record.kind for record in self.history]

    def roles_now(self) -> list[str]:
        return [task.role for task in self.state.tasks]

    def _act(self, action: Callable[..., list[Record]], who: Staff, step: int | None,
             role: str | None) -> list[Record]:
        step, role = self._target(who, step, role)
        return self._append(action(self.form, self.history, actor=who.email, roles=who.roles,
                                   step=step, role=role, now=self.now))

    def _target(self, who: Staff, step: int | None, role: str | None) -> tuple[int, str]:
        """By default, the open task ``who`` holds (or the first open task)."""
        if step is not None and role is not None:
            return step, role
        tasks = self.state.tasks
        mine = [t for t in tasks if t.role in who.roles or t.role == who.email] or list(tasks)
        assert mine, "there is no open task to act on"
        return (step if step is not None else mine[0].step,
                role if role is not None else mine[0].role)

    def _append(self, records: list[Record]) -> list[Record]:
        self.history.extend(records)
        return records


def roles_of(*staff: Staff) -> Collection[str]:
    return frozenset().union(*(s.roles for s in staff))
