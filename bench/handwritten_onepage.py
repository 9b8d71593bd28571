"""The pothole form on one page, written by hand in Flask + WTForms + SQLAlchemy: the baseline
of ``bench.submission_cpu``.

The same questions, checks, words and markup as ``bench.handwritten_pothole`` (whose pieces it
reuses), on one page without the photo: form page, post, "Check your answers", send,
confirmation. Like that app it keeps answers in a server-side draft and stores the submission
through ``formbuilder.services`` (``drafts``, ``submissions``), so both apps do the same
database work, and it needs the form's version published (``publish_onepage``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, abort, g, redirect, render_template, request, session, url_for
from jinja2 import DictLoader
from sqlalchemy.orm import Session

import schemas
from bench import handwritten_pothole as hand
from formbuilder.database import Database
from formbuilder.models import Draft
from formbuilder.services import drafts, publishing, submissions

FORM_ID = "pothole-onepage"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pothole-report.yaml"
FIELDS = ("location", "position", "size", "lanes_blocked", "name", "email", "phone")


def onepage_definition() -> dict[str, Any]:
    """The pothole example on one page, in English, without the photo: what both apps ask."""
    definition = yaml.safe_load(EXAMPLE.read_text())
    definition["id"] = FORM_ID
    definition["languages"] = ["en"]
    definition["schema"]["properties"].pop("photo", None)
    for key in ("photo", "pages"):
        definition.get("ui", {}).pop(key, None)
    definition["routing"] = [step for step in definition.get("routing", [])
                             if "photo" not in str(step.get("when", ""))]
    return definition


def publish_onepage(database: Database) -> None:
    with database.session() as db:
        publishing.publish(db, schemas.load_definition(onepage_definition()))


class OnePageForm(hand.PageForm):
    """Every question of the three pages of ``handwritten_pothole``, but the photo."""

    title, number = "form", 1
    location = hand.WhereForm.location
    position = hand.WhereForm.position
    size = hand.AboutForm.size
    lanes_blocked = hand.AboutForm.lanes_blocked
    name = hand.ContactForm.name
    email = hand.ContactForm.email
    phone = hand.ContactForm.phone


_QUESTIONS = re.compile(r"\{% if form\.number == 1 %\}.*?\{% endif %\}\n  <div", re.S)
PAGE = _QUESTIONS.sub(lambda _: """
{{ input(form.location, width="long", autocomplete="street-address", hint="location_hint") }}
{{ radios(form.position) }}
{{ radios(form.size) }}
<div class="conditional" id="f-lanes_blocked--conditional" data-condition="size">
{{ radios(form.lanes_blocked, inline=True, hint="lanes_blocked_hint") }}
</div>
{{ input(form.name, width="medium", autocomplete="name") }}
{{ input(form.email, type="email", width="medium", autocomplete="email", hint="email_hint") }}
{{ input(form.phone, type="tel", width="short", autocomplete="tel") }}
  <div""", hand.TEMPLATES["page.html"]).replace('{{ t("page_of") % {"n": form.number, '
                                                '"total": 3} }}', "")


def create_app(database: Database, *, secret_key: str) -> Flask:
    """The one-page pothole form on ``database``, where its version is already published."""
    app = Flask(__name__, static_folder=None)
    app.config.update(SECRET_KEY=secret_key, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=30 * 24 * 3600)
    app.jinja_loader = DictLoader({**hand.TEMPLATES, "page.html": PAGE})
    app.jinja_env.globals.update(t=hand.t, describedby=hand.describedby)
    app.add_url_rule("/static/<path:filename>", "static", lambda filename: "")
    with database.session() as db:
        version = publishing.latest_version(db, FORM_ID)
    if version is None:
        raise LookupError(f"Publish {FORM_ID} before starting its app")

    @app.before_request
    def choose_language() -> None:
        g.lang = "en"

    @app.context_processor
    def words() -> dict[str, Any]:
        return {"lang": "en"}

    @app.after_request
    def protect(response: Response) -> Response:
        for header, value in hand.SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def load(db: Session) -> tuple[Draft | None, str | None]:
        token = session.get("draft")
        draft = drafts.load_draft(db, token) if token else None
        return draft, token if draft else None

    @app.route(f"/forms/{FORM_ID}/<int:number>", methods=["GET", "POST"], endpoint="page")
    def page(number: int) -> Any:
        if number != 1:
            abort(404)
        if request.method == "GET":
            with database.session(readonly=True) as db:
                draft, _ = load(db)
                answers = draft.answers if draft else {}
            initial = {name: ("yes" if value else "no") if isinstance(value, bool) else value
                       for name, value in answers.items()}
            form = OnePageForm(data=initial)
            return render_template("page.html", form=form, problems=form.problems(),
                                   notice=None, change=False)
        form = OnePageForm(request.form)
        valid = form.validate()
        if form.csrf_token.errors:
            abort(400)
        answers = {}
        for field in form:
            value = field.data
            if field.name == "csrf_token" or value in (None, ""):
                continue
            if field.name == "lanes_blocked" and value in ("yes", "no"):
                value = value == "yes"
            answers[field.name] = value
        with database.session() as db:
            draft, token = load(db)
            if draft is None:
                draft, token = drafts.start_draft(db, version, "en")
                session["draft"] = token
            drafts.save_answers(db, draft, answers, 0)
        if not valid:
            return render_template("page.html", form=form, problems=form.problems(),
                                   notice=None, change=False), 400
        return redirect(url_for("check"))

    @app.route(f"/forms/{FORM_ID}/check")
    def check() -> Any:
        with database.session(readonly=True) as db:
            draft, token = load(db)
            if draft is None or token is None:
                return redirect(url_for("page", number=1))
            answers = hand.applicable(draft.answers)
        shown = dict(answers)
        for choice in ("position", "size"):
            if choice in shown:
                shown[choice] = hand.t(shown[choice])
        if "lanes_blocked" in shown:
            shown["lanes_blocked"] = hand.t("yes") if shown["lanes_blocked"] else hand.t("no")
        asked = [name for name in FIELDS
                 if name != "lanes_blocked" or answers.get("size") in ("medium", "large")]
        form = OnePageForm(hand.as_posted(answers, OnePageForm), meta={"csrf": False})
        form.validate()
        return render_template("check.html", sections=[(OnePageForm, [
            (name, shown.get(name)) for name in asked])], problems=form.problems(),
            key=hand.idempotency_key(token), csrf=hand.SendForm())

    @app.route(f"/forms/{FORM_ID}/submit", methods=["POST"])
    def submit() -> Any:
        key = request.form.get("key", "")[:64]
        with database.session() as db:
            existing = submissions.get_by_key(db, FORM_ID, key) if key else None
            if existing is not None:
                return redirect(url_for("done", reference=existing.reference))
            if not hand.SendForm(request.form).validate():
                abort(400)
            draft, token = load(db)
            if draft is None or token is None or key != hand.idempotency_key(token):
                return redirect(url_for("check"))
            answers = hand.applicable(draft.answers)
            created, _ = submissions.create_submission(
                db, version, answers, language="en", idempotency_key=key)
            drafts.delete_draft(db, draft)
            reference = created.reference
        session.pop("draft", None)
        return redirect(url_for("done", reference=reference))

    @app.route(f"/forms/{FORM_ID}/done/<reference>")
    def done(reference: str) -> Any:
        with database.session(readonly=True) as db:
            found = submissions.get_by_reference(db, reference)
            if found is None or found.form_id != FORM_ID:
                abort(404)
            reference = found.reference  # read before the session's rollback expires it
        return render_template("done.html", reference=reference)

    return app
