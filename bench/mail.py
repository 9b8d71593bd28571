"""Submit to receipt: how long a resident waits for the receipt email under a steady load.

Residents submit the pothole form through the app's test client at a steady rate (one every
``INTERVAL`` seconds) while a real ``formbuilder worker`` process sends the emails to an SMTP
server on loopback (aiosmtpd, in this process). Each receipt carries the submission's PDF,
drawn by the worker, so the delay is the whole path: the outbox row committed with the
submission, the worker's poll, the PDF, the message, the SMTP conversation. Measured from
the moment the submit response is back (the transaction committed) to the moment the server
accepted the message; printed: the median and the 95th percentile. Printed, never asserted.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from bench import common
from bench.form_throughput import SECRET_KEY, databases, engine_app, journey

FULL_RUN = 60
QUICK_RUN = 6
INTERVAL = 0.5  # seconds between submissions: a steady two a second
WAIT_LIMIT = 120.0  # seconds to wait for the last receipt before giving up
_SUBJECT_REFERENCE = re.compile(r"([A-Z]+-\d{4}-\d{6})")


class _Receipts:
    """An SMTP handler noting when each receipt (by reference) was accepted."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.monotonic()
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        found = _SUBJECT_REFERENCE.search(str(message["Subject"]))
        if found:
            with self.lock:
                self.accepted.setdefault(found.group(1), at)
        return "250 OK"


def run(quick: bool = False) -> Iterator[str]:
    count = QUICK_RUN if quick else FULL_RUN
    receipts = _Receipts()
    port = common.free_port()
    controller = Controller(receipts, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as folder:
        [database] = databases(Path(folder), ["mail"])
        app = engine_app(database, Path(folder))
        env = {**os.environ, "FORMBUILDER_DATABASE_URL": str(database.url),
               "FORMBUILDER_SECRET_KEY": SECRET_KEY,
               "FORMBUILDER_UPLOAD_DIR": str(Path(folder) / "engine-uploads"),
               "FORMBUILDER_MAIL": "smtp", "FORMBUILDER_SMTP_HOST": "127.0.0.1",
               "FORMBUILDER_SMTP_PORT": str(port), "FORMBUILDER_JOB_POLL_SECONDS": "0.05"}
        worker = subprocess.Popen(
            [sys.executable, "-c", "from formbuilder.cli import main; main()", "worker"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            journey(app.test_client())  # warm-up: the worker's first PDF loads its fonts
            _wait(receipts, 1)
            submitted: dict[str, float] = {}
            next_at = time.monotonic()
            for _ in range(count):
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += INTERVAL
                reference = journey(app.test_client())
                submitted[reference] = time.monotonic()
            _wait(receipts, count + 1)
        finally:
            worker.terminate()
            worker.wait()
            controller.stop()
            database.dispose()
    delays = sorted(receipts.accepted[ref] - at for ref, at in submitted.items())
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    yield (f"mail: submit to receipt email (PDF attached) at {1 / INTERVAL:g} submissions/s, "
           f"{count} receipts, one worker: median {statistics.median(delays):.2f} s, "
           f"p95 {p95:.2f} s")


def _wait(receipts: _Receipts, count: int) -> None:
    if not common.wait_until(lambda: len(receipts.accepted) >= count, WAIT_LIMIT):
        raise RuntimeError(f"only {len(receipts.accepted)} of {count} receipts arrived")
