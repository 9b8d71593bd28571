"""Workflow tasks: the inbox's indexed copy of each submission's open approval work.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Also, on PostgreSQL only, a full-text index over the text of every submission's answers, so
the inbox's search by answer text stays an index lookup on millions of submissions (SQLite
searches the JSON text with LIKE; see ``formbuilder.services.listing.answers_match``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INDEXES = {
    "ix_workflow_tasks_state_due_at_id": ["state", "due_at", "id"],
    "ix_workflow_tasks_state_alarm_at": ["state", "alarm_at"],
    "ix_workflow_tasks_submission_id_state": ["submission_id", "state"],
    "ix_workflow_tasks_role_state": ["role", "state"],
    "ix_workflow_tasks_claimed_by_state": ["claimed_by", "state"],
    "ix_workflow_tasks_escalated_to_state": ["escalated_to", "state"],
}
# Must stay the exact expression ``services.inbox`` searches with, or PostgreSQL ignores it.
ANSWERS_TEXT_INDEX = (
    "CREATE INDEX ix_submissions_answers_text ON submissions "
    "USING gin (jsonb_to_tsvector('simple', answers, '[\"string\", \"numeric\"]'))")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "workflow_tasks",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("submission_id", BIG_ID, nullable=False),
        sa.Column("form_id", sa.String(63), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        _time("due_at", nullable=True),
        _time("alarm_at", nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("escalated_to", sa.String(200), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        _time("submitted_at"),
        _time("opened_at"),
        _time("closed_at", nullable=True),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"],
                                name=op.f("fk_workflow_tasks_form_id_forms")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name=op.f("fk_workflow_tasks_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_tasks")),
    )
    for name, columns in INDEXES.items():
        op.create_index(op.f(name), "workflow_tasks", columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ANSWERS_TEXT_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_submissions_answers_text")
    for name in INDEXES:
        op.drop_index(op.f(name), table_name="workflow_tasks")
    op.drop_table("workflow_tasks")
