"""Languages: the visitor's choice, the right direction, and a response that records both."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Response
from tests.conftest import answer, make_meeting, reread

# Surveys open now, in every language: CI reruns these at each instant in .ci/run.
pytestmark = pytest.mark.clock


def test_swedish_is_the_default(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/s/{meeting.code}")
    assert '<html lang="sv" dir="ltr">' in page.text
    assert "Hur trygg eller otrygg skulle du känna dig" in page.text


def test_the_browser_language_is_followed(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/s/{meeting.code}", headers={"Accept-Language": "en-GB,en;q=0.9,sv;q=0.5"})
    assert '<html lang="en" dir="ltr">' in page.text
    assert "Submit" in page.text or "Send" in page.text
    unknown = client.application.test_client().get(
        f"/s/{meeting.code}", headers={"Accept-Language": "fi, de;q=0.8"}
    )
    assert '<html lang="sv"' in unknown.text


def test_a_chosen_language_is_remembered_for_the_visit(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    arabic = client.get(f"/s/{meeting.code}", query_string={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    again = client.get(f"/s/{meeting.code}", headers={"Accept-Language": "en"})
    assert '<html lang="ar" dir="rtl">' in again.text
    assert '<html lang="so"' in client.get("/integritet?lang=so").text
    assert client.get("/", query_string={"lang": "xx"}).status_code == 200  # ignored


def test_every_page_offers_every_language_and_the_required_notices(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    for url in ("/", f"/s/{meeting.code}", "/integritet", "/tillganglighet", "/login", "/nope"):
        html = client.get(url).text
        for code, name in (("en", "English"), ("ar", "العربية"), ("so", "Soomaali")):
            assert f'lang="{code}"' in html and name in html, (url, code)
        assert 'href="/integritet"' in html, url
        assert 'href="/tillganglighet"' in html, url


def test_the_question_wording_follows_the_language(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    english = client.get(f"/s/{meeting.code}?lang=en").text
    assert "Very safe" in english
    assert "Mycket trygg" not in english
    somali = client.get(f"/s/{meeting.code}?lang=so").text
    assert "Mycket trygg" not in somali


def test_a_response_records_its_language_and_channel(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/q/{meeting.code}?lang=so")
    assert page.status_code == 200
    _, data = answer(client, meeting, safety_evening="fairly_safe")
    assert client.post(f"/q/{meeting.code}", data=data).status_code == 303
    other = client.application.test_client()
    _, data = answer(other, meeting, safety_evening="very_safe")
    assert other.post(f"/s/{meeting.code}", data=data).status_code == 303
    reread(session)
    stored = {(r.channel, r.language) for r in session.scalars(select(Response))}
    assert stored == {("qr", "so"), ("link", "sv")}


def test_the_privacy_notice_says_what_is_kept_and_for_how_long(client: FlaskClient) -> None:
    html = client.get("/integritet").text
    assert "IP-adress" in html
    assert "12 månader" in html
    assert "kommun@borlange.se" in html
    assert "Borlänge kommun" in html


def test_the_accessibility_statement_names_the_law_and_a_contact(client: FlaskClient) -> None:
    html = client.get("/tillganglighet").text
    assert "DOS-lagen" in html
    assert "WCAG 2.1" in html
    assert "Digg" in html
    assert "kommun@borlange.se" in html


def test_the_form_librarys_own_messages_speak_the_page_language(
    app: Flask, session: Session
) -> None:
    meeting = make_meeting(session)
    for lang, message in (("sv", "Inte ett giltigt val"), ("ar", "اختيار غير صحيح")):
        phone = app.test_client()
        _, data = answer(phone, meeting, safety_evening="no_such_answer")
        sent = phone.post(f"/s/{meeting.code}?lang={lang}", data=data)
        assert sent.status_code == 400
        assert message in sent.text, lang
