"""Settings, read in one place: safe defaults, then the environment (``FORMBUILDER_*``), then a
test's mapping, all into the app's config.

No other module reads the environment: the database, the job worker, the handler registry and
the webhooks get their values from the app's config (``create_app``), so a test sets a value
by passing it, and every variable is parsed once, the same way. :data:`SETTINGS` is the list of
variables (README's settings table documents each one); a value that cannot be read stops the
app at start with a message naming the variable, instead of quietly meaning "off".
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MB = 1_000_000
PREFIX = "FORMBUILDER_"

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
    "TIME_ZONE": "UTC",  # the city's: times are stored in UTC, shown in this zone and named
    # Throttling (formbuilder.views.throttle), per client; sign-ins count failures only, per
    # client and per (address, client). Counted in Redis when REDIS_URL is set, else in memory.
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": True,
    "RATE_LIMIT_TRACK": "10 per minute;60 per hour",
    "RATE_LIMIT_RESUME_EMAIL": "5 per hour",
    "RATE_LIMIT_RESUME_EMAIL_TO": "3 per day",  # per recipient, whoever asks
    "RATE_LIMIT_SUBMIT": "20 per minute;200 per hour",
    "RATE_LIMIT_SIGN_IN_CLIENT": "20 per 15 minutes",
    "RATE_LIMIT_SIGN_IN_ADDRESS": "5 per 15 minutes",
    "STAFF_SESSION_HOURS": 12,
    # Pictures over this many pixels are refused at upload and never drawn into PDFs.
    "MAX_IMAGE_PIXELS": 40_000_000,
    # Background jobs (formbuilder.jobs): a lease is renewed while its worker lives.
    "IN_PROCESS_JOBS": True,
    "JOB_LEASE_SECONDS": 300.0,
    "JOB_POLL_SECONDS": 1.0,
    "EXTRA_HANDLER_MODULES": (),
    # Webhooks (formbuilder.notifiers.webhooks): unsigned deliveries are parked, not sent.
    "WEBHOOK_SECRET": None,
    "WEBHOOK_ALLOW_PRIVATE": False,
    "WEBHOOK_TIMEOUT": 10.0,
    # The studio: may an author publish their own changes, without a second person's sign-off?
    "STUDIO_SELF_PUBLISH": False,
}

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class SettingError(ValueError):
    """A variable's value cannot be read; the message names the variable and what it takes."""


def boolean(variable: str, text: str) -> bool:
    """The one reading of an on/off setting: 1/true/yes/on or 0/false/no/off, any case.

    Anything else is refused rather than read as "off": ``FORMBUILDER_SECURE_COOKIES=ture``
    must not quietly send session cookies over plain HTTP.
    """
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise SettingError(f"{variable} is {text!r}; use 1, true, yes or on to turn it on, or 0, "
                       "false, no or off to turn it off.")


def integer(variable: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError as error:
        raise SettingError(f"{variable} must be a whole number, not {text!r}.") from error


def seconds(variable: str, text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError as error:
        raise SettingError(f"{variable} must be a number of seconds, not {text!r}.") from error
    if not value > 0:
        raise SettingError(f"{variable} must be more than 0 seconds, not {text!r}.")
    return value


def names(variable: str, text: str) -> tuple[str, ...]:
    """A comma-separated list; blanks between commas are ignored."""
    del variable
    return tuple(name.strip() for name in text.split(",") if name.strip())


def text(variable: str, value: str) -> str:
    del variable
    return value


def certificates(variable: str, value: str) -> str:
    """A PEM file of certificate authorities, loaded now rather than at the first email."""
    import ssl

    path = value.strip()
    try:
        ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as error:
        raise SettingError(f"{variable} is {value!r}, which is not a readable file of PEM "
                           f"certificates: {getattr(error, 'strerror', None) or error}.") from error
    return path


def time_zone(variable: str, value: str) -> str:
    """An IANA zone name (``America/Chicago``), checked now rather than at the first page."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingError(f"{variable} is {value!r}, which is not a time zone; use a name "
                           "like America/Chicago or Europe/Madrid.") from error
    return value.strip()


@dataclass(frozen=True)
class Setting:
    """One ``FORMBUILDER_<variable>``: the config key it sets and how its text is read."""

    variable: str
    key: str
    read: Callable[[str, str], Any] = text

    @property
    def name(self) -> str:
        return PREFIX + self.variable


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "DATABASE_URL"),
    Setting("REDIS_URL", "REDIS_URL"),
    Setting("SECRET_KEY", "SECRET_KEY"),
    Setting("UPLOAD_DIR", "UPLOAD_DIR"),
    Setting("STORAGE_URL", "STORAGE_URL"),
    Setting("METRICS_TOKEN", "METRICS_TOKEN"),
    Setting("CITY_NAME", "CITY_NAME"),
    Setting("SECURE_COOKIES", "SESSION_COOKIE_SECURE", boolean),
    Setting("IN_PROCESS_JOBS", "IN_PROCESS_JOBS", boolean),
    Setting("JOB_LEASE_SECONDS", "JOB_LEASE_SECONDS", seconds),
    Setting("JOB_POLL_SECONDS", "JOB_POLL_SECONDS", seconds),
    Setting("EXTRA_HANDLER_MODULES", "EXTRA_HANDLER_MODULES", names),
    Setting("MAIL", "MAIL"),
    Setting("MAIL_DIR", "MAIL_DIR"),
    Setting("SMTP_HOST", "SMTP_HOST"),
    Setting("SMTP_PORT", "SMTP_PORT", integer),
    Setting("SMTP_USERNAME", "SMTP_USERNAME"),
    Setting("SMTP_PASSWORD", "SMTP_PASSWORD"),
    Setting("SMTP_STARTTLS", "SMTP_STARTTLS", boolean),
    Setting("SMTP_SSL", "SMTP_SSL", boolean),
    Setting("SMTP_CA_FILE", "SMTP_CA_FILE", certificates),
    Setting("SMTP_TIMEOUT", "SMTP_TIMEOUT", seconds),
    Setting("MAIL_FROM", "MAIL_FROM"),
    Setting("BASE_URL", "BASE_URL"),
    Setting("TIME_ZONE", "TIME_ZONE", time_zone),
    Setting("WEBHOOK_SECRET", "WEBHOOK_SECRET"),
    Setting("WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_ALLOW_PRIVATE", boolean),
    Setting("STUDIO_SELF_PUBLISH", "STUDIO_SELF_PUBLISH", boolean),
    Setting("OIDC_ISSUER", "OIDC_ISSUER"),
    Setting("OIDC_CLIENT_ID", "OIDC_CLIENT_ID"),
    Setting("OIDC_CLIENT_SECRET", "OIDC_CLIENT_SECRET"),
)


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the environment gives, read by :data:`SETTINGS`; an empty variable counts
    as unset. Raises :class:`SettingError` for a value that cannot be read."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for setting in SETTINGS:
        value = environ.get(setting.name, "")
        if value.strip():
            settings[setting.key] = setting.read(setting.name, value)
    if "MAIL" not in settings:
        # Without a mail server named, `make run` keeps messages on disk instead of failing.
        settings["MAIL"] = "smtp" if "SMTP_HOST" in settings else "log"
    _check_mail({**DEFAULTS, **settings})
    return settings


def _check_mail(settings: Mapping[str, Any]) -> None:
    """The mail settings taken together (a mode, a sender's address, a password only over
    TLS), checked at start-up rather than by the first email's job."""
    from formbuilder.mail.settings import MailSettings

    try:
        MailSettings.from_config(settings)
    except ValueError as error:
        raise SettingError(str(error)) from error


# prometheus-client's own variable (not ours, so not in SETTINGS): the folder where each
# process of a server writes its metrics, for /metrics to sum (formbuilder.metrics).
METRICS_FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def metrics_folder() -> str | None:
    return os.environ.get(METRICS_FOLDER_VARIABLE) or None


def share_metrics_folder(path: str) -> None:
    """Name the metrics folder for this process and those it starts; before prometheus-client
    is first imported, which reads it then."""
    os.environ[METRICS_FOLDER_VARIABLE] = path


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
