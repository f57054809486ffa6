"""Each answer carries its response's meeting, held equal by a composite foreign key.

The counts per meeting, question and answer code then read one year's answer codes from the
covering index ix_answer_code alone, instead of joining every answer to its response. The index
holds answer codes only (length(value) <= 64): free text may be longer than a PostgreSQL index
entry can be.

Revision ID: 5d2c9e71a0b4
Revises: 88e612ee8027
Create Date: 2026-12-02 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5d2c9e71a0b4"
down_revision = "88e612ee8027"
branch_labels = None
depends_on = None
SHORT_VALUE = sa.text("length(value) <= 64")


def upgrade() -> None:
    with op.batch_alter_table("response") as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_response_id_meeting_id"), ["id", "meeting_id"]
        )
    with op.batch_alter_table("answer") as batch_op:
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE answer SET meeting_id = "
        "(SELECT response.meeting_id FROM response WHERE response.id = answer.response_id)"
    )
    with op.batch_alter_table("answer") as batch_op:
        batch_op.alter_column("meeting_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("fk_answer_response_id_response", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_answer_response_id_response"),
            "response",
            ["response_id", "meeting_id"],
            ["id", "meeting_id"],
        )
    op.create_index(
        "ix_answer_code",
        "answer",
        ["meeting_id", "question_key", "value"],
        sqlite_where=SHORT_VALUE,
        postgresql_where=SHORT_VALUE,
    )


def downgrade() -> None:
    op.drop_index("ix_answer_code", "answer")
    with op.batch_alter_table("answer") as batch_op:
        batch_op.drop_constraint("fk_answer_response_id_response", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_answer_response_id_response"), "response", ["response_id"], ["id"]
        )
        batch_op.drop_column("meeting_id")
    with op.batch_alter_table("response") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_response_id_meeting_id"), type_="unique")
