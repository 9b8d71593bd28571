"""The staff blueprint and what every staff page asks first: the database and who is signed in.

The pages live in modules of their own (``inbox``, ``submission``, ``cases``, ``dashboard``,
``exports``), each adding its routes to this blueprint; the package imports them all.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app

from formbuilder.models import User
from formbuilder.views.auth import current_user

blueprint = Blueprint("staff", __name__, url_prefix="/staff")


def database() -> Any:
    return current_app.extensions["db"]


def signed_in() -> User:
    """The signed-in staff member; ``staff_required`` has already sent strangers to sign in."""
    user = current_user()
    if user is None:
        abort(403)
    return user
