"""A real SMTP server on loopback for the mail tests (aiosmtpd), and a server that hangs.

:class:`MailServer` stores every message it accepts, parsed with the ``email`` package, and
can be told to misbehave the ways real servers do: answer 421 to the next few messages,
refuse some recipients with 550, or not offer SMTPUTF8. It can also speak TLS, after STARTTLS
or from the first byte, and ask for a password (SMTP AUTH, only once the connection is
encrypted), as a city's relay does; each message records whether it came encrypted and as whom.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes
    options: list[str]
    encrypted: bool = False
    login: str | None = None  # the user name it was sent as, when the server asked for one

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    busy: int = 0  # answer the next this many DATA commands 421
    delay: float = 0.0  # seconds to think before accepting each message (a slow server)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.busy > 0:
                self.busy -= 1
                return "421 4.3.2 Too busy, try again later"
            raw = envelope.original_content or envelope.content
            message = message_from_bytes(raw, policy=policy.default)
            login = getattr(session.auth_data, "login", None)
            self.received.append(Received(
                envelope.mail_from, list(envelope.rcpt_tos), message, raw,
                list(envelope.mail_options),
                encrypted=server.transport.get_extra_info("ssl_object") is not None,
                login=login.decode() if isinstance(login, bytes) else None))
        return "250 OK"


class MailServer:
    """An SMTP server on 127.0.0.1:``port`` until :meth:`stop`."""

    def __init__(self, port: int | None = None, *, smtputf8: bool = True,
                 tls: ssl.SSLContext | None = None, implicit_tls: bool = False,
                 users: Mapping[str, str] | None = None) -> None:
        """``tls``: the server's context, offered with STARTTLS (and then required), or used
        from the first byte when ``implicit_tls``; ``users``: names and passwords it asks
        for."""
        self.port = port or free_port()
        self.handler = _Handler()
        options: dict[str, Any] = {}
        if tls is not None and implicit_tls:
            # aiosmtpd counts only STARTTLS as encrypted when it decides to offer AUTH
            options.update(ssl_context=tls, auth_require_tls=False)
        elif tls is not None:
            options.update(tls_context=tls, require_starttls=True)
        if users is not None:
            known = dict(users)

            def check(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
                login, password = auth_data.login.decode(), auth_data.password.decode()
                return AuthResult(success=known.get(login) == password, handled=False,
                                  auth_data=auth_data)

            options.update(authenticator=check, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=smtputf8, **options)

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def config(self, **extra: Any) -> dict[str, Any]:
        """App settings that send to this server."""
        return {"MAIL": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port,
                "SMTP_TIMEOUT": 5.0, "MAIL_FROM": "City of Example <forms@example.gov>",
                **extra}


@contextmanager
def mail_server(**options: Any) -> Iterator[MailServer]:
    server = MailServer(**options).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def hanging_server() -> Iterator[int]:
    """A port that accepts connections and never says a word; yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
