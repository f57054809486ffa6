"""A pledge is a draft until it is published: pledge.published_at.

Every pledge recorded before this revision was public on /loften from the moment it was
saved, so each is published as of when it was recorded; nothing public disappears.

Revision ID: 3f8d2b61c4e7
Revises: 7b1e4c2a9d30
Create Date: 2026-12-06 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feedback.db import UTCDateTime

revision = "3f8d2b61c4e7"
down_revision = "7b1e4c2a9d30"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pledge") as batch:
        batch.add_column(sa.Column("published_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE pledge SET published_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("pledge") as batch:
        batch.drop_column("published_at")
