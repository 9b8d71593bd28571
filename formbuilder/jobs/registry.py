"""Which function runs which kind of job.

Handlers register themselves with ``@handler("kind")`` when their module is imported; the
worker imports every module of :data:`HANDLER_MODULES` (and those of the app's
``EXTRA_HANDLER_MODULES``, from ``FORMBUILDER_EXTRA_HANDLER_MODULES``, for tests and plug-ins)
before it takes any job, so a process that only runs workers knows every kind the web app
enqueues.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from formbuilder.jobs.context import JobContext

Handler = Callable[[JobContext, Mapping[str, Any]], None]

HANDLER_MODULES = [
    "formbuilder.jobs.recurring",
    "formbuilder.mail.jobs",
    "formbuilder.notifiers.webhooks",
    "formbuilder.services.retention",
]

_handlers: dict[str, Handler] = {}
log = logging.getLogger("formbuilder.jobs")


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the one that runs jobs of ``kind``."""
    if not kind or len(kind) > 100:
        raise ValueError(f"A job kind is 1 to 100 characters, not {kind!r}")

    def register(function: Handler) -> Handler:
        known = _handlers.get(kind)
        if known is not None and _name(known) != _name(function):
            raise ValueError(f"Job kind {kind!r} already has a handler: {_name(known)}")
        _handlers[kind] = function
        return function

    return register


def _name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def lookup(kind: str) -> Handler | None:
    return _handlers.get(kind)


def kinds() -> list[str]:
    return sorted(_handlers)


def load_handlers(extra: Iterable[str] = ()) -> None:
    """Import every module that holds handlers.

    A listed module that does not exist (yet) is reported and skipped rather than stopping
    the worker: its jobs are then parked with "No handler", visible to admins, and retried
    once the module is installed.
    """
    for name in [*HANDLER_MODULES, *extra]:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if not missing or not (name == missing or name.startswith(missing + ".")):
                raise
            log.warning("Job handler module %s is not installed; its jobs will be parked", name)
