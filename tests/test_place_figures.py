"""Places ranked: how many of those who answered the place question named each place, per
district and year, with intervals, the disclosure rules, the trend and the approved texts."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from datetime import date, time

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from feedback import disclosure, questionnaire
from feedback.meetings import get_or_create_district
from feedback.models import Meeting, Place
from feedback.moderation import moderate, queue
from feedback.places import NONE_OF_THEM, import_places, list_places, parse_places, place_indicators
from feedback.reports import places_question
from feedback.responses import Submission, record_response
from tests.conftest import Auth, make_meeting, make_organisation

MIN = 5


def _indicators(session: Session, *names: str) -> tuple[list[Place], list[str]]:
    district = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    import_places(session, district, parse_places("\n".join(names), None))
    session.commit()
    places = list_places(session, [district.id])
    question = places_question(questionnaire.current())
    assert question is not None
    return places, [i.key for i in place_indicators(question, places)]


def _cleared(
    session: Session, named: dict[str, int], answered: int, shown: bool = True
) -> tuple[int | None, dict[str, int | None]]:
    """Clear counts by code ("a", "b" for the first two places, "other", "none")."""
    places, _ = _indicators(session, "A", "B")
    question = places_question(questionnaire.current())
    assert question is not None
    indicators = place_indicators(question, places)
    ids = {"a": str(places[0].id), "b": str(places[1].id)}
    counts = Counter({ids.get(code, code): n for code, n in named.items()})
    published, figures = disclosure.places(answered, counts, indicators, NONE_OF_THEM, shown, MIN)
    names = {v: k for k, v in ids.items()}
    return published, {
        names.get(next(iter(f.indicator.codes)), next(iter(f.indicator.codes))): (
            f.estimate.count if f.estimate else None
        )
        for f in figures
    }


def test_places_are_shares_of_those_who_answered_and_small_counts_are_withheld(
    session: Session,
) -> None:
    assert _cleared(session, {"a": 9, "b": 6, "none": 5}, 18) == (
        18,
        {"a": 9, "b": 6, "other": 0, "none": 5},
    )
    # B named by 2: withheld, and so is "no place", else 18 - none - ... would narrow it down.
    assert _cleared(session, {"a": 9, "b": 2, "none": 8}, 17) == (
        17,
        {"a": 9, "b": None, "other": 0, "none": None},
    )


def test_no_place_and_the_only_place_named_are_withheld_together(session: Session) -> None:
    # Only A was named: those who answered less "no place" are A's count, and the other way.
    assert _cleared(session, {"a": 10, "none": 2}, 12) == (
        12,
        {"a": None, "b": 0, "other": 0, "none": None},
    )


def test_nothing_is_published_below_the_threshold_or_where_the_year_is_withheld(
    session: Session,
) -> None:
    assert _cleared(session, {"a": 4}, 4) == (None, dict.fromkeys(["a", "b", "other", "none"]))
    assert _cleared(session, {"a": 9, "none": 9}, 18, shown=False)[0] is None
    assert _cleared(session, {}, 0) == (0, {"a": 0, "b": 0, "other": 0, "none": 0})


def _respond(session: Session, meeting: Meeting, *codes: str, other: str = "") -> None:
    answers = {f"unsafe_places:{code}": code for code in codes}
    if other:
        answers["unsafe_place_other"] = other
    submission = Submission(
        meeting=meeting,
        questionnaire=questionnaire.current(),
        answers={"safety_evening": "very_safe", **answers},
        submission_key=uuid.uuid4().hex,
        channel="qr",
        language="sv",
    )
    assert record_response(session, submission)
    session.commit()


@pytest.fixture
def named(session: Session) -> dict[str, str]:
    """Hagalund this year: 12 answered the place question, Resecentrum named by 8, the
    tunnel by 6, the car park by 2, another place by 1, none by 2; one more response skipped
    it. Last year, at an earlier meeting, 10 answered and the tunnel was named by 5."""
    meeting = make_meeting(session, district="Hagalund")
    places, _ = _indicators(session, "Resecentrum", "Gångtunneln", "Parkeringen")
    ids = {p.name: str(p.id) for p in places}
    station, tunnel, car_park = ids["Resecentrum"], ids["Gångtunneln"], ids["Parkeringen"]
    for codes in [(station, tunnel)] * 5 + [(station,)] * 2 + [(tunnel, car_park)]:
        _respond(session, meeting, *codes)
    _respond(session, meeting, station, car_park, "other", other="Bakom affären vid torget")
    _respond(session, meeting, tunnel)
    _respond(session, meeting, "none")
    _respond(session, meeting, "none")
    _respond(session, meeting)  # did not answer the place question
    last = date.today().year - 1
    before = make_meeting(session, district="Hagalund", day=date(last, 5, 2), start=time(18))
    for code in [tunnel] * 5 + ["none"] * 5:
        _respond(session, before, code)
    return ids


def _rows(html: str, caption: str) -> list[list[str]]:
    table = re.search(rf"<caption>{caption}</caption>(.*?)</table>", html, re.S)
    assert table, caption
    return [
        [
            re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[1], re.S)
    ]


def _ranked(client: FlaskClient, session: Session, page_path: str) -> tuple[str, list[list[str]]]:
    """A page of Hagalund's this year (its path after the district's), and its place table."""
    district = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    year = date.today().year
    page = client.get(f"/staff/districts/{district.id}{page_path}?year={year}").text
    return page, _rows(page, f"Andel som nämnde platsen, {year}")


def test_the_district_page_ranks_the_places_with_intervals_and_withholds_the_few(
    client: FlaskClient, session: Session, auth: Auth, named: dict[str, str]
) -> None:
    auth.login()
    page, rows = _ranked(client, session, "")
    district, year = (
        get_or_create_district(session, make_organisation(session).id, "Hagalund"),
        date.today().year,
    )
    assert (
        "12 av 13 svarade på frågan ”Finns det någon plats här där du känner dig otrygg?”" in page
    )
    ranked = [(r[1], r[2]) for r in rows[1:]]
    assert ranked == [
        ("Resecentrum", "66,7\u00a0%"),
        ("Gångtunneln", "58,3\u00a0%"),
        ("Parkeringen", "visas inte"),
        ("En annan plats", "visas inte"),
    ]
    assert rows[1][0] == "1–2 ungefär lika ofta"  # 8 and 7 of 12 cannot be told apart
    assert 'Nej, ingen särskild plats: <span class="withheld">visas inte</span>' in page
    # The other place's words show once approved, and only then, among the places.
    assert "Bakom affären vid torget" not in page
    [waiting] = queue(session, district.id)
    moderate(session, waiting, "approve", "granskare@borlange.se")
    session.commit()
    page = client.get(f"/staff/districts/{district.id}?year={year}").text
    places_section = page[page.index("Otrygga platser") : page.index("Platserna över åren")]
    assert "<li>Bakom affären vid torget</li>" in places_section
    assert page.count("Bakom affären vid torget") == 1
    trend = _rows(page, "Andel som nämnde platsen, per år")
    assert trend[0] == ["Plats", str(year - 1), str(year)]
    assert trend[1][0] == "Gångtunneln" and trend[1][1].startswith("50,0\u00a0%")
    assert trend[1][2].startswith("58,3\u00a0%")


def test_the_export_and_the_api_carry_the_same_place_figures(
    client: FlaskClient, session: Session, auth: Auth, named: dict[str, str]
) -> None:
    auth.login()
    year = date.today().year
    sent = client.get(f"/staff/export/aggregates.csv?year={year}&dialect=rfc4180")
    assert sent.status_code == 200
    rows = list(csv.DictReader(io.StringIO(sent.text)))
    places = {r["indicator"]: r for r in rows if r["indicator"].startswith("unsafe_places:")}
    station = places[f"unsafe_places:{named['Resecentrum']}"]
    assert (station["label"], station["n"], station["suppressed"]) == ("Resecentrum", "12", "false")
    assert float(station["share"]) == pytest.approx(8 / 12)
    car_park = places[f"unsafe_places:{named['Parkeringen']}"]
    assert (car_park["n"], car_park["share"], car_park["suppressed"]) == ("", "", "true")
    assert "otrygga platser" in station["denominator"]

    found = client.get(f"/api/v1/indicators?year={year}").get_json()["indicators"]
    by_key = {p["indicator"]: p for p in found}
    assert by_key[f"unsafe_places:{named['Resecentrum']}"]["share"] == pytest.approx(8 / 12)
    assert by_key[f"unsafe_places:{named['Parkeringen']}"]["suppressed"] is True
    assert by_key[f"unsafe_places:{named['Parkeringen']}"]["n"] is None


def test_the_pledge_basis_print_ranks_the_places_of_the_year(
    client: FlaskClient, session: Session, auth: Auth, named: dict[str, str]
) -> None:
    auth.login()
    _, rows = _ranked(client, session, "/basis")
    assert [(r[1], r[2]) for r in rows[1:3]] == [
        ("Resecentrum", "66,7\u00a0%"),
        ("Gångtunneln", "58,3\u00a0%"),
    ]
    # A municipality-wide basis has no place table: places belong to one district.
    year = date.today().year
    assert "Andel som nämnde platsen" not in client.get(f"/staff/basis?year={year}").text
