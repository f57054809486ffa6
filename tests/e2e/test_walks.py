"""A walker records a finding on a phone at 360 px: a place, the checklist, a photo taken with
GPS in its EXIF; the stored photo has none, and the page passes axe-core before and after."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from PIL import ExifTags, Image
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from feedback import db
from feedback.meetings import local
from feedback.models import Finding, utcnow
from feedback.places import import_places, parse_places
from tests.conftest import make_meeting, make_staff
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import Audit
from tests.test_walks import GPS, phone_photo

NARROW_PHONE = {"width": 360, "height": 740}


@pytest.fixture
def walk_id(app: Flask) -> int:
    """A walk in Hagalund on now, with two places, and the staff account; its id."""
    with app.app_context():
        session = db.session()
        make_staff(session)
        walk = make_meeting(session, place="Hagalunds torg")
        walk.kind = "walk"
        import_places(session, walk.district, parse_places("Gångtunneln\nTorget", None))
        session.commit()
        return walk.id


@pytest.mark.browser
def test_a_walker_records_a_finding_with_a_photo_on_a_360_px_phone(
    app: Flask, live_server: str, browser: Browser, tmp_path: Path, walk_id: int
) -> None:
    taken = tmp_path / "IMG_0412.jpg"
    taken.write_bytes(phone_photo())
    with Image.open(taken) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo) == GPS
    audit = Audit()
    with browser.new_context(
        viewport=NARROW_PHONE, locale="sv-SE", is_mobile=True, has_touch=True
    ) as phone:
        page = phone.new_page()
        log_in(page, live_server)
        page.goto(f"{live_server}/staff/meetings/{walk_id}")
        page.get_by_role("link", name="Vandringens fynd").click()
        audit.check(page, "findings at 360 px")
        page.get_by_label("Plats", exact=True).select_option(label="Gångtunneln")
        page.get_by_label("Gömställen").check()
        page.get_by_label("Stort problem", exact=True).check()
        page.get_by_label("Anteckning").fill("Buskarna vid tunnelns norra ände döljer en nisch.")
        page.get_by_label("Foton").set_input_files(str(taken))
        # Nothing on the page is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW_PHONE["width"]
        page.get_by_role("button", name="Spara fyndet").click()
        expect(page.get_by_text("Fyndet är sparat. Nästa fynd?")).to_be_visible()
        expect(page.get_by_role("link", name="Gångtunneln: Gömställen")).to_be_visible()
        audit.check(page, "findings after saving one, 360 px")
        page.get_by_role("link", name="Gångtunneln: Gömställen").click()
        expect(page.get_by_text("Väntar på granskning.")).to_be_visible()
        image = page.get_by_role("img", name="Foto 1 av fyndet vid Gångtunneln")
        expect(image).to_be_visible()
        box = image.bounding_box()
        assert box is not None and box["width"] <= NARROW_PHONE["width"]
        audit.check(page, "finding with a photo awaiting review, 360 px")
    audit.assert_clean()
    with app.app_context():
        finding = db.session().scalars(select(Finding)).one()
        assert (finding.category, finding.severity) == ("hiding_places", "high")
        (photo,) = finding.photos
        stored = Image.open(io.BytesIO(photo.data))
        assert dict(stored.getexif()) == {} and b"Exif" not in photo.data
        assert stored.height > stored.width  # turned upright as the phone held it


@pytest.mark.browser
def test_a_finding_becomes_an_action_that_is_done_and_shows_on_loften(
    live_server: str, browser: Browser, walk_id: int
) -> None:
    with browser.new_context(viewport=NARROW_PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        log_in(page, live_server)
        page.goto(f"{live_server}/staff/meetings/{walk_id}/findings")
        page.get_by_label("Plats", exact=True).select_option(label="Gångtunneln")
        page.get_by_label("Belysning").check()
        page.get_by_label("Stort problem", exact=True).check()
        page.get_by_role("button", name="Spara fyndet").click()
        page.get_by_role("link", name="Gångtunneln: Belysning").click()
        page.get_by_role("link", name="Gör en åtgärd av fyndet").click()
        expect(page.get_by_label("Vad ska göras?")).to_have_value("Belysning: Gångtunneln")
        page.get_by_label("Vad ska göras?").fill("Nya lampor i gångtunneln")
        page.get_by_role("button", name="Spara åtgärden").click()
        expect(page.get_by_text("Åtgärden är sparad.")).to_be_visible()
        page.get_by_label("Datum").fill(local(utcnow()).date().isoformat())  # /loften's year
        page.get_by_label("Vad har hänt?").fill("Lamporna är bytta.")
        page.get_by_label("Status").select_option(label="klar")
        page.get_by_role("button", name="Spara anteckningen").click()
        expect(page.get_by_text("Anteckningen är sparad.")).to_be_visible()
        page.goto(f"{live_server}/loften")
        done = page.locator("ul.done")
        expect(done).to_contain_text("Nya lampor i gångtunneln")
        expect(done).to_contain_text("Gångtunneln")
