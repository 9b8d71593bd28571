"""Attack 10: a staff cookie copied elsewhere (a shared computer, a stolen backup) kept
working after sign-out, and lasted 30 days. Sign-out now ends the session wherever its cookie
was copied, and a staff cookie says it expires within 12 hours."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from live_site import Browser, Live, make_dispatcher, sign_in

TWELVE_HOURS = 12 * 60 * 60


def test_sign_out_ends_every_copy_of_the_session(live: Live) -> None:
    make_dispatcher(live)
    desk = live.browser()
    assert sign_in(desk).status == 302
    copy = Browser(live.url, "127.0.0.2", dict(desk.cookies))
    assert copy.get("/staff").status == 200
    page = desk.get("/staff")
    assert desk.post("/staff/sign-out", {"csrf_token": page.csrf()}).status == 302
    after = copy.get("/staff")
    assert after.status == 302 and "/staff/sign-in" in after.location


def test_the_staff_cookie_says_twelve_hours(live: Live) -> None:
    make_dispatcher(live)
    desk = live.browser()
    reply = sign_in(desk)
    assert reply.status == 302
    cookie = reply.header("Set-Cookie") or ""
    attributes = dict(part.strip().split("=", 1) for part in cookie.split(";")[1:]
                      if "=" in part)
    expires = parsedate_to_datetime(attributes["Expires"])
    lasts = (expires - parsedate_to_datetime(reply.header("Date"))).total_seconds()
    assert 0 < lasts <= TWELVE_HOURS + 1, cookie
    assert "httponly" in cookie.lower()
