"""schemathesis against the live API (a real HTTP server on SQLite and PostgreSQL): no 500, and
no response that the OpenAPI document does not describe. Few examples per operation, so the
whole run stays a few seconds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from staff import make_app
from werkzeug.serving import make_server

import schemas
from formbuilder.services import api_tokens, publishing
from formbuilder.services.submissions import create_submission
from formbuilder.views.api.openapi import document

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
DEFINITION = {
    "id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
    "routing": [{"step": "Dispatch review", "assign": "dispatch"}],
    "schema": {"type": "object", "properties": {"location": {"type": "string"}}},
}


@pytest.fixture
def live_api(db, tmp_path) -> Iterator[tuple[str, str]]:
    """The app on a real HTTP server, with a form, a submission and an all-scopes token."""
    with db.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(DEFINITION))
        create_submission(session, version, {"location": "Main St"}, language="en",
                          idempotency_key=None, now=datetime(2030, 3, 1, tzinfo=UTC))
        _, token = api_tokens.create(session, "fuzz", ["read", "decide", "submit"], by="test")
    app = make_app(db, tmp_path, RATELIMIT_ENABLED=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()
    thread.join()


def test_the_document_is_openapi_3_1():
    spec = document()
    assert spec["openapi"] == "3.1.0"
    assert {"/forms", "/submissions", "/submissions/{reference}/decisions"} <= set(spec["paths"])


def test_every_operation_answers_within_its_schema(live_api):
    base, token = live_api
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:

        @settings(max_examples=6, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=f"{base}/api/v1", headers=headers, checks=CHECKS)

        run()
