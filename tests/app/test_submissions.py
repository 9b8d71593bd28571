"""A resident's journey through the data: draft, submission, reference, files, history."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from formbuilder.database import Database
from formbuilder.models import Attachment, Draft, Event, Submission
from formbuilder.services import drafts
from formbuilder.services.references import next_reference
from formbuilder.services.submissions import (
    UnusableAttachments,
    create_submission,
    get_by_key,
    get_by_reference,
)

IN_2030 = datetime(2030, 6, 1, 12, tzinfo=UTC)
ANSWERS = {"location": "Main St & 3rd Ave"}


def submit(db: Database, version, key: str | None, *, at: datetime = IN_2030,
           attachments: tuple[str, ...] = ()) -> tuple[Submission, bool]:
    with db.session() as session:
        return create_submission(session, version, ANSWERS, language="en",
                                 idempotency_key=key, attachment_ids=attachments, now=at)


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def upload(db: Database, form_id: str = "pothole-report") -> str:
    with db.session() as session:
        attachment = Attachment(form_id=form_id, field="photo", file_name="hole.jpg",
                                media_type="image/jpeg", size=3, sha256="0" * 64,
                                storage_key="0" * 32)
        session.add(attachment)
        session.flush()
        return attachment.id


# References


def test_references_count_up_from_one_without_gaps(db: Database, publish_form):
    version = publish_form()
    references = [submit(db, version, f"k{n}")[0].reference for n in range(3)]
    assert references == ["PW-2030-000001", "PW-2030-000002", "PW-2030-000003"]


def test_each_prefix_and_year_has_its_own_sequence(db: Database, publish_form):
    pothole, dog = publish_form("pothole-report", "PW"), publish_form("dog-license", "DOG")
    next_year = IN_2030.replace(year=2031)
    assert submit(db, pothole, "a")[0].reference == "PW-2030-000001"
    assert submit(db, dog, "a")[0].reference == "DOG-2030-000001"
    assert submit(db, pothole, "b", at=next_year)[0].reference == "PW-2031-000001"
    assert submit(db, pothole, "c")[0].reference == "PW-2030-000002"


def test_forms_sharing_a_prefix_never_share_a_reference(db: Database, publish_form):
    first, second = publish_form("parking-permit", "PP"), publish_form("pet-permit", "PP")
    assert submit(db, first, "a")[0].reference == "PP-2030-000001"
    assert submit(db, second, "a")[0].reference == "PP-2030-000002"


def test_a_rolled_back_submission_gives_its_number_back(db: Database, publish_form):
    version = publish_form()
    with pytest.raises(RuntimeError), db.session() as session:
        create_submission(session, version, ANSWERS, language="en", idempotency_key="lost",
                          now=IN_2030)
        raise RuntimeError("the mail server fell over before commit")
    assert submit(db, version, "kept")[0].reference == "PW-2030-000001"


def test_next_reference_is_taken_in_the_callers_transaction(db: Database, publish_form):
    publish_form()
    with db.session() as session:
        assert next_reference(session, "PW", 2030) == "PW-2030-000001"
        assert next_reference(session, "PW", 2030) == "PW-2030-000002"
        session.rollback()
        assert next_reference(session, "PW", 2030) == "PW-2030-000001"


def test_a_reference_is_found_as_residents_type_it(db: Database, publish_form):
    created, _ = submit(db, publish_form(), "k")
    with db.session() as session:
        found = get_by_reference(session, "  pw-2030-000001 ")
        assert found is not None and found.id == created.id
        assert get_by_reference(session, "PW-2030-000002") is None


# Idempotency


def test_the_same_key_twice_stores_one_submission(db: Database, publish_form):
    version = publish_form()
    first, created = submit(db, version, "double-click")
    again, created_again = submit(db, version, "double-click")
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.reference == first.reference
    assert count(db, Submission) == 1
    assert count(db, Event) == 1


def test_the_same_key_on_another_form_is_another_submission(db: Database, publish_form):
    pothole, dog = publish_form("pothole-report", "PW"), publish_form("dog-license", "DOG")
    assert submit(db, pothole, "same")[1] and submit(db, dog, "same")[1]
    assert count(db, Submission) == 2


def test_submissions_without_a_key_are_never_merged(db: Database, publish_form):
    version = publish_form()
    submit(db, version, None)
    submit(db, version, None)
    assert count(db, Submission) == 2


def test_racing_requests_with_one_key_store_one_submission(db: Database, publish_form):
    version = publish_form()
    start = threading.Barrier(4)
    results: list[tuple[int, bool]] = []

    def request() -> None:
        start.wait()
        submission, created = submit(db, version, "raced")
        results.append((submission.id, created))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({submission_id for submission_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert count(db, Submission) == 1
    with db.session() as session:
        found = get_by_key(session, "pothole-report", "raced")
        assert found is not None and found.reference == "PW-2030-000001"


def test_an_overlong_key_is_refused(db: Database, publish_form):
    with pytest.raises(ValueError, match="idempotency key"):
        submit(db, publish_form(), "k" * 129)


# Files and history


def test_uploads_are_linked_to_the_submission(db: Database, publish_form):
    version = publish_form()
    photo = upload(db)
    submission, _ = submit(db, version, "k", attachments=(photo, photo))
    with db.session() as session:
        stored = session.get(Submission, submission.id)
        assert [a.id for a in stored.attachments] == [photo]


def test_an_upload_is_part_of_one_submission_only(db: Database, publish_form):
    version = publish_form()
    photo = upload(db)
    submit(db, version, "first", attachments=(photo,))
    with pytest.raises(UnusableAttachments) as refused:
        submit(db, version, "second", attachments=(photo,))
    assert refused.value.attachment_ids == [photo]
    assert count(db, Submission) == 1
    assert submit(db, version, "third")[0].reference == "PW-2030-000002"


def test_an_upload_for_another_form_is_refused(db: Database, publish_form):
    version = publish_form("pothole-report", "PW")
    publish_form("dog-license", "DOG")
    dog_photo = upload(db, "dog-license")
    with pytest.raises(UnusableAttachments):
        submit(db, version, "k", attachments=(dog_photo, "att_unknown"))
    assert count(db, Submission) == 0
    with db.session() as session:
        assert session.get(Attachment, dog_photo).submission_id is None


def test_submitting_records_who_did_it_in_the_history(db: Database, publish_form):
    version = publish_form()
    with db.session() as session:
        submission, _ = create_submission(session, version, ANSWERS, language="es",
                                          idempotency_key="k", actor="api:city-app",
                                          now=IN_2030)
    with db.session() as session:
        stored = session.get(Submission, submission.id)
        assert (stored.status, stored.language, stored.form_version.number) == (
            "received", "es", 1)
        assert [(e.kind, e.actor, e.at) for e in stored.events] == [
            ("submitted", "api:city-app", IN_2030)]
        assert stored.events[0].data["reference"] == "PW-2030-000001"


# Drafts


def test_a_draft_is_opened_by_its_token_only(db: Database, publish_form):
    version = publish_form()
    with db.session() as session:
        draft, token = drafts.start_draft(session, version, "es")
    with db.session() as session:
        stored = session.scalars(select(Draft)).one()
        assert token not in (stored.token_hash, str(stored.answers))
        found = drafts.load_draft(session, token)
        assert found is not None and found.id == draft.id and found.language == "es"
        assert drafts.load_draft(session, token[:-1] + "x") is None
        assert drafts.load_draft(session, "") is None
        assert drafts.load_draft(session, "x" * 10_000) is None


def test_saving_keeps_answers_and_page_and_extends_the_draft(db: Database, publish_form):
    version = publish_form()
    now = datetime.now(UTC)
    with db.session() as session:
        draft, token = drafts.start_draft(session, version, "en", now=now - timedelta(days=20))
    with db.session() as session:
        draft = drafts.load_draft(session, token)
        answers = dict(draft.answers)
        answers["location"] = "Elm St"
        drafts.save_answers(session, draft, answers, 1, now=now)
    with db.session() as session:
        draft = drafts.load_draft(session, token, now=now + timedelta(days=29))
        assert draft is not None
        assert (draft.answers, draft.page) == ({"location": "Elm St"}, 1)
        assert draft.expires_at == now + drafts.LIFETIME


def test_answers_changed_in_place_are_still_saved(db: Database, publish_form):
    version = publish_form()
    with db.session() as session:
        draft, token = drafts.start_draft(session, version, "en")
        drafts.save_answers(session, draft, {"location": "A"}, 0)
    with db.session() as session:
        draft = drafts.load_draft(session, token)
        draft.answers["location"] = "B"
        drafts.save_answers(session, draft, draft.answers, 0)
    with db.session() as session:
        assert drafts.load_draft(session, token).answers == {"location": "B"}


def test_drafts_expire_after_thirty_days(db: Database, publish_form):
    version = publish_form()
    start = datetime(2030, 1, 1, tzinfo=UTC)
    with db.session() as session:
        _, token = drafts.start_draft(session, version, "en", now=start)
    with db.session() as session:
        assert drafts.load_draft(session, token, now=start + timedelta(days=29)) is not None
        assert drafts.load_draft(session, token, now=start + timedelta(days=30)) is None


def test_purging_removes_only_expired_drafts(db: Database, publish_form):
    version = publish_form()
    start = datetime(2030, 1, 1, tzinfo=UTC)
    with db.session() as session:
        drafts.start_draft(session, version, "en", now=start)
        _, recent = drafts.start_draft(session, version, "en", now=start + timedelta(days=10))
    with db.session() as session:
        assert drafts.purge_expired(session, start + timedelta(days=31)) == 1
    with db.session() as session:
        assert drafts.load_draft(session, recent, now=start + timedelta(days=31)) is not None
    assert count(db, Draft) == 1


def test_a_deleted_draft_is_gone(db: Database, publish_form):
    version = publish_form()
    with db.session() as session:
        draft, token = drafts.start_draft(session, version, "en")
        drafts.delete_draft(session, draft)
    with db.session() as session:
        assert drafts.load_draft(session, token) is None
