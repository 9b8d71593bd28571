"""Attack 13: ``?_method=x`` on a public page was a 500.

The language switch rebuilt the page's address from every query argument, and ``url_for``
takes ``_method``, ``_external``, ``_scheme`` and ``_anchor`` as instructions (and a text
``number`` for a page number) and failed on them. No query argument may break a page or turn
its links into another site's.
"""

from __future__ import annotations

import re

import pytest
from live_site import Live

LINK = re.compile(r'(?:href|src|action)="([^"]*)"', re.I)
PAGES = ["/", "/forms/pothole-report", "/forms/pothole-report/1", "/forms/pothole-report/2",
         "/forms/pothole-report/check", "/forms/pothole-report/saved", "/track",
         "/staff/sign-in", "/resume/not-a-token", "/returned/not-a-token", "/no-such-page"]
HOSTILE = ["_method=x", "_external=1", "_anchor=%22%3E%3Cb%3E", "_scheme=javascript",
           "number=abc", "form_id=..%2F..%2Fetc", "endpoint=admin.users", "lang=zz",
           "lang=es&lang=zh", "q=%00%ff", "next=%2F%2Fevil.example", "change=%ff",
           "_method=x&_scheme=javascript&_external=1&number=-1"]


@pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)
def test_no_query_argument_breaks_a_public_page(live: Live) -> None:
    browser = live.browser()
    browser.fill_pothole()  # a draft, so that every page has something to show
    failures = []
    for page in PAGES:
        for query in HOSTILE:
            reply = browser.get(f"{page}?{query}")
            if reply.status >= 500:
                failures.append(f"{page}?{query} -> {reply.status}")
            elif off_site := [link for link in LINK.findall(reply.text)
                              if not link.startswith(("/", "#", "?", f"{live.url}/"))
                              or link.startswith("//")]:
                failures.append(f"{page}?{query} links off the site: {off_site}")
    assert failures == []
