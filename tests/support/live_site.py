"""A live formbuilder on 127.0.0.1 as a hostile tester reaches it: a real HTTP client with
a cookie jar per "browser", the server ``formbuilder serve`` runs, and the staff steps
that attacks on returns need. The fixtures that start it are in tests/security/conftest.py.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import schemas
from formbuilder.database import Database
from formbuilder.services import publishing

EXAMPLES = Path(__file__).parents[2] / "examples"
SECRET_KEY = "security-tests-not-secret"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]+)"')

# A form whose upload question names no file type: anything but dangerous files is welcome.
EVIDENCE_FORM = {
    "id": "evidence",
    "title": "Send us a document",
    "department": "Clerk",
    "reference_prefix": "EV",
    "applicant_email": "email",
    "schema": {
        "type": "object",
        "required": ["email"],
        "properties": {
            "email": {"type": "string", "format": "email", "title": "Your email address"},
            "document": {"type": "string", "format": "file", "title": "Document"},
        },
    },
}


# --- HTTP --------------------------------------------------------------------------------


@dataclass
class Reply:
    """One HTTP answer, read whole."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def csrf(self) -> str:
        found = CSRF.search(self.text)
        assert found, f"no CSRF token on the page ({self.status}): {self.text[:300]}"
        return found.group(1)


@dataclass
class Browser:
    """A browser as an attacker or a resident drives it: one cookie jar, one source address.

    ``source`` is the loopback address the connection comes from (127.0.0.2, ... stand for
    other machines: Linux answers the whole of 127/8).
    """

    base: str
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Reply:
        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60,
                                                source_address=(self.source, 0))
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or (not morsel.value and morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Reply(response.status, response.headers, data)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, data: Sequence[tuple[str, Any]] | Mapping[str, Any],
             files: Sequence[tuple[str, str, bytes]] = ()) -> Reply:
        """A form post: url-encoded, or multipart when ``files`` (name, file name, bytes)."""
        items = list(data.items()) if isinstance(data, Mapping) else list(data)
        if not files:
            body = urlencode(items).encode()
            return self.request("POST", path, body, {
                "Content-Type": "application/x-www-form-urlencoded"})
        boundary = uuid.uuid4().hex
        chunks: list[bytes] = []
        for name, value in items:
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                          f"\r\n\r\n{value}\r\n".encode())
        for name, file_name, content in files:
            chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                          f'filename="{file_name}"\r\nContent-Type: application/octet-stream'
                          "\r\n\r\n".encode() + content + b"\r\n")
        chunks.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(chunks), {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})

    def submit_page(self, path: str, data: Mapping[str, Any] | Sequence[tuple[str, Any]],
                    files: Sequence[tuple[str, str, bytes]] = ()) -> Reply:
        """GET a page for its CSRF token, then post ``data`` to it."""
        token = self.get(path).csrf()
        items = list(data.items()) if isinstance(data, Mapping) else list(data)
        return self.post(path, [("csrf_token", token), *items], files)

    # --- the pothole report, as a resident fills it in ---

    def fill_pothole(self, *, email: str = "ana@example.org", name: str = "Ana García",
                     phone: str = "217-555-0142", photo: bytes | None = None,
                     location: str = "120 Oak Street") -> None:
        """Answer the pothole report's three pages up to "Check your answers"."""
        assert self.submit_page("/forms/pothole-report/1", {"location": location}).status == 302
        files = [("photo", "pothole.png", photo)] if photo is not None else []
        reply = self.submit_page("/forms/pothole-report/2", {"size": "small"}, files)
        assert reply.status == 302, reply.text[:2000]
        reply = self.submit_page("/forms/pothole-report/3",
                                 {"name": name, "email": email, "phone": phone})
        assert reply.status == 302, reply.text[:2000]

    def send(self, form_id: str = "pothole-report") -> Reply:
        """Press "Send" on the check page."""
        page = self.get(f"/forms/{form_id}/check")
        key = KEY.search(page.text)
        assert key, page.text[:2000]
        return self.post(f"/forms/{form_id}/submit",
                         {"csrf_token": page.csrf(), "key": key.group(1)})

    def send_pothole(self, **answers: Any) -> str:
        """Fill in and send the pothole report; its reference."""
        self.fill_pothole(**answers)
        reply = self.send()
        assert reply.status == 302, reply.text[:2000]
        return reply.location.rstrip("/").rsplit("/", 1)[-1]


# --- the live app --------------------------------------------------------------------------


@dataclass
class Live:
    url: str
    app: Any
    db: Database
    mail_dir: Path

    def browser(self, source: str = "127.0.0.1") -> Browser:
        return Browser(self.url, source)

    def mail(self) -> list[EmailMessage]:
        """Every email the app has kept (FORMBUILDER_MAIL=log), oldest first."""
        if not self.mail_dir.exists():
            return []
        paths = sorted(self.mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in paths]  # type: ignore[misc]

    def run_jobs(self, **options: Any) -> Any:
        from jobs import run_jobs

        return run_jobs(self.app, **options)


def make_server(app: Any, host: str = "127.0.0.1", port: int = 0) -> Any:
    """The server ``formbuilder serve`` runs (its request handler included)."""
    from werkzeug.serving import make_server as werkzeug_server

    try:
        from formbuilder.serving import RequestHandler  # the product's, once it has one
    except ImportError:
        RequestHandler = None
    options = {"request_handler": RequestHandler} if RequestHandler else {}
    return werkzeug_server(host, port, app, threaded=True, **options)


def publish_forms(database: Database) -> None:
    with database.session() as session:
        publishing.publish(session, schemas.load(EXAMPLES / "pothole-report.yaml"))
        publishing.publish(session, schemas.load_definition(json.loads(
            json.dumps(EVIDENCE_FORM))))


def app_settings(database: Database, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE": database, "SECRET_KEY": SECRET_KEY,
            "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL": "log",
            "MAIL_DIR": str(tmp_path / "mail"), "BASE_URL": "http://127.0.0.1:5000", **extra}


# --- staff and returns -------------------------------------------------------------------

DISPATCH = "dispatch@city.gov"
HIDDEN = re.compile(r'<input type="hidden" name="(step|role|history_length)" value="([^"]*)"')
RETURN_LINK = re.compile(r"https?://[^\s\"<>]+(/returned/[A-Za-z0-9._-]+)")


def make_dispatcher(live: Live, email_address: str = DISPATCH) -> None:
    from staff import make_staff

    make_staff(live.db, email_address, ["public-works-dispatch"])


def sign_in(browser: Browser, email_address: str = DISPATCH,
            password: str | None = None) -> Reply:
    from staff import DEFAULT_PASSWORD

    return browser.submit_page("/staff/sign-in", {"email": email_address,
                                                  "password": password or DEFAULT_PASSWORD})


def decide(browser: Browser, reference: str, decision: str, comment: str = "") -> Reply:
    """Act on the first task the staff member's submission page offers."""
    page = browser.get(f"/staff/submissions/{reference}")
    assert page.status == 200, page.text[:2000]
    fields = dict(HIDDEN.findall(page.text))
    reply = browser.post(f"/staff/submissions/{reference}/decide", {
        "csrf_token": page.csrf(), **fields, "decision": decision, "comment": comment})
    assert reply.status == 302, reply.text[:3000]
    return reply


def returned_submission(live: Live) -> tuple[str, str]:
    """A pothole report returned for changes: its reference and the resident's emailed link."""
    make_dispatcher(live)
    reference = live.browser().send_pothole()
    staff = live.browser()
    assert sign_in(staff).status == 302
    decide(staff, reference, "return", "Please add the nearest house number.")
    live.run_jobs()
    links = [found.group(1) for message in live.mail()
             for found in [RETURN_LINK.search(message.get_body(("plain",)).get_content())]
             if found]
    assert links, "the resident was emailed the return link"
    return reference, links[-1]
