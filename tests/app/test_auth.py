"""Staff sign-in and sign-out through the real pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from staff import DEFAULT_PASSWORD, StaffActions, csrf_token, make_staff

from formbuilder.models import User
from formbuilder.services import accounts
from formbuilder.views.auth import safe_next


class Clock:
    """The app's idea of now, moved on by the test instead of by sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app_config(clock):
    return {"NOW": clock}


def landing(client) -> str:
    """Where staff go after signing in: the inbox, when the app has one."""
    return "/staff" if "staff.inbox" in client.application.view_functions else \
        "/staff/admin/users"


def signed_in_as(client) -> str | None:
    """Who the app thinks is signed in, asked through a page only staff may open."""
    response = client.get("/staff/admin/users")
    if response.status_code == 302:
        return None
    return response.status_code


def row(db, email: str) -> User:
    with db.session() as session:
        return accounts.find_user(session, email)


def test_sign_in_with_the_right_password(db, client, staff, clock):
    make_staff(db, "ada@city.gov", admin=True)
    response = staff.sign_in("Ada@City.gov")
    assert response.headers["Location"] == landing(client)
    assert client.get("/staff/admin/users").status_code == 200
    assert row(db, "ada@city.gov").last_login_at == clock.now


def test_a_wrong_password_is_refused_in_plain_words(db, client, staff, caplog):
    make_staff(db, "ada@city.gov", admin=True)
    with caplog.at_level(logging.WARNING):
        response = staff.sign_in("ada@city.gov", "not the right password", check=False)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The email address or password is not right" in page
    assert 'value="ada@city.gov"' in page and "not the right password" not in page
    assert signed_in_as(client) is None
    assert any("wrong password" in r.getMessage() for r in caplog.records)
    assert row(db, "ada@city.gov").failed_logins == 1


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(db, client, staff):
    make_staff(db, "ada@city.gov")
    unknown = staff.sign_in("nobody@city.gov", DEFAULT_PASSWORD, check=False)
    wrong = staff.sign_in("ada@city.gov", "not the right password", check=False)
    assert unknown.status_code == wrong.status_code == 400

    def message(response):
        page = response.get_data(as_text=True)
        return page.replace("nobody@city.gov", "E").replace("ada@city.gov", "E")

    assert message(unknown) == message(wrong)


def test_missing_csrf_token_is_400(db, client):
    make_staff(db, "ada@city.gov")
    response = client.post("/staff/sign-in", data={"email": "ada@city.gov",
                                                   "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert signed_in_as(client) is None


def test_five_failures_lock_this_client_out_not_the_account(db, app, client, staff):
    """Locking the account would let anyone lock a staff member out at will (issue 12); the
    guessing client waits instead, and the owner elsewhere signs in. Across processes the
    count is shared through Redis (tests/security/test_throttling.py)."""
    make_staff(db, "ada@city.gov", admin=True)
    for _ in range(5):
        assert staff.sign_in("ada@city.gov", "wrong password again",
                             check=False).status_code == 400
    refused = staff.sign_in("ada@city.gov", check=False)  # the right password, too late
    assert refused.status_code == 429
    assert signed_in_as(client) is None
    assert row(db, "ada@city.gov").locked_until is None
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    StaffActions(elsewhere).sign_in("ada@city.gov")


def test_four_failures_then_success_start_the_count_again(db, client, staff):
    make_staff(db, "ada@city.gov")
    for _ in range(4):
        staff.sign_in("ada@city.gov", "wrong password again", check=False)
    staff.sign_in("ada@city.gov")
    assert row(db, "ada@city.gov").failed_logins == 0
    assert row(db, "ada@city.gov").locked_until is None


def test_sign_in_starts_a_new_session_keeping_the_language(db, client, staff):
    make_staff(db, "ada@city.gov", admin=True)
    client.get("/?lang=es")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    staff.sign_in("ada@city.gov")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "es"
        assert session["staff_id"]


def test_sign_out_needs_a_post_with_csrf(db, client, staff):
    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    assert client.get("/staff/sign-out").status_code == 405
    assert client.post("/staff/sign-out").status_code == 400
    assert signed_in_as(client) == 200
    response = staff.sign_out()
    assert response.headers["Location"].startswith("/staff/sign-in")
    assert signed_in_as(client) is None
    assert "You have signed out" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_a_deactivated_account_is_signed_out_at_the_next_click(db, client, staff):
    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    with db.session() as session:
        accounts.deactivate(session, accounts.find_user(session, "ada@city.gov"))
    assert signed_in_as(client) is None
    assert staff.sign_in("ada@city.gov", check=False).status_code == 400


def test_a_changed_password_ends_other_sessions(db, app, staff):
    make_staff(db, "ada@city.gov", admin=True)
    other = StaffActions(app.test_client())
    other.sign_in("ada@city.gov")
    staff.sign_in("ada@city.gov")
    with db.session() as session:
        accounts.set_password(session, accounts.find_user(session, "ada@city.gov"),
                              "a brand new passphrase")
    assert signed_in_as(other.client) is None
    assert signed_in_as(staff.client) is None
    staff.sign_in("ada@city.gov", "a brand new passphrase")
    assert signed_in_as(staff.client) == 200


def test_a_staff_session_ends_after_twelve_hours(db, client, staff, clock):
    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    clock.advance(hours=11, minutes=59)
    assert signed_in_as(client) == 200
    clock.advance(minutes=2)
    assert signed_in_as(client) is None


def test_a_tampered_session_cookie_signs_nobody_in(db, client, staff):
    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    cookie = client.get_cookie("formbuilder_session")
    client.set_cookie("formbuilder_session", cookie.value[:-3] + "AAA")
    assert signed_in_as(client) is None


def test_a_single_sign_on_account_has_no_password_to_guess(db, client, staff):
    make_staff(db, "sso@city.gov", password=None, admin=True)
    for guess in ("", "not the password of anyone at all", DEFAULT_PASSWORD):
        assert staff.sign_in("sso@city.gov", guess, check=False).status_code == 400
    assert signed_in_as(client) is None


@pytest.mark.parametrize("target", ["/staff/admin/users?page=2", "/track"])
def test_staff_pages_send_people_to_sign_in_and_back(db, client, staff, target):
    make_staff(db, "ada@city.gov", admin=True)
    response = client.get("/staff/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/sign-in?next=/staff/admin/users"
    signed = staff.sign_in("ada@city.gov", next=target)
    assert signed.headers["Location"] == target


HOSTILE_TARGETS = [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "/\r\nSet-Cookie:x=1", "evil.example", "http:/evil.example",
    " //evil.example", "/%0a/evil.example".replace("%0a", "\n"), "///evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_safe_next_refuses_other_sites(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/staff", "/staff/submissions/PW-2026-000001?tab=history",
                                    "/staff/admin/users#new"])
def test_safe_next_keeps_paths_of_this_site(target):
    assert safe_next(target) == target


def test_an_open_redirect_is_refused(db, client, staff):
    make_staff(db, "ada@city.gov", admin=True)
    for target in HOSTILE_TARGETS:
        page = client.get("/staff/sign-in", query_string={"next": target}).get_data(
            as_text=True)
        assert 'name="next"' not in page
        response = client.post("/staff/sign-in", data={
            "csrf_token": csrf_token(page), "email": "ada@city.gov",
            "password": DEFAULT_PASSWORD, "next": target})
        assert response.status_code == 302
        assert response.headers["Location"] == landing(client), target
        staff.sign_out()


def test_the_sign_in_page_escapes_what_was_typed(db, client, staff):
    response = staff.sign_in('"><script>alert(1)</script>@x.gov', "whatever it is", check=False)
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page or "&#34;&gt;&lt;script" in page


def test_a_signed_in_visitor_to_the_sign_in_page_goes_on(db, client, staff):
    make_staff(db, "ada@city.gov", admin=True)
    staff.sign_in("ada@city.gov")
    assert client.get("/staff/sign-in").headers["Location"] == landing(client)


def test_an_old_hash_is_upgraded_at_sign_in(db, client, staff):
    from argon2 import PasswordHasher

    make_staff(db, "ada@city.gov")
    older = PasswordHasher(time_cost=2, memory_cost=128, parallelism=1)
    with db.session() as session:
        accounts.find_user(session, "ada@city.gov").password_hash = older.hash(DEFAULT_PASSWORD)
    staff.sign_in("ada@city.gov")
    upgraded = row(db, "ada@city.gov").password_hash
    assert upgraded.startswith("$argon2id$") and "t=1," in upgraded and "m=256," in upgraded
    staff.sign_out()
    staff.sign_in("ada@city.gov")
