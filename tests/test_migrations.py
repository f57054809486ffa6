"""Migrations: an empty database migrates to head, and the models agree with the migrations."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from feedback import db
from feedback.cli import migrating
from feedback.db import Base


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
