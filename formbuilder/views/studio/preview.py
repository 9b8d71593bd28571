"""Preview: the draft exactly as residents will see it, page by page, in each language, at
phone or desktop width, with JavaScript on or off; Check your answers and its PDF; the blank
printable PDF.

The pages are drawn by the same renderers and the same resident layout as ``/forms``, inside
a frame of the studio page (so the width is the phone's). The answers are kept in the
``studio_previews`` row of this staff member and form, never in a draft or a submission:
a preview makes no reference number, sends no email and counts in no statistics.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import Response, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

import schemas
from formbuilder.models import User
from formbuilder.services import studio
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.headers import CONTENT_SECURITY_POLICY
from formbuilder.views.studio.base import blueprint, check_csrf, db, me, require, studio_required
from renderers import html
from renderers.pdf import render_blank, render_submission
from renderers.wtforms import answers_from_post
from schemas.flow import active_pages, applicable_answers, next_page
from schemas.i18n import SUPPORTED_LANGUAGES

PREVIEW_FILE = "att_preview"
WIDTHS = {"phone": 390, "desktop": 1024}


def _form(session: Session, form_id: str) -> schemas.Form | None:
    """The draft's form when it has no errors; the live one when there is no draft."""
    draft = session.get(studio.FormDraft, form_id)
    if draft is None:
        current = studio.live(session, form_id)
        return current[1] if current is not None else None
    return studio.check(draft.source, form_id=form_id, department=draft.department).form


def _chosen(name: str, allowed: Collection[str], default: str) -> str:
    """A query argument when it is one of ``allowed``, else ``default``: a hand-edited address
    shows the usual view rather than an error."""
    value = request.args.get(name, default)
    return value if value in allowed else default


def _language(form: schemas.Form, lang: str) -> str:
    if lang not in form.languages and lang not in SUPPORTED_LANGUAGES:
        abort(404)
    g.lang = lang if lang in SUPPORTED_LANGUAGES else "en"
    return lang


@blueprint.route("/<form_id>/preview")
@studio_required
def preview(form_id: str) -> Any:
    with db().session(readonly=True) as session:
        require(session, form_id, "see")
        form = _form(session, form_id)
        state = studio.publication(session, form_id)
        languages = form.languages if form is not None else ("en",)
        lang = _chosen("in", languages, languages[0])
        width = _chosen("width", WIDTHS, "phone")
        js = request.args.get("js", "on") != "off"
        frame = url_for("studio.preview_page", form_id=form_id, lang=lang, number=1,
                        js=None if js else "off") if form is not None else None
        return render_template("studio/preview.html", form_id=form_id, form=form, tab="preview",
                               lang_choice=lang, languages=languages, width=width, js=js,
                               widths=WIDTHS, frame=frame, state=state, csrf=csrf_form())


@blueprint.route("/<form_id>/preview/reset", methods=["POST"])
@studio_required
def preview_reset(form_id: str) -> Any:
    check_csrf()
    with db().session() as session:
        require(session, form_id, "see")
        studio.clear_preview(session, form_id, me())
    return redirect(url_for("studio.preview", form_id=form_id))


def _framed(body: str, status: int = 200) -> Response:
    """A page the studio's own preview frame may show; without JavaScript, none runs."""
    response = current_app.make_response((body, status))
    policy = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    if request.args.get("js") == "off":
        policy = policy.replace("script-src 'self'", "script-src 'none'")
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _describe(attachment_id: str) -> dict[str, Any] | None:
    if not str(attachment_id).startswith(PREVIEW_FILE):
        return None
    return {"name": "A file (files are not kept in a preview)", "size": 0,
            "media_type": "application/octet-stream", "url": "#", "thumbnail_url": None}


def _seen(session: Session, form_id: str) -> schemas.Form:
    """The form to preview, for someone who may see it; 404 when there is none to show."""
    require(session, form_id, "see")
    form = _form(session, form_id)
    if form is None:
        abort(404)
    return form


def _loaded(session: Session, form_id: str, lang: str) -> tuple[schemas.Form, User, dict]:
    form = _seen(session, form_id)
    _language(form, lang)
    user = me()
    return form, user, studio.preview_answers(session, form_id, user)


def _page_fields(form: schemas.Form, index: int) -> list:
    return [form.fields[name] for name in form.pages[index].fields if name in form.fields]


def _errors_on_page(form: schemas.Form, answers: dict, fields: list) -> list:
    names = {f.path for f in fields}
    files = {f.path for f in form.fields.values() if f.kind in ("file", "files")}
    return [e for e in form.validate(applicable_answers(form, answers), g.lang)
            if e.path.split(".")[0] in names and e.path.split(".")[0] not in files]


def _js() -> str | None:
    return "off" if request.args.get("js") == "off" else None


@blueprint.route("/<form_id>/preview/<lang>/<int:number>", methods=["GET", "POST"])
@studio_required
def preview_page(form_id: str, lang: str, number: int) -> Any:
    with db().session() as session:
        form, user, answers = _loaded(session, form_id, lang)
        index = number - 1
        if not 0 <= index < len(form.pages):
            abort(404)
        fields = _page_fields(form, index)
        errors: list = []
        status = 200
        notice = None
        if request.method == "POST":
            uploads = {name: PREVIEW_FILE for name, file in request.files.items()
                       if file.filename}
            result = answers_from_post(form, fields, request.form, previous=answers,
                                       uploads=uploads)
            answers = result.answers
            if not csrf_form(request.form).validate():
                notice, status = ("For your security, check your answers on this page and "
                                  "continue again. Nothing you typed has been lost."), 400
            else:
                studio.save_preview(session, form_id, user, answers, now())
                if not result.action and "_save" in request.form:
                    notice = ("In a preview nothing is saved for later: residents would get a "
                              "private link here.")
                elif not result.action:
                    errors = _errors_on_page(form, answers, fields)
                    if not errors:
                        relevant = applicable_answers(form, answers)
                        following = next_page(form, index, relevant)
                        target = url_for("studio.preview_check", form_id=form_id, lang=lang,
                                         js=_js()) if following is None else url_for(
                            "studio.preview_page", form_id=form_id, lang=lang,
                            number=following + 1, js=_js())
                        return redirect(target)
                    status = 400
        return _framed(_page(form, index, answers, errors, notice, lang), status)


def _page(form: schemas.Form, index: int, answers: dict, errors: list, notice: str | None,
          lang: str) -> str:
    fields = _page_fields(form, index)
    pages = active_pages(form, answers)
    position = pages.index(index) + 1 if index in pages else index + 1
    back = None
    if index in pages and pages.index(index) > 0:
        back = url_for("studio.preview_page", form_id=form.id, lang=lang,
                       number=pages[pages.index(index) - 1] + 1, js=_js())
    return render_template(
        "studio/preview_page.html", form=form, index=index, position=position,
        total=len(pages), csrf=csrf_form(), errors=errors, back=back, notice=notice,
        error_summary=html.render_error_summary(form, errors, lang) if errors else None,
        questions=html.render_questions(form, fields, answers, errors, lang,
                                        attachments=_describe),
        action=url_for("studio.preview_page", form_id=form.id, lang=lang, number=index + 1,
                       js=_js()),
        has_files=any(f.kind in ("file", "files") for f in fields), js=_js() is None,
        lang=lang)


@blueprint.route("/<form_id>/preview/<lang>/check")
@studio_required
def preview_check(form_id: str, lang: str) -> Any:
    with db().session(readonly=True) as session:
        form, _, answers = _loaded(session, form_id, lang)
        relevant = applicable_answers(form, answers)
        files = {f.path for f in form.fields.values() if f.kind in ("file", "files")}
        errors = [e for e in form.validate(relevant, lang) if e.path.split(".")[0] not in files]
        summary = html.render_check_answers(
            form, relevant, lang, attachments=_describe,
            change_url=lambda page, path: url_for("studio.preview_page", form_id=form_id,
                                                  lang=lang, number=page + 1, js=_js())
            + f"#{html.field_id(path)}")
        body = render_template(
            "studio/preview_check.html", form=form, summary=summary, errors=errors,
            error_summary=html.render_error_summary(form, errors, lang) if errors else None,
            pdf=url_for("studio.preview_pdf", form_id=form_id, lang=lang), lang=lang,
            sent=url_for("studio.preview_sent", form_id=form_id, lang=lang, js=_js()))
        return _framed(body)


@blueprint.route("/<form_id>/preview/<lang>/sent")
@studio_required
def preview_sent(form_id: str, lang: str) -> Any:
    with db().session(readonly=True) as session:
        form, _, _ = _loaded(session, form_id, lang)
        return _framed(render_template("studio/preview_sent.html", form=form, lang=lang))


@blueprint.route("/<form_id>/preview/<lang>/answers.pdf")
@studio_required
def preview_pdf(form_id: str, lang: str) -> Any:
    with db().session(readonly=True) as session:
        form, _, answers = _loaded(session, form_id, lang)
        data = render_submission(
            form, applicable_answers(form, answers), lang=lang, reference="PREVIEW",
            submitted_at=now(), version_number=0, city_name=current_app.config["CITY_NAME"])
    return _pdf(data, f"{form_id}-preview.pdf")


@blueprint.route("/<form_id>/blank.pdf")
@studio_required
def blank_pdf(form_id: str) -> Any:
    with db().session(readonly=True) as session:
        form = _seen(session, form_id)
        lang = _chosen("lang", form.languages, form.default_language)
        data = render_blank(form, lang=lang, city_name=current_app.config["CITY_NAME"])
    return _pdf(data, f"{form_id}-blank-{lang}.pdf")


def _pdf(data: bytes, name: str) -> Response:
    response = current_app.make_response(data)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
