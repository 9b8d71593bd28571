"""The record of purged submissions, and the index the retention purge walks.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

A purge deletes a submission with its history, tasks, drafts and files once its form's
``retention`` has run out, and keeps one ``purged_submissions`` row: reference, form, times
and counts, nothing personal. ``(form_version_id, status, updated_at)`` lets each batch read
only the closed cases that are due, oldest first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "purged_submissions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("form_id", sa.String(63), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        _time("submitted_at"),
        _time("closed_at"),
        _time("purged_at"),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purged_submissions")),
        sa.UniqueConstraint("reference", name=op.f("uq_purged_submissions_reference")),
    )
    op.create_index(op.f("ix_purged_submissions_form_id_purged_at"), "purged_submissions",
                    ["form_id", "purged_at"])
    op.create_index(op.f("ix_submissions_form_version_id_status_updated_at"), "submissions",
                    ["form_version_id", "status", "updated_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_submissions_form_version_id_status_updated_at"),
                  table_name="submissions")
    op.drop_index(op.f("ix_purged_submissions_form_id_purged_at"),
                  table_name="purged_submissions")
    op.drop_table("purged_submissions")
