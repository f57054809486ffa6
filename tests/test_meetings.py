"""Meetings: codes that survive a poster, Stockholm times, and the survey window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from feedback.export import neutralise
from feedback.i18n import meeting_when, percent
from feedback.meetings import (
    CODE_ALPHABET,
    MeetingFields,
    find_by_code,
    import_meetings,
    local,
    local_datetime,
    new_code,
    survey_window,
)
from feedback.qr import version
from tests.conftest import make_meeting, make_organisation


def test_codes_are_random_and_use_no_easily_confused_characters() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert not set("".join(codes)) & set("0O1IL2Z5S6G8B")
    assert set("".join(codes)) <= set(CODE_ALPHABET)


def test_a_short_link_keeps_the_qr_code_small() -> None:
    assert version(f"https://trygghet.borlange.se/s/{new_code()}") <= 3


def test_times_are_stored_in_utc_and_shown_in_stockholm_time(session: Session) -> None:
    winter = make_meeting(session, day=date(2019, 2, 21))
    summer = make_meeting(session, district="Romme", day=date(2019, 6, 20))
    assert winter.starts_at == datetime(2019, 2, 21, 17, tzinfo=UTC)
    assert summer.starts_at == datetime(2019, 6, 20, 16, tzinfo=UTC)
    assert meeting_when(winter) == "torsdag 21 februari 2019, 18.00–20.00"
    assert meeting_when(summer) == "torsdag 20 juni 2019, 18.00–20.00"
    session.expire_all()
    found = find_by_code(session, f" {winter.code.lower()} ")
    assert found is not None
    assert found.starts_at == datetime(2019, 2, 21, 17, tzinfo=UTC)


def test_the_window_runs_from_an_hour_before_to_two_weeks_after(session: Session) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    window = survey_window(meeting, 60, 14)
    start = local_datetime(date(2019, 2, 21), time(18))
    assert not window.is_open(start - timedelta(minutes=61))
    assert window.is_open(start - timedelta(minutes=60))
    assert window.is_open(start + timedelta(days=14, hours=1, minutes=59))
    assert not window.is_open(start + timedelta(days=14, hours=2))


def test_importing_the_same_meetings_twice_creates_nothing_new(session: Session) -> None:
    rows = [
        MeetingFields("Hagalund", date(2019, 2, 21), time(18), time(20), "Tempo", None),
        MeetingFields("hagalund", date(2019, 3, 7), time(18), time(20), "Tempo", None),
    ]
    first = import_meetings(session, make_organisation(session).id, rows)
    second = import_meetings(session, make_organisation(session).id, rows)
    assert (len(first.created), len(first.existing)) == (2, 0)
    assert (len(second.created), len(second.existing)) == (0, 2)
    assert {m.district.name for m in first.created} == {"Hagalund"}


def test_spreadsheet_formulas_are_neutralised() -> None:
    for payload in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(payload) == "'" + payload
    assert neutralise("Mörkt vid tunneln") == "Mörkt vid tunneln"


def test_shares_are_written_the_swedish_way() -> None:
    assert percent(5, 8) == "62,5\u00a0%"
    assert percent(0, 0) == "–"


def test_a_meeting_without_a_readable_date_or_time_is_refused_before_the_database() -> None:
    good = {"district": "Hagalund", "place": "Tempo", "address": None}
    for day, start, end in [
        (None, time(18), time(20)),
        (date(2019, 2, 21), None, time(20)),
        (date(2019, 2, 21), time(18), None),
        (date(1, 1, 1), time(18), time(20)),  # no UTC date before it in Stockholm
        (date(9999, 12, 31), time(18), time(20)),
    ]:
        with pytest.raises(ValueError, match="a meeting"):
            MeetingFields(day=day, start=start, end=end, **good)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a district, a place"):
        MeetingFields("Hagalund", date(2019, 2, 21), time(18), time(20), None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "closes"),
    [
        (date(2027, 3, 25), "2027-04-08 20:00"),  # summer time begins in between
        (date(2027, 10, 28), "2027-11-11 20:00"),  # and ends
    ],
)
def test_the_survey_closes_at_the_meetings_hour_across_daylight_saving(
    session: Session, day: date, closes: str
) -> None:
    meeting = make_meeting(session, day=day, start=time(18), end=time(20))
    session.refresh(meeting)  # as the app reads it: in UTC
    window = survey_window(meeting, opens_minutes_before=60, closes_days_after=14)
    assert local(window.closes_at).strftime("%Y-%m-%d %H:%M") == closes
