"""Email under worker crashes: real ``formbuilder worker`` processes killed with SIGKILL
mid-job twenty times, on SQLite and PostgreSQL, against a real SMTP server (aiosmtpd).

``formbuilder worker --concurrency 3`` forks its worker processes after importing the app
and replaces one that dies, so the test kills those children and each replacement starts at
once, without importing everything again.

Every email job must end done and every event's email must arrive, counted by distinct
Message-ID. Delivery is at least once: a worker killed after the server accepted a message
but before the job was recorded done sends it again, with the same Message-ID; the number of
such resends is printed (the window is small: the job is recorded straight after the send).
The server thinks for a moment before accepting each message, so kills land mid-send.
Nothing asserts on time; the wait limit only stops a hung test.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from mailforms import publish_permit, submit
from smtp import mail_server
from sqlalchemy import func, select
from staff import make_staff
from worker_processes import WAIT_LIMIT, Workers, wait_for, wait_for_leases_to_run_out

from formbuilder.database import Database
from formbuilder.models import Job

KILLS = 20
FIRST_SUBMISSIONS = 40
MORE_SUBMISSIONS = 20
ALIVE = 3
SERVER_DELAY = 0.03
LEASE_SECONDS = 3  # heartbeats renew it; room for a CPU starved by a parallel test run


def worker_children(parent: subprocess.Popen[bytes]) -> list[int]:
    """The worker processes ``formbuilder worker`` forked (same command line as the parent)."""
    with open(f"/proc/{parent.pid}/task/{parent.pid}/children") as handle:
        pids = [int(pid) for pid in handle.read().split()]
    own = Path(f"/proc/{parent.pid}/cmdline").read_bytes()
    found = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == own:
                found.append(pid)
        except FileNotFoundError:
            continue
    return found


def email_states(database: Database) -> dict[str, int]:
    with database.session(readonly=True) as session:
        return dict(session.execute(select(Job.state, func.count()).where(
            Job.kind == "email").group_by(Job.state)).all())


def add_submissions(database: Database, version, count: int) -> None:
    for _ in range(count):
        submit(database, version)


def test_killed_workers_deliver_every_email_recognisably_once(database_url, tmp_path):
    database = Database(database_url)
    database.upgrade()
    make_staff(database, "rita@city.gov", ["reviewers"])
    version = publish_permit(database, applicant_email=None)  # one task email per submission
    add_submissions(database, version, FIRST_SUBMISSIONS)
    submitted = FIRST_SUBMISSIONS
    rng = random.Random(11)
    with mail_server() as server:
        server.handler.delay = SERVER_DELAY
        workers = Workers(database_url, tmp_path, lease_seconds=LEASE_SECONDS,
                          FORMBUILDER_MAIL="smtp", FORMBUILDER_SMTP_HOST="127.0.0.1",
                          FORMBUILDER_SMTP_PORT=str(server.port), FORMBUILDER_SMTP_TIMEOUT="5")
        parent = workers.start("--concurrency", str(ALIVE))
        killed: set[int] = set()
        try:
            for _ in range(KILLS):
                seen = len(server.received)
                wait_for(lambda seen=seen: len(server.received) > seen, "the workers to send",
                         every=0.01)
                if email_states(database).get("queued", 0) < MORE_SUBMISSIONS:
                    add_submissions(database, version, MORE_SUBMISSIONS)
                    submitted += MORE_SUBMISSIONS
                alive: list[int] = []

                def running(into: list[int] = alive) -> bool:
                    into[:] = [pid for pid in worker_children(parent) if pid not in killed]
                    return bool(into)

                # The last victim's replacement may not be forked yet.
                wait_for(running, "a worker process to be running")
                time.sleep(rng.uniform(0, SERVER_DELAY))  # a random moment of a send
                victim = rng.choice(alive)
                os.kill(victim, signal.SIGKILL)
                killed.add(victim)
            parent.send_signal(signal.SIGTERM)  # the survivors finish their jobs and stop
            assert parent.wait(timeout=WAIT_LIMIT) == 0, workers.last_log()
        finally:
            if parent.poll() is None:
                parent.kill()
                parent.wait()
        assert len(killed) == KILLS
        wait_for_leases_to_run_out(database, "email")
        drain = workers.start("--once", "--concurrency", str(ALIVE))
        assert drain.wait(timeout=WAIT_LIMIT * 2) == 0, workers.last_log()
        received = server.received
    states = email_states(database)
    database.dispose()
    assert states == {"done": submitted}
    ids = Counter(r.message_id for r in received)
    assert len(ids) == submitted  # every event's email arrived
    assert all(r.recipients == ["rita@city.gov"] for r in received)
    resends = len(received) - len(ids)
    print(f"\n{database.dialect}: {submitted} emails, {KILLS} workers killed mid-send, "
          f"{len(received)} messages received, {len(ids)} distinct Message-IDs, "
          f"{resends} resends")
    assert resends <= KILLS
