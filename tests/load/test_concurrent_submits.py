"""Many residents submitting at once: every submission stored, references unique and gap-free.

Twenty threads share 500 submissions, each in its own session, on SQLite and on PostgreSQL.
Mixed in are double submits racing on one idempotency key and transactions that fail after
taking a reference number (a crash before commit, an upload that cannot be attached); none of
them may leave a gap or a duplicate. Nothing here measures time.
"""

from __future__ import annotations

import queue
import random
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

import schemas
from formbuilder.database import Database
from formbuilder.models import Event, FormVersion, Submission
from formbuilder.services import publishing
from formbuilder.services.submissions import UnusableAttachments, create_submission

THREADS = 20
SUBMISSIONS = 500
DUPLICATES = 40
CRASHES = 15
BAD_UPLOADS = 10
WHEN = datetime(2030, 6, 1, 12, tzinfo=UTC)


class Crash(Exception):
    """A failure after the submission was created, before the transaction commits."""


def plan() -> list[tuple[str, str]]:
    """What each request does: ``submit``, ``crash`` or ``bad-upload``, with its key."""
    work = [("submit", f"key-{n}") for n in range(SUBMISSIONS)]
    work += [("submit", f"key-{n}") for n in range(DUPLICATES)]  # double submits
    work += [("crash", f"crash-{n}") for n in range(CRASHES)]
    work += [("bad-upload", f"bad-{n}") for n in range(BAD_UPLOADS)]
    random.Random(2030).shuffle(work)
    return work


def test_concurrent_submits_are_all_stored_without_gaps(database: Database):
    form = schemas.load_definition({
        "id": "load-test", "title": "Load test", "reference_prefix": "LD",
        "schema": {"type": "object", "properties": {"n": {"type": "string", "title": "N"}}},
    })
    with database.session() as session:
        version, _ = publishing.publish(session, form)
    work: queue.Queue[tuple[str, str]] = queue.Queue()
    for item in plan():
        work.put(item)
    outcomes: list[tuple[str, bool]] = []
    unexpected: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def resident() -> None:
        start.wait()
        while True:
            try:
                action, key = work.get_nowait()
            except queue.Empty:
                return
            try:
                outcomes.append((action, submit(database, version, action, key)))
            except (Crash, UnusableAttachments):
                outcomes.append((action, False))
            except BaseException as error:  # reported by the assertion below
                unexpected.append(error)

    threads = [threading.Thread(target=resident) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert unexpected == []
    created = [action for action, new in outcomes if new]
    assert created == ["submit"] * SUBMISSIONS
    assert len(outcomes) == SUBMISSIONS + DUPLICATES + CRASHES + BAD_UPLOADS
    with database.session() as session:
        references = session.scalars(select(Submission.reference)).all()
        events = session.scalar(select(func.count()).select_from(Event))
    assert sorted(references) == [f"LD-2030-{n:06d}" for n in range(1, SUBMISSIONS + 1)]
    assert events == SUBMISSIONS


def submit(database: Database, version: FormVersion, action: str, key: str) -> bool:
    with database.session() as session:
        attachments = ["att_does-not-exist"] if action == "bad-upload" else []
        _, created = create_submission(session, version, {"n": key}, language="en",
                                       idempotency_key=key, attachment_ids=attachments,
                                       now=WHEN)
        if action == "crash":
            raise Crash(key)
        return created
