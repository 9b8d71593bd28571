"""Server CPU per complete submission and per form page load: the engine served by gunicorn
against the same one-page form written by hand in Flask + WTForms + SQLAlchemy.

Both run as they are deployed, each under gunicorn with 2 workers of 4 threads, on its own
SQLite file: the engine through ``formbuilder serve --workers 2``, the hand-written app
(``bench.handwritten_onepage``) through the same gunicorn settings. A client in this process
fills the form **by reading its labels** (a question's ``<label>`` or ``<legend>``, a radio's
label, the button's words), as a person would, so both apps are driven by the same answers
whatever their input names; each journey is form page, post, check answers, send and
confirmation, from a new browser (cookie jar) at its own loopback address.

What is measured is the CPU the servers' processes (gunicorn's master and workers) spent,
read from ``/proc/<pid>/stat`` before and after, so this client's own work and other programs
on the machine do not count. The apps take turns in blocks, over three rounds; the median
round is printed as ``engine/handwritten`` ratios. Nothing is asserted but that every
journey got the answers a browser expects.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench import common, handwritten_onepage
from formbuilder.database import Database

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3
ANSWERS = {
    "Where is the pothole?": "Corner of Main St & 2nd Ave",
    "Which part of the street is it in?": "In a traffic lane",
    "How big is it?": "Wider than a car tire",
    "Are drivers swerving around it or is it blocking a lane?": "Yes",
    "Your name (optional)": "Ana García",
    "Your email address": "ana@example.org",
    "Your phone number (optional)": "555-555-0123",
}
START_LIMIT = 90.0


@dataclass(frozen=True)
class Sizes:
    journeys: int  # per app and round
    pages: int
    warm: int


FULL = Sizes(journeys=60, pages=150, warm=10)
QUICK = Sizes(journeys=4, pages=8, warm=2)


# --- A browser that reads labels ----------------------------------------------------------------


@dataclass
class _Form:
    action: str
    method: str
    inputs: list[dict[str, str]] = field(default_factory=list)  # with "fieldset": its legend
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, words


class _Page(HTMLParser):
    """The forms of a page, their inputs and buttons, and the words of labels and legends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.labels: dict[str, str] = {}  # input id -> its label's words
        self._label: str | None = None
        self._legend: list[str] | None = None
        self._legends: list[str] = []  # the open fieldsets' legends
        self._button: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(_Form(found.get("action", ""), found.get("method", "get")))
        elif tag == "fieldset":
            self._legends.append("")
        elif tag == "legend":
            self._legend, self._text = [], []
        elif tag == "label":
            self._label, self._text = found.get("for", ""), []
        elif tag in ("input", "textarea", "select") and self.forms:
            found.setdefault("type", "text" if tag != "textarea" else "textarea")
            found["fieldset"] = self._legends[-1] if self._legends else ""
            self.forms[-1].inputs.append(found)
        elif tag == "button" and self.forms:
            self._button, self._text = found, []

    def handle_endtag(self, tag: str) -> None:
        words = " ".join("".join(self._text).split())
        if tag == "legend" and self._legend is not None:
            if self._legends:
                self._legends[-1] = words
            self._legend = None
        elif tag == "label" and self._label is not None:
            self.labels[self._label] = words
            self._label = None
        elif tag == "fieldset" and self._legends:
            self._legends.pop()
        elif tag == "button" and self._button is not None:
            self.forms[-1].buttons.append((self._button.get("name", ""),
                                           self._button.get("value", ""), words))
            self._button = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def _is(words: str | None, question: str) -> bool:
    """A label reads as the question, perhaps followed by a note such as "(optional)"."""
    return words is not None and (words == question or words.startswith(question + " "))


def fill(html: str, answers: dict[str, str], button: str) -> tuple[str, dict[str, str]]:
    """The form holding the button with these words, filled in by the questions' labels:
    its action and the fields a browser would post."""
    page = _Page()
    page.feed(html)
    for form in page.forms:
        pressed = [b for b in form.buttons if b[2] == button]
        if pressed:
            break
    else:
        raise RuntimeError(f"No {button!r} button on the page")
    posted = {i["name"]: i.get("value", "") for i in form.inputs if i["type"] == "hidden"}
    for question, answer in answers.items():
        inputs = [i for i in form.inputs if _is(page.labels.get(i.get("id", "")), question)
                  and i["type"] not in ("radio", "checkbox", "hidden")]
        if inputs:
            posted[inputs[0]["name"]] = answer
            continue
        choices = [i for i in form.inputs if _is(i["fieldset"], question)
                   and i["type"] == "radio" and page.labels.get(i.get("id", "")) == answer]
        if not choices:
            raise RuntimeError(f"No question {question!r} with the answer {answer!r}")
        posted[choices[0]["name"]] = choices[0]["value"]
    name, value, _ = pressed[0]
    if name:
        posted[name] = value
    return form.action, posted


class Browser:
    """Cookies and one kept-alive connection, from its own loopback address."""

    def __init__(self, port: int, number: int) -> None:
        self.port = port
        self.address = f"127.0.{1 + number // 250 % 250}.{2 + number % 250}"
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, url: str, fields: dict[str, str] | None = None
                ) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0))
        self.connection.request(method, url, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        location = urlsplit(response.headers.get("Location", ""))
        return response.status, location.path, text

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _expect(got: tuple[int, str, str], status: int, what: str) -> tuple[int, str, str]:
    if got[0] != status:
        raise RuntimeError(f"{what}: expected {status}, got {got[0]}: {got[2][:800]}")
    return got


def journey(port: int, start: str, number: int) -> None:
    """A new resident: form page, post, check answers, send, confirmation."""
    browser = Browser(port, number)
    try:
        page = _expect(browser.request("GET", start), 200, "form page")[2]
        action, posted = fill(page, ANSWERS, "Continue")
        check_url = _expect(browser.request("POST", action, posted), 302, "post")[1]
        check = _expect(browser.request("GET", check_url), 200, "check answers")[2]
        action, posted = fill(check, {}, "Send form")
        done = _expect(browser.request("POST", action, posted), 302, "send")[1]
        confirmation = _expect(browser.request("GET", done), 200, "confirmation")[2]
        if done.rsplit("/", 1)[1] not in confirmation:
            raise RuntimeError("The confirmation does not show the reference")
    finally:
        browser.close()


def page_load(port: int, start: str, number: int) -> None:
    browser = Browser(port, number)
    try:
        _expect(browser.request("GET", start), 200, "form page")
    finally:
        browser.close()


# --- Servers and their CPU ------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its children (gunicorn's workers), from /proc."""
    pids = [pid]
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        pids += [int(child) for child in handle.read().split()]
    ticks = 0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def serve_handwritten(database_url: str, port: int, secret_key: str) -> None:
    """gunicorn with the engine's settings (``formbuilder.server``) on the hand-written app."""
    from gunicorn.app.base import BaseApplication

    class Handwritten(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {"bind": [f"127.0.0.1:{port}"], "workers": 2, "threads": 4,
                               "worker_class": "gthread", "accesslog": None, "errorlog": "-",
                               "control_socket_disable": True}.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return handwritten_onepage.create_app(Database(database_url),
                                                  secret_key=secret_key)

    Handwritten().run()


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    start: str


def _start(name: str, command: list[str], port: int, start: str, env: dict[str, str],
           folder: Path) -> Server:
    log = (folder / f"{name}.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                               cwd=ROOT)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped: {(folder / f'{name}.log').read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", start)
            return connection.getresponse().status == 200
        except OSError:
            return False

    if not common.wait_until(answers, START_LIMIT, every=0.1):
        raise RuntimeError(f"{name} did not answer in {START_LIMIT:.0f} s")
    return Server(name, process, port, start)


def servers(folder: Path) -> list[Server]:
    secret = secrets.token_urlsafe(32)
    found = []
    for name in ("handwritten", "engine"):
        url = f"sqlite:///{folder / name}.db"
        database = Database(url)
        database.upgrade()
        handwritten_onepage.publish_onepage(database)
        database.dispose()
        port = common.free_port()
        start = f"/forms/{handwritten_onepage.FORM_ID}/1"
        # No PROMETHEUS_MULTIPROC_DIR, not even empty: present, it turns prometheus-client's
        # multiprocess mode on in the working directory (the repository), which it littered
        # with counter_<pid>.db files; absent, ``formbuilder serve`` makes a folder of its own.
        inherited = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env = {**inherited, "FORMBUILDER_DATABASE_URL": url, "FORMBUILDER_SECRET_KEY": secret,
               "FORMBUILDER_IN_PROCESS_JOBS": "0", "FORMBUILDER_UPLOAD_DIR": str(folder),
               "PYTHONPATH": str(ROOT)}
        if name == "engine":
            command = [str(Path(sys.executable).parent / "formbuilder"), "serve", "--port",
                       str(port), "--workers", "2", "--threads", "4"]
        else:
            command = [sys.executable, "-c", "from bench.submission_cpu import "
                       f"serve_handwritten; serve_handwritten({url!r}, {port}, {secret!r})"]
        found.append(_start(name, command, port, start, env, folder))
    return found


def measure(apps: list[Server], sizes: Sizes) -> dict[str, dict[str, list[float]]]:
    """CPU milliseconds per journey and per page load, per app and round."""
    number = 0

    def spend(server: Server, what: Any, count: int) -> float:
        nonlocal number
        before = cpu_seconds(server.process.pid)
        for _ in range(count):
            number += 1
            what(server.port, server.start, number)
        return cpu_seconds(server.process.pid) - before

    for server in apps:
        spend(server, journey, sizes.warm)
        spend(server, page_load, sizes.warm)
    found: dict[str, dict[str, list[float]]] = {s.name: {"journey": [], "page": []}
                                                for s in apps}
    for round_number in range(ROUNDS):
        order = apps if round_number % 2 == 0 else apps[::-1]
        for server in order:
            found[server.name]["journey"].append(
                spend(server, journey, sizes.journeys) * 1000 / sizes.journeys)
        for server in order[::-1]:
            found[server.name]["page"].append(
                spend(server, page_load, sizes.pages) * 1000 / sizes.pages)
    return found


def run(quick: bool = False) -> Iterator[str]:
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="submission-cpu-") as tmp:
        apps: list[Server] = []
        try:
            apps = servers(Path(tmp))
            found = measure(apps, sizes)
        finally:
            for server in apps:
                server.process.send_signal(signal.SIGTERM)
            for server in apps:
                server.process.wait(timeout=60)
    median = {name: {kind: statistics.median(values) for kind, values in kinds.items()}
              for name, kinds in found.items()}
    yield (f"submission CPU: one-page pothole form under gunicorn (2 workers, SQLite), server "
           f"CPU from /proc, a label-reading client, median of {ROUNDS} rounds of "
           f"{sizes.journeys} submissions and {sizes.pages} page loads per app; aim: engine at "
           "2x or less per submission, 1.1x or less per page load")
    for kind, label in (("journey", "complete submission (5 requests)"),
                        ("page", "form page load")):
        hand, engine = median["handwritten"][kind], median["engine"][kind]
        yield (f"{label}: handwritten {hand:.1f} ms, engine {engine:.1f} ms of CPU, "
               f"engine/handwritten = {engine / hand:.2f}x")
