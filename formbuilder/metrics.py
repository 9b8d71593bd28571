"""What the city's monitoring reads at ``/metrics``: one home for every Prometheus metric.

Counters are incremented where their event happens (a submission stored, a decision taken,
an email sent, a PDF drawn, a job run) through the small functions below, so no caller
touches prometheus-client directly and no module here imports Flask. Job queue depth, age and
parked jobs are read from the database at scrape time (:func:`exposition`), as they are
shared by every process.

Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` makes each process write its values to files
there and :func:`exposition` sums them (prometheus-client's multiprocess mode);
``formbuilder serve --workers`` sets it up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from formbuilder import config

# Requests: most pages answer in milliseconds; uploads and PDFs take seconds.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_PDF = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32)

REQUESTS = Counter("formbuilder_http_requests", "HTTP requests answered, by route (the "
                   "view's endpoint, never the raw path) and status.",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("formbuilder_http_request_duration_seconds",
                            "Time to answer an HTTP request, by route.", ["route", "method"],
                            buckets=_LATENCY)
SUBMISSIONS = Counter("formbuilder_submissions", "Submissions stored, by form.", ["form"])
DECISIONS = Counter("formbuilder_decisions", "Staff decisions recorded, by form and decision.",
                    ["form", "decision"])
EMAILS = Counter("formbuilder_emails_sent", "Emails handed to the mail server (or the log "
                 "folder), by kind.", ["kind"])
EMAIL_FAILURES = Counter("formbuilder_email_failures", "Emails not sent, by kind and whether "
                         "they will be retried or were refused.", ["kind", "outcome"])
PDF_SECONDS = Histogram("formbuilder_pdf_render_seconds", "Time to draw a PDF, by document.",
                        ["document"], buckets=_PDF)
JOBS = Counter("formbuilder_jobs", "Background job runs, by kind and result "
               "(done, retry, parked, lost).", ["kind", "result"])
JOB_SECONDS = Histogram("formbuilder_job_duration_seconds", "Time to run a background job, "
                        "by kind.", ["kind"], buckets=_LATENCY)


def request_done(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route, method).observe(seconds)


def submission_stored(form_id: str) -> None:
    SUBMISSIONS.labels(form_id).inc()


def decision_recorded(form_id: str, decision: str) -> None:
    DECISIONS.labels(form_id, decision).inc()


def email_sent(kind: str) -> None:
    EMAILS.labels(kind).inc()


def email_failed(kind: str, outcome: str) -> None:
    """``outcome``: ``retry`` (temporary) or ``refused`` (parked)."""
    EMAIL_FAILURES.labels(kind, outcome).inc()


def job_run(kind: str, result: str, seconds: float) -> None:
    JOBS.labels(kind, result).inc()
    JOB_SECONDS.labels(kind).observe(seconds)


@contextmanager
def pdf_render(document: str) -> Iterator[None]:
    """Time the drawing of a PDF (``submission`` or ``blank``)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        PDF_SECONDS.labels(document).observe(time.perf_counter() - started)


class QueueRow(NamedTuple):
    """One kind of job in one state: how many, and the oldest one's age in seconds."""

    kind: str
    state: str
    jobs: int
    oldest_seconds: float


class _QueueCollector(Collector):
    """The jobs table as gauges, read when Prometheus scrapes."""

    def __init__(self, read: Callable[[], Iterable[QueueRow]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("formbuilder_jobs_queued", "Jobs waiting or running, by kind.",
                                  labels=["kind"])
        age = GaugeMetricFamily("formbuilder_jobs_oldest_queued_seconds",
                                "Age of the oldest job due and not yet done, by kind.",
                                labels=["kind"])
        parked = GaugeMetricFamily("formbuilder_jobs_parked",
                                   "Parked jobs, waiting for an admin's retry, by kind.",
                                   labels=["kind"])
        for row in self.read():
            if row.state == "parked":
                parked.add_metric([row.kind], row.jobs)
            elif row.state in ("queued", "running"):
                depth.add_metric([row.kind], row.jobs)
                age.add_metric([row.kind], row.oldest_seconds)
        yield from (depth, age, parked)


def exposition(queue: Callable[[], Iterable[QueueRow]] | None = None) -> tuple[bytes, str]:
    """The text Prometheus scrapes and its content type: this process's metrics, or every
    process's under multiprocess mode, plus the job queue read by ``queue``."""
    if config.metrics_folder():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Everything())
    if queue is not None:
        registry.register(_QueueCollector(queue))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def serve(port: int, host: str = "127.0.0.1") -> None:
    """This process's (or, in multiprocess mode, all its siblings') metrics on host:port, from
    a thread: for job workers, which have no web pages. Loopback by default, like /metrics."""
    from prometheus_client import start_http_server

    registry = REGISTRY
    if config.metrics_folder():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr=host, registry=registry)


class _Everything(Collector):
    """The default registry's metrics (ours and the process's), inside a registry of our own,
    so the queue collector is added per scrape without touching the global one."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()
