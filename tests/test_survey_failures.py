"""When storing fails after the form was valid, the resident keeps every answer, and a resend
stores it exactly once: a database that is down, a lock held too long, a lost cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from feedback import create_app, db
from feedback.db import make_engine
from feedback.i18n import DEFAULT, LANGUAGES, html_lang
from feedback.models import Response
from tests.conftest import BASE_URL, Auth, answer, count, csrf_token, make_meeting, submission_key

ANSWERS = {
    "safety_evening": "fairly_unsafe",
    "problem_lighting": "very_big",
    "unsafe_place_other": "Gångtunneln vid Tempo – på kvällen",
}


@contextmanager
def sibling(app: Flask, **config: Any) -> Iterator[Flask]:
    """Another app like the test app (same secret, so it reads the same cookies)."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "PUBLIC_BASE_URL": BASE_URL,
            **config,
        }
    )
    yield other
    with other.app_context():
        db.engine().dispose()


def same_browser(client: FlaskClient, other: Flask) -> FlaskClient:
    """A client of the other app holding this client's session cookie."""
    moved = other.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    moved.set_cookie("session", cookie.value)
    return moved


def assert_answers_kept(html: str, key: str) -> None:
    """The page holds every answer as it was typed, and the same submission key."""
    assert submission_key(html) == key
    for name, value in (("safety_evening", "fairly_unsafe"), ("problem_lighting", "very_big")):
        chosen = re.search(rf'<input(?=[^>]*name="{name}")(?=[^>]*value="{value}")[^>]*>', html)
        assert chosen and "checked" in chosen.group(0)
    assert "Gångtunneln vid Tempo – på kvällen</textarea>" in html


@contextmanager
def write_lock_held(database_url: str) -> Iterator[None]:
    """Another connection holds the lock a new response needs, until the block ends."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DELETE FROM audit_event WHERE 1 = 0")  # BEGIN IMMEDIATE
        else:
            connection.exec_driver_sql("LOCK TABLE response IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


def unreachable_url(database_url: str) -> str:
    """A URL of the same kind of database that cannot be reached."""
    if database_url.startswith("sqlite"):
        return "sqlite:////nonexistent-folder/feedback.sqlite"
    return "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def test_a_database_that_is_down_gives_the_answers_back_to_send_again(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, **ANSWERS)
    with sibling(app, DATABASE_URL=unreachable_url(app.config["DATABASE_URL"])) as down:
        failed = same_browser(client, down).post(f"/s/{meeting.code}", data=data)

    assert failed.status_code == 503
    assert "Svaren kunde inte sparas just nu" in failed.text
    assert "<title>Fel:" in failed.text
    assert_answers_kept(failed.text, data["submission_key"])
    assert count(session, Response) == 0

    sent = client.post(f"/s/{meeting.code}", data=data)
    assert sent.status_code == 303
    assert count(session, Response) == 1


def test_a_lock_held_too_long_gives_the_answers_back_and_a_resend_stores_once(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, **ANSWERS)
    with sibling(app, DATABASE_LOCK_TIMEOUT_MS=200) as other:
        impatient = same_browser(client, other)
        with write_lock_held(app.config["DATABASE_URL"]):
            failed = impatient.post(f"/s/{meeting.code}?lang=sv", data=data)
    assert failed.status_code == 503
    assert_answers_kept(failed.text, data["submission_key"])
    assert meeting.district.name in failed.text  # the meeting could still be read
    assert count(session, Response) == 0

    assert client.post(f"/s/{meeting.code}", data=data).status_code == 303
    assert client.post(f"/s/{meeting.code}", data=data).status_code == 200  # answered
    assert count(session, Response) == 1


def test_a_lost_cookie_keeps_the_answers_and_says_what_happened(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, **ANSWERS)
    client.delete_cookie("session")

    refused = client.post(f"/s/{meeting.code}", data=data)

    assert refused.status_code == 400
    assert "kaka (cookie)" in refused.text
    assert "CSRF" not in refused.text
    assert_answers_kept(refused.text, data["submission_key"])
    assert count(session, Response) == 0

    # The page came with a new token for this browser: sending again stores the answers once.
    again = {**data, "csrf_token": csrf_token(refused.text)}
    assert client.post(f"/s/{meeting.code}", data=again).status_code == 303
    assert client.post(f"/s/{meeting.code}", data=again).status_code == 200
    assert count(session, Response) == 1


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != DEFAULT])
def test_a_lost_cookie_answers_in_the_language_of_the_page(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/s/{meeting.code}?lang={lang}")
    assert f'action="?lang={lang}"' in page.text
    _, data = answer(client, meeting, **ANSWERS)
    client.delete_cookie("session")

    refused = client.post(f"/s/{meeting.code}?lang={lang}", data=data)

    assert refused.status_code == 400
    assert f'<html lang="{html_lang(lang)}"' in refused.text
    assert "kaka (cookie)" not in refused.text  # the reason is translated too
    assert count(session, Response) == 0


def test_a_staff_form_with_a_lost_cookie_says_why(client: FlaskClient, auth: Auth) -> None:
    auth.login()
    client.delete_cookie("session")
    refused = client.post("/logout", data={"csrf_token": "from-an-old-page"})
    assert refused.status_code == 400
    assert "kaka (cookie)" in refused.text
    assert "CSRF" not in refused.text
