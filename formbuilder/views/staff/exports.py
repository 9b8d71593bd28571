"""``/staff/forms/<id>/export``: a form's submissions as CSV or XLSX, recorded in the audit.

CSV streams batch by batch from a session opened inside the response, so the first bytes
leave before the last rows are read; XLSX is written by openpyxl's write-only mode to a
temporary file, then sent. Staff get only the versions of the form their roles may see.
"""

from __future__ import annotations

import tempfile
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    request,
    send_file,
    stream_with_context,
)

from formbuilder.services import audit, exports, submissions_search
from formbuilder.views.auth import now, staff_required
from formbuilder.views.language import current_language
from formbuilder.views.staff.base import blueprint, signed_in


@blueprint.route("/forms/<form_id>/export")
@staff_required
def export(form_id: str) -> Any:
    user = signed_in()
    kind = request.args.get("format", "csv")
    items = request.args.get("part") == "items"
    filters, problems = submissions_search.parse_filters(
        {k: v for k, v in request.args.items() if k in ("status", "from", "to")})
    if kind not in exports.FORMATS or problems:
        abort(400)
    database = current_app.extensions["db"]
    zone = current_app.config.get("TIME_ZONE") or "UTC"
    lang = current_language()
    moment = now()
    with database.session() as db:
        shape = exports.layout(db, form_id[:63], zone)
        if shape is None:
            abort(404)
        versions = submissions_search.visible_versions(db, user)
        if versions is not None and not set(versions) & set(shape.version_numbers):
            audit.record(db, user.email, "refused", target=form_id, form_id=form_id,
                         detail={"action": "export"}, now=moment)
            db.commit()
            abort(403)
        audit.record(db, user.email, "exported", target=form_id, form_id=form_id, now=moment,
                     detail={"format": kind, "part": "items" if items else "submissions",
                             "status": filters.status, "from": request.args.get("from"),
                             "to": request.args.get("to")})
    name = f"{form_id}-{moment:%Y%m%d}{'-items' if items else ''}"

    def chunks(db: Any) -> Any:
        return exports.batches(db, form_id, filters, versions=versions, now=moment)

    if kind == "xlsx":
        target = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it once sent
        with database.session(readonly=True) as db:
            exports.write_xlsx(shape, chunks(db), target, lang=lang)
        target.seek(0)
        return send_file(target, download_name=f"{name}.xlsx", as_attachment=True, max_age=0,
                         mimetype="application/vnd.openxmlformats-officedocument"
                                  ".spreadsheetml.sheet")

    def stream() -> Any:
        with database.session(readonly=True) as db:
            yield from exports.csv_text(shape, chunks(db), items=items, lang=lang)

    response = Response(stream_with_context(stream()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
