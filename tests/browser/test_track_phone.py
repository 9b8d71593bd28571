"""/track's steps on a 390 px phone: every column readable without sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest
from approver import steps_shown, track
from mailforms import Clerk, permit_definition

import schemas
from formbuilder.models import FormVersion
from formbuilder.services import routing, submissions

EMAIL = "ana.garcia@example.org"
LONG_COMMENT = ("Please send a site plan that shows where the barricades will stand and "
                "which driveways stay open during the closure.")


@pytest.fixture
def published_forms() -> Any:
    return [schemas.load_definition(permit_definition())]


def test_the_steps_table_fits_a_phone_without_clipping(page: Any, live_server: str, app: Any,
                                                       axe: Any) -> None:
    with app.extensions["db"].session() as session:
        version = session.query(FormVersion).one()
        created, _ = submissions.create_submission(
            session, version, {"place": "Main St and 3rd Avenue", "email": EMAIL},
            language="en", idempotency_key=None)
        routing.decide(session, created, Clerk("rita@city.gov", frozenset({"reviewers"})), 0,
                       "reviewers", "return", LONG_COMMENT)
        reference = created.reference
    main = track(page, live_server, reference, EMAIL, lang="en", audit=axe.assert_accessible)
    assert [name for name, _ in steps_shown(main)] == ["Review"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = main.get_by_role("table")
    clipped = table.evaluate(
        "t => { const box = t.closest('.table-scroll') || t.parentElement;"
        " return t.scrollWidth > box.clientWidth + 1; }")
    assert not clipped, "the steps table is wider than the phone's screen"
    assert LONG_COMMENT in main.inner_text()
