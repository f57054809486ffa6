"""Accounts: admins manage users and districts, logins are throttled and audited."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.meetings import find_district
from feedback.models import AuditEvent, Response, User
from feedback.users import find_user
from tests.conftest import (
    STAFF_PASSWORD,
    Auth,
    answer,
    change_password,
    count,
    csrf_token,
    log_in,
    make_meeting,
    make_organisation,
    make_staff,
    reread,
)


def actions(session: Session) -> list[str]:
    """The audit log's actions, oldest first."""
    reread(session)
    return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_admin_creates_a_coordinator_who_sees_only_their_district(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    own = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    auth.login()
    page = client.get("/staff/admin/users/new")
    created = client.post(
        "/staff/admin/users/new",
        data={
            "csrf_token": csrf_token(page.text),
            "email": "Områdespolis@Example.se",
            "role": "coordinator",
            "districts": [str(own.district_id)],
            "is_active": "y",
        },
        follow_redirects=True,
    )
    shown = re.search(r"Tillfälligt lösenord: ([\w-]+)", created.text)
    assert shown is not None  # a random password, shown this once
    assert "områdespolis@example.se" in created.text
    assert "Tillfälligt lösenord" not in client.get("/staff/admin/users").text
    police = app.test_client()
    assert log_in(police, "omradespolis@example.se", shown.group(1)) == 400  # not the address
    assert log_in(police, "områdespolis@example.se", shown.group(1)) == 302
    meetings = police.get("/staff/").text
    assert "Hagalund" in meetings and "Romme" not in meetings
    assert police.get("/staff/admin/users").status_code == 403
    assert "user_created" in actions(session)


def test_deactivating_an_account_ends_its_sessions(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    user = make_staff(session, "analytiker@example.se", "analyst")
    session.commit()
    analyst = app.test_client()
    assert log_in(analyst, user.email) == 302
    assert analyst.get("/staff/").status_code == 200
    auth.login()
    page = client.get(f"/staff/admin/users/{user.id}")
    client.post(
        f"/staff/admin/users/{user.id}",
        data={"csrf_token": csrf_token(page.text), "email": user.email, "role": "analyst"},
    )
    assert analyst.get("/staff/").status_code == 302  # logged out
    assert log_in(analyst, user.email) == 400
    assert "user_changed" in actions(session)


def test_an_admin_cannot_demote_themselves(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    auth.login()
    me = find_user(session, "polis@example.se")
    assert me is not None
    page = client.get(f"/staff/admin/users/{me.id}")
    response = client.post(
        f"/staff/admin/users/{me.id}",
        data={
            "csrf_token": csrf_token(page.text),
            "email": me.email,
            "role": "analyst",
            "is_active": "y",
        },
    )
    assert response.status_code == 400
    assert "Du kan inte ta bort din egen administratörsroll." in response.text
    reread(session)
    assert session.get(User, me.id).role == "admin"  # type: ignore[union-attr]


def test_a_password_change_ends_the_other_sessions(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    auth.login()
    other_device = app.test_client()
    assert log_in(other_device, "polis@example.se") == 302
    short = change_password(client, "kort")
    assert short.status_code == 400
    assert "Minst 12 tecken." in short.text
    wrong = change_password(client, "ett nytt långt lösen", current="fel lösenord")
    assert "Fel lösenord." in wrong.text
    changed = change_password(client, "ett nytt långt lösen")
    assert changed.status_code == 302
    assert client.get("/staff/").status_code == 200  # this session goes on
    assert other_device.get("/staff/").status_code == 302  # the other one has ended
    assert log_in(app.test_client(), "polis@example.se", "ett nytt långt lösen") == 302
    assert "password_changed" in actions(session)


def test_failed_logins_are_throttled_per_account(client: FlaskClient, session: Session) -> None:
    make_staff(session, "polis@example.se", "admin")
    session.commit()
    for _ in range(5):
        assert log_in(client, "polis@example.se", "fel lösenord igen") == 400
    refused = client.post(
        "/login",
        data={
            "email": "polis@example.se",
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token(client.get("/login").text),
        },
    )
    assert refused.status_code == 400
    assert "För många misslyckade inloggningar" in refused.text
    assert actions(session).count("login_failed") == 5
    assert log_in(client, "annan@example.se", "fel") == 400  # another account is not held up


def test_failed_logins_are_throttled_per_client(client: FlaskClient) -> None:
    statuses = [log_in(client, f"person{n}@example.se", "fel lösenord") for n in range(20)]
    assert statuses == [400] * 20
    token = csrf_token(client.get("/login").text)
    refused = client.post(
        "/login", data={"email": "ny@example.se", "password": "x", "csrf_token": token}
    )
    assert refused.status_code == 429
    assert "För många försök" in refused.text
    other_client = client.post(
        "/login",
        data={"email": "ny@example.se", "password": "x", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    assert other_client.status_code == 400  # another address may still try


def test_logins_and_exports_are_in_the_audit_log(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    log_in(client, "polis@example.se", "fel")
    auth.login()
    with client.get("/staff/export/responses.csv"):
        pass
    page = client.get("/staff/admin/audit").text
    for action in ("login_failed", "login", "export"):
        assert f'data-action="{action}">' in page
    assert actions(session)[-3:] == ["login_failed", "login", "export"]


def test_session_cookies_are_httponly_samesite_and_secure_over_https(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/s/{meeting.code}")
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the test app's public address is https


def test_users_are_managed_from_the_command_line(runner: FlaskCliRunner, session: Session) -> None:
    make_meeting(session, district="Hagalund")
    make_meeting(session, district="Romme", place="Tunets IP")
    created = runner.invoke(
        args=[
            "users",
            "create",
            "samordnare@example.se",
            "--role",
            "coordinator",
            "--district",
            "hagalund",
        ],
        env={"FEEDBACK_NEW_PASSWORD": STAFF_PASSWORD},
    )
    assert created.exit_code == 0, created.output
    unknown = runner.invoke(args=["users", "set-districts", "samordnare@example.se", "Atlantis"])
    assert unknown.exit_code == 2
    assert "no district called 'Atlantis'" in unknown.output
    moved = runner.invoke(
        args=["users", "set-districts", "samordnare@example.se", "Romme", "Hagalund"]
    )
    assert moved.exit_code == 0
    assert (
        runner.invoke(args=["users", "set-role", "samordnare@example.se", "analyst"]).exit_code == 0
    )
    assert runner.invoke(args=["users", "deactivate", "samordnare@example.se"]).exit_code == 0
    listing = runner.invoke(args=["users", "list"]).output
    assert "samordnare@example.se\tanalyst\tdeactivated\tborlange\tall" in listing
    reread(session)
    user = find_user(session, "samordnare@example.se")
    assert user is not None
    assert {d.name for d in user.districts} == {"Hagalund", "Romme"}
    assert not user.is_active
    assert runner.invoke(args=["users", "deactivate", "nobody@example.se"]).exit_code == 1
    assert actions(session).count("user_changed") == 3
    hagalund = find_district(session, make_organisation(session).id, "Hagalund")
    assert hagalund is not None


def test_demo_data_is_marked_and_refused_beside_real_answers(
    app: Flask, runner: FlaskCliRunner, session: Session
) -> None:
    meeting = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert "for 2018 and 2019" in seeded.output
    reread(session)
    demo = session.scalars(select(Response)).all()
    assert demo and all(r.is_demo for r in demo)
    assert {r.meeting.starts_at.year for r in demo} == {2018, 2019}
    phone = app.test_client()
    live = make_meeting(session, district="Romme", place="Tunets IP")
    _, data = answer(phone, live, safety_evening="very_safe")
    phone.post(f"/s/{live.code}", data=data)
    before = count(session, Response)
    refused = runner.invoke(args=["demo", "seed"])
    assert refused.exit_code == 1
    assert "real responses" in refused.output
    assert count(session, Response) == before
    assert meeting.code  # the real meeting stayed as it was


def test_users_create_refuses_what_is_not_an_e_mail_address(
    runner: FlaskCliRunner, session: Session
) -> None:
    for email in ("samordnare", "samordnare@", "två ord@borlange.se", "a@b@borlange.se"):
        result = runner.invoke(
            args=["users", "create", email, "--role", "admin"],
            env={"FEEDBACK_NEW_PASSWORD": STAFF_PASSWORD},
        )
        assert result.exit_code == 2, (email, result.output)
        assert "not an e-mail address" in result.output
    assert count(session, User) == 0


def test_an_account_e_mail_that_is_no_address_is_refused_in_swedish(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    auth.login()
    page = client.get("/staff/admin/users/new")
    for email in ("samordnare", "samordnare@kommun", "polis på kommunen.se"):
        response = client.post(
            "/staff/admin/users/new",
            data={"csrf_token": csrf_token(page.text), "email": email, "role": "analyst"},
        )
        assert response.status_code == 400, email
        assert "Ange en e-postadress, till exempel namn@kommun.se." in response.text
    assert count(session, User) == 1  # only the admin who tried


def test_the_audit_log_speaks_swedish(client: FlaskClient, session: Session, auth: Auth) -> None:
    """Events and their details in words: no codes, no None, every detail kept."""
    make_meeting(session)
    hagalund = find_district(session, make_organisation(session).id, "Hagalund")
    assert hagalund is not None
    auth.login()
    with client.get(f"/staff/export/responses.xlsx?year=2019&district={hagalund.id}"):
        pass
    session.add(AuditEvent(actor_email="cli", action="backup_created", details={"size": 2_400_000}))
    session.add(AuditEvent(actor_email="x@example.se", action="new_thing", details={"what": 3}))
    session.commit()
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/staff/admin/audit").text))
    assert "Exporterade svar (Excel) 0 rader, filter: år 2019, kommundel Hagalund" in page
    assert "Loggade in" in page and "kommandoraden Gjorde en säkerhetskopia 2,4 MB" in page
    assert "new_thing what: 3" in page  # an event the log has no words for is still shown
    assert "None" not in page and "rows" not in page and "login" not in page.split("Logg", 2)[2]
