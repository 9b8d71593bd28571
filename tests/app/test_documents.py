"""Submission PDFs through the app's services: drawn once per history event, from the
stored files; and the `formbuilder pdf` command."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from on_record import stored_upload
from pypdf import PdfReader

from formbuilder.cli import main
from formbuilder.files.storage import LocalStorage
from formbuilder.models import Event
from formbuilder.services import documents
from formbuilder.services.submissions import create_submission


def text_of(pdf: bytes) -> str:
    """The PDF's text without whitespace (lines wrap anywhere); compare with ``bare``."""
    return bare("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


@pytest.fixture
def submitted(db, publish_form, storage):
    """A pothole report with a stored photo, routed to one approval step."""
    from pdf_answers import photo

    version = publish_form(routing=[{"step": "Dispatch review", "assign": "dispatch"}])
    with db.session() as session:
        photo_id, stored = stored_upload(session, storage, version.form_id, "hole.png",
                                         "image/png", photo(80, 60))
        submission, _ = create_submission(
            session, version, {"location": "Main Street and 3rd", "photo": photo_id},
            language="en", idempotency_key=None, attachment_ids=[photo_id],
            now=datetime(2026, 5, 1, 12, tzinfo=UTC))
        return submission.id, submission.reference, stored.sha256


def test_the_pdf_is_drawn_once_per_history_event(db, storage, submitted, monkeypatch):
    submission_id, reference, digest = submitted
    drawn = []
    draw = documents.draw_submission_pdf
    monkeypatch.setattr(documents, "draw_submission_pdf",
                        lambda *a, **k: drawn.append(1) or draw(*a, **k))
    with db.session() as session:
        from formbuilder.models import Submission

        submission = session.get(Submission, submission_id)
        first = documents.submission_pdf(session, storage, submission, city_name="City")
        again = documents.submission_pdf(session, storage, submission, city_name="City")
        assert again == first and len(drawn) == 1
        text = text_of(first)
        assert reference in text and bare("Main Street and 3rd") in text and digest in text
        assert len(PdfReader(io.BytesIO(first)).pages[0].images) == 1  # the photo
        attached = PdfReader(io.BytesIO(first)).attachments["answers.json"][0]
        assert json.loads(attached) == submission.answers

        session.add(Event(submission_id=submission_id, kind="approved",
                          actor="clerk@example.gov", at=datetime(2026, 5, 2, 9, tzinfo=UTC),
                          data={"step": 0, "role": "dispatch", "comment": "Crew sent"}))
        session.flush()
        after = documents.submission_pdf(session, storage, submission, city_name="City")
    assert len(drawn) == 2 and after != first
    assert bare("Crew sent") in text_of(after) and bare("Dispatch review") in text_of(after)


def test_the_pdf_command_prints_blank_forms_and_submissions(db, storage, submitted, tmp_path,
                                                           monkeypatch):
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("the command reads its database from the environment: SQLite is enough")
    _, reference, _ = submitted
    monkeypatch.setenv("FORMBUILDER_DATABASE_URL", str(db.engine.url))
    monkeypatch.setenv("FORMBUILDER_UPLOAD_DIR", str(storage.root))
    runner = CliRunner()
    blank = tmp_path / "blank.pdf"
    result = runner.invoke(main, ["pdf", "pothole-report", "-o", str(blank), "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert bare("Cómo llenar este formulario") in text_of(blank.read_bytes())
    out = tmp_path / "out.pdf"
    result = runner.invoke(main, ["pdf", "--submission", reference.lower(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert reference in text_of(out.read_bytes())

    missing = runner.invoke(main, ["pdf", "--submission", "PW-1999-000001", "-o", str(out)])
    assert missing.exit_code == 1 and "No submission has the reference" in missing.output
    unknown = runner.invoke(main, ["pdf", "no-such-form", "-o", str(out)])
    assert unknown.exit_code == 1 and "There is no published form 'no-such-form'" in \
        unknown.output
    both = runner.invoke(main, ["pdf", "pothole-report", "--submission", reference, "-o",
                                str(out)])
    assert both.exit_code == 2
