"""The studio: grants, drafts as typed, the forms' publication history, preview answers.

Revision ID: 0008_studio
Revises: 0008
Create Date: 2026-12-03

``studio_grants`` says who may author (per department, per form or everywhere) and who may
publish. ``form_drafts`` keeps each form's draft source text exactly as typed, with the
revision number a save must name (the second of two concurrent saves is refused).
``studio_events`` is the append-only history ``workflows.publication`` replays: saved, asked,
sent back, signed off, published, closed, reopened, restored. ``studio_previews`` holds a staff
member's preview answers, so a preview never becomes a submission.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_studio"
down_revision = "0008"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "studio_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("grant", sa.String(16), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("form_id", sa.String(63), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_studio_grants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_grants")),
    )
    op.create_index(op.f("ix_studio_grants_user_id"), "studio_grants", ["user_id"])
    op.create_table(
        "form_drafts",
        sa.Column("form_id", sa.String(63), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("source_name", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        _time("created_at"),
        sa.Column("updated_by", sa.String(320), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("form_id", name=op.f("pk_form_drafts")),
    )
    op.create_table(
        "studio_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("form_id", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        _time("at"),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_events")),
    )
    op.create_index(op.f("ix_studio_events_form_id_id"), "studio_events", ["form_id", "id"])
    op.create_table(
        "studio_previews",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("form_id", sa.String(63), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        _time("updated_at"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_studio_previews_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_previews")),
        sa.UniqueConstraint("form_id", "user_id",
                            name=op.f("uq_studio_previews_form_id_user_id")),
    )


def downgrade() -> None:
    op.drop_table("studio_previews")
    op.drop_index(op.f("ix_studio_events_form_id_id"), table_name="studio_events")
    op.drop_table("studio_events")
    op.drop_table("form_drafts")
    op.drop_index(op.f("ix_studio_grants_user_id"), table_name="studio_grants")
    op.drop_table("studio_grants")
