"""The whole loop in a real browser: staff print a poster, a phone scans it and answers, staff
download the answer in the CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, expect

from feedback import db
from feedback.i18n import meeting_when
from feedback.meetings import local
from tests.conftest import make_meeting, make_staff
from tests.e2e.conftest import log_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DISTRICT = "Tjärna Ängar"
FREE_TEXT = "Mörkt vid gångtunneln på kvällen"
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)


def scan_poster(desktop: BrowserContext, base_url: str, meeting_id: int, when: str) -> str:
    """Open a meeting's poster, check what it says, and return what its QR code encodes."""
    page = desktop.new_page()
    page.goto(f"{base_url}/staff/meetings/{meeting_id}/poster")
    expect(page.get_by_role("heading", level=1)).to_contain_text(DISTRICT)
    expect(page.locator(".district")).to_have_text(DISTRICT)
    expect(page.locator(".when")).to_have_text(when)
    png = page.screenshot(full_page=True)
    page.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "poster.png").write_bytes(png)
    with Image.open(io.BytesIO(png)) as image:
        codes = zxingcpp.read_barcodes(image)
    assert [code.format for code in codes] == [zxingcpp.BarcodeFormat.QRCode]
    return str(codes[0].text)


def answer_on_phone(browser: Browser, survey_url: str) -> None:
    """Open the survey on a phone, answer three questions and send."""
    with browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_USER_AGENT,
        locale="sv-SE",
    ) as phone:
        page = phone.new_page()
        page.goto(survey_url)
        page.get_by_text("Ganska trygg", exact=True).tap()
        expect(page.get_by_label("Ganska trygg", exact=True)).to_be_checked()
        lighting = page.get_by_role("group", name="Dålig belysning eller mörka platser")
        lighting.get_by_role("radio", name="Ganska stort problem").tap()
        expect(lighting.get_by_label("Ganska stort problem", exact=True)).to_be_checked()
        where = page.get_by_label("En annan plats: var?")
        where.tap()
        where.press_sequentially(FREE_TEXT)
        page.get_by_role("button", name="Skicka svaren").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tack för dina svar!")


def approve_free_text(desktop: BrowserContext, base_url: str, district_id: int) -> None:
    """Approve the waiting free-text answer on the district's moderation page."""
    page = desktop.new_page()
    page.goto(f"{base_url}/staff/districts/{district_id}/moderation")
    expect(page.locator("blockquote")).to_have_text(FREE_TEXT)
    page.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_text("Inga fritextsvar väntar på granskning.")).to_be_visible()
    page.close()


def download_csv(desktop: BrowserContext, base_url: str) -> list[dict[str, str]]:
    """The staff CSV export, downloaded with the logged-in session, as rows."""
    response = desktop.request.get(f"{base_url}/staff/export/responses.csv?dialect=rfc4180")
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/csv")
    # utf-8-sig: a BOM, which spreadsheet programs need to read UTF-8, is welcome but optional.
    text = response.body().decode("utf-8-sig")
    response.dispose()
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.browser
def test_a_scanned_poster_leads_to_a_survey_whose_answer_reaches_the_csv(
    app: Flask, live_server: str, browser: Browser
) -> None:
    """Poster QR code → phone survey → thank-you → moderation → one matching row in the CSV."""
    with app.app_context():
        session = db.session()
        make_staff(session)
        meeting = make_meeting(session, district=DISTRICT)
        meeting_id, code, district_id = meeting.id, meeting.code, meeting.district_id
        when = meeting_when(meeting)
        meeting_date = local(meeting.starts_at).date().isoformat()

    with browser.new_context(viewport={"width": 1280, "height": 1024}, locale="sv-SE") as desktop:
        page = desktop.new_page()
        log_in(page, live_server)
        page.close()
        survey_url = scan_poster(desktop, live_server, meeting_id, when)
        assert survey_url == f"{live_server}/q/{code}"  # scans are told apart from typed links

        answer_on_phone(browser, survey_url)

        assert FREE_TEXT not in "".join(str(r) for r in download_csv(desktop, live_server))
        approve_free_text(desktop, live_server, district_id)
        rows = download_csv(desktop, live_server)

    assert len(rows) == 1, rows
    row = rows[0]
    assert row["district"] == DISTRICT
    assert row["meeting_code"] == code
    assert row["meeting_date"] == meeting_date
    assert row["safety_evening"] == "fairly_safe"
    assert row["problem_lighting"] == "fairly_big"
    assert row["unsafe_place_other"] == FREE_TEXT
    assert row["unsafe_places"] == "other"  # a place written is another place
    assert row["channel"] == "qr"
    assert row["language"] == "sv"
    assert row["problem_speeding"] == ""  # questions left unanswered stay blank
