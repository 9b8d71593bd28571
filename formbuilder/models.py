"""The database tables, as SQLAlchemy 2 typed declarative models.

Two rules shape them. Everything a resident or clerk did must stay readable exactly as it was:
a ``FormVersion`` and an ``Event`` are written once and never updated (the ORM refuses, and the
migration adds triggers so raw SQL cannot either). And both SQLite and PostgreSQL must behave
alike: times are stored as UTC and always come back timezone-aware, JSON is JSONB on PostgreSQL.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    mapped_column,
    object_session,
    relationship,
    validates,
)
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so migrations can name what they alter on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DRAFT_TOKEN_HASH_LENGTH = 64
ATTACHMENT_ID_PREFIX = "att_"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_attachment_id() -> str:
    """A public id that cannot be guessed: attachment ids appear in answers and in URLs."""
    return f"{ATTACHMENT_ID_PREFIX}{secrets.token_urlsafe(16)}"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    SQLite has no time zones: SQLAlchemy would hand back naive datetimes there and aware ones on
    PostgreSQL, and comparing the two raises. Naive input is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")
# Integer on SQLite, where only INTEGER PRIMARY KEY is an auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSONDocument}


class Form(Base):
    """A form's lasting identity; what residents fill in is always one of its versions."""

    __tablename__ = "forms"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    department: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[FormVersion]] = relationship(
        back_populates="form", order_by="FormVersion.number")


class FormVersion(Base):
    """One published definition; old submissions keep rendering exactly as they were filled."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"))
    number: Mapped[int]
    definition: Mapped[dict[str, Any]]
    definition_sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(200))

    form: Mapped[Form] = relationship(back_populates="versions")


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("form_id", "idempotency_key"),
        Index(None, "form_id", "created_at"),
        # The retention purge: a version's closed cases, oldest change first (migration 0006).
        Index(None, "form_version_id", "status", "updated_at"),
        # PostgreSQL only: the inbox's search by answer text (``services.inbox``).
        Index("ix_submissions_answers_text", text(
            "jsonb_to_tsvector('simple'::regconfig, answers, '[\"string\", \"numeric\"]'::jsonb)"),
            postgresql_using="gin").ddl_if(dialect="postgresql"),
        # PostgreSQL only: the inbox's search by reference prefix (LIKE 'X%' under any
        # collation), migration 0004. An expression, as SQLite has no operator classes.
        Index("ix_submissions_reference_pattern", text("reference varchar_pattern_ops"))
        .ddl_if(dialect="postgresql"),
        Index(None, "form_id", "status"),  # the dashboard's outcomes (migration 0007)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"))
    answers: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(32), default="received")
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Unique per form, NULLs excepted: a client that sends no key gets no deduplication.
    idempotency_key: Mapped[str | None] = mapped_column(String(128))

    form_version: Mapped[FormVersion] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="submission", order_by=lambda: (Event.at, Event.id),
        cascade="all", passive_deletes=True)
    # Deleting a submission orphans its files' records, and the purge of unattached uploads
    # then removes the files: one path for file garbage.
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="submission", order_by=lambda: (Attachment.created_at, Attachment.id),
        passive_deletes=True)


class Attachment(Base):
    """An uploaded file's record; the bytes live in a ``Storage`` under ``storage_key``.

    Uploads arrive on earlier pages, before the submission exists, so ``submission_id`` stays
    empty until the submission is stored; one still empty after a day is garbage.
    """

    __tablename__ = "attachments"
    __table_args__ = (Index(None, "submission_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_attachment_id)
    submission_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("submissions.id", ondelete="SET NULL"))
    # The draft the file was uploaded to: only that draft may show or send it, whatever ids
    # are typed into answers (migration 0008). Cleared when the draft is deleted.
    draft_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("drafts.id", ondelete="SET NULL"), index=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"))
    field: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission | None] = relationship(back_populates="attachments")


class Event(Base):
    """Append-only history: the audit trail and the resident's status page read from it."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "submission_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("submissions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    submission: Mapped[Submission] = relationship(back_populates="events")


class WorkflowTask(Base):
    """One role's piece of work at one step: a materialised copy of the engine's open tasks.

    The history (``Event``) stays the truth; these rows are rebuilt from ``workflows.replay``
    in the same transaction as every change, so the inbox can filter, sort and page millions
    of tasks with indexes instead of replaying every submission. ``alarm_at`` is the next
    moment something becomes due (overdue, then escalation): ``formbuilder overdue`` finds
    the work it has to do with one indexed range query.
    """

    __tablename__ = "workflow_tasks"
    __table_args__ = (
        Index(None, "state", "due_at", "id"),
        Index(None, "state", "alarm_at"),
        Index(None, "submission_id", "state"),
        Index(None, "role", "state"),
        Index(None, "claimed_by", "state"),
        Index(None, "escalated_to", "state"),
        Index(None, "form_id", "state", "due_at", "id"),  # the inbox's filter by form
        Index(None, "form_id", "closed_at"),  # the dashboard's times to a decision (0007)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("submissions.id", ondelete="CASCADE"))
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"))
    step: Mapped[int]
    role: Mapped[str] = mapped_column(String(200))
    # The step's name in the form's default language (staff screens translate from the form).
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(8), default="open")  # open | done
    due_at: Mapped[datetime | None]
    alarm_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False)
    escalated_to: Mapped[str | None] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    # Copied from the submission so date filters and sorting need no join.
    submitted_at: Mapped[datetime]
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship()


class ReferenceCounter(Base):
    """The last reference number handed out per prefix and year.

    Keyed by prefix rather than by form: two forms may share a prefix (the default one is taken
    from the id's initials), and references must stay unique whatever the forms say.
    """

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Draft(Base):
    """A resident's answers in progress, reached by a secret token of which only a hash is kept,
    so a leaked database does not hand out anyone's half-filled form."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(DRAFT_TOKEN_HASH_LENGTH), unique=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    page: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    form_version: Mapped[FormVersion] = relationship()


class ImmutableRowError(RuntimeError):
    """Raised when code tries to change a row that is written once (a version, an event)."""


@event.listens_for(FormVersion, "before_update")
@event.listens_for(Event, "before_update")
def _refuse_update(mapper: Mapper[Any], connection: Any, target: Base) -> None:
    session = object_session(target)
    if session is not None and session.is_modified(target, include_collections=False):
        raise ImmutableRowError(
            f"{type(target).__name__} rows are never changed once written"
            + ("; publish a new version instead" if isinstance(target, FormVersion) else ""))


class User(Base):
    """A staff member. Residents have no accounts; staff sign in with a password or through the
    city's single sign-on, in which case ``password_hash`` stays empty.

    ``session_version`` is copied into the signed session cookie at sign-in; raising it (on a
    password change or deactivation) ends every session the person has, in every process.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored in lower case, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="Membership.role")
    # The studio's author and publisher grants (``services.studio_grants``), read with the user.
    studio_grants: Mapped[list[StudioGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="StudioGrant.id")

    @validates("email")
    def _lower_case(self, _key: str, email: str) -> str:
        return email.strip().lower()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships)


class Membership(Base):
    """A staff member holds a role: any name a form's routing uses (``assign``, ``all_of``,
    ``escalate_to``). Roles need no table of their own: a form file may name a new role the day
    it is published, and an admin grants it by typing the same name."""

    __tablename__ = "memberships"
    __table_args__ = (Index(None, "role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(100), primary_key=True)

    user: Mapped[User] = relationship(back_populates="memberships")


class Job(Base):
    """Work that must happen outside a request (an email, a PDF, a webhook, a purge): the outbox.

    A row is written in the same transaction as the change that causes it, so the work is
    committed with it or not at all, and workers take rows from here (``formbuilder.jobs``).
    ``key`` makes enqueueing idempotent; ``locked_by`` and ``lease_until`` say which worker runs
    a job and until when it may: a worker that dies loses its lease and another takes over.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index(None, "state", "run_at"),
        Index(None, "state", "lease_until"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    key: Mapped[str | None] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(8), default="queued")  # queued running done parked
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PurgedSubmission(Base):
    """What is left of a submission its form's ``retention`` ran out for: proof that it existed
    and was purged on time, with nothing about the person (no answers, no emails, no files)."""

    __tablename__ = "purged_submissions"
    __table_args__ = (Index(None, "form_id", "purged_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    form_id: Mapped[str] = mapped_column(String(63))
    form_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime]
    closed_at: Mapped[datetime]
    purged_at: Mapped[datetime]
    events: Mapped[int]
    attachments: Mapped[int]


class ApiToken(Base):
    """An integration's key to ``/api/v1``: shown once, kept only as a SHA-256, revocable.

    A hash (not argon2) is enough: tokens are 32 random bytes, so there is nothing to guess,
    and a lookup by hash keeps every API request one indexed query.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, to tell tokens apart
    scopes: Mapped[str] = mapped_column(String(100))  # space-separated: read decide submit
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One staff action, kept apart from a submission's history so that sign-ins, refusals,
    exports and token use (which belong to no submission) are on the same record."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index(None, "at", "id"),
        Index(None, "actor", "at"),
        Index(None, "action", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    form_id: Mapped[str | None] = mapped_column(String(63))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SatisfactionAnswer(Base):
    """A resident's optional "how easy was this form?", stored apart from the submission so
    it never shows in the case, its PDF or its export; one per submission at most."""

    __tablename__ = "satisfaction_answers"
    __table_args__ = (Index(None, "form_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"))
    submission_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("submissions.id", ondelete="SET NULL"), unique=True)
    rating: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(String(2000))
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FormPageCount(Base):
    """How many residents reached each page of a form on a day (page 0: started the form),
    counted as they go, so the dashboard's funnel is a few rows per day, not a walk of
    sessions."""

    __tablename__ = "form_page_counts"

    form_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    page: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)


# --- The studio (migration 0008_studio) --------------------------------------------------------


class StudioGrant(Base):
    """What a staff member may do in the studio: ``author`` (edit drafts) of a department, of
    one form, or of every form when both are empty; ``publisher`` (sign off and publish) of a
    department or of every form. Apart from ``Membership`` roles, which a form's routing names:
    a routing role must never grant the right to rewrite the form that routes to it."""

    __tablename__ = "studio_grants"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    grant: Mapped[str] = mapped_column(String(16))  # author | publisher
    department: Mapped[str | None] = mapped_column(String(200))
    form_id: Mapped[str | None] = mapped_column(String(63))

    user: Mapped[User] = relationship(back_populates="studio_grants")


class FormDraft(Base):
    """A form's draft in the studio: the source text exactly as typed, so nothing an author
    wrote is reformatted or lost, and ``revision``, which a save must name to be accepted
    (two people saving at once: the second is refused, never silently overwritten)."""

    __tablename__ = "form_drafts"

    form_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    department: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String())
    source_name: Mapped[str] = mapped_column(String(100), default="form.yaml")
    revision: Mapped[int] = mapped_column(default=1)
    errors: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StudioEvent(Base):
    """Append-only history of a form in the studio (saved, asked, sent back, signed off,
    published, closed, reopened, restored), replayed by ``workflows.publication``."""

    __tablename__ = "studio_events"
    __table_args__ = (Index(None, "form_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class StudioPreview(Base):
    """One staff member's answers while previewing a draft: kept here, never as a submission,
    so a preview sends no email, makes no reference and counts in no statistics."""

    __tablename__ = "studio_previews"
    __table_args__ = (UniqueConstraint("form_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(63))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(StudioEvent, "before_update")
def _refuse_studio_update(mapper: Mapper[Any], connection: Any, target: StudioEvent) -> None:
    _refuse_update(mapper, connection, target)
