"""Indexes the inbox needed at a million submissions (measured by ``bench/inbox.py``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

- The search box matches a reference prefix OR the answers' text. ``reference LIKE 'X%'``
  cannot use the unique index on ``reference`` under a non-C collation, so on PostgreSQL the
  OR made the search read every open task of the user and compute the answers' text vector
  for each. With a ``varchar_pattern_ops`` index both sides are indexed and PostgreSQL ORs
  the two bitmaps, so a search costs what it finds.
- The filter by form walked the open tasks of every form in due order to find one form's;
  ``(form_id, state, due_at, id)`` walks only that form's, in the page's order.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REFERENCE_PATTERN_INDEX = (
    "CREATE INDEX ix_submissions_reference_pattern ON submissions "
    "(reference varchar_pattern_ops)")


def upgrade() -> None:
    op.create_index(op.f("ix_workflow_tasks_form_id_state_due_at_id"), "workflow_tasks",
                    ["form_id", "state", "due_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REFERENCE_PATTERN_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_submissions_reference_pattern")
    op.drop_index(op.f("ix_workflow_tasks_form_id_state_due_at_id"),
                  table_name="workflow_tasks")
