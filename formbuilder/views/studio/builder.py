"""The builder: a form made question by question from menus, pages, translations and routing,
each change a plain form post that saves the draft's next revision (``services.studio_builder``)
and comes back to the page it was made on. Works without JavaScript; ``studio_builder.js``
only adds dragging questions, pages and steps into place.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from formbuilder.services import permissions, studio, studio_builder
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.studio.base import blueprint, db, me, require, studio_required
from schemas import builder
from schemas.model import NOTIFY_EVENTS
from schemas.yamltext import Document, TextError

TEXT = "text"
FLAG = "flag"
LIST = "list"
ROWS = "rows"
# What each change reads from the post. A text field that is not posted stays as it is.
FIELDS: dict[str, dict[str, str]] = {
    "add_question": {"kind": TEXT, "title": TEXT, "name": TEXT, "hint": TEXT, "required": FLAG,
                     "group": TEXT, "page": TEXT, "choices": TEXT, "widget": TEXT,
                     "file_types": LIST, "max_size": TEXT, "item_label": TEXT,
                     "add_label": TEXT, "first_question": TEXT, "statement": TEXT},
    "edit_question": {"path": TEXT, "title": TEXT, "hint": TEXT, "required": FLAG},
    "set_limits": {"path": TEXT, "min_length": TEXT, "max_length": TEXT, "minimum": TEXT,
                   "maximum": TEXT, "min_items": TEXT, "max_items": TEXT, "after": TEXT,
                   "before": TEXT, "max_size": TEXT, "file_types": LIST},
    "add_choice": {"path": TEXT, "label": TEXT},
    "rename_choice": {"path": TEXT, "value": TEXT, "label": TEXT},
    "move_choice": {"path": TEXT, "value": TEXT, "direction": TEXT},
    "remove_choice": {"path": TEXT, "value": TEXT},
    "set_group_labels": {"path": TEXT, "item_label": TEXT, "add_label": TEXT},
    "remove_question": {"path": TEXT},
    "move_question": {"path": TEXT, "direction": TEXT, "steps": TEXT},
    "set_condition": {"path": TEXT, "question": TEXT, "comparison": TEXT, "values": LIST,
                      "typed": TEXT},
    "clear_condition": {"path": TEXT},
    "add_page": {"title": TEXT, "fields": LIST},
    "edit_page": {"page": TEXT, "title": TEXT, "description": TEXT},
    "move_page": {"page": TEXT, "direction": TEXT, "steps": TEXT},
    "remove_page": {"page": TEXT},
    "move_to_page": {"path": TEXT, "page": TEXT},
    "set_page_when": {"page": TEXT, "when": TEXT, "rows": ROWS},
    "add_step": {"name": TEXT, "assign": LIST, "due": TEXT, "escalate_to": TEXT, "when": TEXT,
                 "rows": ROWS},
    "edit_step": {"step": TEXT, "name": TEXT, "assign": LIST, "due": TEXT,
                  "escalate_to": TEXT, "when": TEXT, "rows": ROWS},
    "move_step": {"step": TEXT, "direction": TEXT, "steps": TEXT},
    "remove_step": {"step": TEXT},
    "set_notify": {"event": TEXT, "recipients": LIST},
    "edit_form": {"title": TEXT, "description": TEXT, "confirmation": TEXT},
}
MAX_ROWS = 3


def arguments(operation: str, posted: MultiDict[str, str]) -> dict[str, Any]:
    """The change's arguments from a post: texts as typed, ticked boxes, lists, menu rows."""
    found: dict[str, Any] = {}
    for name, kind in FIELDS.get(operation, {}).items():
        if kind == FLAG:
            found[name] = posted.get(name) == "yes"
        elif kind == LIST:
            items = [v for v in posted.getlist(name) if v.strip()]
            other = posted.get(f"{name}_other", "")
            items += [v for v in other.replace(",", " ").split() if v]
            if items or name in posted or f"{name}_other" in posted:
                found[name] = items
        elif kind == ROWS:
            found[name] = [{"question": posted.get(f"when_question_{i}", ""),
                            "comparison": posted.get(f"when_comparison_{i}", ""),
                            "value": posted.get(f"when_value_{i}", ""),
                            "join": posted.get(f"when_join_{i}", "and")}
                           for i in range(MAX_ROWS)]
        elif name in posted:
            found[name] = posted.get(name, "")[:builder.MAX_TEXT + 1]
    if operation == "add_step" and "assign" not in found:
        found["assign"] = []
    return found


# --- pages ---------------------------------------------------------------------------------


@blueprint.route("/<form_id>/build")
@studio_required
def build(form_id: str) -> Any:
    with db().session(readonly=True) as session:
        return _page(session, form_id, "build")


@blueprint.route("/<form_id>/build/question")
@studio_required
def build_question(form_id: str) -> Any:
    with db().session(readonly=True) as session:
        return _page(session, form_id, "question", path=request.args.get("path", "")[:300])


@blueprint.route("/<form_id>/build/translations")
@studio_required
def build_translations(form_id: str) -> Any:
    with db().session(readonly=True) as session:
        return _page(session, form_id, "translations",
                     new_language=request.args.get("add", "")[:3].lower())


def _page(session: Session, form_id: str, view: str, *, error: str | None = None,
          status: int = 200, posted: MultiDict[str, str] | None = None, path: str = "",
          new_language: str = "") -> Any:
    user = me()
    scope = require(session, form_id, "see")
    may_edit = permissions.can(user, "author", scope)
    text, revision = studio_builder.draft_text(session, form_id)
    checked = studio.check(text, form_id=form_id, department=scope.department)
    form = checked.form
    context: dict[str, Any] = {
        "form_id": form_id, "tab": "build", "view": view, "revision": revision,
        "may_edit": may_edit, "error": error, "posted": posted or MultiDict(),
        "state": studio.publication(session, form_id), "checked": checked, "form": form,
        "kinds": builder.KINDS, "file_types": builder.FILE_TYPES,
        "comparisons": builder.COMPARISONS, "events": NOTIFY_EVENTS,
        "undo": studio_builder.last_change(session, form_id),
        "pdf": studio_builder.imported(session, form_id), "b": builder,
    }
    if form is not None:
        roles = studio_builder.known_roles(session, [
            name for step in form.routing for name in (*step.assignees, step.escalate_to or "")])
        ui = form.definition.get("ui")
        context.update(roles=roles, outline=_outline(form), step_due=_due,
                       describe_when=lambda text: builder.describe_when(form, text),
                       has_pages=isinstance(ui, dict) and bool(ui.get("pages")))
        if view == "question":
            found = form.fields.get(path)
            if found is None:
                return render_template("studio/problem.html", title="There is no such question",
                                       message="The question may have been removed or renamed. "
                                       "Go back to the builder."), 404
            context.update(_question_context(form, found))
        if view == "translations":
            try:
                data = Document(text).data
            except TextError:
                data = {}
            language = new_language if builder.LANGUAGE.match(new_language or "-") and \
                new_language not in form.languages else ""
            context.update(texts=builder.texts(data, form), new_language=language,
                           languages=[*form.languages[1:], *([language] if language else [])])
    template = {"build": "studio/build.html", "question": "studio/build_question.html",
                "translations": "studio/build_translations.html"}[view]
    return render_template(template, **context), status


def _question_context(form: Any, found: Any) -> dict[str, Any]:
    """What the question's page shows: its kind, hint, limits and condition in words."""
    schema = found.schema
    date_hint = "A date like 2027-01-31, or today (so the answer must be in the future for " \
        "“earliest”, in the past for “latest”)."
    limits: list[tuple[str, str, str, Any]] = []
    if found.kind in ("number", "integer"):
        limits += [("minimum", "Smallest", "", schema.get("minimum", "")),
                   ("maximum", "Largest", "", schema.get("maximum", ""))]
    elif found.kind in ("repeat", "multichoice", "list", "files"):
        limits += [("min_items", "Fewest", "", schema.get("minItems", "")),
                   ("max_items", "Most", "", schema.get("maxItems", ""))]
    elif found.kind == "file":
        limits += [("max_size", "Largest file", "Like 5 MB or 500 KB.",
                    schema.get("maxFileSize", ""))]
    elif found.format in ("date", "date-time"):
        limits += [("after", "Earliest (the answer must be after it)", date_hint,
                    schema.get("after", "")),
                   ("before", "Latest (the answer must be before it)", date_hint,
                    schema.get("before", ""))]
    elif found.kind == "text" and not found.format:
        limits += [("min_length", "Fewest characters", "", schema.get("minLength", "")),
                   ("max_length", "Most characters", "", schema.get("maxLength", ""))]
    path = tuple(found.source_path)
    condition_text = ""
    if found.conditional and len(path) >= 4 and path[-3] in ("then", "else"):
        holder = form.definition
        for key in path[:-3]:
            holder = holder[key] if isinstance(holder, (dict, list)) else {}
        found_test = holder.get("if") if isinstance(holder, dict) else None
        test = found_test if isinstance(found_test, dict) else {}
        names = list(test.get("properties") or test.get("required") or [])
        if len(names) == 1 and names[0] in form.fields:
            condition_text = builder.condition_text(form.fields[names[0]], test, path[-3])

    def row(child: Any) -> dict[str, Any]:
        return {"field": child, "kind": builder.kind_label(child), "condition": None,
                "children": [row(c) for c in form.children(child.path)]}

    return {"question": found, "kind": builder.kind_label(found),
            "hint": found.description.default if found.description else
            str(found.ui.get("hint", "")), "limit_fields": limits,
            "condition": builder.ask_only_if(form, found), "condition_text": condition_text,
            "children": form.children(found.path),
            "child_rows": [row(child) for child in form.children(found.path)]}


def _due(step: Any) -> str:
    """A step's ``due`` as it is written: ``8 hours``, ``2 days``, ``1 week``."""
    if step.due is None:
        return ""
    hours = int(step.due.total_seconds() // 3600)
    for unit, size in (("week", 168), ("day", 24), ("hour", 1)):
        if hours % size == 0 and hours >= size:
            count = hours // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{hours} hours"


def _outline(form: Any) -> list[dict[str, Any]]:
    """The form's pages and their questions as the builder lists them."""
    def row(found: Any) -> dict[str, Any]:
        return {"field": found, "kind": builder.kind_label(found),
                "condition": builder.ask_only_if(form, found),
                "children": [row(child) for child in form.children(found.path)]}

    pages = [{"index": i, "page": page, "when": builder.describe_when(form, page.when.text)
              if page.when is not None else None,
              "rows": [row(form.fields[name]) for name in page.fields if name in form.fields]}
             for i, page in enumerate(form.pages)]
    return pages


# --- changes -------------------------------------------------------------------------------


@blueprint.route("/<form_id>/build", methods=["POST"])
@studio_required
def build_change(form_id: str) -> Any:
    user = me()
    operation = request.form.get("op", "")[:40]
    view = request.form.get("view", "build")
    view = view if view in ("build", "question", "translations") else "build"
    path = request.form.get("return_path", request.form.get("path", ""))[:300]
    with db().session() as session:
        scope = require(session, form_id, "see")
        if not csrf_form(request.form).validate():
            return _page(session, form_id, view, status=400, posted=request.form, path=path,
                         error="For your security, this page had to be reloaded, so nothing "
                         "was changed. Make the change again.")
        if not permissions.can(user, "author", scope):
            return render_template("studio/problem.html", title="You cannot edit this form",
                                   message="You may read this form but not change it."), 403
        try:
            expected = int(request.form.get("revision", ""))
        except ValueError:
            expected = -1
        try:
            if operation == "undo":
                summary = studio_builder.undo(session, form_id, expected_revision=expected,
                                              by=user.email, now=now())
            else:
                if operation == "translate":
                    found = _translation_arguments(session, form_id, scope.department)
                elif operation in FIELDS:
                    found = arguments(operation, request.form)
                else:
                    raise studio.StudioError("The builder does not know that change.")
                _, summary = studio_builder.change(session, form_id, operation, found,
                                                   expected_revision=expected, by=user.email,
                                                   now=now())
        except studio.StaleDraft:
            session.rollback()
            return _page(session, form_id, view, status=409, posted=request.form, path=path,
                         error="Someone else saved this draft after you opened the page, so "
                         "your change was not made. The page now shows their version: make "
                         "your change again.")
        except studio.StudioError as error:
            session.rollback()
            return _page(session, form_id, view, status=400, posted=request.form, path=path,
                         error=str(error),
                         new_language=request.form.get("new_language", "")[:3].lower())
    flash(summary)
    anchor = request.form.get("anchor", "")[:80]
    target = {"question": url_for("studio.build_question", form_id=form_id, path=path),
              "translations": url_for("studio.build_translations", form_id=form_id)}.get(
                  view, url_for("studio.build", form_id=form_id))
    if view == "question" and operation == "remove_question":
        target = url_for("studio.build", form_id=form_id)
    return redirect(target + (f"#{anchor}" if anchor.replace("-", "").isalnum() else ""))


def _translation_arguments(session: Session, form_id: str, department: str | None
                           ) -> dict[str, Any]:
    text, _ = studio_builder.draft_text(session, form_id)
    form = studio.check(text, form_id=form_id, department=department).form
    if form is None:
        raise studio.StudioError("The draft has problems: fix them in the source first.")
    rows = builder.texts(Document(text).data, form)
    new_language = request.form.get("new_language", "").strip().lower()[:3]
    languages = [*form.languages[1:], *([new_language] if new_language else [])]
    cells: dict[tuple[str | int, ...], dict[str, str]] = {}
    for index, row in enumerate(rows):
        for language in languages:
            key = f"t-{index}-{language}"
            if key in request.form:
                cells.setdefault(row.path, {})[language] = request.form[key]
    return {"cells": cells, "new_language": new_language}


@blueprint.route("/<form_id>/build/pdf")
@studio_required
def build_pdf(form_id: str) -> Any:
    """The imported paper form, to read beside the draft."""
    from flask import current_app

    with db().session(readonly=True) as session:
        require(session, form_id, "see")
        found = studio_builder.imported(session, form_id)
    if found is None:
        return render_template("studio/problem.html", title="No PDF was imported",
                               message="This form was not made from a PDF."), 404
    try:
        stream = current_app.extensions["storage"].open(found.key)
    except FileNotFoundError:
        return render_template("studio/problem.html", title="The PDF is missing",
                               message="The imported PDF is no longer in the file store."), 404
    response = send_file(stream, mimetype="application/pdf", as_attachment=False,
                         download_name=_safe_name(found.name))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _safe_name(name: str) -> str:
    plain = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:100]
    return plain if plain.lower().endswith(".pdf") else f"{plain or 'form'}.pdf"


def json_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
