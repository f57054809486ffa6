"""Safety walks: their kind, poster and survey window; findings with photos stripped of their
metadata and shown only once approved; bad files and positions stored as nothing."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from PIL import ExifTags, Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from feedback.actions import ActionFields, add_note, create_action
from feedback.i18n import LANGUAGES
from feedback.meetings import get_or_create_district, local
from feedback.models import Action, AuditEvent, Finding, FindingPhoto, Meeting, Place, utcnow
from feedback.places import import_places, parse_places
from feedback.walks import FindingFields, category_label, checklist, record_finding, versions
from feedback.walks.photos import LONGEST_SIDE, PhotoError, clean_photo
from tests.conftest import (
    count,
    csrf_token,
    log_in,
    make_meeting,
    make_organisation,
    make_staff,
    reread,
)

GPS = {1: "N", 2: (60.0, 29.0, 7.0), 3: "E", 4: (15.0, 26.0, 11.0)}


def phone_photo(size: tuple[int, int] = (4000, 3000), orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: its maker, where it was taken (GPS) and how it was held."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 200), (0, 0, size[0] // 4, size[1] // 4))  # a blue corner, top left
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Telefon AB"
    exif[ExifTags.Base.DateTimeOriginal] = "2026:09:16 19:02:11"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Hagalund, Tunnelgatan 4")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image: a decompression bomb's shape."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def test_a_phone_photo_is_stored_without_gps_or_any_metadata_turned_upright_and_smaller() -> None:
    raw = phone_photo()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(ExifTags.IFD.GPSInfo) == GPS
    stored = clean_photo(raw, 15 * 1024 * 1024)
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    for trace in (b"Exif", b"Telefon", b"2026:09:16", b"Tunnelgatan", b"http://ns.adobe.com"):
        assert trace not in stored.data
    # Held sideways (orientation 6): the stored photo is upright, portrait, the blue corner
    # now top right, and no side longer than LONGEST_SIDE.
    assert (stored.width, stored.height) == image.size == (LONGEST_SIDE * 3 // 4, LONGEST_SIDE)
    red, _green, blue = image.convert("RGB").getpixel((image.width - 5, 5))  # type: ignore[misc]
    assert blue > 150 and red < 80


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "tom"),
        (b"Hej, det h\xc3\xa4r \xc3\xa4r text", "inte ett foto"),
        (b"%PDF-1.7\n1 0 obj<<>>endobj\n", "inte ett foto"),
        (phone_photo((200, 100))[:400], "inte ett foto"),  # cut off
        (png_claiming(10_000, 10_000), "för många bildpunkter"),  # 100 megapixels
        (png_claiming(100_000, 100_000), "för många bildpunkter"),  # past Pillow's own limit
        (b"\xff\xd8" + b"\x00" * 5000, "inte ett foto"),
    ],
    ids=["empty", "text", "pdf", "truncated", "bomb", "huge-bomb", "jpeg-magic-only"],
)
def test_what_is_not_a_readable_photo_is_refused_with_a_reason(raw: bytes, says: str) -> None:
    with pytest.raises(PhotoError) as refused:
        clean_photo(raw, 15 * 1024 * 1024)
    assert says in str(refused.value)


def test_a_gif_or_a_bmp_is_a_wrong_type_and_a_file_over_the_limit_too_large() -> None:
    for kind in ("GIF", "BMP"):
        out = io.BytesIO()
        Image.new("RGB", (20, 20)).save(out, kind)
        with pytest.raises(PhotoError, match="JPEG, PNG eller WebP"):
            clean_photo(out.getvalue(), 10**7)
    with pytest.raises(PhotoError, match="högst 1 MB"):
        clean_photo(b"\xff\xd8" + bytes(1024 * 1024), 1024 * 1024)


def test_a_transparent_png_is_stored_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, "PNG")
    stored = Image.open(io.BytesIO(clean_photo(out.getvalue(), 10**7).data))
    darkest, _ = stored.convert("L").getextrema()
    assert darkest > 240  # type: ignore[operator]


def test_every_checklist_version_loads_with_its_categories_in_every_language() -> None:
    assert versions()[0] == 1
    for version in versions():
        found = checklist(version)
        codes = [c.code for c in found.categories]
        assert {"lighting", "vegetation", "hiding_places", "vandalism", "other"} <= set(codes)
        for item in (*found.categories, *found.severities):
            assert set(item.labels) == set(LANGUAGES) == {"sv", "en", "ar", "so", "fa", "fa_AF"}
    finding = Finding(checklist_version=1, category="lighting", severity="high")
    assert category_label(finding) == "Belysning" and category_label(finding, "en") == "Lighting"
    assert category_label(finding, "fa") == "روشنایی"
    assert category_label(finding, "fa_AF") == "روشنی"  # Dari's word, not Farsi's


@pytest.fixture
def walk(session: Session, client: FlaskClient) -> dict[str, Any]:
    """A walk in Hagalund today with a place; a dialogue; Hagalund's coordinator logged in."""
    walk = make_meeting(session, place="Hagalunds torg")
    walk.kind = "walk"
    dialogue = make_meeting(session, district="Romme", place="Skolan")
    hagalund = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    import_places(session, hagalund, parse_places("Gångtunneln\nBusshållplatsen", None))
    make_staff(session, "samordnare@example.se", "coordinator", [hagalund])
    make_staff(session, "romme@example.se", "coordinator", [romme])
    make_staff(session, "analytiker@example.se", "analyst")
    session.commit()
    assert log_in(client, "samordnare@example.se") == 302
    places = {p.name: p.id for p in session.scalars(select(Place))}
    return {
        "url": f"/staff/meetings/{walk.id}/findings",
        "walk": walk.id,
        "dialogue": dialogue.id,
        "place": places["Gångtunneln"],
    }


def record(client: FlaskClient, url: str, photos: list[bytes], **fields: str) -> TestResponse:
    """Open the finding form and send it with photos, as a phone's browser would."""
    page = client.get(url)
    data: dict[str, Any] = {
        "csrf_token": csrf_token(page.text),
        "category": "lighting",
        "severity": "high",
        "note": "Tre lampor trasiga i tunneln.",
        "place": "",
        "new_place": "",
        "position": "",
        **fields,
        "photos": [(io.BytesIO(raw), f"IMG_{n}.jpg") for n, raw in enumerate(photos)],
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_walker_records_a_finding_with_photos_that_wait_for_approval(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    sent = record(
        client, walk["url"], [phone_photo(), phone_photo((800, 600), 1)], place=str(walk["place"])
    )
    assert sent.status_code == 303
    page = client.get(walk["url"])
    assert "Fyndet är sparat" in page.text and "Gångtunneln: Belysning" in page.text
    reread(session)
    finding = session.scalars(select(Finding)).one()
    assert (finding.category, finding.severity, finding.checklist_version) == (
        "lighting",
        "high",
        1,
    )
    assert finding.note == "Tre lampor trasiga i tunneln."
    assert finding.created_by == "samordnare@example.se"
    assert [p.status for p in finding.photos] == ["pending", "pending"]
    for photo in finding.photos:
        assert b"Exif" not in photo.data and b"Telefon" not in photo.data
        assert max(photo.width, photo.height) <= LONGEST_SIDE
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "finding_recorded")).one()
    assert event.details == {"photos": 2}
    shown = client.get(f"{walk['url']}/{finding.id}")
    assert "Väntar på granskning" in shown.text and "Fotografera inte människor" in shown.text
    photo_url = f"{walk['url']}/{finding.id}/photos/{finding.photos[0].id}"
    served = client.get(photo_url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == finding.photos[0].data
    assert "no-store" in served.headers["Cache-Control"]


def test_a_photo_is_seen_by_an_analyst_only_once_a_coordinator_approves_it(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    record(client, walk["url"], [phone_photo((600, 400))], place=str(walk["place"]))
    reread(session)
    finding = session.scalars(select(Finding)).one()
    photo_url = f"{walk['url']}/{finding.id}/photos/{finding.photos[0].id}"
    reader = app.test_client()
    assert log_in(reader, "analytiker@example.se") == 302
    assert reader.get(photo_url).status_code == 404
    assert "Inga foton" in reader.get(f"{walk['url']}/{finding.id}").text
    page = client.get(f"{walk['url']}/{finding.id}")
    approved = client.post(
        f"{photo_url}/review", data={"csrf_token": csrf_token(page.text), "status": "approved"}
    )
    assert approved.status_code == 303
    assert reader.get(photo_url).status_code == 200
    reread(session)
    photo = session.get(FindingPhoto, finding.photos[0].id)
    assert photo is not None and photo.status == "approved"
    assert photo.reviewed_by == "samordnare@example.se"
    # The analyst reads and may not review.
    token = csrf_token(reader.get(f"{walk['url']}/{finding.id}").text)
    refused = reader.post(f"{photo_url}/review", data={"csrf_token": token, "status": "hidden"})
    assert refused.status_code == 403


def test_a_new_place_named_on_the_walk_joins_the_district_with_its_position(
    session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    sent = record(
        client, walk["url"], [], new_place="Parkeringen  bakom; skolan", position="60,4853 15,4364"
    )
    assert sent.status_code == 303
    reread(session)
    place = session.scalars(select(Place).where(Place.name == "Parkeringen bakom; skolan")).one()
    assert (place.latitude, place.longitude) == (60.4853, 15.4364)
    assert session.scalars(select(Finding)).one().place_id == place.id


@pytest.mark.parametrize(
    ("fields", "photos", "says"),
    [
        ({"position": "60.48, 15.43", "new_place": "Torget"}, [b"inte en bild"], "inte ett foto"),
        ({"new_place": "Torget", "position": "91, 15"}, [], "mellan −90 och 90"),
        ({"new_place": "Torget", "position": "15.43, 60.48"}, [], "utanför kommunen"),
        ({"new_place": "Torget", "position": "norr om kyrkan"}, [], "decimalgrader"),
        ({"new_place": "Torget", "place": "PLACE"}, [], "inte båda"),
        ({}, [], "Välj en plats i listan eller skriv"),
        ({"place": "PLACE", "category": "fireworks"}, [], "Inte ett giltigt val"),
        ({"place": "PLACE", "severity": ""}, [], "Välj ett alternativ"),
        ({"place": "999999"}, [], "Inte ett giltigt val"),
        ({"place": "PLACE", "note": "x" * 2001}, [], "Högst 2000 tecken"),
        ({"place": "PLACE"}, [b"GIF89a" + b"\x00" * 50] * 5, "Högst 4 foton"),
    ],
    ids=[
        "not-an-image",
        "outside-the-world",
        "outside-the-municipality",
        "not-a-position",
        "both-places",
        "no-place",
        "unknown-category",
        "no-severity",
        "unknown-place",
        "long-note",
        "too-many-photos",
    ],
)
def test_a_finding_with_bad_input_is_shown_again_with_the_reason_and_stores_nothing(
    app: Flask,
    session: Session,
    client: FlaskClient,
    walk: dict[str, Any],
    fields: dict[str, str],
    photos: list[bytes],
    says: str,
) -> None:
    fields = {k: v.replace("PLACE", str(walk["place"])) for k, v in fields.items()}
    places = count(session, Place)
    sent = record(client, walk["url"], photos, **{"note": "Mörkt vid trappan.", **fields})
    assert sent.status_code == 400
    assert says in sent.text.replace("&#34;", '"')
    assert 'class="error-summary"' in sent.text
    if "note" not in fields:
        assert "Mörkt vid trappan." in sent.text  # what the walker typed is kept
    assert count(session, Finding) == 0 and count(session, FindingPhoto) == 0
    assert count(session, Place) == places


def test_a_request_too_large_for_any_photo_gets_a_swedish_413_and_stores_nothing(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    def send(url: str, size: int) -> TestResponse:
        # The body in memory: the test client leaves a spooled multipart body open on a 413.
        head = b'--x\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n\r\n'
        body = head + b"\xff" * (size - len(head) - 9) + b"\r\n--x--\r\n"
        return client.post(url, data=body, content_type="multipart/form-data; boundary=x")

    photos = app.config["PHOTO_MAX_BYTES"] * app.config["PHOTOS_PER_FINDING"]
    ordinary = app.config["MAX_CONTENT_LENGTH"]
    sent = send(walk["url"], photos + ordinary + 1)
    assert sent.status_code == 413
    assert "för stort" in sent.text and "Ingenting sparades" in sent.text
    assert count(session, Finding) == 0
    # A body a walk's photos fit in is read (and refused for its lack of a CSRF token)...
    assert send(walk["url"], photos + ordinary // 2).status_code == 400
    # ...where anywhere else no more than MAX_CONTENT_LENGTH is taken.
    assert send("/staff/meetings/new", ordinary + 1).status_code == 413
    assert send("/staff/meetings/new", ordinary // 2).status_code == 400


def test_a_dialogue_has_no_findings_and_another_districts_walk_is_not_found(
    app: Flask, client: FlaskClient, walk: dict[str, Any]
) -> None:
    assert client.get(f"/staff/meetings/{walk['dialogue']}/findings").status_code == 404
    other = app.test_client()
    assert log_in(other, "romme@example.se") == 302
    assert other.get(walk["url"]).status_code == 404
    assert other.get(f"/staff/meetings/{walk['dialogue']}/findings").status_code == 404


def test_a_walk_has_its_own_poster_and_its_survey_opens_a_week_ahead(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    staff = app.test_client()
    assert log_in(staff, "samordnare@example.se") == 302
    poster = staff.get(f"/staff/meetings/{walk['walk']}/poster")
    assert "Trygghetsvandring i Hagalund" in poster.text and "Kan du inte komma?" in poster.text
    assert '<li lang="fa-AF" dir="rtl">در یک پیاده‌روی امنیت همراه ما باشید.' in poster.text
    reread(session)
    walk_meeting = session.get(Meeting, walk["walk"])
    assert walk_meeting is not None
    schedule = client.get("/").text
    assert "Hagalund</strong> (trygghetsvandring)" in schedule
    assert "Samling: Hagalunds torg" in schedule and "Romme</strong>:" in schedule
    calendar = client.get(f"/moten/{walk_meeting.code}.ics").text
    assert "SUMMARY:Trygghetsvandring i Hagalund" in calendar
    later = local(utcnow() + timedelta(days=6)).date()
    ahead = make_meeting(session, day=later, place="Stationen")
    ahead_dialogue = make_meeting(session, district="Romme", day=later, place="Skolan")
    ahead.kind = "walk"
    session.commit()
    assert 'name="submission_key"' in client.get(f"/s/{ahead.code}").text
    not_yet = client.get(f"/s/{ahead_dialogue.code}").text
    assert "Enkäten har inte öppnat än" in not_yet and 'name="submission_key"' not in not_yet


def test_a_finding_becomes_an_action_that_links_back_and_stays_in_its_district(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    record(client, walk["url"], [], place=str(walk["place"]), note="Tre lampor trasiga.")
    reread(session)
    finding = session.scalars(select(Finding)).one()
    walk_meeting = session.get(Meeting, walk["walk"])
    assert walk_meeting is not None
    district_id = walk_meeting.district_id
    page = client.get(f"{walk['url']}/{finding.id}")
    new = f"/staff/districts/{district_id}/actions/new?finding={finding.id}"
    assert new.replace("&", "&amp;") in page.text and "Ingen åtgärd ännu." in page.text
    form = client.get(new)
    assert 'value="Belysning: Gångtunneln"' in form.text and "Tre lampor trasiga." in form.text
    sent = client.post(
        f"/staff/districts/{district_id}/actions/new",
        data={
            "csrf_token": csrf_token(form.text),
            "title": "Byt lamporna i gångtunneln",
            "owner": "municipality",
            "place": str(walk["place"]),
            "pledge": "",
            "finding": str(finding.id),
        },
    )
    assert sent.status_code == 303
    action_page = client.get(sent.headers["Location"])
    assert "Från fyndet" in action_page.text and f"findings/{finding.id}" in action_page.text
    listed = client.get(f"{walk['url']}/{finding.id}").text
    assert "Byt lamporna i gångtunneln" in listed and "(planerad)" in listed
    # Another district's finding: no form is filled from it, and none is stored with it.
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    session.commit()
    other = f"/staff/districts/{romme.id}/actions/new"
    admin = app.test_client()
    make_staff(session, "admin@example.se", "admin")
    session.commit()
    assert log_in(admin, "admin@example.se") == 302
    assert admin.get(f"{other}?finding={finding.id}").status_code == 404
    assert admin.get(f"{other}?finding=x").status_code == 400
    token = csrf_token(admin.get(other).text)
    refused = admin.post(
        other,
        data={
            "csrf_token": token,
            "title": "Fel",
            "owner": "police",
            "place": "",
            "pledge": "",
            "finding": str(finding.id),
        },
    )
    assert refused.status_code == 400
    huge = admin.post(
        other,
        data={
            "csrf_token": token,
            "title": "Fel",
            "owner": "police",
            "place": "",
            "pledge": "",
            "finding": "9" * 30,
        },
    )
    assert huge.status_code == 400
    assert count(session, Action) == 1


def test_the_pledge_basis_lists_the_years_findings_and_the_open_actions(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    record(client, walk["url"], [], place=str(walk["place"]), category="vegetation")
    reread(session)
    walk_meeting = session.get(Meeting, walk["walk"])
    assert walk_meeting is not None
    district = walk_meeting.district
    finding = session.scalars(select(Finding)).one()
    last_year = make_meeting(session, day=date(2025, 5, 14), place="Skolan")
    last_year.kind = "walk"
    record_finding(
        session,
        last_year,
        FindingFields("litter", "low", "Skräp vid skolan.", place_id=walk["place"]),
        [],
        "samordnare@example.se",
    )
    fields = ActionFields("Röj buskarna", "", "municipality", "", date(2026, 6, 1))
    create_action(session, district, replace(fields, finding_id=finding.id), "s@example.se")
    done = create_action(session, district, replace(fields, title="Nya lampor"), "s@example.se")
    add_note(session, done, date(2026, 5, 1), "Klart.", "done", "s@example.se")
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    create_action(session, romme, replace(fields, title="Rommes åtgärd"), "s@example.se")
    session.commit()
    basis = client.get(f"/staff/districts/{district.id}/basis?year=2026").text
    section = basis[basis.index("Trygghetsvandringar 2026") : basis.index("Med egna ord")]
    assert "1 fynd" in section and "Gångtunneln" in section and "Växtlighet" in section
    assert "Röj buskarna (planerad)" in section
    assert "Skräp vid skolan" not in section  # last year's walk
    assert "Röj buskarna" in section.split("Öppna åtgärder")[1]
    assert "(försenad)" in section  # due in June, open in September
    assert "Nya lampor" not in section and "Rommes åtgärd" not in section


def test_loften_shows_what_was_done_with_only_approved_photos(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    record(
        client,
        walk["url"],
        [phone_photo((400, 300)), phone_photo((300, 400))],
        place=str(walk["place"]),
    )
    reread(session)
    finding = session.scalars(select(Finding)).one()
    approved, pending = finding.photos
    approved.status = "approved"
    district = finding.meeting.district
    fields = ActionFields(
        "Nya lampor i gångtunneln",
        "Internt: offert 12 000 kr.",
        "municipality",
        "",
        None,
        place_id=walk["place"],
        finding_id=finding.id,
    )
    lamps = create_action(session, district, fields, "s@example.se")
    add_note(session, lamps, date(2026, 8, 20), "Klart.", "done", "s@example.se")
    earlier = create_action(session, district, replace(fields, title="Förra årets"), "s@e.se")
    add_note(session, earlier, date(2025, 11, 2), "Klart.", "done", "s@example.se")
    create_action(session, district, replace(fields, title="Pågående"), "s@example.se")
    session.commit()
    public = app.test_client()
    page = public.get("/loften?year=2026").text
    done = page[page.index("Det här har vi gjort 2026") :]
    assert "<h3>Hagalund</h3>" in done and "Nya lampor i gångtunneln" in done
    assert "klart torsdag 20 augusti 2026" in done
    assert "Förra årets" not in done and "Pågående" not in done
    assert "offert" not in page  # the action's description is for staff
    assert f"/loften/foto/{approved.id}" in done and f"/loften/foto/{pending.id}" not in done
    assert public.get(f"/loften/foto/{approved.id}").data == approved.data
    assert public.get(f"/loften/foto/{pending.id}").status_code == 404
    assert "Förra årets" in public.get("/loften?year=2025").text


def test_findings_and_actions_export_as_csv_in_both_dialects_and_xlsx_without_photos(
    app: Flask, session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    record(
        client,
        walk["url"],
        [phone_photo((400, 300))],
        place=str(walk["place"]),
        note='=HYPERLINK("http://x")',
    )
    reread(session)
    finding = session.scalars(select(Finding)).one()
    photo = finding.photos[0].data
    fields = ActionFields(
        "Röj buskarna",
        "",
        "property_owner",
        "Tunet AB",
        date(2026, 6, 1),
        place_id=walk["place"],
        finding_id=finding.id,
    )
    action = create_action(session, finding.meeting.district, fields, "s@example.se")
    session.commit()
    assert client.get("/staff/export/findings.csv").status_code == 403  # coordinators read
    analyst = app.test_client()
    assert log_in(analyst, "analytiker@example.se") == 302
    sv = analyst.get("/staff/export/findings.csv").data.decode("utf-8")
    header, row = sv.lstrip("\ufeff").splitlines()[:2]
    assert header.split(";")[:3] == ["finding_id", "district", "walk_code"]
    cells = row.split(";")
    assert cells[5] == "Gångtunneln" and "Belysning" in cells and "high" in cells
    assert cells[-4:-1] == ["1", "0", str(action.id)]  # one photo, none approved, the action
    assert "'=HYPERLINK" in row  # a formula is written as text
    plain = analyst.get("/staff/export/findings.csv?dialect=rfc4180").data.decode("utf-8")
    assert plain.startswith("finding_id,district,walk_code")
    actions_csv = analyst.get("/staff/export/actions.csv?dialect=rfc4180").data.decode("utf-8")
    assert f"{action.id},Hagalund,{walk['place']},Gångtunneln,{finding.id}," in actions_csv
    assert ",property_owner,Tunet AB,2026-06-01,planned,true," in actions_csv
    for table in ("findings", "actions"):
        book = analyst.get(f"/staff/export/{table}.xlsx").data
        assert photo not in book and photo[:200] not in book
        workbook = load_workbook(io.BytesIO(book), read_only=True)
        assert len(workbook.sheetnames) == 2
        codebook = analyst.get(f"/staff/export/{table}-codebook.csv?dialect=rfc4180").text
        assert codebook.splitlines()[0] == "column,description"
    assert photo[:200] not in analyst.get("/staff/export/findings.csv").data
    reread(session)
    exported = [e.target for e in session.scalars(select(AuditEvent)) if e.action == "export"]
    assert "findings.csv" in exported and "actions.xlsx" in exported


def test_a_walk_with_findings_stays_a_walk(
    session: Session, client: FlaskClient, walk: dict[str, Any]
) -> None:
    edit = f"/staff/meetings/{walk['walk']}/edit"

    def send_kind(kind: str) -> TestResponse:
        page = client.get(edit)
        reread(session)
        meeting = session.get(Meeting, walk["walk"])
        assert meeting is not None
        start, end = local(meeting.starts_at), local(meeting.ends_at)
        data = {
            "csrf_token": csrf_token(page.text),
            "district": str(meeting.district_id),
            "kind": kind,
            "day": start.date().isoformat(),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "place": "Hagalunds torg",
            "address": "",
        }
        return client.post(edit, data=data)

    assert send_kind("walk").status_code == 302  # no findings yet: any change goes
    record(client, walk["url"], [], place=str(walk["place"]))
    refused = send_kind("dialogue")
    assert refused.status_code == 400 and "förblir en trygghetsvandring" in refused.text
    reread(session)
    meeting = session.get(Meeting, walk["walk"])
    assert meeting is not None and meeting.kind == "walk"
    assert client.get(walk["url"]).status_code == 200
