"""The OpenAPI 3.1 document of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand, next to the views it describes, and checked against them by schemathesis
(tests/app/test_api_schema.py): every response the API gives must be one this says it gives.
"""

from __future__ import annotations

from typing import Any

from workflows.records import STATUSES

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}
PROBLEM_RESPONSE = {"content": {"application/problem+json": {
    "schema": {"$ref": "#/components/schemas/Problem"}}}}


def _problems(*codes: int) -> dict[str, Any]:
    words = {400: "The request's parameters or body are not valid.",
             401: "No token, or not a live one.", 403: "The token lacks the scope.",
             404: "No such form, submission or file.",
             409: "The submission changed, or the decision is not possible now.",
             422: "The answers do not pass the form's checks."}
    return {str(code): {"description": words[code], **PROBLEM_RESPONSE} for code in codes}


def _json(ref: str, description: str) -> dict[str, Any]:
    """A response whose JSON body is the schema ``ref`` of ``components``."""
    return {"description": description, "content": _json_content(ref)}


def _body(ref: str) -> dict[str, Any]:
    """A required JSON request body: the schema ``ref`` of ``components``."""
    return {"required": True, "content": _json_content(ref)}


def _json_content(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, "maxLength": 100}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


SUBMISSION_FIELDS: dict[str, Any] = {
    "reference": STRING, "form": STRING, "version": {"type": "integer"},
    "status": {"type": "string", "enum": list(STATUSES)},
    "language": STRING, "submitted_at": TIME, "updated_at": TIME,
    "applicant_name": NULLABLE_STRING,
    "open_steps": {"type": "array", "items": STRING},
}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "properties": {"type": STRING, "title": STRING, "status": {"type": "integer"},
                       "detail": STRING, "instance": STRING,
                       "errors": {"type": "array", "items": {
                           "type": "object", "required": ["field", "message", "code"],
                           "properties": {"field": STRING, "message": STRING,
                                          "code": STRING}}}}},
    "FormSummary": {
        "type": "object", "required": ["id", "title", "department", "version", "published_at"],
        "properties": {"id": STRING, "title": STRING, "department": NULLABLE_STRING,
                       "version": {"type": "integer"}, "published_at": TIME}},
    "FormList": {"type": "object", "required": ["forms"], "properties": {
        "forms": {"type": "array", "items": {"$ref": "#/components/schemas/FormSummary"}}}},
    "FormDefinition": {
        "type": "object", "required": ["id", "version", "published_at", "definition"],
        "properties": {"id": STRING, "version": {"type": "integer"}, "published_at": TIME,
                       "definition": {"type": "object"}}},
    "VersionList": {"type": "object", "required": ["versions"], "properties": {
        "versions": {"type": "array", "items": {
            "type": "object", "required": ["number", "published_at", "published_by"],
            "properties": {"number": {"type": "integer"}, "published_at": TIME,
                           "published_by": NULLABLE_STRING}}}}},
    "SubmissionSummary": {"type": "object", "required": list(SUBMISSION_FIELDS),
                          "properties": SUBMISSION_FIELDS},
    "SubmissionList": {
        "type": "object", "required": ["submissions", "next_cursor"],
        "properties": {"submissions": {"type": "array", "items": {
            "$ref": "#/components/schemas/SubmissionSummary"}},
            "next_cursor": NULLABLE_STRING}},
    "Submission": {
        "type": "object",
        "required": [*SUBMISSION_FIELDS, "answers", "history", "history_length", "files"],
        "properties": {
            **SUBMISSION_FIELDS, "answers": {"type": "object"},
            "computed": {"type": "object", "description": "The form's computed values."},
            "office": {"type": "array", "description": "What each step's approvers entered "
                       "in its own fields, as it stands now (corrections included).",
                       "items": {"type": "object", "required": ["step", "name", "fields"],
                                 "properties": {"step": {"type": "integer"}, "name": STRING,
                                                "fields": {"type": "object"}}}},
            "history_length": {"type": "integer"},
            "history": {"type": "array", "items": {
                "type": "object", "required": ["kind", "actor", "at", "step", "comment"],
                "properties": {"kind": STRING, "actor": STRING, "at": TIME,
                               "step": {"type": ["integer", "null"]},
                               "comment": NULLABLE_STRING,
                               "fields": {"type": "object", "description": "What was "
                                          "entered in the step's fields with this decision "
                                          "or correction."}}}},
            "files": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "field", "name", "media_type", "size", "sha256", "url"],
                "properties": {"id": STRING, "field": STRING, "name": STRING,
                               "media_type": STRING, "size": {"type": "integer"},
                               "sha256": STRING, "url": STRING}}}}},
    "DecisionRequest": {
        "type": "object", "required": ["step", "role", "decision", "history_length"],
        "properties": {
            "step": {"type": "integer", "minimum": 0},
            "role": {"type": "string", "minLength": 1, "maxLength": 200},
            "decision": {"type": "string", "enum": ["approve", "reject", "return"]},
            "comment": {"type": "string", "maxLength": 4000},
            "fields": {"type": "object", "description": "Values for the step's own fields "
                       "(not files); approving needs its required_to_approve."},
            "history_length": {"type": "integer", "minimum": 0,
                               "description": "The submission's history_length when it was "
                                              "read: a decision on a changed submission is "
                                              "refused (409), never applied blindly."}}},
    "SubmitRequest": {
        "type": "object", "required": ["answers"],
        "properties": {"answers": {"type": "object"},
                       "language": {"type": "string", "enum": ["en", "es", "zh"]},
                       "idempotency_key": {"type": "string", "minLength": 1,
                                           "maxLength": 64}}},
    "Created": {"type": "object", "required": ["reference", "status", "created"],
                "properties": {"reference": STRING, "status": STRING,
                               "created": {"type": "boolean"}}},
}

LIST_PARAMETERS = [
    _query("form", {"type": "string", "maxLength": 63}, "Only this form's submissions."),
    _query("status", {"type": "string", "enum": list(STATUSES)}, "Only this status."),
    _query("step", {"type": "string", "maxLength": 200}, "Only those waiting at this step."),
    _query("from", {"type": "string", "format": "date"}, "Sent on or after (YYYY-MM-DD)."),
    _query("to", {"type": "string", "format": "date"}, "Sent on or before (YYYY-MM-DD)."),
    _query("overdue", {"type": "boolean"}, "Only those with an overdue step."),
    _query("q", {"type": "string", "maxLength": 200}, "A reference, or words of the answers."),
    _query("cursor", {"type": "string", "maxLength": 20}, "The next_cursor of a page."),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Rows per page (25)."),
]


def document() -> dict[str, Any]:
    """The whole document, built fresh (it is small) so no caller can change a shared copy."""
    reference = _path("reference", "A submission's reference, like PW-2026-000123.")
    form_id = _path("form_id", "A form's id, like pothole-report.")
    read = [{"token": ["read"]}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "formbuilder API", "version": "1",
                 "description": "Forms, submissions, files and decisions. Send an admin-made "
                                "token as `Authorization: Bearer TOKEN`; errors are RFC 9457 "
                                "problem details; lists page by `cursor`."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "token": {"type": "http", "scheme": "bearer",
                      "description": "Scopes: read, decide, submit."}}},
        "security": read,
        "paths": {
            "/forms": {"get": {
                "operationId": "listForms", "summary": "The published forms",
                "responses": {"200": _json("FormList", "The forms."), **_problems(401, 403)}}},
            "/forms/{form_id}": {"get": {
                "operationId": "getForm", "summary": "A form's newest definition",
                "parameters": [form_id],
                "responses": {"200": _json("FormDefinition", "The definition."),
                              **_problems(401, 403, 404)}}},
            "/forms/{form_id}/versions": {"get": {
                "operationId": "listVersions", "summary": "A form's published versions",
                "parameters": [form_id],
                "responses": {"200": _json("VersionList", "The versions."),
                              **_problems(401, 403, 404)}}},
            "/forms/{form_id}/submissions": {"post": {
                "operationId": "submitForm", "security": [{"token": ["submit"]}],
                "summary": "Send a form for a resident (a counter clerk's entry)",
                "parameters": [form_id],
                "requestBody": _body("SubmitRequest"),
                "responses": {"201": _json("Created", "Stored."),
                              "200": _json("Created", "Already stored with this key."),
                              **_problems(400, 401, 403, 404, 409, 422)}}},
            "/submissions": {"get": {
                "operationId": "listSubmissions", "summary": "Submissions, newest first",
                "parameters": LIST_PARAMETERS,
                "responses": {"200": _json("SubmissionList", "A page."),
                              **_problems(400, 401, 403)}}},
            "/submissions/{reference}": {"get": {
                "operationId": "getSubmission",
                "summary": "A submission with its history and file links",
                "parameters": [reference],
                "responses": {"200": _json("Submission", "The submission."),
                              **_problems(401, 403, 404)}}},
            "/submissions/{reference}/files/{file_id}": {"get": {
                "operationId": "getFile", "summary": "A file of a submission",
                "parameters": [reference, _path("file_id", "The file's id.")],
                "responses": {"200": {"description": "The file's bytes.", "content": {
                    "application/octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}},
                              **_problems(401, 403, 404)}}},
            "/submissions/{reference}/decisions": {"post": {
                "operationId": "decide", "security": [{"token": ["decide"]}],
                "summary": "Record a decision, with the staff page's rules",
                "parameters": [reference],
                "requestBody": _body("DecisionRequest"),
                "responses": {"200": _json("Submission", "Recorded; the submission now."),
                              **_problems(400, 401, 403, 404, 409)}}},
        },
    }
