"""How to reach the mail server, read once from the app's configuration (``config.py``)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

MODES = ("smtp", "log")


@dataclass(frozen=True)
class MailSettings:
    mode: str  # smtp | log (written under instance/mail/, for `make run` without a server)
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool
    timeout: float
    sender: Address  # MAIL_FROM, e.g. "City of Example <forms@example.gov>"
    # PEM certificate authorities to trust instead of the system's (a city's own CA for an
    # internal relay); the server's certificate and name are checked either way.
    ca_file: str | None = None

    @property
    def domain(self) -> str:
        """The right-hand side of our Message-IDs: the sender's own domain."""
        return self.sender.domain or "localhost"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        mode = str(config.get("MAIL") or "log").lower()
        if mode not in MODES:
            raise ValueError(f"FORMBUILDER_MAIL is {mode!r}; use one of {', '.join(MODES)}.")
        name, address = parseaddr(str(config.get("MAIL_FROM") or "forms@localhost"))
        local, _, domain = address.rpartition("@")
        if not local or not domain:
            raise ValueError(f"FORMBUILDER_MAIL_FROM {config.get('MAIL_FROM')!r} has no "
                             "address like forms@example.gov.")
        host = str(config.get("SMTP_HOST") or "127.0.0.1")
        secure = bool(config.get("SMTP_STARTTLS")) or bool(config.get("SMTP_SSL"))
        if mode == "smtp" and config.get("SMTP_USERNAME") and not secure \
                and not _loopback(host):
            raise ValueError(
                f"FORMBUILDER_SMTP_USERNAME is set but the connection to {host} is not "
                "encrypted, so the password would cross the network as plain text: set "
                "FORMBUILDER_SMTP_STARTTLS=1 (usually port 587) or FORMBUILDER_SMTP_SSL=1 "
                "(port 465).")
        return cls(mode=mode, host=host,
                   port=int(config.get("SMTP_PORT") or 25),
                   username=config.get("SMTP_USERNAME") or None,
                   password=config.get("SMTP_PASSWORD") or None,
                   starttls=bool(config.get("SMTP_STARTTLS")), ssl=bool(config.get("SMTP_SSL")),
                   timeout=float(config.get("SMTP_TIMEOUT") or 10.0),
                   sender=Address(display_name=name, username=local, domain=domain),
                   ca_file=config.get("SMTP_CA_FILE") or None)


def _loopback(host: str) -> bool:
    """This machine (a local relay, or a TLS tunnel to the real one)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
