"""Organisations: one installation for several municipalities; today's data moves into the first.

Revision ID: b7d41e0c9a12
Revises: 9a4c6e1d2b57
Create Date: 2026-12-07 10:00:00

An installation that already holds districts, users or pledges gets its first organisation
here, named by the settings it ran with (ORGANISATION, CONTACT_EMAIL, AREA_BOUNDS), and every
row joins it. Meeting codes do not change, so every printed QR code and link keeps working.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feedback.db import UTCDateTime
from feedback.organisations import first_organisation

revision = "b7d41e0c9a12"
down_revision = "9a4c6e1d2b57"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("south", sa.Double(), nullable=True),
        sa.Column("west", sa.Double(), nullable=True),
        sa.Column("north", sa.Double(), nullable=True),
        sa.Column("east", sa.Double(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("south < north AND west < east", name=op.f("ck_organisation_bounds")),
        sa.CheckConstraint(
            "(south IS NULL) = (north IS NULL) AND (west IS NULL) = (east IS NULL)"
            " AND (south IS NULL) = (west IS NULL)",
            name=op.f("ck_organisation_bounds_given"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("host", name=op.f("uq_organisation_host")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisation_slug")),
    )
    op.create_table(
        "user_organisation",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_user_organisation_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_organisation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "organisation_id", name=op.f("pk_user_organisation")),
    )
    connection = op.get_bind()
    first = _first_organisation_id(connection)
    for table in ("district", "pledge", "audit_event"):
        op.add_column(table, sa.Column("organisation_id", sa.Integer(), nullable=True))
    if first is not None:
        for table in ("district", "pledge", "audit_event"):
            connection.execute(sa.text(f"UPDATE {table} SET organisation_id = :id"), {"id": first})
        connection.execute(
            sa.text(
                "INSERT INTO user_organisation (user_id, organisation_id)"
                " SELECT id, :id FROM user_account"
            ),
            {"id": first},
        )
    with op.batch_alter_table("district") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint(op.f("uq_district_name"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_district_organisation_id_name"), ["organisation_id", "name"]
        )
        batch.create_foreign_key(
            op.f("fk_district_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_district_organisation_id"), ["organisation_id"])
    with op.batch_alter_table("pledge") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_pledge_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_pledge_organisation_id"), ["organisation_id"])
    with op.batch_alter_table("audit_event") as batch:
        batch.create_foreign_key(
            op.f("fk_audit_event_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_audit_event_organisation_id"), ["organisation_id"])


def _first_organisation_id(connection: sa.Connection) -> int | None:
    """The organisation today's rows join, made only when there are rows to move."""
    held = connection.execute(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM district) OR EXISTS (SELECT 1 FROM user_account)"
            " OR EXISTS (SELECT 1 FROM pledge)"
        )
    ).scalar()
    if not held:
        return None
    values = first_organisation()
    table = sa.table(
        "organisation",
        *(sa.column(name) for name in values),
    )
    connection.execute(sa.insert(table).values(**values))
    return connection.execute(
        sa.text("SELECT id FROM organisation WHERE slug = :slug"), {"slug": values["slug"]}
    ).scalar_one()


def downgrade() -> None:
    # Back to one municipality: only the first organisation's rows can stay.
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one() > 1:
        raise RuntimeError(
            "more than one organisation: a single-municipality schema cannot hold them"
        )
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index(op.f("ix_audit_event_organisation_id"))
        batch.drop_constraint(
            op.f("fk_audit_event_organisation_id_organisation"), type_="foreignkey"
        )
        batch.drop_column("organisation_id")
    with op.batch_alter_table("pledge") as batch:
        batch.drop_index(op.f("ix_pledge_organisation_id"))
        batch.drop_constraint(op.f("fk_pledge_organisation_id_organisation"), type_="foreignkey")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("district") as batch:
        batch.drop_index(op.f("ix_district_organisation_id"))
        batch.drop_constraint(op.f("fk_district_organisation_id_organisation"), type_="foreignkey")
        batch.drop_constraint(op.f("uq_district_organisation_id_name"), type_="unique")
        batch.create_unique_constraint(op.f("uq_district_name"), ["name"])
        batch.drop_column("organisation_id")
    op.drop_table("user_organisation")
    op.drop_table("organisation")
