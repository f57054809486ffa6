"""Every page residents and staff see, checked by axe-core in a real browser against WCAG 2.1 A
and AA, the level DOS-lagen requires (EN 301 549).

axe-core finds only what a machine can find (missing names, contrast, landmarks, ids ...);
keyboard use, narrow screens and right-to-left reading are tested in test_survey_browser.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from feedback import db
from feedback.actions import ActionFields, add_note, create_action
from feedback.i18n import LANGUAGES, html_lang
from feedback.meetings import local
from feedback.models import utcnow
from feedback.places import import_places, list_places, parse_places, retire
from feedback.pledges import PledgeFields, publish, save_pledge
from feedback.users import create_user
from feedback.walks import FindingFields, record_finding
from feedback.walks.photos import clean_photo
from tests.conftest import make_meeting, make_organisation, make_staff
from tests.e2e.conftest import DESKTOP, PHONE, log_in, make_response
from tests.test_walks import phone_photo as photo_bytes

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Axe()
SCHEDULE_LINE = "Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo, Hagavägen 19"


def describe(node: dict[str, Any]) -> str:
    """One element axe-core faulted: where it is, its markup, and what is wrong with it."""
    target = ", ".join(map(str, node["target"]))
    wrong = "; ".join(check["message"] for check in node["any"] + node["all"] + node["none"])
    return f"\n    {target}: {node['html'][:160]}\n      {wrong}"


class Audit:
    """Runs axe-core on page after page and keeps every violation, so one run reports them all."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, page: Page, what: str) -> None:
        """Record the WCAG 2.1 A/AA violations on the page as it is now."""
        options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
        for violation in AXE.run(page, options=options).response["violations"]:
            nodes = "".join(describe(node) for node in violation["nodes"])
            self.found.append(
                f"{what} ({page.url}): {violation['id']} [{violation['impact']}] "
                f"{violation['help']} <{violation['helpUrl']}>{nodes}"
            )

    def assert_clean(self) -> None:
        """Fail with a readable report of everything found: page, rule, help, elements."""
        if self.found:
            report = "\n".join(self.found)
            pytest.fail(f"{len(self.found)} axe-core violations:\n{report}", pytrace=False)


@pytest.mark.browser
def test_the_audit_reports_what_it_finds(browser: Browser) -> None:
    """A page with known faults fails the audit, naming the rule and the element."""
    audit = Audit()
    with browser.new_context() as context:
        page = context.new_page()
        page.set_content('<html lang="sv"><title>Fel</title><main><input id="x"></main></html>')
        audit.check(page, "known faults")
    assert len(audit.found) == 1
    assert audit.found[0].startswith("known faults (about:blank): label [critical]")
    assert "#x" in audit.found[0]
    with pytest.raises(pytest.fail.Exception, match="1 axe-core violations"):
        audit.assert_clean()


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_survey_in_each_language_has_no_violations(
    app: Flask, live_server: str, browser: Browser, tile_server: tuple[str, list[str]], lang: str
) -> None:
    """The survey with the map the municipality's tiles give it, before and after a pin is
    dropped, and re-shown with its errors after sending it without the core question."""
    app.config["MAP_TILES"], app.config["MAP_ATTRIBUTION"] = tile_server[0], "© Testkartan"
    with app.app_context():
        code = make_meeting(db.session()).code
    audit = Audit()
    with browser.new_context(viewport=PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        page.goto(f"{live_server}/s/{code}?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", html_lang(lang))
        view = page.locator(".map-view")
        expect(view).to_be_visible()
        audit.check(page, f"survey with map, {lang}")
        view.click()
        expect(page.locator(".map-pin")).to_be_visible()
        audit.check(page, f"survey with a pin on the map, {lang}")
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator(".error-summary")).to_be_visible()
        audit.check(page, f"survey with errors, {lang}")
    audit.assert_clean()


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_resident_pages_have_no_violations(
    app: Flask, live_server: str, browser: Browser, lang: str
) -> None:
    """Start page, notices, 404, closed survey, thank-you and already-answered pages."""
    with app.app_context():
        session = db.session()
        meeting = make_meeting(session)
        code = meeting.code
        month_ago = local(utcnow()).date() - timedelta(days=30)
        closed = make_meeting(session, district="Domnarvet", day=month_ago).code
        this_year = local(utcnow()).year
        for year in (this_year - 1, this_year):
            pledge = save_pledge(
                session,
                PledgeFields(
                    make_organisation(session).id,
                    year,
                    "Tryggare kvällar",
                    "Fler vuxna ute.",
                    "both",
                    [],
                    ["safe"],
                    "",
                ),
            )
            publish(session, pledge, utcnow())
        # Something done this year from a walk's finding, with an approved photo.
        walk = make_meeting(session, district="Domnarvet", day=month_ago - timedelta(days=1))
        walk.kind = "walk"
        import_places(session, walk.district, parse_places("Gångtunneln", None))
        tunnel = list_places(session, [walk.district_id])[0]
        finding = record_finding(
            session,
            walk,
            FindingFields("lighting", "high", "", place_id=tunnel.id),
            [clean_photo(photo_bytes((800, 600)), 10**7)],
            "samordnare@example.se",
        )
        finding.photos[0].status = "approved"
        done = create_action(
            session,
            walk.district,
            ActionFields("Nya lampor", "", "municipality", "", None, tunnel.id, None, finding.id),
            "samordnare@example.se",
        )
        add_note(session, done, local(utcnow()).date(), "Klart.", "done", "s@example.se")
        session.commit()
    audit = Audit()
    with browser.new_context(viewport=PHONE, locale="sv-SE") as phone:
        page = phone.new_page()
        html, survey_form = page.locator("html"), page.locator("main form")
        for path, status, what in [
            (f"/?lang={lang}", 200, "start page"),  # the visit keeps the language from here on
            ("/integritet", 200, "privacy notice"),
            ("/tillganglighet", 200, "accessibility statement"),
            ("/loften", 200, "pledges and their follow-up"),
            ("/s/XXXXXXX", 404, "404"),
            (f"/s/{closed}", 200, "closed survey"),
        ]:
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.status == status, path
            expect(html).to_have_attribute("lang", html_lang(lang))
            audit.check(page, f"{what}, {lang}")
        expect(survey_form).to_have_count(0)  # closed: nothing to answer
        page.goto(f"{live_server}/loften")
        expect(page.locator("ul.done img")).to_have_count(1)  # the audit saw the photo too

        page.goto(f"{live_server}/s/{code}")
        page.locator("input[name=safety_evening][value=fairly_safe]").check()
        survey_form.locator("button[type=submit]").first.click()
        expect(page).to_have_url(f"{live_server}/s/{code}/tack")
        audit.check(page, f"thank-you page, {lang}")
        page.goto(f"{live_server}/s/{code}")
        expect(survey_form).to_have_count(0)  # already answered: no second form
        audit.check(page, f"already answered, {lang}")
    audit.assert_clean()


@pytest.mark.browser
def test_login_page_has_no_violations(app: Flask, live_server: str, browser: Browser) -> None:
    """The login form, and the form again after a wrong password."""
    with app.app_context():
        make_staff(db.session())
    audit = Audit()
    with browser.new_context(viewport=DESKTOP, locale="sv-SE") as desktop:
        page = desktop.new_page()
        page.goto(f"{live_server}/login")
        audit.check(page, "login")
        page.get_by_label("E-postadress").fill("polis@example.se")
        page.get_by_label("Lösenord").fill("fel lösenord, fel")
        page.get_by_role("button", name="Logga in").click()
        expect(page.locator(".error-summary")).to_be_visible()
        audit.check(page, "login with errors")
    audit.assert_clean()


# A provider's settings: the refusals checked here never reach its issuer.
SSO = {
    "issuer": "http://127.0.0.1:9",
    "client_id": "trygghetsdialog",
    "client_secret": "x",
    "name": "Borlänge kommuns konto",
}


@pytest.mark.browser
@pytest.mark.parametrize("app_config", [{"OIDC_PROVIDERS": {"borlange": SSO}}])
def test_login_page_with_single_sign_on_has_no_violations(
    live_server: str, browser: Browser
) -> None:
    """The login page with a provider's button, and as a refused single sign-on leaves it."""
    audit = Audit()
    with browser.new_context(viewport=DESKTOP, locale="sv-SE") as desktop:
        page = desktop.new_page()
        page.goto(f"{live_server}/login")
        expect(page.get_by_role("link", name="Logga in med Borlänge kommuns konto")).to_be_visible()
        audit.check(page, "login with single sign-on")
        # Where the provider sends a visitor who cancelled there.
        page.goto(f"{live_server}/login/sso/borlange/callback?error=access_denied&state=x")
        expect(page.locator(".error-summary")).to_contain_text("avbröts eller nekades")
        audit.check(page, "login after a refused single sign-on")
        page.get_by_label("E-postadress").fill("polis@example.se")
        page.get_by_label("Lösenord").fill("fel lösenord, fel")
        page.get_by_role("button", name="Logga in").click()
        expect(page.locator(".error-summary")).to_contain_text("Fel e-postadress")
        audit.check(page, "login with single sign-on and errors")
    audit.assert_clean()


@dataclass(frozen=True)
class StaffWorld:
    """Every staff page (address, what it is) of a world with meetings, responses, a published
    pledge and users; the import page comes last, as the import preview starts from it."""

    pages: list[tuple[str, str]]
    meeting_id: int
    code: str
    places_page: str
    walk_id: int
    finding_id: int


def staff_world(app: Flask) -> StaffWorld:
    """Fill the database; its staff pages."""
    with app.app_context():
        session = db.session()
        make_staff(session)
        meeting = make_meeting(session)
        make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
        make_meeting(session, district="Domnarvet", day=date(2019, 3, 7), place="Skolan")
        make_response(session, meeting, safety_evening="fairly_safe", problem_lighting="very_big")
        make_response(session, meeting, safety_evening="very_unsafe", trust_police="dont_know")
        for core in ("very_safe", "fairly_safe", "no_go_unsafe", "dont_know"):
            make_response(session, meeting, safety_evening=core, problem_litter="fairly_big")
        make_response(
            session, meeting, safety_evening="very_unsafe", unsafe_place_other="Han säljer knark"
        )
        user_id = create_user(
            session,
            "analytiker@example.se",
            "ett långt lösenord",
            "analyst",
            [make_organisation(session)],
        ).id
        pledge = save_pledge(
            session,
            PledgeFields(
                make_organisation(session).id,
                2019,
                "Belysning",
                "Nya lampor.",
                "municipality",
                [],
                ["safe"],
                "",
            ),
        )
        publish(session, pledge, utcnow())
        pledge_id = pledge.id
        places = "Resecentrum; 60.4853, 15.4364\nGångtunneln under Röda vägen\nTorget"
        import_places(session, meeting.district, parse_places(places, None))
        retire(session, list_places(session, [meeting.district_id])[-1], utcnow())
        tunnel, station = (str(p.id) for p in list_places(session, [meeting.district_id])[:2])
        for named in [[tunnel]] * 5 + [[tunnel, station], ["none"]]:
            places_named = {f"unsafe_places:{code}": code for code in named}
            make_response(session, meeting, safety_evening="fairly_safe", **places_named)
        action = create_action(
            session,
            meeting.district,
            ActionFields(
                "Byt belysningen i gångtunneln",
                "Två lampor är trasiga.",
                "property_owner",
                "Fastighets AB Tunet",
                date(2019, 5, 1),  # overdue
                list_places(session, [meeting.district_id])[0].id,
            ),
            "samordnare@example.se",
        )
        add_note(session, action, date(2019, 4, 2), "Beställd.", "in_progress", "s@example.se")
        action_id = action.id
        walk = make_meeting(session, district="Hagalund", day=date(2019, 9, 12), place="Torget")
        walk.kind = "walk"
        finding = record_finding(
            session,
            walk,
            FindingFields("lighting", "high", "Tre lampor trasiga.", place_id=int(tunnel)),
            [clean_photo(photo_bytes(), 10**7), clean_photo(photo_bytes(), 10**7)],
            "samordnare@example.se",
        )
        finding.photos[0].status = "approved"
        walk_id, finding_id = walk.id, finding.id
        session.commit()
        meeting_id, district_id, code = meeting.id, meeting.district_id, meeting.code
    pages = [
        ("/staff/", "meetings"),
        (f"/staff/?district={district_id}", "one district's meetings"),
        ("/staff/districts", "districts"),
        (f"/staff/districts/{district_id}", "district with responses"),
        ("/staff/meetings/new", "new meeting"),
        (f"/staff/meetings/{meeting_id}", "meeting"),
        (f"/staff/meetings/{meeting_id}/edit", "edit meeting"),
        (f"/staff/meetings/{meeting_id}/cancel", "cancelling a meeting, asked first"),
        (f"/staff/meetings/{meeting_id}/preview", "survey preview"),
        (f"/staff/meetings/{meeting_id}/poster", "poster"),
        ("/staff/posters/2019", "a year's posters"),
        (f"/staff/meetings/{meeting_id}/paper/sv", "paper form, Swedish"),
        (f"/staff/meetings/{meeting_id}/paper/ar", "paper form, Arabic"),
        (f"/staff/meetings/{meeting_id}/paper/fa_AF", "paper form, Dari"),
        (f"/staff/meetings/{meeting_id}/paper-entry", "paper entry"),
        ("/staff/overview", "overview"),
        ("/staff/region", "regional overview"),
        ("/staff/export", "export"),
        ("/staff/pledges", "pledges"),
        ("/staff/pledges/new", "new pledge"),
        (f"/staff/pledges/{pledge_id}", "pledge with follow-up and notes"),
        (f"/staff/districts/{district_id}/basis", "basis for pledges, district"),
        ("/staff/basis", "basis for pledges, municipality"),
        (f"/staff/districts/{district_id}/moderation", "moderation queue"),
        (f"/staff/districts/{district_id}/places", "places of a district, one out of use"),
        (f"/staff/districts/{district_id}/actions", "actions of a district, one overdue"),
        (f"/staff/districts/{district_id}/actions/new", "new action"),
        (f"/staff/districts/{district_id}/actions/{action_id}", "action with a note"),
        (f"/staff/meetings/{walk_id}", "safety walk"),
        (f"/staff/meetings/{walk_id}/poster", "safety walk's poster"),
        (f"/staff/meetings/{walk_id}/findings", "a walk's findings and the form for one"),
        (f"/staff/meetings/{walk_id}/findings/{finding_id}", "finding, one photo approved"),
        ("/staff/admin/users", "users"),
        ("/staff/admin/users/new", "new user"),
        (f"/staff/admin/users/{user_id}", "edit user"),
        ("/staff/admin/audit", "audit log"),
        ("/staff/admin/account", "own account"),
        ("/staff/import", "import"),  # last: the import preview starts from it
    ]
    return StaffWorld(
        pages, meeting_id, code, f"/staff/districts/{district_id}/places", walk_id, finding_id
    )


@pytest.mark.browser
def test_staff_pages_have_no_violations(app: Flask, live_server: str, browser: Browser) -> None:
    """Every staff page, with meetings and responses, so tables have rows and numbers."""
    world = staff_world(app)
    meeting_id, code = world.meeting_id, world.code
    audit = Audit()
    with browser.new_context(viewport=DESKTOP, locale="sv-SE") as desktop:
        page = desktop.new_page()
        log_in(page, live_server)
        for path, what in world.pages:
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.ok, (path, response and response.status)
            audit.check(page, what)

        page.get_by_label("År").fill("2019")
        page.get_by_label("Schemat, inklistrat som det publicerades").fill(SCHEDULE_LINE)
        page.get_by_role("button", name="Förhandsgranska").click()
        expect(page.get_by_role("heading", name="Så här tolkades schemat")).to_be_visible()
        audit.check(page, "import preview")

        page.goto(f"{live_server}/staff/meetings/new")
        page.get_by_role("button", name="Spara").click()
        expect(page.locator(".error-summary")).to_be_visible()
        audit.check(page, "new meeting with errors")

        page.goto(f"{live_server}{world.places_page}")
        page.get_by_label("Nya platser, en per rad").fill("Bron; 15.43, 60.48")
        page.get_by_role("button", name="Spara platserna").click()
        expect(page.locator(".error-summary")).to_be_visible()
        audit.check(page, "places with errors")

        page.goto(f"{live_server}/staff/meetings/{world.walk_id}/findings")
        page.get_by_role("button", name="Spara fyndet").click()
        expect(page.locator(".error-summary")).to_be_visible()
        audit.check(page, "finding with errors")
        page.goto(f"{live_server}/staff/meetings/{world.walk_id}/findings/{world.finding_id}")
        page.get_by_role("button", name="Spara fotona").click()
        expect(page.locator(".error-summary")).to_be_visible()
        audit.check(page, "more photos with errors")

        page.goto(f"{live_server}/staff/meetings/{meeting_id}")
        page.get_by_role("button", name="Starta kioskläge").click()
        expect(page).to_have_url(f"{live_server}/s/{code}")
        expect(page.get_by_role("link", name="Avsluta kioskläge (för personal)")).to_be_visible()
        audit.check(page, "kiosk survey")
        page.get_by_text("Ganska otrygg", exact=True).click()
        page.get_by_role("button", name="Skicka svaren").click()
        expect(page.get_by_role("status")).to_contain_text("Nu kan nästa person svara")
        audit.check(page, "kiosk survey, ready for the next person")
    audit.assert_clean()


@pytest.mark.browser
def test_pages_of_a_region_with_two_organisations_have_no_violations(
    app: Flask, live_server: str, browser: Browser
) -> None:
    """The list to choose a municipality from, an organisation's own pages, and a police
    coordinator's staff pages with the menu of municipalities and the region."""
    with app.app_context():
        session = db.session()
        borlange = make_meeting(session, district="Hagalund")
        falun = make_meeting(session, district="Centrum", organisation="falun")
        create_user(
            session,
            "polis@polisen.se",
            "ett långt lösenord",
            "coordinator",
            [make_organisation(session), make_organisation(session, "falun")],
            [borlange.district, falun.district],
        )
        session.commit()
    audit = Audit()
    for viewport in (DESKTOP, PHONE):
        with browser.new_context(viewport=viewport, locale="sv-SE") as context:
            page = context.new_page()
            for path, what in (("/", "choose a municipality"), ("/falun/", "Falun's schedule")):
                page.goto(f"{live_server}{path}")
                audit.check(page, f"{what}, {viewport['width']} px")
            page.goto(f"{live_server}/login")
            page.get_by_label("E-postadress").fill("polis@polisen.se")
            page.get_by_label("Lösenord").fill("ett långt lösenord")
            page.get_by_role("button", name="Logga in").click()
            expect(page).to_have_url(f"{live_server}/borlange/staff/")
            audit.check(page, f"staff pages with two municipalities, {viewport['width']} px")
            page.get_by_role("link", name="Falun kommun").click()
            expect(page).to_have_url(f"{live_server}/falun/staff/")
            page.get_by_role("link", name="Regionen").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Regionen")
            audit.check(page, f"the region, {viewport['width']} px")
    audit.assert_clean()
