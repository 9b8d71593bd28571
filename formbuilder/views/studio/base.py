"""The studio blueprint and what every studio page asks first: who may do what to which form.

Each page module (``forms``, ``editor``, ``builder``, ``preview``, ``tester``, ``publish``,
``history``, ``guide``) adds its routes to this blueprint; the package imports them all.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from formbuilder.models import User
from formbuilder.services import permissions, studio, studio_grants
from formbuilder.services.studio_grants import FormScope
from formbuilder.views.auth import current_user, staff_required
from formbuilder.views.csrf import csrf_form

blueprint = Blueprint("studio", __name__, url_prefix="/staff/forms")

# A form file may be 2 MB; a post a little larger is read, so its author gets their text back
# with a message instead of a bare "too large" page.
MAX_POSTED_TEXT = 5_000_000


@blueprint.before_request
def _allow_long_definitions() -> None:
    request.max_form_memory_size = MAX_POSTED_TEXT


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    return render_template("studio/problem.html", title="The text is too large", message=(
        "What you sent is over 5 MB, so it could not be read, and nothing was saved. A form "
        "file can be at most 2 MB. Use your browser's Back button: your text is still there."
    )), 413


@blueprint.app_context_processor
def _studio_context() -> dict[str, Any]:
    return {"uses_studio": lambda: studio_grants.uses_studio(current_user()),
            "studio_closure_message": _closure_message}


def _closure_message(form_id: str) -> str | None:
    """What residents read on a form closed in the studio (``public/closed.html``)."""
    with db().session(readonly=True) as session:
        return studio.closure_message(session, form_id)


def db() -> Any:
    return current_app.extensions["db"]


def me() -> User:
    user = current_user()
    if user is None or not studio_grants.uses_studio(user):
        abort(403)
    return user


def check_csrf() -> None:
    if not csrf_form(request.form).validate():
        abort(400)


def require(session: Session, form_id: str, action: permissions.Action) -> FormScope:
    """The form's scope, when the signed-in person may ``action`` it; else 404 or 403.

    A form the person may not even see is a 404, so an author of one department learns
    nothing about another department's drafts, not even that an id is taken.
    """
    user = me()
    scope = studio.scope(session, form_id[:63])
    if scope is None or not permissions.can(user, "see", scope):
        abort(404)
    if action != "see" and not permissions.can(user, action, scope):
        abort(403)
    return scope


def refuse(message: str, status: int = 400, title: str = "This cannot be done") -> NoReturn:
    abort(current_app.make_response((render_template(
        "studio/problem.html", title=title, message=message), status)))


studio_required = staff_required
