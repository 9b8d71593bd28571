"""Each upload names the draft it was uploaded to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Attachment ids appear in answers and receipts, so they cannot be secrets: a file is shown and
sent only by the draft that uploaded it (``attachments.draft_id``), never by a draft whose
text answer merely names its id. The purge of abandoned uploads decides in one statement from
this column. Uploads already held by a live draft's answers are given to that draft.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ids(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("att_"):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ids(item)


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("draft_id", BIG_ID, nullable=True))
        batch.create_foreign_key(op.f("fk_attachments_draft_id_drafts"), "drafts",
                                 ["draft_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_attachments_draft_id"), ["draft_id"])
    connection = op.get_bind()
    attachments = sa.table("attachments", sa.column("id", sa.String),
                           sa.column("draft_id", BIG_ID), sa.column("submission_id", BIG_ID))
    for draft_id, answers in connection.execute(sa.text("SELECT id, answers FROM drafts")):
        found = answers if isinstance(answers, dict) else json.loads(answers or "{}")
        held = sorted(set(_ids(found)))
        if held:
            connection.execute(attachments.update().where(
                attachments.c.id.in_(held), attachments.c.submission_id.is_(None),
                attachments.c.draft_id.is_(None)).values(draft_id=draft_id))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_index(op.f("ix_attachments_draft_id"))
        batch.drop_constraint(op.f("fk_attachments_draft_id_drafts"), type_="foreignkey")
        batch.drop_column("draft_id")
