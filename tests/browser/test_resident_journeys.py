"""Residents fill in every example form in a phone's browser, by what the page shows.

Every example form, in each of its languages (English and Spanish), with JavaScript on and off:
answer each page by its labels (conditional questions appear after their controlling answer
with JavaScript; without it they are all shown, with a hint), continue page by page (the app
skips the pages whose ``when`` fails), change one answer from "Check your answers", send, and
get a reference number, which is stored with the resident's language. Every page seen is
audited with axe. Also: the catalogue search in Spanish on a phone, a page with errors, and
"Save and come back later" resumed in another browser.

With JavaScript on, a question decided by an answer on an earlier page must be shown (the
server knows whether it applies; the page's script could not): the journeys take the answers
that reveal the most, and a test walks each such form with JavaScript on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import resident

import schemas
from formbuilder.services import publishing

HERE = Path(__file__).resolve().parent
EXAMPLES = sorted((HERE.parents[1] / "examples").glob("*.yaml"))


FORMS = {path.stem: schemas.load(path) for path in EXAMPLES}
LANGUAGES = ("en", "es")
JOURNEYS = [pytest.param(form_id, lang, id=f"{form_id}-{lang}")
            for form_id, form in FORMS.items() for lang in form.languages if lang in LANGUAGES]


@pytest.fixture
def app(app_config: dict[str, Any]) -> Any:
    """The app with the example forms published."""
    from formbuilder.app import create_app

    app = create_app(app_config)
    with app.extensions["db"].session() as session:
        for form in FORMS.values():
            publishing.publish(session, form)
    return app


@pytest.fixture
def new_page(browser: Any, browser_context_args: dict[str, Any], browser_checks: Any,
             axe: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a brand-new context (no cookies): another browser, or another day."""
    contexts = []

    def open_page(*, javascript: bool = True) -> Any:
        options = {**browser_context_args, "java_script_enabled": javascript}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        axe.remember_context_options(context, options)
        browser_checks.watch(context, javascript)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def stored_submission(app: Any, reference: str) -> Any:
    from formbuilder.services import submissions

    with app.extensions["db"].session() as session:
        found = submissions.get_by_reference(session, reference)
        assert found is not None, f"{reference} is not stored"
        return found.form_id, found.language, dict(found.answers)


def same_page_conditionals(form: Any) -> bool:
    """Whether some conditional question sits on the same page as what controls it."""
    return any(resident.controllers_of(form, form.fields[name]) & set(page.fields)
               for page in form.pages for name in page.fields if name in form.fields)


DECIDED_EARLIER = [pytest.param(form_id, id=form_id) for form_id, form in FORMS.items()
                   if resident.decided_on_other_pages(form, resident.plan_answers(form))]


@pytest.mark.parametrize(("form_id", "lang"), JOURNEYS)
def test_a_resident_completes_the_form(any_page: Any, live_server: str, axe: Any, app: Any,
                                       form_id: str, lang: str) -> None:
    form = FORMS[form_id]
    javascript = axe.javascript_enabled(any_page)
    answers = resident.plan_answers(form)
    person = resident.Resident(any_page, live_server, form, lang, answers,
                               audit=axe.assert_accessible, javascript=javascript)

    reference = person.complete()

    assert re.fullmatch(rf"{form.reference_prefix}-[0-9]{{4}}-[0-9]{{6}}", reference)
    stored_form, stored_lang, stored_answers = stored_submission(app, reference)
    assert (stored_form, stored_lang) == (form_id, lang)
    if form.applicant_email:
        assert resident.answer_at(stored_answers, form.applicant_email) == \
            resident.answer_at(answers, form.applicant_email)
    changed = person.journey.changed
    assert changed is not None, "no answer could be changed"
    assert resident.answer_at(stored_answers, changed) == resident.answer_at(
        person.answers, changed)
    if javascript and same_page_conditionals(form):
        assert person.journey.revealed, "no conditional question appeared after an answer"
    if any(q.kind == "repeat" for q in form.fields.values()):
        assert person.journey.added_and_removed, "“Add another” and “Remove” were not tried"


@pytest.mark.parametrize("form_id", DECIDED_EARLIER)
def test_questions_decided_on_earlier_pages_are_shown_with_javascript(
        page: Any, live_server: str, axe: Any, form_id: str) -> None:
    """The answers that reveal the most: some question on a later page depends on them."""
    form = FORMS[form_id]
    answers = resident.plan_answers(form)
    assert resident.decided_on_other_pages(form, answers)
    person = resident.Resident(page, live_server, form, "en", answers,
                               audit=axe.assert_accessible, javascript=True,
                               exercise_lists=False)
    person.complete()


def test_a_resident_finds_the_pothole_form_in_spanish_on_a_phone(
        page: Any, live_server: str, axe: Any) -> None:
    """The issue's "done when": search the catalogue for "pothole" on a 390-pixel-wide phone,
    in Spanish, fill the form in and get a reference. (Without JavaScript the same form is
    filled in Spanish by ``test_a_resident_completes_the_form[nojs-pothole-report-es]``.)"""
    form = FORMS["pothole-report"]
    assert page.viewport_size["width"] == 390
    say = resident.gettext
    page.goto(f"{live_server}/?lang=es")
    axe.assert_accessible(page)
    page.get_by_label(say("es", "Search for a form")).fill("pothole")
    with page.expect_navigation():
        page.get_by_role("button", name=say("es", "Search"), exact=True).click()
    axe.assert_accessible(page)
    found = page.get_by_role("link", name=form.title.get("es"), exact=True)
    with page.expect_navigation():
        found.click()
    axe.assert_accessible(page)
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the form page scrolls sideways on a 390-pixel-wide phone"
    person = resident.Resident(page, live_server, form, "es", resident.plan_answers(form),
                               audit=axe.assert_accessible, javascript=True)
    reference = person.complete(open_form=False)
    assert re.fullmatch(r"PW-[0-9]{4}-[0-9]{6}", reference)


def test_a_page_with_errors_explains_them_and_keeps_the_answers(
        any_page: Any, live_server: str, axe: Any, browser_checks: Any) -> None:
    from playwright.sync_api import expect

    page = any_page
    form = FORMS["block-party-permit"]
    javascript = axe.javascript_enabled(page)
    page.goto(f"{live_server}/forms/{form.id}?lang=en")
    axe.assert_accessible(page)
    typed = {"email": "ana.garcia@", "phone": "12", "organizer_address": "120 Oak Street"}
    for name, text in typed.items():
        page.get_by_label(resident.name_pattern(form.fields[name].title.get("en"), "en")).fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    axe.assert_accessible(page)
    # The page with errors is answered 400, which Chromium logs; expected, so forgotten.
    browser_checks.flush()
    assert [e for e in browser_checks.console_errors if "status of 400" not in e] == []
    browser_checks.clear()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    if javascript:
        expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    wrong = ["organizer_name", "email", "phone"]
    expect(links).to_have_count(len(wrong))
    for number, name in enumerate(wrong):
        question = form.fields[name]
        box = page.get_by_label(resident.name_pattern(question.title.get("en"), "en"))
        link = links.nth(number)
        message = link.inner_text().strip()
        assert question.title.get("en") in message, (message, question.title.get("en"))
        target = link.get_attribute("href")
        assert target and target.startswith("#")
        assert box.get_attribute("id") == target[1:], "the error links to another element"
        expect(box).to_have_accessible_description(re.compile(re.escape(message)))
        link.click()
        expect(page).to_have_url(re.compile(re.escape(target) + "$"))
        expect(box).to_be_in_viewport()
        expect(box).to_be_focused()
    for name, text in typed.items():
        box = page.get_by_label(resident.name_pattern(form.fields[name].title.get("en"), "en"))
        expect(box).to_have_value(text)

    page.get_by_label(form.fields["organizer_name"].title.get("en")).fill("Ana García")
    page.get_by_label(form.fields["email"].title.get("en")).fill("ana.garcia@example.org")
    page.get_by_label(form.fields["phone"].title.get("en")).fill("217-555-0142")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    axe.assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(form.pages[1].title.get("en"))


def test_saved_answers_come_back_in_another_browser(
        any_page: Any, new_page: Callable[..., Any], live_server: str, axe: Any) -> None:
    from playwright.sync_api import expect

    page = any_page
    form = FORMS["pothole-report"]
    location = form.fields["location"].title.get("en")
    page.goto(f"{live_server}/forms/{form.id}?lang=en")
    axe.assert_accessible(page)
    page.get_by_label(location).fill("Main Street and 3rd Avenue")
    page.get_by_role("group", name=form.fields["position"].title.get("en")).get_by_role(
        "radio", name="In a bike lane").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and come back later").click()
    axe.assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been saved")
    link = page.get_by_role("main").get_by_role("link", name=re.compile("resume"))
    address = link.get_attribute("href")
    assert address and address == link.inner_text().strip()

    later = new_page(javascript=True)
    later.goto(address)
    axe.assert_accessible(later)
    expect(later.get_by_role("heading", level=1)).to_have_text(form.pages[0].title.get("en"))
    expect(later.get_by_label(location)).to_have_value("Main Street and 3rd Avenue")
    expect(later.get_by_role("radio", name="In a bike lane")).to_be_checked()
    with later.expect_navigation():
        later.get_by_role("button", name="Continue", exact=True).click()
    axe.assert_accessible(later)
    expect(later.get_by_role("heading", level=1)).to_have_text(form.pages[1].title.get("en"))
