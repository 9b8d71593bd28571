"""Throttling (Flask-Limiter): what a script could otherwise repeat without pause.

Counted per client address, in Redis when ``FORMBUILDER_REDIS_URL`` is set (so every web
process counts the same tries), else in this process's memory. Sign-ins count only failures,
per client and per (address, client): a guesser is locked out, the account is not, so nobody
can lock a staff member out at will by typing wrong passwords for them. Unknown addresses
count like wrong passwords, which also caps the argon2 work a client can make the server do.

Each app gets its own limiter (tests build many apps), and the limits wrap the registered
views, so the blueprints know nothing of them. The numbers are settings (``RATE_LIMIT_*``);
``RATELIMIT_ENABLED = False`` turns all of them off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from formbuilder.services.accounts import normal_email

# endpoint -> (setting, key, count only failures, methods)
_LIMITS: tuple[tuple[str, str, str, bool], ...] = (
    ("public.track", "RATE_LIMIT_TRACK", "client", False),
    ("public.saved", "RATE_LIMIT_RESUME_EMAIL", "client", False),
    ("public.saved", "RATE_LIMIT_RESUME_EMAIL_TO", "recipient", False),
    ("public.submit", "RATE_LIMIT_SUBMIT", "client", False),
    ("auth.sign_in", "RATE_LIMIT_SIGN_IN_CLIENT", "client", True),
    ("auth.sign_in", "RATE_LIMIT_SIGN_IN_ADDRESS", "address", True),
)


def _client() -> str:
    return get_remote_address() or "unknown"


def _address_at_client() -> str:
    """The address being signed in to, from this client: the pair a guesser is locked out of."""
    email = normal_email(str(request.form.get("email", "")))[:320]
    return f"{email}@{_client()}"


def _recipient() -> str:
    """The address "email me the link" would write to: one inbox is not flooded from many
    clients either."""
    return "to:" + normal_email(str(request.form.get("email", "")))[:320]


def _failed(response: Response) -> bool:
    """A sign-in that did not let anyone in (a redirect is a success)."""
    return response.status_code != 302


def init_app(app: Flask) -> Limiter:
    """Attach this app's limiter and wrap the throttled views; call after the blueprints."""
    redis_url = app.config.get("REDIS_URL")
    # Redis down: each process counts in its own memory meanwhile, rather than failing pages.
    limiter = Limiter(key_func=_client, app=app,
                      storage_uri=redis_url or "memory://", strategy="fixed-window",
                      headers_enabled=False, in_memory_fallback_enabled=bool(redis_url))
    keys: dict[str, Callable[[], str]] = {"client": _client, "address": _address_at_client,
                                          "recipient": _recipient}
    for endpoint, setting, key, failures_only in _LIMITS:
        view: Callable[..., Any] | None = app.view_functions.get(endpoint)
        limits = app.config.get(setting)
        if view is None or not limits:
            continue
        options: dict[str, Any] = {"key_func": keys[key], "methods": ["POST"],
                                   "scope": f"{endpoint}:{setting}"}
        if failures_only:
            options["deduct_when"] = _failed
        app.view_functions[endpoint] = limiter.limit(limits, **options)(view)
    app.extensions["throttle"] = limiter
    return limiter
