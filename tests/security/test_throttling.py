"""Attack 12: nothing was throttled. A script walked /track's sequential references, guessed
passwords, had "email me the link" mail anyone, and submitted without pause; and five wrong
passwords locked any staff member out at will. Limits are counted per client (and per
address for sign-ins), in memory for one process or in Redis, shared by all of them, when
``FORMBUILDER_REDIS_URL`` is set; a lockout locks the client that guessed, not the account.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from live_site import Browser, Live, app_settings, make_dispatcher, publish_forms, sign_in

from formbuilder.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.parametrize("backend_db", ["sqlite"], indirect=True)


def statuses(browser: Browser, path: str, data: dict[str, str], times: int) -> list[int]:
    token = browser.get(path).csrf()
    return [browser.post(path, {"csrf_token": token, **data}).status for _ in range(times)]


def test_track_is_throttled_per_client(live: Live) -> None:
    walker = live.browser("127.0.0.2")
    found = statuses(walker, "/track", {"reference": "PW-2026-000001",
                                        "email": "ana@example.org"}, 25)
    assert 429 in found and found[0] == 400
    assert live.browser().get("/track").status == 200  # other clients are not held up
    resident = live.browser()
    assert resident.submit_page("/track", {"reference": "PW-2026-000001",
                                           "email": "ana@example.org"}).status == 400


def test_guessing_a_password_locks_the_guesser_not_the_account(live: Live) -> None:
    make_dispatcher(live)
    guesser = live.browser("127.0.0.2")
    found = statuses(guesser, "/staff/sign-in", {"email": "dispatch@city.gov",
                                                 "password": "not the password 1"}, 8)
    assert found[:5] == [400] * 5 and set(found[5:]) == {429}
    assert sign_in(guesser).status == 429  # the right password, from the guesser: still no
    owner = live.browser()
    assert sign_in(owner).status == 302  # from the owner's machine: in at once


def test_unknown_addresses_are_throttled_per_client(live: Live) -> None:
    prober = live.browser("127.0.0.3")
    token = prober.get("/staff/sign-in").csrf()
    found = [prober.post("/staff/sign-in", {"csrf_token": token,
                                            "email": f"n{n}@city.gov",
                                            "password": "a guess at it 123"}).status
             for n in range(25)]
    assert 429 in found and found.index(429) <= 21


def test_email_me_the_link_is_throttled(live: Live) -> None:
    sender = live.browser("127.0.0.2")
    assert sender.submit_page("/forms/pothole-report/1", {"location": "Oak"}).status == 302
    found = statuses(sender, "/forms/pothole-report/saved", {"email": "victim@example.org"},
                     12)
    assert 429 in found and found[0] == 200


def test_one_inbox_is_not_flooded_from_many_clients(live: Live) -> None:
    found = []
    for number in range(6):
        sender = live.browser(f"127.0.0.{10 + number}")
        assert sender.submit_page("/forms/pothole-report/1", {"location": "Oak"}).status == 302
        found.append(sender.submit_page("/forms/pothole-report/saved",
                                        {"email": "victim@example.org"}).status)
    assert found[0] == 200 and 429 in found


def test_submit_is_throttled(live: Live) -> None:
    spammer = live.browser("127.0.0.2")
    token = spammer.get("/track").csrf()
    found = [spammer.post("/forms/pothole-report/submit",
                          {"csrf_token": token, "key": "x"}).status for _ in range(40)]
    assert 429 in found


def test_limits_are_shared_through_redis(backend_db: Any, tmp_path: Any, serve: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes behind a load balancer (two apps here) count the same tries."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    monkeypatch.setenv("FORMBUILDER_REDIS_URL", REDIS_URL)
    publish_forms(backend_db)
    prefix = f"test-{secrets.token_hex(6)}"
    servers = [serve(create_app(app_settings(backend_db, tmp_path,
                                             RATELIMIT_KEY_PREFIX=prefix)))
               for _ in range(2)]
    found = []
    for turn in range(24):
        browser = Browser(servers[turn % 2], "127.0.0.2")
        found.append(browser.submit_page("/track", {"reference": "PW-2026-000001",
                                                    "email": "ana@example.org"}).status)
    assert 429 in found
    other = Browser(servers[0], "127.0.0.5")
    assert other.submit_page("/track", {"reference": "PW-2026-000001",
                                        "email": "ana@example.org"}).status == 400
