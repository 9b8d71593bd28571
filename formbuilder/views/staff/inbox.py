"""The inbox: the submissions waiting for the signed-in person, filtered and paged."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from formbuilder.services import inbox as inbox_service
from formbuilder.views.auth import now, staff_required
from formbuilder.views.paging import carried_args, cursor_arg
from formbuilder.views.staff.base import blueprint, database, signed_in


@blueprint.route("")
@staff_required
def inbox() -> Any:
    user = signed_in()
    filters, problems = inbox_service.parse_filters(request.args)
    after = cursor_arg("after", inbox_service.Cursor.decode, problems)
    moment = now()
    args = carried_args("after")
    # Drawn inside the read-only session: its rows expire when it ends.
    with database().session(readonly=True) as db:
        page = inbox_service.page(db, user.email, user.roles, filters, after=after, now=moment)
        forms = inbox_service.forms_for(db, user.roles, user.email, admin=user.is_admin)
        next_url = url_for("staff.inbox", **args, after=page.next.encode()) \
            if page.next else None
        return render_template(
            "staff/inbox.html", page=page, filters=filters, problems=problems, forms=forms,
            steps=inbox_service.steps_of(forms), now=moment, next_url=next_url,
            first_url=url_for("staff.inbox", **args) if after else None, user=user)
