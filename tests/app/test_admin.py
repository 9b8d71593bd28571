"""The admin page for staff accounts, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from form_definitions import form_definition
from html_checks import Page
from staff import DEFAULT_PASSWORD, StaffActions, csrf_token, make_staff

import schemas
from formbuilder.services import accounts, publishing

USERS = "/staff/admin/users"


@pytest.fixture
def admin(db, staff):
    make_staff(db, "boss@city.gov", admin=True, name="Bo Boss")
    staff.sign_in("boss@city.gov")
    return staff


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post(client, url: str, data: dict, *, page: str | None = None):
    """Post a form of the page at ``url`` (or of ``page``), with its CSRF token."""
    token = csrf_token(page or page_of(client, USERS))
    return client.post(url, data={"csrf_token": token, **data})


def user_id(db, email: str) -> int:
    with db.session() as session:
        return accounts.find_user(session, email).id


def test_the_list_shows_every_account_with_its_roles(db, client, admin):
    make_staff(db, "ada@city.gov", ["police-events", "fire-marshal"])
    make_staff(db, "gone@city.gov", ["parks"])
    with db.session() as session:
        accounts.deactivate(session, accounts.find_user(session, "gone@city.gov"))
    page = page_of(client, USERS)
    rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split())
            for r in re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]]
    assert rows[0].startswith("ada@city.gov Ada fire-marshal, police-events Staff Never")
    assert rows[1].startswith("boss@city.gov Bo Boss — Admin")
    assert rows[2].startswith("gone@city.gov Gone parks Deactivated")
    Page(page).check()


def test_staff_who_are_not_admins_get_403(db, client, staff):
    make_staff(db, "ada@city.gov", ["police-events"])
    staff.sign_in("ada@city.gov")
    target = user_id(db, "ada@city.gov")
    token = csrf_token(page_of(client, "/track"))
    assert client.get(USERS).status_code == 403
    assert client.get(f"{USERS}/{target}").status_code == 403
    for url in (USERS, f"{USERS}/{target}", f"{USERS}/{target}/deactivate"):
        assert client.post(url, data={"csrf_token": token, "email": "x@city.gov",
                                      "roles": "police-events", "admin": "1"}).status_code == 403
    with db.session() as session:
        assert not accounts.find_user(session, "ada@city.gov").is_admin
        assert accounts.find_user(session, "x@city.gov") is None


def test_people_not_signed_in_are_sent_to_sign_in(client):
    response = client.get(USERS)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/sign-in?next=")
    assert client.post(USERS, data={"email": "x@city.gov"}).status_code == 302


def test_an_admin_adds_a_staff_member_who_can_then_sign_in(db, app, client, admin):
    response = post(client, USERS, {"email": "Ada@City.gov", "name": "Ada Lovelace",
                                    "roles": "police-events, fire-marshal",
                                    "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    page = page_of(client, USERS)
    assert "The account of ada@city.gov was created." in page
    assert "fire-marshal, police-events" in page
    ada = StaffActions(app.test_client())
    ada.sign_in("ada@city.gov")
    assert ada.client.get(USERS).status_code == 403


def test_mistakes_are_listed_and_the_answers_kept(db, client, admin):
    response = post(client, USERS, {"email": "", "name": "Ada", "roles": "police events!",
                                    "password": "short"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = re.search(r'<ul class="error-summary__list">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'href="#(\w+)"', summary) == ["email", "roles", "password"]
    assert "Enter the staff member&#39;s email address." in page
    assert "is not a role name" in page and "at least 12 characters" in page
    assert 'value="police events!"' in page and 'value="short"' not in page
    Page(page).check()


def test_a_second_account_for_the_same_email_is_refused(db, client, admin):
    response = post(client, USERS, {"email": "BOSS@city.gov", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "There is already an account for boss@city.gov." in response.get_data(as_text=True)


def test_hostile_names_and_emails_are_escaped(db, client, admin):
    hostile_email = '"><svg/onload=alert(1)>@evil.gov'
    # Not an address mail can reach (the one email check, schemas/emails.py): refused, and
    # the page that says so shows it escaped.
    response = post(client, USERS, {"email": hostile_email, "name": "Hostile",
                                    "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    refusal = response.get_data(as_text=True)
    assert "<svg/onload" not in refusal
    assert "&#34;&gt;&lt;svg/onload=alert(1)&gt;@evil.gov" in refusal
    response = post(client, USERS, {"email": "hostile@evil.gov",
                                    "name": "<script>alert('name')</script>",
                                    "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    page = page_of(client, USERS)
    assert "<script>alert" not in page and "<svg/onload" not in page
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page
    edit = page_of(client, f"{USERS}/{user_id(db, 'hostile@evil.gov')}")
    assert "<svg/onload" not in edit and "<script>alert" not in edit
    refused = post(client, USERS, {"email": "x@city.gov", "roles": "<img src=x>"})
    assert "<img src=x>" not in refused.get_data(as_text=True)


def test_an_admin_changes_roles_and_is_told_about_unknown_ones(db, client, admin):
    with db.session() as session:
        publishing.publish(session, schemas.load_definition(form_definition(
            routing=[{"step": "Safety", "all_of": ["police-events", "fire-marshal"]}])))
    make_staff(db, "ada@city.gov", ["parks"])
    url = f"{USERS}/{user_id(db, 'ada@city.gov')}"
    edit = page_of(client, url)
    assert 'value="parks"' in edit
    Page(edit).check()
    response = post(client, url, {"roles": "police-event, fire-marshal"}, page=edit)
    assert response.status_code == 302
    page = page_of(client, USERS)
    assert "No published form&#39;s routing names the role “police-event”" in page
    assert "Did you mean `police-events`?" in page
    with db.session() as session:
        assert accounts.find_user(session, "ada@city.gov").roles == {"police-event",
                                                                    "fire-marshal"}


def test_an_admin_cannot_remove_their_own_admin_rights(db, client, admin):
    url = f"{USERS}/{user_id(db, 'boss@city.gov')}"
    response = post(client, url, {"roles": "parks"}, page=page_of(client, url))
    assert response.status_code == 400
    assert "You cannot take away your own admin rights" in response.get_data(as_text=True)
    with db.session() as session:
        boss = accounts.find_user(session, "boss@city.gov")
        assert boss.is_admin and boss.roles == frozenset()


def test_an_admin_sets_a_new_password_which_signs_the_person_out(db, app, client, admin):
    make_staff(db, "ada@city.gov", ["parks"])
    ada = StaffActions(app.test_client())
    ada.sign_in("ada@city.gov")
    url = f"{USERS}/{user_id(db, 'ada@city.gov')}"
    response = post(client, url, {"roles": "parks", "password": "a fresh start for ada"},
                    page=page_of(client, url))
    assert response.status_code == 302
    assert ada.client.get(USERS).status_code == 302  # signed out: back to the sign-in page
    ada.sign_in("ada@city.gov", "a fresh start for ada")


def test_deactivating_signs_the_person_out_and_keeps_them_out(db, app, client, admin):
    make_staff(db, "ada@city.gov", ["parks"])
    ada = StaffActions(app.test_client())
    ada.sign_in("ada@city.gov")
    target = user_id(db, "ada@city.gov")
    response = post(client, f"{USERS}/{target}/deactivate", {})
    assert response.status_code == 302
    assert "was deactivated" in page_of(client, USERS)
    assert ada.client.get(USERS).status_code == 302
    assert ada.sign_in("ada@city.gov", check=False).status_code == 400
    assert post(client, f"{USERS}/{target}/reactivate", {}).status_code == 302
    ada.sign_in("ada@city.gov")


def test_an_admin_cannot_deactivate_themselves(db, client, admin):
    url = f"{USERS}/{user_id(db, 'boss@city.gov')}"
    assert "Deactivate" not in page_of(client, url)
    response = post(client, f"{url}/deactivate", {})
    assert response.headers["Location"] == url
    assert "You cannot deactivate your own account" in page_of(client, url)
    with db.session() as session:
        assert accounts.find_user(session, "boss@city.gov").active


def test_every_post_needs_the_csrf_token(db, client, admin):
    make_staff(db, "ada@city.gov", ["parks"])
    target = user_id(db, "ada@city.gov")
    for url in (USERS, f"{USERS}/{target}", f"{USERS}/{target}/deactivate",
                f"{USERS}/{target}/reactivate"):
        assert client.post(url, data={"email": "x@city.gov", "roles": "police",
                                      "admin": "1"}).status_code == 400, url
    with db.session() as session:
        ada = accounts.find_user(session, "ada@city.gov")
        assert ada.active and ada.roles == {"parks"} and not ada.is_admin
        assert accounts.find_user(session, "x@city.gov") is None


def test_an_unknown_account_is_404(client, admin):
    assert client.get(f"{USERS}/999999").status_code == 404
