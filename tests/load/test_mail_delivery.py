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
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from databases import postgresql_schema, reachable_postgresql
from mailforms import publish_permit, submit
from smtp import mail_server
from sqlalchemy import func, select
from staff import make_staff

from formbuilder.database import Database
from formbuilder.models import Job

KILLS = 20
FIRST_SUBMISSIONS = 40
MORE_SUBMISSIONS = 20
ALIVE = 3
SERVER_DELAY = 0.03
LEASE_SECONDS = 3  # heartbeats renew it; room for a CPU starved by a parallel test run
WAIT_LIMIT = 60.0  # seconds one step may take before the test gives up (not a measure)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mail.db'}"
        return
    url = reachable_postgresql()
    with postgresql_schema(url) as schema:
        yield f"{url}?options={quote(f'-csearch_path={schema}')}"


def command() -> list[str]:
    script = Path(sys.executable).parent / "formbuilder"
    if script.exists():
        return [str(script), "worker"]
    return [sys.executable, "-c", "from formbuilder.cli import main; main()", "worker"]


class Workers:
    def __init__(self, url: str, port: int, folder: Path) -> None:
        self.folder = folder
        self.started = 0
        self.env = {**os.environ, "FORMBUILDER_DATABASE_URL": url,
                    "FORMBUILDER_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
                    "FORMBUILDER_JOB_POLL_SECONDS": "0.05",
                    "FORMBUILDER_SECRET_KEY": "test-secret", "FORMBUILDER_MAIL": "smtp",
                    "FORMBUILDER_SMTP_HOST": "127.0.0.1", "FORMBUILDER_SMTP_PORT": str(port),
                    "FORMBUILDER_SMTP_TIMEOUT": "5",
                    "FORMBUILDER_UPLOAD_DIR": str(folder / "uploads")}

    def start(self, *options: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.folder / f"worker-{self.started}.log").open("wb")
        return subprocess.Popen([*command(), *options], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT)

    def last_log(self) -> str:
        return (self.folder / f"worker-{self.started}.log").read_text()[-3000:]


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


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting: {what}")
        time.sleep(0.01)


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
        workers = Workers(database_url, server.port, tmp_path)
        parent = workers.start("--concurrency", str(ALIVE))
        killed: set[int] = set()
        try:
            for _ in range(KILLS):
                seen = len(server.received)
                wait_for(lambda seen=seen: len(server.received) > seen, "the workers to send")
                if email_states(database).get("queued", 0) < MORE_SUBMISSIONS:
                    add_submissions(database, version, MORE_SUBMISSIONS)
                    submitted += MORE_SUBMISSIONS
                time.sleep(rng.uniform(0, SERVER_DELAY))
                alive = [pid for pid in worker_children(parent) if pid not in killed]
                victim = alive[rng.randrange(len(alive))]
                os.kill(victim, signal.SIGKILL)
                killed.add(victim)
            parent.send_signal(signal.SIGTERM)  # the survivors finish their jobs and stop
            assert parent.wait(timeout=WAIT_LIMIT) == 0, workers.last_log()
        finally:
            if parent.poll() is None:
                parent.kill()
                parent.wait()
        assert len(killed) == KILLS
        time.sleep(LEASE_SECONDS + 0.2)  # the killed workers' leases run out
        drain = workers.start("--once", "--concurrency", "2")
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
