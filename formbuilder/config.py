"""Settings: safe defaults, then the environment (``FORMBUILDER_*``), then a test's mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

MB = 1_000_000

DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 60 * MB,  # the whole request; each file has its own, smaller limit
    "MAX_FORM_MEMORY_SIZE": 2 * MB,  # text fields of one post
    "MAX_FORM_PARTS": 2_000,
    "MAX_UPLOAD_BYTES": 20 * MB,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "formbuilder_session",
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 30,  # as long as a draft is kept
    "CITY_NAME": "City of Example",
    # Email (formbuilder.mail): "smtp" sends, "log" keeps each message under instance/mail/.
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_SSL": False,
    "SMTP_TIMEOUT": 10.0,
    "MAIL_FROM": "City of Example <forms@example.gov>",
    "BASE_URL": "http://127.0.0.1:5000",  # links in emails, which are built outside requests
}

_FROM_ENV = {
    "FORMBUILDER_DATABASE_URL": "DATABASE_URL",
    "FORMBUILDER_SECRET_KEY": "SECRET_KEY",
    "FORMBUILDER_UPLOAD_DIR": "UPLOAD_DIR",
    "FORMBUILDER_CITY_NAME": "CITY_NAME",
    "FORMBUILDER_OIDC_ISSUER": "OIDC_ISSUER",
    "FORMBUILDER_OIDC_CLIENT_ID": "OIDC_CLIENT_ID",
    "FORMBUILDER_OIDC_CLIENT_SECRET": "OIDC_CLIENT_SECRET",
    "FORMBUILDER_SMTP_HOST": "SMTP_HOST",
    "FORMBUILDER_SMTP_USERNAME": "SMTP_USERNAME",
    "FORMBUILDER_SMTP_PASSWORD": "SMTP_PASSWORD",
    "FORMBUILDER_MAIL_FROM": "MAIL_FROM",
    "FORMBUILDER_MAIL": "MAIL",
    "FORMBUILDER_MAIL_DIR": "MAIL_DIR",
    "FORMBUILDER_BASE_URL": "BASE_URL",
}
_TRUE = ("1", "true", "yes", "on")


def from_environment() -> dict[str, Any]:
    settings: dict[str, Any] = {key: os.environ[env] for env, key in _FROM_ENV.items()
                                if os.environ.get(env)}
    if os.environ.get("FORMBUILDER_SECURE_COOKIES", "").lower() in ("1", "true", "yes"):
        settings["SESSION_COOKIE_SECURE"] = True
    for env, key in (("FORMBUILDER_SMTP_STARTTLS", "SMTP_STARTTLS"),
                     ("FORMBUILDER_SMTP_SSL", "SMTP_SSL")):
        if os.environ.get(env):
            settings[key] = os.environ[env].lower() in _TRUE
    for env, key, kind in (("FORMBUILDER_SMTP_PORT", "SMTP_PORT", int),
                           ("FORMBUILDER_SMTP_TIMEOUT", "SMTP_TIMEOUT", float)):
        if os.environ.get(env):
            settings[key] = kind(os.environ[env])
    if "MAIL" not in settings:
        # Without a mail server named, `make run` keeps messages on disk instead of failing.
        settings["MAIL"] = "smtp" if os.environ.get("FORMBUILDER_SMTP_HOST") else "log"
    return settings


def instance_secret(instance_path: str) -> str:
    """A secret kept in the instance folder, so sessions survive restarts of a single server."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
