"""Places: the named places of each district, retired rather than deleted.

Revision ID: c4a7e2f19b83
Revises: 3f8d2b61c4e7
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feedback.db import UTCDateTime

revision = "c4a7e2f19b83"
down_revision = "3f8d2b61c4e7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_place_latitude")),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name=op.f("ck_place_longitude")),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_place_position")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_place_district_id_district")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint("district_id", "key", name=op.f("uq_place_district_id_key")),
    )
    op.create_index(op.f("ix_place_district_id"), "place", ["district_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_place_district_id"), table_name="place")
    op.drop_table("place")
