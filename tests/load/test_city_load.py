"""A small city under load, then losing a web server: real ``formbuilder serve --workers``
processes on two ports, two job workers, PostgreSQL, S3 (moto) and SMTP (aiosmtpd).

Five residents send the pothole form with a photo, twice each, side by side; once four forms
are sent, one web server is killed with SIGKILL (its gunicorn worker too), and the
residents carry on through the other port, as a load balancer would send them. Every form a
resident was shown a reference for is stored exactly once, every step answered as a browser
expects, and every submission's receipt reaches the mail server. ``bench/load.py`` runs the
full size (50 residents for 60 s). Nothing asserts on time.
"""

from __future__ import annotations

import time
from pathlib import Path

from cluster import check, city, run_residents


def test_a_killed_web_server_loses_and_duplicates_nothing(tmp_path: Path):
    began = time.monotonic()
    with city(tmp_path, threads=4) as cluster:
        started = time.monotonic()
        report = run_residents(cluster, residents=5, seconds=120, journeys=2, kill_after=4)
        sent = time.monotonic()
        outcome = check(cluster, report, wait=120)
        print(f"started in {started - began:.1f} s, sent in {sent - started:.1f} s, "
              f"receipts in {time.monotonic() - sent:.1f} s")
    print(f"load: {outcome}, requests retried on the other port: {report.retried}")
    print("\n".join(report.percentiles()))
    assert report.errors == []
    assert outcome.sent == 10
    assert (outcome.lost, outcome.duplicated, outcome.receipts_missing) == (0, 0, 0)
    assert outcome.stored == 10
