"""Each answer carries its response's meeting, held equal by a composite foreign key.

The counts per meeting, question and answer code then read one year's answers through
ix_answer_meeting_id instead of joining every answer to its response.

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
        batch_op.create_index(batch_op.f("ix_answer_meeting_id"), ["meeting_id", "question_key"])


def downgrade() -> None:
    with op.batch_alter_table("answer") as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_meeting_id"))
        batch_op.drop_constraint("fk_answer_response_id_response", type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_answer_response_id_response"), "response", ["response_id"], ["id"]
        )
        batch_op.drop_column("meeting_id")
    with op.batch_alter_table("response") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_response_id_meeting_id"), type_="unique")
