"""Return for changes, end to end: staff return, the resident's signed link, resubmission into
the same reference, /track's steps in Spanish; and the special event permit's whole routing."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from example_forms import example
from resident import Upload, plan_answers, post_items, submit_with_client
from sqlalchemy import select
from staff import SECRET_KEY, StaffActions, csrf_token, make_staff
from werkzeug.datastructures import MultiDict

import schemas
from formbuilder.models import Event, Submission
from formbuilder.services import publishing, routing

EMAIL = "ana@example.org"


@pytest.fixture
def form():
    return example("special-event-permit")


@pytest.fixture
def published_forms(form):
    return [form]


@pytest.fixture
def answers(form):
    planned = plan_answers(form)
    planned.update(email=EMAIL, attendees=600, street_closure=True, alcohol=False,
                   amplified_sound=False, location="Riverside Park")
    return planned


@pytest.fixture
def crew(db):
    people = {"eve": ["special-events-office"], "pia": ["police-events"],
              "fay": ["fire-marshal"], "tom": ["transportation-traffic"],
              "tia": ["transportation-traffic"]}
    for name, roles in people.items():
        make_staff(db, f"{name}@city.gov", roles)
    return people


def clerk(app, name) -> StaffActions:
    actions = StaffActions(app.test_client())
    actions.sign_in(f"{name}@city.gov")
    return actions


def decide(person: StaffActions, reference, step, role, decision, comment="", status=302):
    page = person.client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    length = re.search(r'name="history_length" value="(\d+)"', page).group(1)
    response = person.client.post(f"/staff/submissions/{reference}/decide", data={
        "csrf_token": csrf_token(page), "history_length": length, "step": str(step),
        "role": role, "decision": decision, "comment": comment})
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return person.client.get(f"/staff/submissions/{reference}").get_data(as_text=True)


def change_answer(client, form, answers, page_index, **changes):
    """Post one page of the prefilled draft with some answers changed, as "Change" does."""
    answers = {**answers, **changes}
    page = client.get(f"/forms/{form.id}/{page_index + 1}?change=1").get_data(as_text=True)
    data = [("csrf_token", csrf_token(page))]
    for name in form.pages[page_index].fields:
        if name in answers and name in form.fields:
            data += post_items(form, form.fields[name], name, answers[name])
    posted = MultiDict([(k, (io.BytesIO(v.data), v.name, v.media_type))
                        if isinstance(v, Upload) else (k, v) for k, v in data])
    response = client.post(f"/forms/{form.id}/{page_index + 1}?change=1", data=posted,
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def send(client, form_id):
    page = client.get(f"/forms/{form_id}/check").get_data(as_text=True)
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    return client.post(f"/forms/{form_id}/submit", data={"csrf_token": csrf_token(page),
                                                         "key": key})


def track(client, reference, lang="en") -> str:
    page = client.get(f"/track?lang={lang}").get_data(as_text=True)
    response = client.post("/track", data={"csrf_token": csrf_token(page),
                                           "reference": reference, "email": EMAIL})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def link_from(page: str) -> str:
    return re.search(r'href="http://localhost(/returned/[^"]+)"', page).group(1)


def history(db, reference) -> list[tuple[str, str, dict]]:
    with db.session(readonly=True) as session:
        found = session.scalars(select(Submission).where(
            Submission.reference == reference)).one()
        return [(e.kind, e.actor, e.data) for e in session.scalars(
            select(Event).where(Event.submission_id == found.id).order_by(Event.id))]


def test_the_special_event_permit_goes_through_every_office(app, db, form, answers, crew):
    resident = app.test_client()
    reference = submit_with_client(resident, form, answers)
    eve, pia, fay, tom, tia = (clerk(app, n) for n in ("eve", "pia", "fay", "tom", "tia"))

    page = decide(eve, reference, 0, "special-events-office", "approve")
    assert "Police and fire review, for police-events" in page
    # Police and fire in parallel: either order, each by its own person.
    decide(fay, reference, 1, "fire-marshal", "approve")
    page = decide(pia, reference, 1, "police-events", "approve")
    assert "Transportation review, for transportation-traffic" in page
    page = decide(tom, reference, 2, "transportation-traffic", "return",
                  "Close only the east lane of River Rd, not the whole street.")
    assert "Send this link to the resident" in page

    resident.get(link_from(page))
    opened = resident.get(link_from(page)).get_data(as_text=True)
    assert "Close only the east lane of River Rd" in opened
    response = resident.post(link_from(page), data={"csrf_token": csrf_token(opened)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/check")
    closure_page = next(i for i, p in enumerate(form.pages) if "closure_streets" in p.fields)
    change_answer(resident, form, answers, closure_page,
                  closure_streets="River Rd east lane, from 1st St to 3rd St")
    done = send(resident, form.id)
    assert done.status_code == 302 and reference in done.headers["Location"]

    # The same step starts again, for a different member of the same team.
    decide(tia, reference, 2, "transportation-traffic", "approve")
    assert history(db, reference)[-1][:2] == ("approved", "tia@city.gov")
    with db.session(readonly=True) as session:
        found = session.scalars(select(Submission).where(
            Submission.reference == reference)).one()
        assert found.status == "approved"
        assert found.answers["closure_streets"].startswith("River Rd east lane")
    actors = [actor for kind, actor, _ in history(db, reference) if kind == "approved"]
    assert actors == ["eve@city.gov", "fay@city.gov", "pia@city.gov", "tia@city.gov"]
    kinds = [kind for kind, _, _ in history(db, reference)]
    assert kinds.count("resubmitted") == 1 and kinds.count("returned") == 1

    page = track(resident, reference)
    assert "Approved" in page and "Transportation review" in page
    assert "@city.gov" not in page  # residents never see who on the staff acted


def test_the_return_round_trip_keeps_the_reference_and_both_answers(app, db, form, answers,
                                                                     crew):
    resident = app.test_client()
    reference = submit_with_client(resident, form, answers)
    eve = clerk(app, "eve")
    page = decide(eve, reference, 0, "special-events-office", "return",
                  "Add the park's gate number.")
    link = link_from(page)
    opened = resident.get(link).get_data(as_text=True)
    resident.post(link, data={"csrf_token": csrf_token(opened)})
    where = next(i for i, p in enumerate(form.pages) if "location" in p.fields)
    change_answer(resident, form, answers, where, location="Riverside Park, gate 4")
    assert send(resident, form.id).status_code == 302

    with db.session(readonly=True) as session:
        assert session.scalars(select(Submission.reference)).all() == [reference]
    resubmitted = [data for kind, _, data in history(db, reference) if kind == "resubmitted"]
    assert resubmitted[0]["previous_answers"]["location"] == "Riverside Park"
    assert history(db, reference)[-1][0] == "step_started"
    # Single use: the link is closed once the changes are sent.
    closed = resident.get(link)
    assert closed.status_code == 404
    assert "This link no longer works" in closed.get_data(as_text=True)
    # The staff page shows both versions.
    page = eve.client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert "Riverside Park, gate 4" in page and "The answers before the changes" in page


def test_a_forged_or_expired_link_is_refused(app, db, form, answers, crew):
    resident = app.test_client()
    reference = submit_with_client(resident, form, answers)
    page = decide(clerk(app, "eve"), reference, 0, "special-events-office", "return", "Why?")
    token = link_from(page).rsplit("/", 1)[1]
    assert routing.read_return_token(token, SECRET_KEY) is not None
    assert routing.read_return_token(token, "another-key") is None
    assert routing.read_return_token(token, SECRET_KEY, max_age=timedelta(seconds=-1)) is None
    assert resident.get(f"/returned/{token[:-3]}xyz").status_code == 404


def test_track_in_spanish_shows_the_steps_and_the_return_comment(app, db, form, answers, crew):
    resident = app.test_client()
    reference = submit_with_client(resident, form, answers)
    decide(clerk(app, "eve"), reference, 0, "special-events-office", "approve",
           comment="staff-only note")
    decide(clerk(app, "pia"), reference, 1, "police-events", "return",
           "Indique dónde estarán las barreras.")
    page = track(resident, reference, lang="es")
    assert "Revisión de la Oficina de Eventos Especiales" in page
    assert "Revisión de policía y bomberos" in page
    assert "Pasos" in page and "Aprobada" in page and "Se le devolvió" in page
    assert "Indique dónde estarán las barreras." in page
    assert "staff-only note" not in page and "@city.gov" not in page
    # The link travels only by email: anyone who knows an address can ask /track (issue 12).
    assert "/returned/" not in page


def test_changes_to_a_return_stay_on_the_submissions_version_after_a_newer_one(
        app, db, form, answers, crew):
    """A newer version (here: one more required question, and closed) does not change what a
    resident answering a return is asked, nor the version the answers are checked against."""
    resident = app.test_client()
    reference = submit_with_client(resident, form, answers)
    page = decide(clerk(app, "eve"), reference, 0, "special-events-office", "return",
                  "Add the park's gate number.")
    newer = dict(form.definition, open_until="2000-01-01")
    newer["schema"] = dict(newer["schema"], required=[*newer["schema"].get("required", []),
                                                      "badge_number"])
    newer["schema"]["properties"] = dict(newer["schema"]["properties"], badge_number={
        "type": "string", "title": "Your vendor badge number",
        "title_es": "Su número de credencial de vendedor"})
    first_page = dict(newer["ui"]["pages"][0])
    first_page["fields"] = [*first_page["fields"], "badge_number"]
    newer["ui"] = dict(newer["ui"], pages=[first_page, *newer["ui"]["pages"][1:]])
    with db.session() as session:
        version, created = publishing.publish(session, schemas.load_definition(newer))
    assert created and version.number == 2
    app.extensions.pop("published_versions", None)  # as another process would see it
    assert "closed" in resident.get(f"/forms/{form.id}").get_data(as_text=True).lower()

    link = link_from(page)
    opened = resident.get(link).get_data(as_text=True)
    resident.post(link, data={"csrf_token": csrf_token(opened)})
    where = next(i for i, p in enumerate(form.pages) if "location" in p.fields)
    first = resident.get(f"/forms/{form.id}/1").get_data(as_text=True)
    assert "vendor badge number" not in first
    change_answer(resident, form, answers, where, location="Riverside Park, gate 4")
    assert send(resident, form.id).status_code == 302

    with db.session(readonly=True) as session:
        found = session.scalars(select(Submission).where(
            Submission.reference == reference)).one()
        assert found.form_version.number == 1
        assert found.status == "in_review"
        assert found.answers["location"] == "Riverside Park, gate 4"
        assert "badge_number" not in found.answers


def test_colleagues_approving_a_parallel_step_side_by_side_need_not_reload(
        app, db, form, answers, crew):
    resident = app.test_client()
    reference = submit_with_client(resident, form, answers)
    decide(clerk(app, "eve"), reference, 0, "special-events-office", "approve")
    pia, fay = clerk(app, "pia"), clerk(app, "fay")
    pages = {who: who.client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
             for who in (pia, fay)}

    def post(who, role, page=None):
        page = page or pages[who]
        length = re.search(r'name="history_length" value="(\d+)"', page).group(1)
        return who.client.post(f"/staff/submissions/{reference}/decide", data={
            "csrf_token": csrf_token(page), "history_length": length, "step": "1",
            "role": role, "decision": "approve", "comment": ""})

    assert post(pia, "police-events").status_code == 302
    assert post(fay, "fire-marshal").status_code == 302  # drawn before police approved
    assert [(kind, actor) for kind, actor, _ in history(db, reference)
            if kind == "approved"][-2:] == [("approved", "pia@city.gov"),
                                             ("approved", "fay@city.gov")]
    assert history(db, reference)[-1][2]["step"] == 2  # transportation has started
    # The same stale page posted again is still refused, and records nothing.
    again = post(fay, "fire-marshal")
    assert again.status_code == 409
    assert "This submission changed since you opened it" in again.get_data(as_text=True)
    assert [kind for kind, _, _ in history(db, reference)].count("approved") == 3
