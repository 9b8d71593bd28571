"""Browser tests: Debian's headless Chromium driven by Playwright (sync API), axe-core audits.

Needs: ``pip install -e '.[test]'`` (Playwright for Python; it downloads no browser) and
``scripts/install-browser-deps.sh`` (Debian's chromium, CJK fonts, pinned axe-core).
Locally a missing Chromium or axe-core skips these tests; with ``CI`` set it fails them.

Fixtures
    browser               session: Chromium launched headless from ``FORMBUILDER_CHROMIUM``
                          (default ``/usr/bin/chromium``).
    browser_context_args  options of every new context: a 390x844 touch phone. Override it
                          in a test module (or parametrize it) for e.g. a desktop viewport.
    browser_checks        per test: what the pages did wrong (console errors, uncaught page
                          errors, requests to other hosts, 5xx answers of the live servers)
                          and which pages were visited and audited; ``clear()`` after
                          asserting on an expected problem; ``audit_every_page = False``
                          to opt a test out of the audit-coverage check.
    serve_wsgi            factory: ``serve_wsgi(wsgi_app) -> "http://127.0.0.1:PORT"``, a
                          threaded werkzeug server on a free port, stopped after the test.
    app_config            the dict given to ``create_app``: a temp SQLite database.
    published_forms       the forms ``app`` publishes: none, unless a test module overrides
                          this fixture (``example_forms.example(name)`` reads an example once
                          per process).
    app                   ``formbuilder.app.create_app(app_config)`` with ``published_forms``
                          published; skipped while that module does not exist. Override
                          ``app`` in a test module to serve another app.
    live_server           ``serve_wsgi(app)``: the base URL of the app under test.
    page / page_nojs      a page in a fresh context with JavaScript on / off.
    open_page             factory: ``open_page(javascript=True, desktop=False)``, a page in a
                          brand-new context (no cookies): another person, another browser, or
                          the same person another day.
    any_page              parametrized: the test runs once with ``page``, once with
                          ``page_nojs`` (test ids ``[js]`` and ``[nojs]``).
    axe                   the ``axe`` helper module: ``axe.assert_accessible(page)``.

After a test body passes, the test still FAILS if any page it opened logged a console error,
threw an uncaught error, asked for a host other than a live server of the test (such requests
are aborted), or if a live server answered 5xx or raised; and unless
``browser_checks.audit_every_page`` is False, the page each page ended on is audited with axe,
and the test fails if any other page it loaded (method, URL, status, JS on/off) was never
audited with ``axe.assert_accessible``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

HERE = Path(__file__).resolve().parent


def _load_axe_helper() -> Any:
    """Import tests/browser/axe.py as the module ``axe``, whatever pytest's import mode."""
    module = sys.modules.get("axe")
    if module is not None and Path(getattr(module, "__file__", "")).resolve() == HERE / "axe.py":
        return module
    spec = importlib.util.spec_from_file_location("axe", HERE / "axe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["axe"] = module
    spec.loader.exec_module(module)
    return module


axe_helper = _load_axe_helper()

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Response,
        Route,
        WebError,
    )

CHROMIUM = os.environ.get("FORMBUILDER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
MOBILE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000
INSTALL_HINT = "run scripts/install-browser-deps.sh"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip locally; fail on CI, where a missing browser must not pass as green."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}".lower()


# --- what the pages did ---------------------------------------------------------------


@dataclass
class Visit:
    """One document a page loaded (redirects are not visits)."""

    page: Page
    javascript: bool
    method: str
    url: str
    status: int
    audited: bool = False

    @property
    def key(self) -> tuple[bool, str, str, int]:
        return (self.javascript, self.method, self.url, self.status)

    def __str__(self) -> str:
        js = "on" if self.javascript else "off"
        return f"{self.method} {self.url} -> {self.status} (JavaScript {js})"


class BrowserChecks:
    """Problems collected from the pages and live servers of one test, and audit coverage."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.blocked_requests: list[str] = []
        self.server_errors: list[str] = []
        self.visits: list[Visit] = []
        self.allowed_origins: set[str] = set()
        self.audit_every_page = True
        self._contexts: list[BrowserContext] = []
        self._current: dict[int, Visit] = {}

    # wiring
    def watch(self, context: BrowserContext, javascript: bool) -> None:
        self._contexts.append(context)
        context.route("**/*", self._route)
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)
        context.on("response", lambda response: self._on_response(response, javascript))

    def _route(self, route: Route) -> None:
        request = route.request
        network = urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
        if not network or origin(request.url) in self.allowed_origins:
            route.fallback()
        else:
            blocked = f"{request.method} {request.url}"
            if blocked not in self.blocked_requests:  # Chromium may retry an aborted image
                self.blocked_requests.append(blocked)
            route.abort("blockedbyclient")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if "net::ERR_BLOCKED_BY_CLIENT" in message.text:
            return  # a request we aborted: already in blocked_requests
        location = message.location or {}
        where = location.get("url") or (message.page.url if message.page else "?")
        line = location.get("lineNumber")
        self.console_errors.append(f"{message.text} ({where}{f':{line}' if line else ''})")

    def _on_weberror(self, web_error: WebError) -> None:
        error = web_error.error
        page_url = web_error.page.url if web_error.page else "?"
        text = error.stack or f"{error.name}: {error.message}"
        self.page_errors.append(f"{text.strip()} (on {page_url})")

    def _on_response(self, response: Response, javascript: bool) -> None:
        from playwright.sync_api import Error

        request = response.request
        if not request.is_navigation_request() or 300 <= response.status < 400:
            return
        try:
            frame = request.frame
        except Error:
            return
        if frame.parent_frame is not None:
            return
        visit = Visit(frame.page, javascript, request.method, response.url, response.status)
        self.visits.append(visit)
        self._current[id(frame.page)] = visit

    def shown_visit(self, page: Page) -> Visit | None:
        """The visit whose document ``page`` shows now (None after e.g. an error page)."""
        visit = self._current.get(id(page))
        if visit is None or page.url.split("#", 1)[0] != visit.url.split("#", 1)[0]:
            return None
        return visit

    def mark_audited(self, page: Page) -> None:
        visit = self.shown_visit(page)
        if visit is not None:
            visit.audited = True

    # reading
    def open_pages(self) -> list[Page]:
        return [p for c in self._contexts for p in c.pages if not p.is_closed()]

    def flush(self) -> None:
        """Let events already emitted by the pages reach the collectors."""
        from playwright.sync_api import Error

        for page in self.open_pages():
            with contextlib.suppress(Error):
                page.evaluate("0")

    def problems(self) -> list[str]:
        return [
            *(f"console error: {e}" for e in self.console_errors),
            *(f"uncaught page error: {e}" for e in self.page_errors),
            *(
                f"request to a host other than the live server (aborted): {e}"
                for e in self.blocked_requests
            ),
            *(f"live server error: {e}" for e in self.server_errors),
        ]

    def clear(self) -> None:
        """Forget the problems collected so far (after asserting on an expected one)."""
        self.flush()
        self.console_errors.clear()
        self.page_errors.clear()
        self.blocked_requests.clear()
        self.server_errors.clear()

    def unaudited(self) -> list[Visit]:
        covered = {v.key for v in self.visits if v.audited}
        missing: dict[tuple[bool, str, str, int], Visit] = {}
        for visit in self.visits:
            if visit.key not in covered:
                missing.setdefault(visit.key, visit)
        return list(missing.values())

    def describe(self) -> str:
        lines = self.problems()
        if self.visits:
            lines.append("pages loaded:")
            lines += [f"  {v}{'' if v.audited else '  [not audited]'}" for v in self.visits]
        return "\n".join(lines)

    def verify(self) -> None:
        """Fail on collected problems, audit the final pages, fail on unaudited pages."""
        self.flush()
        problems = self.problems()
        if problems:
            pytest.fail(
                "the browser pages of this test had problems:\n"
                + "\n".join(f"- {p}" for p in problems),
                pytrace=False,
            )
        if not self.audit_every_page:
            return
        for page in self.open_pages():
            visit = self.shown_visit(page)
            if visit is not None and not visit.audited:
                try:
                    axe_helper.assert_accessible(page)
                except AssertionError as exc:
                    pytest.fail(
                        f"automatic axe audit of the page the test ended on:\n{exc}",
                        pytrace=False,
                    )
        missing = self.unaudited()
        if missing:
            pytest.fail(
                "these pages were loaded but never audited; call axe.assert_accessible(page) "
                "while each is shown (or set browser_checks.audit_every_page = False):\n"
                + "\n".join(f"- {v}" for v in missing),
                pytrace=False,
            )


CHECKS_KEY = pytest.StashKey[BrowserChecks]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    checks = item.stash.get(CHECKS_KEY, None)
    try:
        result = yield
    except BaseException:
        if checks is not None:
            text = checks.describe()
            if text:
                item.add_report_section("call", "browser", text)
        raise
    if checks is not None:
        checks.verify()
    return result


# --- live servers ---------------------------------------------------------------------

WSGIApp = Callable[..., Any]


class LiveServer:
    """A WSGI app served by a threaded werkzeug server on 127.0.0.1 and a free port."""

    def __init__(self, wsgi_app: WSGIApp, host: str = "127.0.0.1") -> None:
        from werkzeug.serving import make_server

        self._server = make_server(host, 0, wsgi_app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"live-server-{self.port}",
            daemon=True,
        )

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def record_server_errors(wsgi_app: WSGIApp, sink: list[str]) -> WSGIApp:
    """WSGI middleware noting 5xx answers and exceptions (with traceback) in ``sink``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        where = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"

        def noting_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            if status.startswith("5"):
                sink.append(f"{where} answered {status}")
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        try:
            return wsgi_app(environ, noting_start_response)
        except Exception:
            sink.append(f"{where} raised:\n{traceback.format_exc()}")
            raise

    return app


@pytest.fixture
def browser_checks(request: pytest.FixtureRequest) -> Iterator[BrowserChecks]:
    checks = BrowserChecks()
    request.node.stash[CHECKS_KEY] = checks
    axe_helper.add_audit_listener(checks.mark_audited)
    yield checks
    axe_helper.remove_audit_listener(checks.mark_audited)


@pytest.fixture
def serve_wsgi(browser_checks: BrowserChecks) -> Iterator[Callable[[WSGIApp], str]]:
    servers: list[LiveServer] = []

    def serve(wsgi_app: WSGIApp) -> str:
        server = LiveServer(record_server_errors(wsgi_app, browser_checks.server_errors))
        servers.append(server.start())
        browser_checks.allowed_origins.add(origin(server.url))
        return server.url

    yield serve
    for server in reversed(servers):
        server.stop()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite file; each test gets a copy (faster than migrating)."""
    from databases import migrated_sqlite_file

    return migrated_sqlite_file(tmp_path_factory.mktemp("browser-db") / "template.db")


@pytest.fixture
def app_config(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """What ``create_app`` gets: its own migrated, empty SQLite database and upload folder.

    The lead wires the real keys here; a test module may override this fixture.
    """
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "browser-tests-not-secret",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    if importlib.util.find_spec("formbuilder.database") is None:
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'formbuilder.db'}"
        yield config
        return
    from databases import sqlite_copy

    with sqlite_copy(request.getfixturevalue("_migrated_sqlite"),
                     tmp_path / "formbuilder.db") as database:
        config["DATABASE"] = database  # create_app takes a migrated Database from tests
        yield config


@pytest.fixture
def published_forms() -> Iterable[Any]:
    """The forms ``app`` publishes before the test (``schemas.Form``); override to add some."""
    return ()


@pytest.fixture
def app(app_config: dict[str, Any], published_forms: Iterable[Any]) -> Any:
    if importlib.util.find_spec("formbuilder.app") is None:
        pytest.skip("formbuilder.app does not exist yet: no real app to test in the browser")
    from formbuilder.app import create_app  # type: ignore[import-not-found]
    from formbuilder.services import publishing

    app = create_app(app_config)
    with app.extensions["db"].session() as session:
        for form in published_forms:
            publishing.publish(session, form)
    return app


@pytest.fixture
def live_server(serve_wsgi: Callable[[WSGIApp], str], app: WSGIApp) -> str:
    return serve_wsgi(app)


# --- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe() -> Any:
    if not axe_helper.is_available():
        unavailable(f"axe-core is not installed in tests/browser/node_modules: {INSTALL_HINT}")
    return axe_helper


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed: pip install -e '.[test]'")
    if not Path(CHROMIUM).is_file():
        unavailable(f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except BaseException:
        playwright.stop()
        raise
    yield launched
    try:
        launched.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    return dict(MOBILE)


def _open_page(
    browser: Browser, options: dict[str, Any], checks: BrowserChecks, javascript: bool
) -> tuple[BrowserContext, Page]:
    options = {**options, "java_script_enabled": javascript}
    context = browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    axe_helper.remember_context_options(context, options)
    checks.watch(context, javascript)
    return context, context.new_page()


@pytest.fixture
def open_page(
    browser: Browser,
    browser_context_args: dict[str, Any],
    browser_checks: BrowserChecks,
    axe: Any,
) -> Iterator[Callable[..., Page]]:
    """``open_page(javascript=True, desktop=False)``: a page in a context of its own (its own
    cookies): each person has a browser of their own, and a link opened "another day" starts
    with none. ``desktop`` opens a 1280x800 screen instead of ``browser_context_args``."""
    contexts: list[BrowserContext] = []

    def new(*, javascript: bool = True, desktop: bool = False) -> Page:
        context, new_page = _open_page(browser, DESKTOP if desktop else browser_context_args,
                                       browser_checks, javascript)
        contexts.append(context)
        return new_page

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """A page with JavaScript on, in a context of its own."""
    return open_page(javascript=True)


@pytest.fixture
def page_nojs(open_page: Callable[..., Page]) -> Page:
    """A page with JavaScript off (``java_script_enabled=False``), in a context of its own."""
    return open_page(javascript=False)


@pytest.fixture(params=["page", "page_nojs"], ids=["js", "nojs"])
def any_page(request: pytest.FixtureRequest) -> Page:
    """``page``, then ``page_nojs``: a test using it runs with JavaScript on, then off."""
    return request.getfixturevalue(request.param)
