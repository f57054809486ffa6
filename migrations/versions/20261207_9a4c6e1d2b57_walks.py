"""Safety walks: a meeting's kind, the walks' findings with their photos, actions from findings.

Revision ID: 9a4c6e1d2b57
Revises: e5b9d3a7c210
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feedback.db import UTCDateTime

revision = "9a4c6e1d2b57"
down_revision = "e5b9d3a7c210"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every meeting held so far was a dialogue; the default says so without rewriting a row.
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=10), server_default="dialogue", nullable=False)
        )
        batch.create_check_constraint(op.f("ck_meeting_kind"), "kind IN ('dialogue', 'walk')")
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("checklist_version", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high')", name=op.f("ck_finding_severity")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_finding_meeting_id_meeting")
        ),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"], name=op.f("fk_finding_place_id_place")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    for column in ("meeting_id", "place_id"):
        op.create_index(op.f(f"ix_finding_{column}"), "finding", [column])
    op.create_table(
        "finding_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'hidden')", name=op.f("ck_finding_photo_status")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["finding.id"],
            name=op.f("fk_finding_photo_finding_id_finding"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_photo")),
    )
    for column in ("finding_id", "status"):
        op.create_index(op.f(f"ix_finding_photo_{column}"), "finding_photo", [column])
    with op.batch_alter_table("action") as batch:
        batch.add_column(sa.Column("finding_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_action_finding_id_finding"), "finding", ["finding_id"], ["id"]
        )
        batch.create_index(op.f("ix_action_finding_id"), ["finding_id"])


def downgrade() -> None:
    with op.batch_alter_table("action") as batch:
        batch.drop_index(op.f("ix_action_finding_id"))
        batch.drop_constraint(op.f("fk_action_finding_id_finding"), type_="foreignkey")
        batch.drop_column("finding_id")
    for column in ("finding_id", "status"):
        op.drop_index(op.f(f"ix_finding_photo_{column}"), table_name="finding_photo")
    op.drop_table("finding_photo")
    for column in ("meeting_id", "place_id"):
        op.drop_index(op.f(f"ix_finding_{column}"), table_name="finding")
    op.drop_table("finding")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_constraint(op.f("ck_meeting_kind"), type_="check")
        batch.drop_column("kind")
