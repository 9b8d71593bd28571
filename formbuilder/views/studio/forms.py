"""The forms list (filter and search) and a new form: blank, from an example, a copy, or an
uploaded YAML or JSON file (a bare JSON Schema too)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from formbuilder.models import User
from formbuilder.services import permissions, studio, studio_grants
from formbuilder.services.studio_grants import FormScope
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.studio.base import blueprint, db, me, studio_required
from schemas import FormError
from schemas.drafts import is_bare_schema
from schemas.source import parse

STATUSES = ("draft", "live", "live with a pending draft", "closed", "asked")
HOWS = ("blank", "template", "duplicate", "upload", "pdf")


@blueprint.route("")
@studio_required
def index() -> Any:
    user = me()
    query = request.args.get("q", "")[:200]
    status = request.args.get("status", "")[:40]
    department = request.args.get("department", "")[:200]
    with db().session(readonly=True) as session:
        rows = [row for row in studio.listing(session, now().date())
                if permissions.can(user, "see", FormScope(row.form_id, row.department))]
    departments = sorted({row.department for row in rows if row.department})
    shown = studio.search(rows, query=query, status=status if status in STATUSES else "",
                          department=department)
    return render_template("studio/list.html", rows=shown, total=len(rows), query=query,
                           status=status, department=department, statuses=STATUSES,
                           departments=departments, may_create=_may_create(user))


def _may_create(user: User) -> bool:
    return user.is_admin or any(line.grant == "author" and line.form_id is None
                                for line in studio_grants.grants_of(user))


def _copyable(session: Session, user: User) -> list[tuple[str, str]]:
    return [(row.form_id, row.title) for row in studio.listing(session, now().date())
            if permissions.can(user, "see", FormScope(row.form_id, row.department))]


@blueprint.route("/new", methods=["GET", "POST"])
@studio_required
def new() -> Any:
    user = me()
    if not _may_create(user):
        return render_template("studio/problem.html", title="You cannot make new forms",
                               message="Your studio grants let you edit some forms, not make "
                               "new ones. Ask an admin to make you an author of a "
                               "department."), 403
    allowed = studio_grants.departments_for(user)
    values = {"how": request.values.get("how", "blank")[:20], "title": "", "form_id": "",
              "department": allowed[0] if allowed else "", "template": "", "copy": ""}
    errors: dict[str, str] = {}
    with db().session() as session:
        if request.method == "POST":
            values.update({key: request.form.get(key, "")[:300].strip()
                           for key in ("title", "form_id", "department", "template", "copy")})
            values["form_id"] = values["form_id"].lower()[:63]
            if not csrf_form(request.form).validate():
                errors, created = {"title": "For your security, this page had to be reloaded. "
                                   "Check what you chose and make the form again."}, None
            else:
                errors, created = _create(session, user, values, allowed)
            if created is not None:
                return redirect(url_for("studio.build" if values["how"] == "pdf"
                                        else "studio.edit", form_id=created))
        page = render_template(
            "studio/new.html", values=values, errors=errors, hows=HOWS,
            templates=studio.templates(), copyable=_copyable(session, user),
            departments=allowed,
            suggested=studio.suggest_id(values["title"]) if values["title"] else "")
    return page, 400 if errors else 200


def _create(session: Session, user: User, values: dict[str, str],
            allowed: list[str] | None) -> tuple[dict[str, str], str | None]:
    errors: dict[str, str] = {}
    how = values["how"] if values["how"] in HOWS else "blank"
    if not values["title"] and how == "blank":
        errors["title"] = "Enter the form's title, as residents will read it."
    form_id = values["form_id"] or (studio.suggest_id(values["title"]) if values["title"]
                                    else "")
    values["form_id"] = form_id
    department = " ".join(values["department"].split()) or None
    if allowed is not None and not any(studio_grants.same_department(department, d)
                                       for d in allowed):
        errors["department"] = ("Choose one of your departments: "
                                + ", ".join(allowed) + ".")
    if not form_id:
        errors["form_id"] = "Enter an id for the form's address, like report-a-pothole."
    elif (problem := studio.id_problem(session, form_id)) is not None:
        errors["form_id"] = problem
    if how == "pdf" and not errors:
        return _create_from_pdf(session, user, values, form_id, department)
    text = ""
    try:
        text = _starting_text(session, user, how, values, form_id, department)
    except studio.StudioError as error:
        errors[{"upload": "file", "duplicate": "copy"}.get(how, how)] = str(error)
    if errors:
        return errors, None
    try:
        studio.create(session, form_id=form_id, department=department, text=text,
                      by=user.email, how=how, now=now())
    except studio.StudioError as error:
        return {"form_id": str(error)}, None
    return {}, form_id


def _create_from_pdf(session: Session, user: User, values: dict[str, str], form_id: str,
                     department: str | None) -> tuple[dict[str, str], str | None]:
    """A draft from the city's paper form: its fields become questions (issue 14)."""
    from flask import current_app

    from formbuilder.services import studio_builder

    upload = request.files.get("pdf")
    if upload is None or not upload.filename:
        return {"pdf": "Choose the form's PDF to import."}, None
    data = upload.read(studio_builder.PDF_SIZE_LIMIT + 1)
    try:
        studio_builder.create_from_pdf(
            session, current_app.extensions["storage"], form_id=form_id,
            department=department, data=data, file_name=upload.filename or "form.pdf",
            title=values["title"], by=user.email, now=now())
    except studio.StudioError as error:
        session.rollback()
        return {"pdf": str(error)}, None
    return {}, form_id


def _starting_text(session: Session, user: User, how: str, values: dict[str, str],
                   form_id: str, department: str | None) -> str:
    if how == "template":
        return studio.with_title(studio.template_source(values["template"],
                                                        form_id or "new-form"),
                                 values["title"])
    if how == "duplicate":
        source = values["copy"][:63]
        scope = studio.scope(session, source)
        if scope is None or not permissions.can(user, "see", scope):
            raise studio.StudioError("Choose one of the forms listed to copy.", "copy")
        draft = session.get(studio.FormDraft, source)
        if draft is not None:
            return studio.with_id(draft.source, form_id or "new-form")
        current = studio.live(session, source)
        assert current is not None
        definition = dict(current[0].definition, id=form_id or "new-form")
        return studio.definition_text(definition)
    if how == "upload":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise studio.StudioError("Choose a form file (.yaml, .yml or .json) to upload.",
                                     "upload")
        text = studio.read_upload(upload.read(studio.MAX_FILE_BYTES + 1), upload.filename)
        return studio.with_id(text, form_id) if not _bare(text) else text
    return studio.blank_source(form_id or "new-form", values["title"], department)


def _bare(text: str) -> bool:
    """A bare JSON Schema keeps its text as uploaded; its id comes from the draft's name."""
    try:
        data = parse(text, "upload.json" if text.lstrip().startswith("{") else "upload.yaml",
                     json_syntax=text.lstrip().startswith("{")).data
    except FormError:
        return False
    return isinstance(data, dict) and is_bare_schema(data)
