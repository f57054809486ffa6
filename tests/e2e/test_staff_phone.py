"""Staff pages on a phone: a coordinator at the meeting has nothing else. At 360 CSS pixels no
staff page scrolls sideways; tables reflow into one block per row."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import SCHEDULE_LINE, staff_world

NARROW = {"width": 360, "height": 740}
# Staff addresses that answer with a file, not a page.
FILES = {
    "staff.qr_code",
    "walks.photo",
    "review.export_responses",
    "review.export_codebook",
    "review.export_aggregates",
    "review.export_table",
    "review.export_table_codebook",
    "review.region_aggregates",
}
# The elements that stick out past the right edge, to say what to fix.
WIDEST = """() => {
  const edge = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > edge + 1)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > edge + 1))
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${e.getAttribute("class") || ""} `
      + `${Math.round(e.getBoundingClientRect().right)}px`);
}"""


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen."""
    return int(page.evaluate("document.documentElement.scrollWidth - innerWidth"))


@pytest.mark.browser
def test_no_staff_page_scrolls_sideways_at_360_px(
    app: Flask, live_server: str, browser: Browser
) -> None:
    world = staff_world(app)
    adapter = app.url_map.bind("localhost")
    walked = {adapter.match(path.split("?")[0])[0] for path, _ in world.pages}
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff") and "GET" in (rule.methods or set())
    }
    assert pages - FILES - walked == set(), "a staff page the walk below leaves out"
    wide = []
    with browser.new_context(viewport=NARROW, locale="sv-SE") as phone:
        page = phone.new_page()
        log_in(page, live_server)
        for path, what in world.pages:
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.ok, path
            if overflow(page) > 0:
                wide.append((what, overflow(page), page.evaluate(WIDEST)))
        page.get_by_label("År").fill("2019")
        page.get_by_label("Schemat, inklistrat som det publicerades").fill(SCHEDULE_LINE)
        page.get_by_role("button", name="Förhandsgranska").click()
        expect(page.get_by_role("heading", name="Så här tolkades schemat")).to_be_visible()
        if overflow(page) > 0:
            wide.append(("import preview", overflow(page), page.evaluate(WIDEST)))
    assert wide == [], "\n".join(map(str, wide))


# Rows that draw every kind of warning: an OCR slip, an unknown district, a weekday that does
# not match, a missing end, an impossible date; with long names.
DOUBTFUL_SCHEDULE = """\
Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo, Hagavägen 19
Onsdag 21/3 kl. 18.00-20.00 Omäs, samling ICA Ornäs vid Kupolens entré, Torsångsvägen 119
Torsdag 4/4 kl. 18.00 Övre Tjärna Ängar med Gylle och Sellnäs, samling Medvägaskolan, Gyllevägen 2
Fredag 32/13 kl 18-20 Någonstans
"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, NARROW])
def test_the_import_preview_fits_and_puts_each_warning_beside_its_field(
    app: Flask, live_server: str, browser: Browser, viewport: dict[str, int]
) -> None:
    staff_world(app)
    with browser.new_context(viewport=viewport, locale="sv-SE") as context:
        page = context.new_page()
        log_in(page, live_server)
        page.goto(f"{live_server}/staff/import")
        page.get_by_label("År").fill("2019")
        page.get_by_label("Schemat, inklistrat som det publicerades").fill(DOUBTFUL_SCHEDULE)
        page.get_by_role("button", name="Förhandsgranska").click()
        expect(page.get_by_role("heading", name="Så här tolkades schemat")).to_be_visible()
        assert overflow(page) <= 0, page.evaluate(WIDEST)
        # Nothing of the table is clipped: every input and warning lies inside the screen.
        outside = page.evaluate(
            """() => [...document.querySelectorAll("table.import input, table.import .warning")]
                .filter(e => e.type !== "hidden")
                .filter(e => { const r = e.getBoundingClientRect();
                               return r.left < 0 || r.right > innerWidth + 1; })
                .map(e => e.name || e.textContent)"""
        )
        assert outside == []
        # Each warning is in the cell of the field it concerns, and describes that field.
        warnings = page.locator("table.import .warning")
        assert warnings.count() >= 5
        for field, said in [
            ("rows-1-district", "Tolkade 'Omäs' som 'Ornäs'."),
            ("rows-1-day", "Veckodagen stämmer inte"),
            ("rows-2-end", "Ingen sluttid angiven."),
            ("rows-3-day", "Datumet '32/13' finns inte år 2019."),
        ]:
            described = page.locator(f"[name='{field}']").get_attribute("aria-describedby")
            assert described is not None, field
            assert said in page.locator(f"#{described}").inner_text(), field
