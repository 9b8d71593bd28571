"""The pothole form on one page, written by hand in Flask + WTForms + SQLAlchemy: the baseline
of ``bench.submission_cpu``.

The same questions, checks, words and markup as ``bench.handwritten_pothole`` (both take them
from ``bench.handwritten_common``), on one page without the photo: form page, post, "Check
your answers", send, confirmation. Like that app it keeps answers in a server-side draft and
stores the submission through ``formbuilder.services`` (``drafts``, ``submissions``), so both
apps do the same database work, and it needs the form's version published
(``publish_onepage``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, abort, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

import schemas
from bench import handwritten_common as common
from bench.handwritten_common import PageForm
from formbuilder.database import Database
from formbuilder.services import drafts, publishing

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


class OnePageForm(PageForm):
    """Every question of the three pages of ``handwritten_pothole``, but the photo."""

    title, number = "form", 1
    location, position = common.LOCATION, common.POSITION
    size, lanes_blocked = common.SIZE, common.LANES_BLOCKED
    name, email, phone = common.NAME, common.EMAIL, common.PHONE


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
  <div""", common.TEMPLATES["page.html"]).replace('{{ t("page_of") % {"n": form.number, '
                                                '"total": 3} }}', "")


def review(db: Session, answers: dict[str, Any]) -> tuple[common.Sections, list[Any]]:
    """The check page's rows, as one section, and the problems the page would show."""
    shown = common.readable(answers)
    form = OnePageForm(common.as_posted(answers, OnePageForm), meta={"csrf": False})
    form.validate()
    rows = [(name, shown.get(name)) for name in common.asked(answers, FIELDS)]
    return [(OnePageForm, rows)], form.problems()


def create_app(database: Database, *, secret_key: str) -> Flask:
    """The one-page pothole form on ``database``, where its version is already published.

    Always in English: ``common.language()`` falls back to it, so no hook chooses one."""
    app, version = common.new_app(__name__, database, FORM_ID, secret_key=secret_key,
                                  templates={**common.TEMPLATES, "page.html": PAGE})

    def show(form: OnePageForm, status: int = 200) -> Any:
        return render_template("page.html", form=form, problems=form.problems(),
                               notice=None, change=False), status

    @app.route(f"/forms/{FORM_ID}/<int:number>", methods=["GET", "POST"])
    def page(number: int) -> Any:
        if number != 1:
            abort(404)
        if request.method == "GET":
            with database.session(readonly=True) as db:
                draft, _ = common.load_draft(db)
                answers = draft.answers if draft else {}
            return show(OnePageForm(data=common.form_values(answers)))
        form = OnePageForm(request.form)
        valid = form.validate()
        if form.csrf_token.errors:
            abort(400)
        with database.session() as db:
            draft = common.draft_to_save(db, version)
            drafts.save_answers(db, draft, common.merge_answers(form, draft.answers), 0)
        if not valid:
            return show(form, 400)
        return redirect(url_for("check"))

    common.add_check_send_and_done(app, database, version, FORM_ID, review=review)
    return app
