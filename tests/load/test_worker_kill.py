"""Real ``formbuilder worker`` processes killed with SIGKILL mid-job, twenty times, on SQLite
and on PostgreSQL: no job is lost, every job ends done, repeats are counted and printed.

``formbuilder worker --concurrency 3`` runs three worker processes and replaces one that
dies; each kill lands on a worker process while it runs ``test.record`` jobs (each records
its run, then sleeps briefly). The lease is four seconds here
(``FORMBUILDER_JOB_LEASE_SECONDS``), so the survivors take over a killed worker's jobs
quickly. Then the command is stopped with SIGTERM (its workers finish their jobs and exit
cleanly), the test waits until the killed workers' leases have run out, and
``formbuilder worker --once --concurrency 3`` drains the rest. Delivery is at least once: a job
killed mid-run runs again, so the repeats are at most the kills. Nothing asserts on time.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

from job_handlers import empty_runs_table, job_runs
from sqlalchemy import func, select
from worker_processes import WAIT_LIMIT, Workers, wait_for, wait_for_leases_to_run_out

from formbuilder.database import Database
from formbuilder.jobs import enqueue
from formbuilder.models import Job

SUPPORT = Path(__file__).parent.parent / "support"
KILLS = 20
BATCH_OF_JOBS = 30  # few are done while workers are killed this often; the rest drain
JOB_SLEEP = 0.05
ALIVE = 3  # worker processes under one `formbuilder worker --concurrency 3`
LEASE_SECONDS = 4  # heartbeats renew it; room for a CPU starved by a parallel test run


def waiting_jobs(database: Database) -> int:
    with database.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Job).where(
            Job.kind == "test.record", Job.state != "done")) or 0


def add_jobs(database: Database, count: int, first: int) -> None:
    with database.session() as session:
        for number in range(first, first + count):
            enqueue(session, "test.record", {"label": str(number), "sleep": JOB_SLEEP},
                    max_attempts=100)


def test_killed_workers_lose_no_job(database_url: str, tmp_path: Path):
    database = Database(database_url)
    database.upgrade()
    empty_runs_table(database)
    enqueued = BATCH_OF_JOBS * 2
    add_jobs(database, enqueued, 0)
    path = os.pathsep.join(p for p in (str(SUPPORT), os.environ.get("PYTHONPATH")) if p)
    workers = Workers(database_url, tmp_path, lease_seconds=LEASE_SECONDS, PYTHONPATH=path,
                      FORMBUILDER_EXTRA_HANDLER_MODULES="job_handlers")
    supervisor = workers.start("--concurrency", str(ALIVE))
    killed: set[str] = set()
    rng = random.Random(7)
    try:
        for _ in range(KILLS):
            working: list[str] = []

            def found(into: list[str] = working) -> bool:
                into[:] = sorted({r.worker for r in job_runs(database)} - killed)
                return bool(into)

            wait_for(found, "a worker process to run jobs")
            if waiting_jobs(database) < BATCH_OF_JOBS:  # keep work for every kill to land on
                add_jobs(database, BATCH_OF_JOBS, enqueued)
                enqueued += BATCH_OF_JOBS
            time.sleep(rng.uniform(0, JOB_SLEEP))  # a random moment of a job
            victim = rng.choice(working)
            os.kill(int(victim), signal.SIGKILL)
            killed.add(victim)
        supervisor.send_signal(signal.SIGTERM)  # its workers finish their jobs and stop
        assert supervisor.wait(timeout=WAIT_LIMIT) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
    wait_for_leases_to_run_out(database, "test.record")  # the jobs killed workers held
    drain = workers.start("--once", "--concurrency", str(ALIVE))
    assert drain.wait(timeout=WAIT_LIMIT * 2) == 0, workers.last_log()

    runs = job_runs(database)
    with database.session(readonly=True) as session:
        states = dict(session.execute(select(Job.state, func.count()).where(
            Job.kind == "test.record").group_by(Job.state)).all())
    assert states == {"done": enqueued}
    labels = {run.label for run in runs}
    assert labels == {str(n) for n in range(enqueued)}  # every job ran at least once
    repeats = len(runs) - len(labels)
    print(f"\n{database.dialect}: {enqueued} jobs, {KILLS} worker processes killed mid-job, "
          f"{len(runs)} runs, {repeats} repeats")
    assert 0 < repeats <= KILLS  # the kills landed mid-job; only their jobs ran again
    # The workers stopped with SIGTERM finished what they had started: nothing they ran ran
    # again afterwards.
    polite = [run for run in runs if run.worker not in killed]
    assert polite
    assert not [run for run in runs for mine in polite
                if run.label == mine.label and run.id > mine.id]
    database.dispose()


def test_workers_that_fail_as_they_start_are_started_again_and_sigterm_still_stops_all(
        tmp_path: Path):
    """A crash loop (here a storage address no backend reads, so every worker process fails
    as it starts) keeps the supervisor up, starting its workers again ever more slowly, and a
    SIGTERM still ends it cleanly: failures are counted only with ``--once``."""
    workers = Workers(f"sqlite:///{tmp_path / 'jobs.db'}", tmp_path,
                      lease_seconds=LEASE_SECONDS, FORMBUILDER_STORAGE_URL="nope://nowhere")
    supervisor = workers.start("--concurrency", "2")
    log = tmp_path / "worker-1.log"
    try:
        wait_for(lambda: log.read_text().count("starting another") >= 6,
                 "worker processes that fail as they start to be started again")
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=WAIT_LIMIT) == 0, workers.last_log()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
    assert "worker process failed" not in log.read_text()
