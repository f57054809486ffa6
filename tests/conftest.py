"""Fixtures: a fresh app on a migrated database (SQLite, or TEST_DATABASE_URL), a clock the
tests control (FEEDBACK_TEST_NOW), and helpers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from alembic import command
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from feedback import create_app, db, questionnaire
from feedback.cli import migrating
from feedback.db import Base, make_engine
from feedback.meetings import MeetingFields, create_meeting, get_or_create_district, local
from feedback.models import District, Meeting, Organisation, User, utcnow
from feedback.organisations import OrganisationFields, create_organisation, find_organisation
from feedback.users import create_user

BASE_URL = "https://trygg.example.se"
STAFF_EMAIL = "polis@example.se"
STAFF_PASSWORD = "ett långt lösenord"
# An ordinary autumn evening in Stockholm, while a dialogue meeting is on. CI reruns the tests
# marked `clock` at the instants in .ci/run: around midnight and on both daylight-saving changes.
DEFAULT_NOW = "2026-09-16T19:15:00+02:00"


def test_now() -> datetime:
    """The instant the tests run at: FEEDBACK_TEST_NOW (ISO 8601 with an offset), or the default."""
    text = os.environ.get("FEEDBACK_TEST_NOW") or DEFAULT_NOW
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise pytest.UsageError(f"FEEDBACK_TEST_NOW needs an offset, like {DEFAULT_NOW}: {text}")
    return moment


test_now.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Coordinates | None]:
    """Every test starts at the same instant, whatever the wall clock says; time then ticks on.

    A test that needs another moment moves the clock: `clock.move_to(...)`, or
    `time_machine.travel(..., tick=False)` inside it. The browser tests keep the real clock:
    Chromium judges cookie expiry by the machine's own clock, which no fixture can move, and
    so does a gunicorn server or an OIDC provider in another process.
    """
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("server"):
        yield None
        return
    with time_machine.travel(test_now(), tick=True) as traveller:
        yield traveller


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
def app_config() -> dict[str, Any]:
    """Settings a test module adds to the test app's; a module overrides this fixture."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app on the test database, emptied after the test."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": BASE_URL,
            **app_config,
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        questionnaire.sync(db.session())
        db.session().commit()
        make_organisation(db.session())  # as `seed borlange` makes it; tests add others
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
    organisation: str = "borlange",
) -> Meeting:
    """A meeting, by default one that is on right now so its survey is open.

    The default began half an hour ago and ends in an hour and a half; a meeting does not run
    past midnight, so near midnight it begins at 00.00 or ends at 23.59 of today instead.
    """
    if day is None:
        now = utcnow()  # in UTC: Stockholm wall-clock arithmetic skips or repeats DST's hour
        day = local(now).date()
        began, ends = local(now - timedelta(minutes=30)), local(now + timedelta(minutes=90))
        start = began.time() if began.date() == day else time(0)
        end = ends.time() if ends.date() == day else time(23, 59)
        start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    fields = MeetingFields(district, day, start, end, place, address)
    meeting = create_meeting(session, make_organisation(session, organisation).id, fields)
    session.commit()
    return meeting


def make_organisation(session: Session, slug: str = "borlange") -> Organisation:
    """An organisation, Borlänge (with its area) by default, else "<Slug> kommun"; the one
    there is if it exists."""
    found = find_organisation(session, slug)
    name = "Borlänge kommun" if slug == "borlange" else f"{slug.title()} kommun"
    if found is None:
        bounds = (60.25, 14.85, 60.75, 15.90) if slug == "borlange" else None
        found = create_organisation(
            session, OrganisationFields(slug, name, f"kommun@{slug}.se", bounds=bounds)
        )
        session.commit()
    return found


def make_district(session: Session, name: str, organisation: str = "borlange") -> District:
    """A district of an organisation (Borlänge by default)."""
    district = get_or_create_district(session, make_organisation(session, organisation).id, name)
    session.commit()
    return district


def make_staff(
    session: Session,
    email: str = STAFF_EMAIL,
    role: str = "admin",
    districts: Sequence[District] = (),
    organisations: Sequence[str] = ("borlange",),
) -> User:
    """A staff account with the test password, working for Borlänge (or the organisations
    named), a coordinator in the districts given."""
    user = create_user(
        session,
        email,
        STAFF_PASSWORD,
        role,
        [make_organisation(session, slug) for slug in organisations],
        districts,
    )
    session.commit()
    return user


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
        assert log_in(self.client, email, password) == 302


def log_in(client: FlaskClient, email: str, password: str = STAFF_PASSWORD) -> int:
    """Send the login form as a browser would; the status it answers with."""
    page = client.get("/login")
    sent = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(page.text)}
    )
    return sent.status_code


def change_password(client: FlaskClient, new: str, current: str = STAFF_PASSWORD) -> TestResponse:
    """Send the own-account form to change the logged-in user's password."""
    page = client.get("/staff/admin/account")
    return client.post(
        "/staff/admin/account",
        data={
            "csrf_token": csrf_token(page.text),
            "current": current,
            "new": new,
            "repeat": new,
        },
    )


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
