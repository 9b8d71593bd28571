"""Words and times for staff pages, registered for every template by the staff blueprints.

Staff read what happened from the office's side: a return is "Returned to the resident for
changes" (residents read "Returned to you for changes" on /track). Times are shown in the
city's time zone (``FORMBUILDER_TIME_ZONE``), named, and stored in UTC.
"""

from __future__ import annotations

from flask import Blueprint

from formbuilder.views.language import gettext


def staff_status_label(status: str) -> str:
    labels = {
        "received": gettext("Received"),
        "in_review": gettext("Being reviewed"),
        "returned": gettext("Returned to the resident for changes"),
        "approved": gettext("Approved"),
        "rejected": gettext("Rejected"),
    }
    return labels.get(status, status)


def register(blueprint: Blueprint) -> None:
    blueprint.add_app_template_global(staff_status_label, "staff_status_label")
