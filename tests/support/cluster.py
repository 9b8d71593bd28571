"""A city on one machine, for load tests and ``bench/load.py``: web servers on two ports
(``formbuilder serve --workers``), job workers (``formbuilder worker``), PostgreSQL, S3 (moto's
server) and an SMTP server (aiosmtpd), all on 127.0.0.1; and residents who send the pothole
form with a photo, again and again, the way browsers do.

The residents play the load balancer too: each request goes to the next port in turn, and a
request whose connection fails (a web server killed) is sent again to another port, with the
same cookies, so the resident's draft and CSRF token (in the database and the signed session)
carry over. Each resident comes from its own loopback address (127.0.0.2, 127.0.0.3, ...), as
residents come from their own addresses, so per-client throttling sees each separately.

Nothing here asserts: :class:`Report` says what happened (steps' times, errors, references)
and :func:`check` counts lost and duplicated submissions and missing receipts.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from databases import postgresql_schema, reachable_postgresql
from object_store import moto_server, new_bucket, s3_environment
from resident import png_bytes
from smtp import MailServer, free_port
from sqlalchemy import select
from worker_processes import without_metrics_folder

import schemas
from formbuilder.database import Database
from formbuilder.models import Submission
from formbuilder.services import publishing

ROOT = Path(__file__).resolve().parents[2]
FORM = "pothole-report"
STEPS = ("form page", "page 1", "page 2 + photo", "page 3", "check answers", "send",
         "confirmation")
START_LIMIT = 90.0  # seconds a process may take to start before we give up (not a measure)
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_KEY = re.compile(r'name="key" value="([^"]+)"')
_DONE = re.compile(rf"/forms/{FORM}/done/([A-Z0-9-]+)$")


def _command() -> list[str]:
    script = Path(sys.executable).parent / "formbuilder"
    return [str(script)] if script.exists() else \
        [sys.executable, "-c", "from formbuilder.cli import main; main()"]


@dataclass
class Cluster:
    """The running parts; :meth:`kill_web` plays a web machine dying."""

    database: Database
    mail: MailServer
    ports: list[int]
    folder: Path
    env: dict[str, str]
    webs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kill_web(self, index: int) -> None:
        """SIGKILL a web server and its gunicorn worker at once, mid-request."""
        os.killpg(self.webs[index].pid, signal.SIGKILL)
        self.webs[index].wait()


def _start(cluster: Cluster, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
    log = (cluster.folder / f"{name}.log").open("wb")
    return subprocess.Popen([*_command(), *arguments], env=cluster.env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(cluster: Cluster, port: int, process: subprocess.Popen[bytes],
                name: str) -> None:
    deadline = time.monotonic() + START_LIMIT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped:\n"
                               + (cluster.folder / f"{name}.log").read_text()[-3000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} was not ready after {START_LIMIT:.0f} s")
        time.sleep(0.1)


@contextmanager
def city(folder: Path, *, web_servers: int = 2, threads: int = 8, job_workers: int = 2,
         redis_url: str | None = None) -> Iterator[Cluster]:
    """Everything started, the pothole form published; stopped when the block ends."""
    url = reachable_postgresql()
    with ExitStack() as stack:
        schema = stack.enter_context(postgresql_schema(url))
        database_url = f"{url}?options={quote(f'-csearch_path={schema}')}"
        database = Database(database_url, pool_size=2)
        stack.callback(database.dispose)
        database.upgrade()  # once, before the servers (each would otherwise race to)
        with database.session() as session:
            publishing.publish(session, schemas.load(ROOT / "examples" / f"{FORM}.yaml"))
        endpoint = stack.enter_context(moto_server())
        bucket = new_bucket(endpoint)
        mail = MailServer().start()
        stack.callback(mail.stop)
        env = {**without_metrics_folder(os.environ), **s3_environment(endpoint),
               "FORMBUILDER_DATABASE_URL": database_url,
               "FORMBUILDER_STORAGE_URL": f"s3://{bucket}/uploads",
               "FORMBUILDER_SECRET_KEY": secrets.token_urlsafe(32),
               "FORMBUILDER_IN_PROCESS_JOBS": "0", "FORMBUILDER_JOB_POLL_SECONDS": "0.1",
               "FORMBUILDER_JOB_LEASE_SECONDS": "20",
               "FORMBUILDER_SMTP_HOST": "127.0.0.1", "FORMBUILDER_SMTP_PORT": str(mail.port),
               "FORMBUILDER_MAIL_FROM": "City of Example <forms@example.gov>",
               "FORMBUILDER_UPLOAD_DIR": str(folder / "uploads")}
        if redis_url:
            env["FORMBUILDER_REDIS_URL"] = redis_url
        cluster = Cluster(database, mail, [free_port() for _ in range(web_servers)], folder,
                          env)
        stack.callback(_stop, cluster)
        for index, port in enumerate(cluster.ports):
            cluster.webs.append(_start(cluster, f"web-{index}", [
                "serve", "--port", str(port), "--workers", "1", "--threads", str(threads)]))
        cluster.workers.append(_start(cluster, "worker", [
            "worker", "--concurrency", str(job_workers)]))
        for index, (port, web) in enumerate(zip(cluster.ports, cluster.webs, strict=True)):
            _wait_ready(cluster, port, web, f"web-{index}")
        yield cluster


def _stop(cluster: Cluster) -> None:
    for process in [*cluster.webs, *cluster.workers]:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in [*cluster.webs, *cluster.workers]:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- Residents -----------------------------------------------------------------------------------


class StepFailed(Exception):
    """A step got an answer a browser would show as an error (after retrying other ports)."""


@dataclass
class Report:
    """What every resident saw: per step the seconds each request took (retries included)."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    retried: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def percentiles(self) -> list[str]:
        lines = []
        for step in STEPS:
            found = sorted(self.times.get(step, []))
            if not found:
                continue
            cuts = statistics.quantiles(found, n=100, method="inclusive") \
                if len(found) > 1 else [found[0]] * 99
            lines.append(f"  {step:<15} n={len(found):<5} p50 {cuts[49] * 1000:7.1f} ms  "
                         f"p95 {cuts[94] * 1000:7.1f} ms  p99 {cuts[98] * 1000:7.1f} ms")
        return lines


class Resident:
    """One person with one browser (a cookie jar) at their own loopback address."""

    def __init__(self, number: int, ports: list[int], report: Report) -> None:
        self.number = number
        self.address = f"127.0.0.{2 + number % 250}"
        self.ports = ports
        self.report = report
        self.cookies: dict[str, str] = {}
        self.turn = number
        self.down: set[int] = set()

    def request(self, step: str, method: str, path: str, *, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str, str]:
        """Status, Location and text; a failed connection is tried on the next port."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        for attempt in range(2 * len(self.ports)):
            port = self.ports[(self.turn + attempt) % len(self.ports)]
            if port in self.down and len(self.down) < len(self.ports):
                continue  # like a load balancer, it stops sending to a server that failed
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                                    source_address=(self.address, 0))
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
            except OSError:
                self.down.add(port)
                with self.report.lock:
                    self.report.retried += 1
                continue
            finally:
                connection.close()
            self.turn += 1
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            with self.report.lock:
                self.report.times[step].append(time.perf_counter() - started)
            return response.status, response.headers.get("Location", ""), text
        raise StepFailed(f"{step}: no web server answered")

    def expect(self, step: str, status: int, method: str, path: str, **options: Any
               ) -> tuple[str, str]:
        got, location, text = self.request(step, method, path, **options)
        if got != status:
            raise StepFailed(f"{step}: {method} {path} answered {got}, not {status}: "
                             f"{text[:300]!r}")
        return location, text

    def journey(self, count: int) -> str:
        """Page 1, page 2 with a photo, page 3, check answers, send, confirmation."""
        self.cookies.clear()
        base = f"/forms/{FORM}"
        _, page = self.expect("form page", 200, "GET", f"{base}/1")
        token = _CSRF.search(page)
        if token is None:
            raise StepFailed("form page: no CSRF token")
        csrf = token.group(1)
        form = "application/x-www-form-urlencoded"
        self.expect("page 1", 302, "POST", f"{base}/1", content_type=form, body=urlencode({
            "csrf_token": csrf, "location": f"Corner of Main St & {count}th Ave",
            "position": "traffic_lane"}).encode())
        body, multipart = _multipart({"csrf_token": csrf, "size": "large",
                                      "lanes_blocked": "yes"},
                                     ("photo", "pothole.png", "image/png", png_bytes()))
        self.expect("page 2 + photo", 302, "POST", f"{base}/2", body=body,
                    content_type=multipart)
        self.expect("page 3", 302, "POST", f"{base}/3", content_type=form, body=urlencode({
            "csrf_token": csrf, "name": f"Resident {self.number}",
            "email": f"resident{self.number}@example.org", "phone": "555-555-0123"}).encode())
        _, check = self.expect("check answers", 200, "GET", f"{base}/check")
        key = _KEY.search(check)
        if key is None:
            raise StepFailed("check answers: no submission key")
        location, _ = self.expect("send", 302, "POST", f"{base}/submit", content_type=form,
                                  body=urlencode({"csrf_token": csrf,
                                                  "key": key.group(1)}).encode())
        done = _DONE.search(location)
        if done is None:
            raise StepFailed(f"send: went to {location!r}, not the confirmation")
        self.expect("confirmation", 200, "GET", f"{base}/done/{done.group(1)}")
        return done.group(1)


def _multipart(fields: dict[str, str], file: tuple[str, str, str, bytes]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             .encode() for name, value in fields.items()]
    name, filename, media_type, data = file
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{filename}"\r\nContent-Type: {media_type}\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def run_residents(cluster: Cluster, *, residents: int, seconds: float, journeys: int,
                  kill_after: int | None = None,
                  kill_after_seconds: float | None = None) -> Report:
    """``residents`` people sending forms side by side until ``seconds`` have passed or each
    has sent ``journeys``; web server 0 is killed once ``kill_after`` forms have been sent in
    all, or ``kill_after_seconds`` into the run."""
    report = Report()
    stop_at = time.monotonic() + seconds
    sent = threading.Semaphore(0)

    def live(number: int) -> None:
        person = Resident(number, cluster.ports, report)
        for count in range(journeys):
            if time.monotonic() > stop_at:
                return
            try:
                reference = person.journey(count)
            except StepFailed as failure:
                with report.lock:
                    report.errors.append(f"resident {number}: {failure}")
                continue
            with report.lock:
                report.references.append(reference)
            sent.release()

    threads = [threading.Thread(target=live, args=(n,), daemon=True) for n in range(residents)]
    for thread in threads:
        thread.start()
    if kill_after is not None:
        for _ in range(kill_after):
            if not sent.acquire(timeout=max(stop_at - time.monotonic(), 0) + 60):
                break
        cluster.kill_web(0)
    elif kill_after_seconds is not None:
        time.sleep(kill_after_seconds)  # the benchmark's schedule, not a wait for a condition
        cluster.kill_web(0)
    for thread in threads:
        thread.join()
    return report


def _words(message: Any) -> str:
    """An email's subject and text parts, decoded."""
    parts = [str(message["Subject"])]
    parts += [part.get_content() for part in message.walk()
              if part.get_content_maintype() == "text"]
    return "\n".join(parts)


@dataclass(frozen=True)
class Outcome:
    sent: int
    stored: int
    lost: int
    duplicated: int
    receipts_missing: int


def check(cluster: Cluster, report: Report, *, wait: float = 300.0) -> Outcome:
    """Every reference a resident was shown is stored once, and each got its receipt (waiting,
    up to ``wait`` seconds, for the job workers to send them all)."""
    with cluster.database.session(readonly=True) as session:
        stored = list(session.scalars(select(Submission.reference)))
    shown = set(report.references)
    lost = len(shown - set(stored))
    # A resident who sent one form must have one submission: more rows than journeys that
    # reached "send" would be a duplicate (a retried send stored twice).
    duplicated = len(stored) - len(set(stored)) + max(len(stored) - len(report.references), 0)
    deadline = time.monotonic() + wait
    while True:
        with cluster.mail.handler.lock:
            received = list(cluster.mail.handler.received)
        said = "\n".join(_words(item.message) for item in received)
        missing = [ref for ref in stored if ref not in said]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return Outcome(len(report.references), len(stored), lost, duplicated, len(missing))
