"""Editing a draft's source: the text as typed, checked on every save, each problem beside its
line; a save that would overwrite a colleague's newer save is refused with the difference."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from formbuilder.services import permissions, studio
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.studio.base import blueprint, db, me, require, studio_required
from formbuilder.views.studio.guide import guide_link

MAX_GUTTER_LINES = 50_000


@blueprint.route("/<form_id>")
@studio_required
def form(form_id: str) -> Any:
    return redirect(url_for("studio.edit", form_id=form_id))


def current_text(session: Session, form_id: str) -> tuple[str, int]:
    """The draft text and its revision; a form published only from a file starts from its
    live definition (revision 0), written as a draft at its first save."""
    draft = session.get(studio.FormDraft, form_id)
    if draft is not None:
        return draft.source, draft.revision
    current = studio.live(session, form_id)
    text = studio.definition_text(current[0].definition) if current is not None else ""
    return text, studio.publication(session, form_id).revision


@blueprint.route("/<form_id>/edit", methods=["GET", "POST"])
@studio_required
def edit(form_id: str) -> Any:
    user = me()
    with db().session() as session:
        scope = require(session, form_id, "see")
        may_edit = permissions.can(user, "author", scope)
        text, revision = current_text(session, form_id)
        notice, conflict, status = None, None, 200
        if request.method == "POST" and not csrf_form(request.form).validate():
            # An expired or missing token: nothing is saved, and nothing typed is lost.
            notice, status = ("For your security, this page had to be reloaded, so your text "
                              "was not saved yet. It is in the box below: save again."), 400
            text = request.form.get("source", text).replace("\r\n", "\n")
        elif request.method == "POST":
            if not may_edit:
                return render_template("studio/problem.html", title="You cannot edit this form",
                                       message="You may read this form but not change it."), 403
            posted = request.form.get("source", "").replace("\r\n", "\n")
            try:
                expected = int(request.form.get("revision", ""))
            except ValueError:
                expected = -1
            try:
                draft, _ = studio.save(session, form_id, text=posted, expected_revision=expected,
                                       by=user.email, now=now())
            except studio.StaleDraft as stale:
                session.rollback()
                text, revision = current_text(session, form_id)
                conflict = {"by": stale.draft.updated_by, "at": stale.draft.updated_at,
                            "diff": studio.text_diff(text, posted, before_name="saved by "
                                                     f"{stale.draft.updated_by}",
                                                     after_name="yours (not saved)")}
                notice, status, text = str(stale), 409, posted
            except studio.StudioError as error:
                notice, status, text = str(error), 400, posted
            else:
                return redirect(url_for("studio.edit", form_id=form_id, saved=draft.revision)
                                + "#problems")
        department = scope.department
        checked = studio.check(text, form_id=form_id, department=department) \
            if status != 400 or conflict else None
        return render_template(
            "studio/edit.html", form_id=form_id, text=text, revision=revision,
            may_edit=may_edit, notice=notice, conflict=conflict, checked=checked,
            problems=_problems(checked, text) if checked else [],
            lines=min(text.count("\n") + 1, MAX_GUTTER_LINES),
            saved=request.args.get("saved"), tab="edit",
            state=studio.publication(session, form_id)), status


def _problems(checked: studio.Checked, text: str) -> list[dict[str, Any]]:
    lines = text.split("\n")
    found = []
    for problem in checked.problems:
        line = problem.line
        snippet = lines[line - 1].strip()[:200] if line and 0 < line <= len(lines) else ""
        found.append({"line": line, "message": problem.message, "severity": problem.severity,
                      "snippet": snippet, "guide": guide_link(problem.code)})
    return found
