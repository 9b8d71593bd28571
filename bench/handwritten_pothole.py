"""The pothole form written by hand in Flask + WTForms: the baseline of ``form_throughput``.

What a competent developer would write for this one form without the engine: three WTForms
classes declared once at import time, lazily translated messages (English and Spanish, like the
form), CSRF from WTForms' ``SessionCSRF`` in Flask's signed session (the engine's mechanism),
answers in progress in a server-side draft and a submission with a gap-free reference, both
through the same services as the engine (``formbuilder.services.drafts`` and
``submissions``), so both apps do the same database work. Templates are Jinja strings with the
engine's markup: labels, hints, error summary, radios. What this app shares with the one-page
app (words, questions, CSRF, templates, headers, set-up, sending) is in
``bench.handwritten_common``; here are its three pages and the photo.

It does not publish anything: the pothole form's version must already be in the database (the
drafts and submissions tables point at it), as ``formbuilder publish`` leaves it. Simpler than
the engine where the benchmark does not look: "Save and come back later" keeps the draft and
shows the page again (no resume-link page), and there is no tracking page.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import wtforms
from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from sqlalchemy.orm import Session
from werkzeug.datastructures import CombinedMultiDict, FileStorage
from wtforms.validators import StopValidation, ValidationError

from bench import handwritten_common as common
from bench.handwritten_common import Message, PageForm
from formbuilder.database import Database
from formbuilder.models import Attachment
from formbuilder.services import drafts

FORM_ID = "pothole-report"
PHOTO_LIMIT = 10_000_000
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
QUESTIONS = ("location", "position", "size", "lanes_blocked", "photo", "name", "email", "phone")


def _photo(form: wtforms.Form, field: wtforms.Field) -> None:
    """A JPEG or PNG by its first bytes, under 10 MB; nothing chosen is fine."""
    upload = field.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        raise StopValidation()
    head = upload.stream.read(8)
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size == 0:
        raise ValidationError(Message("file_empty", "photo"))
    if size > PHOTO_LIMIT:
        raise ValidationError(Message("file_size", "photo"))
    if not any(head.startswith(magic) for magic in PHOTO_TYPES):
        raise ValidationError(Message("file_type", "photo"))


class WhereForm(PageForm):
    title, number = "page1", 1
    location, position = common.LOCATION, common.POSITION


class AboutForm(PageForm):
    title, number = "page2", 2
    size, lanes_blocked = common.SIZE, common.LANES_BLOCKED
    photo = wtforms.FileField(id="f-photo", validators=[_photo])


class ContactForm(PageForm):
    title, number = "page3", 3
    name, email, phone = common.NAME, common.EMAIL, common.PHONE


PAGES: tuple[type[PageForm], ...] = (WhereForm, AboutForm, ContactForm)


def problems(answers: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Every page checked again, as it would be posted; what the check page lists."""
    found = []
    for page in PAGES:
        form = page(common.as_posted(answers, page), meta={"csrf": False})
        form.validate()
        found += form.problems()
    return found


def review(db: Session, answers: dict[str, Any]) -> tuple[common.Sections, list[Any]]:
    """The check page's rows, page by page, with the photo by its file name; the problems."""
    photo = db.get(Attachment, answers["photo"]) if "photo" in answers else None
    shown = common.readable({**answers, "photo": photo.file_name if photo else None})
    names = common.asked(answers, QUESTIONS)
    return [(p, [(name, shown.get(name)) for name in names if name in p.__dict__])
            for p in PAGES], problems(answers)


def create_app(database: Database, *, secret_key: str, upload_dir: str | Path) -> Flask:
    """The pothole form on ``database``, where the form's version is already published."""
    app, version = common.new_app(__name__, database, FORM_ID, secret_key=secret_key,
                                  templates=common.TEMPLATES, MAX_CONTENT_LENGTH=20_000_000)
    uploads = Path(upload_dir)
    uploads.mkdir(parents=True, exist_ok=True)

    @app.before_request
    def choose_language() -> None:
        asked = request.args.get("lang")
        if asked in common.LANGUAGES:
            session["lang"] = asked
        remembered = session.get("lang")
        g.lang = remembered if remembered in common.LANGUAGES else \
            request.accept_languages.best_match(common.LANGUAGES) or common.LANGUAGES[0]

    def show(form: PageForm, *, status: int = 200, notice: str | None = None) -> Any:
        if notice is None and getattr(g, "draft_expired", False):
            notice = "expired"
        return render_template("page.html", form=form, problems=form.problems(),
                               notice=notice, change=request.args.get("change") == "1"), status

    @app.route(f"/forms/{FORM_ID}/<int:number>", methods=["GET", "POST"])
    def page(number: int) -> Any:
        if not 1 <= number <= len(PAGES):
            abort(404)
        page_form = PAGES[number - 1]
        if request.method == "GET":
            with database.session(readonly=True) as db:
                draft, _ = common.load_draft(db)
                answers = draft.answers if draft else {}
            return show(page_form(data=common.form_values(answers)))
        formdata = CombinedMultiDict((request.files, request.form)) if request.files \
            else request.form
        form = page_form(formdata)
        valid = form.validate()
        if form.csrf_token.errors:  # nothing is kept from a post that may not be theirs
            form.csrf_token.errors = []
            return show(form, status=400, notice="security")
        with database.session() as db:
            draft = common.draft_to_save(db, version)
            session.permanent = True  # the cookie lasts as long as the draft it opens
            answers = common.merge_answers(form, draft.answers)
            if valid and number == 2 and form.photo.data and form.photo.data.filename:
                answers["photo"] = store_photo(db, uploads, form.photo.data)
            drafts.save_answers(db, draft, answers, number - 1)
        if not valid:
            return show(form, status=400)
        if "_save" in request.form:
            return redirect(url_for("page", number=number))
        if request.args.get("change") == "1" or number == len(PAGES):
            return redirect(url_for("check"))
        return redirect(url_for("page", number=number + 1))

    common.add_check_send_and_done(app, database, version, FORM_ID, review=review,
                                   recheck=problems)
    return app


def store_photo(db: Session, uploads: Path, upload: FileStorage) -> str:
    """Keep the checked photo under a random name and record it; its id is the answer."""
    data = upload.stream.read()
    key = secrets.token_hex(16)
    (uploads / key).write_bytes(data)
    media_type = next(kind for magic, kind in PHOTO_TYPES.items() if data.startswith(magic))
    attachment = Attachment(form_id=FORM_ID, field="photo", storage_key=key,
                            file_name=Path(upload.filename or "photo").name[:255],
                            media_type=media_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest())
    db.add(attachment)
    db.flush()
    return attachment.id
