"""The survey asks where: the district's places as checkboxes, another place in words, when,
and a pin kept only to its grid cell; stored one answer per code, exported together."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import create_app
from feedback.meetings import get_or_create_district
from feedback.models import Answer, Place, Response
from feedback.places import import_places, parse_places, snap
from tests.conftest import Auth, answer, make_meeting, make_organisation, reread


def _places(session: Session, district: str, *names: str) -> dict[str, int]:
    found = get_or_create_district(session, make_organisation(session).id, district)
    import_places(session, found, parse_places("\n".join(names), None))
    session.commit()
    rows = session.scalars(select(Place).where(Place.district_id == found.id))
    return {p.name: p.id for p in rows}


def _stored(session: Session) -> dict[str, str]:
    reread(session)
    response = session.scalars(select(Response)).one()
    return {a.question_key: a.value for a in response.answers}


def test_a_resident_ticks_the_districts_places_and_when_without_javascript(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session, district="Hagalund")
    ids = _places(session, "Hagalund", "Gångtunneln", "Resecentrum")
    _places(session, "Tjärna Ängar", "Kulturhuset")
    html, data = answer(client, meeting, safety_evening="fairly_unsafe")
    assert "Gångtunneln" in html and "Resecentrum" in html
    assert "Kulturhuset" not in html  # another district's place is not offered
    assert html.count('type="checkbox"') == 2 + 2 + 3  # places, other and none, three times
    data["unsafe_places"] = [str(ids["Gångtunneln"]), str(ids["Resecentrum"])]
    data["unsafe_when"] = ["evening", "night"]
    assert client.post(f"/s/{meeting.code}", data=data).status_code == 303
    tunnel, station = ids["Gångtunneln"], ids["Resecentrum"]
    assert _stored(session) == {
        "safety_evening": "fairly_unsafe",
        f"unsafe_places:{tunnel}": str(tunnel),
        f"unsafe_places:{station}": str(station),
        "unsafe_when:evening": "evening",
        "unsafe_when:night": "night",
    }


def test_another_districts_place_no_place_with_a_place_and_a_bad_pin_are_refused(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session, district="Hagalund")
    ours = _places(session, "Hagalund", "Gångtunneln")["Gångtunneln"]
    theirs = _places(session, "Tjärna Ängar", "Kulturhuset")["Kulturhuset"]
    for wrong in (
        {"unsafe_places": [str(theirs)]},
        {"unsafe_places": [str(ours), "none"]},
        {"unsafe_places": ["17; DROP TABLE"]},
        {"unsafe_when": ["always"]},
        {"unsafe_pin": "59.33,18.07"},  # Stockholm: outside the municipality
        {"unsafe_pin": "nan,nan"},
        {"unsafe_pin": "60.48"},
    ):
        _, data = answer(client, meeting, safety_evening="very_safe", **wrong)
        sent = client.post(f"/s/{meeting.code}", data=data)
        assert sent.status_code == 400, wrong
        assert 'class="error-summary"' in sent.text
        assert re.search(r'<input checked[^>]*value="very_safe"', sent.text)  # nothing lost
    reread(session)
    assert session.scalars(select(Response)).first() is None


def test_a_pin_is_stored_only_as_the_centre_of_its_grid_cell(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe", unsafe_pin="60.485312,15.436471")
    assert client.post(f"/s/{meeting.code}", data=data).status_code == 303
    stored = _stored(session)["unsafe_pin"]
    latitude, longitude = (float(n) for n in stored.split(","))
    grid = app.config["MAP_GRID_METRES"]
    assert (latitude, longitude) == snap(60.485312, 15.436471, grid)
    assert (latitude, longitude) != (60.485312, 15.436471)
    # Every position in a cell gives the same stored pin: a few metres away is not told apart.
    assert snap(60.485312 + 0.0001, 15.436471 - 0.0001, grid) == (latitude, longitude)
    # Cells are about `grid` metres: neighbouring rows lie that far apart.
    assert abs(snap(60.4853 + grid / 111_320, 15.4364, grid)[0] - latitude) * 111_320 >= 100


@pytest.mark.parametrize(
    "setting",
    [
        {"MAP_GRID_METRES": 50},
        {"MAP_TILES": "ftp://karta.example.se/{z}/{x}/{y}.png"},
        {"MAP_TILES": "https://karta.example.se/{z}/{x}.png"},
        {"MAP_TILES": "/tiles/{z}/{x}/{y}.png"},
        {"MAP_TILES": "https://user:secret@karta.example.se/{z}/{x}/{y}.png"},
        {"MAP_TILES": "https://{z}.karta.example.se/{x}/{y}.png"},
        {"MAP_TILES": "https://karta.example.se;script-src *;/{z}/{x}/{y}.png"},
        {"MAP_TILES": ["https://karta.example.se/{z}/{x}/{y}.png"]},
    ],
)
def test_the_app_refuses_a_fine_grid_or_tiles_that_are_no_tile_address(
    setting: dict[str, object],
) -> None:
    with pytest.raises(RuntimeError, match="MAP_"):
        create_app({"TESTING": True, "DATABASE_URL": "sqlite://", **setting})


def test_without_tiles_the_survey_has_no_map_and_asks_no_other_site(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    page = client.get(f"/s/{meeting.code}")
    assert "data-map" not in page.text and "map." not in page.text
    assert "img-src 'self' data:;" in page.headers["Content-Security-Policy"]


def test_with_tiles_the_survey_offers_a_map_and_admits_images_from_the_tile_server_only(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    app.config["MAP_TILES"] = "https://karta.example.se:8443/tiles/{z}/{x}/{y}.png"
    app.config["MAP_ATTRIBUTION"] = "© Lantmäteriet"
    page = client.get(f"/s/{meeting.code}")
    policy = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://karta.example.se:8443;" in policy
    assert "default-src 'self';" in policy and policy.count("karta") == 1
    # Shown by the script only; the hidden value is what is sent.
    assert re.search(r'<div class="question map" id="unsafe_pin" hidden data-map', page.text)
    assert 'data-tiles="https://karta.example.se:8443/tiles/{z}/{x}/{y}.png"' in page.text
    assert "© Lantmäteriet" in page.text
    assert re.search(r'<script src="/static/map\.[0-9a-f]{10}\.js" defer>', page.text)
    assert 'type="hidden"' in re.search(r'<input[^>]*name="unsafe_pin"[^>]*>', page.text)[0]
    # Staff keying in paper forms have no pins to key: no map there.
    auth.login()
    paper = client.get(f"/staff/meetings/{meeting.id}/paper-entry")
    assert paper.status_code == 200 and "data-map" not in paper.text


def test_a_place_added_or_retired_reaches_the_survey_page(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session, district="Hagalund")
    assert "Gångtunneln" not in client.get(f"/s/{meeting.code}").text  # now cached
    _places(session, "Hagalund", "Gångtunneln")
    assert "Gångtunneln" in client.get(f"/s/{meeting.code}").text


def test_the_export_gives_each_multiple_question_one_column_of_codes_or_names(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund")
    ids = _places(session, "Hagalund", "Gångtunneln", "Resecentrum")
    _, data = answer(client, meeting, safety_evening="very_safe")
    data["unsafe_places"] = [str(ids["Resecentrum"]), str(ids["Gångtunneln"]), "other"]
    data["unsafe_when"] = ["night", "day"]
    assert client.post(f"/s/{meeting.code}", data=data).status_code == 303
    auth.login()
    for labels, places, when in (
        ("", " ".join(sorted(map(str, ids.values()), key=int)) + " other", "day night"),
        ("sv", "Gångtunneln; Resecentrum; En annan plats", "Dagtid; På natten"),
    ):
        got = client.get(f"/staff/export/responses.csv?dialect=rfc4180&labels={labels}")
        assert got.status_code == 200
        row = next(csv.DictReader(io.StringIO(got.text.lstrip("\ufeff"))))
        assert (row["unsafe_places"], row["unsafe_when"]) == (places, when)
        assert not any(":" in column for column in row)


def test_paper_lists_the_districts_places_and_keying_in_stores_them(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund")
    tunnel = _places(session, "Hagalund", "Gångtunneln")["Gångtunneln"]
    auth.login()
    paper = client.get(f"/staff/meetings/{meeting.id}/paper/sv")
    assert "Gångtunneln" in paper.text and "Visa platsen på kartan" not in paper.text
    page = client.get(f"/staff/meetings/{meeting.id}/paper-entry")
    assert f'value="{tunnel}"' in page.text
    stored = session.scalars(select(Answer)).all()
    assert stored == []
