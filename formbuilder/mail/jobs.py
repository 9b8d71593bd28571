"""The "email" job: render the message from the database now, send it, and let the job
system record that it was done straight after (the window in which a crash means a resend).

Failures are sorted for the worker: a bad address or a 5xx is :class:`Refused` (parked at
once, with the reason, for an admin), anything temporary is :class:`Retry` (backoff).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from formbuilder import metrics
from formbuilder.database import Database
from formbuilder.jobs import JobContext, Refused, Retry, handler
from formbuilder.mail import compose, messages, sealed, smtp
from formbuilder.mail.addresses import BadAddress, check_address
from formbuilder.mail.settings import MailSettings

log = logging.getLogger("formbuilder.mail")


class App(Protocol):
    """What the email job needs of the app (a Flask app has it): its settings, its instance
    folder (for FORMBUILDER_MAIL=log) and a place to keep the parsed mail settings."""

    config: Any
    instance_path: str
    extensions: dict[str, Any]


class BadPayload(ValueError):
    """A job that does not say which email to send; running it again cannot help."""


@handler("email")
def send_email(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    kind = str(payload.get("kind"))[:40]
    try:
        deliver(ctx.app, ctx.db, ctx.storage, payload, now=ctx.now())
    except (BadAddress, BadPayload, smtp.PermanentFailure) as error:
        metrics.email_failed(kind, "refused")
        raise Refused(str(error)) from error
    except smtp.TemporaryFailure as error:
        metrics.email_failed(kind, "retry")
        raise Retry(str(error)) from error


def deliver(app: App, db: Database, storage: Any, payload: Mapping[str, Any], *,
            now: datetime | None = None) -> str | None:
    """Send the email ``payload`` describes; its Message-ID, or ``None`` if nothing to say."""
    settings = mail_settings(app)
    recipient = check_address(str(payload.get("to", "")))
    kind = str(payload.get("kind"))
    if kind not in compose.KINDS:
        raise BadPayload(f"The email job asks for an unknown kind of email: {kind!r}")
    number = payload.get("draft" if kind == "resume" else "event")
    if not isinstance(number, int):
        raise BadPayload(f"The email job names no {'draft' if kind == 'resume' else 'event'}")
    secret = None
    if kind == "resume":
        secret = sealed.unseal(app.config["SECRET_KEY"], str(payload.get("sealed", "")))
        identity = f"d{number}"
    else:
        identity = str(number)
    with db.session(readonly=True) as session:
        try:
            letter = compose.compose(app.config, session, storage, payload, secret)
        except compose.NothingToSay as reason:
            log.info("No %s email to %s: %s", kind, recipient.text, reason)
            return None
    lang = str(payload.get("lang") or "en") if kind in compose.RESIDENT_KINDS else \
        compose.STAFF_LANGUAGE
    msgid = messages.message_id(identity, recipient.text, kind, settings.domain)
    message = messages.build(letter, settings, lang=lang, msgid=msgid,
                             date=now or datetime.now(UTC))
    if settings.mode == "log":
        _keep(app, message, recipient.text, msgid)
    else:
        smtp.send(settings, message, recipient)
    metrics.email_sent(kind)
    log.info("Sent %s email %s", kind, msgid)
    return msgid


def mail_settings(app: App) -> MailSettings:
    """Read once per app; a wrong setting fails the job with its own words (then parks)."""
    settings = app.extensions.get("mail_settings")
    if settings is None:
        try:
            settings = MailSettings.from_config(app.config)
        except ValueError as error:
            raise smtp.TemporaryFailure(str(error)) from error
        app.extensions["mail_settings"] = settings
    return settings


def _keep(app: App, message: Any, to: str, msgid: str) -> None:
    """FORMBUILDER_MAIL=log: the message as an .eml file in FORMBUILDER_MAIL_DIR (default
    instance/mail/), named by Message-ID, so a resend overwrites its first copy."""
    folder = Path(app.config.get("MAIL_DIR") or Path(app.instance_path) / "mail")
    folder.mkdir(parents=True, exist_ok=True)
    del message["To"]
    message["To"] = to
    name = re.sub(r"[^A-Za-z0-9.@-]", "_", msgid.strip("<>"))
    (folder / f"{name}.eml").write_bytes(message.as_bytes())
    log.info("Kept email to %s in %s (FORMBUILDER_MAIL=log)", to, folder / f"{name}.eml")
