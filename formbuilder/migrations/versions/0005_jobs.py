"""Jobs: the outbox of work that runs outside requests (emails, PDFs, webhooks, purges).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Workers look for ``queued`` jobs whose ``run_at`` has come and ``running`` ones whose lease
has expired (a worker that died); both are index range scans by state.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
INDEXES = {
    "ix_jobs_state_run_at": ["state", "run_at"],
    "ix_jobs_state_lease_until": ["state", "lease_until"],
}


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("key", sa.String(255), nullable=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        _time("run_at"),
        _time("lease_until", nullable=True),
        sa.Column("locked_by", sa.String(200), nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        _time("created_at"),
        _time("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_jobs_key")),
    )
    for name, columns in INDEXES.items():
        op.create_index(op.f(name), "jobs", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(op.f(name), table_name="jobs")
    op.drop_table("jobs")
