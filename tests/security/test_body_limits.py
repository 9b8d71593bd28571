"""Attack 3: url-encoded bodies skipped the size limits (a 54 MB ``a=&a=&…`` post to /track
took 34 s and 2.7 GB). Every body, of any content type, is refused with 413 before it is
read or parsed when it is too large or has too many fields."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from live_site import Live

DECLARED = 54_000_000
TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain",
         "application/octet-stream"]


def declare_and_stall(live: Live, path: str, content_type: str, length: int) -> int:
    """Announce a body of ``length`` bytes, send only a little, and wait for the answer."""
    parts = urlsplit(live.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", content_type)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        connection.send(b"a=&" * 1000)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("content_type", TYPES)
def test_a_huge_body_is_refused_before_it_is_read(live: Live, content_type: str) -> None:
    for path in ["/track", "/forms/pothole-report/1", "/staff/sign-in"]:
        assert declare_and_stall(live, path, content_type, DECLARED) == 413, path


@pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)
def test_three_megabytes_of_text_fields_are_too_many(live: Live) -> None:
    assert declare_and_stall(live, "/track", "application/x-www-form-urlencoded",
                             3_000_000) == 413


@pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)
def test_too_many_fields_are_refused_whatever_the_encoding(live: Live) -> None:
    browser = live.browser()
    many = [("a", "")] * 5000
    assert browser.post("/track", many).status == 413
    assert browser.post("/track", many, files=[("f", "f.txt", b"x")]).status == 413
    body = json.dumps({"a": [0] * 5000}).encode()
    assert browser.request("POST", "/track", body, {"Content-Type": "application/json"}
                           ).status in (400, 413)
    assert browser.post("/track", [("a", "")] * 50).status == 400  # an ordinary bad post
