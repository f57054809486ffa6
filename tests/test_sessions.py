"""Staff sessions end on the server: a copied cookie stops working after logout, a password
change, deactivation or too long idle.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import db
from feedback.auth import STAFF_TOKEN
from feedback.models import StaffSession
from feedback.users import find_user, update_user
from tests.conftest import (
    STAFF_EMAIL,
    Auth,
    change_password,
    csrf_token,
    log_in,
    make_meeting,
    reread,
)

# A weekday morning in Stockholm, so nothing here depends on when the suite runs.
MORNING = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of this browser's session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def logged_in(app: Flask) -> FlaskClient:
    """A new browser logged in through the login form."""
    browser = app.test_client()
    assert log_in(browser, STAFF_EMAIL) == 302
    return browser


def test_a_cookie_copied_before_logout_opens_nothing_after_it(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    auth.login()
    copy = copy_of(app, client)
    assert copy.get("/staff/").status_code == 200  # the copy works as long as the session
    page = client.get("/staff/")
    assert client.post("/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 302
    refused = copy.get("/staff/")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/login")
    assert client.get("/staff/").status_code == 302


def test_handing_the_device_over_as_a_kiosk_ends_the_staff_session(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    meeting = make_meeting(session)
    auth.login()
    copy = copy_of(app, client)
    page = client.get(f"/staff/meetings/{meeting.id}")
    handed = client.post(
        f"/staff/meetings/{meeting.id}/kiosk", data={"csrf_token": csrf_token(page.text)}
    )
    assert handed.status_code == 302
    assert copy.get("/staff/").status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_password_change_ends_copies_of_the_other_sessions_and_keeps_this_one(
    app: Flask, client: FlaskClient, auth: Auth
) -> None:
    auth.login()
    other_device = logged_in(app)
    copy = copy_of(app, other_device)
    changed = change_password(client, "ett nytt långt lösen")
    assert changed.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert other_device.get("/staff/").status_code == 302
    assert copy.get("/staff/").status_code == 302


def test_deactivation_ends_every_session_for_good(
    app: Flask, client: FlaskClient, auth: Auth, runner: FlaskCliRunner
) -> None:
    auth.login()
    copy = copy_of(app, client)
    other_device = logged_in(app)
    assert runner.invoke(args=["users", "deactivate", STAFF_EMAIL]).exit_code == 0
    for browser in (client, copy, other_device):
        assert browser.get("/staff/").status_code == 302
    # Taking the account back into use does not bring the old sessions back.
    with app.app_context():
        user = find_user(db.session(), STAFF_EMAIL)
        assert user is not None
        update_user(db.session(), user, is_active=True)
        db.session().commit()
    for browser in (client, copy, other_device):
        assert browser.get("/staff/").status_code == 302
    assert logged_in(app).get("/staff/").status_code == 200


def test_a_session_left_idle_too_long_ends_and_the_login_page_says_why(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    idle = timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])
    with time_machine.travel(MORNING, tick=False) as clock:
        auth.login()
        copy = copy_of(app, client)
        for _ in range(3):  # each page view starts the idle time again
            clock.shift(idle - timedelta(minutes=1))
            assert client.get("/staff/").status_code == 200
        clock.shift(idle + timedelta(minutes=1))
        expired = client.get("/staff/")
        assert expired.status_code == 302
        login_page = client.get(expired.headers["Location"])
        assert "Du har varit inaktiv för länge och har loggats ut." in login_page.text
        assert client.get("/staff/").status_code == 302
        assert copy.get("/staff/").status_code == 302
    reread(session)
    ended = session.scalars(select(StaffSession.ended_at)).all()
    assert ended == [MORNING + 3 * (idle - timedelta(minutes=1)) + idle + timedelta(minutes=1)]


def test_the_database_holds_only_a_hash_of_the_session_token(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    auth.login()
    with client.session_transaction() as cookie_session:
        token = cookie_session[STAFF_TOKEN]
    stored = session.scalars(select(StaffSession.token_hash)).all()
    assert len(stored) == 1
    assert token not in stored[0]
