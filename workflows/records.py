"""The engine's vocabulary: the history records it reads and writes, and the state it derives.

A submission's history is a list of ``Record`` in the order they were appended. The engine never
keeps anything else: ``State`` and ``Task`` are always recomputed from the records, so the
caller can store records as rows and rebuild everything else from them at any time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from schemas import Localized

SYSTEM = "system"
RESIDENT = "resident"

Decision = Literal["approve", "reject", "return"]
DECISION_KINDS: Mapping[str, str] = {"approve": "approved", "reject": "rejected",
                                     "return": "returned"}
STATUSES = ("received", "in_review", "returned", "approved", "rejected")
FINAL_STATUSES = ("approved", "rejected")


@dataclass(frozen=True)
class Record:
    """One thing that happened to a submission: a history row, as the engine sees it.

    ``data`` holds only JSON values (lists, not tuples), so a record read back from the database
    equals the one the engine wrote.
    """

    kind: str
    actor: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """One open piece of work: one role (or staff email) at one step.

    ``overdue`` and ``escalated_to`` follow the ``overdue`` and ``escalated`` records, so every
    change in who may act is written in the history before it takes effect.
    """

    step: int
    name: Localized
    role: str
    started_at: datetime
    due_at: datetime | None
    overdue: bool
    escalated_to: str | None
    claimed_by: str | None


@dataclass(frozen=True)
class State:
    """Where a submission stands, derived from its history alone."""

    status: str
    step: int | None
    tasks: tuple[Task, ...]
    decisions: tuple[Record, ...]
    # What each step's approvers entered in its own fields, by step index: the last decision
    # or correction that carried them (the earlier ones stay in the history).
    office: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES


class DecisionError(Exception):
    """The engine refused an action, for a reason a clerk can act on.

    ``message`` is a plain English sentence; ``code`` is stable (``already_decided``,
    ``not_open``, ``not_allowed``, ``comment_required``, ``unknown_decision``,
    ``already_claimed``, ``not_claimer``, ``not_returned``, ``fields_invalid``,
    ``not_decided``, ``nothing_changed``) so the web layer can pick its own
    words or an HTTP status. ``record`` is the earlier record that explains the refusal, when
    there is one (the decision that closed the task, the other person's claim), so its time can
    be shown in the reader's time zone.
    """

    def __init__(self, code: str, message: str, *, record: Record | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.record = record

    def __str__(self) -> str:
        return self.message
