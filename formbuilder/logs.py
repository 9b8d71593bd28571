"""Logs as one JSON object per line, each carrying the request id it belongs to.

A request's id (its ``X-Request-ID`` when well-formed, else a new one) is kept in a context
variable for as long as the request runs; jobs the request enqueues carry it in their payload
(``formbuilder.jobs.queue.enqueue``), and a worker sets it again while it runs such a job, so
the request's line, the job's lines and the error page a resident reads out to the help desk
share one id. Log lines name routes, statuses, job kinds and ids, never an answer's text.

Standard library logging only: :func:`configure` puts :class:`JsonFormatter` on the root
logger of a server process (``formbuilder serve``, gunicorn workers, ``formbuilder worker``).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

REQUEST_ID: ContextVar[str | None] = ContextVar("formbuilder_request_id", default=None)
_WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,99}$")
# What every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Libraries' progress notes, and the development server's own access lines (ours replace them).
_CHATTY = ("weasyprint", "fontTools", "botocore", "boto3", "s3transfer", "urllib3", "werkzeug")


def request_id_from(header: str | None) -> str:
    """The caller's id when it looks like one (a load balancer's or a proxy's), else a new
    one: a header is never logged as it came, so it cannot forge or break a log line."""
    if header and _WELL_FORMED.match(header):
        return header
    return secrets.token_hex(16)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...extra fields}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(stream: TextIO | None = None, level: int = logging.INFO) -> None:
    """JSON lines on standard error from every logger of this process (once; later calls
    change nothing), libraries' progress notes left out."""
    root = logging.getLogger()
    if any(getattr(handler, "_formbuilder_json", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._formbuilder_json = True  # type: ignore[attr-defined]
    root.handlers = [h for h in root.handlers if type(h) is not logging.StreamHandler]
    root.addHandler(handler)
    root.setLevel(level)
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(logging.WARNING)
