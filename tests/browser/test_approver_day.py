"""An approver's day and the special event permit's routing, in Chromium, every page audited.

Staff sign in on the sign-in page, find work in the inbox (filters, search by reference), open
a submission, return it for changes, approve or reject it, and sign out; the resident follows
the return link, reads the comment, changes an answer and sends it again (once in Spanish,
without JavaScript), and follows the submission on ``/track``. Each person has a browser
context of their own. Pages are found by their labels, roles and names, as a person would;
``axe.assert_accessible`` runs on every page loaded (the conftest fails a test otherwise).

The staff pages load no scripts, so the runs without JavaScript are spent on the resident's
pages (whose scripts show and hide questions); staff browse with it on. Phones (390 pixels)
by default, one run of the inbox on a desktop; no page may be wider than the screen (wide
tables scroll in their own box).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import resident
from approver import Approver, press, steps_shown, track
from example_forms import example
from staff import make_staff

FORMS = {name: example(name) for name in ("pothole-report", "dog-license",
                                            "special-event-permit")}
RESIDENT_EMAIL = "ana.garcia@example.org"


@pytest.fixture
def published_forms() -> Any:
    return FORMS.values()


def staff_member(app: Any, email: str, *roles: str) -> str:
    make_staff(app.extensions["db"], email, roles)
    return email


def sent_by_client(app: Any, form_id: str, lang: str = "en", **changes: Any) -> str:
    """A resident who sent the form earlier (through the test client, to keep the browser for
    what these tests are about); the reference."""
    form = FORMS[form_id]
    answers = {**resident.plan_answers(form), **changes}
    client = app.test_client()
    client.get(f"/?lang={lang}")
    return resident.submit_with_client(client, form, answers)


def accept_expected_errors(browser_checks: Any, status: int = 400) -> None:
    """A page refusing a post is answered 400 or 409, which Chromium logs: expected, so
    forgotten (any other problem still fails the test)."""
    browser_checks.flush()
    assert [e for e in browser_checks.console_errors if f"status of {status}" not in e] == []
    assert not browser_checks.problems()[len(browser_checks.console_errors):]
    browser_checks.clear()


def fits_sideways(page: Any) -> bool:
    """Whether the page is no wider than the screen (a phone's browser would otherwise zoom
    out or scroll sideways; wide tables scroll inside their own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"]


def answer_return(person: resident.Resident, comment: str, question: str, new_value: str,
                  reference: str) -> None:
    """On the return page: read the comment, open the answers, change one, send them again."""
    from playwright.sync_api import expect

    page, say = person.page, person._
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Change your answers"))
    expect(main).to_contain_text(reference)
    asked = main.locator(".panel").filter(
        has=page.get_by_role("heading", name=say("What we asked you to change")))
    expect(asked).to_contain_text(comment)
    person.press(person.button(say("Change your answers")))
    person.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        say("Check your answers before sending"))
    field = person.form.fields[question]
    person.press(main.get_by_role("link", name=f"{say('Change')} {person.title(field)}",
                                  exact=True))
    person.audit()
    page.get_by_label(person.named(field)).fill(new_value)
    person.press(person.button(say("Continue")))
    person.audit()
    expect(main).to_contain_text(new_value)
    assert person.send() == reference, "the changed answers made a new submission"


# --- 1. An approver's day -------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "javascript"), [("en", True), ("es", False)],
                         ids=["en-js", "es-nojs"])
def test_an_approvers_day(open_page: Callable[..., Any], live_server: str, app: Any, axe: Any,
                          browser_checks: Any, lang: str, javascript: bool) -> None:
    from playwright.sync_api import expect

    pothole, dog = FORMS["pothole-report"], FORMS["dog-license"]
    email = staff_member(app, "dee.dispatch@city.example", "public-works-dispatch",
                         "animal-services-clerk")
    # A small pothole with a photo: one step (dispatch review) decides it.
    returned = sent_by_client(app, "pothole-report", lang, size="small")
    rejected = sent_by_client(app, "pothole-report", "en", size="small")
    dog_ref = sent_by_client(app, "dog-license")

    # The staff pages have no scripts: JavaScript on or off matters to the resident's pages.
    dee = Approver(open_page(), live_server, email, audit=axe.assert_accessible)
    dee.sign_in()
    assert set(dee.references()) == {returned, rejected, dog_ref}
    assert fits_sideways(dee.page), "the inbox scrolls sideways on a 390-pixel-wide phone"

    dee.filter_inbox(form=pothole.title.get("en"))
    assert set(dee.references()) == {returned, rejected}
    dee.filter_inbox(search=returned)
    assert dee.references() == [returned]
    expect(dee.row(returned)).to_contain_text("Dispatch review")
    expect(dee.row(returned)).to_contain_text("public-works-dispatch")

    dee.open_submission(returned)
    expect(dee.main).to_contain_text("Main Street and 3rd Avenue")
    assert dee.status() == "Being reviewed"
    # Returning without a comment is refused, and says why, next to the comment box.
    dee.decide("return")
    accept_expected_errors(browser_checks)
    summary = dee.page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a comment: the resident is told why.")
    box = dee.task("Dispatch review, for public-works-dispatch")
    expect(box.get_by_label("Comment", exact=True)).to_have_accessible_description(
        re.compile("Enter a comment: the resident is told why."))
    expect(box.get_by_role("radio", name="Return to the resident for changes")).to_be_checked()
    comment = "Please say which side of the street it is on, and the nearest house number."
    dee.decide("return", comment)
    assert dee.status() == "Returned to the resident for changes"
    assert any(comment in row and email in row for row in dee.history())
    link = dee.return_link()
    assert fits_sideways(dee.page), "the submission page scrolls sideways on a phone"
    expect(dee.tasks()).to_have_count(0)  # no task open while returned

    # The resident follows the link, in their language, and sends changed answers.
    ana_page = open_page(javascript=javascript)
    ana = resident.Resident(ana_page, live_server, pothole, lang, {}, audit=axe.assert_accessible,
                            javascript=javascript)
    ana_page.goto(link)
    ana.audit_page(ana_page)
    if lang != "en":
        switch = ana_page.get_by_role("navigation", name="Language")
        press(ana_page, switch.get_by_role("link", name="Español", exact=True))
        ana.audit()
    new_location = "Outside 118 Oak Street, north side"
    assert fits_sideways(ana_page)
    answer_return(ana, comment, "location", new_location, returned)

    # Back to the approver: the changed answers are in, the step is open again; approve.
    dee.open_inbox()
    dee.filter_inbox(search=returned)
    dee.open_submission(returned)
    assert dee.status() == "Being reviewed"
    expect(dee.main).to_contain_text(new_location)
    assert any("The resident | Sent changed answers" in row for row in dee.history())
    before = dee.main.locator("details").filter(has_text="The answers before the changes")
    expect(before).to_have_count(1)
    expect(before).to_contain_text("Main Street and 3rd Avenue")
    dee.decide("approve")
    assert dee.status() == "Approved"
    assert any(f"{email} | Approved “Dispatch review” as public-works-dispatch" in row
               for row in dee.history())

    # Another one is rejected, with the reason.
    dee.open_inbox()
    dee.filter_inbox(form=pothole.title.get("en"))
    assert dee.references() == [rejected]
    dee.open_submission(rejected)
    reason = "This stretch is a private road; the owners' association repairs it."
    dee.decide("reject", reason)
    assert dee.status() == "Rejected"
    dee.open_inbox()
    assert dee.references() == [dog_ref]
    expect(dee.row(dog_ref)).to_contain_text(dog.title.get("en"))

    # The resident of the rejected one reads the outcome and the reason, not who decided.
    main = track(ana_page, live_server, rejected, RESIDENT_EMAIL, lang=lang,
                 audit=axe.assert_accessible)
    say = ana._
    expect(main).to_contain_text(say("Rejected"))
    expect(main).to_contain_text(reason)
    assert email not in main.inner_text()
    assert fits_sideways(ana_page), "/track scrolls sideways on a phone"

    dee.sign_out()
    dee.page.goto(f"{live_server}/staff/submissions/{returned}")
    dee.audit()
    expect(dee.heading()).to_have_text("Sign in")  # signed out: the page asks again


# --- 2. The special event permit through four offices --------------------------------------


def test_a_special_event_goes_through_four_offices(
        open_page: Callable[..., Any], live_server: str, app: Any, axe: Any,
        browser_checks: Any) -> None:
    """The issue's "done when": 600 people and a street closure go to the events office, then
    police and fire at once, then transportation, with a return for changes on the way; each
    step done by another person in their own browser; the resident follows it on /track."""
    from playwright.sync_api import expect

    form = FORMS["special-event-permit"]
    names = [step.name.get("en") for step in form.routing]
    office = staff_member(app, "olga.events@city.example", "special-events-office")
    police = staff_member(app, "pat.police@city.example", "police-events")
    fire = staff_member(app, "fay.fire@city.example", "fire-marshal")
    traffic = staff_member(app, "tom.traffic@city.example", "transportation-traffic")
    staff_emails = (office, police, fire, traffic)

    answers = {**resident.plan_answers(form), "attendees": 600, "street_closure": True,
               "amplified_sound": False, "alcohol": False}
    ana_page = open_page()
    ana = resident.Resident(ana_page, live_server, form, "en", answers,
                            audit=axe.assert_accessible, javascript=True, exercise_lists=False)
    reference = ana.complete()
    assert form.fields["closure_streets"].path in ana.answers

    looked_up: list[str] = []

    def tracked(status: str, expected: list[tuple[str, str]]) -> Any:
        """Look the submission up on /track (its empty form is audited the first time)."""
        main = track(ana_page, live_server, reference, RESIDENT_EMAIL, lang="en",
                     audit=axe.assert_accessible, audit_form=not looked_up)
        looked_up.append(status)
        expect(main.get_by_role("definition").filter(has_text=status)).to_have_count(1)
        shown = steps_shown(main)
        assert [(n, o.split(" Comment:")[0]) for n, o in shown] == expected, shown
        text = main.inner_text()
        assert not [e for e in staff_emails if e in text], "/track names a staff member"
        assert fits_sideways(ana_page), "/track scrolls sideways on a phone"
        return main

    review, approved = "Being reviewed", "Approved"
    tracked(review, [(names[0], review)])

    def signed_in(email: str) -> Approver:
        person = Approver(open_page(), live_server, email, audit=axe.assert_accessible)
        person.sign_in()
        return person

    # The events office asks for the closure's cross streets.
    olga = signed_in(office)
    olga.filter_inbox(search=reference)
    olga.open_submission(reference)
    comment = "Please name the cross streets at each end of the closure."
    olga.decide("return", comment)
    main = tracked("Returned to you for changes",
                   [(names[0], "Returned to you for changes")])
    expect(main).to_contain_text(comment)
    # /track only says the link was emailed: anyone who knows an address can ask it (issue
    # 12). Ana opens the link the staff page shows, the one her email carries.
    expect(main).to_contain_text("We emailed you a link to change your answers.")
    expect(main.get_by_role("link", name="Change your answers", exact=True)).to_have_count(0)
    ana_page.goto(olga.return_link())
    ana.audit()
    closure = "Oak Street from 1st Avenue to 3rd Avenue"
    answer_return(ana, comment, "closure_streets", closure, reference)
    tracked(review, [(names[0], "Returned to you for changes"), (names[0], review)])

    olga.page.reload()
    olga.audit()
    expect(olga.main).to_contain_text(closure)
    olga.decide("approve")
    assert olga.status() == review
    expect(olga.main.get_by_role("list").filter(has_text=names[1])).to_contain_text(
        "police-events")
    tracked(review, [(names[0], "Returned to you for changes"), (names[0], approved),
                     (names[1], review)])

    # Police and fire review at the same time: both have the task until each approves.
    pat = signed_in(police)
    fay = signed_in(fire)
    assert pat.references() == [reference] and fay.references() == [reference]
    pat.open_submission(reference)
    fay.open_submission(reference)
    pat.decide("approve", task=f"{names[1]}, for police-events")
    expect(pat.tasks()).to_have_count(0)
    pat.open_inbox()
    assert pat.references() == []
    tracked(review, [(names[0], "Returned to you for changes"), (names[0], approved),
                     (names[1], review)])
    # Fire's page was drawn before police acted: police's approval of its own task does not
    # make fire's page stale, so fire approves without reloading.
    fay.decide("approve", task=f"{names[1]}, for fire-marshal")
    expect(fay.tasks()).to_have_count(0)
    tracked(review, [(names[0], "Returned to you for changes"), (names[0], approved),
                     (names[1], approved), (names[2], review)])

    tom = signed_in(traffic)
    tom.open_submission(reference)
    tom.decide("approve")
    assert tom.status() == approved
    history = tom.history()
    for email in staff_emails:
        assert any(email in row for row in history), f"{email} is not in the history"
    tracked(approved, [(names[0], "Returned to you for changes"), (names[0], approved),
                       (names[1], approved), (names[2], approved)])


# --- 3. The PDF of a submission ----------------------------------------------------------


def test_the_pdf_link_downloads_the_submissions_pdf(
        open_page: Callable[..., Any], live_server: str, app: Any, axe: Any) -> None:
    reference = sent_by_client(app, "pothole-report", size="small")
    dee = Approver(open_page(), live_server,
                   staff_member(app, "dee.dispatch@city.example", "public-works-dispatch"),
                   audit=axe.assert_accessible)
    dee.sign_in()
    dee.open_submission(reference)
    link = dee.pdf_link(reference)
    address = link.get_attribute("href")
    assert address
    response = dee.page.request.get(address if address.startswith("http")
                                    else live_server + address)
    assert response.status == 200, response.text()[:500]
    assert response.headers["content-type"].split(";")[0] == "application/pdf"
    assert f'filename="{reference}.pdf"' in response.headers.get("content-disposition", "")
    body = response.body()
    assert body[:5] == b"%PDF-" and b"%%EOF" in body[-1024:]
    # Strangers get the sign-in page, not the PDF.
    stranger = open_page()
    answer = stranger.request.get(live_server + address, max_redirects=0)
    assert answer.status == 302 and "/staff/sign-in" in answer.headers["location"]


# --- 4. The inbox on a desktop -----------------------------------------------------------


def test_the_inbox_on_a_desktop(open_page: Callable[..., Any], live_server: str, app: Any,
                                axe: Any) -> None:
    from playwright.sync_api import expect

    pothole, dog = FORMS["pothole-report"], FORMS["dog-license"]
    email = staff_member(app, "dee.dispatch@city.example", "public-works-dispatch",
                         "animal-services-clerk")
    potholes = [sent_by_client(app, "pothole-report", size="small") for _ in range(2)]
    dog_ref = sent_by_client(app, "dog-license")
    dee = Approver(open_page(desktop=True), live_server, email, audit=axe.assert_accessible)
    dee.sign_in()
    assert dee.page.viewport_size["width"] == 1280
    assert set(dee.references()) == {*potholes, dog_ref}
    assert fits_sideways(dee.page)
    for header in ("Reference", "Form", "Step", "For", "Sent", "Due", "Claimed by"):
        expect(dee.main.get_by_role("columnheader", name=header, exact=True)).to_be_visible()

    vaccination = dog.routing[0].name.get("en")
    dee.filter_inbox(step=vaccination)
    assert dee.references() == [dog_ref]
    expect(dee.row(dog_ref)).to_contain_text("Nobody")

    dee.open_submission(dog_ref)
    dee.claim()
    expect(dee.task()).to_contain_text("You have claimed this task.")
    dee.open_inbox()
    dee.filter_inbox(status="Claimed by me")
    assert dee.references() == [dog_ref]
    expect(dee.row(dog_ref)).to_contain_text("You")

    dee.filter_inbox(status="All open tasks", form=pothole.title.get("en"), search=potholes[1])
    assert dee.references() == [potholes[1]]
    dee.filter_inbox(search="no such thing anywhere")
    assert dee.references() == []
    expect(dee.main).to_contain_text("No tasks match.")
