"""What residents see: the catalogue, forms page by page, check answers, submit, track.

In-progress answers live in a server-side draft (a database row), never only in the cookie:
a page with errors, an expired session or a closed tab loses nothing, and the same draft is
what "save and come back later" links to.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    session,
    url_for,
)
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from formbuilder.files.uploads import download_name
from formbuilder.models import Attachment, Draft, FormVersion, Submission
from formbuilder.notifiers import email as email_notifier
from formbuilder.services import catalogue as catalogue_search
from formbuilder.services import drafts, publishing, routing, submissions
from formbuilder.services.attachments import recheck, store_uploads
from formbuilder.views.csrf import CsrfForm as CsrfForm
from formbuilder.views.csrf import csrf_form as _csrf_form
from formbuilder.views.language import current_language, gettext
from formbuilder.views.public import funnel
from renderers import html
from renderers.wtforms import answers_from_post
from schemas import Form
from schemas.flow import active_pages, applicable_answers, next_page
from schemas.validation import FieldError

blueprint = Blueprint("public", __name__)
RENDERER_STATIC = html.static_folder()


def _db() -> Any:
    return current_app.extensions["db"]


@blueprint.route("/assets/<path:filename>")
def renderer_static(filename: str) -> Response:
    return send_from_directory(RENDERER_STATIC, filename, max_age=3600)


@blueprint.route("/")
def catalogue() -> str:
    query = request.args.get("q", "")[:200]
    with _db().session() as db:
        forms = [publishing.form_of(v) for v in publishing.published_forms(db)]
    found = catalogue_search.search(forms, query)
    return render_template("public/catalogue.html", forms=found, query=query,
                           today=date.today())


# How long a process may keep serving a form's version after another process published a
# newer one; within one process, publishing clears the cache at once.
PUBLISHED_MAX_AGE = 5.0


def _published(db: Session, form_id: str) -> tuple[FormVersion, Form]:
    """The latest version of a form, looked up at most every few seconds per process.

    Versions never change once written, so the cached row (detached, with its columns loaded)
    is only read, never attached to another session.
    """
    cache = current_app.extensions.setdefault("published_versions", {})
    now = time.monotonic()
    hit = cache.get(form_id)
    if hit is not None and hit[0] > now:
        version = hit[1]
    else:
        version = publishing.latest_version(db, form_id)
        if version is None:
            abort(404)
        cache[form_id] = (now + PUBLISHED_MAX_AGE, version)
    return version, publishing.form_of(version)


def _draft(db: Session, form_id: str) -> tuple[Draft | None, str | None]:
    """This browser's draft of the form; notes it when one was started but has expired."""
    token = session.get("drafts", {}).get(form_id)
    draft = drafts.load_draft(db, token) if token else None
    if token and draft is None:
        g.draft_expired = True
        remaining = dict(session.get("drafts", {}))
        remaining.pop(form_id, None)
        session["drafts"] = remaining
    return draft, token if draft else None


def _filling(db: Session, form_id: str
             ) -> tuple[FormVersion, Form, Draft | None, str | None, bool]:
    """The version this browser fills in, its draft, and whether it answers a return.

    Normally the latest published version; but changed answers to a return for changes stay on
    the submission's own version, even after a newer one was published or the form closed, so
    they are asked and checked exactly as the staff member saw them.
    """
    draft, token = _draft(db, form_id)
    if draft is not None and form_id in session.get("answering", {}):
        return draft.form_version, publishing.form_of(draft.form_version), draft, token, True
    version, form = _published(db, form_id)
    return version, form, draft, token, False


def _remember(form_id: str, token: str) -> None:
    saved = dict(session.get("drafts", {}))
    saved[form_id] = token
    session["drafts"] = saved
    session.permanent = True


def _page_fields(form: Form, index: int) -> list:
    names = form.pages[index].fields
    return [form.fields[name] for name in names if name in form.fields]


def _on_page(error: FieldError, fields: list) -> bool:
    top = error.path.split(".")[0]
    return any(field.path == top for field in fields)


def _readable(db: Session, form_id: str, found: Attachment | None) -> bool:
    """Whether this browser may see an upload: one its own draft uploaded, or one of the
    submission whose return it is answering. Attachment ids are not secrets (they travel in
    receipts and can be typed into any answer), so the id alone proves nothing."""
    if found is None or found.form_id != form_id:
        return False
    draft, _ = _draft(db, form_id)
    if draft is None:
        return False
    if found.submission_id is None:
        return found.draft_id == draft.id
    answering = _answering(db, form_id) if form_id in session.get("answering", {}) else None
    return answering is not None and found.submission_id == answering[0].id


def _attachments(db: Session, form_id: str) -> Any:
    def describe(attachment_id: str) -> dict[str, Any] | None:
        found = db.get(Attachment, attachment_id)
        if not _readable(db, form_id, found):
            return None
        assert found is not None
        url = url_for("public.attachment", form_id=form_id, attachment_id=found.id)
        image = found.media_type.startswith("image/")
        return {"name": found.file_name, "size": found.size, "media_type": found.media_type,
                "url": url, "thumbnail_url": url if image else None}

    return describe


def _render_page(db: Session, form: Form, index: int, answers: Mapping[str, Any],
                 errors: list[FieldError], *, status: int = 200,
                 notice: str | None = None) -> tuple[str, int]:
    lang = current_language()
    fields = _page_fields(form, index)
    pages = active_pages(form, answers)
    position = pages.index(index) + 1 if index in pages else index + 1
    back = None
    if index in pages and pages.index(index) > 0:
        back = url_for("public.page", form_id=form.id, number=pages[pages.index(index) - 1] + 1)
    questions = html.render_questions(form, fields, answers, errors, lang,
                                      attachments=_attachments(db, form.id))
    if getattr(g, "draft_expired", False) and notice is None:
        notice = gettext("The answers you started more than 30 days ago have been deleted, "
                         "as we keep unsent answers for 30 days. Please start again.")
    return render_template(
        "public/page.html", form=form, index=index, position=position, total=len(pages),
        csrf=_csrf_form(), errors=errors, back=back, notice=notice,
        error_summary=html.render_error_summary(form, errors, lang) if errors else None,
        questions=questions, change=request.args.get("change") == "1", lang=lang,
        has_files=any(f.kind in ("file", "files") for f in fields),
    ), status


@blueprint.route("/forms/<form_id>")
def start(form_id: str) -> Any:
    with _db().session() as db:
        _, form, draft, _, answering = _filling(db, form_id)
        if not answering and not form.is_open(date.today()):
            return render_template("public/closed.html", form=form, today=date.today())
        answers = draft.answers if draft else {}
        first = active_pages(form, answers)[0]
        return _render_page(db, form, first, answers, [])


@blueprint.route("/forms/<form_id>/<int:number>", methods=["GET", "POST"])
def page(form_id: str, number: int) -> Any:
    with _db().session() as db:
        version, form, draft, token, answering = _filling(db, form_id)
        if not answering and not form.is_open(date.today()):
            return render_template("public/closed.html", form=form, today=date.today())
        index = number - 1
        if not 0 <= index < len(form.pages):
            abort(404)
        answers = dict(draft.answers) if draft else {}
        if request.method == "GET":
            if draft is not None:
                funnel.reached(db, form_id, draft, index)
            return _render_page(db, form, index, answers, [])
        return _post_page(db, version, form, index, draft, token, answers)


def _post_page(db: Session, version: FormVersion, form: Form, index: int, draft: Draft | None,
               token: str | None, answers: dict[str, Any]) -> Any:
    fields = _page_fields(form, index)
    result = answers_from_post(form, fields, request.form, previous=answers)
    answers = result.answers
    if not _csrf_form(request.form).validate():
        notice = gettext("For your security, check your answers on this page and continue "
                         "again. Nothing you typed has been lost.")
        return _render_page(db, form, index, answers, [], status=400, notice=notice)
    if draft is None:
        draft, token = drafts.start_draft(db, version, current_language())
        _remember(form.id, token)
    upload_errors = store_uploads(db, current_app.extensions["storage"], form, fields,
                                  request.files, answers, lang=current_language(),
                                  limit=current_app.config["MAX_UPLOAD_BYTES"],
                                  draft_id=draft.id,
                                  max_pixels=current_app.config.get("MAX_IMAGE_PIXELS"))
    funnel.reached(db, form.id, draft, index)
    drafts.save_answers(db, draft, answers, index)
    if result.action:
        return _render_page(db, form, index, answers, [])
    if "_save" in request.form:
        return redirect(url_for("public.saved", form_id=form.id))
    relevant = applicable_answers(form, answers)
    refused = {e.path for e in upload_errors}
    # A refused file explains its question's missing answer better than "Select a file".
    errors = upload_errors + [e for e in form.validate(relevant, current_language())
                              if _on_page(e, fields) and e.path not in refused]
    if errors:
        return _render_page(db, form, index, answers, errors, status=400)
    if request.args.get("change") == "1":
        return redirect(url_for("public.check", form_id=form.id))
    following = next_page(form, index, relevant)
    if following is None:
        return redirect(url_for("public.check", form_id=form.id))
    return redirect(url_for("public.page", form_id=form.id, number=following + 1))


def _problems(db: Session, form: Form, answers: Mapping[str, Any],
              lang: str) -> list[FieldError]:
    """What stops these answers being sent: the schema's judgement, and the draft's files
    judged again by this version (a newer one may refuse a file uploaded under an older)."""
    refused = recheck(db, form, answers, lang=lang,
                      limit=current_app.config["MAX_UPLOAD_BYTES"])
    paths = {e.path for e in refused}
    return refused + [e for e in form.validate(answers, lang) if e.path not in paths]


def _idempotency_key(token: str) -> str:
    return hashlib.sha256(f"submit:{token}".encode()).hexdigest()[:40]


@blueprint.route("/forms/<form_id>/check")
def check(form_id: str) -> Any:
    with _db().session() as db:
        _, form, draft, token, _ = _filling(db, form_id)
        if draft is None or token is None:
            return redirect(url_for("public.start", form_id=form_id))
        lang = current_language()
        answers = applicable_answers(form, draft.answers)
        errors = _problems(db, form, answers, lang)
        summary = html.render_check_answers(
            form, answers, lang, attachments=_attachments(db, form_id),
            change_url=lambda page, path: url_for("public.page", form_id=form_id,
                                                  number=page + 1, change=1)
            + f"#{html.field_id(path)}")
        return render_template("public/check.html", form=form, summary=summary,
                               errors=errors, key=_idempotency_key(token),
                               csrf=_csrf_form(),
                               error_summary=html.render_error_summary(form, errors, lang)
                               if errors else None)


@blueprint.route("/forms/<form_id>/submit", methods=["POST"])
def submit(form_id: str) -> Any:
    key = request.form.get("key", "")[:64]
    with _db().session() as db:
        version, form, draft, token, answering_return = _filling(db, form_id)
        existing = submissions.get_by_key(db, form_id, key) if key else None
        if existing is None and key in session.get("resubmitted", {}):
            existing = submissions.get_by_reference(db, session["resubmitted"][key])
        if existing is not None:
            return _confirmed(existing)
        if not _csrf_form(request.form).validate():
            abort(400)
        if not answering_return and not form.is_open(date.today()):
            # Closed between "Check your answers" and Submit: pages refuse, so must this.
            return render_template("public/closed.html", form=form, today=date.today()), 403
        if draft is None or token is None or key != _idempotency_key(token):
            return redirect(url_for("public.check", form_id=form_id))
        answers = applicable_answers(form, draft.answers)
        if _problems(db, form, answers, current_language()):
            return redirect(url_for("public.check", form_id=form_id))
        if form_id in session.get("answering", {}):
            answering = _answering(db, form_id)
            if answering is None:  # answered meanwhile, perhaps from another browser
                return _already_sent(db, draft, form_id)
            return _resubmit(db, draft, answering, answers, key)
        created, _ = submissions.create_submission(
            db, version, answers, language=current_language(), idempotency_key=key,
            attachment_ids=drafts.own_uploads(db, draft, answers))
        drafts.delete_draft(db, draft)
        reference = created.reference
    remaining = dict(session.get("drafts", {}))
    remaining.pop(form_id, None)
    session["drafts"] = remaining
    session["submitted"] = [*session.get("submitted", [])[-9:], reference]
    return redirect(url_for("public.done", form_id=form_id, reference=reference))


def _confirmed(existing: Submission) -> BaseResponse:
    return redirect(url_for("public.done", form_id=existing.form_id,
                            reference=existing.reference))


@blueprint.route("/forms/<form_id>/done/<reference>")
def done(form_id: str, reference: str) -> str:
    with _db().session() as db:
        _, form = _published(db, form_id)
        found = submissions.get_by_reference(db, reference)
        if found is None or found.form_id != form_id:
            abort(404)
    return render_template("public/done.html", form=form, reference=reference)


@blueprint.route("/forms/<form_id>/saved", methods=["GET", "POST"])
def saved(form_id: str) -> Any:
    """The resume link, and a box to have it emailed (a job: nothing is sent in the request)."""
    with _db().session() as db:
        _, form = _published(db, form_id)
        draft, token = _draft(db, form_id)
        if draft is None or token is None:
            abort(404)
        link = url_for("public.resume", token=token, _external=True)
        email, error, sent_to = "", None, None
        if request.method == "POST":
            if not _csrf_form(request.form).validate():
                abort(400)
            email = request.form.get("email", "").strip()[:320]
            error = _resume_email_error(email)
            if error is None:
                email_notifier.send_resume_link(db, draft, token, email,
                                               lang=current_language(),
                                               secret_key=current_app.config["SECRET_KEY"])
                sent_to = email
        return render_template("public/saved.html", form=form, link=link,
                               expires=draft.expires_at.date(), csrf=_csrf_form(),
                               email=email, error=error, sent_to=sent_to), 400 if error else 200


def _resume_email_error(email: str) -> str | None:
    from formbuilder.mail.addresses import BadAddress, check_address

    if not email:
        return gettext("Enter your email address")
    try:
        check_address(email)
    except BadAddress:
        return gettext("Enter an email address in the correct format, like name@example.com")
    return None


@blueprint.route("/resume/<token>", methods=["GET", "POST"])
def resume(token: str) -> Any:
    """A "continue later" link. Opening it asks first (a GET changes nothing, so a mail
    scanner that follows links spends nothing), and says so when this browser already has
    answers of its own for the form: anyone can email anyone a link, so a link must never
    silently replace them. Continuing gives the draft a new secret held by this browser
    alone, so the link, and whoever else holds it, can no longer read what is typed next."""
    with _db().session() as db:
        draft = drafts.load_draft(db, token)
        if draft is None:
            return render_template("public/expired.html"), 404
        form = publishing.form_of(draft.form_version)
        own, own_token = _draft(db, draft.form_id)
        if own is not None and own_token == token:
            return redirect(url_for("public.page", form_id=draft.form_id,
                                    number=draft.page + 1))
        if request.method == "GET":
            return render_template("public/resume.html", form=form, csrf=_csrf_form(),
                                   replaces=own is not None, token=token)
        if not _csrf_form(request.form).validate():
            abort(400)
        _remember(draft.form_id, drafts.rotate(db, draft))
        _forget_answering(draft.form_id)
        return redirect(url_for("public.page", form_id=draft.form_id, number=draft.page + 1))


@blueprint.route("/forms/<form_id>/files/<attachment_id>")
def attachment(form_id: str, attachment_id: str) -> Any:
    """A file the resident uploaded, only to the browser whose draft holds it."""
    with _db().session() as db:
        draft, _ = _draft(db, form_id)
        found = db.get(Attachment, attachment_id[:40])
        if draft is None or not _readable(db, form_id, found) \
                or attachment_id not in drafts.attachment_ids(draft.answers):
            abort(404)
        assert found is not None
        stream = current_app.extensions["storage"].open(found.storage_key)
        image = found.media_type in ("image/jpeg", "image/png", "image/gif", "image/webp")
        return send_file(stream, mimetype=found.media_type,
                         download_name=download_name(found.file_name, found.media_type),
                         as_attachment=not image, max_age=0)


@blueprint.route("/track", methods=["GET", "POST"])
def track() -> Any:
    """A resident looks up a submission by its reference and their email address."""
    found = None
    failed = False
    if request.method == "POST":
        if not _csrf_form(request.form).validate():
            abort(400)
        reference = request.form.get("reference", "").strip().upper()[:40]
        email = request.form.get("email", "").strip().lower()[:320]
        with _db().session() as db:
            submission = submissions.get_by_reference(db, reference)
            if submission is not None and email and _email_matches(submission, email):
                found = _tracked(db, submission)
            else:
                failed = True
    return render_template("public/track.html", found=found, failed=failed,
                           csrf=_csrf_form()), 400 if failed else 200


def _email_matches(submission: Submission, email: str) -> bool:
    form = publishing.form_of(submission.form_version)
    given = form.applicant_email_in(submission.answers)
    return given is not None and given.lower() == email


def _tracked(db: Session, submission: Submission) -> dict[str, Any]:
    """What /track tells the resident: steps, outcomes and the comments meant for them, never
    who on the staff acted, and never the link that changes the answers: anyone who knows an
    email address can ask /track, so that link travels only by email to the applicant."""
    events = routing.history(db, submission)
    form = publishing.form_of(submission.form_version)
    state = routing.state_of(db, submission)
    lang = current_language()
    # Only what a step marked `show_resident` entered; staff-only fields never reach /track.
    office = [(step, html.render_check_answers(step.questions, values, lang))
              for _, step, values in routing.office_values(form, state, resident=True)
              if step.questions is not None]
    computed = [(form.computed[name].title.get(lang), str(value)) for name, value
                in form.computed_values(submission.answers, state.office).items()]
    return {"reference": submission.reference, "status": submission.status,
            "created_at": submission.created_at, "form": form,
            "steps": routing.step_runs(form, events, submission.status),
            "office": office, "computed": computed}


# --- Return for changes: the resident answers a staff member's return ----------------------


def _open_return(db: Session, token: str) -> tuple[Submission, Any] | None:
    """The submission and its open ``returned`` event the link names, while it is open."""
    named = routing.read_return_token(token[:400], current_app.config["SECRET_KEY"])
    if named is None:
        return None
    found = submissions.get_by_reference(db, named[0])
    if found is None or found.status != "returned":
        return None
    returned = routing.open_return(routing.history(db, found))
    if returned is None or returned.id != named[1]:
        return None
    return found, returned


@blueprint.route("/returned/<token>", methods=["GET", "POST"])
def returned(token: str) -> Any:
    """The resident's signed link: read the comment, then change the answers and resend."""
    with _db().session() as db:
        opened = _open_return(db, token)
        if opened is None:
            return render_template("public/returned_closed.html"), 404
        found, event = opened
        form = publishing.form_of(found.form_version)
        if request.method == "GET":
            return render_template("public/returned.html", form=form, submission=found,
                                   comment=event.data.get("comment"), csrf=_csrf_form(),
                                   token=token)
        if not _csrf_form(request.form).validate():
            abort(400)
        draft, draft_token = drafts.start_draft(db, found.form_version, current_language())
        drafts.save_answers(db, draft, found.answers, 0)
        _remember(form.id, draft_token)
        session["answering"] = {**session.get("answering", {}), form.id: token}
    return redirect(url_for("public.check", form_id=form.id))


def _answering(db: Session, form_id: str) -> tuple[Submission, Any] | None:
    """The submission this browser's draft of the form answers a return for, and the
    ``returned`` event its link names, while that return is still open."""
    token = session.get("answering", {}).get(form_id)
    if not token:
        return None
    return _open_return(db, token)


def _already_sent(db: Session, draft: Draft | None, form_id: str) -> tuple[str, int]:
    """The return this browser answered was answered already: nothing more is sent, and this
    browser's copy of the changed answers is let go."""
    if draft is not None:
        drafts.delete_draft(db, draft)
    _forget_answering(form_id)
    remaining = dict(session.get("drafts", {}))
    remaining.pop(form_id, None)
    session["drafts"] = remaining
    return render_template("public/already_sent.html"), 409


def _forget_answering(form_id: str) -> None:
    remaining = dict(session.get("answering", {}))
    remaining.pop(form_id, None)
    session["answering"] = remaining


def _resubmit(db: Session, draft: Draft, answering: tuple[Submission, Any],
              answers: Mapping[str, Any], key: str) -> Any:
    """Send the changed answers into the same submission (same reference), not a new one.

    The link is spent under the submission's lock: when two browsers send at once, one
    resubmits and the other is told its answers were already sent.
    """
    found, event = answering
    try:
        with db.begin_nested():
            routing.resubmit(db, found, answers, answering=event.id,
                             attachment_ids=drafts.own_uploads(db, draft, answers))
    except routing.AlreadyAnswered:
        return _already_sent(db, draft, found.form_id)
    drafts.delete_draft(db, draft)
    form_id, reference = found.form_id, found.reference
    _forget_answering(form_id)
    remaining = dict(session.get("drafts", {}))
    remaining.pop(form_id, None)
    session["drafts"] = remaining
    session["resubmitted"] = {**dict(list(session.get("resubmitted", {}).items())[-9:]),
                              key: reference}
    return redirect(url_for("public.done", form_id=form_id, reference=reference))
