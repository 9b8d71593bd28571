"""``formbuilder serve --workers N``: gunicorn processes on one port, metrics summed over them.

A port already taken is refused with workers as without them: tests/app/test_serve.py."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from smtp import free_port
from worker_processes import wait_for, without_metrics_folder

WAIT_LIMIT = 60.0  # seconds before the test gives up on the server (not a measure)


def formbuilder() -> list[str]:
    script = Path(sys.executable).parent / "formbuilder"
    return [str(script)] if script.exists() else \
        [sys.executable, "-c", "from formbuilder.cli import main; main()"]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_workers_serve_one_port_and_sum_their_metrics(tmp_path: Path):
    port = free_port()
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "FORMBUILDER_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}",
           "FORMBUILDER_UPLOAD_DIR": str(tmp_path / "uploads"),
           "FORMBUILDER_SECRET_KEY": "test-secret", "FORMBUILDER_IN_PROCESS_JOBS": "0",
           "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([*formbuilder(), "serve", "--port", str(port), "--workers", "2",
                               "--threads", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def answers() -> bool:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                return get(f"{base}/readyz")[0] == 200
            except OSError:
                return False

        # Waited for on another route: an attempt the client gives up on under load is still
        # answered, and counted, by the server.
        wait_for(answers, "the server to answer /readyz", every=0.05)
        with ThreadPoolExecutor(4) as pool:  # side by side, so both workers take some
            results = list(pool.map(lambda _: get(f"{base}/healthz"), range(40)))
        assert results == [(200, '{"status":"ok"}\n')] * 40
        # Each process writes its own file, and /metrics sums them.
        assert {path.name.split("_")[0] for path in folder.iterdir()} >= {"counter"}
        status, text = get(f"{base}/metrics")
        assert status == 200
        found = re.search(r'formbuilder_http_requests_total\{method="GET",route="ops.healthz",'
                          r'status="200"\} (\S+)', text)
        assert found and float(found.group(1)) == 40, text[:3000]
        assert get(f"{base}/readyz")[0] == 200
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=WAIT_LIMIT)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert code == 0, output[-3000:]
    assert f"Serving on http://127.0.0.1:{port} from 2 gunicorn processes" in output


def test_job_workers_serve_their_summed_metrics_on_loopback(tmp_path: Path):
    from formbuilder.database import Database

    url = f"sqlite:///{tmp_path / 'w.db'}"
    database = Database(url)
    database.upgrade()
    database.dispose()
    port = free_port()
    env = {**without_metrics_folder(os.environ), "FORMBUILDER_DATABASE_URL": url,
           "FORMBUILDER_SECRET_KEY": "test", "FORMBUILDER_UPLOAD_DIR": str(tmp_path / "uploads"),
           "FORMBUILDER_JOB_POLL_SECONDS": "0.05"}
    log = (tmp_path / "worker.log").open("wb")
    workers = subprocess.Popen([*formbuilder(), "worker", "--concurrency", "2",
                                "--metrics-port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    wanted = {f'formbuilder_jobs_total{{kind="{kind}",result="done"}} 1.0'
              for kind in ("routing.overdue", "retention.purge", "jobs.cleanup")}
    try:
        def counted() -> bool:  # the recurring jobs run at start
            assert workers.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            with contextlib.suppress(OSError):
                text = get(f"http://127.0.0.1:{port}/metrics")[1]
                return all(line in text for line in wanted)
            return False

        wait_for(counted, "the job workers' metrics", every=0.05)
    finally:
        workers.send_signal(signal.SIGTERM)
        code = workers.wait(timeout=WAIT_LIMIT)
        log.close()
    assert code == 0, (tmp_path / "worker.log").read_text()[-3000:]
