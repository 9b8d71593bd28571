"""The retention purge: submissions kept no longer than their form's ``retention`` says.

A submission is purged once its case has been closed (received without routing, approved or
rejected) for the retention period of the form version it was made on: the rule the resident
was under when they sent it. Cases still in review or returned to the resident are kept,
however old: a city keeps open cases. The period counts from the case's last change of status
(``Submission.updated_at``), as records schedules count from when a case closed.

Purging deletes the submission, its history, tasks, files (and cached PDFs), and the webhook
deliveries that copied its answers, and keeps a ``PurgedSubmission`` row: reference, form,
times and counts, nothing about the person. Work is done in batches, each its own transaction,
so a million due submissions never sit in one; files are deleted only after their batch
committed, so a failure leaves a file without a record (harmless), never a record without a
file. The same run also removes expired drafts and uploads nobody holds
(``services.drafts``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from formbuilder.database import Database
from formbuilder.files.storage import Storage
from formbuilder.jobs import JobContext, handler
from formbuilder.models import (
    Attachment,
    Event,
    FormVersion,
    Job,
    PurgedSubmission,
    Submission,
    WorkflowTask,
)
from formbuilder.notifiers import webhooks
from formbuilder.services import drafts
from formbuilder.services.documents import pdf_keys
from schemas.model import Retention

KIND = "retention.purge"
BATCH_SIZE = 500
CLOSED = ("received", "approved", "rejected")
# The shortest a unit can be: a lower bound on a period, so the database can pre-select.
_SHORTEST = {"day": timedelta(days=1), "month": timedelta(days=28),
             "year": timedelta(days=365)}
log = logging.getLogger("formbuilder.services.retention")


@dataclass(frozen=True)
class Due:
    """A submission whose retention has run out."""

    id: int
    reference: str
    form_id: str
    version_id: int
    form_version: int
    status: str
    submitted_at: datetime
    closed_at: datetime
    due_at: datetime


@dataclass
class PurgeReport:
    submissions: int = 0
    events: int = 0
    attachments: int = 0
    files: int = 0
    drafts: int = 0
    abandoned_uploads: int = 0
    batches: int = 0
    references: list[str] = field(default_factory=list)


def retention_of(definition: Mapping[str, Any] | None) -> Retention | None:
    text = (definition or {}).get("retention")
    if not isinstance(text, str):
        return None
    try:
        return Retention.parse(text)
    except ValueError:
        return None


def due_submissions(session: Session, now: datetime, *, limit: int | None = None,
                    lock: bool = False) -> Iterator[Due]:
    """Every closed submission whose retention ran out by ``now``, oldest first per form
    version; with ``lock`` (PostgreSQL) rows another purge holds are skipped."""
    versions = session.execute(select(
        FormVersion.id, FormVersion.form_id, FormVersion.number,
        FormVersion.definition["retention"].as_string()).order_by(FormVersion.id)).all()
    found = 0
    for version_id, form_id, number, text in versions:
        retention = retention_of({"retention": text})
        if retention is None:
            continue
        latest = now - _SHORTEST[retention.unit] * retention.count
        query = (select(Submission.id, Submission.reference, Submission.status,
                        Submission.created_at, Submission.updated_at)
                 .where(Submission.form_version_id == version_id,
                        Submission.status.in_(CLOSED), Submission.updated_at <= latest)
                 .order_by(Submission.updated_at, Submission.id))
        if limit is not None:
            query = query.limit(limit - found)
        if lock:
            query = query.with_for_update(skip_locked=True)
        for row_id, reference, status, created_at, updated_at in session.execute(
                query.execution_options(yield_per=1000)):
            due_at = retention.expires(updated_at)
            if due_at > now:
                break  # later rows closed later still
            yield Due(row_id, reference, form_id, version_id, number, status, created_at,
                      updated_at, due_at)
            found += 1
        if limit is not None and found >= limit:
            return


def purge_batch(session: Session, now: datetime, limit: int = BATCH_SIZE
                ) -> tuple[list[Due], list[str], PurgeReport]:
    """Purge up to ``limit`` due submissions in the caller's transaction.

    Returns what went, the storage keys the caller deletes once the transaction has committed,
    and the counts.
    """
    due = list(due_submissions(session, now, limit=limit, lock=True))
    report = PurgeReport()
    if not due:
        return [], [], report
    ids = [d.id for d in due]
    event_ids: dict[int, list[int]] = {i: [] for i in ids}
    for event_id, submission_id in session.execute(
            select(Event.id, Event.submission_id).where(Event.submission_id.in_(ids))):
        event_ids[submission_id].append(event_id)
    files: dict[int, list[str]] = {i: [] for i in ids}
    for owner, key in session.execute(select(
            Attachment.submission_id, Attachment.storage_key)
            .where(Attachment.submission_id.in_(ids))):
        if owner is not None:  # the filter already leaves out uploads not yet sent
            files[owner].append(key)
    keys = [key for keys in files.values() for key in keys]
    for submission in session.scalars(select(Submission).where(Submission.id.in_(ids))):
        keys += pdf_keys(submission, event_ids[submission.id])
    for model, column in ((Attachment, Attachment.submission_id),
                          (WorkflowTask, WorkflowTask.submission_id),
                          (Event, Event.submission_id), (Submission, Submission.id)):
        session.execute(delete(model).where(column.in_(ids))
                        .execution_options(synchronize_session=False))
    hooks = _webhook_urls(session, {d.version_id for d in due})
    deliveries = [key for d in due for key in webhooks.job_keys(
        d.reference, event_ids[d.id], hooks.get(d.version_id, []))]
    for start in range(0, len(deliveries), 1000):
        session.execute(delete(Job).where(Job.key.in_(deliveries[start:start + 1000]))
                        .execution_options(synchronize_session=False))
    session.add_all(PurgedSubmission(
        reference=d.reference, form_id=d.form_id, form_version=d.form_version, status=d.status,
        submitted_at=d.submitted_at, closed_at=d.closed_at, purged_at=now,
        events=len(event_ids[d.id]), attachments=len(files[d.id])) for d in due)
    session.flush()
    report.submissions = len(due)
    report.events = sum(len(v) for v in event_ids.values())
    report.attachments = sum(len(v) for v in files.values())
    report.references = [d.reference for d in due]
    return due, keys, report


def purge(db: Database, storage: Storage, now: datetime, *,
          batch_size: int = BATCH_SIZE) -> PurgeReport:
    """Purge everything due at ``now``, batch by batch, then expired drafts and abandoned
    uploads; what the CLI and the daily job run."""
    total = PurgeReport()
    while True:
        with db.session() as session:
            due, keys, report = purge_batch(session, now, batch_size)
        if not due:
            break
        total.batches += 1
        total.submissions += report.submissions
        total.events += report.events
        total.attachments += report.attachments
        total.references += report.references
        total.files += _delete_files(storage, keys)
        if len(due) < batch_size:
            break
    with db.session() as session:
        total.drafts = drafts.purge_expired(session, now)
        abandoned = drafts.purge_abandoned_uploads(session, now)
    total.abandoned_uploads = len(abandoned)
    _delete_files(storage, abandoned)
    return total


def preview(db: Database, now: datetime) -> tuple[list[Due], int, int]:
    """What :func:`purge` would remove now: the due submissions, expired drafts and abandoned
    uploads, found in a transaction that is rolled back, so nothing changes."""
    with db.session() as session:
        due = list(due_submissions(session, now))
        expired = drafts.purge_expired(session, now)
        abandoned = len(drafts.purge_abandoned_uploads(session, now))
        session.rollback()
    return due, expired, abandoned


def _webhook_urls(session: Session, version_ids: set[int]) -> dict[int, list[str]]:
    """Each version's webhook addresses, as its deliveries' job keys name them."""
    urls: dict[int, list[str]] = {}
    for version_id, hooks in session.execute(select(
            FormVersion.id, FormVersion.definition["webhooks"])
            .where(FormVersion.id.in_(version_ids))):
        urls[version_id] = [str(h["url"]).strip() for h in hooks or []
                            if isinstance(h, Mapping) and isinstance(h.get("url"), str)]
    return urls


def _delete_files(storage: Storage, keys: list[str]) -> int:
    """Delete after commit; a file that cannot be deleted is logged, and costs only space."""
    deleted = 0
    for key in keys:
        try:
            if storage.exists(key):
                storage.delete(key)
                deleted += 1
        except (OSError, ValueError):
            log.warning("Could not delete stored file %s; delete it by hand", key,
                        exc_info=True)
    return deleted


@handler(KIND)
def purge_job(ctx: JobContext, payload: Mapping[str, Any]) -> None:
    """The daily purge (scheduled by ``formbuilder.jobs.recurring``)."""
    report = purge(ctx.db, ctx.storage, ctx.now())
    ctx.app.logger.info(
        "Retention purge: %d submissions (%d events, %d files), %d expired drafts, "
        "%d abandoned uploads", report.submissions, report.events, report.files,
        report.drafts, report.abandoned_uploads)

