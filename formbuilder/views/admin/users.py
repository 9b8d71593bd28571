"""The admin page for staff accounts: who has an account, what roles they hold, new accounts,
role changes and deactivation. Admins only; the rules themselves live in ``accounts``."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from formbuilder.models import User
from formbuilder.services import accounts, publishing, studio_grants
from formbuilder.services.permissions import roles_of_form
from formbuilder.views.auth import admin_required, current_user, now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.language import gettext, say
from schemas.suggest import did_you_mean

blueprint = Blueprint("admin", __name__, url_prefix="/staff/admin")


def _db() -> Any:
    return current_app.extensions["db"]


def _check_csrf() -> None:
    if not csrf_form(request.form).validate():
        abort(400)


def _known_roles(db: Session) -> set[str]:
    """The roles the published forms' routing names (emails left out)."""
    names: set[str] = set()
    for version in publishing.published_forms(db):
        names |= {n for n in roles_of_form(publishing.form_of(version)) if "@" not in n}
    return names


def _unused_role_notes(db: Session, roles: list[str]) -> list[str]:
    """A word for each granted role that no form routes to: most likely a typing slip."""
    known = _known_roles(db)
    return [gettext("No published form's routing names the role “%(role)s” yet, so it gives "
                    "access to nothing for now.", role=role) + did_you_mean(role, sorted(known))
            for role in roles if role not in known]


@blueprint.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> Any:
    errors: dict[str, str] = {}
    values = {"email": "", "name": "", "roles": "", "admin": False}
    status = 200
    with _db().session() as db:
        if request.method == "POST":
            _check_csrf()
            values = {"email": request.form.get("email", "").strip()[:320],
                      "name": request.form.get("name", "")[:200],
                      "roles": request.form.get("roles", "")[:2000],
                      "admin": request.form.get("admin") == "1"}
            errors = _create(db, values, request.form.get("password", ""))
            if not errors:
                return redirect(url_for("admin.users"))
            status = 400
        listed = accounts.all_users(db)
        known = sorted(_known_roles(db))
    return render_template("admin/users.html", users=listed, errors=errors, values=values,
                           known_roles=known, csrf=csrf_form()), status


def _create(db: Session, values: dict[str, Any], password: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["email"]:
        errors["email"] = gettext("Enter the staff member's email address.")
    try:
        roles = accounts.parse_roles(values["roles"])
    except accounts.AccountError as error:
        errors["roles"] = say(error.args[0])
        roles = []
    if password and (problem := accounts.password_problem(password)):
        errors["password"] = say(problem)
    if errors:
        return errors
    try:
        with db.begin_nested():
            user = accounts.create_user(db, values["email"], name=values["name"], roles=roles,
                                        password=password or None, admin=values["admin"],
                                        now=now())
    except accounts.AccountError as error:
        return {"email": say(error.args[0])}
    except IntegrityError:  # the same email created at the same moment by someone else
        email = accounts.normal_email(values["email"])
        return {"email": gettext("There is already an account for %(email)s.", email=email)}
    _log_by_admin("created the account of", user.email)
    flash(gettext("The account of %(email)s was created.", email=user.email))
    for note in _unused_role_notes(db, roles):
        flash(note)
    return {}


def _user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int) -> Any:
    errors: dict[str, str] = {}
    status = 200
    with _db().session() as db:
        user = _user(db, user_id)
        values = {"roles": ", ".join(sorted(user.roles)), "admin": user.is_admin,
                  "grants": studio_grants.grants_text(user)}
        if request.method == "POST":
            _check_csrf()
            values = {"roles": request.form.get("roles", "")[:2000],
                      "grants": request.form.get("grants", "")[:10000],
                      "admin": request.form.get("admin") == "1"}
            errors = _update(db, user, values, request.form.get("password", ""))
            if not errors:
                return redirect(url_for("admin.users"))
            status = 400
        page = render_template("admin/user.html", user=user, values=values, errors=errors,
                               csrf=csrf_form(), myself=user.id == _me().id)
    return page, status


def _update(db: Session, user: User, values: dict[str, Any],
            password: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        roles = accounts.parse_roles(values["roles"])
    except accounts.AccountError as error:
        errors["roles"] = say(error.args[0])
        roles = []
    try:
        grants = studio_grants.parse_grants(values.get("grants", ""))
    except studio_grants.GrantError as error:
        errors["grants"] = str(error)
        grants = []
    if user.id == _me().id and not values["admin"]:
        errors["admin"] = gettext("You cannot take away your own admin rights: ask another "
                                  "admin, so that there is always someone who can manage "
                                  "accounts.")
    if password and (problem := accounts.password_problem(password)):
        errors["password"] = say(problem)
    if errors:
        return errors
    accounts.set_roles(db, user, roles)
    studio_grants.set_grants(db, user, grants)
    user.is_admin = values["admin"]
    if password:
        accounts.set_password(db, user, password)
    _log_by_admin("changed the account of", user.email)
    flash(gettext("The account of %(email)s was changed.", email=user.email))
    for note in _unused_role_notes(db, roles):
        flash(note)
    return {}


@blueprint.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate(user_id: int) -> Any:
    _check_csrf()
    with _db().session() as db:
        user = _user(db, user_id)
        if user.id == _me().id:
            flash(gettext("You cannot deactivate your own account: ask another admin."))
            return redirect(url_for("admin.edit", user_id=user_id))
        accounts.deactivate(db, user)
        _log_by_admin("deactivated", user.email)
        flash(gettext("The account of %(email)s was deactivated: they are signed out and can "
                      "no longer sign in.", email=user.email))
    return redirect(url_for("admin.users"))


@blueprint.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate(user_id: int) -> Any:
    _check_csrf()
    with _db().session() as db:
        user = _user(db, user_id)
        accounts.reactivate(db, user)
        _log_by_admin("reactivated", user.email)
        flash(gettext("The account of %(email)s was reactivated.", email=user.email))
    return redirect(url_for("admin.users"))


def _me() -> User:
    user = current_user()
    assert user is not None  # admin_required let the request through
    return user


def _log_by_admin(what: str, email: str) -> None:
    current_app.logger.info("%s %s %s", _me().email, what, email)
