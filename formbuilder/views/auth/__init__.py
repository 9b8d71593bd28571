"""Staff sign-in and sign-out, who is signed in, and the decorators staff pages wear.

The session is Flask's signed cookie (no server-side state, so any web process can serve any
request). It holds the user's id, their ``session_version`` and when they signed in; the user
row is read once per request, so a deactivated account or a changed password ends the session
at the next click, everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from formbuilder.models import User, utcnow
from formbuilder.services import accounts, audit, permissions
from formbuilder.views.csrf import csrf_form
from formbuilder.views.language import gettext
from schemas.i18n import N_

blueprint = Blueprint("auth", __name__, url_prefix="/staff")

# How long a staff sign-in lasts, whatever the cookie's own lifetime (which is set for drafts).
STAFF_SESSION_HOURS = 12
_KEYS = ("staff_id", "staff_version", "staff_since")

View = TypeVar("View", bound=Callable[..., Any])


def now() -> datetime:
    """The current time; tests put a function of their own in ``app.config["NOW"]``."""
    clock = current_app.config.get("NOW") or utcnow
    return clock()


def current_user() -> User | None:
    """The signed-in staff member, loaded once per request, or ``None``."""
    if "staff_user" not in g:
        g.staff_user = _load_user()
    return g.staff_user


def _load_user() -> User | None:
    user_id = session.get("staff_id")
    if user_id is None:
        return None
    try:
        since = datetime.fromisoformat(session.get("staff_since", ""))
    except (TypeError, ValueError):
        since = None
    hours = current_app.config.get("STAFF_SESSION_HOURS", STAFF_SESSION_HOURS)
    user = None
    if since is not None and since.tzinfo is not None and \
            now() - since < timedelta(hours=hours):
        with current_app.extensions["db"].session(readonly=True) as db:
            user = db.get(User, user_id)
            if user is not None:
                # Kept readable after the block: a read-only session ends in a rollback,
                # which would expire the objects still in it.
                db.expunge(user)
    if user is None or not user.active or user.session_version != session.get("staff_version"):
        _forget()
        return None
    return user


def _forget() -> None:
    for key in _KEYS:
        session.pop(key, None)


def start_session(user: User) -> None:
    """A new session for this user: nothing of the old one survives but the language choice,
    so a session id planted before sign-in (fixation) is worth nothing afterwards."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["staff_id"] = user.id
    session["staff_version"] = user.session_version
    session["staff_since"] = now().isoformat()
    session.permanent = True
    g.staff_user = user


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``None``: never an open redirect."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith(("//", "/\\")) or any(ord(c) < 32 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _landing(user: User) -> str:
    if "staff.inbox" in current_app.view_functions:
        return url_for("staff.inbox")
    if user.is_admin:
        return url_for("admin.users")
    return url_for("public.catalogue")


def staff_required(view: View) -> View:
    """Only for signed-in staff; others go to the sign-in page and come back afterwards."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.sign_in", next=safe_next(request.full_path.rstrip("?"))))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def admin_required(view: View) -> View:
    """Only for admins (``can(user, "admin")``): signed-in staff who are not get a 403 page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if not permissions.can(user, "admin"):
            with current_app.extensions["db"].session() as db:
                audit.record(db, user.email if user else "unknown", "refused",
                             target=request.path[:200], detail={"action": "admin"}, now=now())
            abort(403)
        return view(*args, **kwargs)

    return staff_required(wrapped)  # type: ignore[return-value]


@blueprint.app_context_processor
def _staff_context() -> dict[str, Any]:
    return {"current_user": current_user, "csrf_form": csrf_form}


SIGN_IN_REFUSED = N_("The email address or password is not right. After 5 wrong passwords "
                     "for an account, this computer must wait 15 minutes before trying it "
                     "again; if you forgot your password, ask an administrator.")


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    target = safe_next(request.values.get("next"))
    user = current_user()
    if request.method == "GET" and user is not None:
        return redirect(target or _landing(user))
    error = None
    email = ""
    if request.method == "POST":
        if not csrf_form(request.form).validate():
            abort(400)
        email = request.form.get("email", "").strip()[:320]
        password = request.form.get("password", "")
        if not email or not password:
            error = gettext("Enter your email address and your password.")
        else:
            with current_app.extensions["db"].session() as db:
                result = accounts.authenticate(db, email, password, now())
                audit.record(db, email.lower(), "sign_in" if result.ok else "sign_in_failed",
                             now=now())
                if result.ok and result.user is not None:
                    result.user.roles  # noqa: B018 - loaded before the session closes
            if result.ok and result.user is not None:
                start_session(result.user)
                return redirect(target or _landing(result.user))
            error = gettext(SIGN_IN_REFUSED)
    return render_template(
        "auth/sign_in.html", csrf=csrf_form(), error=error, email=email, next=target,
        signed_out=request.args.get("signed_out") == "1",
        sso=_sso_enabled()), 400 if error else 200


@blueprint.route("/sign-out", methods=["POST"])
def sign_out() -> Any:
    if not csrf_form(request.form).validate():
        abort(400)
    user = current_user()
    if user is not None:
        # The cookie is only signed, so a copy of it (a shared computer, a stolen backup)
        # would outlive this sign-out; raising the version ends every copy at its next click.
        with current_app.extensions["db"].session() as db:
            accounts.end_sessions(db, user.id)
            audit.record(db, user.email, "sign_out", now=now())
        current_app.logger.info("Signed out: %s", user.email)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.staff_user = None
    return redirect(url_for("auth.sign_in", signed_out=1))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, whose expiry says how long it is good for: a staff session's
    cookie expires with the sign-in (``STAFF_SESSION_HOURS``), a resident's lasts as long as
    a draft is kept."""

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime | None:
        if session.permanent and "staff_id" in session:
            hours = app.config.get("STAFF_SESSION_HOURS", STAFF_SESSION_HOURS)
            return utcnow() + timedelta(hours=hours)
        return super().get_expiration_time(app, session)


def _sso_enabled() -> bool:
    return "oidc.start" in current_app.view_functions and bool(
        current_app.config.get("OIDC_ISSUER"))
