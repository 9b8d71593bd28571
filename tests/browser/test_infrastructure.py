"""The browser-test infrastructure proves itself against a tiny GOV.UK-style Flask app.

The module overrides the ``app`` fixture, so ``live_server`` serves the tiny app instead of
formbuilder's.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, redirect, render_template_string, request, url_for
from markupsafe import Markup

LAYOUT = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% if errors %}Error: {% endif %}{{ title }} – Example City Council</title>
  <link rel="stylesheet" href="{{ url_for('static_file', name='site.css') }}">
  <script src="{{ url_for('static_file', name='site.js') }}" defer></script>
  {% for name in scripts %}
  <script src="{{ url_for('static_file', name=name) }}" defer></script>
  {% endfor %}
</head>
<body>
  <a class="skip-link" href="#main">Skip to main content</a>
  <header><p class="service">Example City Council</p></header>
  <main id="main">
    {{ body }}
  </main>
  <footer><p>© Example City Council</p></footer>
</body>
</html>
"""

FORM = """
{% if errors %}
<div class="error-summary" tabindex="-1" aria-labelledby="error-summary-title">
  <div role="alert">
    <h2 id="error-summary-title">There is a problem</h2>
    <ul>
      {% for field, message in errors.items() %}
      <li><a href="#{{ field }}">{{ message }}</a></li>
      {% endfor %}
    </ul>
  </div>
</div>
{% endif %}
<h1>Apply for a parking permit</h1>
<form method="post" action="{{ url_for('form') }}" novalidate>
  <div class="form-group">
    <label for="full-name">Full name</label>
    <p class="hint" id="full-name-hint">As shown on your council tax bill</p>
    {% if errors['full-name'] %}
    <p class="error-message" id="full-name-error">
      <span class="visually-hidden">Error:</span> {{ errors['full-name'] }}
    </p>
    {% endif %}
    <input id="full-name" name="full-name" type="text" autocomplete="name"
           value="{{ values.get('full-name', '') }}"
           aria-describedby="full-name-hint{% if errors['full-name'] %} full-name-error{% endif %}"
           {% if errors['full-name'] %}aria-invalid="true"{% endif %}>
  </div>
  <div class="form-group">
    <fieldset
      aria-describedby="contact-hint{% if errors['contact-email'] %} contact-error{% endif %}">
      <legend>How should we contact you?</legend>
      <p class="hint" id="contact-hint">Select one option</p>
      {% if errors['contact-email'] %}
      <p class="error-message" id="contact-error">
        <span class="visually-hidden">Error:</span> {{ errors['contact-email'] }}
      </p>
      {% endif %}
      {% for value, text in [('email', 'Email'), ('post', 'Post')] %}
      <div class="radio">
        <input id="contact-{{ value }}" name="contact" type="radio" value="{{ value }}"
               {% if values.get('contact') == value %}checked{% endif %}>
        <label for="contact-{{ value }}">{{ text }}</label>
      </div>
      {% endfor %}
    </fieldset>
  </div>
  <button type="submit" class="button">Continue</button>
</form>
"""

DONE = """
<h1>Application complete</h1>
<p>Thank you, {{ name }}. We will contact you within 5 working days.</p>
"""

BROKEN = """
<h1>Renew a market stall licence</h1>
<p class="faint">Closing date: 31 March</p>
<form method="post" novalidate>
  <input type="text" name="reference">
  <button type="submit" class="button">Continue</button>
</form>
"""

NOSCRIPT_BROKEN = """
<h1>Report a pothole</h1>
<p>Tell us where the pothole is.</p>
<noscript>
  <p>Without JavaScript, type the street reference instead:</p>
  <input type="text" name="street-reference">
</noscript>
"""

OUTSIDE = """
<h1>Opening times</h1>
<p>Monday to Friday, 9am to 5pm.</p>
<img src="https://tracker.example/pixel.gif" alt="">
"""

STATIC = {
    "site.css": """
body { margin: 0; font-family: sans-serif; font-size: 19px; line-height: 1.3;
       color: #0b0c0c; background: #fff; }
header, footer { padding: 10px 15px; background: #0b0c0c; color: #fff; }
header p, footer p { margin: 0; }
main { display: block; padding: 15px; }
a { color: #1d70b8; }
.skip-link { position: absolute; left: -9999px; }
.skip-link:focus { left: 0; background: #fd0; color: #0b0c0c; }
.visually-hidden { position: absolute !important; width: 1px !important; height: 1px !important;
                   margin: 0 !important; overflow: hidden !important;
                   clip: rect(0 0 0 0) !important; white-space: nowrap !important; }
.form-group { margin-bottom: 30px; }
label, legend { display: block; font-weight: bold; margin-bottom: 5px; }
fieldset { border: 0; margin: 0; padding: 0; }
.hint { color: #505a5f; margin: 0 0 10px; }
.error-message { color: #d4351c; font-weight: bold; margin: 0 0 10px; }
.error-summary { border: 5px solid #d4351c; padding: 15px; margin-bottom: 30px; }
.error-summary a { color: #d4351c; font-weight: bold; display: inline-block;
                   min-height: 24px; padding: 4px 0; }
.error-summary ul { list-style: none; padding: 0; margin: 0; }
.error-summary li { margin-bottom: 10px; }
input[type=text] { font-size: 19px; padding: 5px; width: 100%; max-width: 20em;
                   border: 2px solid #0b0c0c; box-sizing: border-box; min-height: 40px; }
.radio { display: flex; align-items: center; margin-bottom: 10px; }
.radio input { width: 32px; height: 32px; margin: 0 10px 0 0; }
.radio label { display: inline; font-weight: normal; margin: 0; }
.button { font-size: 19px; padding: 8px 10px; min-height: 44px; border: 0;
          background: #00703c; color: #fff; }
.faint { color: #d8d8d8; }
""",
    # GOV.UK behaviour: mark the page as enhanced and move focus to the error summary.
    "site.js": """
document.body.classList.add("js-enabled");
var summary = document.querySelector(".error-summary");
if (summary) { summary.focus(); }
""",
    "console.js": """
console.error("something broke");
throw new Error("uncaught failure");
""",
}

STRICT_CSP = "default-src 'self'"


def create_tiny_app() -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="not-secret")

    def render(title: str, body: str, *, scripts: tuple[str, ...] = (), **context: Any) -> str:
        errors = context.get("errors") or {}
        return render_template_string(
            LAYOUT,
            title=title,
            errors=errors,
            scripts=scripts,
            body=Markup(render_template_string(body, **{"errors": errors, **context})),
        )

    @app.after_request
    def strict_csp(response: Any) -> Any:
        # Like a real council site: no inline script or style, nothing from other hosts.
        # /outside must reach the network so that the outside request can be caught.
        if request.path != "/outside":
            response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    @app.route("/static/<name>")
    def static_file(name: str) -> Any:
        mimetype = "text/css" if name.endswith(".css") else "text/javascript"
        return STATIC[name], 200, {"Content-Type": f"{mimetype}; charset=utf-8"}

    @app.route("/favicon.ico")
    def favicon() -> Any:
        return "", 204

    @app.route("/", methods=["GET", "POST"])
    def form() -> Any:
        values = request.form
        errors: dict[str, str] = {}
        if request.method == "POST":
            if not values.get("full-name", "").strip():
                errors["full-name"] = "Enter your full name"
            if values.get("contact") not in ("email", "post"):
                errors["contact-email"] = "Select how we should contact you"
            if not errors:
                return redirect(url_for("done", name=values["full-name"].strip()), 303)
        return render("Apply for a parking permit", FORM, errors=errors, values=values)

    @app.route("/done")
    def done() -> Any:
        return render("Application complete", DONE, name=request.args.get("name", ""))

    @app.route("/broken")
    def broken() -> Any:
        return render("Renew a market stall licence", BROKEN)

    @app.route("/noscript-broken")
    def noscript_broken() -> Any:
        return render("Report a pothole", NOSCRIPT_BROKEN)

    @app.route("/outside")
    def outside() -> Any:
        return render("Opening times", OUTSIDE)

    @app.route("/console")
    def console() -> Any:
        return render("Opening times", "<h1>Opening times</h1>", scripts=("console.js",))

    @app.route("/boom")
    def boom() -> Any:
        raise RuntimeError("the database is on fire")

    return app


@pytest.fixture
def app() -> Flask:
    return create_tiny_app()


def test_browser_is_debian_chromium(browser: Any) -> None:
    assert browser.browser_type.name == "chromium"
    assert int(browser.version.split(".")[0]) >= 120


def test_javascript_really_on_and_off(
    page: Any, page_nojs: Any, live_server: str, axe: Any
) -> None:
    for current, expected in ((page, True), (page_nojs, False)):
        current.goto(live_server + "/")
        assert axe.javascript_enabled(current) is expected
        has_class = current.evaluate("document.body.classList.contains('js-enabled')")
        assert has_class is expected
        assert current.viewport_size == {"width": 390, "height": 844}
        axe.assert_accessible(current)


def test_accessible_page_passes(any_page: Any, live_server: str, axe: Any) -> None:
    any_page.goto(live_server + "/")
    result = axe.assert_accessible(any_page)
    assert result.violations == []
    assert result.version == "4.14.1"


def test_broken_page_fails_with_a_readable_message(
    any_page: Any, live_server: str, axe: Any
) -> None:
    any_page.goto(live_server + "/broken")
    with pytest.raises(AssertionError) as failure:
        axe.assert_accessible(any_page)
    message = str(failure.value)
    # the label is missing and the contrast (set in the external stylesheet) is too low,
    # with or without JavaScript: the no-JS snapshot keeps the page's stylesheets
    assert "label [critical] Form elements must have labels" in message
    assert "color-contrast [serious]" in message
    assert '<input type="text" name="reference">' in message
    assert '<p class="faint">Closing date: 31 March</p>' in message
    assert "https://dequeuniversity.com/rules/axe/" in message
    assert f"on {live_server}/broken" in message


def test_noscript_content_is_audited_only_without_javascript(
    page: Any, page_nojs: Any, live_server: str, axe: Any
) -> None:
    page.goto(live_server + "/noscript-broken")
    axe.assert_accessible(page)

    page_nojs.goto(live_server + "/noscript-broken")
    result = axe.run_axe(page_nojs)
    assert [v.id for v in result.violations] == ["label"]
    assert 'name="street-reference"' in result.report()
    assert "JavaScript off, audited from a DOM snapshot" in result.report()


def test_fill_by_label_and_submit(any_page: Any, live_server: str, axe: Any) -> None:
    from playwright.sync_api import expect

    any_page.goto(live_server + "/")
    javascript = axe.javascript_enabled(any_page)
    axe.assert_accessible(any_page)

    # submitting nothing shows the error summary (a POST answered 200: audited from its DOM)
    any_page.get_by_role("button", name="Continue").click()
    summary = any_page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(any_page).to_have_title("Error: Apply for a parking permit – Example City Council")
    expect(summary.get_by_role("link", name="Enter your full name")).to_be_visible()
    if javascript:
        expect(summary).to_be_focused()
    else:
        expect(summary).not_to_be_focused()
    axe.assert_accessible(any_page)

    any_page.get_by_label("Full name").fill("Ada Lovelace")
    any_page.get_by_role("group", name="How should we contact you?").get_by_label("Email").check()
    any_page.get_by_role("button", name="Continue").click()
    any_page.wait_for_url("**/done?name=Ada+Lovelace")
    expect(any_page.get_by_role("heading", level=1)).to_have_text("Application complete")
    expect(any_page.get_by_text("Thank you, Ada Lovelace.")).to_be_visible()
    # the page the test ends on is audited automatically


def test_request_to_another_host_is_caught(
    any_page: Any, live_server: str, browser_checks: Any, axe: Any
) -> None:
    any_page.goto(live_server + "/outside")
    axe.assert_accessible(any_page)
    with pytest.raises(pytest.fail.Exception) as failure:
        browser_checks.verify()
    assert "GET https://tracker.example/pixel.gif" in str(failure.value)
    assert browser_checks.blocked_requests == ["GET https://tracker.example/pixel.gif"]
    browser_checks.clear()

    from playwright.sync_api import Error

    with pytest.raises(Error, match="ERR_BLOCKED_BY_CLIENT"):
        any_page.goto("https://example.org/")
    assert browser_checks.blocked_requests == ["GET https://example.org/"]
    browser_checks.clear()


def test_console_and_page_errors_are_caught(
    page: Any, live_server: str, browser_checks: Any
) -> None:
    page.goto(live_server + "/console")
    with pytest.raises(pytest.fail.Exception) as failure:
        browser_checks.verify()
    message = str(failure.value)
    assert "console error: something broke" in message
    assert "uncaught page error: Error: uncaught failure" in message
    assert "/static/console.js" in message
    browser_checks.clear()


def test_server_errors_are_caught(page: Any, live_server: str, browser_checks: Any) -> None:
    page.goto(live_server + "/boom")
    with pytest.raises(pytest.fail.Exception) as failure:
        browser_checks.verify()
    assert "GET /boom raised" in str(failure.value)
    assert "RuntimeError: the database is on fire" in str(failure.value)
    browser_checks.clear()
    browser_checks.audit_every_page = False  # werkzeug's bare 500 page is not ours to audit


def test_pages_left_unaudited_are_reported(
    page_nojs: Any, live_server: str, browser_checks: Any
) -> None:
    page_nojs.goto(live_server + "/")
    page_nojs.goto(live_server + "/done?name=Ada")
    with pytest.raises(pytest.fail.Exception) as failure:
        browser_checks.verify()
    message = str(failure.value)
    assert "never audited" in message
    assert f"GET {live_server}/ -> 200 (JavaScript off)" in message
    # verify() audited the page the test ended on by itself
    assert [v.audited for v in browser_checks.visits] == [False, True]
    browser_checks.audit_every_page = False


def test_serve_wsgi_serves_any_wsgi_app(page: Any, serve_wsgi: Any, axe: Any) -> None:
    def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [
            b"<!DOCTYPE html><html lang='en'><head><title>Hello</title></head>"
            b"<body><main><h1>Hello from WSGI</h1></main></body></html>"
        ]

    first, second = serve_wsgi(hello), serve_wsgi(hello)
    assert first != second and first.startswith("http://127.0.0.1:")
    for url in (first, second):
        page.goto(url + "/")
        axe.assert_accessible(page)
