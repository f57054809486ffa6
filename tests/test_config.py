"""Configuration: committed defaults, then instance/config.py, then FEEDBACK_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback import create_app


def test_the_app_refuses_to_start_in_production_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FEEDBACK_SECRET_KEY", raising=False)
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "sqlite://")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "dev"})


def test_tests_and_debug_may_run_without_one() -> None:
    assert create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}).testing


def test_environment_variables_override_the_instance_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-the-instance-file'\nPUBLIC_BASE_URL = 'https://instance.example/'\n",
        encoding="utf-8",
    )
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-instance-file"
    assert app.config["PUBLIC_BASE_URL"] == "https://instance.example"  # no trailing slash
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/env.sqlite"
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FEEDBACK_PUBLIC_BASE_URL", "https://trygghet.borlange.se")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["PUBLIC_BASE_URL"] == "https://trygghet.borlange.se"
    assert app.config["SURVEY_CLOSES_DAYS_AFTER"] == 14


def test_without_a_database_url_the_database_lives_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.delenv("FEEDBACK_DATABASE_URL", raising=False)
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "a-real-secret-for-this-test")
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/feedback.sqlite"
