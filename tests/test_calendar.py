"""The calendar feeds: what a calendar app reads from them, and the RFC 5545 bytes themselves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from icalendar import Calendar, Component
from sqlalchemy.orm import Session

from feedback.calendar import fold, ics, text_line
from feedback.meetings import LOCAL_TZ, cancel_meeting
from feedback.models import District, Meeting
from tests.conftest import BASE_URL, make_meeting

# Calendar feeds (instants, DST, DTSTAMP): CI reruns these at each instant in .ci/run.
pytestmark = pytest.mark.clock

# The control characters RFC 5545 leaves out of TEXT: all of US-ASCII's but HTAB and LF (which
# is written as \n). CR is among them: a CRLF or lone CR in the input is a line break too.
CONTROLS = "".join(chr(c) for c in [*range(0x09), *range(0x0B, 0x20), 0x7F])
# Everything TEXT can carry: any character UTF-8 can encode, but the forbidden controls.
WRITABLE = st.text(st.characters(codec="utf-8", exclude_characters=CONTROLS))
NOW = datetime(2019, 2, 14, 10, tzinfo=LOCAL_TZ)
LONG_PLACE = "Träffpunkt Gårdsängen, övre våningen vid den stora glasentrén mot Åbrånsgatan"


def feed(client: FlaskClient, url: str) -> tuple[bytes, Calendar]:
    """A feed's raw bytes, and the calendar that the icalendar library reads from them."""
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.data, Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, Component]:
    """The calendar's events by UID."""
    found = calendar.walk("VEVENT")
    by_uid = {str(event["UID"]): event for event in found}
    assert len(by_uid) == len(found), "UIDs are not unique"
    return by_uid


def uid(meeting: Meeting) -> str:
    """The UID a meeting's event carries."""
    return f"{meeting.code}@trygghetsdialog"


def physical_lines(raw: bytes) -> list[bytes]:
    """The physical lines of a feed, after checking that each ends with CRLF."""
    assert raw.endswith(b"\r\n")
    lines = raw[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
    return lines


def unfold(text: str) -> list[str]:
    """The content lines of folded text (RFC 5545 3.1): a CRLF and one space are removed."""
    assert text.endswith("\r\n")
    return text[:-2].replace("\r\n ", "").split("\r\n")


def unescape(value: str) -> str:
    """A TEXT value with its escapes read back, written independently of the code under test."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def test_the_schedule_holds_every_meeting_of_every_year_at_the_right_instant(
    client: FlaskClient, session: Session
) -> None:
    winter = make_meeting(
        session,
        district="Tjärna Ängar",
        day=date(2019, 2, 21),
        start=time(18),
        end=time(20),
        place="Kulturhuset",
        address="Storgatan 3",
    )
    summer = make_meeting(
        session, district="Hagalund", day=date(2020, 9, 10), start=time(18), end=time(19, 30)
    )
    later = make_meeting(session, district="Hagalund", day=date(2031, 5, 6), address=None)

    raw, calendar = feed(client, "/kalender.ics")

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Trygghetsdialog//SV"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Trygghetsdialoger"
    found = events(calendar)
    assert set(found) == {uid(winter), uid(summer), uid(later)}
    event = found[uid(winter)]
    # 18.00–20.00 in Stockholm in February (CET, UTC+1) is 17.00–19.00 UTC.
    assert event.decoded("DTSTART") == datetime(2019, 2, 21, 17, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2019, 2, 21, 19, tzinfo=UTC)
    assert b"DTSTART:20190221T170000Z\r\n" in raw and b"DTEND:20190221T190000Z\r\n" in raw
    # In September it is summer time (CEST, UTC+2).
    assert found[uid(summer)].decoded("DTSTART") == datetime(2020, 9, 10, 16, tzinfo=UTC)
    assert found[uid(summer)].decoded("DTEND") == datetime(2020, 9, 10, 17, 30, tzinfo=UTC)
    for meeting in (winter, summer, later):
        assert found[uid(meeting)].decoded("DTSTART") == meeting.starts_at
        assert found[uid(meeting)].decoded("DTEND") == meeting.ends_at
    assert str(event["SUMMARY"]) == "Trygghetsdialog i Tjärna Ängar"
    assert str(event["LOCATION"]) == "Kulturhuset, Storgatan 3"
    assert str(found[uid(later)]["LOCATION"]) == "Tempo"
    assert str(event["URL"]) == f"{BASE_URL}/s/{winter.code}"
    text = str(event["DESCRIPTION"])
    assert "Välkommen till en trygghetsdialog i Tjärna Ängar!" in text
    assert f"{BASE_URL}/s/{winter.code}" in text
    assert text.endswith("Tiderna är preliminära.")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert "VTIMEZONE" not in {component.name for component in calendar.walk()}


def test_cancelled_meetings_stay_in_the_feeds_marked_cancelled(
    client: FlaskClient, session: Session
) -> None:
    kept = make_meeting(session, district="Hagalund", day=date(2030, 3, 5))
    cancelled = make_meeting(session, district="Tjärna Ängar", day=date(2030, 3, 12))
    cancel_meeting(session, cancelled)
    session.commit()

    _, calendar = feed(client, "/kalender.ics")
    found = events(calendar)
    assert str(found[uid(kept)]["STATUS"]) == "CONFIRMED"
    event = found[uid(cancelled)]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 1  # higher than before, so clients take the change
    assert str(event["DESCRIPTION"]).startswith("Mötet är inställt.")
    assert event.decoded("DTSTART") == cancelled.starts_at

    _, single = feed(client, f"/moten/{cancelled.code}.ics")
    assert str(events(single)[uid(cancelled)]["STATUS"]) == "CANCELLED"


def test_one_meetings_feed_is_found_by_its_code_in_any_case(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session, district="Tjärna Ängar", day=date(2019, 2, 21))
    make_meeting(session, district="Hagalund", day=date(2019, 2, 21))

    response = client.get(f"/moten/{meeting.code.lower()}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'inline; filename="{meeting.code}.ics"'
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Trygghetsdialog i Tjärna Ängar"
    found = events(calendar)
    assert list(found) == [uid(meeting)]
    assert str(found[uid(meeting)]["URL"]) == f"{BASE_URL}/s/{meeting.code}"
    assert found[uid(meeting)].decoded("DTSTART") == datetime(2019, 2, 21, 17, tzinfo=UTC)


def test_an_unknown_code_gives_a_swedish_404(client: FlaskClient, session: Session) -> None:
    make_meeting(session)
    page = client.get("/moten/XXXXXXX.ics")
    assert page.status_code == 404
    assert "Sidan finns inte" in page.text
    assert "BEGIN:VCALENDAR" not in page.text


def test_the_feeds_need_no_login_and_may_be_cached(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    for url, filename in [
        ("/kalender.ics", "trygghetsdialog.ics"),
        (f"/moten/{meeting.code}.ics", f"{meeting.code}.ics"),
    ]:
        response = client.get(url)  # a client that never logged in
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'inline; filename="{filename}"'
        assert response.cache_control.public
        assert response.cache_control.max_age == 600
        assert "Set-Cookie" not in response.headers  # a shared cache must not keep a session


def test_the_empty_schedule_is_still_a_calendar(client: FlaskClient) -> None:
    raw, calendar = feed(client, "/kalender.ics")
    assert calendar.walk("VEVENT") == []
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")


def test_every_line_ends_with_crlf_and_long_swedish_lines_fold_between_characters(
    client: FlaskClient, session: Session
) -> None:
    place = "T" + "ö" * 60
    # Cut at 75 bytes, this line would split an ö in two: the test can catch a byte-wise fold.
    with pytest.raises(UnicodeDecodeError):
        f"LOCATION:{place}".encode()[:75].decode()
    meeting = make_meeting(
        session, district="Gårdsängen", day=date(2030, 4, 2), place=place, address=LONG_PLACE
    )

    raw, calendar = feed(client, "/kalender.ics")

    lines = physical_lines(raw)
    assert all(len(line) <= 75 for line in lines), [line for line in lines if len(line) > 75]
    for line in lines:
        line.decode()  # strict: a multi-byte character split across lines would fail here
    continued = [line for line in lines if line.startswith(b" ")]
    assert len(continued) >= 3  # LOCATION and the long DESCRIPTION were folded
    event = events(calendar)[uid(meeting)]
    assert str(event["LOCATION"]) == f"{place}, {LONG_PLACE}"
    assert "Välkommen till en trygghetsdialog i Gårdsängen!" in str(event["DESCRIPTION"])


def test_commas_semicolons_backslashes_and_newlines_are_escaped(
    client: FlaskClient, session: Session
) -> None:
    place = r"Café; Bar, Kök \ Salen"
    meeting = make_meeting(session, day=date(2030, 4, 2), place=place, address="Storgatan 1")

    raw, calendar = feed(client, f"/moten/{meeting.code}.ics")

    content = unfold(raw.decode())
    assert r"LOCATION:Café\; Bar\, Kök \\ Salen\, Storgatan 1" in content
    description = next(line for line in content if line.startswith("DESCRIPTION:"))
    assert "\\n\\n" in description  # paragraphs, as escaped newlines on one content line
    event = events(calendar)[uid(meeting)]
    assert str(event["LOCATION"]) == f"{place}, Storgatan 1"
    assert "\n\nTiderna är preliminära." in str(event["DESCRIPTION"])


def test_the_uid_is_stable_and_dtstamp_is_the_given_moment_in_utc() -> None:
    meeting = Meeting(
        code="K7QX2MA",
        district=District(name="Tjärna Ängar"),
        starts_at=datetime(2019, 2, 21, 17, tzinfo=UTC),
        ends_at=datetime(2019, 2, 21, 19, tzinfo=UTC),
        place="Kulturhuset",
        address=None,
        created_at=datetime(2019, 1, 2, 9, 30, tzinfo=UTC),
    )
    first = ics([meeting], name="Test", survey_url=lambda m: f"{BASE_URL}/s/{m.code}", now=NOW)
    later = ics(
        [meeting],
        name="Test",
        survey_url=lambda m: f"{BASE_URL}/s/{m.code}",
        now=datetime(2019, 7, 1, 12, tzinfo=LOCAL_TZ),
    )
    assert "UID:K7QX2MA@trygghetsdialog\r\n" in first and "UID:K7QX2MA@trygghetsdialog\r\n" in later
    assert "DTSTAMP:20190214T090000Z\r\n" in first  # 10.00 Stockholm winter time
    assert "DTSTAMP:20190701T100000Z\r\n" in later  # 12.00 Stockholm summer time
    assert "CREATED:20190102T093000Z\r\n" in first
    assert "LOCATION:Kulturhuset\r\n" in first
    with pytest.raises(ValueError, match="naive"):
        ics([meeting], name="Test", survey_url=str, now=datetime(2019, 2, 14, 10))


def check_line(line: str, name: str) -> str:
    """The value of one folded content line, after checking its physical lines."""
    assert line.endswith("\r\n")
    physical = line[:-2].split("\r\n")
    assert all(len(part.encode()) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert not any("\r" in part or "\n" in part for part in physical)
    [content] = unfold(line)
    assert content.startswith(f"{name}:")
    return content.removeprefix(f"{name}:")


@given(WRITABLE)
@example("")
@example("ö" * 200)
@example("a" * 200)
@example("a" + "🙂" * 40)
@example("Möte; kl. 18, sal 2\\3\nVälkommen!")
def test_folded_and_escaped_text_reads_back_as_written(text: str) -> None:
    value = check_line(text_line("DESCRIPTION", text), "DESCRIPTION")
    # Nothing special is left bare: only whole escapes carry \ ; , and line breaks.
    assert not re.search(r"[\\;,\n]", re.sub(r"\\[\\;,n]", "", value))
    assert unescape(value) == text


@given(st.text(st.characters(codec="utf-8")))
@example("rad ett\r\nrad två\rrad tre\x00\x07\x7f\tslut")
def test_any_text_gives_valid_lines_with_line_breaks_kept_and_other_controls_dropped(
    text: str,
) -> None:
    value = check_line(text_line("SUMMARY", text), "SUMMARY")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(c for c in expected if c not in CONTROLS or c in "\t\n")
    assert unescape(value) == expected


@given(st.text(st.characters(codec="utf-8", exclude_characters="\r\n")))
@example("a" * 200)
@example("ö" * 100)
def test_fold_alone_keeps_every_character(line: str) -> None:
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert unfold(folded + "\r\n") == [line]
