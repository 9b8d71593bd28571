"""The one email address check, shared by the form (``format: email``), the mail job and staff
accounts, so an address a resident may type is one the city can write to, and the other way
round (the form once accepted ``a(b)@x.org`` and the mail job then parked its receipt).

It is ``email-validator``'s, with no network: ``check_deliverability=False`` looks up no DNS,
so checking an answer never waits on, or leaks to, a name server. Unicode is allowed on both
sides (``josé@ñandú.es``): residents' addresses are not all ASCII.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


class BadEmail(ValueError):
    """Not an address mail can be sent to; the message says why, in plain words."""


@dataclass(frozen=True)
class EmailAddress:
    local: str
    domain: str  # as a person writes it (unicode), normalised
    ascii_domain: str  # IDNA (``xn--``) form, for servers without SMTPUTF8

    @property
    def text(self) -> str:
        return f"{self.local}@{self.domain}"


def check_email(text: str) -> EmailAddress:
    """``text`` as an :class:`EmailAddress`, or :class:`BadEmail` saying what is wrong.

    Only a bare ``local@domain``: no display name, no quoted local part, no ``[1.2.3.4]``
    domain, no spaces or control characters, a dotted domain. Callers strip what people
    type around an address; the text itself is checked as given.
    """
    if not isinstance(text, str) or not text:
        raise BadEmail("The email address is empty.")
    try:
        found = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise BadEmail(str(error)) from error
    return EmailAddress(found.local_part, found.domain, found.ascii_domain)


def is_email(text: object) -> bool:
    """Whether :func:`check_email` accepts ``text`` (anything not a string is not an address)."""
    try:
        check_email(text)  # type: ignore[arg-type]
    except BadEmail:
        return False
    return True
