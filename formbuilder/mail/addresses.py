"""Checking a recipient's address before anything is sent to it.

Addresses come from what residents type, so they are suspects: a line break could smuggle a
``Bcc:`` header in, and a display name could carry anything. Control characters are refused
here first, in words that say why; then the address must pass the one email check
(``schemas.emails``, the same the form and staff accounts use), which accepts only a bare
``local@domain``. It is put in headers through ``email.headerregistry``, never pasted as text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from schemas.emails import BadEmail, check_email

MAX_LENGTH = 320  # 64 for the local part, @, 255 for the domain


class BadAddress(ValueError):
    """An address no message may be sent to; the message says why, in plain words."""


@dataclass(frozen=True)
class Recipient:
    local: str
    domain: str  # unicode allowed
    idna_domain: str | None = None

    @property
    def text(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def international(self) -> bool:
        """Whether the address needs more than ASCII somewhere."""
        return not self.text.isascii()

    def ascii_domain(self) -> str | None:
        """The domain in IDNA (``xn--``) form; ``None`` when it cannot be written so."""
        if self.idna_domain is not None:
            return self.idna_domain
        try:
            return self.domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None


def check_address(text: str) -> Recipient:
    """The address as a :class:`Recipient`, or :class:`BadAddress` saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise BadAddress("The email address is empty")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text):
        raise BadAddress("The email address has a line break or another control character "
                         "in it, so it could add headers to the message; it is not used")
    address = text.strip()
    if len(address) > MAX_LENGTH:
        raise BadAddress(f"The email address is longer than {MAX_LENGTH} characters")
    try:
        found = check_email(address)
    except BadEmail as error:
        raise BadAddress(f"{address!r} is not an address mail can be sent to: {error}") \
            from error
    return Recipient(local=found.local, domain=found.domain, idna_domain=found.ascii_domain)
