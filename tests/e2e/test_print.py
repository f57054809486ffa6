"""Posters, the basis and the paper form printed to PDF by Chromium, counted page by page: a
poster is one A4 sheet, whatever the length of the district's, the venue's or the address's
name."""

from __future__ import annotations

import io
from datetime import date, time

import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser
from pypdf import PdfReader
from sqlalchemy import update

from feedback import db
from feedback.i18n import LANGUAGES, RIGHT_TO_LEFT
from feedback.models import FreeTextReview, Meeting
from tests.conftest import make_meeting, make_staff
from tests.e2e.conftest import log_in, make_response

A4_POINTS = (595, 842)  # 210 × 297 mm
# As long as the fields allow: a district of 100 characters, a venue and an address of 200.
LONG = {
    "district": ("Övre Tjärna Ängar med Gylle, Sellnäs och Medväga – norra och östra delen " * 2)[
        :100
    ].strip(),
    "place": ("Kulturhusets stora entréhall vid trappan mot Sveatorget, bredvid biblioteket " * 3)[
        :200
    ].strip(),
    "address": ("Borganäsvägen 25 A, ingång från parkeringen bakom Kupolen, 784 33 Borlänge " * 3)[
        :200
    ].strip(),
}


def pages(pdf: bytes) -> list[tuple[int, int]]:
    """Each page's size in points, rounded."""
    reader = PdfReader(io.BytesIO(pdf))
    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]


@pytest.mark.browser
@pytest.mark.parametrize("length", ["short", "long"])
def test_every_poster_prints_on_one_a4_sheet(
    app: Flask, live_server: str, browser: Browser, length: str
) -> None:
    with app.app_context():
        session = db.session()
        make_staff(session)
        fields = LONG if length == "long" else {"district": "Årby", "place": "ICA", "address": None}
        made = [
            make_meeting(session, day=date(2019, 5, 2 + i), start=time(18), end=time(20), **fields)
            for i in range(3)
        ]
        ids, codes = [m.id for m in made], [m.code for m in made]
    with browser.new_context(locale="sv-SE") as desktop:
        page = desktop.new_page()
        log_in(page, live_server)
        page.emulate_media(media="print")  # screenshots as printed; PDFs always are
        for meeting_id, code in zip(ids, codes, strict=True):
            page.goto(f"{live_server}/staff/meetings/{meeting_id}/poster")
            assert pages(page.pdf(prefer_css_page_size=True, print_background=True)) == [
                A4_POINTS
            ], meeting_id
            # As printed, the QR code still scans and leads to the meeting's survey.
            with Image.open(io.BytesIO(page.screenshot(full_page=True))) as image:
                found = [c.text for c in zxingcpp.read_barcodes(image)]
            assert found == [f"{live_server}/q/{code}"]
        # The year's print: exactly one sheet per meeting.
        page.goto(f"{live_server}/staff/posters/2019")
        assert pages(page.pdf(prefer_css_page_size=True, print_background=True)) == [
            A4_POINTS
        ] * len(ids)


# Quotes that land under different problems' headings in the basis (keywords in the data).
QUOTES = [
    "Mopeder kör fort på cykelvägen vid skolan om kvällarna.",
    "Dålig belysning i gångtunneln, lamporna är trasiga sedan länge.",
    "Mycket klotter på väggarna vid busshållplatsen och tunneln.",
    "Nedskräpning vid återvinningen, soporna ligger kvar i veckor.",
]


@pytest.mark.browser
def test_the_basis_never_ends_a_sheet_with_a_heading(
    app: Flask, live_server: str, browser: Browser
) -> None:
    """The basis printed to PDF again and again, one approved quote longer each time, so that
    every heading and caption passes the bottom of a sheet: no sheet's last line is one."""
    with app.app_context():
        session = db.session()
        make_staff(session)
        meeting = make_meeting(session, day=date(2019, 3, 7), start=time(18), end=time(20))
        for core in ("very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe", "very_safe"):
            make_response(session, meeting, safety_evening=core, problem_litter="fairly_big")
        meeting_id, district_id = meeting.id, meeting.district_id
    ended_on_heading, sheet_counts = [], set()
    with browser.new_context(locale="sv-SE") as desktop:
        page = desktop.new_page()
        log_in(page, live_server)
        for i in range(40):
            with app.app_context():
                session = db.session()
                found = session.get(Meeting, meeting_id)
                assert found is not None
                make_response(session, found, safety_evening="very_safe", safer_how=QUOTES[i % 4])
                session.execute(update(FreeTextReview).values(status="approved"))
                session.commit()
            page.goto(f"{live_server}/staff/districts/{district_id}/basis?year=2019")
            headings = {
                " ".join(text.split())
                for text in page.locator("main h2, main h3, main caption").all_inner_texts()
            }
            sheets = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True))).pages
            sheet_counts.add(len(sheets))
            for sheet in sheets[:-1]:
                lines = [" ".join(line.split()) for line in sheet.extract_text().splitlines()]
                lines = [line for line in lines if line]
                if lines and lines[-1] in headings:
                    ended_on_heading.append((i, lines[-1]))
    assert len(sheet_counts) >= 2  # the quotes did push content over a sheet's edge
    assert ended_on_heading == []


@pytest.mark.browser
def test_the_paper_form_prints_on_a4_in_every_language(
    app: Flask, live_server: str, browser: Browser
) -> None:
    """The paper form printed to PDF in each language: on A4, right to left where the language
    is, and on two sheets, as in Swedish; Somali, whose wording runs longest, takes three."""
    with app.app_context():
        session = db.session()
        make_staff(session)
        meeting_id = make_meeting(session, district="Årby", place="ICA").id
    sheets: dict[str, int] = {}
    with browser.new_context(locale="sv-SE") as desktop:
        page = desktop.new_page()
        log_in(page, live_server)
        for code in LANGUAGES:
            page.goto(f"{live_server}/staff/meetings/{meeting_id}/paper/{code}")
            direction = "rtl" if code in RIGHT_TO_LEFT else "ltr"
            assert page.locator("html").get_attribute("dir") == direction, code
            printed = pages(page.pdf(prefer_css_page_size=True, print_background=True))
            assert set(printed) == {A4_POINTS}, code
            sheets[code] = len(printed)
    print(f"paper form, sheets per language: {sheets}")
    assert sheets == {"sv": 2, "en": 2, "ar": 2, "so": 3, "fa": 2, "fa_AF": 2}
