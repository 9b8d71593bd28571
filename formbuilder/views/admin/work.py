"""Admin pages for staff work: the audit log (filter, page, export as CSV) and API tokens
(create, shown once; revoke). Admins only, like the staff accounts page."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from formbuilder.services import api_tokens, audit, listing
from formbuilder.services.exports import neutralise
from formbuilder.views.auth import admin_required, current_user, now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.language import say
from formbuilder.views.paging import carried_args, cursor_arg

blueprint = Blueprint("work", __name__, url_prefix="/staff/admin")


def _db() -> Any:
    return current_app.extensions["db"]


@blueprint.route("/audit")
@admin_required
def audit_log() -> Any:
    filters, problems = audit.parse_filters(request.args)
    before = cursor_arg("before", listing.id_cursor, problems)
    args = carried_args("before", "lang")
    with _db().session(readonly=True) as db:
        rows, next_id = audit.page(db, filters, before=before)
        return render_template(
            "admin/audit.html", rows=rows, filters=filters, problems=problems,
            actions=audit.ACTIONS, export_url=url_for("work.audit_export", **args),
            next_url=url_for("work.audit_log", **args, before=next_id) if next_id else None)


@blueprint.route("/audit.csv")
@admin_required
def audit_export() -> Any:
    filters, problems = audit.parse_filters(request.args)
    if problems:
        abort(400)
    user = current_user()
    with _db().session() as db:
        audit.record(db, user.email if user else "unknown", "exported", target="audit",
                     detail={k: v for k, v in request.args.items()}, now=now())

    def rows() -> Any:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "at (UTC)", "actor", "action", "target", "form", "detail"])
        with _db().session(readonly=True) as db:
            for count, entry in enumerate(audit.every(db, filters)):
                writer.writerow([neutralise(v) for v in (
                    entry.id, entry.at.isoformat(), entry.actor, entry.action,
                    entry.target or "", entry.form_id or "", str(entry.detail or {}))])
                if count % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response


@blueprint.route("/tokens", methods=["GET", "POST"])
@admin_required
def tokens() -> Any:
    user = current_user()
    shown: str | None = None
    error: str | None = None
    form = csrf_form(request.form if request.method == "POST" else None)
    if request.method == "POST":
        if not form.validate():
            abort(400)
        with _db().session() as db:
            try:
                row, shown = api_tokens.create(db, request.form.get("name", ""),
                                               request.form.getlist("scope"),
                                               by=user.email if user else "admin", now=now())
                audit.record(db, row.created_by, "token_created", target=row.name,
                             detail={"id": row.id, "scopes": row.scopes}, now=now())
            except api_tokens.TokenError as problem:
                db.rollback()
                error = say(problem.args[0] if problem.args else str(problem))
    with _db().session(readonly=True) as db:
        listed = api_tokens.every(db)
        return render_template("admin/tokens.html", tokens=listed, shown=shown, error=error,
                               scopes=api_tokens.SCOPES, csrf=csrf_form(),
                               posted=request.form), 400 if error else 200


@blueprint.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_required
def revoke(token_id: int) -> Any:
    if not csrf_form(request.form).validate():
        abort(400)
    user = current_user()
    with _db().session() as db:
        row = api_tokens.revoke(db, token_id, now())
        if row is None:
            abort(404)
        audit.record(db, user.email if user else "admin", "token_revoked", target=row.name,
                     detail={"id": row.id}, now=now())
    return redirect(url_for("work.tokens"))
