"""Roles with districts, session tokens, the audit log, free-text moderation, demo answers.

Revision ID: ab8fd34c17c5
Revises: 40484bd7c8c6
Create Date: 2026-11-27 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedback.db

revision = "ab8fd34c17c5"
down_revision = "40484bd7c8c6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", feedback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_actor_email"), ["actor_email"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "user_district",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_user_district_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_district_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "district_id", name=op.f("pk_user_district")),
    )
    op.create_table(
        "free_text_review",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("original", sa.Text(), nullable=True),
        sa.Column("masked", sa.String(length=100), nullable=False),
        sa.Column("reports_crime", sa.Boolean(), nullable=False),
        sa.Column("names_person", sa.Boolean(), nullable=False),
        sa.Column("reviewed_at", feedback.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'hidden')",
            name=op.f("ck_free_text_review_status"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id", "question_key"],
            ["answer.response_id", "answer.question_key"],
            name=op.f("fk_free_text_review_response_id_answer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "question_key", name=op.f("pk_free_text_review")),
    )
    with op.batch_alter_table("free_text_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_free_text_review_status"), ["status"], unique=False)
    # Free text given before moderation existed waits for review like new text.
    op.execute(
        "INSERT INTO free_text_review (response_id, question_key, status, masked, "
        "reports_crime, names_person) "
        "SELECT answer.response_id, answer.question_key, 'pending', '', false, false "
        "FROM answer JOIN question ON question.key = answer.question_key "
        "WHERE question.kind = 'text'"
    )

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.alter_column("is_demo", server_default=None)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "session_token", sa.String(length=32), nullable=False, server_default="initial"
            )
        )
        batch_op.create_check_constraint("role", "role IN ('admin', 'coordinator', 'analyst')")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("session_token", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("is_demo")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_account_role"), type_="check")
        batch_op.drop_column("session_token")
    with op.batch_alter_table("free_text_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_free_text_review_status"))
    op.drop_table("free_text_review")
    op.drop_table("user_district")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_email"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))
    op.drop_table("audit_event")
