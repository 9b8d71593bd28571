"""The route tester: answers in (typed, or the answers of this person's preview), the steps
out: which run in order, who holds each, what is skipped and why, due dates, who is emailed."""

from __future__ import annotations

import json
from typing import Any

from flask import render_template, request

from formbuilder.notifiers.email import DEFAULTS as NOTIFY_DEFAULTS
from formbuilder.services import studio
from formbuilder.views.auth import now
from formbuilder.views.csrf import csrf_form
from formbuilder.views.studio.base import blueprint, check_csrf, db, me, require, studio_required
from formbuilder.views.studio.preview import _form
from workflows.explain import route as explain_route

MAX_ANSWER_TEXT = 100_000


@blueprint.route("/<form_id>/route", methods=["GET", "POST"])
@studio_required
def route(form_id: str) -> Any:
    user = me()
    with db().session(readonly=True) as session:
        require(session, form_id, "see")
        form = _form(session, form_id)
        state = studio.publication(session, form_id)
        preview = studio.preview_answers(session, form_id, user)
        answers: dict[str, Any] = {}
        typed: dict[str, str] = {}
        error = None
        status = 200
        use = request.values.get("use", "typed")
        if request.method == "POST":
            check_csrf()
            if form is not None:
                if use == "preview":
                    answers = preview
                else:
                    typed, answers, error = _typed(form)
        result = explain_route(form, answers, now=now(),
                               holders=lambda name: studio.holders(session, name),
                               notify_defaults=NOTIFY_DEFAULTS) \
            if form is not None and request.method == "POST" and error is None else None
        if error:
            status = 400
        names = _names(form) if form is not None else []
        return render_template("studio/route.html", form_id=form_id, form=form, tab="route",
                               state=state, names=names, typed=typed, result=result,
                               error=error, use=use, has_preview=bool(preview),
                               preview_json=json.dumps(preview, ensure_ascii=False)[:2000],
                               csrf=csrf_form()), status


def _names(form: Any) -> list[Any]:
    """The questions conditions in routing read (the others do not change the route)."""
    read: set[str] = set()
    for step in form.routing:
        if step.when is not None:
            read |= set(step.when.fields())
    return [form.fields[name] for name in sorted(read) if name in form.fields]


def _typed(form: Any) -> tuple[dict[str, str], dict[str, Any], str | None]:
    """Answers typed in the tester's boxes, read as the question's kind reads them."""
    typed: dict[str, str] = {}
    answers: dict[str, Any] = {}
    for question in _names(form):
        raw = request.form.get(f"answer-{question.path}", "")[:MAX_ANSWER_TEXT].strip()
        typed[question.path] = raw
        if not raw:
            continue
        value: Any = raw
        if question.value_type == "number":
            try:
                value = float(raw) if "." in raw else int(raw)
            except ValueError:
                return typed, answers, (f"“{question.title.default}” takes a number; "
                                        f"“{raw[:50]}” is not one.")
        elif question.value_type == "boolean":
            value = raw.lower() in ("yes", "true", "1", "sí", "si")
        elif question.value_type == "list":
            value = [item.strip() for item in raw.split(",") if item.strip()]
        _put(answers, question.path, value)
    return typed, answers, None


def _put(answers: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    target = answers
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value
