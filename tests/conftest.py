"""Fixtures: a fresh app on a migrated database (SQLite, or TEST_DATABASE_URL), and helpers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from feedback import create_app, db, questionnaire
from feedback.cli import migrating
from feedback.db import Base, make_engine
from feedback.meetings import MeetingFields, create_meeting, local
from feedback.models import Meeting, utcnow
from feedback.users import create_user

BASE_URL = "https://trygg.example.se"
STAFF_EMAIL = "polis@example.se"
STAFF_PASSWORD = "ett långt lösenord"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database, migrated to head once per run."""
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url})
    with app.app_context():
        with migrating() as config:
            command.downgrade(config, "base")
            command.upgrade(config, "head")
        db.engine().dispose()
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on the test database, emptied after the test."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": BASE_URL,
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        questionnaire.sync(db.session())
        db.session().commit()
    yield app
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()
    with app.app_context():
        db.engine().dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the app's database, outside any app context.

    Holding an app context open would make every test request share its `g`, and with it
    Flask-WTF's CSRF token and Flask-Login's user: two phones would look like one.
    """
    with app.extensions["feedback.sessionmaker"]() as own:
        yield own


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without cookies."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs `flask` commands against the app."""
    return app.test_cli_runner()


def reread(session: Session) -> None:
    """Forget what the test session has loaded, so that it reads what the app committed."""
    session.rollback()  # ends a read transaction and its snapshot, if one is open
    session.expire_all()  # rollback() outside a transaction expires nothing


def make_meeting(
    session: Session,
    *,
    district: str = "Hagalund",
    day: date | None = None,
    start: time = time(18),
    end: time = time(20),
    place: str = "Tempo",
    address: str | None = "Hagavägen 19",
) -> Meeting:
    """A meeting, by default one that is on right now so its survey is open."""
    if day is None:
        now = local(utcnow())
        day = now.date()
        start = (now - timedelta(minutes=30)).time().replace(second=0, microsecond=0)
        end = (now + timedelta(minutes=90)).time().replace(second=0, microsecond=0)
        if end <= start:  # around midnight: a meeting yesterday, still inside its window
            day, start, end = day - timedelta(days=1), time(18), time(20)
    meeting = create_meeting(session, MeetingFields(district, day, start, end, place, address))
    session.commit()
    return meeting


def make_staff(session: Session, email: str = STAFF_EMAIL, role: str = "admin") -> None:
    """A staff account with the test password."""
    create_user(session, email, STAFF_PASSWORD, role)
    session.commit()


class Auth:
    """Logs the test client in and out through the real login form."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.client = client
        self.app = app

    def login(self, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD) -> None:
        """Create the account if needed and log in."""
        with self.app.app_context():
            from feedback.users import find_user

            if find_user(db.session(), email) is None:
                make_staff(db.session(), email)
        page = self.client.get("/login")
        assert page.status_code == 200
        response = self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        )
        assert response.status_code == 302, response.text


def count(session: Session, model: type[Base]) -> int:
    """How many rows of a model the database holds now."""
    reread(session)
    return session.scalar(select(func.count()).select_from(model)) or 0


def post_form(client: FlaskClient, url: str, data: dict[str, Any]) -> TestResponse:
    """Open the page with the form, then send it with its CSRF token, as a browser would."""
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(page.text), **data})


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def submission_key(html: str) -> str:
    """The hidden submission key of the survey form."""
    found = re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', html)
    assert found, "no submission key on the page"
    return found.group(1)


def answer(client: FlaskClient, meeting: Meeting, **answers: str) -> tuple[str, dict[str, str]]:
    """Open the survey and fill in the form data a browser would send."""
    page = client.get(f"/s/{meeting.code}")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.text),
        "submission_key": submission_key(page.text),
        **answers,
    }
    return page.text, data


@pytest.fixture
def auth(client: FlaskClient, app: Flask) -> Auth:
    """Logs the client in as staff."""
    return Auth(client, app)
