"""Handing one message to the SMTP server, and saying plainly whether to try again.

Every failure ends as one of two exceptions: :class:`TemporaryFailure` (the server is down,
slow, or said 4xx: the job is retried with backoff) or :class:`PermanentFailure` (a 5xx on the
recipient or the message, or an address the server cannot take: retrying cannot help). The
socket timeout covers a server that accepts the connection and then never answers.
"""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from functools import cache

from formbuilder.mail.addresses import Recipient
from formbuilder.mail.settings import MailSettings


class TemporaryFailure(Exception):
    """Worth trying again later."""


class PermanentFailure(Exception):
    """Trying again will not help; the reason is the server's or ours, in plain words."""


def send(settings: MailSettings, message: EmailMessage, recipient: Recipient) -> None:
    """Send ``message`` (everything but its ``To``) to ``recipient`` alone.

    A unicode address goes out with SMTPUTF8 when the server offers it; otherwise a unicode
    domain is written in IDNA; a unicode mailbox name with no SMTPUTF8 is refused.
    """
    try:
        with _connect(settings) as server:
            server.ehlo()
            if settings.starttls and not settings.ssl:
                server.starttls(context=_tls(settings))
                server.ehlo()
            if settings.username:
                server.login(settings.username, settings.password or "")
            utf8 = recipient.international and server.has_extn("smtputf8")
            to = _envelope_address(recipient, utf8)
            del message["To"]
            message["To"] = Address(username=to.rpartition("@")[0],
                                    domain=to.rpartition("@")[2])
            data = message.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
            options = ["SMTPUTF8", "BODY=8BITMIME"] if utf8 else []
            server.sendmail(settings.sender.addr_spec, [to], data, mail_options=options)
    except PermanentFailure:
        raise
    except smtplib.SMTPRecipientsRefused as error:
        code, words = next(iter(error.recipients.values()))
        _raise_for(code, words, f"The mail server refused {recipient.text}")
    except (smtplib.SMTPDataError, smtplib.SMTPResponseException) as error:
        _raise_for(error.smtp_code, error.smtp_error, "The mail server refused the message",
                   permanent=not isinstance(error, smtplib.SMTPSenderRefused |
                                            smtplib.SMTPAuthenticationError))
    except (TimeoutError, smtplib.SMTPServerDisconnected) as error:
        if not isinstance(error, TimeoutError) and not isinstance(error.__context__,
                                                                  TimeoutError):
            raise TemporaryFailure(f"The mail server {settings.host}:{settings.port} closed "
                                   f"the connection: {error}") from error
        raise TemporaryFailure(f"The mail server {settings.host}:{settings.port} did not "
                               f"answer within {settings.timeout:g} s") from error
    except (OSError, smtplib.SMTPException) as error:
        raise TemporaryFailure(f"Could not reach the mail server {settings.host}:"
                               f"{settings.port}: {error}") from error


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.ssl:
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=_tls(settings))
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _tls(settings: MailSettings) -> ssl.SSLContext:
    """Certificates and host names verified, against ``SMTP_CA_FILE`` when one is set."""
    return _tls_context(settings.ca_file)


@cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Built once per authority file: each build reads and parses every certificate again."""
    return ssl.create_default_context(cafile=ca_file)


def _envelope_address(recipient: Recipient, utf8: bool) -> str:
    if utf8 or not recipient.international:
        return recipient.text
    if not recipient.local.isascii():
        raise PermanentFailure(
            f"{recipient.text} has non-ASCII letters before the @ and the mail server does "
            "not offer SMTPUTF8, so it cannot be delivered")
    domain = recipient.ascii_domain()
    if domain is None:
        raise PermanentFailure(f"The domain of {recipient.text} cannot be written in ASCII")
    return f"{recipient.local}@{domain}"


def _raise_for(code: int, words: bytes | str, what: str, *, permanent: bool = True) -> None:
    text = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
    reason = f"{what}: {code} {text}".strip()
    if permanent and 500 <= code < 600:
        raise PermanentFailure(reason)
    raise TemporaryFailure(reason)
