"""Tests for reading published meeting schedules into meetings."""

import json
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.schedule import ParsedMeeting, parse_schedule

SEED = Path(__file__).parents[1] / "feedback" / "seeds" / "borlange-medborgarloften-2019.txt"
BORLANGE = (
    "Hagalund", "Domnarvet", "Kvarnsveden", "Bullermyren", "Tjärna Ängar",
    "Årby", "Romme", "Jakobsgårdarna", "Ornäs", "Idkerberget",
)  # fmt: skip

# From DOMAIN.md, "The Borlänge 2019 schedule"; the last column says whether the published
# text misspells something on that row, so the row must carry a warning.
SEED_MEETINGS = [
    (date(2019, 2, 21), "Hagalund", "Tempo", "Hagavägen 19", False),
    (date(2019, 3, 7), "Domnarvet", "Domnarvets skola", "Honefsgatan 9", False),
    (date(2019, 3, 14), "Kvarnsveden", "Kvarnforsplan", "Kvarnforsplan 1", True),
    (date(2019, 3, 21), "Bullermyren", "Ängsplan", "Allfarvägen 61 A", False),
    (date(2019, 3, 28), "Tjärna Ängar", "Kulturhuset", "Klöverstigen 10", True),
    (date(2019, 4, 11), "Årby", "Årbygårdens förskola", "Årbyvägen 99", False),
    (date(2019, 4, 25), "Romme", "Tunets IP", "Paradgatan 6", False),
    (date(2019, 5, 9), "Jakobsgårdarna", "Nygårdsskolan", "Studievägen 60", True),
    (date(2019, 9, 5), "Ornäs", "ICA", "Torsångsvägen 119", True),
    (date(2019, 9, 12), "Tjärna Ängar", "Kulturhuset", "Klöverstigen 10", True),
    (date(2019, 9, 19), "Idkerberget", "skolan", "Skolvägen 5", False),
    (date(2019, 9, 26), "Jakobsgårdarna", "Nygårdsskolan", "Studievägen 60", True),
    (date(2019, 10, 3), "Kvarnsveden", "Kvarnforsplan", None, False),
    (date(2019, 10, 10), "Romme", "Tunets IP", None, False),
]


def parse_one(text: str, year: int = 2019, **known: tuple[str, ...]) -> ParsedMeeting:
    meetings = parse_schedule(text, year, known.get("districts", BORLANGE), known.get("places", ()))
    assert len(meetings) == 1, meetings
    return meetings[0]


def test_borlange_seed_yields_the_fourteen_published_meetings() -> None:
    meetings = parse_schedule(SEED.read_text(encoding="utf-8"), 2019, BORLANGE)

    got = [(m.date, m.district, m.place, m.address, bool(m.warnings)) for m in meetings]
    assert got == SEED_MEETINGS
    assert all(m.weekday_matches is True for m in meetings)
    assert all((m.start, m.end) == (time(18), time(20)) for m in meetings)


def test_borlange_seed_names_each_ocr_correction() -> None:
    meetings = parse_schedule(SEED.read_text(encoding="utf-8"), 2019, BORLANGE)

    assert meetings[2].warnings == ["Tolkade 'Kvamforsplan' som 'Kvarnforsplan'."]
    assert meetings[4].warnings == ["Tolkade 'Tjäma Ängar' som 'Tjärna Ängar'."]
    assert meetings[7].warnings == ["Tolkade 'Jakobsgårdama' som 'Jakobsgårdarna'."]
    assert meetings[8].warnings == ["Tolkade 'Omäs' som 'Ornäs'."]


def test_several_meetings_on_one_line_are_split_in_order() -> None:
    line = (
        "Torsdag 7/3 kl. 18.00-20.00 Domnarvet, samling Domnarvets skola, Honefsgatan 9 "
        "Torsdag 14/3 kl. 18.00-20.00 Kvarnsveden, samling Kvarnforsplan"
    )
    meetings = parse_schedule(line, 2019, BORLANGE)

    assert [(m.date, m.district, m.address) for m in meetings] == [
        (date(2019, 3, 7), "Domnarvet", "Honefsgatan 9"),
        (date(2019, 3, 14), "Kvarnsveden", None),
    ]
    assert meetings[0].source.endswith("Honefsgatan 9")


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        (
            "Tisdag 18/2 kl 18-20 Hagalund, samling Tempo",
            2020,
            (date(2020, 2, 18), True, time(18), time(20), "Hagalund", "Tempo", None),
        ),
        (
            "Onsdagen den 22 juni kl 17:00-18:30, ICA Karlsson",
            2022,
            (date(2022, 6, 22), True, time(17), time(18, 30), None, "ICA Karlsson", None),
        ),
        (
            "30 september, klockan 13-15, Nösnäsgymnasiet",
            2019,
            (date(2019, 9, 30), None, time(13), time(15), None, "Nösnäsgymnasiet", None),
        ),
        (
            "Torsdag 21/2 kl. 18.00 – 20.00 Hagalund, samling Tempo, Hagavägen 19",
            2019,
            (date(2019, 2, 21), True, time(18), time(20), "Hagalund", "Tempo", "Hagavägen 19"),
        ),
        (
            "TORSDAGEN den 21/2 klockan 18.00–20.00 Domnarvet, samling vid Domnarvets skola",
            2019,
            (date(2019, 2, 21), True, time(18), time(20), "Domnarvet", "Domnarvets skola", None),
        ),
        (
            "måndag 4 mars 18—19.30 Bullermyren, Ängsplan, Allfarvägen 61 A.",
            2019,
            (
                date(2019, 3, 4),
                True,
                time(18),
                time(19, 30),
                "Bullermyren",
                "Ängsplan",
                "Allfarvägen 61 A",
            ),
        ),
        (
            "lördagen den 5 okt. kl 10 - 12 romme, samling Tunets IP",
            2019,
            (date(2019, 10, 5), True, time(10), time(12), "Romme", "Tunets IP", None),
        ),
        (
            "söndagen 1 sept 13:00-15:00 Årby",
            2019,
            (date(2019, 9, 1), True, time(13), time(15), "Årby", None, None),
        ),
        (
            "Fredag 1 febr. kl 9-11 Idkerberget, skolan",
            2019,
            (date(2019, 2, 1), True, time(9), time(11), "Idkerberget", "skolan", None),
        ),
        (
            "12 dec kl 18-20 Hagalund samling Tempo",
            2019,
            (date(2019, 12, 12), None, time(18), time(20), "Hagalund", "Tempo", None),
        ),
    ],
)
def test_published_shapes_are_read(
    text: str,
    year: int,
    expected: tuple[object, ...],
) -> None:
    meeting = parse_one(text, year)

    got = (
        meeting.date,
        meeting.weekday_matches,
        meeting.start,
        meeting.end,
        meeting.district,
        meeting.place,
        meeting.address,
    )
    assert got == expected
    assert meeting.source == text
    if meeting.district is None:
        assert any("Ingen känd kommundel hittades" in w for w in meeting.warnings)
    else:
        assert meeting.warnings == []


def test_wrong_weekday_is_flagged() -> None:
    meeting = parse_one("Onsdag 21/2 kl 18-20 Hagalund")

    assert meeting.date == date(2019, 2, 21)
    assert meeting.weekday_matches is False
    assert meeting.warnings == [
        "Veckodagen stämmer inte: 21 februari 2019 är en torsdag, inte en onsdag."
    ]


def test_impossible_date_gives_a_warning_not_a_date() -> None:
    meeting = parse_one("Torsdag 31/2 kl 18-20 Hagalund")

    assert meeting.date is None
    assert meeting.weekday_matches is None
    assert meeting.district == "Hagalund"
    assert any("31/2" in w for w in meeting.warnings)


def test_leap_day_depends_on_the_year() -> None:
    assert parse_one("29/2 kl 18-20 Hagalund", 2020).date == date(2020, 2, 29)
    assert parse_one("29/2 kl 18-20 Hagalund", 2019).date is None


def test_entry_without_time_keeps_the_rest() -> None:
    meeting = parse_one("Torsdag 21/2 Hagalund, samling Tempo, Hagavägen 19")

    assert (meeting.start, meeting.end) == (None, None)
    assert (meeting.district, meeting.place, meeting.address) == (
        "Hagalund",
        "Tempo",
        "Hagavägen 19",
    )
    assert meeting.warnings == ["Ingen mötestid hittades."]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Torsdag 21/2 kl 20-18 Hagalund", time(20), time(18)),
        ("Torsdag 21/2 kl 18.00-18.00 Hagalund", time(18), time(18)),
        ("Torsdag 21/2 kl 18-25 Hagalund", time(18), None),
        ("Torsdag 21/2 kl 18.75-20 Hagalund", None, time(20)),
    ],
)
def test_impossible_times_are_flagged(text: str, start: time | None, end: time | None) -> None:
    meeting = parse_one(text)

    assert (meeting.start, meeting.end) == (start, end)
    assert meeting.date == date(2019, 2, 21)
    assert meeting.warnings


@pytest.mark.parametrize(
    "text",
    [
        "xx 99/99 zz",
        "123/456 blah blah",
        "Torsdag kl 18-20 Hagalund, samling Tempo",
        "Hagalund kl. 18.00-20.00",
        "Torsdag 21/2 kl 18-20 Hagalund, Torsdagen kl 18-20 Romme",
    ],
)
def test_entry_without_readable_date_is_reported_not_dropped(text: str) -> None:
    meetings = parse_schedule(text, 2019, BORLANGE)

    undated = [m for m in meetings if m.date is None]
    assert len(undated) == 1
    assert undated[0].warnings
    assert undated[0].source in text


@pytest.mark.parametrize(
    "text",
    [
        "Tiderna är preliminära och kan komma att förändras vid behov.",
        "Kommundelar som ska besökas under 2019",
        "Borlänge – medborgarlöften",
        "Mötena hålls på torsdag",
        "",
    ],
)
def test_prose_is_ignored(text: str) -> None:
    assert parse_schedule(text, 2019, BORLANGE) == []


def test_unknown_first_part_is_taken_as_district_to_confirm() -> None:
    meeting = parse_one("Torsdag 21/2 kl 18-20 Gylle, samling Gylle skola, Skolvägen 2")

    assert (meeting.district, meeting.place, meeting.address) == (
        "Gylle",
        "Gylle skola",
        "Skolvägen 2",
    )
    assert any("Gylle" in w and "bekräftas" in w for w in meeting.warnings)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Omäs", "Ornäs"),
        ("Tjäma Ängar", "Tjärna Ängar"),
        ("Jakobsgårdama", "Jakobsgårdarna"),
        ("Bullermyrn", "Bullermyren"),
        ("Hagalumd", "Hagalund"),
    ],
)
def test_misspelt_district_is_corrected_with_a_warning(written: str, canonical: str) -> None:
    meeting = parse_one(f"Torsdag 21/2 kl 18-20 {written}, samling Tempo")

    assert meeting.district == canonical
    assert meeting.warnings == [f"Tolkade '{written}' som '{canonical}'."]


def test_district_in_other_case_gets_canonical_spelling_without_warning() -> None:
    meeting = parse_one("torsdag 21/2 kl 18-20 TJÄRNA ÄNGAR, samling Kulturhuset")

    assert meeting.district == "Tjärna Ängar"
    assert meeting.warnings == []


def test_dissimilar_district_is_not_forced_onto_a_known_one() -> None:
    meeting = parse_one("Torsdag 21/2 kl 18-20 Hagaberg, samling Tempo")

    assert meeting.district == "Hagaberg"
    assert any("bekräftas" in w for w in meeting.warnings)


def test_place_is_corrected_from_known_places() -> None:
    text = "Torsdag 21/2 kl 18-20 Kvarnsveden, samling Kvamforsplan, Kvamforsplan 1"

    corrected = parse_one(text, places=("Kvarnforsplan",))
    untouched = parse_one(text)

    assert (corrected.place, corrected.address) == ("Kvarnforsplan", "Kvarnforsplan 1")
    assert corrected.warnings == ["Tolkade 'Kvamforsplan' som 'Kvarnforsplan'."]
    assert (untouched.place, untouched.address) == ("Kvamforsplan", "Kvamforsplan 1")
    assert untouched.warnings == []


def test_known_place_is_never_corrected() -> None:
    text = "Torsdag 21/2 kl 18-20 Hagalund, samling Torn\nTorsdag 28/2 kl 18-20 Romme, samling Tom"

    meetings = parse_schedule(text, 2019, BORLANGE, known_places=["Tom"])

    assert [m.place for m in meetings] == ["Torn", "Tom"]
    assert meetings[1].warnings == []


def test_as_json_round_trips_through_json() -> None:
    meetings = parse_schedule(
        "Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo, Hagavägen 19\nTorsdag 31/2 Romme",
        2019,
        BORLANGE,
    )

    decoded = [json.loads(json.dumps(m.as_json())) for m in meetings]

    assert decoded[0] == {
        "date": "2019-02-21",
        "weekday_matches": True,
        "start": "18:00",
        "end": "20:00",
        "district": "Hagalund",
        "place": "Tempo",
        "address": "Hagavägen 19",
        "warnings": [],
        "source": "Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo, Hagavägen 19",
    }
    assert decoded[1]["date"] is None
    assert decoded[1]["start"] is None
    assert decoded[1]["weekday_matches"] is None
    assert len(decoded[1]["warnings"]) == 2


FRAGMENTS = st.sampled_from(
    [
        "Torsdag", "torsdagen", "ONSDAG", "lördagen", "söndag", "måndag", "den", " ", " ",
        "/", ".", ":", "-", "–", "—", ",", "\n", "kl", "kl.", "klockan", "samling", "vid",
        "juni", "febr.", "sept", "Omäs", "Tjäma Ängar", "Kvarnforsplan", "rn", "m", "å", "Ä",
        "ö", "İ", "ſ", "٣", "²",
    ]
)  # fmt: skip
SCHEDULE_ISH = st.lists(
    FRAGMENTS | st.integers(min_value=0, max_value=999).map(str), max_size=40
).map("".join)


@given(text=st.text() | SCHEDULE_ISH, year=st.integers(min_value=1900, max_value=2100))
def test_any_text_parses_without_raising(text: str, year: int) -> None:
    meetings = parse_schedule(text, year, BORLANGE, ["Tunets IP"])

    assert isinstance(meetings, list)
    for meeting in meetings:
        assert isinstance(meeting, ParsedMeeting)
        assert meeting.date is not None or meeting.warnings
        assert meeting.date is None or meeting.date.year == year
        assert meeting.source in text
        json.dumps(meeting.as_json())
