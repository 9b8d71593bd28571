"""After submitting, the resident may say how easy the form was: one optional question.

Only the browser that sent the submission may answer for it (its reference is in the signed
session), so nobody rates a stranger's case by guessing references.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, request, session, url_for

from formbuilder.services import satisfaction, submissions
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.language import current_language

blueprint = Blueprint("feedback", __name__)


@blueprint.route("/forms/<form_id>/done/<reference>/feedback", methods=["POST"])
def feedback(form_id: str, reference: str) -> Any:
    if not csrf_form(request.form).validate():
        abort(400)
    if reference not in session.get("submitted", []):
        abort(403)
    rating_text = request.form.get("rating", "")
    rating = int(rating_text) if rating_text in ("1", "2", "3", "4", "5") else None
    comment = request.form.get("comment", "")[:satisfaction.MAX_COMMENT]
    if rating is None and not comment.strip():
        return redirect(url_for("public.done", form_id=form_id, reference=reference))
    with current_app.extensions["db"].session() as db:
        found = submissions.get_by_reference(db, reference[:40])
        if found is None or found.form_id != form_id:
            abort(404)
        satisfaction.record(db, found, rating, comment, language=current_language(),
                            now=now())
    return redirect(url_for("public.done", form_id=form_id, reference=reference,
                            thanks=1))
