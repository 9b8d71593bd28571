"""What the hostile tester could not break, kept so: CSRF, escaping, template injection, path
traversal, double submits."""

from __future__ import annotations

import pytest
from live_site import Live
from sqlalchemy import func, select

from formbuilder.models import Submission

pytestmark = pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)


def test_posts_without_the_csrf_token_are_refused(live: Live) -> None:
    browser = live.browser()
    browser.get("/track")
    assert browser.post("/track", {"reference": "PW-1", "email": "a@b.c"}).status == 400
    assert browser.post("/forms/pothole-report/1", {"location": "Oak"}).status == 400
    assert browser.post("/staff/sign-in", {"email": "a@b.c", "password": "x"}).status == 400


def test_answers_are_escaped_and_never_evaluated(live: Live) -> None:
    browser = live.browser()
    browser.fill_pothole(location="<script>alert(1)</script> {{ 7*7 }} {% raw %}",
                         name="<img src=x onerror=alert(1)>")
    page = browser.get("/forms/pothole-report/check").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert "{{ 7*7 }}" in page and ">49<" not in page


def test_no_path_leaves_the_asset_folder(live: Live) -> None:
    browser = live.browser()
    for path in ["/assets/../../../../etc/passwd", "/assets/%2e%2e/%2e%2e/etc/passwd",
                 "/static/..%2f..%2fsetup.cfg", "/assets/..%5c..%5cetc%5cpasswd"]:
        reply = browser.get(path)
        assert reply.status in (400, 404), path
        assert b"root:" not in reply.body and b"install_requires" not in reply.body


def test_a_double_submit_makes_one_submission(live: Live) -> None:
    browser = live.browser()
    browser.fill_pothole()
    page = browser.get("/forms/pothole-report/check")
    from live_site import KEY

    data = {"csrf_token": page.csrf(), "key": KEY.search(page.text)[1]}
    first = browser.post("/forms/pothole-report/submit", data)
    second = browser.post("/forms/pothole-report/submit", data)
    assert first.status == second.status == 302 and first.location == second.location
    with live.db.session(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 1
