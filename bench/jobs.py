"""Jobs per second through the queue on PostgreSQL, with one and with two worker processes.

Real ``formbuilder worker --once`` commands drain a queue of N jobs in a schema of their own
(dropped at the end): first jobs whose handler does nothing (the queue's own cost: claim a
batch with FOR UPDATE SKIP LOCKED, one transaction per outcome), then jobs whose handler makes
one small insert. The rate is taken from the jobs' ``finished_at`` times, first to last, so
process start-up is not counted. Printed: jobs per second with 1 and 2 workers and the ratio
(a 2-core machine can at best double; the database server shares those cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select, text

from bench import common
from bench._job_handlers import metadata as handler_tables
from formbuilder.database import Database
from formbuilder.jobs import enqueue
from formbuilder.models import Job

FULL_RUN = 3_000
QUICK_RUN = 300
ROOT = Path(__file__).resolve().parents[1]


def run(quick: bool = False) -> Iterator[str]:
    count = QUICK_RUN if quick else FULL_RUN
    with common.postgresql_database("jobs") as database:
        handler_tables.create_all(database.engine)
        # The workers are other processes: they find the schema through the URL.
        url = f"{common.POSTGRESQL_URL}?options={quote(f'-csearch_path={database.schema}')}"
        for kind in ("bench.noop", "bench.write"):
            rates = [_rate(database, url, kind, count, workers) for workers in (1, 2)]
            yield (f"jobs: {count:,} {kind} jobs on PostgreSQL: 1 worker {rates[0]:,.0f}/s, "
                   f"2 workers {rates[1]:,.0f}/s = {rates[1] / rates[0]:.2f}x")


def _rate(database: Database, url: str, kind: str, count: int, workers: int) -> float:
    with database.engine.begin() as connection:
        connection.execute(text("TRUNCATE jobs, bench_job_writes RESTART IDENTITY"))
    with database.session() as session:
        for number in range(count):
            enqueue(session, kind, {"note": f"job {number}"})
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "FORMBUILDER_DATABASE_URL": url,
               "FORMBUILDER_EXTRA_HANDLER_MODULES": "bench._job_handlers",
               "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                             if p),
               "FORMBUILDER_SECRET_KEY": "bench", "FORMBUILDER_UPLOAD_DIR": folder}
        subprocess.run([sys.executable, "-c", "from formbuilder.cli import main; main()",
                        "worker", "--once", "--concurrency", str(workers)], env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with database.session(readonly=True) as session:
        first, last, done = session.execute(
            select(func.min(Job.finished_at), func.max(Job.finished_at), func.count())
            .where(Job.kind == kind, Job.state == "done")).one()
    if done != count:
        raise RuntimeError(f"only {done} of {count} {kind} jobs were done")
    return (count - 1) / max((last - first).total_seconds(), 1e-6)
