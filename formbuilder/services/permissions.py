"""The one permission question every staff view asks: ``can(user, action, resource)``.

Admins may do everything. Other staff may view and decide submissions of the forms whose
routing names one of their roles, or their email, as ``assign``, ``all_of`` or ``escalate_to``
in the submission's own form version (a later version that drops a role does not hide older
submissions from it, nor show them to a role added since). Which open task a person may decide
is then the workflow engine's ``may_act``.

In the studio, ``author``, ``publish`` and ``see`` are asked of a ``FormScope`` (a form and
its department) and answered by the person's studio grants (``studio_grants.allowed``).
"""

from __future__ import annotations

import logging
from typing import Literal

from formbuilder.models import Submission, User
from formbuilder.services import studio_grants
from formbuilder.services.publishing import form_of
from formbuilder.services.studio_grants import FormScope
from schemas import Form

Action = Literal["view", "decide", "admin", "author", "publish", "see"]
ACTIONS = ("view", "decide", "admin", "author", "publish", "see")
STUDIO_ACTIONS = ("author", "publish", "see")

_log = logging.getLogger(__name__)


def roles_of_form(form: Form) -> set[str]:
    """Every role or email the form's routing names; emails in lower case."""
    names: set[str] = set()
    for step in form.routing:
        for name in (*step.assignees, step.escalate_to):
            if name:
                names.add(name.lower() if "@" in name else name)
    return names


def holds_any(user: User, names: set[str]) -> bool:
    """Whether the user holds one of these roles or is the person named by email."""
    return user.email in names or not names.isdisjoint(user.roles)


def can(user: User | None, action: Action,
        resource: Submission | FormScope | None = None) -> bool:
    """Whether ``user`` may do ``action`` (to ``resource``, a submission for view and decide).

    Deactivated and signed-out users may do nothing. Refusals are logged with who, what and
    which reference, for the audit trail.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; the actions are {', '.join(ACTIONS)}")
    allowed = _allowed(user, action, resource)
    if not allowed:
        who = user.email if user is not None else "someone not signed in"
        what = f" form {resource.form_id}" if isinstance(resource, FormScope) else (
            f" {resource.reference}" if resource is not None else "")
        _log.warning("Permission refused: %s may not %s%s", who, action, what)
    return allowed


def _allowed(user: User | None, action: Action,
             resource: Submission | FormScope | None) -> bool:
    if user is None or not user.active:
        return False
    if user.is_admin:
        return True
    if action in STUDIO_ACTIONS:
        return isinstance(resource, FormScope) and studio_grants.allowed(user, action, resource)
    if action == "admin" or resource is None or isinstance(resource, FormScope):
        return False
    return holds_any(user, roles_of_form(form_of(resource.form_version)))

