"""The builder in Chromium (issue 14): a clerk builds the pothole report from nothing with the
builder only, and it behaves like examples/pothole-report.yaml; a clerk imports a fillable PDF
of 18 fields, fixes two labels and a publisher publishes it. axe on every page; the clerk has
JavaScript off, as every builder page must work without it.
"""

from __future__ import annotations

from typing import Any

import pytest
from approver import Approver
from builder_forms import differences
from example_forms import example
from pdf_forms import fillable_pdf
from playwright.sync_api import expect
from staff import make_staff

from formbuilder.services import publishing, studio_grants
from schemas import builder

CLERK, PUBLISHER = "carla.clerk@city.example", "pat.publisher@city.example"


def give(app: Any, email: str, grants: str) -> None:
    from sqlalchemy import select

    from formbuilder.models import User

    make_staff(app.extensions["db"], email)
    with app.extensions["db"].session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        studio_grants.set_grants(session, user, studio_grants.parse_grants(grants))


@pytest.fixture
def clerk(app: Any, open_page: Any, live_server: str, axe: Any) -> Approver:
    give(app, CLERK, "author of Public Works")
    person = Approver(open_page(javascript=False), live_server, CLERK,
                      audit=axe.assert_accessible)
    person.sign_in()
    return person


def new_form(clerk: Approver, how: str, title: str, form_id: str) -> None:
    clerk.page.goto(f"{clerk.base_url}/staff/forms/new")
    clerk.audit()
    clerk.main.get_by_label(how).check()
    clerk.main.get_by_label("Title").fill(title)
    clerk.main.get_by_label("Id (the form's address)").fill(form_id)


def add(clerk: Approver, kind: str, title: str, name: str, *, required: bool = False,
        choices: str = "", photo: bool = False) -> None:
    form = clerk.main.locator("#add-question")
    form.get_by_label("Kind of question").select_option(label=kind)
    form.get_by_label("The question, as residents will read it").fill(title)
    if required:
        form.get_by_label("Residents must answer it").check()
    form.locator("summary").click()
    form.get_by_label("Name in the data (optional)").fill(name)
    if choices:
        form.get_by_label("Choices, one per line (one choice and several choices)").fill(choices)
    if photo:
        form.get_by_label("Photo (jpg or png)").check()
    clerk.press(clerk.button("Add the question", form))
    expect(clerk.main.get_by_role("status")).to_contain_text(f"Added the question “{title}”.")


def change_question(clerk: Approver, title: str) -> None:
    clerk.press(clerk.main.get_by_role("link", name=f"Change “{title}”"))


def add_step(clerk: Approver, name: str, role: str, due: str, *, when: str = "",
             escalate: str = "") -> None:
    section = clerk.main.locator("section", has=clerk.page.locator("#routing-title"))
    details = section.locator("details").filter(has_text="Add a step")
    details.locator("summary").click()
    details.get_by_label("Step name").fill(name)
    details.get_by_label("Others (roles or email addresses, separated by commas)").fill(role)
    details.get_by_label("Due in (optional)").fill(due)
    details.get_by_label("Escalate to, when overdue (optional)").fill(escalate)
    details.get_by_label("Or type the condition").fill(when)
    clerk.press(clerk.button("Add the step", details))
    expect(clerk.main.get_by_role("status")).to_contain_text(f"Added the step “{name}”.")


def source_of(clerk: Approver) -> str:
    tabs = clerk.page.get_by_role("navigation", name="This form")
    clerk.press(tabs.get_by_role("link", name="Edit", exact=True))
    expect(clerk.main.locator("#problems")).to_contain_text("No problems")
    return clerk.main.get_by_label("The form file (YAML or JSON)").input_value()


def test_a_clerk_builds_the_pothole_report_from_nothing(clerk: Approver) -> None:
    new_form(clerk, "A blank form", "Report a pothole", "pothole-report")
    clerk.press(clerk.button("Make the form"))
    tabs = clerk.page.get_by_role("navigation", name="This form")
    clerk.press(tabs.get_by_role("link", name="Build", exact=True))
    expect(clerk.heading()).to_have_text("Build the form")

    change_question(clerk, "What is your email address?")
    clerk.main.get_by_label("The question").fill("Your email address")
    clerk.press(clerk.button("Save the words"))
    clerk.press(clerk.main.get_by_role("link", name="Back to all questions"))

    add(clerk, "Short answer (one line of text)", "Where is the pothole?", "location",
        required=True)
    add(clerk, "One choice from a list", "Which part of the street is it in?", "position",
        choices="In a traffic lane [traffic_lane]\nIn a bike lane [bike_lane]\n"
        "In a crosswalk [crosswalk]\nNext to the curb [curb]\nIn an alley [alley]")
    add(clerk, "One choice from a list", "How big is it?", "size", required=True,
        choices="Smaller than a dinner plate [small]\nAbout as wide as a car tire [medium]\n"
        "Wider than a car tire [large]")
    add(clerk, "Yes or no", "Is it blocking a lane?", "lanes_blocked", required=True)
    add(clerk, "File upload", "Photo (optional)", "photo", photo=True)
    add(clerk, "Short answer (one line of text)", "Your name (optional)", "name")
    add(clerk, "Phone number", "Your phone number (optional)", "phone")

    # Ask only if the pothole is medium or large, from the menus.
    change_question(clerk, "Is it blocking a lane?")
    clerk.main.get_by_label("Question", exact=True).select_option(label="How big is it?")
    clerk.main.get_by_label("Comparison").select_option(label="is")
    clerk.main.get_by_label("Answer", exact=True).fill("medium, large")
    clerk.press(clerk.button("Ask it only then"))
    expect(clerk.main).to_contain_text("Answer only if you answered “About as wide as a car "
                                       "tire” or “Wider than a car tire” to “How big is it?”.")
    expect(clerk.main).to_contain_text('size in ["medium", "large"]')
    clerk.press(clerk.main.get_by_role("link", name="Back to all questions"))

    # Pages: the first two made from the one-page form, then put in order.
    page_form = clerk.main.locator("section", has=clerk.page.locator("#add-page-title"))
    for title, questions in (("Where is it?", ["Where is the pothole?",
                                               "Which part of the street is it in?"]),
                             ("About the pothole", ["How big is it?", "Is it blocking a lane?",
                                                    "Photo (optional)"])):
        page_form.get_by_label("Page title").fill(title)
        for question in questions:
            page_form.get_by_label(question, exact=True).check()
        clerk.press(clerk.button("Add the page", page_form))
    clerk.press(clerk.button("Up (move page 3 up)"))
    clerk.press(clerk.button("Down (move “Your email address” down)"))
    clerk.press(clerk.button("Up (move “Is it blocking a lane?” up)"))
    expect(clerk.main.locator("#page-1")).to_contain_text("About the pothole")

    add_step(clerk, "Dispatch review", "public-works-dispatch", "8 hours")
    add_step(clerk, "Site check", "street-inspector", "2 days",
             when='photo is not set and size is not "small"')
    add_step(clerk, "Supervisor approval", "public-works-supervisor", "1 day",
             when='size is "large" or lanes_blocked',
             escalate="public-works-director@example.gov")
    notify = clerk.main.locator("section", has=clerk.page.locator("#notify-title"))
    for event, who in (("submit", ["applicant"]), ("decision", ["applicant"]),
                       ("return", ["applicant"]), ("overdue", ["assignees"])):
        notify.locator("summary").click()
        form = notify.locator("form").filter(has=clerk.page.get_by_role(
            "button", name=f"Save who is told: {event}", exact=True))
        for name in who:
            form.get_by_label(name, exact=True).check()
        if event == "overdue":
            form.get_by_label("Others (roles or email addresses, separated by commas)").fill(
                "public-works-supervisor")
        clerk.press(clerk.button(f"Save who is told: {event}", form))

    # Undo takes back a change, and the source shows what the builder wrote.
    add(clerk, "Date", "When did you see it?", "seen_on")
    clerk.press(clerk.button("Undo the last change (Added the question “When did you see "
                             "it?”.)"))
    expect(clerk.main.get_by_role("status")).to_contain_text("Undid: Added the question")
    questions = clerk.main.locator("section", has=clerk.page.locator("#questions-title"))
    expect(questions).not_to_contain_text("When did you see it?")
    made = builder.checked(source_of(clerk), "pothole-report.yaml")[0]
    assert made is not None
    assert differences(made, example("pothole-report")) == []


@pytest.fixture
def publisher(app: Any, open_page: Any, live_server: str, axe: Any) -> Approver:
    give(app, PUBLISHER, "publisher")
    return Approver(open_page(javascript=False), live_server, PUBLISHER,
                    audit=axe.assert_accessible)


def test_a_clerk_imports_a_fillable_pdf_fixes_two_labels_and_it_is_published(
        clerk: Approver, publisher: Approver, tmp_path: Any, app: Any) -> None:
    pdf = tmp_path / "sidewalk-repair.pdf"
    pdf.write_bytes(fillable_pdf())
    new_form(clerk, "The city's paper form (a PDF)", "", "sidewalk-repair")
    clerk.main.get_by_label("The form's PDF (when importing a paper form)").set_input_files(pdf)
    clerk.press(clerk.button("Make the form"))
    expect(clerk.heading()).to_have_text("Build the form")
    expect(clerk.main).to_contain_text("18 questions imported; 5 took their text from nearby "
                                       "words.")
    expect(clerk.main).to_contain_text("(field Text17) took its text from nearby words")
    link = clerk.main.get_by_role("link", name="Open the PDF (in a new tab) to compare it "
                                               "side by side")
    response = clerk.page.request.get(clerk.base_url + link.get_attribute("href"))
    assert response.status == 200 and response.body() == fillable_pdf()

    for old, new in (("Other details", "Anything else we should know?"),
                     ("Phone number", "What is your phone number?")):
        change_question(clerk, old)
        clerk.main.get_by_label("The question").fill(new)
        clerk.press(clerk.button("Save the words"))
        expect(clerk.heading()).to_have_text(new)
        clerk.press(clerk.main.get_by_role("link", name="Back to all questions"))

    tabs = clerk.page.get_by_role("navigation", name="This form")
    clerk.press(tabs.get_by_role("link", name="Publish", exact=True))
    clerk.ask_for_publication("The paper form, online")

    publisher.sign_in()
    publisher.page.goto(f"{publisher.base_url}/staff/forms/sidewalk-repair/publish")
    publisher.audit()
    expect(publisher.main).to_contain_text("A new form: “Sidewalk repair request” with 18 "
                                           "questions")
    publisher.sign_off_and_publish()
    with app.extensions["db"].session(readonly=True) as session:
        live = publishing.form_of(publishing.latest_version(session, "sidewalk-repair"))
    titles = {found.title.default for found in live.fields.values()}
    assert {"Anything else we should know?", "What is your phone number?"} <= titles
    assert not {"Other details", "Phone number"} & titles
