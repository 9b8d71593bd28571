"""Attack 6: a return link used in two browsers made a second submission (and a 500 when
files were attached). The link is spent atomically: one browser's answers go in, the other is
told they were already sent."""

from __future__ import annotations

import threading

from live_site import KEY, Live, returned_submission
from resident import png_bytes
from sqlalchemy import func, select

from formbuilder.models import Event, Submission


def open_return(browser, link: str) -> None:
    page = browser.get(link)
    assert page.status == 200, page.text[:1000]
    reply = browser.post(link, {"csrf_token": page.csrf()})
    assert reply.status == 302, reply.text[:1000]


def test_a_return_link_sends_once_from_two_browsers(live: Live) -> None:
    reference, link = returned_submission(live)
    first, second = live.browser(), live.browser("127.0.0.2")
    open_return(first, link)
    open_return(second, link)
    page = second.submit_page("/forms/pothole-report/2?change=1", {"size": "medium",
                                                                  "lanes_blocked": "yes"},
                              files=[("photo", "new.png", png_bytes())])
    assert page.status == 302, page.text[:2000]
    posts = []
    for browser in (first, second):
        check = browser.get("/forms/pothole-report/check")
        posts.append((browser, {"csrf_token": check.csrf(), "key": KEY.search(check.text)[1]}))
    barrier = threading.Barrier(2)
    replies: list = [None, None]

    def send(index: int) -> None:
        browser, data = posts[index]
        barrier.wait()
        replies[index] = browser.post("/forms/pothole-report/submit", data)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(reply.status for reply in replies)
    assert statuses[-1] < 500, [r.text[:2000] for r in replies]
    sent = [r for r in replies if r.status == 302 and "/done/" in r.location]
    assert len(sent) == 1, [(r.status, r.location) for r in replies]
    loser = next(r for r in replies if r is not sent[0])
    shown = loser.text if loser.status != 302 else \
        posts[replies.index(loser)][0].get(loser.location).text
    assert "already" in shown.lower()
    with live.db.session(readonly=True) as session:
        submission = session.scalars(select(Submission).where(
            Submission.reference == reference)).one()
        resent = session.scalar(select(func.count()).select_from(Event).where(
            Event.submission_id == submission.id, Event.kind == "resubmitted"))
        total = session.scalar(select(func.count()).select_from(Submission))
    assert (resent, total) == (1, 1)
