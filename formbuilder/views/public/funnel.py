"""The dashboard's funnel, counted as residents go: how many started a form and how far each
got (``services.dashboard.count_page``).

A draft reaches page 0 when it is started (the first page sent) and any later page when it is
shown. It counts once per page: this browser's session remembers the furthest page each of
its drafts has reached, so going back and forth, a page with errors or adding an item to a
list never counts twice. Changed answers to a return for changes are not a new
start, so they are not counted. Nothing about the resident is kept: only counts per day.
"""

from __future__ import annotations

from flask import session
from sqlalchemy.orm import Session

from formbuilder.models import Draft
from formbuilder.services import dashboard
from formbuilder.views.auth import now

SESSION_KEY = "reached"


def reached(db: Session, form_id: str, draft: Draft, index: int) -> None:
    """The resident of ``draft`` is on page ``index`` (0-based). Called before a posted page
    is saved, so the draft's ``page`` is still the last one it had saved."""
    if form_id in session.get("answering", {}):
        return
    marks = dict(session.get(SESSION_KEY, {}))
    mark = marks.get(form_id)
    if isinstance(mark, list) and len(mark) == 2 and mark[0] == draft.id:
        furthest = int(mark[1])
    else:  # a new draft (no answers yet) starts; a resumed one goes on from its saved page
        furthest = draft.page if draft.answers else -1
    if index <= furthest:
        return
    # Pages are reached in order: one skipped by a condition was still passed.
    for page in range(furthest + 1, index + 1):
        dashboard.count_page(db, form_id, page, now().date())
    marks[form_id] = [draft.id, index]
    session[SESSION_KEY] = marks
