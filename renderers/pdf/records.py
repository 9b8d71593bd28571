"""What a submission PDF prints besides the answers: its files and its approval history.

Both are plain values the caller fills from wherever it keeps them (the app from its
``Attachment`` and ``Event`` rows), so the renderer stays free of any database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from schemas.model import Form

DECISIONS = ("approved", "rejected", "returned")
PRINTED_KINDS = ("submitted", *DECISIONS, "resubmitted")


@dataclass(frozen=True)
class AttachmentInfo:
    """A stored file of the submission, as its record says (the bytes come separately)."""

    id: str
    name: str
    media_type: str
    size: int
    sha256: str

    @property
    def is_image(self) -> bool:
        return self.media_type in ("image/png", "image/jpeg", "image/gif")


@dataclass(frozen=True)
class HistoryRow:
    """One line of the approval history: who did what at which step, and why.

    ``kind`` is ``submitted``, ``approved``, ``rejected``, ``returned`` or ``resubmitted``;
    ``step`` the index into the form's routing (``None`` for the resident's own acts).
    """

    kind: str
    actor: str
    at: datetime
    step: int | None = None
    role: str | None = None
    comment: str | None = None


class EventLike(Protocol):
    """What the history is read from, never written to: read-only, so an ``Event`` row (whose
    ``data`` is a dict) fits as well as a ``workflows.Record``."""

    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def history_rows(events: Iterable[EventLike]) -> list[HistoryRow]:
    """The printed history from a submission's history records (``Event`` rows or
    ``workflows.Record``): submission, decisions and resubmissions, in order. Claims, views
    and reminders are staff bookkeeping, not part of the record of the decision."""
    rows = []
    for event in events:
        if event.kind not in PRINTED_KINDS:
            continue
        data = event.data if isinstance(event.data, Mapping) else {}
        step = data.get("step")
        comment = data.get("comment")
        rows.append(HistoryRow(
            kind=event.kind, actor=str(event.actor), at=event.at,
            step=step if isinstance(step, int) and not isinstance(step, bool) else None,
            role=str(data["role"]) if data.get("role") else None,
            comment=comment if isinstance(comment, str) and comment.strip() else None))
    return rows


def step_name(form: Form, step: int | None, lang: str | None) -> str:
    """The step's name from the form version the submission was made on."""
    if step is None or not 0 <= step < len(form.routing):
        return ""
    return form.routing[step].name.get(lang)
