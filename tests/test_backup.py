"""`flask backup create|restore`: a backup brings back every answer, and a restore is careful."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from feedback.cli import alembic_config
from feedback.models import Answer, AuditEvent, FreeTextReview, Response
from tests.conftest import count, make_meeting, reread
from tests.test_export import approve_all, store


def fill(session: Session) -> None:
    """Answers in two districts, free text approved, as a real database holds them."""
    for district, day in (("Hagalund", date(2019, 2, 21)), ("Tjärna Ängar", date(2019, 9, 5))):
        meeting = make_meeting(session, district=district, day=day)
        store(session, meeting, safety_evening="very_safe", unsafe_place_other="Gångtunneln")
        store(session, meeting, channel="paper", safety_evening="no_go_unsafe")
    approve_all(session)


def wipe(session: Session) -> None:
    """Every answer gone, as after a mistake."""
    session.execute(delete(FreeTextReview))
    session.execute(delete(Answer))
    session.execute(delete(Response))
    session.commit()


def export(runner: FlaskCliRunner) -> bytes:
    """The response export, as an analyst downloads it."""
    result = runner.invoke(args=["export", "responses"])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def head(app: Flask) -> str:
    """The newest revision of the code."""
    with app.app_context():
        revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def revision(session: Session) -> str:
    """The revision the database is at."""
    reread(session)
    return session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def test_a_restored_backup_gives_the_same_export_byte_for_byte(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    fill(session)
    before = export(runner)
    file = tmp_path / "trygghet.backup"

    made = runner.invoke(args=["backup", "create", str(file)])
    assert made.exit_code == 0, made.output
    assert f"Wrote {file}:" in made.output
    assert "4 responses" in made.output
    assert file.stat().st_size > 0

    wipe(session)
    assert export(runner) != before
    session.close()  # the service is stopped: nothing holds the database
    restored = runner.invoke(args=["backup", "restore", str(file), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "holds 0 responses" in restored.output  # what it was about to replace
    assert "Restored" in restored.output and "4 responses" in restored.output

    assert export(runner) == before
    assert count(session, Response) == 4
    assert revision(session) == head(app)
    events = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    # The restored log tells what happened to it; the export above came after.
    assert events[-2:] == ["backup_restored", "export"]


def test_a_restore_over_a_database_that_holds_data_asks_first(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    fill(session)
    file = tmp_path / "trygghet.backup"
    assert runner.invoke(args=["backup", "create", str(file)]).exit_code == 0
    wipe(session)
    store(session, make_meeting(session, district="Romme", day=date(2019, 10, 3)))
    session.close()

    refused = runner.invoke(args=["backup", "restore", str(file)], input="n\n")
    assert refused.exit_code != 0
    assert "holds 1 responses" in refused.output
    assert "Replace the database?" in refused.output
    assert count(session, Response) == 1

    session.close()
    accepted = runner.invoke(args=["backup", "restore", str(file)], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert count(session, Response) == 4


def test_a_file_that_is_not_a_backup_of_this_kind_of_database_is_refused(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    fill(session)
    junk = tmp_path / "anteckningar.txt"
    junk.write_text("inte en säkerhetskopia\n", encoding="utf-8")
    stranger = tmp_path / "annan.sqlite"  # a SQLite file, but not this app's database
    with sqlite3.connect(stranger) as other:
        other.execute("CREATE TABLE note (body TEXT)")
    other.close()
    dump = tmp_path / "other.dump"  # what pg_dump --format=custom writes first
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(200))
    kind = session.get_bind().dialect.name

    for file, reason in (
        (junk, "is not a backup made by `backup create`"),
        (stranger, "a backup of a sqlite database" if kind != "sqlite" else "no migrated"),
        (dump, "a backup of a postgresql database" if kind != "postgresql" else "failed"),
    ):
        session.close()
        result = runner.invoke(args=["backup", "restore", str(file), "--yes"])
        assert result.exit_code == 1, (file, result.output)
        assert reason in result.output, result.output
        assert "Traceback" not in result.output
        assert count(session, Response) == 4
        assert revision(session) == head(app)


def test_a_backup_never_overwrites_a_file_unless_told(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    fill(session)
    folder = tmp_path / "backups"
    folder.mkdir()
    file = folder / "trygghet.backup"
    file.write_bytes(b"last week's backup")
    refused = runner.invoke(args=["backup", "create", str(file)])
    assert refused.exit_code == 1
    assert "--force" in refused.output
    assert file.read_bytes() == b"last week's backup"

    forced = runner.invoke(args=["backup", "create", str(file), "--force"])
    assert forced.exit_code == 0, forced.output
    assert file.read_bytes() != b"last week's backup"
    assert [p.name for p in folder.iterdir()] == ["trygghet.backup"]  # no leftover part


def test_without_the_postgresql_client_programs_the_error_says_what_to_install(
    runner: FlaskCliRunner, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a server without postgresql-client
    file = tmp_path / "trygghet.backup"
    result = runner.invoke(args=["backup", "create", str(file)])
    if session.get_bind().dialect.name == "sqlite":  # Python's sqlite3 needs no outside program
        assert result.exit_code == 0, result.output
        assert file.stat().st_size > 0
        return
    assert result.exit_code == 1
    assert "pg_dump is not installed" in result.output
    assert "postgresql-client" in result.output
    assert not file.exists()
