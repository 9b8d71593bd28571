"""Attack 7: the upload purge could delete a file a resident had just submitted.

On PostgreSQL the purge read its candidates, then the live drafts; a submit that committed in
between had already deleted its draft, so its files looked abandoned. This test forces that
interleaving: the moment the purge has first touched the attachments table, the resident's
submit runs to its commit over HTTP, then the purge goes on.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from live_site import Live
from resident import png_bytes
from sqlalchemy import event, select

from formbuilder.models import Attachment, utcnow


@pytest.mark.parametrize("backend_db", ["postgresql"], indirect=True)
def test_a_submit_during_the_purge_keeps_its_file(live: Live) -> None:
    from formbuilder.services import retention

    resident = live.browser()
    resident.fill_pothole(photo=png_bytes())
    purger = threading.get_ident()
    submitted: list = []

    def between(conn, cursor, statement, parameters, context, executemany) -> None:
        if threading.get_ident() == purger and not submitted and "attachments" in statement:
            submitted.append(resident.send())

    event.listen(live.db.engine, "after_cursor_execute", between)
    try:
        storage = live.app.extensions["storage"]
        report = retention.purge(live.db, storage, utcnow() + timedelta(days=2))
    finally:
        event.remove(live.db.engine, "after_cursor_execute", between)
    assert submitted and submitted[0].status == 302, "the submit ran inside the purge"
    with live.db.session(readonly=True) as session:
        kept = session.execute(select(Attachment.submission_id, Attachment.storage_key)).all()
    assert len(kept) == 1 and kept[0].submission_id is not None
    assert storage.exists(kept[0].storage_key)
    assert report.abandoned_uploads == 0


@pytest.mark.parametrize("backend_db", ["sqlite", "postgresql"], indirect=True)
def test_an_abandoned_upload_is_still_purged(live: Live) -> None:
    from formbuilder.services import retention

    resident = live.browser()
    resident.fill_pothole(photo=png_bytes())
    storage = live.app.extensions["storage"]
    report = retention.purge(live.db, storage, utcnow() + timedelta(days=31))
    assert (report.drafts, report.abandoned_uploads) == (1, 1)
    with live.db.session(readonly=True) as session:
        assert session.scalars(select(Attachment)).all() == []
