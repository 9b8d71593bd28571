"""Staff see all their work: API tokens, the audit log, satisfaction answers, the form funnel.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

``api_tokens`` keep only a SHA-256 of each token (a leaked database hands out no access).
``audit_entries`` is the append-only record of staff actions (sign-ins, refusals, views,
decisions, exports, token use, publishing); exports are audit entries, not a table of their
own. ``satisfaction_answers`` keeps the residents' optional "how easy was this form?" apart
from the submission, and ``form_page_counts`` how many residents reached each page of a form
per day, so the dashboard reads counters instead of walking sessions. The indexes on
``submissions (form_id, status)`` and ``workflow_tasks (form_id, closed_at)`` serve the
dashboard's outcomes and times to a decision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AUDIT_INDEXES = {
    "ix_audit_entries_at_id": ["at", "id"],
    "ix_audit_entries_actor_at": ["actor", "at"],
    "ix_audit_entries_action_at": ["action", "at"],
}


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("scopes", sa.String(100), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        _time("created_at"),
        _time("last_used_at", nullable=True),
        _time("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", BIG_ID, nullable=False),
        _time("at"),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("form_id", sa.String(63), nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    for name, columns in AUDIT_INDEXES.items():
        op.create_index(op.f(name), "audit_entries", columns)
    op.create_table(
        "satisfaction_answers",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("form_id", sa.String(63), nullable=False),
        sa.Column("submission_id", BIG_ID, nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(2000), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        _time("created_at"),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"],
                                name=op.f("fk_satisfaction_answers_form_id_forms")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="SET NULL",
                                name=op.f("fk_satisfaction_answers_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_answers")),
        sa.UniqueConstraint("submission_id",
                            name=op.f("uq_satisfaction_answers_submission_id")),
    )
    op.create_index(op.f("ix_satisfaction_answers_form_id_created_at"), "satisfaction_answers",
                    ["form_id", "created_at"])
    op.create_table(
        "form_page_counts",
        sa.Column("form_id", sa.String(63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("form_id", "day", "page", name=op.f("pk_form_page_counts")),
    )
    op.create_index(op.f("ix_submissions_form_id_status"), "submissions", ["form_id", "status"])
    op.create_index(op.f("ix_workflow_tasks_form_id_closed_at"), "workflow_tasks",
                    ["form_id", "closed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_workflow_tasks_form_id_closed_at"), table_name="workflow_tasks")
    op.drop_index(op.f("ix_submissions_form_id_status"), table_name="submissions")
    op.drop_table("form_page_counts")
    op.drop_index(op.f("ix_satisfaction_answers_form_id_created_at"),
                  table_name="satisfaction_answers")
    op.drop_table("satisfaction_answers")
    for name in AUDIT_INDEXES:
        op.drop_index(op.f(name), table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_table("api_tokens")
