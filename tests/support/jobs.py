"""Run background jobs inside a test, deterministically: no threads, no sleeps.

``run_jobs(app, now=...)`` runs the real worker loop (``formbuilder.jobs.worker.Worker``) in
this process, batch after batch, until no job is due at ``now``; a job that fails is
re-queued for later than ``now`` (its backoff), so it is not run again unless the test moves
``now`` forward. Recurring jobs (the overdue check, the purge) are only scheduled when asked
(``recurring=True``), so a test sees just the jobs its own actions enqueued.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import Any

from formbuilder.app import create_app
from formbuilder.database import Database
from formbuilder.jobs.worker import Outcome, Worker
from formbuilder.models import utcnow

__all__ = ["Outcome", "run_jobs"]


def run_jobs(app_or_db: Any, *, now: datetime | Callable[[], datetime] | None = None,
             max_rounds: int = 100, recurring: bool = False, until_idle: bool = True,
             name: str = "test-worker") -> list[Outcome]:
    """Run due jobs until none is left (or one batch, ``until_idle=False``); what was done.

    ``app_or_db`` is a Flask app or a ``Database`` (an app is then made around it). ``now`` is
    a fixed moment or a clock function; handlers see it as ``ctx.now()``.
    """
    app = _app(app_or_db)
    clock: Callable[[], datetime]
    if now is None:
        clock = utcnow
    elif callable(now):
        clock = now
    else:
        moment = now
        clock = lambda: moment  # noqa: E731 - a fixed clock
    worker = Worker(app, name=name, clock=clock)
    outcomes: list[Outcome] = []
    for _ in range(max_rounds):
        done = worker.run_once(schedule=recurring)
        outcomes += done
        if not done or not until_idle:
            return outcomes
    raise AssertionError(f"Jobs were still due after {max_rounds} rounds; does a job keep "
                         f"re-enqueueing itself? Last: {outcomes[-3:]}")


def _app(app_or_db: Any) -> Any:
    if isinstance(app_or_db, Database):
        return create_app({"TESTING": True, "DATABASE": app_or_db, "SECRET_KEY": "test-secret",
                           "UPLOAD_DIR": tempfile.mkdtemp(prefix="formbuilder-uploads-")})
    return app_or_db
