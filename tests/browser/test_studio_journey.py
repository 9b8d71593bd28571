"""A clerk builds a form in the studio alone, a publisher signs it off, a resident sends it,
and the clerk's next change reaches the publisher as plain words; axe on every page.

The clerk has JavaScript on (the studio's script only adds conveniences), the publisher and
the resident have it off, as every page must work without it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from approver import Approver, press
from playwright.sync_api import expect
from staff import make_staff

from formbuilder.services import studio_grants

CLERK, PUBLISHER = "carla.clerk@city.example", "pat.publisher@city.example"
FORM_ID = "report-a-pothole-near-a-school"

NEW_QUESTION = """    near_school:
      type: boolean
      title: Is it near a school?
"""
NEW_STEP = """  - step: Schools liaison
    step_es: Enlace con las escuelas
    when: near_schol
    assign: schools-liaison
    due: 3 days
"""


def give(app: Any, email: str, grants: str, roles: tuple[str, ...] = ()) -> None:
    make_staff(app.extensions["db"], email, roles)
    from sqlalchemy import select

    from formbuilder.models import User

    with app.extensions["db"].session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        studio_grants.set_grants(session, user, studio_grants.parse_grants(grants))


@pytest.fixture
def people(app: Any, open_page: Any, live_server: str, axe: Any) -> tuple[Approver, Approver]:
    give(app, CLERK, "author of Public Works")
    give(app, PUBLISHER, "publisher")
    make_staff(app.extensions["db"], "sol.liaison@city.example", ["schools-liaison"])
    clerk = Approver(open_page(javascript=True), live_server, CLERK, audit=axe.assert_accessible)
    publisher = Approver(open_page(javascript=False), live_server, PUBLISHER,
                         audit=axe.assert_accessible)
    return clerk, publisher


def studio_tab(person: Approver, name: str) -> None:
    tabs = person.page.get_by_role("navigation", name="This form")
    person.press(tabs.get_by_role("link", name=name, exact=True))


def save(clerk: Approver, text: str) -> None:
    clerk.main.get_by_label("The form file (YAML or JSON)").fill(text)
    clerk.press(clerk.button("Save and check"))


def test_a_clerk_builds_tests_and_publishes_a_form_with_a_publishers_sign_off(
        people: tuple[Approver, Approver], open_page: Any, live_server: str, axe: Any) -> None:
    clerk, publisher = people
    clerk.sign_in()
    staff_nav = clerk.page.get_by_role("navigation", name="Staff")
    clerk.press(staff_nav.get_by_role("link", name="Forms", exact=True))
    expect(clerk.heading()).to_have_text("Forms")
    clerk.press(clerk.main.get_by_role("link", name="Make a new form"))

    # From the pothole example, with an id suggested from the title.
    clerk.main.get_by_label("An example form").check()
    clerk.main.get_by_label("Title").fill("Report a pothole near a school")
    clerk.main.get_by_label("Example form (when starting from an example)").select_option(
        label="Report a pothole")
    clerk.press(clerk.button("Make the form"))
    expect(clerk.heading()).to_have_text("Edit the form")
    expect(clerk.main).to_contain_text("No problems: the form can be published")

    # A question with a condition on the route, a Spanish title missing and a typo.
    source = clerk.main.get_by_label("The form file (YAML or JSON)").input_value()
    assert f"id: {FORM_ID}" in source
    text = source.replace("    name:\n", NEW_QUESTION + "    name:\n", 1)
    text = text.replace("      fields: [location, position]",
                        "      fields: [location, position, near_school]", 1)
    text = text.replace("\nnotify:", NEW_STEP + "\nnotify:", 1)
    save(clerk, text)
    problems = clerk.main.locator("#problems")
    expect(problems).to_contain_text("problems to fix before publishing")
    expect(problems).to_contain_text("Did you mean `near_school`?")
    expect(problems).to_contain_text("title_es")
    clerk.press(problems.get_by_role("link", name="What the guide says").first)
    expect(clerk.main).to_contain_text("Examples to copy")
    clerk.page.go_back()
    clerk.page.reload()
    clerk.audit()

    text = text.replace("when: near_schol", "when: near_school").replace(
        "      title: Is it near a school?\n",
        "      title: Is it near a school?\n      title_es: ¿Está cerca de una escuela?\n")
    save(clerk, text)
    expect(clerk.main.locator("#problems")).to_contain_text("No problems")

    # Preview in Spanish at phone width, filled in up to Check your answers.
    studio_tab(clerk, "Preview")
    clerk.main.get_by_label("Language").select_option("es")
    clerk.main.get_by_label("Width").select_option("phone")
    clerk.press(clerk.button("Show the preview"))
    frame_element = clerk.main.locator("iframe")
    expect(frame_element).to_have_attribute("title", re.compile("Español, phone width"))
    assert frame_element.bounding_box()["width"] <= 400
    frame = clerk.page.frame_locator("iframe")
    expect(frame.get_by_role("heading", level=1)).to_have_text("¿Dónde está?")
    frame.get_by_label("¿Dónde está el bache?").fill("Escuela Lincoln, 5th Avenue")
    frame.get_by_role("group", name="¿Está cerca de una escuela?").get_by_label("Sí").check()
    frame.get_by_role("button", name="Continuar", exact=True).click()
    expect(frame.get_by_role("heading", level=1)).to_have_text("Sobre el bache")
    frame.get_by_label("Más pequeño que un plato").check()
    frame.get_by_role("button", name="Continuar", exact=True).click()
    frame.get_by_label("Su correo electrónico").fill("ana@example.org")
    frame.get_by_role("button", name="Continuar", exact=True).click()
    expect(frame.get_by_role("heading", level=1)).to_contain_text("Revise sus respuestas")
    expect(frame.get_by_role("main")).to_contain_text("Escuela Lincoln, 5th Avenue")
    clerk.audit()

    # The route of those answers.
    studio_tab(clerk, "Test the route")
    clerk.main.get_by_label("My answers in the preview").check()
    clerk.press(clerk.button("Show the route"))
    route = clerk.main.get_by_role("list").filter(has_text="Schools liaison")
    expect(route).to_contain_text("Schools liaison: runs: `near_school` is true")
    expect(route).to_contain_text("sol.liaison@city.example")
    expect(route).to_contain_text("Supervisor approval: skipped: `size is \"large\" or "
                                  "lanes_blocked` is false")

    studio_tab(clerk, "Publish")
    expect(clerk.main).to_contain_text("A new form: “Report a pothole near a school”")
    clerk.ask_for_publication("Schools asked for it")

    # The publisher reads the same changes and signs off.
    publisher.sign_in()
    publisher.page.goto(f"{publisher.base_url}/staff/forms?status=asked")
    publisher.audit()
    publisher.press(publisher.main.get_by_role("link", name="Report a pothole near a school"))
    studio_tab(publisher, "Publish")
    expect(publisher.main).to_contain_text("Schools asked for it")
    publisher.sign_off_and_publish()

    # A resident sends it.
    resident = open_page(javascript=False)
    resident.goto(f"{live_server}/forms/{FORM_ID}")
    axe.assert_accessible(resident)
    main = resident.get_by_role("main")
    main.get_by_label("Where is the pothole?").fill("Lincoln School, 5th Avenue")
    main.get_by_role("group", name="Is it near a school?").get_by_label("Yes").check()
    for label in (None, "Smaller than a dinner plate", "Your email address"):
        if label == "Your email address":
            main.get_by_label(label).fill("ana@example.org")
        elif label:
            main.get_by_label(label).check()
        press(resident, main.get_by_role("button", name="Continue", exact=True))
        axe.assert_accessible(resident)
    press(resident, main.get_by_role("button", name="Send form"))
    axe.assert_accessible(resident)
    expect(main).to_contain_text(re.compile(r"PW-\d{4}-\d{6}"))

    # The clerk rewords a question; the publisher reads it in plain words.
    studio_tab(clerk, "Edit")
    source = clerk.main.get_by_label("The form file (YAML or JSON)").input_value()
    save(clerk, source.replace("title: Is it near a school?",
                               "title: Is it within 200 metres of a school?"))
    studio_tab(clerk, "Publish")
    clerk.press(clerk.button("Ask for publication"))
    publisher.page.reload()
    publisher.audit()
    expect(publisher.main).to_contain_text(
        "Reworded: “Is it near a school?” is now “Is it within 200 metres of a school?” "
        "(`near_school`).")
    studio_tab(publisher, "History")
    expect(publisher.main).to_contain_text(f"asked by {CLERK}")
    expect(publisher.main).to_contain_text(f"signed off by {PUBLISHER}")
    publisher.page.goto(f"{publisher.base_url}/staff/forms/guide")
    publisher.audit()
