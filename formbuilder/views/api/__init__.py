"""``/api/v1``: forms, submissions, files and decisions for a city's other systems, as JSON.

HTTP only, like every view: a bearer token is looked up by its hash (``api_tokens``), its
scope decides what it may do (``read``, ``decide``, ``submit``), the same services as the
staff pages do the work (the search, the routing engine with its stale-page guard, the
submission store with its idempotency key). Every error is an RFC 9457 problem document;
every request made with a token is in the audit log as ``token_used``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

import workflows
from formbuilder.models import ApiToken, Attachment, FormVersion, Submission, WorkflowTask
from formbuilder.services import api_tokens, audit, routing, submissions, submissions_search
from formbuilder.services.permissions import roles_of_form
from formbuilder.services.publishing import form_of, latest_version, published_forms
from formbuilder.views.api.openapi import document
from formbuilder.views.auth import now
from schemas.flow import applicable_answers
from schemas.i18n import SUPPORTED_LANGUAGES

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

PROBLEM = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Too large",
          415: "Unsupported media type", 422: "Unprocessable content",
          500: "Internal server error"}


class Problem(HTTPException):
    """An error as RFC 9457 problem details: what went wrong, in words an integrator acts on."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = status
        self.detail = detail
        self.extra = extra

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        return problem_response(self.code or 500, self.detail, **self.extra)


def problem_response(status: int, detail: str, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, "instance": request.path, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="formbuilder"'
    return response


def fail(status: int, detail: str, **extra: Any) -> NoReturn:
    raise Problem(status, detail, **extra)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    if isinstance(error, Problem):
        return error.get_response()
    status = error.code or 500
    return problem_response(status, error.description or TITLES.get(status, "Error"))


@blueprint.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("API error")
    return problem_response(500, "Something went wrong on our side; it has been logged.")


# --- Tokens -------------------------------------------------------------------------------------


def _db() -> Any:
    return current_app.extensions["db"]


def token(scope: str) -> ApiToken:
    """The request's live token, which must hold ``scope``; 401 or 403 otherwise."""
    header = request.headers.get("Authorization", "")
    kind, _, text = header.partition(" ")
    if kind.lower() != "bearer" or not text.strip():
        fail(401, "Send a token as `Authorization: Bearer TOKEN`; an admin makes tokens on "
                  "/staff/admin/tokens or with `formbuilder tokens create`.")
    with _db().session() as db:
        found = api_tokens.authenticate(db, text.strip(), now())
        if found is not None:
            db.flush()  # the last use, before the row leaves the session
            db.expunge(found)
    if found is None:
        fail(401, "This token is not known or has been revoked.")
    g.api_token = found
    if not api_tokens.allows(found, scope):
        _audit("refused", {"scope": scope})
        fail(403, f"This token may not do this: it needs the `{scope}` scope.")
    return found


def _audit(action: str, detail: dict[str, Any]) -> None:
    found: ApiToken | None = g.get("api_token")
    if found is None:
        return
    with _db().session() as db:
        audit.record(db, f"token:{found.name}", action, target=request.path[:200],
                     detail={"method": request.method, **detail}, now=now())


@blueprint.after_request
def _note_use(response: Response) -> Response:
    if g.get("api_token") is not None and response.status_code != 403:
        _audit("token_used", {"status": response.status_code})
    return response


# --- Documents ----------------------------------------------------------------------------------


@blueprint.route("/openapi.json")
def openapi() -> Response:
    return jsonify(document())


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _summary(row: submissions_search.Row) -> dict[str, Any]:
    found = row.submission
    return {"reference": found.reference, "form": found.form_id,
            "version": found.form_version.number,
            "status": found.status, "language": found.language,
            "submitted_at": _time(found.created_at), "updated_at": _time(found.updated_at),
            "applicant_name": submissions_search.applicant_name(row.form, found.answers) or None,
            "open_steps": [row.form.routing[i].name.default for i in row.steps
                           if i < len(row.form.routing)]}


# --- Forms --------------------------------------------------------------------------------------


@blueprint.route("/forms")
def forms() -> Response:
    token("read")
    with _db().session(readonly=True) as db:
        return jsonify({"forms": [
            {"id": v.form_id, "title": str(form_of(v).title),
             "department": str(form_of(v).department) if form_of(v).department else None,
             "version": v.number, "published_at": _time(v.published_at)}
            for v in published_forms(db)]})


def _version(db: Session, form_id: str) -> FormVersion:
    found = latest_version(db, form_id[:63])
    if found is None:
        fail(404, f"No form `{form_id[:63]}` is published.")
    return found


@blueprint.route("/forms/<form_id>")
def form(form_id: str) -> Response:
    token("read")
    with _db().session(readonly=True) as db:
        version = _version(db, form_id)
        return jsonify({"id": version.form_id, "version": version.number,
                        "published_at": _time(version.published_at),
                        "definition": version.definition})


@blueprint.route("/forms/<form_id>/versions")
def versions(form_id: str) -> Response:
    token("read")
    with _db().session(readonly=True) as db:
        _version(db, form_id)
        rows = db.scalars(select(FormVersion).where(FormVersion.form_id == form_id)
                          .order_by(FormVersion.number))
        return jsonify({"versions": [{"number": v.number, "published_at": _time(v.published_at),
                                      "published_by": v.published_by} for v in rows]})


@blueprint.route("/forms/<form_id>/submissions", methods=["POST"])
def submit(form_id: str) -> Any:
    """A counter clerk's entry: the same checks as the resident's pages, the same store."""
    found = token("submit")
    body = _body()
    answers, language, key = body.get("answers"), body.get("language", "en"), \
        body.get("idempotency_key")
    if not isinstance(answers, dict):
        fail(400, "`answers` must be an object of the form's questions and their answers.")
    if language not in SUPPORTED_LANGUAGES:
        fail(400, f"`language` must be one of {', '.join(SUPPORTED_LANGUAGES)}.")
    if key is not None and not (isinstance(key, str) and 0 < len(key) <= 64):
        fail(400, "`idempotency_key` must be text of 1 to 64 characters.")
    with _db().session() as db:
        version = _version(db, form_id)
        definition = form_of(version)
        if not definition.is_open(now().date()):
            fail(409, "This form is not open for submissions today.")
        relevant = applicable_answers(definition, answers)
        errors = definition.validate(relevant, language)
        if errors:
            fail(422, "The answers do not pass the form's checks; see `errors`.",
                 errors=[{"field": e.path, "message": e.message, "code": e.code}
                         for e in errors])
        created, new = submissions.create_submission(
            db, version, relevant, language=language, idempotency_key=key,
            actor=f"token:{found.name}", now=now())
        result = {"reference": created.reference, "status": created.status, "created": new}
    return jsonify(result), 201 if new else 200


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        fail(400, "Send a JSON object with `Content-Type: application/json`.")
    return data


# --- Submissions --------------------------------------------------------------------------------


@blueprint.route("/submissions")
def submission_list() -> Response:
    token("read")
    filters, problems = submissions_search.parse_filters(request.args)
    overdue = request.args.get("overdue")
    if overdue not in (None, "true", "false"):
        problems.append("overdue")
    cursor_text = request.args.get("cursor")
    after = submissions_search.decode_cursor(cursor_text)
    if cursor_text is not None and after is None:
        problems.append("cursor")
    limit_text = request.args.get("limit", "25")
    limit = int(limit_text) if limit_text.isdigit() and 1 <= int(limit_text) <= 100 else None
    if limit is None:
        problems.append("limit")
    if problems:
        fail(400, f"These parameters are not valid: {', '.join(sorted(set(problems)))}. Dates "
                  "are YYYY-MM-DD, `overdue` is true or false, `limit` 1 to 100, and a cursor "
                  "is the `next_cursor` of a page.")
    with _db().session(readonly=True) as db:
        page = submissions_search.page(db, None, filters, now=now(), after=after,
                                       size=limit or 25)
        return jsonify({"submissions": [_summary(row) for row in page.rows],
                        "next_cursor": str(page.next) if page.next else None})


def _submission(db: Session, reference: str) -> Submission:
    found = submissions.get_by_reference(db, reference[:40].upper())
    if found is None:
        fail(404, f"No submission has the reference `{reference[:40]}`.")
    return found


def _full(db: Session, found: Submission) -> dict[str, Any]:
    definition = form_of(found.form_version)
    events = routing.history(db, found)
    tasks = list(db.scalars(select(WorkflowTask).where(
        WorkflowTask.submission_id == found.id, WorkflowTask.state == "open")))
    row = submissions_search.Row(found, definition, tasks)
    state = workflows.replay(definition, routing.records(events), now())
    return {**_summary(row), "answers": found.answers,
            "computed": definition.computed_values(found.answers, state.office),
            "office": [{"step": index, "name": step.name.default, "fields": values}
                       for index, step, values in routing.office_values(definition, state)],
            "history_length": routing.history_length(events),
            "history": [{"kind": e.kind, "actor": e.actor, "at": _time(e.at),
                         "step": (e.data or {}).get("step") if isinstance(
                             (e.data or {}).get("step"), int) else None,
                         "comment": (e.data or {}).get("comment") if isinstance(
                             (e.data or {}).get("comment"), str) else None,
                         **({"fields": e.data["fields"]} if isinstance(
                             (e.data or {}).get("fields"), dict) else {})}
                        for e in events],
            "files": [{"id": a.id, "field": a.field, "name": a.file_name,
                       "media_type": a.media_type, "size": a.size, "sha256": a.sha256,
                       "url": url_for("api.file", reference=found.reference,
                                      file_id=a.id, _external=True)}
                      for a in found.attachments]}


@blueprint.route("/submissions/<reference>")
def submission(reference: str) -> Response:
    token("read")
    with _db().session(readonly=True) as db:
        return jsonify(_full(db, _submission(db, reference)))


@blueprint.route("/submissions/<reference>/files/<file_id>")
def file(reference: str, file_id: str) -> Any:
    token("read")
    with _db().session(readonly=True) as db:
        found = _submission(db, reference)
        stored = db.get(Attachment, file_id[:40])
        if stored is None or stored.submission_id != found.id:
            fail(404, "This submission has no such file.")
        stream = current_app.extensions["storage"].open(stored.storage_key)
        return send_file(stream, mimetype="application/octet-stream", as_attachment=True,
                         download_name=stored.file_name, max_age=0)


def _no_files(found: Submission, step: int, fields: dict[str, Any]) -> dict[str, Any]:
    """A step's file fields are filled in on the staff page only: an id sent here could name
    any upload, so they are refused rather than trusted."""
    form = form_of(found.form_version)
    own = form.routing[step].fields if 0 <= step < len(form.routing) else {}
    files = [name for name in fields if name in own and own[name].kind in ("file", "files")]
    if files:
        fail(400, f"`{files[0]}` is a file; enter files on the submission's staff page.")
    return fields


class _Integration:
    """The token as the routing engine's actor: it holds every role of the form, as an admin
    made it to decide; the engine's other rules (open task, comment, once) still apply."""

    def __init__(self, name: str, roles: set[str]) -> None:
        self.email = f"token:{name}"
        self._roles = frozenset(roles)

    @property
    def roles(self) -> frozenset[str]:
        return self._roles


@blueprint.route("/submissions/<reference>/decisions", methods=["POST"])
def decide(reference: str) -> Response:
    found_token = token("decide")
    body = _body()
    step, role, decision = body.get("step"), body.get("role"), body.get("decision")
    expected, comment = body.get("history_length"), body.get("comment", "")
    fields = body.get("fields", {})
    if not isinstance(fields, dict):
        fail(400, "`fields` must be an object of the step's field names and values.")
    if not (isinstance(step, int) and not isinstance(step, bool) and step >= 0) \
            or not (isinstance(expected, int) and not isinstance(expected, bool)) \
            or not isinstance(role, str) or not role or len(role) > 200 \
            or decision not in ("approve", "reject", "return") \
            or not isinstance(comment, str) or len(comment) > 4000:
        fail(400, "Send `step` (a number), `role`, `decision` (approve, reject or return), "
                  "`history_length` (from the submission you read) and, to reject or "
                  "return, a `comment`.")
    with _db().session() as db:
        found = _submission(db, reference)
        actor = _Integration(found_token.name, roles_of_form(form_of(found.form_version)))
        try:
            routing.decide(db, found, actor, step, role, decision, comment, now(),
                           expected_length=expected, fields=_no_files(found, step, fields))
        except routing.StaleHistory:
            fail(409, "The submission changed since you read it, so nothing was done. Read "
                      "it again and send its new `history_length`.")
        except workflows.DecisionError as error:
            fail(409, str(error))
        audit.record(db, actor.email, "decided", target=found.reference,
                     form_id=found.form_id, detail={"step": step, "role": role,
                                                    "decision": decision}, now=now())
        db.flush()
        return jsonify(_full(db, found))
