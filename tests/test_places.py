"""Places as data: the text list, the command line, the district's places page, retiring."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.meetings import get_or_create_district
from feedback.models import AuditEvent, Place
from feedback.places import PlaceListError, import_places, list_places, parse_places
from tests.conftest import (
    Auth,
    csrf_token,
    log_in,
    make_organisation,
    make_staff,
    reread,
)

BORLANGE = (60.25, 14.85, 60.75, 15.90)


def test_a_list_gives_names_and_positions_in_the_ways_people_write_them() -> None:
    text = (
        "Resecentrum; 60.4853, 15.4364\n"
        "\n"
        "  Gångtunneln   under  Röda vägen  \n"
        "Tunets IP; 60,4781 15,4102\n"
        "Parkeringen vid Kupolen;60,4875;15,4207\n"
        "Torget; −60.5, 15.4\n".replace("−60.5", "60.5")
    )
    lines = parse_places(text, BORLANGE)
    assert [(line.number, line.name, line.position) for line in lines] == [
        (1, "Resecentrum", (60.4853, 15.4364)),
        (3, "Gångtunneln under Röda vägen", None),
        (4, "Tunets IP", (60.4781, 15.4102)),
        (5, "Parkeringen vid Kupolen", (60.4875, 15.4207)),
        (6, "Torget", (60.5, 15.4)),
    ]


def test_every_wrong_line_is_named_at_once() -> None:
    text = "\n".join(
        [
            "Resecentrum; 60.4853, 15.4364",
            "; 60.4853, 15.4364",  # no name
            "Tunets IP; norr om ån",  # no numbers
            "Bron; 95.1, 15.4",  # not on Earth
            "Kupolen; 15.4207, 60.4875",  # swapped: outside the municipality
            "resecentrum",  # the first line again
            "x" * 121,
        ]
    )
    with pytest.raises(PlaceListError) as raised:
        parse_places(text, BORLANGE)
    problems = raised.value.problems
    assert [p.number for p in problems] == [2, 3, 4, 5, 6, 7]
    said = [str(p) for p in problems]
    assert "namn" in said[0]
    assert "decimalgrader" in said[1]
    assert "mellan −90 och 90" in said[2]
    assert "utanför kommunen" in said[3] and "bytt plats" in said[3]
    assert "rad 1" in said[4]
    assert "120 tecken" in said[5]
    # Without bounds, anywhere on Earth will do.
    assert parse_places("Kupolen; 15.4207, 60.4875", None)[0].position == (15.4207, 60.4875)


def test_too_many_places_at_once_is_refused() -> None:
    with pytest.raises(PlaceListError, match="Högst 500"):
        parse_places("\n".join(f"Plats {n}" for n in range(501)), None)


def test_a_known_name_keeps_its_place_and_a_retired_one_comes_back(session: Session) -> None:
    district = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    first = import_places(session, district, parse_places("Torget; 60.48, 15.43\nBron", None))
    assert (first.added, first.unchanged) == (["Torget", "Bron"], [])
    torget = session.scalars(select(Place).where(Place.name == "Torget")).one()
    torget.retired_at = torget.created_at
    again = import_places(
        session, district, parse_places("TORGET\nbron; 60.49, 15.44\nSkolan", None)
    )
    assert again.added == ["Skolan"]
    assert again.restored == ["Torget"]
    assert again.moved == ["Bron"]
    assert again.changes() == {"added": 1, "restored": 1, "moved": 1}
    assert import_places(session, district, parse_places("Skolan", None)).changes() == {}
    places = {p.name: p for p in list_places(session, [district.id])}
    assert set(places) == {"Torget", "Bron", "Skolan"}  # stored names keep their spelling
    assert (places["Torget"].retired_at, places["Torget"].latitude) == (None, 60.48)
    assert (places["Bron"].latitude, places["Bron"].longitude) == (60.49, 15.44)
    # Another district may have a place of the same name.
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    assert import_places(session, romme, parse_places("Torget", None)).added == ["Torget"]


def test_the_command_line_imports_lists_and_stores_nothing_from_a_wrong_file(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    get_or_create_district(session, make_organisation(session).id, "Hagalund")
    session.commit()
    listed = tmp_path / "platser.txt"
    listed.write_bytes(
        "\ufeffBusshållplats Hagalund centrum; 60.4916, 15.4083\nLekplatsen\n".encode()
    )
    result = runner.invoke(args=["places", "import", str(listed), "--district", "hagalund"])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output
    # Notepad's "ANSI": read as Windows-1252, å and ä intact.
    listed.write_bytes("Gångvägen vid ån\n".encode("cp1252"))
    result = runner.invoke(args=["places", "import", str(listed), "--district", "Hagalund"])
    assert result.exit_code == 0 and "Windows-1252" in result.output

    wrong = tmp_path / "fel.txt"
    wrong.write_text("Torget\nBron; 15.43, 60.48\n", encoding="utf-8")
    result = runner.invoke(args=["places", "import", str(wrong), "--district", "Hagalund"])
    assert result.exit_code == 1
    assert "Rad 2" in result.output and "nothing was stored" in result.output
    unknown = runner.invoke(args=["places", "import", str(wrong), "--district", "Atlantis"])
    assert unknown.exit_code == 2 and "Atlantis" in unknown.output

    listed_json = json.loads(runner.invoke(args=["places", "list", "--json"]).output)
    assert [(p["district"], p["name"], p["latitude"], p["retired_at"]) for p in listed_json] == [
        ("Hagalund", "Busshållplats Hagalund centrum", 60.4916, None),
        ("Hagalund", "Gångvägen vid ån", None, None),
        ("Hagalund", "Lekplatsen", None, None),
    ]
    reread(session)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "places_changed"))
    assert [(e.actor_email, e.target, e.details) for e in events] == [
        ("cli", "Hagalund", {"added": 2}),
        ("cli", "Hagalund", {"added": 1}),
    ]


def _coordinator(app: Flask, session: Session, client: FlaskClient) -> dict[str, int]:
    """Hagalund's coordinator logged in; the districts' ids."""
    hagalund = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    make_staff(session, "samordnare@example.se", "coordinator", [hagalund])
    session.commit()
    assert log_in(client, "samordnare@example.se") == 302
    return {"Hagalund": hagalund.id, "Romme": romme.id}


def test_a_coordinator_keeps_the_places_on_the_district_page(
    app: Flask, session: Session, client: FlaskClient
) -> None:
    ids = _coordinator(app, session, client)
    district_page = client.get(f"/staff/districts/{ids['Hagalund']}")
    assert f'href="/staff/districts/{ids["Hagalund"]}/places"' in district_page.text
    url = f"/staff/districts/{ids['Hagalund']}/places"
    page = client.get(url)
    assert "Inga platser ännu." in page.text
    typed = "Torget; 60.4858, 15.4371\nBron; 15.43, 60.48\nTorget"
    sent = client.post(url, data={"csrf_token": csrf_token(page.text), "places": typed})
    assert sent.status_code == 400
    assert "Rad 2 (Bron; 15.43, 60.48): läget ligger utanför kommunen" in sent.text
    assert "Rad 3 (Torget): samma plats som på rad 1." in sent.text
    assert typed in sent.text  # what they typed, back to correct
    reread(session)
    assert session.scalars(select(Place)).all() == []

    typed = "Torget; 60.4858, 15.4371\nBron"
    sent = client.post(url, data={"csrf_token": csrf_token(page.text), "places": typed})
    assert sent.status_code == 303
    page = client.get(url)
    assert "Platserna är sparade: 2 nya platser." in page.text
    assert "60.4858, 15.4371" in page.text and "inget läge angivet" in page.text
    torget = session.scalars(select(Place).where(Place.name == "Torget")).one()

    retired = client.post(f"{url}/{torget.id}/retire", data={"csrf_token": csrf_token(page.text)})
    assert retired.status_code == 303
    page = client.get(url)
    assert "Torget är inte längre i bruk." in page.text and "ur bruk sedan" in page.text
    assert "Ta i bruk igen" in page.text
    reread(session)
    assert [p.name for p in list_places(session, [ids["Hagalund"]], retired=False)] == ["Bron"]
    client.post(f"{url}/{torget.id}/restore", data={"csrf_token": csrf_token(page.text)})
    reread(session)
    assert len(list_places(session, [ids["Hagalund"]], retired=False)) == 2
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if "place" in a] == [
        "places_changed",
        "place_retired",
        "place_restored",
    ]


def test_a_place_is_reached_only_through_its_own_district(
    app: Flask, session: Session, client: FlaskClient
) -> None:
    ids = _coordinator(app, session, client)
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    import_places(session, romme, parse_places("Rommehed", None))
    session.commit()
    other = session.scalars(select(Place)).one()
    token = csrf_token(client.get(f"/staff/districts/{ids['Hagalund']}/places").text)
    # Romme's place, asked for under the coordinator's own district: no such place there.
    own = f"/staff/districts/{ids['Hagalund']}/places/{other.id}/retire"
    assert client.post(own, data={"csrf_token": token}).status_code == 404
    theirs = f"/staff/districts/{ids['Romme']}/places/{other.id}/retire"
    assert client.post(theirs, data={"csrf_token": token}).status_code == 404
    reread(session)
    assert session.get(Place, other.id).retired_at is None  # type: ignore[union-attr]


def test_an_analyst_reads_the_places_without_a_form(
    app: Flask, session: Session, client: FlaskClient, auth: Auth
) -> None:
    district = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    import_places(session, district, parse_places("Torget", None))
    make_staff(session, "analytiker@example.se", "analyst")
    session.commit()
    assert log_in(client, "analytiker@example.se") == 302
    page = client.get(f"/staff/districts/{district.id}/places")
    assert page.status_code == 200 and "Torget" in page.text
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>")[0]


def test_places_export_in_both_dialects_and_xlsx_the_same_from_the_command_line(
    app: Flask, session: Session, client: FlaskClient, runner: FlaskCliRunner, auth: Auth
) -> None:
    hagalund = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    import_places(session, hagalund, parse_places("Torget; 60.4858, 15.4371\n=1+1 kiosken", None))
    import_places(session, romme, parse_places("Rommehed", None))
    rommehed = session.scalars(select(Place).where(Place.name == "Rommehed")).one()
    rommehed.retired_at = rommehed.created_at
    session.commit()
    auth.login()  # an admin

    def download(url: str) -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.text
        return response.data

    sv = download("/staff/export/places.csv").decode("utf-8")
    assert sv.startswith("\ufeffplace_id;district;name;latitude;longitude;in_use;")
    rows = list(csv.reader(io.StringIO(sv.lstrip("\ufeff")), delimiter=";"))
    assert [r[1:6] for r in rows[1:]] == [
        ["Hagalund", "'=1+1 kiosken", "", "", "true"],
        ["Hagalund", "Torget", "60,4858", "15,4371", "true"],
        ["Romme", "Rommehed", "", "", "false"],
    ]
    assert rows[3][7] != ""  # when it was retired
    plain = download(f"/staff/export/places.csv?dialect=rfc4180&district={hagalund.id}")
    assert plain.decode().splitlines()[2].split(",")[2:5] == ["Torget", "60.4858", "15.4371"]
    assert len(plain.decode().splitlines()) == 3  # the header and Hagalund's two

    for args, url in [
        (["export", "places"], "/staff/export/places.csv"),
        (
            ["export", "places", "--dialect", "rfc4180", "--district", "Hagalund"],
            f"/staff/export/places.csv?dialect=rfc4180&district={hagalund.id}",
        ),
        (["export", "places", "--codebook"], "/staff/export/places-codebook.csv"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == download(url), args

    book = load_workbook(io.BytesIO(download("/staff/export/places.xlsx")))
    assert book.sheetnames == ["Platser", "Kodbok"]
    sheet = [list(r) for r in book["Platser"].iter_rows(values_only=True)]
    assert sheet[2][2:6] == ["Torget", 60.4858, 15.4371, True]
    assert sheet[1][2] == "'=1+1 kiosken"  # text, never a formula
    codebook = dict(list(book["Kodbok"].iter_rows(values_only=True))[1:])
    assert set(codebook) == set(sheet[0]) and "WGS 84" in str(codebook["latitude"])
    cli_book = runner.invoke(args=["export", "places", "--format", "xlsx"]).stdout_bytes
    assert cli_book.startswith(b"PK")

    reread(session)
    exported = session.scalars(
        select(AuditEvent.target).where(AuditEvent.action == "export").order_by(AuditEvent.id)
    ).all()
    assert exported.count("places.csv") == 6  # four downloads, two commands
    assert exported.count("places.xlsx") == 2 and "places-codebook.csv" in exported
