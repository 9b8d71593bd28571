"""The worker loop: claim due jobs, run their handlers outside the claim, record what happened.

One ``Worker`` is one loop. ``formbuilder worker --concurrency N`` runs N of them in separate
processes (PDFs are CPU-bound), ``formbuilder serve`` one in a thread of the web process, and
tests drive ``run_once`` by hand (``tests/support/jobs.py``). A worker that is told to stop
(SIGTERM) finishes the job it is running and hands back the rest of its batch.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from formbuilder import logs, metrics
from formbuilder.jobs import queue, recurring
from formbuilder.jobs.context import JobContext, Refused, Retry
from formbuilder.jobs.registry import load_handlers, lookup
from formbuilder.models import Job, utcnow

log = logging.getLogger("formbuilder.jobs")

# Generous, and renewed by a heartbeat while the worker lives: a lease only runs out when the
# worker has died (or lost the database for that long).
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_POLL_SECONDS = 1.0
SCHEDULE_EVERY_SECONDS = 60.0
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
# A worker process that ends by itself sooner than this after it started failed to start.
CRASH_LOOP_SECONDS = 1.0
MAX_RESTART_DELAY = 5.0


@dataclass(frozen=True)
class Outcome:
    """What one run of one job came to."""

    job_id: int
    kind: str
    key: str | None
    attempt: int
    result: str  # done | retry | parked | lost (another worker had taken the job over)
    error: str | None = None
    run_at: datetime | None = None  # when a retried job runs next
    seconds: float = 0.0


def in_process_jobs_enabled(config: Mapping[str, Any]) -> bool:
    """Whether ``formbuilder serve`` runs jobs in its own process (``IN_PROCESS_JOBS``)."""
    return bool(config.get("IN_PROCESS_JOBS", True))


class Worker:
    """One loop taking jobs from the app's database.

    It claims one job at a time by default: a worker killed mid-job then costs an attempt of
    that job alone, and jobs it has not started stay free for other workers at once, instead of
    waiting out its lease and being charged an attempt they never had. Claiming costs one short
    transaction, small beside sending an email or drawing a PDF.
    """

    def __init__(self, app: Any, *, name: str | None = None, lease: timedelta | None = None,
                 batch: int = 1, clock: Callable[[], datetime] | None = None,
                 rng: random.Random | None = None) -> None:
        config = app.config
        load_handlers(config.get("EXTRA_HANDLER_MODULES") or ())
        self.app = app
        self.db = app.extensions["db"]
        self.storage = app.extensions.get("storage")
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = lease or timedelta(seconds=float(
            config.get("JOB_LEASE_SECONDS") or DEFAULT_LEASE.total_seconds()))
        self.poll = float(config.get("JOB_POLL_SECONDS") or DEFAULT_POLL_SECONDS)
        self.batch = batch
        self.clock = clock or utcnow
        self.rng = rng or random.Random()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None  # set by start_in_process
        # The jobs whose leases the heartbeat renews: claimed and not yet recorded. A job whose
        # outcome could not be recorded (the database went away) leaves this set, so its lease
        # runs out and it runs again, instead of being held for as long as this worker lives.
        self._holding: set[int] = set()
        self._holding_lock = threading.Lock()

    def run_once(self, *, schedule: bool = True) -> list[Outcome]:
        """Claim one batch of due jobs and run it; an empty list when nothing was due."""
        now = self.clock()
        with self.db.session() as session:
            if schedule:
                recurring.schedule(session, now)
            claimed = queue.claim(session, self.name, now, lease=self.lease, limit=self.batch)
        self._hold(job.id for job in claimed)
        outcomes = []
        try:
            for index, job in enumerate(claimed):
                if self.stop.is_set():
                    self._hand_back(claimed[index:])
                    break
                outcomes.append(self.run(job))
        finally:
            self._release(job.id for job in claimed)
        return outcomes

    def _hold(self, job_ids: Iterable[int]) -> None:
        with self._holding_lock:
            self._holding.update(job_ids)

    def _release(self, job_ids: Iterable[int]) -> None:
        with self._holding_lock:
            self._holding.difference_update(job_ids)

    def run(self, job: queue.Claimed) -> Outcome:
        """Run one claimed job's handler, then record the outcome if the job is still ours.

        The request that enqueued the job (its id in the payload) names every line logged
        meanwhile, so a job's lines are found from the request's, and the other way round.
        """
        request_id = job.payload.get("request_id")
        token = logs.REQUEST_ID.set(request_id if isinstance(request_id, str) else None)
        try:
            return self._run(job)
        finally:
            logs.REQUEST_ID.reset(token)

    def _run(self, job: queue.Claimed) -> Outcome:
        started = time.monotonic()
        function = lookup(job.kind)
        error: str | None = None
        after: timedelta | None = None
        permanent = False
        if function is None:
            error, permanent = f"No handler for job kind {job.kind}", True
        else:
            context = JobContext(app=self.app, db=self.db, storage=self.storage, job_id=job.id,
                                 attempt=job.attempt, clock=self.clock, kind=job.kind,
                                 key=job.key)
            try:
                with self.app.app_context():
                    function(context, job.payload)
            except Refused as refusal:
                error, permanent = refusal.reason or "Refused", True
            except Retry as retry:
                error, after = retry.reason or "Retry", retry.after
            except Exception as failure:
                log.exception("Job %s (%s) failed on attempt %d", job.id, job.kind, job.attempt)
                error = f"{type(failure).__name__}: {failure}".strip()
        return self._record(job, error, after, permanent, time.monotonic() - started)

    def _record(self, job: queue.Claimed, error: str | None, after: timedelta | None,
                permanent: bool, seconds: float) -> Outcome:
        now = self.clock()
        run_at = None
        with self.db.session() as session:
            if error is None:
                result = "done"
                held = queue.complete(session, job.id, self.name, now)
                if held:
                    recurring.schedule_next(session, job.kind, now)
            elif permanent or job.attempt >= job.max_attempts:
                result = "parked"
                if not permanent:
                    error = f"{error} (gave up after {job.attempt} attempts)"
                held = queue.park(session, job.id, self.name, now, error)
            else:
                result = "retry"
                run_at = now + (after if after is not None
                                else queue.backoff(job.attempt, self.rng))
                held = queue.requeue(session, job.id, self.name, run_at, error)
        self._release([job.id])
        if not held:
            result = "lost"
        outcome = Outcome(job.id, job.kind, job.key, job.attempt, result, error, run_at, seconds)
        _log(outcome)
        return outcome

    def _hand_back(self, jobs: list[queue.Claimed]) -> None:
        """Give jobs claimed but not started back to the queue, their attempt not counted."""
        with self.db.session() as session:
            for job in jobs:
                session.execute(update(Job).where(
                    Job.id == job.id, Job.state == "running", Job.locked_by == self.name)
                    .values(state="queued", attempts=Job.attempts - 1, lease_until=None,
                            locked_by=None))

    def renew_leases(self) -> int:
        with self._holding_lock:
            holding = set(self._holding)
        if not holding:
            return 0
        with self.db.session() as session:
            return queue.renew(session, self.name, holding, self.clock() + self.lease)

    def run_forever(self, *, until_idle: bool = False, poll: float | None = None) -> None:
        """Poll until ``stop`` is set (or, with ``until_idle``, until nothing is due).

        A heartbeat thread renews this worker's leases while it lives, so a long handler
        keeps its job; a database that goes away is waited out, never a crash.
        """
        poll = self.poll if poll is None else poll
        heartbeat = threading.Thread(target=self._heartbeat, name=f"{self.name} heartbeat",
                                     daemon=True)
        heartbeat.start()
        scheduled_at = -SCHEDULE_EVERY_SECONDS
        log.info("Job worker %s started", self.name)
        try:
            while not self.stop.is_set():
                schedule = time.monotonic() - scheduled_at >= SCHEDULE_EVERY_SECONDS
                try:
                    outcomes = self.run_once(schedule=schedule)
                except Exception:
                    log.exception("Job worker %s could not use the database; waiting",
                                  self.name)
                    self.stop.wait(max(poll, 1.0) * 5)
                    continue
                if schedule:
                    scheduled_at = time.monotonic()
                if not outcomes:
                    if until_idle:
                        break
                    self.stop.wait(poll)
        finally:
            self.stop.set()
            heartbeat.join(timeout=5)
            log.info("Job worker %s stopped", self.name)

    def _heartbeat(self) -> None:
        every = max(self.lease.total_seconds() / 3, 0.05)
        while not self.stop.wait(every):
            try:
                self.renew_leases()
            except Exception:
                log.exception("Job worker %s could not renew its leases", self.name)


def _log(outcome: Outcome) -> None:
    """One line per job run (JSON under ``logs.configure``), and its metrics."""
    metrics.job_run(outcome.kind, outcome.result, outcome.seconds)
    where = f"job {outcome.job_id} ({outcome.kind}) attempt {outcome.attempt}"
    extra = {"job_id": outcome.job_id, "kind": outcome.kind, "attempt": outcome.attempt,
             "result": outcome.result, "duration_ms": round(outcome.seconds * 1000, 1)}
    if outcome.result == "done":
        log.info("%s: done in %.2f s", where, outcome.seconds, extra=extra)
    elif outcome.result == "retry":
        log.warning("%s: will retry at %s: %s", where,
                    outcome.run_at.isoformat() if outcome.run_at else "?", outcome.error,
                    extra=extra)
    elif outcome.result == "parked":
        log.error("%s: parked: %s", where, outcome.error, extra=extra)
    else:
        log.warning("%s: another worker took it over; its outcome was not recorded", where,
                    extra=extra)


def start_in_process(app: Any) -> Worker:
    """One worker in a daemon thread of this process (``formbuilder serve``); stop it with
    ``worker.stop.set()`` (and ``worker.thread.join()`` to wait for its job to finish)."""
    worker = Worker(app)
    worker.thread = threading.Thread(target=worker.run_forever, name="formbuilder jobs",
                                     daemon=True)
    worker.thread.start()
    return worker


def configure_logging() -> None:
    """Each job's outcome on standard error, one JSON line each (``formbuilder.logs``)."""
    logs.configure()


def run_in_this_process(*, once: bool) -> None:
    """A worker process's life: stop gracefully on SIGTERM or SIGINT.

    The handlers are in place before anything else, then the signals are unblocked (a parent
    that forks blocks them first), so a SIGTERM that arrives while the app starts still stops
    this worker instead of being lost.
    """
    stop = threading.Event()

    def stop_soon(_signal: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_soon)
    signal.signal(signal.SIGINT, stop_soon)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    from formbuilder.app import create_app

    configure_logging()
    worker = Worker(create_app())
    worker.stop = stop
    worker.run_forever(until_idle=once)


def restart_delay(failed_starts: int) -> float:
    """How long to wait before replacing a worker process, after ``failed_starts`` of its
    slot in a row ended by themselves within ``CRASH_LOOP_SECONDS`` of starting: none after
    one that was killed or ran for a while, so its jobs wait for nobody; then twice as long
    each time, up to ``MAX_RESTART_DELAY``, while they keep failing at start (a broken
    setting, a missing module), so a crash loop cannot spin the machine."""
    if failed_starts <= 0:
        return 0.0
    return min(0.1 * 2 ** (failed_starts - 1), MAX_RESTART_DELAY)


def run_processes(concurrency: int, *, once: bool) -> int:
    """``concurrency`` worker processes, replaced when one dies; SIGTERM or SIGINT here stops
    them all gracefully. Returns how many ended with an error (only counted with ``once``).

    The app's modules are imported here, before forking, so a replacement starts in
    milliseconds; no database connection is opened here, so none is shared by children.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    import formbuilder.app  # noqa: F401 - imported once, before forking
    from formbuilder import config

    load_handlers(config.from_environment().get("EXTRA_HANDLER_MODULES") or ())
    context = multiprocessing.get_context("fork")
    stopping = threading.Event()
    children: dict[int, Any] = {}
    started: dict[int, float] = {}
    failed_starts: dict[int, int] = {}

    def start(number: int) -> None:
        # Signals wait while forking: the child must not run this process's handler, and a
        # stop must not miss a child that is being started.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            if stopping.is_set():
                return
            child = context.Process(target=run_in_this_process, kwargs={"once": once},
                                    name=f"worker-{number}")
            child.start()
            children[number] = child
            started[number] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def forward(_signal: int, _frame: Any) -> None:
        stopping.set()
        for child in list(children.values()):
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for number in range(1, concurrency + 1):
        start(number)
    failed = 0
    while children:
        wait([child.sentinel for child in children.values()])
        for number, child in list(children.items()):
            if child.is_alive():
                continue
            child.join()
            del children[number]
            if child.exitcode == 0 or stopping.is_set():
                continue
            if once:
                failed += 1
                continue
            log.error("Job worker process %s ended with %s; starting another", child.pid,
                      f"signal {-child.exitcode}" if child.exitcode < 0
                      else f"status {child.exitcode}")
            # Killed from outside (the kernel's out-of-memory killer, an operator) is no
            # failed start, however soon it came.
            failed_start = child.exitcode != -signal.SIGKILL and \
                time.monotonic() - started[number] < CRASH_LOOP_SECONDS
            failed_starts[number] = failed_starts.get(number, 0) + 1 if failed_start else 0
            stopping.wait(restart_delay(failed_starts[number]))
            start(number)
    return failed
