"""Migrations: an empty database migrates to head, the models agree, and data survives."""

from __future__ import annotations

from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from feedback import db
from feedback.cli import migrating
from feedback.db import Base
from feedback.models import Answer, Meeting, Pledge, Response
from feedback.pledges import PledgeFields, pledges_of, save_pledge
from tests.conftest import count, make_meeting, make_organisation
from tests.test_export import store

# The revision before the pledges: going down to it rebuilds `meeting`, which answers point to.
BEFORE_PLEDGES = "ab8fd34c17c5"


def test_upgrade_head_on_an_empty_database_matches_the_models(app: Flask) -> None:
    with app.app_context(), migrating() as config:
        connection = config.attributes["connection"]
        command.downgrade(config, "base")
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        tables = set(inspect(connection).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_app_never_migrates_on_start(tmp_path: object) -> None:
    from feedback import create_app

    url = f"sqlite:///{tmp_path}/fresh.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url})
    with app.app_context():
        assert inspect(db.engine()).get_table_names() == []
        db.engine().dispose()


def test_a_downgrade_that_keeps_the_answers_goes_ahead_and_back_up_again(
    runner: FlaskCliRunner, session: Session
) -> None:
    store(session, make_meeting(session, day=date(2019, 2, 21)), safety_evening="very_safe")
    session.close()
    try:
        down = runner.invoke(args=["db", "downgrade", BEFORE_PLEDGES])
        assert down.exit_code == 0, down.output  # SQLite once said FOREIGN KEY constraint failed
        assert (count(session, Meeting), count(session, Response)) == (1, 1)
        session.close()
    finally:
        up = runner.invoke(args=["db", "upgrade"])
        assert up.exit_code == 0, up.output
    assert (count(session, Meeting), count(session, Response), count(session, Answer)) == (1, 1, 1)


def test_pledges_public_before_drafts_existed_stay_public(
    runner: FlaskCliRunner, session: Session
) -> None:
    recorded = save_pledge(
        session,
        PledgeFields(
            make_organisation(session).id,
            2019,
            "Belysning",
            "Nya lampor.",
            "municipality",
            [],
            [],
            "",
        ),
    )
    session.commit()
    pledge_id, created_at = recorded.id, recorded.created_at
    session.close()
    down = runner.invoke(args=["db", "downgrade", "7b1e4c2a9d30"])
    assert down.exit_code == 0, down.output
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    pledge = session.get(Pledge, pledge_id)
    assert pledge is not None and pledge.published_at == created_at
    assert [
        p.id for p in pledges_of(session, 2019, make_organisation(session).id, published_only=True)
    ] == [pledge_id]
