"""Words and times for staff pages, registered for every template by the staff blueprints.

Staff read what happened from the office's side: a return is "Returned to the resident for
changes" (residents read "Returned to you for changes" on /track). Times are shown in the
city's time zone (``FORMBUILDER_TIME_ZONE``), named, and stored in UTC.
"""

from __future__ import annotations

from flask import Blueprint

from formbuilder.views.template_globals import STATUS_LABELS, label_in
from schemas.i18n import N_

STAFF_STATUS_LABELS = {**STATUS_LABELS, "returned": N_("Returned to the resident for changes")}

# The audit log's actions as an admin reads them; the stored names stay the filter's values.
AUDIT_ACTIONS = {
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Sign-in refused"),
    "sign_out": N_("Signed out"),
    "refused": N_("Refused a page"),
    "viewed": N_("Opened a submission"),
    "decided": N_("Recorded a decision"),
    "exported": N_("Exported"),
    "token_used": N_("Used an API token"),
    "token_created": N_("Made an API token"),
    "token_revoked": N_("Revoked an API token"),
    "published": N_("Published a form version"),
}


def staff_status_label(status: str) -> str:
    return label_in(STAFF_STATUS_LABELS, status)


def audit_action_label(action: str) -> str:
    return label_in(AUDIT_ACTIONS, action)


def register(blueprint: Blueprint) -> None:
    blueprint.add_app_template_global(staff_status_label, "staff_status_label")
    blueprint.add_app_template_global(audit_action_label, "audit_action_label")
