"""History: every version with its changes, who asked and who signed off; restoring an old
version as a new draft; closing a form now or from a date with a message, and reopening it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from formbuilder.services import permissions, studio
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.studio.base import blueprint, check_csrf, db, me, require, studio_required
from formbuilder.views.studio.publish import _forget_cached, _revision

MAX_MESSAGE = 2000


@blueprint.route("/<form_id>/history")
@studio_required
def history(form_id: str) -> Any:
    return _page(form_id)


def _page(form_id: str, *, status: int = 200, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None) -> Any:
    user = me()
    with db().session(readonly=True) as session:
        scope = require(session, form_id, "see")
        rows = studio.events(session, form_id)
        versions = studio.versions(session, form_id)
        current = studio.live(session, form_id)
        return render_template(
            "studio/history.html", form_id=form_id, tab="history", events=rows,
            versions=versions, changes=studio.version_changes(session, form_id),
            signed=_signatures(rows), state=studio.publication(session, form_id),
            closed=current is not None and not current[1].is_open(now().date()),
            open_until=current[1].open_until if current is not None else None,
            message=studio.closure_message(session, form_id),
            may_author=permissions.can(user, "author", scope),
            may_publish=permissions.can(user, "publish", scope), errors=errors or {},
            values=values or {}, csrf=csrf_form(), today=now().date()), status


def _signatures(rows: list[Any]) -> dict[int, dict[str, Any]]:
    """For each version published from a draft: who asked, why, who signed off, when."""
    found: dict[int, dict[str, Any]] = {}
    asked = signed = None
    for row in rows:
        if row.kind == "asked":
            asked, signed = row, None
        elif row.kind == "signed_off":
            signed = row
        elif row.kind == "published" and isinstance(row.data.get("version"), int):
            found[row.data["version"]] = {"asked": asked if "revision" in row.data else None,
                                          "signed": signed if "revision" in row.data else None,
                                          "how": row.data.get("how"), "by": row.actor}
    return found


@blueprint.route("/<form_id>/restore/<int:number>", methods=["POST"])
@studio_required
def restore(form_id: str, number: int) -> Any:
    check_csrf()
    user = me()
    with db().session() as session:
        require(session, form_id, "author")
        try:
            draft = studio.restore(session, form_id, number, expected_revision=_revision(),
                                   by=user.email, now=now())
        except studio.StudioError as error:
            session.rollback()
            flash(str(error))
            return redirect(url_for("studio.history", form_id=form_id))
        flash(f"Version {number} is now the draft (revision {draft.revision}). Check it, then "
              "ask for publication.")
    return redirect(url_for("studio.edit", form_id=form_id))


@blueprint.route("/<form_id>/close", methods=["POST"])
@studio_required
def close(form_id: str) -> Any:
    check_csrf()
    user = me()
    values = {"on": request.form.get("on", "")[:20].strip(),
              "message": request.form.get("message", "")[:MAX_MESSAGE]}
    with db().session() as session:
        require(session, form_id, "publish")
        today = now().date()
        if values["on"]:
            try:
                on = date.fromisoformat(values["on"])
            except ValueError:
                return _page(form_id, status=400, values=values, errors={
                    "on": "Enter the date like 2027-01-31, or leave it empty to close now."})
            if on < today:
                return _page(form_id, status=400, values=values, errors={
                    "on": "The date is in the past: leave it empty to close now."})
        else:
            on = today
        try:
            studio.close(session, form_id, on=on, message=values["message"], by=user.email,
                         now=now())
        except studio.StudioError as error:
            session.rollback()
            return _page(form_id, status=400, values=values, errors={"on": str(error)})
        _forget_cached(form_id)
        flash("The form is closed." if on == today else f"The form closes on {on.isoformat()}.")
    return redirect(url_for("studio.history", form_id=form_id))


@blueprint.route("/<form_id>/reopen", methods=["POST"])
@studio_required
def reopen(form_id: str) -> Any:
    check_csrf()
    user = me()
    with db().session() as session:
        require(session, form_id, "publish")
        try:
            studio.reopen(session, form_id, by=user.email, now=now())
        except studio.StudioError as error:
            session.rollback()
            flash(str(error))
            return redirect(url_for("studio.history", form_id=form_id))
        _forget_cached(form_id)
        flash("The form is open again.")
    return redirect(url_for("studio.history", form_id=form_id))
