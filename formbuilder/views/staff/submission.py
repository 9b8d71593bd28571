"""One submission as staff see it: its answers, history and files, and the decisions on it.

Every view asks ``permissions.can`` first; which open task a person may act on is then the
workflow engine's ``may_act``. Every post carries a CSRF token and the ``history_length`` the
page was drawn from, so a page left open while a colleague acted (or a double click) changes
nothing and says why.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeGuard

from flask import (
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy.orm import Session

import schemas
import workflows
from formbuilder.files.uploads import download_name
from formbuilder.models import Attachment, Event, Submission, User
from formbuilder.services import audit, documents, permissions, routing, submissions
from formbuilder.services.attachments import store_uploads
from formbuilder.views.auth import now, staff_required
from formbuilder.views.csrf import csrf_form
from formbuilder.views.language import current_language, gettext
from formbuilder.views.staff.base import blueprint, database, signed_in
from renderers import html
from renderers.html.summary import SummaryItem
from renderers.wtforms import answers_from_post
from schemas.i18n import base_language
from schemas.validation import FieldError

DECISIONS: tuple[routing.Decision, ...] = ("approve", "reject", "return")
MAX_COMMENT_LENGTH = 4000



def _load(db: Session, reference: str, user: User, action: permissions.Action) -> Submission:
    found = submissions.get_by_reference(db, reference[:40])
    if found is None:
        abort(404)
    if not permissions.can(user, action, found):
        current_app.logger.warning("Staff %s refused %s on %s", user.email, action,
                                   found.reference)
        # Written once this request's transaction is over (see _record_refusal): the 403
        # rolls that transaction back, and SQLite allows one writer at a time.
        g.refused = {"actor": user.email, "target": found.reference,
                     "form_id": found.form_id, "detail": {"action": action}}
        abort(403)
    return found


@blueprint.after_request
def _record_refusal(response: Response) -> Response:
    refused = g.pop("refused", None)
    if refused is not None:
        with database().session() as db:
            audit.record(db, refused.pop("actor"), "refused", now=now(), **refused)
    return response


@blueprint.route("/submissions/<reference>")
@staff_required
def submission(reference: str) -> Any:
    user = signed_in()
    with database().session() as db:
        found = _load(db, reference, user, "view")
        if routing.view(db, found, user, now()):  # noted once an hour, like the history
            audit.record(db, user.email, "viewed", target=found.reference,
                         form_id=found.form_id, now=now())
        return _render(db, found, user)


def _render(db: Session, found: Submission, user: User, *, status: int = 200,
            errors: dict[str, str] | None = None, notice: str | None = None,
            posted: dict[str, Any] | None = None,
            field_errors: list[Any] | None = None) -> tuple[str, int]:
    lang = current_language()
    form = routing.form_for(found)
    events = routing.history(db, found)
    state = workflows.replay(form, routing.records(events), now())
    mine = [task for task in state.tasks if workflows.may_act(task, user.email, user.roles)]
    posted = posted or {}
    others = [task for task in state.tasks if task not in mine]
    returned = routing.open_return(events) if found.status == "returned" else None
    files = {a.id: a for a in found.attachments}

    def describe(attachment_id: str) -> dict[str, Any] | None:
        attachment = files.get(attachment_id)
        if attachment is None:
            return None
        url = url_for("staff.attachment", reference=found.reference, attachment_id=attachment.id)
        return {"name": attachment.file_name, "size": attachment.size,
                "media_type": attachment.media_type, "url": url, "thumbnail_url": None}

    previous = [(event, html.render_check_answers(form, event.data.get("previous_answers") or {},
                                                   lang, attachments=describe))
                for event in events if event.kind == "resubmitted"]
    office = [(index, step, html.render_check_answers(step.questions, values, lang,
                                                      attachments=describe))
              for index, step, values in routing.office_values(form, state)
              if step.questions is not None]
    task_fields, field_links = {}, []
    for task in mine:
        questions = form.routing[task.step].questions
        key = _field(task.step, task.role)
        if questions is None:
            continue
        mine_posted = posted.get("task") == key
        values = posted.get("fields") if mine_posted else state.office.get(task.step)
        shown = field_errors if mine_posted else None
        task_fields[key] = html.render_questions(questions, questions.pages[0].fields,
                                                 values or {}, shown, lang,
                                                 attachments=describe)
        field_links += html.error_items(questions, shown) if shown else []
    return render_template(
        "staff/submission.html", submission=found, form=form, state=state, mine=mine,
        others=others, events=events, describe_event=lambda e: describe_event(form, e),
        actor_label=actor_label, summary=html.render_check_answers(
            form, found.answers, lang, attachments=describe),
        attachments=list(files.values()), previous=previous,
        return_link=url_for("public.returned", _external=True, token=routing.return_token(
            found, returned, current_app.config["SECRET_KEY"])) if returned else None,
        history_length=routing.history_length(events), csrf=csrf_form(),
        errors=errors or {}, notice=notice, posted=posted, user=user,
        step_name=lambda index: _step_name(form, index),
        office=office, task_fields=task_fields, field_links=field_links,
        computed=_computed(form, found.answers, state.office),
        correctable=[index for index, step, _ in office if any(
            workflows.may_act(_as_task(step, index, role), user.email, user.roles)
            for role in step.assignees) and index != state.step],
    ), status


def _computed(form: schemas.Form, answers: Any, office: Any) -> list[tuple[str, str]]:
    """The form's computed values with their titles, for staff and residents alike."""
    values = form.computed_values(answers, office)
    return [(form.computed[name].title.get(current_language()), str(value))
            for name, value in values.items()]


def _as_task(step: schemas.Step, index: int, role: str) -> workflows.Task:
    """Who may correct a step's fields: whoever could decide it, asked as ``may_act`` asks."""
    return workflows.Task(step=index, name=step.name, role=role, started_at=now(),
                          due_at=None, overdue=False, escalated_to=None, claimed_by=None)


@blueprint.route("/submissions/<reference>/decide", methods=["POST"])
@staff_required
def decide(reference: str) -> Any:
    user = signed_in()
    if not csrf_form(request.form).validate():
        abort(400)
    decision = request.form.get("decision", "")
    comment = request.form.get("comment", "")[:MAX_COMMENT_LENGTH]
    with database().session() as db:
        found = _load(db, reference, user, "decide")
        step, role, expected = _task_fields(found)
        form = routing.form_for(found)
        current = workflows.replay(form, routing.records(routing.history(db, found)), now())
        values, field_errors = _step_values(db, form, step, current.office.get(step) or {})
        posted: dict[str, Any] = {"decision": decision, "comment": comment,
                                  "task": f"{step}:{role}", "fields": values}
        if not _is_decision(decision):
            # Nothing is pre-selected, so one stray click never approves: ask for a choice.
            return _render(db, found, user, status=400, posted=posted, errors={
                f"{_field(step, role)}:decision": gettext(
                    "Choose approve, reject or return for changes.")},
                field_errors=field_errors)
        refused = {error.path for error in field_errors}
        field_errors += [error for error in form.routing[step].validate(
            values, approving=decision == "approve", lang=current_language())
            if error.path not in refused]
        errors: dict[str, str] = {}
        if decision in ("reject", "return") and not comment.strip():
            errors[_field(step, role)] = gettext("Enter a comment: the resident is told why.") \
                if decision == "return" else gettext("Enter the reason for rejecting.")
        if errors or field_errors:
            return _render(db, found, user, status=400, errors=errors, posted=posted,
                           field_errors=field_errors)
        try:
            routing.decide(db, found, user, step, role, decision, comment, now(),
                           expected_length=expected, fields=values)
            audit.record(db, user.email, "decided", target=found.reference,
                         form_id=found.form_id, now=now(),
                         detail={"step": step, "role": role, "decision": decision})
        except routing.StaleHistory:
            return _stale(db, found, user)
        except workflows.DecisionError as error:
            return _refused(db, found, user, error, step, role, posted)
    return redirect(url_for("staff.submission", reference=found.reference))


def _is_decision(text: str) -> TypeGuard[routing.Decision]:
    return text in DECISIONS


def _step_values(db: Session, form: schemas.Form, step: int, previous: Any
                 ) -> tuple[dict[str, Any], list[FieldError]]:
    """What was posted for the step's own fields, read exactly as a resident's page is read
    (files stored and checked by content), with the refused files' errors."""
    questions = form.routing[step].questions
    if questions is None:
        return {}, []
    names = questions.pages[0].fields
    values = answers_from_post(questions, names, request.form, previous=previous).answers
    refused = store_uploads(db, current_app.extensions["storage"], questions,
                            [questions.fields[name] for name in names], request.files,
                            values, lang=current_language(),
                            limit=current_app.config["MAX_UPLOAD_BYTES"],
                            max_pixels=current_app.config.get("MAX_IMAGE_PIXELS"))
    return values, refused


@blueprint.route("/submissions/<reference>/steps/<int:step>/correct", methods=["GET", "POST"])
@staff_required
def correct(reference: str, step: int) -> Any:
    """Correct a decided step's fields: a new event, so the old values stay in the history."""
    user = signed_in()
    with database().session() as db:
        found = _load(db, reference, user, "decide")
        form = routing.form_for(found)
        definition = form.routing[step] if 0 <= step < len(form.routing) else None
        if definition is None or definition.questions is None:
            abort(404)
        events = routing.history(db, found)
        state = workflows.replay(form, routing.records(events), now())
        values: dict[str, Any] = dict(state.office.get(step) or {})
        comment, notice = "", None
        errors: dict[str, str] = {}
        field_errors: list[FieldError] = []
        status = 200
        if request.method == "POST":
            if not csrf_form(request.form).validate():
                abort(400)
            comment = request.form.get("comment", "")[:MAX_COMMENT_LENGTH]
            values, field_errors = _step_values(db, form, step, values)
            refused = {error.path for error in field_errors}
            approved = any(r.kind == "approved" and r.data.get("step") == step
                           for r in state.decisions)
            field_errors += [error for error in definition.validate(
                values, approving=approved, lang=current_language())
                if error.path not in refused]
            if not comment.strip():
                errors["comment"] = gettext("Enter why you are correcting it.")
            if not errors and not field_errors:
                try:
                    expected = int(request.form.get("history_length", ""))
                except ValueError:
                    expected = -1
                try:
                    routing.correct(db, found, user, step, values, comment, now(),
                                    expected_length=expected)
                    audit.record(db, user.email, "decided", target=found.reference,
                                 form_id=found.form_id, now=now(),
                                 detail={"step": step, "decision": "correct"})
                    return redirect(url_for("staff.submission", reference=found.reference))
                except routing.StaleHistory:
                    db.rollback()
                    notice = gettext("This submission changed since you opened it, so "
                                     "nothing was done. Check the values below and save "
                                     "again.")
                except workflows.DecisionError as error:
                    db.rollback()
                    notice = str(error)
                status = 409
            else:
                status = 400
        questions = definition.questions
        return render_template(
            "staff/correct.html", submission=found, form=form, step=definition,
            index=step, csrf=csrf_form(), comment=comment, errors=errors, notice=notice,
            history_length=routing.history_length(routing.history(db, found)),
            summary_items=[*html.error_items(questions, field_errors),
                           *([SummaryItem(errors["comment"], "#comment")]
                             if errors else [])],
            questions=html.render_questions(questions, questions.pages[0].fields, values,
                                            field_errors, current_language()),
            has_files=any(f.kind in ("file", "files") for f in questions.fields.values()),
        ), status


@blueprint.route("/submissions/<reference>/claim", methods=["POST"])
@staff_required
def claim(reference: str) -> Any:
    return _claim_or_release(reference, routing.claim)


@blueprint.route("/submissions/<reference>/release", methods=["POST"])
@staff_required
def release(reference: str) -> Any:
    return _claim_or_release(reference, routing.release)


def _claim_or_release(reference: str, action: Any) -> Any:
    user = signed_in()
    if not csrf_form(request.form).validate():
        abort(400)
    with database().session() as db:
        found = _load(db, reference, user, "decide")
        step, role, expected = _task_fields(found)
        try:
            action(db, found, user, step, role, now(), expected_length=expected)
        except routing.StaleHistory:
            return _stale(db, found, user)
        except workflows.DecisionError as error:
            return _refused(db, found, user, error, step, role, {})
    return redirect(url_for("staff.submission", reference=found.reference))


def _bad_request(message: str) -> NoReturn:
    """A 400 page that says what was wrong with the post (a forged or mangled task)."""
    abort(Response(render_template("staff/problem.html", message=message), 400))


def _task_fields(found: Submission) -> tuple[int, str, int]:
    """The task a post names, checked against the form's routing: a forged one is a 400."""
    form = routing.form_for(found)
    try:
        step = int(request.form.get("step", ""))
        expected = int(request.form.get("history_length", ""))
    except ValueError:
        _bad_request(gettext("The page did not say which task you acted on. Open the submission "
                           "again and use its buttons."))
    role = request.form.get("role", "")[:200]
    if not 0 <= step < len(form.routing):
        _bad_request(gettext("This form has no such step. Open the submission again and use its "
                           "buttons."))
    named = permissions.roles_of_form(form)
    if (role.lower() if "@" in role else role) not in named:
        _bad_request(gettext("No step of this form is assigned to that role. Open the submission "
                           "again and use its buttons."))
    return step, role, expected


def _stale(db: Session, found: Submission, user: User) -> tuple[str, int]:
    db.rollback()
    return _render(db, found, user, status=409, notice=gettext(
        "This submission changed since you opened it, so nothing was done. Check its history "
        "below, then act again if you still need to."))


def _refused(db: Session, found: Submission, user: User, error: workflows.DecisionError,
             step: int, role: str, posted: dict[str, Any]) -> tuple[str, int]:
    db.rollback()
    code = getattr(error, "code", "")
    if "comment" in str(code):
        return _render(db, found, user, status=400, errors={_field(step, role): str(error)},
                       posted=posted)
    status = 403 if "not_allowed" in str(code) or "may_not" in str(code) else 409
    return _render(db, found, user, status=status, notice=str(error))


def _field(step: int, role: str) -> str:
    return f"{step}:{role}"


@blueprint.route("/submissions/<reference>/files/<attachment_id>")
@staff_required
def attachment(reference: str, attachment_id: str) -> Any:
    user = signed_in()
    with database().session(readonly=True) as db:
        found = _load(db, reference, user, "view")
        file = db.get(Attachment, attachment_id[:40])
        if file is None or file.submission_id != found.id:
            abort(404)
        stream = current_app.extensions["storage"].open(file.storage_key)
        return send_file(stream, mimetype=file.media_type,
                         download_name=download_name(file.file_name, file.media_type),
                         as_attachment=True, max_age=0)


@blueprint.route("/submissions/<reference>/pdf")
@staff_required
def pdf(reference: str) -> Any:
    """The submission's archival PDF, drawn once per change of its history and language
    (then cached): ``?lang=`` picks English or any catalogue language, the resident's by
    default, so a clerk can read what a Spanish-speaking resident was shown, or print it in
    English for the file."""
    user = signed_in()
    lang = base_language(request.args.get("lang"))
    with database().session(readonly=True) as db:
        found = _load(db, reference, user, "view")
        data = documents.submission_pdf(db, current_app.extensions["storage"], found,
                                        city_name=current_app.config["CITY_NAME"], lang=lang,
                                        time_zone=current_app.config["TIME_ZONE"])
        name = found.reference
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# --- Words for the history --------------------------------------------------------------------


def _step_name(form: schemas.Form, index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(form.routing):
        return form.routing[index].name.get(current_language())
    return gettext("an unknown step")


def actor_label(actor: str) -> str:
    if actor == "resident":
        return gettext("The resident")
    if actor == "system":
        return gettext("The system")
    return actor


def describe_event(form: schemas.Form, event: Event) -> str:
    """One history entry in words (the actor and time are shown beside it)."""
    data = event.data or {}
    step = _step_name(form, data.get("step"))
    role = str(data.get("role") or "")
    words = {
        "submitted": lambda: gettext("Sent the form"),
        "step_started": lambda: gettext(
            "Step “%(step)s” started, for %(roles)s", step=step,
            roles=", ".join(str(r) for r in data.get("roles") or ())),
        "approved": lambda: gettext("Approved “%(step)s” as %(role)s", step=step, role=role),
        "rejected": lambda: gettext("Rejected at “%(step)s” as %(role)s", step=step, role=role),
        "returned": lambda: gettext("Returned for changes at “%(step)s” as %(role)s",
                                    step=step, role=role),
        "resubmitted": lambda: gettext("Sent changed answers"),
        "claimed": lambda: gettext("Took “%(step)s” for %(role)s", step=step, role=role),
        "released": lambda: gettext("Let go of “%(step)s” for %(role)s", step=step, role=role),
        "overdue": lambda: gettext("“%(step)s” is overdue", step=step),
        "escalated": lambda: gettext("“%(step)s” was escalated to %(to)s", step=step,
                                     to=str(data.get("to") or "")),
        "viewed": lambda: gettext("Opened the submission"),
        "corrected": lambda: gettext("Corrected the fields of “%(step)s”", step=step),
    }
    if event.kind == "approved" and "step" not in data:
        return gettext("Approved at once: no approval step applies to these answers")
    found = words.get(event.kind)
    return found() if found else event.kind
