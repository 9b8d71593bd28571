"""The retention purge: what goes, what stays, the record left behind, on both databases."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from jobs import run_jobs
from sqlalchemy import func, select
from staff import make_app, make_staff

from formbuilder.files.storage import LocalStorage
from formbuilder.jobs import enqueue
from formbuilder.models import (
    Attachment,
    Draft,
    Event,
    Job,
    PurgedSubmission,
    Submission,
    WorkflowTask,
)
from formbuilder.services import retention, routing
from formbuilder.services.documents import pdf_key
from formbuilder.services.drafts import start_draft
from formbuilder.services.submissions import create_submission

T0 = datetime(2030, 1, 15, 9, tzinfo=UTC)
YEAR_LATER = datetime(2031, 1, 15, 9, tzinfo=UTC)
ROUTING = [{"step": "Dispatch review", "assign": "dispatch"}]


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "uploads")


def upload(db, storage, version, at=T0) -> tuple[str, str]:
    """A stored file and its attachment record, not yet part of any submission."""
    stored = storage.put(io.BytesIO(b"\xff\xd8\xff photo bytes"), size_limit=10_000)
    with db.session() as session:
        attachment = Attachment(form_id=version.form_id, field="photo", file_name="hole.jpg",
                                media_type="image/jpeg", size=stored.size, sha256=stored.sha256,
                                storage_key=stored.key, created_at=at)
        session.add(attachment)
        session.flush()
        return attachment.id, stored.key


def submit(db, version, at=T0, photo: str | None = None, location="Main St") -> str:
    answers = {"location": location, **({"photo": photo} if photo else {})}
    with db.session() as session:
        submission, _ = create_submission(session, version, answers, language="en",
                                          idempotency_key=None,
                                          attachment_ids=[photo] if photo else [], now=at)
        return submission.reference


def count(db, model) -> int:
    with db.session(readonly=True) as session:
        return session.scalar(select(func.count()).select_from(model))


def references(db) -> set[str]:
    with db.session(readonly=True) as session:
        return set(session.scalars(select(Submission.reference)))


def test_a_closed_submission_goes_after_its_retention_with_its_files_and_history(
        db, publish_form, storage):
    version = publish_form(retention="1 year")
    photo, key = upload(db, storage, version)
    reference = submit(db, version, photo=photo)
    with db.session() as session:
        submission = session.scalars(select(Submission)).one()
        last_event = session.scalar(select(func.max(Event.id)))
        cached_pdf = pdf_key(submission, last_event)
    storage.write(cached_pdf, b"%PDF-1.7 cached")

    early = retention.purge(db, storage, YEAR_LATER - timedelta(seconds=1))
    assert early.submissions == 0
    assert references(db) == {reference}

    report = retention.purge(db, storage, YEAR_LATER)
    assert (report.submissions, report.events, report.attachments, report.files) == (1, 1, 1, 2)
    assert references(db) == set()
    assert count(db, Event) == count(db, Attachment) == 0
    assert not storage.exists(key) and not storage.exists(cached_pdf)
    with db.session(readonly=True) as session:
        record = session.scalars(select(PurgedSubmission)).one()
        assert (record.reference, record.form_id, record.form_version, record.status) == \
            (reference, "pothole-report", 1, "received")
        assert (record.submitted_at, record.closed_at, record.purged_at) == \
            (T0, T0, YEAR_LATER)
        assert (record.events, record.attachments) == (1, 1)


def test_open_cases_stay_and_the_clock_starts_when_a_case_closes(db, publish_form, storage):
    version = publish_form(retention="1 year", routing=ROUTING)
    dee = make_staff(db, "dee@city.gov", ["dispatch"])
    still_open = submit(db, version)
    closed_later = submit(db, version)
    decided = T0 + timedelta(days=30)
    with db.session() as session:
        submission = session.scalars(select(Submission).where(
            Submission.reference == closed_later)).one()
        routing.decide(session, submission, dee, 0, "dispatch", "approve", None, decided)

    assert retention.purge(db, storage, YEAR_LATER + timedelta(days=29)).submissions == 0
    report = retention.purge(db, storage, YEAR_LATER + timedelta(days=30))
    assert report.references == [closed_later]
    assert references(db) == {still_open}
    with db.session(readonly=True) as session:
        record = session.scalars(select(PurgedSubmission)).one()
        assert (record.status, record.closed_at) == ("approved", decided)
        assert session.scalar(select(func.count()).select_from(WorkflowTask)) == 1


def test_forms_without_retention_keep_everything(db, publish_form, storage):
    version = publish_form()
    reference = submit(db, version)
    assert retention.purge(db, storage, T0 + timedelta(days=365 * 50)).submissions == 0
    assert references(db) == {reference}


def test_each_submission_keeps_the_retention_of_its_own_version(db, publish_form, storage):
    old = publish_form(retention="1 year")
    first = submit(db, old)
    new = publish_form(retention="5 years")
    second = submit(db, new)
    report = retention.purge(db, storage, YEAR_LATER)
    assert report.references == [first]
    assert references(db) == {second}


def test_a_dry_run_lists_what_would_go_and_changes_nothing(db, publish_form, storage):
    version = publish_form(retention="6 months")
    photo, key = upload(db, storage, version)
    reference = submit(db, version, photo=photo)
    upload(db, storage, version)  # abandoned: no submission, no draft holds it
    with db.session() as session:
        start_draft(session, version, "en", now=T0)
    due, drafts, uploads = retention.preview(db, YEAR_LATER)
    assert [(d.reference, d.form_id, d.submitted_at, d.due_at) for d in due] == \
        [(reference, "pothole-report", T0, datetime(2030, 7, 15, 9, tzinfo=UTC))]
    assert (drafts, uploads) == (1, 1)
    assert references(db) == {reference}
    assert (count(db, Attachment), count(db, Draft), count(db, PurgedSubmission)) == (2, 1, 0)
    assert storage.exists(key)


def test_expired_drafts_and_abandoned_uploads_go_too(db, publish_form, storage):
    version = publish_form()
    _, abandoned = upload(db, storage, version)
    with db.session() as session:
        start_draft(session, version, "en", now=T0)
        start_draft(session, version, "en", now=T0 + timedelta(days=60))
    report = retention.purge(db, storage, T0 + timedelta(days=45))
    assert (report.drafts, report.abandoned_uploads) == (1, 1)
    assert count(db, Draft) == 1
    assert not storage.exists(abandoned)


def test_batches_purge_everything_due_a_few_at_a_time(db, publish_form, storage):
    version = publish_form(retention="30 days")
    made = {submit(db, version, at=T0 + timedelta(minutes=i)) for i in range(5)}
    report = retention.purge(db, storage, YEAR_LATER, batch_size=2)
    assert report.batches == 3
    assert set(report.references) == made
    assert count(db, PurgedSubmission) == 5 and count(db, Submission) == 0


def test_webhook_deliveries_holding_the_answers_are_purged(db, publish_form, storage):
    version = publish_form(retention="1 year",
                           webhooks=[{"url": "https://permits.example.gov/in"}])
    submit(db, version)
    with db.session() as session:
        enqueue(session, "email", {"to": "someone"}, key="unrelated")
    assert count(db, Job) == 2
    retention.purge(db, storage, YEAR_LATER)
    with db.session(readonly=True) as session:
        assert session.scalars(select(Job.key)).all() == ["unrelated"]


def test_the_daily_job_runs_the_purge(db, publish_form, tmp_path):
    version = publish_form(retention="1 year")
    reference = submit(db, version)
    app = make_app(db, tmp_path)
    with db.session() as session:
        enqueue(session, "retention.purge", {}, key="retention.purge:test")
    outcomes = run_jobs(app, now=YEAR_LATER + timedelta(days=1))
    assert [(o.kind, o.result) for o in outcomes] == [("retention.purge", "done")]
    with db.session(readonly=True) as session:
        assert session.scalars(select(PurgedSubmission.reference)).all() == [reference]


def test_the_purge_command_and_its_dry_run(db, publish_form, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from formbuilder import cli

    version = publish_form(retention="1 year")
    long_ago = datetime.now(UTC) - timedelta(days=800)
    reference = submit(db, version, at=long_ago)
    monkeypatch.setattr(cli, "_app", lambda: make_app(db, tmp_path))
    result = CliRunner().invoke(cli.main, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{reference}\tpothole-report\tsubmitted {long_ago:%Y-%m-%d}" in result.output
    assert "Would purge 1 submission, 0 expired drafts and 0 abandoned uploads." \
        in result.output
    assert references(db) == {reference}
    result = CliRunner().invoke(cli.main, ["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 submission (1 history events, 0 files)" in result.output
    assert references(db) == set()


def test_the_purge_command_explains_a_database_that_is_not_set_up(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from formbuilder import cli
    from formbuilder.database import Database

    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setattr(cli, "_app", lambda: make_app(empty, tmp_path))
    result = CliRunner().invoke(cli.main, ["purge", "--dry-run"])
    empty.dispose()
    assert result.exit_code == 1
    assert "Run `formbuilder db upgrade`." in result.output
