"""What a job handler receives, and the two ways it can say that a job did not work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from formbuilder.database import Database


class Retry(Exception):
    """A temporary failure: run the job again later (``after``, or the usual backoff).

    It still counts as an attempt, so a server that never comes back does not keep a job
    forever: after ``max_attempts`` it is parked like any other failure.
    """

    def __init__(self, reason: str, *, after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


class Refused(Exception):
    """A permanent failure: trying again cannot help, so the job is parked at once with the
    reason, for an admin to read (and retry after fixing the cause)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class JobContext:
    """The app's parts a handler may use, and which run of which job this is.

    ``now`` is the worker's clock: tests drive it (``tests/support/jobs.py``), so a handler
    should ask it rather than the system clock.
    """

    app: Any  # the Flask app; handlers run inside its app context
    db: Database
    storage: Any
    job_id: int
    attempt: int
    clock: Callable[[], datetime]
    kind: str = ""
    key: str | None = None

    def now(self) -> datetime:
        return self.clock()
