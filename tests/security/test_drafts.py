"""Attack 4: a saved-draft link planted the attacker's draft in a victim's browser.

The attacker saves a draft, has "email me the link" send it to the victim, and keeps the same
draft open in their own browser: whatever the victim types, the attacker reads. Opening a
resume link must never silently replace the draft a browser already has, and a draft is
readable by one browser only: opening its link moves it there.
"""

from __future__ import annotations

import re

from live_site import Live

LINK = re.compile(r'class="resume-link"><a href="[^"]*(/resume/[A-Za-z0-9_-]+)"')


def attackers_link(live: Live):
    attacker = live.browser("127.0.0.2")
    assert attacker.submit_page("/forms/pothole-report/1",
                                {"location": "Planted Street"}).status == 302
    saved = attacker.get("/forms/pothole-report/saved")
    found = LINK.search(saved.text)
    assert found, saved.text[:2000]
    return attacker, found.group(1)


def test_a_resume_link_does_not_replace_the_browsers_own_draft(live: Live) -> None:
    victim = live.browser()
    assert victim.submit_page("/forms/pothole-report/1",
                              {"location": "Victim Avenue 9"}).status == 302
    _, link = attackers_link(live)
    opened = victim.get(link)
    assert opened.status == 200  # a question, not a silent replacement
    page = victim.get("/forms/pothole-report/1")
    assert "Victim Avenue 9" in page.text
    assert "Planted Street" not in page.text


def test_a_draft_is_readable_by_one_browser_only(live: Live) -> None:
    attacker, link = attackers_link(live)
    victim = live.browser()
    page = victim.get(link)  # a browser with no draft of its own takes the draft over
    assert victim.post(link, {"csrf_token": page.csrf()}).status == 302
    page = victim.get("/forms/pothole-report/1")
    assert "Planted Street" in page.text
    assert victim.submit_page("/forms/pothole-report/1",
                              {"location": "Victim Avenue 9"}).status == 302
    for number in (1, 2, 3):
        seen = attacker.get(f"/forms/pothole-report/{number}")
        assert "Victim Avenue 9" not in seen.text
    assert "Victim Avenue 9" not in attacker.get("/forms/pothole-report/check").text
    again = live.browser("127.0.0.3").get(link)  # the link is spent once it has moved
    assert again.status == 404
