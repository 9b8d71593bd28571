"""Accounts, passwords, roles, the one permission question, and the ``users`` command."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner
from form_definitions import form_definition
from staff import DEFAULT_PASSWORD, FAST_HASHER, make_app, make_staff

from formbuilder import cli
from formbuilder.models import FormVersion, Membership, Submission, User
from formbuilder.services import accounts
from formbuilder.services.permissions import can, roles_of_form
from formbuilder.services.publishing import definition_sha256, form_of

# --- Passwords -------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short one", "x" * 11])
def test_a_short_password_is_refused_with_the_rule(password):
    assert "at least 12 characters" in accounts.password_problem(password)


@pytest.mark.parametrize("password", [
    "password1234", "Password1234", "123456789012", "aaaaaaaaaaaaaa", "qwertyqwertyqwe",
    "passwordpasswordpa", "correct horse battery staple", "abababababababab",
])
def test_the_most_common_passwords_are_refused(password):
    assert "most common passwords" in accounts.password_problem(password)


@pytest.mark.parametrize("password", [DEFAULT_PASSWORD, "Tr0ub4dor&3 at the harbour",
                                      "élan vital 2026"])
def test_a_long_uncommon_password_is_fine(password):
    assert accounts.password_problem(password) is None


def test_hashes_are_argon2id_and_verify():
    hashed = accounts.hash_password(DEFAULT_PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert FAST_HASHER.verify(hashed, DEFAULT_PASSWORD)
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.hash_password("too short")


def test_the_production_parameters_are_the_rfc_9106_low_memory_profile():
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    default = PasswordHasher()
    assert (default.time_cost, default.memory_cost, default.parallelism) == (
        RFC_9106_LOW_MEMORY.time_cost, RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.parallelism)


# --- Accounts and roles ----------------------------------------------------------------------


def test_emails_are_stored_in_lower_case_and_unique_whatever_the_case(db):
    make_staff(db, "Ada.Lovelace@City.GOV")
    with db.session() as session:
        assert accounts.find_user(session, "ada.lovelace@city.gov").email == \
            "ada.lovelace@city.gov"
        with pytest.raises(accounts.AccountError, match=r"already an account for ada\.lovelace"):
            accounts.create_user(session, " ADA.LOVELACE@city.gov ", password=DEFAULT_PASSWORD)


@pytest.mark.parametrize("email", ["", "ada", "ada@city", "a b@city.gov", "@city.gov"])
def test_a_malformed_email_is_refused(db, email):
    with db.session() as session, pytest.raises(accounts.AccountError,
                                                 match="is not an email address"):
        accounts.create_user(session, email)


def test_roles_are_held_and_replaced(db):
    user = make_staff(db, "ada@city.gov", ["police-events", "fire-marshal"])
    assert user.roles == frozenset({"police-events", "fire-marshal"})
    with db.session() as session:
        found = accounts.find_user(session, "ada@city.gov")
        accounts.set_roles(session, found, "fire-marshal, Transportation ,, fire-marshal")
    with db.session() as session:
        assert accounts.find_user(session, "ada@city.gov").roles == frozenset(
            {"fire-marshal", "transportation"})
        memberships = session.query(Membership).count()
    assert memberships == 2


@pytest.mark.parametrize("text", ["police events!", "<b>boss</b>", "-leading-dash",
                                  "x" * 101])
def test_a_role_that_no_routing_could_name_is_refused(text):
    with pytest.raises(accounts.AccountError, match="is not a role name"):
        accounts.parse_roles(text)


def test_an_account_without_password_is_for_single_sign_on(db):
    user = make_staff(db, "sso@city.gov", password=None)
    assert user.password_hash is None


# --- can() -----------------------------------------------------------------------------------

ROUTING = [
    {"step": "Dispatch review", "assign": "public-works-dispatch", "due": "2 days",
     "escalate_to": "public-works-supervisor"},
    {"step": "Safety", "all_of": ["police-events", "fire-marshal"]},
    {"step": "The chief", "assign": "Chief@City.gov"},
]


def version_with(routing, number: int = 1) -> FormVersion:
    definition = form_definition(routing=routing)
    return FormVersion(form_id="pothole-report", number=number, definition=definition,
                       definition_sha256=definition_sha256(definition))


def submission_on(version: FormVersion) -> Submission:
    return Submission(reference="PW-2026-000042", form_version=version)


def person(email: str = "ada@city.gov", roles=(), *, admin=False, active=True) -> User:
    return User(email=email, is_admin=admin, active=active,
                memberships=[Membership(role=r) for r in roles])


def test_roles_of_form_names_every_assignee_escalation_and_email():
    assert roles_of_form(form_of(version_with(ROUTING))) == {
        "public-works-dispatch", "public-works-supervisor", "police-events", "fire-marshal",
        "chief@city.gov"}
    assert roles_of_form(form_of(version_with([]))) == set()


@pytest.mark.parametrize("roles", [["public-works-dispatch"], ["public-works-supervisor"],
                                   ["police-events"], ["fire-marshal"],
                                   ["unrelated", "fire-marshal"]])
@pytest.mark.parametrize("action", ["view", "decide"])
def test_staff_whose_role_the_routing_names_may_view_and_decide(roles, action):
    assert can(person(roles=roles), action, submission_on(version_with(ROUTING)))


@pytest.mark.parametrize("action", ["view", "decide"])
def test_staff_named_by_email_may_view_and_decide(action):
    assert can(person("chief@city.gov"), action, submission_on(version_with(ROUTING)))


@pytest.mark.parametrize("action", ["view", "decide"])
def test_other_staff_may_not(action, caplog):
    with caplog.at_level(logging.WARNING):
        assert not can(person(roles=["parks"]), action, submission_on(version_with(ROUTING)))
    assert "ada@city.gov may not " + action + " PW-2026-000042" in caplog.text


def test_a_form_without_routing_is_for_admins_only():
    submission = submission_on(version_with([]))
    assert not can(person(roles=["public-works-dispatch"]), "view", submission)
    assert can(person(admin=True), "view", submission)


@pytest.mark.parametrize("action", ["view", "decide", "admin"])
def test_admins_may_do_everything(action):
    submission = submission_on(version_with(ROUTING)) if action != "admin" else None
    assert can(person(admin=True), action, submission)


def test_only_admins_may_admin():
    assert not can(person(roles=["public-works-dispatch", "police-events"]), "admin")


@pytest.mark.parametrize("action", ["view", "decide", "admin"])
def test_nobody_and_deactivated_staff_may_do_nothing(action):
    submission = submission_on(version_with(ROUTING))
    assert not can(None, action, submission)
    assert not can(person(roles=["police-events"], admin=True, active=False), action,
                   submission)


def test_the_submissions_own_form_version_decides():
    old = submission_on(version_with([{"step": "Review", "assign": "old-team"}], 1))
    new = submission_on(version_with([{"step": "Review", "assign": "new-team"}], 2))
    assert can(person(roles=["old-team"]), "view", old)
    assert not can(person(roles=["old-team"]), "view", new)
    assert not can(person(roles=["new-team"]), "view", old)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown action 'delete'"):
        can(person(admin=True), "delete", None)  # type: ignore[arg-type]


# --- The users command -----------------------------------------------------------------------


@pytest.fixture
def run(db, tmp_path, monkeypatch):
    """``formbuilder ...`` against this test's database."""
    app = make_app(db, tmp_path)
    monkeypatch.setattr(cli, "_app", lambda: app)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli.main, list(args), input=input)

    return invoke


def test_users_create_asks_for_the_password_twice(run, db):
    result = run("users", "create", "--email", "Ada@City.gov", "--role", "police-events",
                 "--role", "fire-marshal", "--name", "Ada Lovelace",
                 input=f"{DEFAULT_PASSWORD}\n{DEFAULT_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created ada@city.gov with roles: fire-marshal, police-events." in result.output
    assert DEFAULT_PASSWORD not in result.output
    with db.session() as session:
        user = accounts.find_user(session, "ada@city.gov")
        assert user.name == "Ada Lovelace" and not user.is_admin
        assert FAST_HASHER.verify(user.password_hash, DEFAULT_PASSWORD)


def test_users_create_reads_the_password_from_stdin(run, db):
    result = run("users", "create", "--email", "boss@city.gov", "--admin", "--password-stdin",
                 input=DEFAULT_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "(admin)" in result.output
    with db.session() as session:
        assert accounts.find_user(session, "boss@city.gov").is_admin


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--email", "ada@city.gov"], "short\n", "at least 12 characters"),
    (["--email", "ada@city.gov"], "password1234\n", "most common passwords"),
    (["--email", "not-an-email"], DEFAULT_PASSWORD + "\n", "is not an email address"),
    (["--email", "ada@city.gov", "--role", "Police Events!"], DEFAULT_PASSWORD + "\n",
     "is not a role name"),
])
def test_users_create_explains_what_is_wrong(run, args, stdin, message):
    result = run("users", "create", *args, "--password-stdin", input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_users_create_refuses_a_second_account_for_one_email(run, db):
    make_staff(db, "ada@city.gov")
    result = run("users", "create", "--email", "ADA@city.gov", "--password-stdin",
                 input=DEFAULT_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "There is already an account for ada@city.gov." in result.output


def test_users_list_set_roles_and_deactivate(run, db):
    assert "No staff accounts yet" in run("users", "list").output
    make_staff(db, "ada@city.gov", ["parks"])
    make_staff(db, "boss@city.gov", admin=True)
    result = run("users", "set-roles", "--email", "Ada@city.gov", "--role", "police-events")
    assert result.exit_code == 0 and "now holds: police-events" in result.output
    result = run("users", "deactivate", "--email", "ada@city.gov")
    assert result.exit_code == 0 and "deactivated" in result.output
    assert run("users", "list").output.splitlines() == [
        "ada@city.gov\tdeactivated\tpolice-events", "boss@city.gov\tadmin\t-"]


@pytest.mark.parametrize("command", ["set-roles", "deactivate"])
def test_users_commands_name_an_unknown_account(run, command):
    result = run("users", command, "--email", "nobody@city.gov")
    assert result.exit_code == 1
    assert "There is no account for nobody@city.gov" in result.output
    assert "Traceback" not in result.output


def test_users_commands_on_a_database_not_set_up(tmp_path, monkeypatch):
    from formbuilder.database import Database

    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    app = make_app(empty, tmp_path)
    monkeypatch.setattr(cli, "_app", lambda: app)
    result = CliRunner().invoke(cli.main, ["users", "list"])
    assert result.exit_code == 1
    assert "Run `formbuilder db upgrade`" in result.output
    assert "Traceback" not in result.output
    empty.dispose()
