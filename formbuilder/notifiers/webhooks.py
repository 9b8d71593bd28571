"""Signed webhooks, the ``webhooks`` notifier: a form's news POSTed as JSON to the city's other
systems.

A form file lists the addresses (``webhooks: [{url, on: [submit, decision]}]``); the secret
that signs every delivery comes from ``FORMBUILDER_WEBHOOK_SECRET``, so a form file can be
shared without it. Deliveries are jobs: ``formbuilder.outbox`` hands each change to
:func:`enqueue_deliveries`, which writes them in the transaction that records what happened,
with the body fixed then (the status is the state the change led to, never replayed here),
so every retry sends the same bytes under the same ``Idempotency-Key`` and a receiver can tell
a repeat from news.

The address guard exists because whoever edits a form file chooses where the server sends
requests: without it a form could make the server call its own cloud's metadata service or an
internal admin page. The host is resolved once, every address it resolves to is checked, and
the connection is made to the checked address (the name still goes in the Host header and the
TLS server name), so a name cannot resolve to a public address for the check and a private one
for the connection.

Receivers verify ``Formbuilder-Signature: t=<unix time>,v1=<hex>``: the hex is
HMAC-SHA256(secret, f"{t}." + body bytes); refuse it when it differs (compare in constant
time) or when ``t`` is more than five minutes away from now. :func:`verify` does exactly that.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

import schemas
from formbuilder.jobs import JobContext, Refused, Retry, enqueue, handler
from formbuilder.models import ATTACHMENT_ID_PREFIX, Attachment, Event, Submission
from formbuilder.notifiers import Change, notifier
from schemas.webhooks import url_problem

KIND = "webhook"
SIGNATURE_HEADER = "Formbuilder-Signature"
TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
SIGNATURE_TOLERANCE = timedelta(minutes=5)
LONGEST_RETRY_AFTER = timedelta(hours=1)
# With the job system's backoff (30 s doubling to an hour), about ten hours of trying.
MAX_ATTEMPTS = 16
USER_AGENT = "formbuilder-webhooks/1"

# What each history event means to a receiver: (the form's `on` that wants it, its type).
TRIGGERS: Mapping[str, tuple[str, str]] = {
    "submitted": ("submit", "submission.submitted"),
    "resubmitted": ("submit", "submission.resubmitted"),
    "approved": ("decision", "step.approved"),
    "rejected": ("decision", "step.rejected"),
    "returned": ("decision", "step.returned"),
}
FINAL = frozenset({"approved", "rejected"})
# Comments staff write for the resident (as /track shows them); others stay inside the city.
SHARED_COMMENTS = frozenset({"rejected", "returned"})

Resolver = Callable[[str, int], Sequence[str]]


class DeliveryFailed(Exception):
    """A temporary failure (timeout, connection refused, 5xx): the job system retries it with
    backoff, and parks it with this message once its attempts are spent."""


class AddressRefused(ValueError):
    """The webhook's address may not be reached from this server; the message says why."""


@dataclass(frozen=True)
class Settings:
    secret: str | None
    allow_private: bool = False
    timeout: float = TIMEOUT_SECONDS

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Settings:
        """From the app's config (``WEBHOOK_SECRET``, ``WEBHOOK_ALLOW_PRIVATE``,
        ``WEBHOOK_TIMEOUT``), which ``formbuilder.config`` fills from the environment."""
        return cls(secret=config.get("WEBHOOK_SECRET") or None,
                   allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE")),
                   timeout=float(config.get("WEBHOOK_TIMEOUT") or TIMEOUT_SECONDS))


# --- Enqueueing ---------------------------------------------------------------------------


@notifier("webhooks")
def enqueue_deliveries(session: Session, change: Change) -> None:
    """Queue a delivery to each of the form's webhooks that wants one of the change's events,
    in the caller's transaction. Handing it the same events twice queues nothing more (each
    delivery's job key names its event and address)."""
    form, submission = change.form, change.submission
    wanted = [e for e in change.events if e.kind in TRIGGERS]
    if not form.webhooks or not wanted:
        return
    status = change.state.status
    files = _files_of(session, submission)
    answers = describe_files(submission.answers or {}, files)
    # (the `on` that wants it, its type, the event it tells of, whether it is the outcome)
    # An approval with no step (routing whose every step was skipped) is only the outcome.
    news = [(*TRIGGERS[event.kind], event, False) for event in wanted
            if event.kind != "approved" or "step" in (event.data or {})]
    decided = [e for e in wanted if e.kind in FINAL]
    if status in FINAL and decided:
        news.append(("decision", f"submission.{status}", decided[-1], True))
    for on, kind, event, outcome in news:
        delivery = f"fb_evt_{event.id}" + ("_outcome" if outcome else "")
        body = _body(delivery, kind, event, submission, status, answers, form, files)
        for hook in form.webhooks:
            if on not in hook.on:
                continue
            enqueue(session, KIND, {"url": hook.url, "id": delivery, "type": kind,
                                    "reference": submission.reference, "body": body},
                    key=job_key(submission.reference, delivery, hook.url),
                    max_attempts=MAX_ATTEMPTS)


def job_key(reference: str, delivery: str, url: str) -> str:
    """A delivery's job key: one job per event and address, found again by the purge."""
    return f"webhook:{reference}:{delivery}:{hashlib.sha256(url.encode()).hexdigest()[:16]}"


def job_keys(reference: str, event_ids: Sequence[int], urls: Sequence[str]) -> list[str]:
    """Every key a delivery about these events could have had: the purge deletes those jobs,
    whose bodies hold the answers."""
    deliveries = [f"fb_evt_{i}{suffix}" for i in event_ids for suffix in ("", "_outcome")]
    return [job_key(reference, d, url) for d in deliveries for url in urls]


def _body(delivery: str, kind: str, event: Event, submission: Submission, status: str,
          answers: Mapping[str, Any], form: schemas.Form,
          files: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The JSON text sent, fixed once: what the receiver learns, and nothing about staff."""
    payload: dict[str, Any] = {
        "id": delivery,
        "type": kind,
        "occurred_at": event.at.isoformat(),
        "form": {"id": submission.form_id, "version": submission.form_version.number},
        "submission": {"reference": submission.reference, "status": status,
                       "submitted_at": submission.created_at.isoformat(),
                       "language": submission.language},
    }
    data = event.data or {}
    if kind.startswith("step."):
        index = data.get("step")
        name = form.routing[index].name.default if isinstance(index, int) \
            and 0 <= index < len(form.routing) else None
        payload["step"] = {"index": index, "name": name}
        if isinstance(data.get("fields"), Mapping):
            # What the step's approvers entered with this decision (files described).
            payload["step"]["fields"] = describe_files(data["fields"], files or {})
        if event.kind in SHARED_COMMENTS and data.get("comment"):
            payload["comment"] = data["comment"]
    payload["answers"] = answers
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _files_of(session: Session, submission: Submission) -> dict[str, dict[str, Any]]:
    rows = session.scalars(select(Attachment).where(Attachment.submission_id == submission.id))
    return {row.id: {"file_name": row.file_name, "media_type": row.media_type,
                     "size": row.size, "sha256": row.sha256} for row in rows}


def describe_files(value: Any, files: Mapping[str, Mapping[str, Any]]) -> Any:
    """The answers with each file named by its name, type, size and checksum, never its bytes
    nor its storage id (an upload id is a secret that would let anyone fetch the file)."""
    if isinstance(value, str) and value.startswith(ATTACHMENT_ID_PREFIX):
        return dict(files[value]) if value in files else None
    if isinstance(value, Mapping):
        return {key: describe_files(item, files) for key, item in value.items()}
    if isinstance(value, list):
        return [describe_files(item, files) for item in value]
    return value


# --- Signing -------------------------------------------------------------------------------


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Formbuilder-Signature`` header for ``body`` sent at ``timestamp`` (Unix time).

    ``secret`` may list several secrets separated by commas while one replaces another: the
    header then carries one ``v1`` per secret, and a receiver holding either accepts it.
    """
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(key.strip().encode(), signed, hashlib.sha256).hexdigest()
               for key in secret.split(",") if key.strip()]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def verify(secret: str, header: str, body: bytes, *, now: datetime,
           tolerance: timedelta = SIGNATURE_TOLERANCE) -> bool:
    """What a receiver does: the signature matches the exact body and is recent enough.

    The timestamp is inside the signed text, so a recorded delivery cannot be replayed later
    than ``tolerance`` with a fresh time.
    """
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


# --- The address guard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the name for Host and TLS, and the checked address to dial."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def target(url: str, *, allow_private: bool = False,
           resolve: Resolver | None = None) -> Target:
    """Check ``url`` and resolve its host once; :class:`AddressRefused` says why it may not
    be reached. Every address the name resolves to must be public, not just the first."""
    problem = url_problem(url)
    if problem:
        raise AddressRefused(problem[0].upper() + problem[1:])
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    literal = _literal_address(host)
    addresses = [literal] if literal is not None else \
        [ipaddress.ip_address(a.split("%")[0]) for a in (resolve or _resolve)(host, port)]
    if not addresses:
        raise AddressRefused(f"{host} has no address.")
    if not allow_private:
        for address in addresses:
            why = address_refusal(address)
            if why:
                shown = host if str(address) == host else f"{host} ({address})"
                raise AddressRefused(f"{shown} is {why}; webhooks go only to public internet "
                                     "addresses (set FORMBUILDER_WEBHOOK_ALLOW_PRIVATE=1 to "
                                     "allow the city's own network).")
    return Target(parts.scheme, host, port, path, str(addresses[0]))


def address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` is not a public internet address, or ``None`` when it is one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or _nat64(address)
        if embedded is not None:
            return address_refusal(embedded)
        if address.teredo:
            return "a Teredo tunnel address"
    checks = [("is_unspecified", "the unspecified address"),
              ("is_loopback", "a loopback address (this server itself)"),
              ("is_link_local", "a link-local address (like a cloud's metadata service)"),
              ("is_multicast", "a multicast address"),
              ("is_reserved", "a reserved address"),
              ("is_private", "a private network address")]
    for attribute, words in checks:
        if getattr(address, attribute):
            return words
    return None if address.is_global else "not a public internet address"


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address written in the URL itself, read as browsers read it: ``0x7f000001``,
    ``2130706433``, ``0177.0.0.1`` and ``127.1`` are all 127.0.0.1."""
    if ":" not in host:
        return _ipv4_number(host)
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError as error:
        raise AddressRefused(f"{host} is not a valid IPv6 address.") from error


def _ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    parts = host.rstrip(".").split(".") if host.rstrip(".") else []
    if not parts or not _NUMERIC_PART.match(parts[-1]):
        return None
    numbers: list[int] = []
    for part in parts:
        if not _NUMERIC_PART.match(part):
            raise AddressRefused(f"{host} is neither a name nor an address.")
        if part[:2].lower() == "0x":
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            try:
                numbers.append(int(part, 8))
            except ValueError as error:
                raise AddressRefused(f"{host} is neither a name nor an address.") from error
        else:
            numbers.append(int(part))
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]) \
            or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise AddressRefused(f"{host} is not a valid IPv4 address.")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise DeliveryFailed(f"The name {host} could not be resolved ({error}).") from error
    return list(dict.fromkeys(str(info[4][0]) for info in found))


# --- Sending ---------------------------------------------------------------------------------


class _PinnedHTTP(HTTPConnection):
    """Dials the checked address; the Host header still names the host."""

    def __init__(self, destination: Target, timeout: float) -> None:
        super().__init__(destination.host, destination.port, timeout=timeout)
        self.destination = destination

    def connect(self) -> None:
        self.sock = socket.create_connection((self.destination.address, self.port),
                                             self.timeout)


class _PinnedHTTPS(HTTPSConnection):
    """Dials the checked address and checks the certificate against the host's name."""

    def __init__(self, destination: Target, timeout: float,
                 tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls or ssl.create_default_context()
        super().__init__(destination.host, destination.port, timeout=timeout, context=self.tls)
        self.destination = destination

    def connect(self) -> None:
        sock = socket.create_connection((self.destination.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.destination.host)


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes  # at most MAX_RESPONSE_BYTES


def post(destination: Target, body: bytes, headers: Mapping[str, str], *,
         timeout: float, tls: ssl.SSLContext | None = None) -> Response:
    """One POST, no redirects followed, at most 64 KB of the answer read.

    ``timeout`` bounds each wait on the network, and the reading of the answer as a whole,
    so a receiver dripping bytes cannot hold a worker. ``tls`` replaces the system's
    certificate authorities (tests).
    """
    connection: HTTPConnection = _PinnedHTTPS(destination, timeout, tls) \
        if destination.scheme == "https" else _PinnedHTTP(destination, timeout)
    try:
        connection.request("POST", destination.path, body=body, headers=dict(headers))
        answer = connection.getresponse()
        deadline = time.monotonic() + timeout
        data = b""
        while len(data) < MAX_RESPONSE_BYTES:
            chunk = answer.read1(min(16 * 1024, MAX_RESPONSE_BYTES - len(data)))
            if not chunk:
                break
            data += chunk
            if time.monotonic() > deadline:
                raise TimeoutError("The answer took too long to read")
        return Response(answer.status, answer.reason, dict(answer.getheaders()), data)
    finally:
        connection.close()


def deliver(url: str, body: bytes, *, secret: str, delivery_id: str, event_type: str,
            now: datetime, allow_private: bool = False, timeout: float = TIMEOUT_SECONDS,
            resolve: Resolver | None = None) -> Response:
    """Send one signed delivery; raises :class:`Refused` when repeating cannot help (a refused
    address, a 4xx answer), and :class:`DeliveryFailed` or :class:`Retry` when it can."""
    try:
        destination = target(url, allow_private=allow_private, resolve=resolve)
    except AddressRefused as error:
        raise Refused(str(error)) from error
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body, int(now.timestamp())),
        "Idempotency-Key": delivery_id,
        "Formbuilder-Event": event_type,
    }
    try:
        answer = post(destination, body, headers, timeout=timeout)
    except TimeoutError as error:
        raise DeliveryFailed(f"{destination.host} did not answer within {timeout:g} "
                             "seconds.") from error
    except (OSError, HTTPException) as error:
        raise DeliveryFailed(f"Could not deliver to {destination.host}: "
                             f"{_short(str(error) or type(error).__name__)}") from error
    return _judge(answer, destination)


def _judge(answer: Response, destination: Target) -> Response:
    status = answer.status
    said = f"{destination.host} answered {status} {answer.reason}".rstrip()
    snippet = _short(answer.body.decode("utf-8", "replace"))
    if 200 <= status < 300:
        return answer
    if status in (408, 429) or status >= 500:
        message = f"{said}" + (f": {snippet}" if snippet else "")
        wait = _retry_after(answer.headers)
        if wait is not None:
            raise Retry(message, after=wait)
        raise DeliveryFailed(message)
    if 300 <= status < 400:
        raise Refused(f"{said}, a redirect to {_short(_header(answer.headers, 'location'))}; "
                      "redirects are not followed, so put the final address in the form.")
    raise Refused(f"{said}" + (f": {snippet}" if snippet else ""))


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def _retry_after(headers: Mapping[str, str]) -> timedelta | None:
    value = _header(headers, "retry-after").strip()
    if not value.isdigit():
        return None
    return min(timedelta(seconds=int(value)), LONGEST_RETRY_AFTER)


def _short(text: str, limit: int = 200) -> str:
    """A receiver's words, made safe to show an admin: one line, printable, short."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


# --- The job ---------------------------------------------------------------------------------


@handler(KIND)
def send_webhook(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    """Deliver one queued webhook; the job system retries or parks it as ``deliver`` says."""
    settings = Settings.of(ctx.app.config)
    if not settings.secret:
        raise Refused("FORMBUILDER_WEBHOOK_SECRET is not set, so the delivery cannot be "
                      "signed; set it and retry the job.")
    answer = deliver(str(payload["url"]), str(payload["body"]).encode(),
                     secret=settings.secret, delivery_id=str(payload["id"]),
                     event_type=str(payload["type"]), now=ctx.now(),
                     allow_private=settings.allow_private, timeout=settings.timeout)
    ctx.app.logger.info("Webhook %s (%s) delivered to %s: %s", payload["id"], payload["type"],
                        urlsplit(str(payload["url"])).hostname, answer.status)

