"""axe-core accessibility audits (WCAG 2.2 AA + best practice) for Playwright pages.

Use the ``axe`` fixture (this module) in browser tests::

    def test_start_page(page, live_server, axe):
        page.goto(live_server + "/")
        axe.assert_accessible(page)

How axe gets into the page
    The pinned ``node_modules/axe-core/axe.min.js`` (see ``package.json``; installed by
    ``scripts/install-browser-deps.sh``) is evaluated with ``page.evaluate(source)``, not
    ``page.add_script_tag``: DevTools evaluation is not subject to the page's
    Content-Security-Policy, while an inline ``<script>`` tag is refused by a strict CSP
    (and that refusal is itself a console error that would fail the test).

Pages with JavaScript turned off
    In a context made with ``java_script_enabled=False`` Chromium still answers
    ``page.evaluate`` synchronously, but never runs a timer or an event listener, so
    ``axe.run`` would hang. Such a page is therefore audited from a snapshot of its live DOM:

    1. in the no-JS page, the DOM is cloned; ``<script>`` and ``<meta http-equiv=refresh>``
       are dropped, every ``<noscript>`` is replaced by its children (a no-JS parser built
       them as real elements, a JS-enabled parser would see only text), and the current
       form values/checkedness/selection are written back as attributes;
    2. a throw-away JS-enabled context of the same browser, with the same viewport and
       cookies, navigates to the *same URL*; that one navigation is fulfilled with the
       snapshot (plus ``Content-Security-Policy: script-src 'none'`` so nothing of the
       page's own runs), while its stylesheets, images and fonts load from the same server,
       so colour contrast and layout are those the no-JS user gets;
    3. axe runs there.

    Re-requesting the URL instead would audit a different page whenever the page came from
    a POST (an error summary after a failed submission, say); ``set_content`` on
    ``about:blank`` would lose the stylesheets.
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Frame, Page, Route

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

#: WCAG 2.0/2.1/2.2 level A and AA, plus axe's best practices.
TAGS: tuple[str, ...] = (
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
)

INSTALL_HINT = "run scripts/install-browser-deps.sh (npm ci --prefix tests/browser)"

# Runs synchronously in any page: with scripting disabled, Chromium still evaluates
# DevTools expressions but never calls an event listener.
_JS_PROBE = """() => {
    let ran = false;
    const target = new EventTarget();
    target.addEventListener("probe", () => { ran = true; });
    target.dispatchEvent(new Event("probe"));
    return ran;
}"""

_HAS_AXE = "() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"

_RUN_AXE = """async (options) => {
    const results = await window.axe.run(document, options);
    return {
        version: results.testEngine && results.testEngine.version,
        violations: results.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({
                html: n.html,
                target: n.target,
                failureSummary: n.failureSummary,
            })),
        })),
    };
}"""

_SNAPSHOT = """() => {
    const root = document.documentElement.cloneNode(true);
    // Serialisation keeps attributes, not form state: write what the user changed back as
    // attributes (only that, so snippets otherwise match the served HTML).
    const fields = "input, textarea, option";
    const copies = root.querySelectorAll(fields);
    const originals = document.documentElement.querySelectorAll(fields);
    // plain loops: with scripting off, Chromium may not call back into JavaScript
    for (let i = 0; i < originals.length; i++) {
        const el = originals[i];
        const copy = copies[i];
        if (el instanceof HTMLOptionElement) {
            if (el.selected !== el.defaultSelected) copy.toggleAttribute("selected", el.selected);
        } else if (el instanceof HTMLTextAreaElement) {
            if (el.value !== el.defaultValue) copy.textContent = el.value;
        } else if (el.type === "checkbox" || el.type === "radio") {
            if (el.checked !== el.defaultChecked) copy.toggleAttribute("checked", el.checked);
        } else if (el.type !== "password" && el.type !== "file" && el.value !== el.defaultValue) {
            copy.setAttribute("value", el.value);
        }
    }
    for (const el of root.querySelectorAll("script")) el.remove();
    for (const el of root.querySelectorAll("meta[http-equiv]")) {
        if (el.httpEquiv.toLowerCase() === "refresh") el.remove();
    }
    for (const el of root.querySelectorAll("noscript")) el.replaceWith(...el.childNodes);
    const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "";
    return doctype + root.outerHTML;
}"""


class AxeMissingError(RuntimeError):
    """axe.min.js is not installed."""


@dataclass(frozen=True)
class Violation:
    id: str
    impact: str | None
    help: str
    help_url: str
    nodes: tuple[dict[str, Any], ...]


@dataclass
class AxeResult:
    url: str
    javascript: bool
    version: str
    violations: list[Violation] = field(default_factory=list)

    def report(self, max_nodes: int = 10, max_html: int = 300) -> str:
        how = "JavaScript on" if self.javascript else "JavaScript off, audited from a DOM snapshot"
        lines = [
            f"axe-core {self.version} found {len(self.violations)} accessibility "
            f"violation(s) on {self.url} ({how}):",
        ]
        for number, v in enumerate(self.violations, 1):
            lines.append("")
            lines.append(f"{number}. {v.id} [{v.impact or 'unknown impact'}] {v.help}")
            lines.append(f"   {v.help_url}")
            for node in v.nodes[:max_nodes]:
                html = " ".join(str(node.get("html", "")).split())
                if len(html) > max_html:
                    html = html[: max_html - 1] + "…"
                target = ", ".join(
                    json.dumps(t) if not isinstance(t, str) else t for t in node.get("target") or []
                )
                lines.append(f"   - {html}")
                if target:
                    lines.append(f"     at {target}")
                for summary_line in str(node.get("failureSummary") or "").splitlines():
                    if summary_line.strip():
                        lines.append(f"     {summary_line.strip()}")
            if len(v.nodes) > max_nodes:
                lines.append(f"   … and {len(v.nodes) - max_nodes} more element(s)")
        return "\n".join(lines)


# --- hooks used by conftest.py -------------------------------------------------------

_audit_listeners: list[Callable[[Page], None]] = []
_context_options: weakref.WeakKeyDictionary[BrowserContext, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def add_audit_listener(listener: Callable[[Page], None]) -> None:
    """Call ``listener(page)`` after every audit (conftest uses it to track coverage)."""
    _audit_listeners.append(listener)


def remove_audit_listener(listener: Callable[[Page], None]) -> None:
    if listener in _audit_listeners:
        _audit_listeners.remove(listener)


def remember_context_options(context: BrowserContext, options: dict[str, Any]) -> None:
    """Record the options a context was made with, so no-JS snapshots are audited alike."""
    _context_options[context] = dict(options)


# --- the audit ------------------------------------------------------------------------


@functools.cache
def axe_source() -> str:
    if not AXE_JS.is_file():
        missing = AXE_JS.relative_to(HERE.parent.parent)
        raise AxeMissingError(f"{missing} is missing: {INSTALL_HINT}")
    return AXE_JS.read_text(encoding="utf-8")


def is_available() -> bool:
    return AXE_JS.is_file()


def javascript_enabled(page: Page) -> bool:
    """Whether scripts run in ``page`` (False in a ``java_script_enabled=False`` context)."""
    return bool(page.evaluate(_JS_PROBE))


def run_axe(
    page: Page,
    *,
    tags: Iterable[str] = TAGS,
    disable_rules: Iterable[str] = (),
) -> AxeResult:
    """Audit the page as it is now; JS-disabled pages are audited from a DOM snapshot."""
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
    }
    disabled = list(disable_rules)
    if disabled:
        options["rules"] = {rule: {"enabled": False} for rule in disabled}
    source = axe_source()
    page.wait_for_load_state("load")
    if javascript_enabled(page):
        raw = _retry_if_navigating(page, lambda: _run_here(page, source, options))
        result = _result(page.url, True, raw)
    else:
        html = _retry_if_navigating(page, lambda: page.evaluate(_SNAPSHOT))
        raw = _run_on_snapshot(page, html, source, options)
        result = _result(page.url, False, raw)
    for listener in list(_audit_listeners):
        listener(page)
    return result


def assert_accessible(
    page: Page,
    *,
    tags: Iterable[str] = TAGS,
    disable_rules: Iterable[str] = (),
) -> AxeResult:
    """Fail (AssertionError) listing every violation, its impact, help and HTML snippets."""
    result = run_axe(page, tags=tags, disable_rules=disable_rules)
    if result.violations:
        raise AssertionError(result.report())
    return result


def _result(url: str, javascript: bool, raw: dict[str, Any]) -> AxeResult:
    return AxeResult(
        url=url,
        javascript=javascript,
        version=str(raw.get("version") or "?"),
        violations=[
            Violation(
                id=v["id"],
                impact=v.get("impact"),
                help=v.get("help", ""),
                help_url=v.get("helpUrl", ""),
                nodes=tuple(v.get("nodes") or ()),
            )
            for v in raw["violations"]
        ],
    )


def _retry_if_navigating(page: Page, action: Callable[[], Any]) -> Any:
    from playwright.sync_api import Error

    try:
        return action()
    except Error as exc:
        if "Execution context was destroyed" not in str(exc) and "navigat" not in str(exc):
            raise
        page.wait_for_load_state("load")
        return action()


def _inject(frame: Frame, source: str) -> None:
    if not frame.evaluate(_HAS_AXE):
        frame.evaluate(source)


def _run_here(page: Page, source: str, options: dict[str, Any]) -> dict[str, Any]:
    from playwright.sync_api import Error

    for frame in page.frames:
        try:
            _inject(frame, source)
        except Error:
            if frame is page.main_frame:
                raise
            # a detached or cross-origin child frame: axe reports what it cannot reach
    return page.evaluate(_RUN_AXE, options)


@dataclass
class _AuditPage:
    """A JS-enabled page that audits the no-JS snapshots of one browser and one set of context
    options, kept between audits: a new context and page per audit (a renderer process each)
    and axe parsed again for every snapshot took most of a no-JS journey's time."""

    page: Page
    origin: str = ""
    pending: str = ""  # the snapshot the next navigation to ``document_url`` is answered with
    document_url: str = ""


_audit_pages: weakref.WeakKeyDictionary[Browser, dict[str, _AuditPage]] = (
    weakref.WeakKeyDictionary()
)

# Replaces the audit page's document with a snapshot in place, at the snapshot's own URL (same
# origin), then waits for its stylesheets, images and fonts: ``document.open`` keeps the window,
# so axe, parsed once, stays; the document keeps its ``script-src 'none'`` policy, so nothing
# of the page's own runs.
_WRITE_SNAPSHOT = """async ([url, html]) => {
    history.replaceState(null, "", url);
    document.open();
    document.write(html);
    document.close();
    // A written document's load event may come before its stylesheets are in, so each
    // stylesheet and image is waited for by itself.
    const waiting = [
        ...[...document.querySelectorAll("link[rel~=stylesheet]")].filter((link) => !link.sheet),
        ...[...document.images].filter((image) => !image.complete),
    ];
    await Promise.all(waiting.map((element) => new Promise((done) => {
        element.addEventListener("load", done, {once: true});
        element.addEventListener("error", done, {once: true});
    })));
    await document.fonts.ready;
}"""


def _audit_page(page: Page) -> _AuditPage:
    """The audit page for ``page``'s browser and context options, made on first use."""
    browser = page.context.browser
    if browser is None:
        raise RuntimeError("cannot audit a JS-disabled page of a persistent context")
    options = dict(_context_options.get(page.context, {}))
    options.pop("viewport", None)  # set per audit: a page may change its own
    options["java_script_enabled"] = True
    key = json.dumps(options, sort_keys=True, default=str)
    pages = _audit_pages.setdefault(browser, {})
    if key not in pages:
        audit_page = _AuditPage(browser.new_context(**options).new_page())

        def handle(route: Route) -> None:
            request = route.request
            if (request.is_navigation_request() and request.url == audit_page.document_url
                    and audit_page.pending):
                body, audit_page.pending = audit_page.pending, ""
                route.fulfill(status=200, body=body, headers={
                    "content-type": "text/html; charset=utf-8",
                    "content-security-policy": "script-src 'none'"})
            elif _origin(request.url) == audit_page.origin:
                route.continue_()
            else:
                route.abort("blockedbyclient")

        audit_page.page.context.route("**/*", handle)
        pages[key] = audit_page
    return pages[key]


def _run_on_snapshot(page: Page, html: str, source: str, options: dict[str, Any]) -> dict[str, Any]:
    """Audit ``html`` as served at ``page``'s URL, with its cookies and viewport, in a page
    where scripts run (see the module's docstring)."""
    url = page.url
    if urlsplit(url).scheme not in ("http", "https"):
        return _run_on_content(page, html, source, options)
    audit = _audit_page(page)
    audit_page = audit.page
    audit_page.context.clear_cookies()
    audit_page.context.add_cookies(page.context.cookies())  # type: ignore[arg-type]
    if page.viewport_size:
        audit_page.set_viewport_size(page.viewport_size)
    origin = _origin(url)
    if origin == audit.origin and audit_page.evaluate(_HAS_AXE):
        audit_page.evaluate(_WRITE_SNAPSHOT, [url, html])
    else:
        audit.origin, audit.document_url, audit.pending = origin, url.split("#", 1)[0], html
        audit_page.goto(url, wait_until="load")
        audit_page.evaluate(source)
    return audit_page.evaluate(_RUN_AXE, options)


def _run_on_content(page: Page, html: str, source: str, options: dict[str, Any]) -> dict[str, Any]:
    """A snapshot of a page that has no server (``about:blank`` filled by a test)."""
    context_options = dict(_context_options.get(page.context, {}))
    if page.viewport_size:
        context_options["viewport"] = page.viewport_size
    context_options["java_script_enabled"] = True
    browser = page.context.browser
    if browser is None:
        raise RuntimeError("cannot audit a JS-disabled page of a persistent context")
    audit_context = browser.new_context(**context_options)
    try:
        audit_page = audit_context.new_page()
        audit_page.set_content(html, wait_until="load")
        for frame in audit_page.frames:
            _inject(frame, source)
        return audit_page.evaluate(_RUN_AXE, options)
    finally:
        audit_context.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
