"""Publishing forms, and what the tables promise: immutable versions, UTC times, JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from formbuilder import config
from formbuilder.database import Database
from formbuilder.models import Event, Form, FormVersion, ImmutableRowError, Submission
from formbuilder.services import publishing
from formbuilder.services.submissions import create_submission


def test_publishing_a_new_form_makes_version_one(db: Database, make_form):
    with db.session() as session:
        version, created = publishing.publish(session, make_form(), by="clerk@example.gov")
    assert created
    assert (version.form_id, version.number, version.published_by) == (
        "pothole-report", 1, "clerk@example.gov")
    with db.session() as session:
        form = session.get(Form, "pothole-report")
        assert form is not None and form.department == "Public Works"


def test_publishing_the_same_definition_again_makes_no_version(db: Database, make_form):
    with db.session() as session:
        first, _ = publishing.publish(session, make_form())
    with db.session() as session:
        again, created = publishing.publish(session, make_form())
    assert not created
    assert again.id == first.id
    with db.session() as session:
        assert [v.id for v in session.scalars(select(FormVersion))] == [first.id]


def test_key_order_does_not_count_as_a_change(db: Database, make_form):
    form = make_form()
    reordered = publishing.canonical_json(dict(reversed(list(form.definition.items()))))
    assert reordered == publishing.canonical_json(form.definition)
    with db.session() as session:
        publishing.publish(session, form)
        _, created = publishing.publish(session, make_form())
    assert not created


def test_a_changed_definition_makes_the_next_version(db: Database, make_form):
    with db.session() as session:
        publishing.publish(session, make_form())
    with db.session() as session:
        second, created = publishing.publish(
            session, make_form(description="Potholes only, please."))
    assert created and second.number == 2
    with db.session() as session:
        latest = publishing.latest_version(session, "pothole-report")
        assert latest is not None and latest.number == 2
        first = publishing.get_version(session, "pothole-report", 1)
        assert first is not None and "description" not in first.definition
        assert latest.definition["description"] == "Potholes only, please."


def test_published_forms_lists_the_latest_version_of_each(db: Database, make_form):
    with db.session() as session:
        publishing.publish(session, make_form("pothole-report", "PW"))
        publishing.publish(session, make_form("pothole-report", "PW", keywords=["road"]))
        publishing.publish(session, make_form("dog-license", "DOG"))
    with db.session() as session:
        listed = [(v.form_id, v.number) for v in publishing.published_forms(session)]
    assert listed == [("dog-license", 1), ("pothole-report", 2)]


def test_form_of_parses_a_version_once(db: Database, publish_form):
    version = publish_form()
    with db.session() as session:
        stored = session.get(FormVersion, version.id)
        assert stored is not None
        parsed = publishing.form_of(stored)
        assert publishing.form_of(stored) is parsed
    assert parsed.id == "pothole-report" and parsed.reference_prefix == "PW"


def test_a_version_cannot_be_changed_through_the_orm(db: Database, publish_form):
    version = publish_form()
    with pytest.raises(ImmutableRowError), db.session() as session:
        stored = session.get(FormVersion, version.id)
        assert stored is not None
        stored.definition = {**stored.definition, "title": "Changed"}
    with db.session() as session:
        assert session.get(FormVersion, version.id).definition["title"] == "Report a pothole"


def test_a_version_cannot_be_changed_even_with_raw_sql(db: Database, publish_form):
    version = publish_form()
    with pytest.raises(DBAPIError, match="never changes"), db.session() as session:
        session.execute(update(FormVersion).where(FormVersion.id == version.id)
                        .values(published_by="someone else"))


def test_history_events_cannot_be_rewritten(db: Database, publish_form):
    version = publish_form()
    with db.session() as session:
        create_submission(session, version, {"location": "Main St"}, language="en",
                          idempotency_key="k1")
    with pytest.raises(ImmutableRowError), db.session() as session:
        event = session.scalars(select(Event)).one()
        event.actor = "someone else"
    with pytest.raises(DBAPIError, match="append-only"), db.session() as session:
        session.execute(update(Event).values(kind="approved"))


def test_times_come_back_aware_and_in_utc(db: Database, publish_form):
    publish_form()
    chicago_winter = timezone(timedelta(hours=-6))
    with db.session() as session:
        form = session.get(Form, "pothole-report")
        assert form is not None
        form.created_at = datetime(2026, 1, 2, 18, 30, tzinfo=chicago_winter)
    with db.session() as session:
        stored = session.get(Form, "pothole-report").created_at
        found = session.scalars(select(Form).where(
            Form.created_at == datetime(2026, 1, 3, 0, 30, tzinfo=UTC))).all()
    assert stored == datetime(2026, 1, 3, 0, 30, tzinfo=UTC)
    assert stored.tzinfo is UTC
    assert len(found) == 1


def test_naive_times_are_refused(db: Database, publish_form):
    publish_form()
    with pytest.raises(Exception, match="no time zone"), db.session() as session:
        session.get(Form, "pothole-report").created_at = datetime(2026, 1, 1)
        session.flush()


def test_answers_keep_their_json_exactly(db: Database, publish_form):
    version = publish_form()
    answers = {"location": "Calle Ñandú 5 — esquina", "count": 3, "ok": True,
               "nested": {"list": [1, 2.5, None]}}
    with db.session() as session:
        submission, _ = create_submission(session, version, answers, language="es",
                                          idempotency_key="json")
    with db.session() as session:
        assert session.get(Submission, submission.id).answers == answers


def test_an_error_rolls_the_whole_session_back(db: Database, make_form):
    with pytest.raises(RuntimeError), db.session() as session:
        publishing.publish(session, make_form())
        raise RuntimeError("crash before commit")
    with db.session() as session:
        assert session.scalars(select(FormVersion)).all() == []


def test_a_read_only_session_stores_nothing(db: Database, make_form):
    if db.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="read-only"), db.session(readonly=True) as session:
            publishing.publish(session, make_form())
    else:
        with db.session(readonly=True) as session:
            publishing.publish(session, make_form())  # written, then rolled back
    with db.session() as session:
        assert session.scalars(select(Form)).all() == []
        publishing.publish(session, make_form())  # the pooled connection can write again
    with db.session() as session:
        assert len(session.scalars(select(Form)).all()) == 1


# The database object


def test_the_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FORMBUILDER_DATABASE_URL", f"sqlite:///{tmp_path / 'city.db'}")
    url = config.from_environment()["DATABASE_URL"]
    assert Database(url).url.database == str(tmp_path / "city.db")


def test_the_default_database_lives_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("FORMBUILDER_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    database = Database()
    assert database.url.database == "instance/formbuilder.db"
    assert (tmp_path / "instance").is_dir()
    database.dispose()


def test_plain_postgresql_urls_use_the_installed_driver():
    assert Database("postgresql://u@localhost/city").url.drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="only be chosen on PostgreSQL"):
        Database("sqlite://", schema="city")


def test_sqlite_is_tuned_for_concurrent_writers(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'tuned.db'}")
    with database.engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    database.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000}
