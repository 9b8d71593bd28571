"""Several web processes on one port: gunicorn, run by ``formbuilder serve --workers N``.

gunicorn's master forks N workers that share the socket ``formbuilder serve`` bound first, so
a taken port is said before anything starts, and a worker that dies is replaced. Each worker
builds its own app (its own database connections) after the fork; nothing one worker holds
in memory is needed by another: sessions are signed cookies, drafts are database rows, rate
limits count in Redis when ``FORMBUILDER_REDIS_URL`` is set, and caches (published forms,
the single sign-on discovery document) only save work.

Metrics from all workers are summed through prometheus-client's multiprocess mode: each
worker writes its counters to files in ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary folder
unless one is given), and ``/metrics`` reads them all.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication

from formbuilder import config


class _Gunicorn(BaseApplication):
    """gunicorn configured from arguments, not from a config file or its command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from formbuilder import logs
        from formbuilder.app import create_app

        logs.configure()
        return create_app()


def _post_worker_init(worker: Any) -> None:
    """A job worker thread beside each web worker, when jobs run in the web processes."""
    from formbuilder.jobs import worker as jobs_worker

    app = worker.wsgi
    if jobs_worker.in_process_jobs_enabled(app.config):
        jobs_worker.start_in_process(app)


def _child_exit(_server: Any, worker: Any) -> None:
    """A dead worker's live gauges leave the sums; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def share_metrics() -> str | None:
    """Give the processes about to start a metrics folder, unless one is named; returns the
    folder it made (to remove at the end). Call before the app is first built."""
    if config.metrics_folder():
        return None
    created = tempfile.mkdtemp(prefix="formbuilder-metrics-")
    config.share_metrics_folder(created)
    return created


def run(listening: socket.socket, *, workers: int, threads: int, timeout: int = 60,
        metrics_folder: str | None = None) -> None:
    """Serve the app from ``workers`` processes of ``threads`` threads on the bound socket,
    until SIGTERM or SIGINT (each worker finishes its requests first); ``metrics_folder``,
    made by :func:`share_metrics`, is removed at the end."""
    os.set_inheritable(listening.fileno(), True)
    options = {
        "bind": [f"fd://{listening.fileno()}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": 30,
        "accesslog": None,  # formbuilder logs one JSON line per request itself
        "errorlog": "-",
        "post_worker_init": _post_worker_init,
        "child_exit": _child_exit,
        "proc_name": "formbuilder",
        "control_socket_disable": True,  # nothing here uses gunicornc; no socket in $HOME
    }
    try:
        _Gunicorn(options).run()
    finally:
        if metrics_folder:
            shutil.rmtree(metrics_folder, ignore_errors=True)
