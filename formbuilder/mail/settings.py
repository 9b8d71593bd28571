"""How to reach the mail server, read once from the app's configuration (``config.py``)."""

from __future__ import annotations

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

    @property
    def domain(self) -> str:
        """The right-hand side of our Message-IDs: the sender's own domain."""
        return self.sender.domain or "localhost"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        mode = str(config.get("MAIL") or "log").lower()
        if mode not in MODES:
            raise ValueError(f"FORMBUILDER_MAIL is {mode!r}; use one of {', '.join(MODES)}")
        name, address = parseaddr(str(config.get("MAIL_FROM") or "forms@localhost"))
        local, _, domain = address.rpartition("@")
        if not local or not domain:
            raise ValueError(f"FORMBUILDER_MAIL_FROM {config.get('MAIL_FROM')!r} has no "
                             "address like forms@example.gov")
        return cls(mode=mode, host=str(config.get("SMTP_HOST") or "127.0.0.1"),
                   port=int(config.get("SMTP_PORT") or 25),
                   username=config.get("SMTP_USERNAME") or None,
                   password=config.get("SMTP_PASSWORD") or None,
                   starttls=bool(config.get("SMTP_STARTTLS")), ssl=bool(config.get("SMTP_SSL")),
                   timeout=float(config.get("SMTP_TIMEOUT") or 10.0),
                   sender=Address(display_name=name, username=local, domain=domain))
