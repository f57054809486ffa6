"""Actions: what will be done in a district, by whom and when, with dated notes.

Revision ID: e5b9d3a7c210
Revises: c4a7e2f19b83
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feedback.db import UTCDateTime

revision = "e5b9d3a7c210"
down_revision = "c4a7e2f19b83"
branch_labels = None
depends_on = None

STATES = "status IN ('planned', 'in_progress', 'done', 'declined')"


def upgrade() -> None:
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("pledge_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=20), nullable=False),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.CheckConstraint(
            "owner IN ('municipality', 'police', 'property_owner', 'other')",
            name=op.f("ck_action_owner"),
        ),
        sa.CheckConstraint(STATES, name=op.f("ck_action_status")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_action_district_id_district")
        ),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"], name=op.f("fk_action_place_id_place")),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledge.id"],
            name=op.f("fk_action_pledge_id_pledge"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    for column in ("district_id", "place_id", "pledge_id"):
        op.create_index(op.f(f"ix_action_{column}"), "action", [column])
    op.create_table(
        "action_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.CheckConstraint(STATES, name=op.f("ck_action_note_status")),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_action_note_action_id_action"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_note")),
    )
    op.create_index(op.f("ix_action_note_action_id"), "action_note", ["action_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_action_note_action_id"), table_name="action_note")
    op.drop_table("action_note")
    for column in ("district_id", "place_id", "pledge_id"):
        op.drop_index(op.f(f"ix_action_{column}"), table_name="action")
    op.drop_table("action")
