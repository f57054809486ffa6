"""Languages: the visitor's choice, the right direction, and a response that records both."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import questionnaire
from feedback.i18n import LANGUAGES, html_lang, meeting_when
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


@pytest.mark.parametrize(
    ("accepted", "page_lang"),
    [("fa-AF,fa;q=0.9", "fa-AF"), ("prs-AF, fa-AF;q=0.8", "fa-AF"), ("fa-IR,fa;q=0.9", "fa")],
)
def test_a_browser_in_farsi_or_dari_gets_it(
    client: FlaskClient, session: Session, accepted: str, page_lang: str
) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/s/{meeting.code}", headers={"Accept-Language": accepted})
    assert f'<html lang="{page_lang}" dir="rtl">' in page.text


def test_a_chosen_language_is_remembered_for_the_visit(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    arabic = client.get(f"/s/{meeting.code}", query_string={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    again = client.get(f"/s/{meeting.code}", headers={"Accept-Language": "en"})
    assert '<html lang="ar" dir="rtl">' in again.text
    assert '<html lang="so"' in client.get("/integritet?lang=so").text
    dari = client.get("/integritet", query_string={"lang": "fa_AF"})
    assert '<html lang="fa-AF" dir="rtl">' in dari.text
    assert '<html lang="fa-AF" dir="rtl">' in client.get(f"/s/{meeting.code}").text
    assert '<html lang="fa" dir="rtl">' in client.get("/?lang=fa").text
    assert client.get("/", query_string={"lang": "xx"}).status_code == 200  # ignored


def test_every_page_offers_every_language_and_the_required_notices(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    for url in ("/", f"/s/{meeting.code}", "/integritet", "/tillganglighet", "/login", "/nope"):
        html = client.get(url).text
        assert len(LANGUAGES) == 6
        assert 'lang="fa_AF"' not in html  # HTML wants BCP 47: fa-AF
        for code, name in LANGUAGES.items():
            assert f'lang="{html_lang(code)}"' in html and name in html, (url, code)
            if url == "/" and code != "sv":
                assert f'href="/?lang={code}" lang="{html_lang(code)}"' in html, code
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


@pytest.mark.parametrize(
    ("code", "page_lang", "thanks"),
    [("fa", "fa", "از پاسخ‌های شما سپاسگزاریم!"), ("fa_AF", "fa-AF", "تشکر از پاسخ‌های شما!")],
    ids=["farsi", "dari"],
)
def test_a_resident_answers_the_whole_survey_in_farsi_or_dari(
    client: FlaskClient, session: Session, code: str, page_lang: str, thanks: str
) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/s/{meeting.code}", query_string={"lang": code}).text
    assert f'<html lang="{page_lang}" dir="rtl">' in page
    current = questionnaire.current()
    for question in current.questions:
        if question.kind != "point":  # the map is shown only with the municipality's tiles
            assert question.label(code) != question.label() and question.label(code) in page
    choices = {q.key: q.options[-1].code for q in current.questions if q.kind == "choice"}
    free_text = {"unsafe_place_other": "زیرگذر کنار ایستگاه", "safer_how": "روشنایی بیشتر"}
    _, data = answer(client, meeting, **choices, **free_text)
    data["unsafe_places"] = ["other"]
    data["unsafe_when"] = ["evening", "night"]
    sent = client.post(f"/s/{meeting.code}", data=data)
    assert sent.status_code == 303
    done = client.get(sent.headers["Location"]).text
    assert f'<html lang="{page_lang}" dir="rtl">' in done and thanks in done
    reread(session)
    saved = session.scalars(select(Response)).one()
    assert saved.language == code
    assert {a.question_key: a.value for a in saved.answers} == {
        **choices,
        **free_text,
        "unsafe_places:other": "other",
        "unsafe_when:evening": "evening",
        "unsafe_when:night": "night",
    }


def test_a_meeting_is_dated_in_farsi_and_dari_with_the_digits_on_the_poster(
    client: FlaskClient, session: Session
) -> None:
    winter = make_meeting(session, day=date(2019, 2, 21))
    assert meeting_when(winter, "fa") == "پنجشنبه 21 فوریه 2019, 18.00–20.00"
    assert meeting_when(winter, "fa_AF") == "پنجشنبه 21 فبروری 2019, 18.00–20.00"
    today = make_meeting(session, district="Romme")
    for code in ("fa", "fa_AF"):
        schedule = client.get("/", query_string={"lang": code}).text
        assert meeting_when(today, code) in schedule, code


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
