"""Real ``formbuilder worker`` processes for the load tests: started with a test's settings,
their output kept in a log per start, and a bounded wait for what they should bring about
(a test waits for a condition it can see, never for a fixed time)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy import func, select

from formbuilder.database import Database
from formbuilder.models import Job, utcnow

WAIT_LIMIT = 60.0  # seconds one step may take before a test gives up (not a measure)


def command() -> list[str]:
    script = Path(sys.executable).parent / "formbuilder"
    if script.exists():
        return [str(script), "worker"]
    return [sys.executable, "-c", "from formbuilder.cli import main; main()", "worker"]


def without_metrics_folder(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` for a child server that picks its own metrics folder: prometheus-client
    turns on its multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is merely present (even
    empty, when it writes its files into the working directory), so the variable is left out."""
    return {key: value for key, value in environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}


class Workers:
    """Worker processes of one test against ``url``, with their logs in ``folder``."""

    def __init__(self, url: str, folder: Path, *, lease_seconds: float,
                 **settings: str) -> None:
        self.folder = folder
        self.started = 0
        self.env = {**os.environ, "FORMBUILDER_DATABASE_URL": url,
                    "FORMBUILDER_JOB_LEASE_SECONDS": str(lease_seconds),
                    "FORMBUILDER_JOB_POLL_SECONDS": "0.05",
                    "FORMBUILDER_SECRET_KEY": "test-secret",
                    "FORMBUILDER_UPLOAD_DIR": str(folder / "uploads"), **settings}

    def start(self, *options: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.folder / f"worker-{self.started}.log").open("wb")
        return subprocess.Popen([*command(), *options], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT)

    def last_log(self) -> str:
        return (self.folder / f"worker-{self.started}.log").read_text()[-3000:]


def wait_for(condition: Callable[[], bool], what: str, *, every: float = 0.02) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting: {what}")
        time.sleep(every)


def held_leases(database: Database, kind: str) -> int:
    """Jobs of ``kind`` a worker still holds a lease on: a worker killed mid-job keeps its
    jobs from everyone else until their leases run out (``formbuilder.jobs.queue.due``)."""
    with database.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Job).where(
            Job.kind == kind, Job.state == "running", Job.lease_until > utcnow())) or 0


def wait_for_leases_to_run_out(database: Database, kind: str) -> None:
    wait_for(lambda: not held_leases(database, kind),
             f"the leases of the killed workers' {kind} jobs to run out", every=0.1)
