"""Pledges (medborgarlöften) with districts and progress notes; meetings remember moves.

Revision ID: 876634d8f3ba
Revises: ab8fd34c17c5
Create Date: 2026-11-27 11:02:03.977812
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedback.db

revision = "876634d8f3ba"
down_revision = "ab8fd34c17c5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("moved_from", feedback.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "pledge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("activities", sa.Text(), nullable=False),
        sa.Column("created_at", feedback.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "responsible IN ('municipality', 'police', 'both')", name=op.f("ck_pledge_responsible")
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'dropped')", name=op.f("ck_pledge_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge")),
    )
    with op.batch_alter_table("pledge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_year"), ["year"], unique=False)

    op.create_table(
        "pledge_district",
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_pledge_district_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledge.id"],
            name=op.f("fk_pledge_district_pledge_id_pledge"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pledge_id", "district_id", name=op.f("pk_pledge_district")),
    )
    op.create_table(
        "pledge_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledge.id"],
            name=op.f("fk_pledge_note_pledge_id_pledge"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_note")),
    )
    with op.batch_alter_table("pledge_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_note_pledge_id"), ["pledge_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("moved_from")
    with op.batch_alter_table("pledge_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_note_pledge_id"))

    op.drop_table("pledge_note")
    op.drop_table("pledge_district")
    with op.batch_alter_table("pledge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_year"))

    op.drop_table("pledge")
