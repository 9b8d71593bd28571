"""Signed webhooks, delivered by the real job worker to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jobs import run_jobs
from on_record import stored_upload
from sqlalchemy import func, select
from staff import make_app, make_staff

from formbuilder import outbox
from formbuilder.files.storage import LocalStorage
from formbuilder.models import Event, Job, Submission, utcnow
from formbuilder.notifiers import webhooks
from formbuilder.services import routing
from formbuilder.services.submissions import create_submission

SECRET = "whsec-test-only"
ROUTING = [{"step": "Dispatch review", "assign": "dispatch"}]


class Receiver:
    """An HTTP server in a thread: records every delivery, answers as each path says."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.answers: dict[str, list[tuple[int, bytes]]] = {}
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((self.path, dict(self.headers), body))
                if self.path == "/slow":
                    receiver.release.wait(5)
                queue = receiver.answers.get(self.path) or [(200, b"ok")]
                status, text = queue.pop(0) if len(queue) > 1 else queue[0]
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "/final")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.received]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def app(db, tmp_path):
    return make_app(db, tmp_path, WEBHOOK_SECRET=SECRET, WEBHOOK_ALLOW_PRIVATE=True,
                    WEBHOOK_TIMEOUT=0.3)


def submit(db, version, answers=None, attachment_ids=()) -> str:
    with db.session() as session:
        submission, _ = create_submission(session, version, answers or {"location": "Main St"},
                                          language="en", idempotency_key=None,
                                          attachment_ids=attachment_ids)
        return submission.reference


def jobs_by_state(db) -> list[tuple[str, str]]:
    with db.session(readonly=True) as session:
        return [(j.state, j.last_error or "") for j in session.scalars(
            select(Job).where(Job.kind == "webhook").order_by(Job.id))]


def test_submit_and_decisions_are_delivered_signed(db, app, publish_form, receiver, tmp_path):
    version = publish_form(routing=ROUTING, webhooks=[{"url": receiver.url("/in")}])
    dee = make_staff(db, "dee@city.gov", ["dispatch"])
    with db.session() as session:
        photo_id, stored = stored_upload(session, LocalStorage(tmp_path / "uploads"),
                                         version.form_id, "hole.jpg", "image/jpeg",
                                         b"\xff\xd8\xff photo")
    reference = submit(db, version, {"location": "Main St", "photo": photo_id}, [photo_id])
    with db.session() as session:
        submission = session.scalars(select(Submission)).one()
        routing.decide(session, submission, dee, 0, "dispatch", "approve", None)

    now = utcnow()
    outcomes = run_jobs(app, now=now)
    assert [o.result for o in outcomes if o.kind == "webhook"] == ["done"] * 3
    bodies = [json.loads(body) for _, _, body in receiver.received]
    assert sorted(b["type"] for b in bodies) == \
        ["step.approved", "submission.approved", "submission.submitted"]
    for _, headers, body in receiver.received:
        assert webhooks.verify(SECRET, headers["Formbuilder-Signature"], body, now=now)
        assert not webhooks.verify("another secret", headers["Formbuilder-Signature"], body,
                                   now=now)
        assert not webhooks.verify(SECRET, headers["Formbuilder-Signature"], body + b" ",
                                   now=now)
        assert headers["Idempotency-Key"] == json.loads(body)["id"]
        assert headers["Content-Type"].startswith("application/json")
        assert b"dee@city.gov" not in body and stored.key.encode() not in body
        assert photo_id.encode() not in body
    first = next(b for b in bodies if b["type"] == "submission.submitted")
    assert first["submission"]["reference"] == reference
    assert first["submission"]["status"] == "in_review"
    assert first["form"] == {"id": "pothole-report", "version": 1}
    assert first["answers"] == {"location": "Main St", "photo": {
        "file_name": "hole.jpg", "media_type": "image/jpeg", "size": stored.size,
        "sha256": stored.sha256}}
    step = next(b for b in bodies if b["type"] == "step.approved")
    assert step["step"] == {"index": 0, "name": "Dispatch review"}
    assert step["submission"]["status"] == "approved"


def test_a_return_tells_its_comment_and_on_limits_the_news(db, app, publish_form, receiver):
    version = publish_form(routing=ROUTING, webhooks=[
        {"url": receiver.url("/decisions"), "on": ["decision"]},
        {"url": receiver.url("/submits"), "on": ["submit"]}])
    dee = make_staff(db, "dee@city.gov", ["dispatch"])
    submit(db, version)
    with db.session() as session:
        submission = session.scalars(select(Submission)).one()
        routing.decide(session, submission, dee, 0, "dispatch", "return", "Add a photo")
    run_jobs(app, now=utcnow())
    got = {(path, json.loads(body)["type"]) for path, _, body in receiver.received}
    assert got == {("/submits", "submission.submitted"), ("/decisions", "step.returned")}
    returned = next(json.loads(b) for p, _, b in receiver.received if p == "/decisions")
    assert (returned["comment"], returned["submission"]["status"]) == \
        ("Add a photo", "returned")
    with db.session() as session:
        submission = session.scalars(select(Submission)).one()
        routing.resubmit(session, submission, {"location": "Main St, north side"})
    run_jobs(app, now=utcnow())
    again = json.loads(receiver.received[-1][2])
    assert (receiver.paths()[-1], again["type"], again["answers"]["location"]) == \
        ("/submits", "submission.resubmitted", "Main St, north side")


def test_enqueueing_the_same_events_again_adds_no_delivery(db, publish_form, receiver):
    version = publish_form(webhooks=[{"url": receiver.url("/in")}])
    submit(db, version)
    with db.session() as session:
        submission = session.scalars(select(Submission)).one()
        events = session.scalars(select(Event)).all()
        outbox.after_change(session, submission, events, routing.state_of(session, submission))
        assert session.scalar(select(func.count()).select_from(Job)
                              .where(Job.kind == "webhook")) == 1


def test_a_500_is_retried_and_then_delivered_once(db, app, publish_form, receiver):
    receiver.answers["/flaky"] = [(500, b"database is down"), (200, b"ok")]
    version = publish_form(webhooks=[{"url": receiver.url("/flaky")}])
    submit(db, version)
    now = utcnow()
    first = run_jobs(app, now=now)
    assert [(o.result, "500" in (o.error or "")) for o in first] == [("retry", True)]
    later = run_jobs(app, now=now + timedelta(hours=2))
    assert [o.result for o in later] == ["done"]
    assert receiver.paths() == ["/flaky", "/flaky"]
    keys = {headers["Idempotency-Key"] for _, headers, _ in receiver.received}
    assert len(keys) == 1 and len({body for _, _, body in receiver.received}) == 1
    assert run_jobs(app, now=now + timedelta(days=1)) == []


def test_a_410_is_parked_with_the_status_and_part_of_the_answer(db, app, publish_form,
                                                                 receiver):
    receiver.answers["/gone"] = [(410, b"This hook was removed\n" + b"x" * 5000)]
    version = publish_form(webhooks=[{"url": receiver.url("/gone")}])
    submit(db, version)
    outcomes = run_jobs(app, now=utcnow())
    assert [o.result for o in outcomes] == ["parked"]
    [(state, error)] = jobs_by_state(db)
    assert state == "parked"
    assert "410" in error and "This hook was removed" in error and len(error) < 400


def test_a_429_is_retried(db, app, publish_form, receiver):
    receiver.answers["/busy"] = [(429, b"slow down")]
    version = publish_form(webhooks=[{"url": receiver.url("/busy")}])
    submit(db, version)
    assert [o.result for o in run_jobs(app, now=utcnow())] == ["retry"]


def test_a_receiver_that_does_not_answer_in_time_is_retried(db, app, publish_form, receiver):
    version = publish_form(webhooks=[{"url": receiver.url("/slow")}])
    submit(db, version)
    outcomes = run_jobs(app, now=utcnow())
    assert [o.result for o in outcomes] == ["retry"]
    assert "did not answer within 0.3 seconds" in (outcomes[0].error or "")


def test_redirects_are_not_followed(db, app, publish_form, receiver):
    receiver.answers["/moved"] = [(302, b"")]
    version = publish_form(webhooks=[{"url": receiver.url("/moved")}])
    submit(db, version)
    assert [o.result for o in run_jobs(app, now=utcnow())] == ["parked"]
    assert receiver.paths() == ["/moved"]
    assert "redirects are not followed" in jobs_by_state(db)[0][1]


def test_a_private_address_is_parked_at_once_without_the_setting(db, publish_form, receiver,
                                                                  tmp_path):
    app = make_app(db, tmp_path, WEBHOOK_SECRET=SECRET, WEBHOOK_ALLOW_PRIVATE=False)
    version = publish_form(webhooks=[{"url": receiver.url("/in")}])
    submit(db, version)
    outcomes = run_jobs(app, now=utcnow())
    assert [(o.result, o.attempt) for o in outcomes] == [("parked", 1)]
    assert "loopback" in (outcomes[0].error or "")
    assert receiver.received == []


def test_without_a_secret_nothing_is_sent(db, publish_form, receiver, tmp_path, monkeypatch):
    monkeypatch.delenv("FORMBUILDER_WEBHOOK_SECRET", raising=False)
    app = make_app(db, tmp_path, WEBHOOK_ALLOW_PRIVATE=True)
    version = publish_form(webhooks=[{"url": receiver.url("/in")}])
    submit(db, version)
    assert [o.result for o in run_jobs(app, now=utcnow())] == ["parked"]
    assert "FORMBUILDER_WEBHOOK_SECRET" in jobs_by_state(db)[0][1]
    assert receiver.received == []


# --- The address guard, without a database ----------------------------------------------------

NAMES = {"intranet.example": ["10.20.30.40"], "sneaky.example": ["127.0.0.1"],
         "mixed.example": ["93.184.216.34", "192.168.1.1"],
         "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]}


def fake_dns(host: str, port: int) -> list[str]:
    return NAMES[host]


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.8.9.10:8080/", "loopback"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.0.1/", "private"),
    ("http://100.64.0.1/", "not a public"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://[::1]/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:169.254.169.254]/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),
    ("http://[2002:7f00:1::]/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://2130706433/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://0x7f.1/", "loopback"),
    ("http://localhost/", "loopback"),
    ("http://sneaky.example/", "loopback"),
    ("http://intranet.example/", "private"),
    ("http://mixed.example/", "private"),
    ("ftp://public.example/", "must start with https://"),
    ("file:///etc/passwd", "must start with https://"),
    ("http://1.2.3.999/", "not a valid IPv4 address"),
])
def test_the_guard_refuses_addresses_that_are_not_public(url: str, why: str):
    with pytest.raises(webhooks.AddressRefused, match=why):
        webhooks.target(url, resolve=fake_dns if ".example" in url else None)


def test_the_guard_dials_the_address_it_checked():
    found = webhooks.target("https://public.example:8443/in?x=1", resolve=fake_dns)
    assert (found.host, found.port, found.path, found.address) == \
        ("public.example", 8443, "/in?x=1", "93.184.216.34")
    assert webhooks.target("https://8.8.8.8/").address == "8.8.8.8"
    assert webhooks.target("http://[2001:4860:4860::8888]/").port == 80


def test_the_setting_lets_the_city_reach_its_own_network():
    assert webhooks.target("http://intranet.example/", resolve=fake_dns,
                           allow_private=True).address == "10.20.30.40"


def test_while_a_secret_is_replaced_both_sign():
    body = b'{"id":"fb_evt_2"}'
    sent = datetime(2030, 1, 1, tzinfo=UTC)
    header = webhooks.sign("new-secret, old-secret", body, int(sent.timestamp()))
    assert header.count("v1=") == 2
    assert webhooks.verify("new-secret", header, body, now=sent)
    assert webhooks.verify("old-secret", header, body, now=sent)
    assert not webhooks.verify("other-secret", header, body, now=sent)


def test_a_signature_is_refused_when_old_or_from_the_future():
    body = b'{"id":"fb_evt_1"}'
    sent = datetime(2030, 1, 1, tzinfo=UTC)
    header = webhooks.sign(SECRET, body, int(sent.timestamp()))
    assert webhooks.verify(SECRET, header, body, now=sent + timedelta(minutes=4))
    assert not webhooks.verify(SECRET, header, body, now=sent + timedelta(minutes=6))
    assert not webhooks.verify(SECRET, header, body, now=sent - timedelta(minutes=6))
    assert not webhooks.verify(SECRET, "t=abc,v1=00", body, now=sent)
    assert not webhooks.verify(SECRET, "garbage", body, now=sent)


@pytest.fixture
def tls_receiver(tmp_path) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An HTTPS receiver on 127.0.0.1 whose certificate names only receiver.test, and a client
    context that trusts that certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=receiver.test", "-addext",
                    "subjectAltName=DNS:receiver.test"], check=True, capture_output=True)
    server = Receiver()
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    server.server.socket = served.wrap_socket(server.server.socket, server_side=True)
    client = ssl.create_default_context(cafile=str(cert))
    yield server.server.server_port, client
    server.close()


def test_https_dials_the_checked_address_and_checks_the_certificate_for_the_name(
        tls_receiver):
    port, trusted = tls_receiver
    # receiver.test resolves nowhere: the connection goes to the address the guard checked,
    # while TLS and the Host header still speak to the name.
    named = webhooks.Target("https", "receiver.test", port, "/in", "127.0.0.1")
    answer = webhooks.post(named, b"{}", {}, timeout=5, tls=trusted)
    assert answer.status == 200
    wrong = webhooks.Target("https", "other.test", port, "/in", "127.0.0.1")
    with pytest.raises(ssl.SSLCertVerificationError):
        webhooks.post(wrong, b"{}", {}, timeout=5, tls=trusted)
    with pytest.raises(ssl.SSLCertVerificationError):
        webhooks.post(named, b"{}", {}, timeout=5)  # not signed by an authority we trust


def test_at_most_64_kb_of_an_answer_is_read(receiver):
    receiver.answers["/big"] = [(200, b"y" * 1_000_000)]
    destination = webhooks.target(receiver.url("/big"), allow_private=True)
    answer = webhooks.post(destination, b"{}", {"Content-Type": "application/json"},
                           timeout=5)
    assert answer.status == 200 and len(answer.body) == webhooks.MAX_RESPONSE_BYTES
