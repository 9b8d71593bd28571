"""A :class:`~formbuilder.mail.compose.Letter` made into an ``EmailMessage``.

Plain text and HTML side by side (multipart/alternative), the HTML from a Jinja template with
autoescape on, so whatever a resident typed arrives as text. Headers are set only through
``email``'s header registry, which encodes non-ASCII words and refuses line breaks.
"""

from __future__ import annotations

import hashlib
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from formbuilder.mail.compose import Letter
from formbuilder.mail.settings import MailSettings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def message_id(identity: str, recipient: str, kind: str, domain: str) -> str:
    """The same (event, recipient, kind) always gives the same Message-ID, so a resend after
    a crash is recognisably the message already delivered and receivers drop the copy."""
    digest = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]
    return f"<{identity}.{digest}.{kind}@{domain}>"


def build(letter: Letter, settings: MailSettings, *, lang: str, msgid: str,
          date: object) -> EmailMessage:
    """The message without its ``To`` (``smtp.send`` sets it in the form it sends)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = settings.sender
    # One line, whatever a form's title holds: a line break cannot start a header.
    message["Subject"] = " ".join(letter.subject.split())
    message["Message-ID"] = msgid
    message["Date"] = format_datetime(date)  # type: ignore[arg-type]
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    message.set_content(_render("mail/letter.txt", letter, lang), cte="quoted-printable")
    message.add_alternative(_render("mail/letter.html", letter, lang), subtype="html",
                            cte="quoted-printable")
    for item in letter.files:
        maintype, _, subtype = item.media_type.partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype,
                               filename=item.name)
    message["Content-Language"] = lang  # last: setting the content clears Content-* headers
    return message


def _render(name: str, letter: Letter, lang: str) -> str:
    return _environment().get_template(name).render(letter=letter, lang=lang)


@cache
def _environment() -> Environment:
    """Templates only lay text out: every sentence is translated in ``compose``."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html"]), keep_trailing_newline=True,
                       trim_blocks=False)
