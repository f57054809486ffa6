"""The resident's side: the survey behind a QR code, its guards, and the Swedish error pages."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback.meetings import cancel_meeting, local, survey_window
from feedback.models import Answer, Meeting, Response, utcnow
from tests.conftest import answer, count, csrf_token, make_meeting, submission_key

# Survey windows, the grace period and the schedule: CI reruns these at each instant in .ci/run.
pytestmark = pytest.mark.clock


def stored(session: Session) -> int:
    """How many responses the database holds."""
    return count(session, Response)


def test_survey_speaks_swedish_and_warns_before_the_first_question(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session, district="Tjärna Ängar", place="Kulturhuset")
    page = client.get(f"/s/{meeting.code}")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="sv" dir="ltr">' in html
    assert "Tjärna Ängar" in html and "Kulturhuset" in html
    intro = html.index("anonym")
    assert intro < html.index("<fieldset")
    assert "ringa 112" not in html and "ring 112" in html and "114 14" in html
    assert "Hur trygg eller otrygg skulle du känna dig" in html
    assert "Går inte ut ensam sent, på grund av otrygghet" in html
    assert "<legend>" in html
    assert "Finns det någon plats här där du känner dig otrygg?" in html
    assert "autofocus" not in html  # a resident reads the introduction first


def test_codes_are_found_in_any_case(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    assert client.get(f"/s/{meeting.code.lower()}").status_code == 200


def test_a_submission_is_stored_with_its_answers_and_thanked(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(
        client,
        meeting,
        safety_evening="no_go_unsafe",
        problem_lighting="very_big",
        unsafe_place_other="  Gångtunneln vid Tempo, på kvällen  ",
    )
    response = client.post(f"/s/{meeting.code}", data=data)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "Tack för dina svar!" in thanks.text
    saved = session.scalars(select(Response)).one()
    assert saved.meeting_id == meeting.id
    assert saved.questionnaire_version == 2
    assert {a.question_key: a.value for a in saved.answers} == {
        "safety_evening": "no_go_unsafe",
        "problem_lighting": "very_big",
        "unsafe_place_other": "Gångtunneln vid Tempo, på kvällen",
        "unsafe_places:other": "other",  # a place written is another place, ticked or not
    }


def test_nothing_about_the_resident_is_stored_but_the_answers(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe")
    client.post(
        f"/s/{meeting.code}",
        data=data,
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={
            "User-Agent": "Mozilla/5.0 (iPhone) Fingerprint/1.0",
            "X-Forwarded-For": "198.51.100.9",
        },
    )
    assert stored(session) == 1
    columns = {c.name for c in Response.__table__.columns} | {
        c.name for c in Answer.__table__.columns
    }
    assert columns == {
        "id",
        "meeting_id",
        "questionnaire_version",
        "submission_key",
        "submitted_at",
        "channel",
        "language",
        "is_demo",
        "response_id",
        "question_key",
        "value",
    }
    values = [
        str(v)
        for row in session.execute(select(Response, Answer).join(Answer))
        for v in (*row[0].__dict__.values(), *row[1].__dict__.values())
    ]
    assert not any("203.0.113" in v or "198.51.100" in v or "iPhone" in v for v in values)


def test_a_missing_core_answer_reshows_the_form_with_the_answers_kept(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, problem_litter="small", safer_how="Fler lampor")
    response = client.post(f"/s/{meeting.code}", data=data)
    assert response.status_code == 400
    assert "Något behöver rättas" in response.text
    assert "Välj ett svar på frågan." in response.text
    assert 'href="#safety_evening-0"' in response.text  # the error links to its field
    assert "Fler lampor" in response.text
    assert re.search(r'value="small"[^>]*checked|checked[^>]*value="small"', response.text)
    assert submission_key(response.text) == data["submission_key"]
    assert stored(session) == 0


def test_an_answer_code_that_does_not_exist_is_refused(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe", problem_litter="enormous")
    response = client.post(f"/s/{meeting.code}", data=data)
    assert response.status_code == 400
    assert "Något behöver rättas" in response.text
    assert stored(session) == 0


def test_too_long_free_text_is_refused_and_kept(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe", safer_how="å" * 1001)
    response = client.post(f"/s/{meeting.code}", data=data)
    assert response.status_code == 400
    assert "högst 1000 tecken" in response.text
    assert stored(session) == 0


def test_a_missing_or_tampered_csrf_token_is_refused_and_the_answers_kept(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="fairly_unsafe", safer_how="Belysning")
    for token, reason in (
        ("", "kom fram utan sin säkerhetskod"),
        (data["csrf_token"][:-4] + "AAAA", "hörde till en annan flik eller ett annat besök"),
    ):
        response = client.post(f"/s/{meeting.code}", data={**data, "csrf_token": token})
        assert response.status_code == 400
        assert reason in response.text
        assert "CSRF" not in response.text
        assert "Belysning" in response.text
    assert stored(session) == 0


def test_a_retried_post_stores_one_response(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe")
    other_phone = client.application.test_client()
    first = client.post(f"/s/{meeting.code}", data=data)
    # The same form sent again before its first answer set the cookie: a double tap.
    other_phone.get(f"/s/{meeting.code}")
    with other_phone.session_transaction() as cookie, client.session_transaction() as original:
        cookie["csrf_token"] = original["csrf_token"]
    second = other_phone.post(f"/s/{meeting.code}", data=data)
    assert first.status_code == second.status_code == 303
    assert "Tack" in other_phone.get(second.headers["Location"]).text
    assert stored(session) == 1


def test_a_second_answer_from_the_same_phone_is_recognised(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe")
    client.post(f"/s/{meeting.code}", data=data)
    again = client.get(f"/s/{meeting.code}")
    assert again.status_code == 200
    assert "Du har redan svarat" in again.text
    repost = client.post(f"/s/{meeting.code}", data={**data, "submission_key": "f" * 32})
    assert "Du har redan svarat" in repost.text
    assert stored(session) == 1


def test_another_meeting_can_still_be_answered_from_the_same_phone(
    client: FlaskClient, session: Session
) -> None:
    first = make_meeting(session)
    second = make_meeting(session, district="Romme", place="Tunets IP")
    for meeting in (first, second):
        _, data = answer(client, meeting, safety_evening="very_safe")
        assert client.post(f"/s/{meeting.code}", data=data).status_code == 303
    assert stored(session) == 2


def test_a_closed_survey_says_so_and_names_the_next_meeting(
    client: FlaskClient, session: Session
) -> None:
    today = local(utcnow()).date()
    past = make_meeting(session, day=today - timedelta(days=15))
    upcoming = make_meeting(session, district="Ornäs", place="ICA", day=today + timedelta(days=30))
    page = client.get(f"/s/{past.code}")
    assert page.status_code == 200
    assert "Enkäten är stängd" in page.text
    assert "Nästa möte" in page.text and "Ornäs" in page.text
    assert "<form" not in page.text
    assert client.post(f"/s/{past.code}", data={"safety_evening": "very_safe"}).status_code == 200
    assert stored(session) == 0
    early = client.get(f"/s/{upcoming.code}")
    assert "Enkäten har inte öppnat än" in early.text


def test_an_old_poster_offers_the_survey_that_is_open_today(
    client: FlaskClient, session: Session
) -> None:
    today = local(utcnow()).date()
    old = make_meeting(session, day=today - timedelta(days=400))
    tonight = make_meeting(session, district="Ornäs", place="ICA")
    last_week = make_meeting(session, district="Kvarnsveden", day=today - timedelta(days=6))
    cancelled = make_meeting(session, district="Tjärna ängar")
    cancel_meeting(session, cancelled)
    make_meeting(session, district="Jakobsgårdarna", day=today - timedelta(days=20))
    session.commit()

    page = client.get(f"/q/{old.code}")
    assert "Enkäten är stängd" in page.text and "Enkäter som är öppna nu" in page.text
    offered = re.findall(r'href="/(q|s)/([A-Z0-9]+)"', page.text)
    # Tonight's meeting first, by the way the resident came (the QR code); nothing closed.
    assert offered == [("q", tonight.code), ("q", last_week.code)]
    by_link = client.get(f"/s/{old.code}")
    assert re.findall(r'href="/(q|s)/[A-Z0-9]+"', by_link.text) == ["s", "s"]


def test_the_thanks_page_leads_to_the_schedule_and_the_pledges(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe")
    thanks = client.get(client.post(f"/s/{meeting.code}", data=data).headers["Location"])
    assert 'href="/"' in thanks.text and 'href="/loften"' in thanks.text


def test_the_schedule_links_open_surveys_and_offers_no_calendar_for_the_past(
    client: FlaskClient, session: Session
) -> None:
    today = local(utcnow()).date()
    now = make_meeting(session)
    held = make_meeting(session, district="Ornäs", day=today - timedelta(days=40))
    coming = make_meeting(session, district="Tjärna ängar", day=today + timedelta(days=30))
    page = client.get("/").text
    assert f'href="/s/{now.code}"' in page
    assert f"/s/{coming.code}" not in page and f"/s/{held.code}" not in page
    assert f"/moten/{coming.code}.ics" in page
    past_part = page.split("Tidigare möten")[1]
    assert held.code not in past_part and "Lägg till i kalendern" not in past_part


def test_the_window_opens_an_hour_before_and_closes_two_weeks_after(
    client: FlaskClient, session: Session
) -> None:
    now = utcnow()
    today = local(now).date()
    opening = make_meeting(session, **starting_at(now + timedelta(minutes=50)))
    not_yet = make_meeting(session, district="Romme", **starting_at(now + timedelta(minutes=70)))
    still = make_meeting(session, district="Årby", day=today - timedelta(days=13))
    closed = make_meeting(session, district="Årby", day=today - timedelta(days=15))
    assert "Enkäten har inte öppnat än" in client.get(f"/s/{not_yet.code}").text
    assert "<form" in client.get(f"/s/{opening.code}").text
    assert "<form" in client.get(f"/s/{still.code}").text
    assert "Enkäten är stängd" in client.get(f"/s/{closed.code}").text


def starting_at(moment: datetime) -> dict[str, Any]:
    """make_meeting's fields for a meeting that starts at this instant and runs to midnight."""
    wall = local(moment)  # .time() keeps the fold: the first or second 02.30 in October
    return {"day": wall.date(), "start": wall.time(), "end": time.max}


def test_the_window_is_configurable(app: Flask, client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session, day=local(utcnow()).date() - timedelta(days=3))
    assert "<form" in client.get(f"/s/{meeting.code}").text
    app.config["SURVEY_CLOSES_DAYS_AFTER"] = 2
    assert "Enkäten är stängd" in client.get(f"/s/{meeting.code}").text


def test_a_cancelled_meeting_takes_no_answers(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    cancel_meeting(session, meeting)
    session.commit()
    page = client.get(f"/s/{meeting.code}")
    assert "Mötet är inställt" in page.text
    assert "<form" not in page.text


def test_an_unknown_code_gives_a_swedish_404(client: FlaskClient) -> None:
    page = client.get("/s/XXXXXXX")
    assert page.status_code == 404
    assert "Sidan finns inte" in page.text
    assert "Traceback" not in page.text


def test_an_unknown_page_gives_a_swedish_404(client: FlaskClient) -> None:
    page = client.get("/finns-inte")
    assert page.status_code == 404
    assert "Sidan finns inte" in page.text


def test_the_start_page_links_to_the_staff_login(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/login"' in page.text


def test_the_survey_date_is_written_the_swedish_way(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    page = client.get(f"/staff/meetings/{meeting.id}")  # not logged in: sent to the login page
    assert page.status_code == 302
    from feedback.i18n import meeting_when

    assert meeting_when(meeting) == "torsdag 21 februari 2019, 18.00–20.00"


def test_a_crash_shows_a_swedish_page_and_no_stack_trace(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/broken", view_func=broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    page = app.test_client().get("/broken")
    assert page.status_code == 500
    assert "Något gick fel hos oss" in page.text
    assert "secret internals" not in page.text
    assert "Traceback" not in page.text


def test_an_answer_sent_just_after_closing_time_is_kept(
    app: Flask, client: FlaskClient, session: Session, clock: time_machine.Coordinates
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe")
    # The resident took their time: the window closed while the form was open.
    window = survey_window(meeting, 60, app.config["SURVEY_CLOSES_DAYS_AFTER"])
    clock.move_to(window.closes_at + timedelta(minutes=10))
    assert "Enkäten är stängd" in client.get(f"/s/{meeting.code}").text
    assert client.post(f"/s/{meeting.code}", data=data).status_code == 303
    assert stored(session) == 1


def test_pages_forbid_framing_and_third_party_content(client: FlaskClient) -> None:
    page = client.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_a_change_from_another_worker_reaches_the_survey_within_seconds_and_answers_at_once(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedback import public

    meeting = make_meeting(session)
    resident = app.test_client()
    page = resident.get(f"/q/{meeting.code}").text
    # Another worker (here: a statement this worker's ORM does not see) cancels the meeting.
    cancel = update(Meeting).where(Meeting.id == meeting.id).values(cancelled_at=utcnow())
    session.connection().execute(cancel)
    session.commit()
    assert 'name="safety_evening"' in app.test_client().get(f"/q/{meeting.code}").text
    # Answers are checked against the database itself: the cancelled survey takes none.
    data = {"csrf_token": csrf_token(page), "submission_key": submission_key(page)}
    sent = resident.post(f"/q/{meeting.code}", data={**data, "safety_evening": "very_safe"})
    assert sent.status_code == 200
    assert 'name="safety_evening"' not in sent.text
    assert count(session, Response) == 0
    # A few seconds later every worker has read the meeting again.
    later = public.time.monotonic() + public.FACTS_SECONDS + 1
    monkeypatch.setattr(public.time, "monotonic", lambda: later)
    assert 'name="safety_evening"' not in app.test_client().get(f"/q/{meeting.code}").text


def test_an_untouched_survey_is_rendered_once_and_each_resident_gets_their_own_keys(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    from feedback import public

    meeting = make_meeting(session)
    public._PAGES.clear()
    first = client.get(f"/q/{meeting.code}").text
    second = app.test_client().get(f"/q/{meeting.code}").text
    assert len(public._PAGES) == 1
    assert submission_key(first) != submission_key(second)
    assert csrf_token(first) != csrf_token(second)

    def blank(page: str) -> str:
        return page.replace(submission_key(page), "").replace(csrf_token(page), "")

    assert blank(first) == blank(second)
    # Each resident's token is their session's: the cached page still submits and stores.
    resident = app.test_client()
    page = resident.get(f"/q/{meeting.code}").text
    data = {"csrf_token": csrf_token(page), "submission_key": submission_key(page)}
    assert (
        resident.post(
            f"/q/{meeting.code}", data={**data, "safety_evening": "very_safe"}
        ).status_code
        == 303
    )
    assert count(session, Response) == 1
    # Another language, and a changed place, are pages of their own.
    assert "Very safe" in client.get(f"/q/{meeting.code}?lang=en").text
    meeting.place = "Folkets hus"
    session.commit()
    assert "Folkets hus" in app.test_client().get(f"/q/{meeting.code}").text
    # A form sent with an error is rendered for that resident, with what they chose.
    page = client.get(f"/q/{meeting.code}").text
    data = {"csrf_token": csrf_token(page), "submission_key": submission_key(page)}
    sent = client.post(f"/q/{meeting.code}", data={**data, "problem_litter": "very_big"})
    assert sent.status_code == 400
    chosen = re.search(
        r'<input(?=[^>]*name="problem_litter")(?=[^>]*value="very_big")[^>]*>', sent.text
    )
    assert chosen and "checked" in chosen.group(0)
