"""Submission PDFs and blank paper forms, for staff downloads, receipts and the CLI.

A submission's PDF changes only when its history does (a decision, a resubmission), so it is
drawn once per history event and kept in the file storage under a key derived from the
submission and its newest event: the next download reads the same bytes back, and a new event
names a new key, so a stale PDF is never served. Cached PDFs can always be drawn again, so a
lost one costs only time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import schemas
import workflows
from formbuilder import metrics
from formbuilder.files.storage import Storage
from formbuilder.models import Attachment, Event, Submission, utcnow
from formbuilder.services.publishing import form_of, get_version, latest_version
from renderers.pdf import AttachmentInfo, history_rows, render_blank, render_submission
from schemas.i18n import SUPPORTED_LANGUAGES

# Part of every cache key: bump it when the PDF's layout changes, so old copies are redrawn.
LAYOUT_VERSION = 1
MAX_EMBEDDED_BYTES = 25 * 1024 * 1024


def pdf_key(submission: Submission, last_event_id: int | None,
            lang: str | None = None) -> str:
    """The storage key of the submission's PDF for its history up to ``last_event_id``, in
    ``lang`` (the resident's language when ``None`` or the same).

    The city's time zone is not part of the key: it is set once for a deployment, and
    retention must be able to name every cached copy from the submission alone.
    """
    name = f"submission-pdf:{LAYOUT_VERSION}:{submission.id}:{submission.reference}:" \
           f"{last_event_id}"
    if lang and lang != submission.language:
        name += f":{lang}"
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def pdf_keys(submission: Submission, event_ids: Sequence[int]) -> list[str]:
    """Every key a cached PDF of the submission may have, in any language (for retention)."""
    return [pdf_key(submission, event_id, lang) for event_id in [None, *event_ids]
            for lang in (None, *SUPPORTED_LANGUAGES)]


def submission_pdf(session: Session, storage: Storage, submission: Submission, *,
                   city_name: str, lang: str | None = None, time_zone: str = "UTC") -> bytes:
    """The submission's PDF in ``lang`` (its resident's language by default), drawn at most
    once per history and language."""
    last_event = session.scalar(select(func.max(Event.id))
                                .where(Event.submission_id == submission.id))
    key = pdf_key(submission, last_event, lang)
    if storage.exists(key):
        with storage.open(key) as handle:
            return handle.read()
    pdf = draw_submission_pdf(session, storage, submission, city_name=city_name, lang=lang,
                              time_zone=time_zone)
    storage.write(key, pdf)
    return pdf


def answers_as_of(session: Session, submission: Submission, event: Event) -> dict[str, Any]:
    """The answers as they were when ``event`` happened: a later resubmission keeps what it
    replaced in its ``previous_answers``."""
    later = session.scalars(select(Event).where(
        Event.submission_id == submission.id, Event.kind == "resubmitted", Event.id > event.id)
        .order_by(Event.id).limit(1)).first()
    if later is not None and isinstance((later.data or {}).get("previous_answers"), dict):
        return dict(later.data["previous_answers"])
    return dict(submission.answers or {})


def receipt_pdf(session: Session, storage: Storage, submission: Submission, event: Event, *,
                city_name: str, time_zone: str = "UTC") -> bytes:
    """The submission as it was when ``event`` (its ``submitted``) happened: its answers then
    and the history written with it, nothing later.

    The receipt's email job may run hours late (a mail server down overnight); a PDF drawn
    from the submission's state at that time would carry later staff comments and the
    addresses of the staff who acted.
    """
    events = session.scalars(select(Event).where(
        Event.submission_id == submission.id, Event.at <= event.at)
        .order_by(Event.at, Event.id)).all()
    key = pdf_key(submission, max((e.id for e in events), default=None))
    if storage.exists(key):
        with storage.open(key) as handle:
            return handle.read()
    pdf = draw_submission_pdf(session, storage, submission, city_name=city_name,
                              events=events, answers=answers_as_of(session, submission, event),
                              time_zone=time_zone)
    storage.write(key, pdf)
    return pdf


def draw_submission_pdf(session: Session, storage: Storage, submission: Submission, *,
                        city_name: str, events: Sequence[Event] | None = None,
                        answers: Mapping[str, Any] | None = None, lang: str | None = None,
                        time_zone: str = "UTC") -> bytes:
    """The PDF drawn now, without the cache; of the whole history and the current answers
    unless ``events`` and ``answers`` say otherwise, in ``lang`` (else the resident's)."""
    version = submission.form_version
    form = form_of(version)
    rows = session.scalars(select(Attachment).where(Attachment.submission_id == submission.id)
                           .order_by(Attachment.created_at, Attachment.id)).all()
    stored = {row.id: row for row in rows}
    files = {row.id: AttachmentInfo(id=row.id, name=row.file_name, media_type=row.media_type,
                                    size=row.size, sha256=row.sha256) for row in rows}
    if events is None:
        events = session.scalars(select(Event).where(Event.submission_id == submission.id)
                                 .order_by(Event.at, Event.id)).all()

    def fetch(attachment_id: str) -> bytes | None:
        """Only this submission's own files, and only ones small enough to embed."""
        row = stored.get(attachment_id)
        if row is None or row.size > MAX_EMBEDDED_BYTES:
            return None
        try:
            with storage.open(row.storage_key) as handle:
                return handle.read(MAX_EMBEDDED_BYTES + 1)
        except (FileNotFoundError, ValueError):
            return None

    if answers is None:
        answers = submission.answers or {}
    with metrics.pdf_render("submission"):
        return render_submission(
            form, answers, lang=lang or submission.language, reference=submission.reference,
            submitted_at=submission.created_at, version_number=version.number,
            city_name=city_name, attachments=files, history=history_rows(events),
            fetch_attachment=fetch, time_zone=time_zone, office=_office(form, events))


def _office(form: schemas.Form, events: Sequence[Event]) -> Mapping[int, Mapping[str, Any]]:
    """The steps' field values as the engine replays them, corrections included."""
    records = [workflows.Record(kind=e.kind, actor=e.actor, at=e.at, data=dict(e.data or {}))
               for e in events]
    return workflows.replay(form, records, utcnow()).office


class NothingToPrint(ValueError):
    """The form to print was not found or does not check; the message says what to do."""


def form_to_print(session: Session, form_id: str, number: int | None = None) -> schemas.Form:
    """A published version of the form (the newest unless ``number``), or, when ``form_id``
    names a form file, that file's form, so a form can be printed before it is published."""
    path = Path(form_id)
    if path.suffix.lower() in (".yaml", ".yml", ".json") and path.is_file():
        try:
            return schemas.load(path)
        except schemas.FormError as error:
            raise NothingToPrint("\n".join(str(p) for p in error.problems)) from error
    version = get_version(session, form_id, number) if number else \
        latest_version(session, form_id)
    if version is None:
        which = f"version {number} of " if number else ""
        raise NothingToPrint(f"There is no published {which}form {form_id!r}. Publish it with "
                             "`formbuilder publish FILE`, or give the form's file.")
    return form_of(version)


def blank_pdf(form: schemas.Form, lang: str, *, city_name: str) -> bytes:
    """Any form version as a paper form to print and fill in by hand."""
    with metrics.pdf_render("blank"):
        return render_blank(form, lang=lang, city_name=city_name)
