"""What load balancers, monitoring and the help desk get: /healthz, /readyz, /metrics, request
ids that follow a submission into its jobs, and JSON log lines without the answers."""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass

import pytest
from jobs import run_jobs
from prometheus_client import REGISTRY
from smtp import free_port
from sqlalchemy import select
from staff import make_app

import schemas
from formbuilder import logs
from formbuilder.database import Database
from formbuilder.models import Job, Submission
from formbuilder.services import publishing, routing

SECRET_ANSWER = "Behind the blue door 4417"
FORM = {
    "id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
    "applicant_email": "email", "routing": [{"step": "Dispatch review", "assign": "dispatch"}],
    "schema": {"type": "object", "required": ["location", "email"], "properties": {
        "location": {"type": "string", "title": "Where is it?"},
        "email": {"type": "string", "format": "email", "title": "Email"}}},
}
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def app(db, tmp_path):
    app = make_app(db, tmp_path, MAIL_DIR=str(tmp_path / "mail"), METRICS_TOKEN="let-me-see")
    with db.session() as session:
        publishing.publish(session, schemas.load_definition(FORM))
    return app


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def submit(client, request_id: str) -> str:
    """A resident sends the form, every request carrying ``request_id``; the reference."""
    headers = {"X-Request-ID": request_id}
    page = client.get("/forms/pothole-report", headers=headers).get_data(as_text=True)
    response = client.post("/forms/pothole-report/1", headers=headers, data={
        "csrf_token": _CSRF.search(page).group(1), "location": SECRET_ANSWER,
        "email": "ana@example.org"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    check = client.get("/forms/pothole-report/check", headers=headers).get_data(as_text=True)
    response = client.post("/forms/pothole-report/submit", headers=headers, data={
        "csrf_token": _CSRF.search(check).group(1),
        "key": re.search(r'name="key" value="([^"]+)"', check).group(1)})
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


# --- Health --------------------------------------------------------------------------------------


def test_healthz_says_the_process_answers(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_database_migrations_and_storage(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok", "storage": "ok"}}


def test_readyz_is_not_ready_before_the_migrations_ran(tmp_path):
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    response = make_app(fresh, tmp_path).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == "behind"
    fresh.dispose()


def test_readyz_names_storage_and_redis_that_do_not_answer(db, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    app = make_app(db, tmp_path, UPLOAD_DIR=str(tmp_path / "a-file"),
                   REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", RATELIMIT_ENABLED=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "migrations": "ok",
                                       "storage": "failed", "redis": "failed"}
    assert "127.0.0.1" not in response.get_data(as_text=True)


# --- Metrics -------------------------------------------------------------------------------------


def test_metrics_are_for_loopback_or_the_token_holder(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 200
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer wrong"}).status_code == 404
    allowed = client.get("/metrics", environ_base=outside,
                         headers={"Authorization": "Bearer let-me-see"})
    assert allowed.status_code == 200 and allowed.mimetype == "text/plain"


def test_metrics_count_requests_submissions_jobs_emails_and_pdfs(app, db):
    before = {
        "page": sample("formbuilder_http_requests_total", route="public.page", method="POST",
                       status="302"),
        "submitted": sample("formbuilder_submissions_total", form="pothole-report"),
        "sent": sample("formbuilder_emails_sent_total", kind="receipt"),
        "pdfs": sample("formbuilder_pdf_render_seconds_count", document="submission"),
        "decided": sample("formbuilder_decisions_total", form="pothole-report",
                          decision="approve"),
    }
    client = app.test_client()
    submit(client, "bench-request-0001")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'formbuilder_jobs_queued{kind="email"}' in text  # read from the database
    assert re.search(r'formbuilder_jobs_oldest_queued_seconds\{kind="email"\} \d', text)
    assert "/forms/pothole-report/1" not in text  # routes, never raw paths
    outcomes = run_jobs(app)
    assert outcomes and {o.result for o in outcomes} == {"done"}

    @dataclass
    class Clerk:
        email: str = "dee@city.gov"
        roles: frozenset[str] = frozenset({"dispatch"})

    with db.session() as session:
        submission = session.scalars(select(Submission)).one()
        routing.decide(session, submission, Clerk(), 0, "dispatch", "approve", None)
    assert sample("formbuilder_http_requests_total", route="public.page", method="POST",
                  status="302") == before["page"] + 1
    assert sample("formbuilder_submissions_total", form="pothole-report") == \
        before["submitted"] + 1
    assert sample("formbuilder_emails_sent_total", kind="receipt") == before["sent"] + 1
    assert sample("formbuilder_pdf_render_seconds_count", document="submission") == \
        before["pdfs"] + 1
    assert sample("formbuilder_decisions_total", form="pothole-report",
                  decision="approve") == before["decided"] + 1
    assert sample("formbuilder_jobs_total", kind="email", result="done") >= 1


# --- Request ids and log lines -------------------------------------------------------------------


def test_a_request_id_follows_the_submission_into_its_jobs_and_json_log_lines(app, db):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    names = ("formbuilder.requests", "formbuilder.jobs")
    for name in names:
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        client = app.test_client()
        reference = submit(client, "help-desk-7f3a9c")
        run_jobs(app)
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(handler)
    with db.session(readonly=True) as session:
        payloads = [job.payload for job in session.scalars(select(Job))]
    assert payloads and all(p["request_id"] == "help-desk-7f3a9c" for p in payloads)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "formbuilder.requests"]
    jobs = [line for line in lines if line["logger"] == "formbuilder.jobs"]
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("GET", "public.start", 200), ("POST", "public.page", 302),
        ("GET", "public.check", 200), ("POST", "public.submit", 302)]
    assert {r["request_id"] for r in requests} == {"help-desk-7f3a9c"}
    assert jobs and {j["request_id"] for j in jobs} == {"help-desk-7f3a9c"}
    assert {j["result"] for j in jobs} == {"done"}
    assert SECRET_ANSWER not in stream.getvalue()
    assert reference not in json.dumps(requests)  # routes, not the paths that carry them


@pytest.mark.parametrize("header", [None, "", "short", "has spaces in it", "x" * 200,
                                    "<script>alert(1)</script>"])
def test_a_missing_or_malformed_request_id_is_replaced(app, header):
    headers = {"X-Request-ID": header} if header is not None else {}
    given = app.test_client().get("/healthz", headers=headers).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", given)


def test_error_pages_show_the_request_id(app):
    response = app.test_client().get("/forms/no-such-form",
                                     headers={"X-Request-ID": "lb-0c8e1d22-9b"})
    assert response.status_code == 404
    assert "lb-0c8e1d22-9b" in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "lb-0c8e1d22-9b"


def test_configure_writes_one_json_line_per_record(monkeypatch):
    stream = io.StringIO()
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    logs.configure(stream)
    logs.configure(stream)  # once only
    token = logs.REQUEST_ID.set("abc-12345678")
    try:
        logging.getLogger("formbuilder.test").warning("hello %s", "there", extra={"kind": "x"})
    finally:
        logs.REQUEST_ID.reset(token)
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "hello there" and record["level"] == "warning"
    assert record["request_id"] == "abc-12345678" and record["kind"] == "x"

