"""``/staff/forms/<id>/dashboard``: how a form is doing, as SVG charts drawn on the server,
each with a table of the same numbers beside it (readable without sight or script)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template
from sqlalchemy import select

from formbuilder.models import FormVersion
from formbuilder.services import dashboard as dashboard_service
from formbuilder.services import submissions_search
from formbuilder.services.publishing import form_of, latest_version
from formbuilder.views.auth import now, staff_required
from formbuilder.views.staff.base import blueprint, signed_in

CHART_WIDTH = 600
BAR_HEIGHT = 160


@blueprint.route("/forms/<form_id>/dashboard")
@staff_required
def dashboard(form_id: str) -> Any:
    user = signed_in()
    with current_app.extensions["db"].session(readonly=True) as db:
        version = latest_version(db, form_id[:63])
        if version is None:
            abort(404)
        visible = submissions_search.visible_versions(db, user)
        if visible is not None and not any(
                v in visible for v in _version_ids(db, form_id)):
            abort(403)
        figures = dashboard_service.build(db, version.form_id, now())
        form = form_of(version)
        return render_template("staff/dashboard.html", form=form, figures=figures,
                               bars=_bars(figures.weeks), width=CHART_WIDTH,
                               height=BAR_HEIGHT, user=user)


def _version_ids(db: Any, form_id: str) -> list[int]:
    return list(db.scalars(select(FormVersion.id).where(FormVersion.form_id == form_id)))


def _bars(weeks: list[tuple[Any, int]]) -> list[dict[str, Any]]:
    """Bar geometry for the weekly chart: heights scaled to the busiest week."""
    top = max((count for _, count in weeks), default=0) or 1
    step = CHART_WIDTH / max(len(weeks), 1)
    return [{"x": round(i * step + 4, 1), "width": round(step - 8, 1),
             "height": round(count / top * (BAR_HEIGHT - 30), 1), "count": count, "week": week}
            for i, (week, count) in enumerate(weeks)]
