"""Load on PostgreSQL: 50 residents for 60 s against two web processes and two job workers,
then the same with one web process killed halfway.

Everything runs on this machine, traffic only to 127.0.0.1: ``formbuilder serve --workers 1``
on two ports (two gunicorn workers), ``formbuilder worker --concurrency 2``, PostgreSQL (a
fresh schema on ``FORMBUILDER_TEST_POSTGRESQL_URL``), S3 (moto's server), SMTP (aiosmtpd) and
Redis for throttling when it answers. Each resident sends the pothole form with a photo
(form page, page 1, page 2 with the photo, page 3, check answers, send, confirmation), again
and again, from its own loopback address, sending each request to the next port in turn and
to the other port when a connection fails (the load balancer's part). See
``tests/support/cluster.py``; ``tests/load/test_city_load.py`` is the small version that
``make test`` runs.

Printed per run: forms sent, stored, lost (shown a reference, not stored), duplicated (stored
more than once), receipts missing once the workers have drained the queue, steps that
failed, requests sent again to the other port, and p50/p95/p99 per step. Bounded: 60 s of
sending per run (5 s with ``--quick``), at most five minutes to drain the receipts.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))  # the city's parts, shared with the test

RESIDENTS, SECONDS = 50, 60.0
QUICK_RESIDENTS, QUICK_SECONDS = 5, 5.0
REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis() -> str | None:
    """Local Redis for the throttling counts, if one answers (as a city's would)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return REDIS_URL


def run(quick: bool = False) -> Iterator[str]:
    from cluster import check, city, run_residents

    residents = QUICK_RESIDENTS if quick else RESIDENTS
    seconds = QUICK_SECONDS if quick else SECONDS
    redis_url = _redis()
    yield (f"load: {residents} residents for {seconds:.0f} s, each form with a photo, on 2 web "
           f"processes (gunicorn), 2 job workers, PostgreSQL, S3 (moto), SMTP (aiosmtpd)"
           + (", Redis" if redis_url else ""))
    for killed in (False, True):
        with tempfile.TemporaryDirectory(prefix="bench-load-") as folder, \
                city(Path(folder), threads=8, redis_url=redis_url) as cluster:
            report = run_residents(cluster, residents=residents, seconds=seconds,
                                   journeys=10_000,
                                   kill_after_seconds=seconds / 2 if killed else None)
            outcome = check(cluster, report, wait=300)
        title = "one web process killed halfway" if killed else "both web processes up"
        yield (f"load, {title}: {outcome.sent} forms sent, {outcome.stored} stored, "
               f"{outcome.lost} lost, {outcome.duplicated} duplicated, "
               f"{outcome.receipts_missing} receipts missing, {len(report.errors)} errors, "
               f"{report.retried} requests sent again to the other port")
        yield from report.percentiles()
        yield from (f"  error: {error}" for error in report.errors[:10])
