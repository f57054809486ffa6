"""The resident survey in a real browser, the ways residents reach it: keyboard only, a narrow or
zoomed screen, right to left, no JavaScript, a slow connection, another language."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Request, expect
from playwright.sync_api import Response as PageResponse
from sqlalchemy.orm import Session

from feedback import db, questionnaire
from feedback.i18n import LANGUAGES, RIGHT_TO_LEFT, html_lang
from feedback.meetings import get_or_create_district
from feedback.places import import_places, parse_places, snap, within
from tests.conftest import make_meeting, make_organisation
from tests.e2e.conftest import PHONE, stored_responses

FREE_TEXT = "Mörkt vid gångtunneln på kvällen"
THANKS = "Tack för dina svar!"
# What the survey page may weigh, compressed: what a new TCP connection delivers in its first
# round trip (an initial window of ten segments, RFC 6928), for slow rural connections.
WEIGHT_BUDGET = 14 * 1024

# The focused element as the test needs it; `visible` is whether its focus indicator shows (on
# the answer's button, where the radio lies invisibly over one).
FOCUSED = """() => {
  const e = document.activeElement, style = getComputedStyle(e.closest(".row .choice") || e);
  return {
    tag: e.tagName.toLowerCase(), name: e.name || "", value: e.value || "",
    checked: Boolean(e.checked), text: e.textContent.trim(),
    visible: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none",
  };
}"""


def open_survey(app: Flask) -> str:
    """The code of a meeting whose survey is open now."""
    with app.app_context():
        return make_meeting(db.session()).code


def focused(page: Page) -> dict[str, Any]:
    """What has the keyboard focus."""
    found: dict[str, Any] = page.evaluate(FOCUSED)
    return found


def press_until(
    page: Page, key: str, reached: Callable[[dict[str, Any]], bool], limit: int = 60
) -> dict[str, Any]:
    """Press a key until the focus reaches the element wanted; that element."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if reached(now):
            return now
    raise AssertionError(f"{limit} × {key} never reached the element; focus is on {now}")


def scroll_width(page: Page) -> int:
    """The page's width in CSS pixels, horizontal overflow included."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


@pytest.mark.browser
def test_the_survey_can_be_answered_with_the_keyboard_alone(
    app: Flask, live_server: str, browser: Browser, session: Session
) -> None:
    """Tab, Shift+Tab, arrows, Space and typing answer the survey, and the focus can be seen."""
    code = open_survey(app)
    with browser.new_context(viewport=PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}")

        skip = press_until(page, "Tab", lambda e: e["tag"] == "a")
        assert skip["text"] == "Hoppa till innehållet"
        assert skip["visible"], skip
        page.keyboard.press("Enter")
        assert focused(page)["tag"] == "main"

        core = press_until(page, "Tab", lambda e: e["tag"] == "input")
        assert (core["name"], core["value"]) == ("safety_evening", "very_safe")
        assert not core["checked"]  # reaching a question does not answer it
        assert core["visible"], core
        page.keyboard.press("ArrowDown")  # moves to the next option and chooses it
        core = focused(page)
        assert (core["value"], core["checked"]) == ("fairly_safe", True)

        press_until(page, "Tab", lambda e: e["name"] == "problem_lighting")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        chosen = focused(page)
        assert (chosen["value"], chosen["checked"]) == ("fairly_big", True)
        assert chosen["visible"], chosen

        where = press_until(page, "Tab", lambda e: e["name"] == "safer_how")
        assert where["tag"] == "textarea"
        assert where["visible"], where
        page.keyboard.type(FREE_TEXT)

        # Back into the problems: the focus returns to the chosen answer, still chosen.
        back = press_until(page, "Shift+Tab", lambda e: e["name"] == "problem_lighting")
        assert (back["value"], back["checked"]) == ("fairly_big", True)

        send = press_until(page, "Tab", lambda e: e["tag"] == "button")
        assert send["text"] == "Skicka svaren"
        assert send["visible"], send
        page.keyboard.press("Space")
        expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)

    answers = {"safety_evening": "fairly_safe", "problem_lighting": "fairly_big"}
    assert stored_responses(session) == [("link", "sv", {**answers, "safer_how": FREE_TEXT})]


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["sv", "ar", "fa_AF"])
def test_the_survey_fits_a_320_pixel_screen(
    app: Flask, live_server: str, browser: Browser, lang: str
) -> None:
    """No horizontal scrolling at 320 CSS pixels (WCAG 1.4.10 Reflow), errors shown or not."""
    code = open_survey(app)
    with browser.new_context(viewport={"width": 320, "height": 640}, locale="sv-SE") as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}?lang={lang}")
        assert scroll_width(page) <= 320
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert scroll_width(page) <= 320


# A phone's screen, and what the survey may take of it in every language: the whole
# questionnaire (to its last send button) in four screens, the core question and a send
# button within the first two.
SMALL_PHONE = {"width": 360, "height": 740}
MAX_SCREENS = 4.0
CORE_SCREENS = 2


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_survey_fits_four_phone_screens_and_can_be_sent_within_two(
    app: Flask, live_server: str, browser: Browser, lang: str
) -> None:
    """At 360×740 the questionnaire takes at most four screens; the core question and a button
    that sends it, within the first two; and no sideways scrolling."""
    code = open_survey(app)
    with browser.new_context(viewport=SMALL_PHONE) as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}?lang={lang}")
        form = page.locator("main form")
        sends = form.locator("button[type=submit]")
        core, early, last = (
            form.locator("fieldset").first.bounding_box(),
            sends.first.bounding_box(),
            sends.last.bounding_box(),
        )
        assert core and early and last
        screen = SMALL_PHONE["height"]
        end = last["y"] + last["height"]
        print(f"{lang}: questionnaire {end / screen:.2f} screens, first send at {early['y']:.0f}")
        assert end <= MAX_SCREENS * screen
        assert core["y"] + core["height"] <= CORE_SCREENS * screen
        assert early["y"] + early["height"] <= CORE_SCREENS * screen
        assert scroll_width(page) <= SMALL_PHONE["width"]
        # The short buttons still carry the whole answer as their name.
        speeding = questionnaire.current().question("problem_speeding")
        problem = page.get_by_role("group", name=speeding.label(lang), exact=True)
        assert problem.get_by_role("radio").count() == 5
        full = speeding.options[1].label(lang)
        expect(problem.get_by_role("radio", name=full)).to_have_count(1)


@pytest.mark.browser
def test_the_survey_can_be_sent_after_the_core_question_alone(
    app: Flask, live_server: str, browser: Browser, session: Session
) -> None:
    """The send button after the first part stores the core answer; the rest stays optional."""
    code = open_survey(app)
    with browser.new_context(viewport=SMALL_PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}")
        page.get_by_text("Ganska trygg", exact=True).click()
        page.get_by_role("button", name="Skicka nu").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    assert stored_responses(session) == [("link", "sv", {"safety_evening": "fairly_safe"})]


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False])
def test_a_failed_submit_moves_the_focus_to_the_error_summary(
    app: Flask, live_server: str, browser: Browser, javascript: bool
) -> None:
    """The summary takes the focus (no script needed), links to the field, and the title says
    there is an error (WCAG 3.3.1)."""
    code = open_survey(app)
    with browser.new_context(
        viewport=PHONE, locale="sv-SE", java_script_enabled=javascript
    ) as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}")
        assert not page.title().startswith("Fel")
        page.locator("main form button[type=submit]").first.click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        assert page.title().startswith("Fel: ")
        link = summary.get_by_role("link")
        expect(link).to_have_count(1)
        target = link.get_attribute("href")
        assert target and page.locator(target).count() == 1


@pytest.mark.browser
def test_the_survey_works_at_200_percent_zoom(
    app: Flask, live_server: str, browser: Browser
) -> None:
    """Zoomed to 200 %, the page needs no horizontal scrolling and its button can be reached.

    Browser zoom enlarges the CSS pixel, so a window 1280 pixels wide at 200 % lays the page out
    in a 640 CSS pixel viewport, which is what WCAG's own understanding documents for 1.4.4 and
    1.4.10 use as the equivalent (1280 px at 400 % = 320 CSS px). Playwright cannot set the
    browser's zoom level, so the test opens a 640 × 900 viewport instead.
    """
    code = open_survey(app)
    with browser.new_context(viewport={"width": 640, "height": 900}, locale="sv-SE") as zoomed:
        page = zoomed.new_page()
        page.goto(f"{live_server}/s/{code}")
        assert scroll_width(page) <= 640
        send = page.get_by_role("button", name="Skicka svaren")
        send.scroll_into_view_if_needed()
        expect(send).to_be_visible()
        expect(send).to_be_in_viewport()


@pytest.mark.browser
@pytest.mark.parametrize("lang", sorted(RIGHT_TO_LEFT))
def test_the_survey_reads_right_to_left_in_arabic_farsi_and_dari(
    app: Flask, live_server: str, browser: Browser, lang: str
) -> None:
    """In Arabic, Farsi and Dari the page is marked right-to-left, and a radio button stands
    right of its text."""
    code = open_survey(app)
    with browser.new_context(viewport=PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}?lang={lang}")
        html = page.locator("html")
        expect(html).to_have_attribute("dir", "rtl")
        expect(html).to_have_attribute("lang", html_lang(lang))
        question = page.locator("fieldset.question").first
        assert question.evaluate("e => getComputedStyle(e).direction") == "rtl"
        choice = question.locator(".choice").first
        radio = choice.locator("input").bounding_box()
        label = choice.locator("label").bounding_box()
        assert radio and label
        assert radio["x"] >= label["x"] + label["width"], (radio, label)


@pytest.mark.browser
def test_the_survey_works_without_javascript(
    app: Flask, live_server: str, browser: Browser, session: Session
) -> None:
    """With JavaScript off, the plain form still sends and stores the answers."""
    code = open_survey(app)
    with browser.new_context(viewport=PHONE, locale="sv-SE", java_script_enabled=False) as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}")
        page.get_by_text("Mycket otrygg", exact=True).click()
        litter = page.get_by_role("group", name="Nedskräpning")
        litter.get_by_role("radio", name="Litet problem").click()
        page.get_by_label("Vad skulle göra platsen tryggare?").fill("Mer belysning")
        page.get_by_role("button", name="Skicka svaren").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)

    answers = {
        "safety_evening": "very_unsafe",
        "problem_litter": "small",
        "safer_how": "Mer belysning",
    }
    assert stored_responses(session) == [("link", "sv", answers)]


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_survey_is_light_and_asks_no_other_site(
    app: Flask, live_server: str, browser: Browser, lang: str
) -> None:
    """Everything the survey page loads comes from this site and weighs at most 14 KiB gzipped.

    A fresh browser context has an empty cache, so every file is fetched. The browser reports
    bodies decoded, whatever the app compressed them with, so the test gzips each body itself
    and adds up the compressed sizes (brotli, which browsers get, is smaller still).
    """
    code = open_survey(app)
    requested: list[Request] = []
    received: list[PageResponse] = []
    with browser.new_context(viewport=PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        # Playwright needs handlers it can tag, which a bound built-in like list.append is not.
        page.on("request", lambda request: requested.append(request))
        page.on("response", lambda response: received.append(response))
        page.goto(f"{live_server}/s/{code}?lang={lang}")
        expect(page.locator("main form button[type=submit]").first).to_be_visible()
        # The icon is fetched after the page has loaded: wait for it, then count what came.
        page.wait_for_load_state("networkidle")
        arrived = list(received)
        sizes = {response.url: len(gzip.compress(response.body())) for response in arrived}

    own_host = urlsplit(live_server).netloc
    assert [r.url for r in requested if urlsplit(r.url).netloc != own_host] == []
    assert len(sizes) == len(arrived) >= 2  # the page and its stylesheet (and the icon)
    total = sum(sizes.values())
    print(f"survey weight ({lang}), gzipped: {total} bytes in {len(sizes)} responses: {sizes}")
    assert total <= WEIGHT_BUDGET, sizes


@pytest.mark.browser
def test_a_chosen_language_is_remembered(app: Flask, live_server: str, browser: Browser) -> None:
    """The language switcher changes the page's language, and the next visit keeps it."""
    code = open_survey(app)
    with browser.new_context(viewport=PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", "sv")
        page.get_by_role("navigation", name="Språk").get_by_role("link", name="English").click()
        expect(html).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("How safe do you feel here?")

        page.goto(f"{live_server}/s/{code}")
        expect(html).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("How safe do you feel here?")


@pytest.mark.browser
def test_a_resident_picks_a_place_and_when_without_javascript(
    app: Flask, live_server: str, browser: Browser, session: Session
) -> None:
    """The place question is a plain form: with scripts off, on a phone, ticking works."""
    with app.app_context():
        meeting = make_meeting(db.session(), district="Hagalund")
        district = get_or_create_district(
            db.session(), make_organisation(db.session()).id, "Hagalund"
        )
        import_places(db.session(), district, parse_places("Gångtunneln\nResecentrum", None))
        db.session().commit()
        code = meeting.code
    with browser.new_context(viewport=SMALL_PHONE, java_script_enabled=False) as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}?lang=sv")
        page.get_by_label("Ganska otrygg", exact=True).check()
        where = page.get_by_role(
            "group", name="Finns det någon plats här där du känner dig otrygg?"
        )
        where.get_by_label("Gångtunneln", exact=True).check()
        page.get_by_role("group", name="När känner du dig otrygg där?").get_by_label(
            "På kvällen", exact=True
        ).check()
        assert scroll_width(page) <= SMALL_PHONE["width"]
        page.get_by_role("button", name="Skicka svaren").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    [(_, _, answers)] = stored_responses(session)
    tunnel = next(k for k in answers if k.startswith("unsafe_places:"))
    assert answers == {
        "safety_evening": "fairly_unsafe",
        tunnel: tunnel.removeprefix("unsafe_places:"),
        "unsafe_when:evening": "evening",
    }


@pytest.mark.browser
def test_a_resident_drops_a_pin_on_the_map_by_tapping_and_with_the_keyboard(
    app: Flask,
    live_server: str,
    browser: Browser,
    session: Session,
    tile_server: tuple[str, list[str]],
) -> None:
    """With the municipality's tiles configured, the map shows them; a tap sets a pin and the
    arrow keys move it a cell; only the cell's centre is sent and stored."""
    tiles, asked = tile_server
    app.config["MAP_TILES"], app.config["MAP_ATTRIBUTION"] = tiles, "© Testkartan"
    grid = app.config["MAP_GRID_METRES"]
    code = open_survey(app)
    with browser.new_context(viewport=PHONE) as phone:
        page = phone.new_page()
        hosts: set[str | None] = set()
        page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
        page.goto(f"{live_server}/s/{code}?lang=sv")
        page.get_by_label("Ganska otrygg", exact=True).check()
        view = page.get_by_role("application", name="Visa platsen på kartan")
        expect(view).to_be_visible()
        expect(page.get_by_text("© Testkartan")).to_be_visible()
        # The policy admits the tile server: the tiles load (a blocked image has no width).
        shown = page.locator(".map-tiles img")
        expect(shown.first).to_have_js_property("naturalWidth", 256)
        assert asked and all(path.startswith("/tiles/") for path in asked)

        box = view.bounding_box()
        assert box is not None
        view.click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.4})
        expect(page.get_by_role("status")).to_have_text(
            "Nålen är satt. Platsen sparas bara ungefärligt."
        )
        sent = page.locator("#unsafe_pin-value")
        tapped = tuple(float(n) for n in sent.input_value().split(","))
        assert snap(*tapped, grid) == tapped  # the cell's centre, not where the finger was
        assert within(*tapped, app.config["AREA_BOUNDS"])

        view.focus()
        page.keyboard.press("ArrowRight")
        moved = tuple(float(n) for n in sent.input_value().split(","))
        assert moved[0] == tapped[0] and 0 < (moved[1] - tapped[1]) * 111_320 * 0.5 < 1.5 * grid
        page.get_by_role("button", name="Skicka svaren").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(THANKS)
    [(_, _, answers)] = stored_responses(session)
    pin = f"{moved[0]:.5f},{moved[1]:.5f}"
    assert answers == {"safety_evening": "fairly_unsafe", "unsafe_pin": pin}
    assert hosts == {"127.0.0.1"}
