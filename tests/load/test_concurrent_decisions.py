"""Eight staff members approve the same task at the same moment: exactly one decision counts.

Each thread has its own session; the routing service locks the submission's row (FOR UPDATE
on PostgreSQL, the write lock taken at BEGIN IMMEDIATE on SQLite) and re-reads the history,
so the seven losers get the engine's "already decided" and write nothing. Nothing here
measures time.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select
from staff import make_staff

import schemas
import workflows
from formbuilder.database import Database
from formbuilder.models import Event, Submission, WorkflowTask
from formbuilder.services import publishing, routing
from formbuilder.services.submissions import create_submission

THREADS = 8
WHEN = datetime(2030, 6, 1, 12, tzinfo=UTC)
FORM = {"id": "pothole-report", "title": "Report a pothole", "reference_prefix": "PW",
        "routing": [{"step": "Dispatch review", "assign": "dispatch"},
                    {"step": "Supervisor approval", "assign": "supervisor"}],
        "schema": {"type": "object", "properties": {"location": {"type": "string"}}}}


def test_eight_simultaneous_approvals_record_one(database: Database):
    with database.session() as session:
        version, _ = publishing.publish(session, schemas.load_definition(FORM))
        submission, _ = create_submission(session, version, {"location": "Main St"},
                                          language="en", idempotency_key=None, now=WHEN)
        submission_id = submission.id
    people = [make_staff(database, f"clerk{n}@city.gov", ["dispatch"]) for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(person) -> None:
        barrier.wait()
        try:
            with database.session() as session:
                found = session.get(Submission, submission_id)
                routing.decide(session, found, person, 0, "dispatch", "approve", None, WHEN)
            outcome = "approved"
        except workflows.DecisionError as error:
            outcome = error.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=approve, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_decided"] * (THREADS - 1) + ["approved"]
    with database.session(readonly=True) as session:
        kinds = session.execute(select(Event.kind, func.count()).where(
            Event.submission_id == submission_id).group_by(Event.kind)).all()
        assert dict(kinds) == {"submitted": 1, "step_started": 2, "approved": 1}
        open_tasks = session.scalars(select(WorkflowTask.role).where(
            WorkflowTask.state == "open")).all()
        assert open_tasks == ["supervisor"]
        assert session.get(Submission, submission_id).status == "in_review"
