"""Attack 1: /track handed out the return link to anyone who knew an email address.

The link lets its holder read and replace the resident's answers, so it travels only by email
to the applicant and on the staff page; /track shows status and comments. A wrong email must
look exactly like a wrong reference, or /track tells a stranger which references exist.
"""

from __future__ import annotations

import re

from live_site import Live, returned_submission

TOKEN = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


def track(browser, reference: str, email: str):
    return browser.submit_page("/track", {"reference": reference, "email": email})


def test_track_never_shows_the_return_link(live: Live) -> None:
    reference, link = returned_submission(live)
    stranger = live.browser("127.0.0.2")
    page = track(stranger, reference, "ana@example.org")
    assert page.status == 200
    assert "Please add the nearest house number." in page.text  # status and comments stay
    assert "/returned/" not in page.text
    assert link.split("/returned/")[1] not in page.text


def test_a_wrong_email_looks_like_a_wrong_reference(live: Live) -> None:
    reference = live.browser().send_pothole(email="ana@example.org")
    wrong_email = track(live.browser("127.0.0.3"), reference, "bob@example.org")
    prefix, year, number = reference.split("-")
    unknown = f"{prefix}-{year}-{int(number) + 500:06d}"
    wrong_reference = track(live.browser("127.0.0.4"), unknown, "bob@example.org")
    assert wrong_email.status == wrong_reference.status == 400

    def shown(reply) -> str:
        return TOKEN.sub("", reply.text).replace(reference, "R").replace(unknown, "R")

    assert shown(wrong_email) == shown(wrong_reference)
    assert wrong_email.header("Set-Cookie") is None or wrong_reference.header("Set-Cookie")
