"""Checking a recipient's address before anything is sent to it.

Addresses come from what residents type, so they are suspects: a line break could smuggle a
``Bcc:`` header in, and a display name could carry anything. Only a bare ``local@domain`` is
accepted; it is put in headers through ``email.headerregistry``, never pasted as text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_LENGTH = 320  # 64 for the local part, @, 255 for the domain
_LOCAL_ASCII = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class BadAddress(ValueError):
    """An address no message may be sent to; the message says why, in plain words."""


@dataclass(frozen=True)
class Recipient:
    local: str
    domain: str  # as written (unicode allowed)

    @property
    def text(self) -> str:
        return f"{self.local}@{self.domain}"

    @property
    def international(self) -> bool:
        """Whether the address needs more than ASCII somewhere."""
        return not self.text.isascii()

    def ascii_domain(self) -> str | None:
        """The domain in IDNA (``xn--``) form; ``None`` when it cannot be written so."""
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
    if any(c.isspace() for c in address) or any(c in address for c in '<>(),;:"[]\\'):
        raise BadAddress(f"{address!r} is not a plain email address like name@example.com")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise BadAddress(f"{address!r} has no @ between a name and a domain")
    if len(local) > 64 or local.startswith(".") or local.endswith(".") or ".." in local:
        raise BadAddress(f"The part before the @ in {address!r} is not a valid mailbox name")
    if local.isascii() and not _LOCAL_ASCII.match(local):
        raise BadAddress(f"The part before the @ in {address!r} has characters an address "
                         "cannot have")
    labels = domain.rstrip(".").split(".")
    if len(labels) < 2 or any(not label for label in labels):
        raise BadAddress(f"The domain of {address!r} is not a domain like example.com")
    recipient = Recipient(local=local, domain=domain.rstrip("."))
    ascii_domain = recipient.ascii_domain()
    if ascii_domain is None or not all(_LABEL.match(label) for label in ascii_domain.split(".")):
        raise BadAddress(f"The domain of {address!r} is not a valid domain name")
    return recipient
