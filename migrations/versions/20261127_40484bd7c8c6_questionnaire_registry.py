"""Questionnaire registry; each response's channel and language.

Revision ID: 40484bd7c8c6
Revises: 1cbf74150c49
Create Date: 2026-11-27 10:08:07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feedback.db

revision = "40484bd7c8c6"
down_revision = "1cbf74150c49"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questionnaire_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("synced_at", feedback.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_questionnaire_version")),
    )
    op.create_table(
        "question",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first_version", sa.Integer(), nullable=False),
        sa.Column("last_version", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_version"],
            ["questionnaire_version.version"],
            name=op.f("fk_question_first_version_questionnaire_version"),
        ),
        sa.ForeignKeyConstraint(
            ["last_version"],
            ["questionnaire_version.version"],
            name=op.f("fk_question_last_version_questionnaire_version"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_question")),
    )
    # Versions that responses already name are registered without a fingerprint until synced.
    op.execute(
        "INSERT INTO questionnaire_version (version, fingerprint, synced_at) "
        "SELECT DISTINCT questionnaire_version, NULL, CURRENT_TIMESTAMP FROM response"
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        # Earlier answers came through the link on the poster; Swedish was the only language.
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="link")
        )
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="sv")
        )
        batch_op.create_check_constraint("channel", "channel IN ('qr', 'link', 'kiosk', 'paper')")
        batch_op.create_foreign_key(
            batch_op.f("fk_response_questionnaire_version_questionnaire_version"),
            "questionnaire_version",
            ["questionnaire_version"],
            ["version"],
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.alter_column("channel", server_default=None)
        batch_op.alter_column("language", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_response_questionnaire_version_questionnaire_version"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(batch_op.f("ck_response_channel"), type_="check")
        batch_op.drop_column("language")
        batch_op.drop_column("channel")
    op.drop_table("question")
    op.drop_table("questionnaire_version")
