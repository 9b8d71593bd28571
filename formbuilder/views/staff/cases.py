"""``/staff/submissions``: every case a staff member may see, in any state, found again.

HTTP only: the query string is read into ``submissions_search.Filters`` (bad values are named
on the page and dropped, never a 500), the service pages the rows, the template draws them.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for

from formbuilder.services import submissions_search
from formbuilder.views.auth import now, staff_required
from formbuilder.views.language import current_language
from formbuilder.views.paging import carried_args, cursor_arg
from formbuilder.views.staff import words
from formbuilder.views.staff.base import blueprint, signed_in


@blueprint.route("/submissions")
@staff_required
def submissions() -> Any:
    user = signed_in()
    filters, problems = submissions_search.parse_filters(request.args)
    after = cursor_arg("after", submissions_search.decode_cursor, problems)
    moment = now()
    args = carried_args("after", "lang")
    with current_app.extensions["db"].session(readonly=True) as db:
        versions = submissions_search.visible_versions(db, user)
        page = submissions_search.page(db, versions, filters, now=moment, after=after)
        forms = submissions_search.visible_forms(db, user)
        lang = current_language()
        return render_template(
            "staff/submissions.html", page=page, filters=filters, problems=problems,
            forms=forms, steps=_steps(forms, lang), statuses=submissions_search.STATUSES,
            now=moment,
            applicant_name=submissions_search.applicant_name,
            summary=lambda row: submissions_search.summary(row.form, row.submission.answers,
                                                           lang),
            next_url=url_for("staff.submissions", **args, after=page.next)
            if page.next else None,
            first_url=url_for("staff.submissions", **args) if after else None, user=user)


def _steps(forms: list[Any], lang: str) -> list[tuple[str, str]]:
    """(stored name, name in the page's language) of every step: tasks keep the form's default
    language's name, so that is what the filter sends."""
    names: dict[str, str] = {}
    for form in forms:
        for step in form.routing:
            names.setdefault(step.name.default, step.name.get(lang))
    return sorted(names.items(), key=lambda item: item[1])



words.register(blueprint)
