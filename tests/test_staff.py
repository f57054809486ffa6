"""The staff side: login, meetings, import, posters and QR codes, district page, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time

import pytest
import time_machine
import zxingcpp
from flask import Flask, request
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.forms import ImportRowForm
from feedback.i18n import meeting_when
from feedback.meetings import local
from feedback.models import District, Meeting
from tests.conftest import (
    BASE_URL,
    STAFF_PASSWORD,
    Auth,
    answer,
    count,
    csrf_token,
    make_meeting,
    make_organisation,
    make_staff,
    post_form,
    reread,
)

STAFF_URLS = [
    "/staff/",
    "/staff/districts",
    "/staff/import",
    "/staff/meetings/new",
    "/staff/export/responses.csv",
    "/staff/posters/2019",
]


def meeting_count(session: Session) -> int:
    """How many meetings the database holds."""
    return count(session, Meeting)


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_send_strangers_to_the_login_page(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_meeting_pages_send_strangers_to_the_login_page(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    for suffix in ("", "/edit", "/poster", "/qr.svg", "/qr.png", "/preview"):
        response = client.get(f"/staff/meetings/{meeting.id}{suffix}")
        assert response.status_code == 302, suffix
        assert response.headers["Location"].startswith("/login")


def test_a_wrong_password_is_refused_in_swedish(client: FlaskClient, session: Session) -> None:
    make_staff(session)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": "polis@example.se", "password": "fel", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 400
    assert "Fel e-postadress eller lösenord." in response.text
    assert client.get("/staff/").status_code == 302


def test_an_unknown_address_gets_the_same_answer(client: FlaskClient, session: Session) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "ingen@example.se",
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert "Fel e-postadress eller lösenord." in response.text


def test_login_without_csrf_token_is_refused(client: FlaskClient, session: Session) -> None:
    make_staff(session)
    response = client.post("/login", data={"email": "polis@example.se", "password": STAFF_PASSWORD})
    assert response.status_code == 400
    assert "Det gick inte att skicka formuläret" in response.text
    assert client.get("/staff/").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_elsewhere(
    client: FlaskClient, session: Session
) -> None:
    make_staff(session)
    for target, expected in [
        ("/staff/districts", "/staff/districts"),
        ("https://evil.example/", "/staff/"),
        ("//evil.example", "/staff/"),
    ]:
        page = client.get("/login")
        response = client.post(
            "/login",
            query_string={"next": target},
            data={
                "email": "POLIS@example.se",
                "password": STAFF_PASSWORD,
                "csrf_token": csrf_token(page.text),
            },
        )
        assert response.headers["Location"] == expected
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/staff/").text)})


def test_logout_ends_the_session(client: FlaskClient, auth: Auth) -> None:
    auth.login()
    page = client.get("/staff/")
    assert client.post("/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_meetings_are_listed_by_date_and_by_district(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    later = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    first = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    auth.login()
    html = client.get("/staff/").text
    assert html.index("torsdag 21 februari 2019, 18.00–20.00") < html.index("torsdag 25 april 2019")
    assert first.code in html and later.code in html
    romme = client.get("/staff/", query_string={"district": later.district_id}).text
    assert "Möten i Romme" in romme
    assert later.code in romme and first.code not in romme
    assert client.get("/staff/", query_string={"district": 999}).status_code == 404


def test_staff_create_a_meeting(client: FlaskClient, session: Session, auth: Auth) -> None:
    district = District(organisation_id=make_organisation(session).id, name="Årby")
    session.add(district)
    session.commit()
    auth.login()
    response = post_form(
        client,
        "/staff/meetings/new",
        {
            "district": district.id,
            "day": "2019-04-11",
            "start": "18:00",
            "end": "20:00",
            "place": "Årbygårdens förskola",
            "address": "Årbyvägen 99",
        },
    )
    assert response.status_code == 302
    meeting = session.scalars(select(Meeting)).one()
    assert local(meeting.starts_at).isoformat() == "2019-04-11T18:00:00+02:00"
    assert meeting.ends_at.hour == 18  # 20.00 in summer time is 18.00 UTC
    detail = client.get(response.headers["Location"]).text
    assert "torsdag 11 april 2019, 18.00–20.00" in detail
    assert f"{BASE_URL}/s/{meeting.code}" in detail


def test_a_bad_meeting_form_shows_errors_and_stores_nothing(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    district = District(organisation_id=make_organisation(session).id, name="Årby")
    session.add(district)
    session.commit()
    auth.login()
    response = post_form(
        client,
        "/staff/meetings/new",
        {
            "district": district.id,
            "day": "21/2",
            "start": "20:00",
            "end": "18:00",
            "place": "",
        },
    )
    assert response.status_code == 400
    assert "Ange ett datum" in response.text
    assert "Fyll i fältet." in response.text
    assert meeting_count(session) == 0


def test_the_same_district_and_time_cannot_be_scheduled_twice(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    existing = make_meeting(session, day=date(2019, 2, 21))
    auth.login()
    response = post_form(
        client,
        "/staff/meetings/new",
        {
            "district": existing.district_id,
            "day": "2019-02-21",
            "start": "18:00",
            "end": "19:00",
            "place": "Någon annanstans",
        },
    )
    assert response.status_code == 400
    assert "Det finns redan ett möte" in response.text
    assert meeting_count(session) == 1


def test_staff_edit_a_meeting_and_its_code_stays(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, day=date(2019, 3, 7))
    code = meeting.code
    auth.login()
    page = client.get(f"/staff/meetings/{meeting.id}/edit")
    assert 'value="2019-03-07"' in page.text
    response = client.post(
        f"/staff/meetings/{meeting.id}/edit",
        data={
            "csrf_token": csrf_token(page.text),
            "district": meeting.district_id,
            "day": "2019-03-08",
            "start": "17:30",
            "end": "19:00",
            "place": "Biblioteket",
            "address": "",
        },
    )
    assert response.status_code == 302
    reread(session)
    edited = session.get(Meeting, meeting.id)
    assert edited is not None
    assert edited.code == code
    assert local(edited.starts_at).isoformat() == "2019-03-08T17:30:00+01:00"
    assert edited.place == "Biblioteket"
    assert edited.address is None


def test_cancelling_asks_first_and_can_be_undone(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    auth.login()
    page = client.get(f"/staff/meetings/{meeting.id}").text
    assert "Öppen nu." in page
    assert f'href="/staff/meetings/{meeting.id}/cancel"' in page  # a link to the question
    assert client.post(f"/staff/meetings/{meeting.id}/cancel").status_code == 400  # no token
    question = client.get(f"/staff/meetings/{meeting.id}/cancel")
    assert (
        "Ställa in mötet?" in question.text
        and "Svar som redan kommit in finns kvar" in question.text
    )
    reread(session)
    assert not session.get(Meeting, meeting.id).is_cancelled  # type: ignore[union-attr]

    response = post_form(client, f"/staff/meetings/{meeting.id}/cancel", {})
    assert response.status_code == 302
    reread(session)
    assert session.get(Meeting, meeting.id).is_cancelled  # type: ignore[union-attr]
    page = client.get(f"/staff/meetings/{meeting.id}").text
    assert "Stängd: mötet är inställt." in page and "Återinför mötet" in page
    assert "Mötet är inställt" in client.get(f"/s/{meeting.code}").text

    response = client.post(
        f"/staff/meetings/{meeting.id}/reinstate", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    reread(session)
    assert not session.get(Meeting, meeting.id).is_cancelled  # type: ignore[union-attr]
    assert "<form" in client.get(f"/s/{meeting.code}").text
    log = client.get("/staff/admin/audit").text
    assert "Ställde in ett möte" in log and "Återinförde ett inställt möte" in log
    assert f"Hagalund, {meeting_when(meeting)} ({meeting.code})" in log


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2019, 2, 21), "Stängd. Tog emot svar till torsdag 7 mars 2019 klockan 20.00."),
        (date(2031, 2, 20), "Inte öppen än. Öppnar torsdag 20 februari 2031 klockan 17.00."),
    ],
)
def test_a_meeting_page_says_when_its_survey_opens_and_closes(
    client: FlaskClient, session: Session, auth: Auth, day: date, status: str
) -> None:
    meeting = make_meeting(session, day=day)
    auth.login()
    page = client.get(f"/staff/meetings/{meeting.id}").text
    assert status in re.sub(r"<[^>]+>", "", page)


def test_the_poster_shows_everything_a_passer_by_needs(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(
        session,
        district="Tjärna Ängar",
        place="Kulturhuset",
        address="Klöverstigen 10",
        day=date(2019, 2, 21),
    )
    auth.login()
    page = client.get(f"/staff/meetings/{meeting.id}/poster")
    assert page.status_code == 200
    html = page.text
    assert "Tjärna Ängar" in html
    assert "torsdag 21 februari 2019, 18.00–20.00" in html
    assert "Kulturhuset, Klöverstigen 10" in html
    assert "anonym enkät" in html
    assert f"trygg.example.se/s/{meeting.code}" in html
    assert "<svg" in html
    # The short invitation in each of the other five languages, each in its own direction.
    for lang, direction in (("en", "ltr"), ("ar", "rtl"), ("so", "ltr"), ("fa", "rtl")):
        assert f'<li lang="{lang}" dir="{direction}">' in html, lang
    assert '<li lang="fa-AF" dir="rtl">اینجا چقدر احساس امنیت می‌کنید؟' in html
    with client.get("/static/poster.css") as css:
        assert "@page" in css.text


def test_the_qr_code_encodes_the_public_short_link_not_the_request_host(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    auth.login()
    login = client.get_cookie("session")
    assert login is not None
    client.set_cookie("session", login.value, domain="internal-host")
    png = client.get(f"/staff/meetings/{meeting.id}/qr.png", base_url="http://internal-host:8080")
    assert png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [code.text for code in decoded] == [f"{BASE_URL}/q/{meeting.code}"]
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = client.get(f"/staff/meetings/{meeting.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.text.startswith("<svg") or svg.text.startswith("<?xml")
    assert "attachment" in svg.headers["Content-Disposition"]


def test_all_posters_of_a_year_print_one_per_sheet_without_cancelled_ones(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    first = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    second = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 10, 10))
    cancelled = make_meeting(session, district="Ornäs", place="ICA", day=date(2019, 9, 5))
    other_year = make_meeting(session, district="Årby", day=date(2020, 2, 20))
    cancelled.cancelled_at = cancelled.starts_at
    session.commit()
    auth.login()
    html = client.get("/staff/posters/2019").text
    assert html.count('class="poster"') == 2
    assert first.code in html and second.code in html
    assert cancelled.code not in html and other_year.code not in html


def test_preview_shows_the_survey_outside_its_window_and_stores_nothing(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    auth.login()
    page = client.get(f"/staff/meetings/{meeting.id}/preview")
    assert "Förhandsvisning" in page.text
    assert "<fieldset" in page.text
    response = client.post(
        f"/staff/meetings/{meeting.id}/preview",
        data={
            "csrf_token": csrf_token(page.text),
            "submission_key": "a" * 32,
            "safety_evening": "very_safe",
        },
    )
    assert "Ingenting sparades" in response.text
    assert client.get("/staff/export/responses.csv").text.count("\n") == 1


def test_the_district_page_and_the_csv_count_the_same_answers(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    hagalund = make_meeting(session, district="Hagalund")
    romme = make_meeting(session, district="Romme", place="Tunets IP")
    answers = [
        (hagalund, {"safety_evening": "very_safe", "problem_lighting": "very_big"}),
        (hagalund, {"safety_evening": "very_safe"}),
        (hagalund, {"safety_evening": "very_safe"}),
        (hagalund, {"safety_evening": "very_safe"}),
        (hagalund, {"safety_evening": "fairly_unsafe"}),
        (hagalund, {"safety_evening": "no_go_unsafe", "unsafe_place_other": '=HYPERLINK("x")'}),
        (romme, {"safety_evening": "fairly_unsafe"}),
    ]
    for meeting, given in answers:
        phone = app.test_client()
        _, data = answer(phone, meeting, **given)
        assert phone.post(f"/s/{meeting.code}", data=data).status_code == 303
    auth.login()
    page = client.get(f"/staff/districts/{hagalund.district_id}").text
    assert "de som svarade vid dialogerna, inte alla invånare" in page
    assert "6 av 6 svarade på frågan" in page  # the core question
    assert "66,7\u00a0%" in page  # four of six very safe
    assert "Andel otrygga (NTU:s definition)" in page
    assert "33,3\u00a0%" in page  # fairly unsafe, and not going out because of unsafety
    # Lighting has one answer: neither its shares nor how many answered are shown.
    assert "1 av 6 svarade på frågan" not in page
    assert "visas inte" in page
    romme_page = client.get(f"/staff/districts/{romme.district_id}").text
    assert "100,0\u00a0%" not in romme_page  # one answer: suppressed, not 100 % unsafe
    export = client.get("/staff/export/responses.csv?dialect=rfc4180")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 7
    hagalund_rows = [r for r in rows if r["district"] == "Hagalund"]
    assert len(hagalund_rows) == 6
    assert {r["meeting_code"] for r in hagalund_rows} == {hagalund.code}
    assert [r["safety_evening"] for r in hagalund_rows].count("very_safe") == 4
    assert hagalund_rows[5]["unsafe_place_other"] == ""  # free text waits for approval
    assert rows[0]["meeting_date"] == local(hagalund.starts_at).date().isoformat()
    assert list(rows[0])[:8] == [
        "response_id",
        "submitted_at",
        "district",
        "meeting_code",
        "meeting_date",
        "questionnaire_version",
        "channel",
        "language",
    ]
    assert "safer_how" in rows[0] and "problem_graffiti" in rows[0]


def test_the_district_list_names_every_district(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    make_meeting(session, district="Jakobsgårdarna", place="Nygårdsskolan")
    auth.login()
    assert "Jakobsgårdarna" in client.get("/staff/districts").text
    assert client.get("/staff/districts/999").status_code == 404


BORLANGE_LINES = (
    "Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo, Hagavägen 19\n"
    "Torsdag 5/9 kl. 18.00-20.00 Omäs, samling ICA, Torsångsvägen 119\n"
    "Fredag 32/13 kl 18-20 Någonstans\n"
)


def test_import_previews_then_creates_and_a_second_import_creates_nothing(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    for name in ("Hagalund", "Ornäs"):
        session.add(District(organisation_id=make_organisation(session).id, name=name))
    session.commit()
    auth.login()
    page = client.get("/staff/import")
    preview = client.post(
        "/staff/import",
        data={
            "csrf_token": csrf_token(page.text),
            "year": "2019",
            "text": BORLANGE_LINES,
            "action": "preview",
        },
    )
    html = preview.text
    assert preview.status_code == 200
    assert 'value="2019-02-21"' in html and 'value="2019-09-05"' in html
    assert 'value="Ornäs"' in html
    # Each warning sits beside the field it concerns, which names it as its description.
    assert 'aria-describedby="rows-1-district-warning"' in html
    district_cell = html[html.index('name="rows-1-district"') :].split("</td>")[0]
    assert "Tolkade &#39;Omäs&#39; som &#39;Ornäs&#39;." in district_cell
    day_cell = html[html.index('name="rows-2-day"') :].split("</td>")[0]
    assert "Datumet &#39;32/13&#39; finns inte år 2019." in day_cell
    assert meeting_count(session) == 0  # a preview stores nothing

    form = {
        "csrf_token": csrf_token(html),
        "year": "2019",
        "text": BORLANGE_LINES,
        "action": "confirm",
        "rows-0-include": "y",
        "rows-0-day": "2019-02-21",
        "rows-0-start": "18:00",
        "rows-0-end": "20:00",
        "rows-0-district": "Hagalund",
        "rows-0-place": "Tempo",
        "rows-0-address": "Hagavägen 19",
        "rows-1-include": "y",
        "rows-1-day": "2019-09-05",
        "rows-1-start": "18:00",
        "rows-1-end": "20:00",
        "rows-1-district": "Ornäs",
        "rows-1-place": "ICA Ornäs",  # corrected by staff
        "rows-1-address": "Torsångsvägen 119",
        "rows-2-day": "",  # the unreadable row, dropped
    }
    done = client.post("/staff/import", data=form)
    assert done.status_code == 302
    assert "2 möten skapades. 0 fanns redan." in client.get("/staff/").text
    assert meeting_count(session) == 2
    assert (
        session.scalar(select(Meeting.place).where(Meeting.address == "Torsångsvägen 119"))
        == "ICA Ornäs"
    )

    again = client.post("/staff/import", data=form)
    assert again.status_code == 302
    assert "0 möten skapades. 2 fanns redan." in client.get("/staff/").text
    assert meeting_count(session) == 2


def test_import_preview_leaves_doubtful_rows_unticked(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    """A row with a warning (a corrected OCR slip, a weekday that does not match the date, an
    unknown district) is shown but waits for staff to tick it; a clean row is ticked."""
    for name in ("Hagalund", "Ornäs"):
        session.add(District(organisation_id=make_organisation(session).id, name=name))
    session.commit()
    auth.login()
    text = BORLANGE_LINES + "Måndag 21/3 kl. 18.00-20.00 Hagalund, samling Tempo\n"
    html = post_form(
        client, "/staff/import", {"year": "2019", "text": text, "action": "preview"}
    ).text
    ticked = {
        int(m.group(1)): "checked" in m.group(0)
        for m in re.finditer(r"<input[^>]*id=\"rows-(\d+)-include\"[^>]*>", html)
    }
    assert ticked == {0: True, 1: False, 2: False, 3: False}
    assert "Tolkade &#39;Omäs&#39; som &#39;Ornäs&#39;." in html  # the reason stays in view


def test_import_preview_flags_what_is_already_scheduled(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    make_meeting(session, district="Hagalund", day=date(2019, 2, 21), start=time(18), end=time(20))
    auth.login()
    page = client.get("/staff/import")
    preview = client.post(
        "/staff/import",
        data={
            "csrf_token": csrf_token(page.text),
            "year": "2019",
            "text": BORLANGE_LINES,
            "action": "preview",
        },
    )
    assert preview.text.count("Finns redan, skapas inte igen.") == 1


def test_import_with_a_bad_row_shows_errors_and_stores_nothing(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    auth.login()
    response = post_form(
        client,
        "/staff/import",
        {
            "year": "2019",
            "text": BORLANGE_LINES,
            "action": "confirm",
            "rows-0-include": "y",
            "rows-0-day": "2019-02-21",
            "rows-0-start": "20:00",
            "rows-0-end": "18:00",
            "rows-0-district": "Hagalund",
            "rows-0-place": "Tempo",
        },
    )
    assert response.status_code == 400
    assert "Sluttiden måste vara efter starttiden." in response.text
    assert meeting_count(session) == 0


def test_import_of_empty_text_says_what_is_missing(client: FlaskClient, auth: Auth) -> None:
    auth.login()
    page = client.get("/staff/import")
    response = client.post(
        "/staff/import",
        data={"csrf_token": csrf_token(page.text), "year": "1800", "text": "", "action": "preview"},
    )
    assert response.status_code == 400
    assert "Fyll i fältet." in response.text
    assert "Ange ett år mellan 2000 och 2100." in response.text


def test_the_csv_download_gives_its_database_connection_back(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    make_meeting(session)
    auth.login()
    with client.get("/staff/export/responses.csv") as export:
        assert export.text.startswith("\ufeffresponse_id;")
    session.close()
    assert app.extensions["feedback.sessionmaker"].kw["bind"].pool.checkedout() == 0


def test_the_login_page_says_why_a_visitor_was_sent_there(client: FlaskClient) -> None:
    sent = client.get("/staff/districts", follow_redirects=True)
    assert "Logga in för att se sidan." in sent.text
    assert "Log in to see the page." in client.get("/login?next=/staff/&lang=en").text
    assert "Logga in för att se sidan." not in client.get("/login?lang=sv").text


def test_bad_years_ids_and_languages_in_staff_addresses_are_refused_with_a_reason(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    auth.login()
    assert client.get("/staff/posters/2019").status_code == 200
    for year in ("0", "1899", "99999"):
        response = client.get(f"/staff/posters/{year}")
        assert response.status_code == 404, year
        assert "Ange ett år med siffror, mellan 1900 och 2100." in response.text
    assert client.get("/staff/posters/99999999999999999999").status_code == 404
    for district in ("abc", "-1", "99999999999999999999"):
        response = client.get("/staff/", query_string={"district": district})
        assert response.status_code == 400, district
        assert "Parametern district ska vara ett id (ett heltal)." in response.text
    paper = client.get(
        f"/staff/meetings/{meeting.id}/paper-entry", query_string={"paper_language": "xx"}
    )
    assert paper.status_code == 400
    assert "Parametern paper_language kan bara vara ar, en, fa, fa_AF, so, sv." in paper.text
    assert client.get("/staff/meetings/2147483648").status_code == 404


@pytest.mark.clock
def test_the_import_proposes_stockholms_year_in_the_first_hour_of_the_new_year(
    client: FlaskClient, auth: Auth, clock: time_machine.Coordinates
) -> None:
    clock.move_to(datetime.fromisoformat("2027-01-01T00:10:00+01:00"))  # still 2026 in UTC
    auth.login()
    page = client.get("/staff/import")
    assert re.search(r'name="year"[^>]*value="2027"', page.text), page.text


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ('[["day", "Datumet finns inte."]]', {"day": ["Datumet finns inte."]}),
        ("inte json", {}),
        ('{"day": 1}', {}),
        ("[1, 2]", {}),
        ('[["day", "a", "b"]]', {}),
        ("", {}),
    ],
)
def test_import_row_warnings_sent_back_are_read_or_dropped(
    app: Flask, sent: str, shown: dict[str, list[str]]
) -> None:
    """The preview's warnings come back in a hidden field; whatever a browser sends there is
    shown as the fields' warnings only when it is the preview's own pairs."""
    with app.test_request_context(method="POST", data={"warnings": sent}):
        assert ImportRowForm(request.form).concerns() == shown
