"""Roles and scopes: every staff action (endpoint and method), for every role, own district
and another, with a valid CSRF token on every POST.

What each role may do is written out below, from the README's account of the roles, and not
read from feedback.access.RULES: a test that asked RULES what to expect could never fail.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import questionnaire
from feedback.access import RULES
from feedback.actions import ActionFields, create_action
from feedback.db import Base
from feedback.i18n import html_lang
from feedback.models import FreeTextReview, Meeting, Pledge, PledgeNote
from feedback.places import PlaceLine, import_places, list_places
from feedback.pledges import PledgeFields, save_pledge
from feedback.responses import Submission, record_response
from feedback.users import create_user
from feedback.walks import FindingFields, record_finding
from feedback.walks.photos import clean_photo
from tests.conftest import STAFF_PASSWORD, csrf_token, make_meeting, make_organisation, reread

# Two districts of Borlänge, and one of Falun: another organisation in the same installation.
OWN, OTHER, FOREIGN = "Hagalund", "Romme", "Centrum"
# Falun's district named at Borlänge's address: its ids, where only Borlänge's are in scope.
ABROAD = "Centrum at Borlänge's address"
ORGANISATION = {OWN: "borlange", OTHER: "borlange", FOREIGN: "falun"}
# Borlänge's staff, and a police coordinator who works in Hagalund and in Falun's Centrum.
ROLES = ("admin", "coordinator", "analyst", "police", "anonymous")
EMAILS = {
    "admin": "admin@example.se",
    "coordinator": "samordnare@example.se",
    "analyst": "analytiker@example.se",
    "police": "polis@example.se",
}
EVERYONE = frozenset({"admin", "coordinator", "analyst", "police"})
ORGANISERS = frozenset({"admin", "coordinator", "police"})  # they schedule, moderate, pledge
READERS = frozenset({"admin", "analyst"})  # they export
ADMINS = frozenset({"admin"})


@dataclass
class World:
    """Two districts with a meeting, free text and a pledge each, and a user of every kind."""

    meetings: dict[str, int]
    districts: dict[str, int]
    pledges: dict[str, int]
    answers: dict[str, str]
    spare_user: int
    places: dict[str, int]
    actions: dict[str, int]
    walks: dict[str, int]
    findings: dict[str, int]
    photos: dict[str, int]


Data = Callable[[World, str], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    """One staff action, who may take it, and how to take it about a district.

    `about` says what a coordinator of another district meets: "district" for actions on one
    district's meeting, district or pledge (404, as if it did not exist), "choice" for forms
    where the district is chosen (400: the form refuses a district that is not theirs).
    """

    endpoint: str
    method: str
    path: str
    roles: frozenset[str]
    about: str | None = None
    data: Data = field(default=lambda world, where: {})
    stores: bool = True  # a POST allowed through changes the database


def _meeting_data(world: World, where: str) -> dict[str, Any]:
    return {
        "district": world.districts[where],
        "day": "2019-03-21",
        "start": "18:00",
        "end": "20:00",
        "place": "Biblioteket",
    }


def _import_data(world: World, where: str) -> dict[str, Any]:
    return {
        "year": "2019",
        "text": "x",
        "action": "confirm",
        "rows-0-include": "y",
        "rows-0-day": "2019-05-23",
        "rows-0-start": "18:00",
        "rows-0-end": "20:00",
        "rows-0-district": where,
        "rows-0-place": "Torget",
    }


def _pledge_data(world: World, where: str) -> dict[str, Any]:
    return {
        "year": "2020",
        "title": "Trygga gångvägar",
        "text": "Vi röjer buskarna längs gångvägen.",
        "responsible": "both",
        "districts": [world.districts[where]],
    }


def _user_data(world: World, where: str) -> dict[str, Any]:
    return {"email": "ny@example.se", "role": "analyst", "password": STAFF_PASSWORD}


ACTIONS = [
    Action("staff.meetings", "GET", "/staff/?district={district}", EVERYONE, "district"),
    Action("staff.meeting", "GET", "/staff/meetings/{meeting}", EVERYONE, "district"),
    Action("staff.new_meeting", "GET", "/staff/meetings/new", ORGANISERS),
    Action("staff.new_meeting", "POST", "/staff/meetings/new", ORGANISERS, "choice", _meeting_data),
    Action("staff.edit_meeting", "GET", "/staff/meetings/{meeting}/edit", ORGANISERS, "district"),
    Action(
        "staff.edit_meeting",
        "POST",
        "/staff/meetings/{meeting}/edit",
        ORGANISERS,
        "district",
        lambda world, where: {**_meeting_data(world, where), "day": "2019-02-21"},
    ),
    Action("staff.import_schedule", "GET", "/staff/import", ORGANISERS),
    Action("staff.import_schedule", "POST", "/staff/import", ORGANISERS, "choice", _import_data),
    Action("staff.paper", "GET", "/staff/meetings/{meeting}/paper/sv", ORGANISERS, "district"),
    Action(
        "staff.paper_entry", "GET", "/staff/meetings/{meeting}/paper-entry", ORGANISERS, "district"
    ),
    Action(
        "staff.paper_entry",
        "POST",
        "/staff/meetings/{meeting}/paper-entry",
        ORGANISERS,
        "district",
        lambda world, where: {
            "submission_key": "ab" * 16,
            "paper_language": "sv",
            "safety_evening": "very_safe",
        },
    ),
    Action("staff.preview", "GET", "/staff/meetings/{meeting}/preview", ORGANISERS, "district"),
    Action(
        "staff.preview",
        "POST",
        "/staff/meetings/{meeting}/preview",
        ORGANISERS,
        "district",
        stores=False,
    ),
    Action("staff.poster", "GET", "/staff/meetings/{meeting}/poster", ORGANISERS, "district"),
    Action("staff.posters", "GET", "/staff/posters/2019", ORGANISERS),
    Action("staff.qr_code", "GET", "/staff/meetings/{meeting}/qr.png", ORGANISERS, "district"),
    Action("review.districts", "GET", "/staff/districts", EVERYONE),
    Action("review.district", "GET", "/staff/districts/{district}?year=2019", EVERYONE, "district"),
    Action("review.overview", "GET", "/staff/overview?year=2019", EVERYONE),
    Action("review.region", "GET", "/staff/region?year=2019", EVERYONE),
    Action("review.region_aggregates", "GET", "/staff/region/aggregates.csv", READERS),
    Action(
        "review.moderation_queue",
        "GET",
        "/staff/districts/{district}/moderation",
        ORGANISERS,
        "district",
    ),
    Action(
        "review.moderate",
        "POST",
        "/staff/districts/{district}/moderation/{answer}",
        ORGANISERS,
        "district",
        lambda world, where: {"action": "approve"},
    ),
    Action("review.export", "GET", "/staff/export", READERS),
    Action("review.export_responses", "GET", "/staff/export/responses.csv", READERS),
    Action("review.export_codebook", "GET", "/staff/export/codebook.json", READERS),
    Action("review.export_aggregates", "GET", "/staff/export/aggregates.csv", READERS),
    Action("review.export_table", "GET", "/staff/export/places.csv", READERS),
    Action("review.export_table_codebook", "GET", "/staff/export/places-codebook.csv", READERS),
    Action("pledging.basis", "GET", "/staff/basis?year=2019", EVERYONE),
    Action("pledging.pledges", "GET", "/staff/pledges", EVERYONE),
    Action("pledging.new_pledge", "GET", "/staff/pledges/new", ORGANISERS),
    Action("pledging.new_pledge", "POST", "/staff/pledges/new", ORGANISERS, "choice", _pledge_data),
    Action("pledging.pledge", "GET", "/staff/pledges/{pledge}", EVERYONE, "district"),
    Action(
        "pledging.pledge", "POST", "/staff/pledges/{pledge}", ORGANISERS, "district", _pledge_data
    ),
    Action(
        "pledging.add_pledge_note",
        "POST",
        "/staff/pledges/{pledge}/notes",
        ORGANISERS,
        "district",
        lambda world, where: {
            "written_on": "2020-03-01",
            "text": "Buskarna är röjda.",
            "status": "done",
        },
    ),
    Action(
        "pledging.publish_pledge", "POST", "/staff/pledges/{pledge}/publish", ORGANISERS, "district"
    ),
    Action(
        "pledging.unpublish_pledge",
        "POST",
        "/staff/pledges/{pledge}/unpublish",
        ORGANISERS,
        "district",
    ),
    Action("places.places", "GET", "/staff/districts/{district}/places", EVERYONE, "district"),
    Action(
        "places.places",
        "POST",
        "/staff/districts/{district}/places",
        ORGANISERS,
        "district",
        lambda world, where: {"places": "Nya torget; 60.4858, 15.4371\nGångtunneln"},
    ),
    Action(
        "places.retire_place",
        "POST",
        "/staff/districts/{district}/places/{place}/retire",
        ORGANISERS,
        "district",
    ),
    Action(  # after retire_place, so there is a retired place to bring back
        "places.restore_place",
        "POST",
        "/staff/districts/{district}/places/{place}/restore",
        ORGANISERS,
        "district",
    ),
    Action("actions.actions", "GET", "/staff/districts/{district}/actions", EVERYONE, "district"),
    Action(
        "actions.new_action",
        "GET",
        "/staff/districts/{district}/actions/new",
        ORGANISERS,
        "district",
    ),
    Action(
        "actions.new_action",
        "POST",
        "/staff/districts/{district}/actions/new",
        ORGANISERS,
        "district",
        lambda world, where: {"title": "Laga lampan", "owner": "municipality", "place": ""},
    ),
    Action(
        "actions.action",
        "GET",
        "/staff/districts/{district}/actions/{action}",
        EVERYONE,
        "district",
    ),
    Action(
        "actions.add_action_note",
        "POST",
        "/staff/districts/{district}/actions/{action}/notes",
        ORGANISERS,
        "district",
        lambda world, where: {"written_on": "2020-03-01", "text": "Beställd.", "status": "done"},
    ),
    Action("walks.findings", "GET", "/staff/meetings/{walk}/findings", EVERYONE, "district"),
    Action(
        "walks.findings",
        "POST",
        "/staff/meetings/{walk}/findings",
        ORGANISERS,
        "district",
        lambda world, where: {
            "place": world.places[where],
            "category": "litter",
            "severity": "low",
            "photos": [(io.BytesIO(_jpeg()), "skrap.jpg")],
        },
    ),
    Action(
        "walks.finding", "GET", "/staff/meetings/{walk}/findings/{finding}", EVERYONE, "district"
    ),
    Action(
        "walks.add_finding_photos",
        "POST",
        "/staff/meetings/{walk}/findings/{finding}/photos",
        ORGANISERS,
        "district",
        lambda world, where: {"photos": [(io.BytesIO(_jpeg()), "mer.jpg")]},
    ),
    Action(
        "walks.photo",
        "GET",
        "/staff/meetings/{walk}/findings/{finding}/photos/{photo}",
        EVERYONE,
        "district",
    ),
    Action(
        "walks.review_finding_photo",
        "POST",
        "/staff/meetings/{walk}/findings/{finding}/photos/{photo}/review",
        ORGANISERS,
        "district",
        lambda world, where: {"status": "hidden"},
    ),
    Action("admin.users", "GET", "/staff/admin/users", ADMINS),
    Action("admin.new_user", "GET", "/staff/admin/users/new", ADMINS),
    Action("admin.new_user", "POST", "/staff/admin/users/new", ADMINS, data=_user_data),
    Action("admin.edit_user", "GET", "/staff/admin/users/{user}", ADMINS),
    Action(
        "admin.edit_user",
        "POST",
        "/staff/admin/users/{user}",
        ADMINS,
        data=lambda world, where: {"email": "extra@example.se", "role": "admin"},
    ),
    Action("admin.audit_log", "GET", "/staff/admin/audit", ADMINS),
    Action("admin.account", "GET", "/staff/admin/account", EVERYONE),
    Action(
        "admin.account",
        "POST",
        "/staff/admin/account",
        EVERYONE,
        data=lambda world, where: {
            "current": STAFF_PASSWORD,
            "new": STAFF_PASSWORD,
            "repeat": STAFF_PASSWORD,
        },
    ),
    Action("staff.cancel", "GET", "/staff/meetings/{meeting}/cancel", ORGANISERS, "district"),
    Action("staff.cancel", "POST", "/staff/meetings/{meeting}/cancel", ORGANISERS, "district"),
    Action(
        "staff.reinstate", "POST", "/staff/meetings/{meeting}/reinstate", ORGANISERS, "district"
    ),
    # Kiosk mode logs the user out, so it comes last.
    Action(
        "staff.kiosk",
        "POST",
        "/staff/meetings/{meeting}/kiosk",
        ORGANISERS,
        "district",
    ),
]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, "JPEG")
    return out.getvalue()


def expected(action: Action, role: str, where: str) -> str:
    """What a role meets taking an action about a district: ok, login, 403, 404 or 400.

    At Falun's address, Borlänge's staff meet a 404 whatever the action (their role's 403
    first: it says nothing about Falun); the police coordinator works there. Falun's district
    named at Borlänge's address is outside everyone's scope there.
    """
    if role == "anonymous":
        return "login"
    if role not in action.roles:
        return "403"
    if where == FOREIGN and role != "police":
        return "404"
    outside = where == ABROAD or (where == OTHER and role in ("coordinator", "police"))
    if outside and action.about == "district":
        return "404"
    if outside and action.about == "choice":
        return "400"
    return "ok"


def _free_text(session: Session, meeting: Meeting, key: str, text: str, status: str) -> str:
    """A response with one free-text answer in a review state; its moderation reference."""
    submission_key = f"{meeting.id}-{key}"
    submission = Submission(
        meeting, questionnaire.current(), {key: text}, submission_key, "qr", "sv"
    )
    record_response(session, submission)
    session.flush()
    review = session.scalars(
        select(FreeTextReview)
        .where(FreeTextReview.question_key == key)
        .order_by(FreeTextReview.response_id.desc())
    ).first()
    assert review is not None
    review.status = status
    return f"{review.response_id}-{key}"


@pytest.fixture
def world(session: Session) -> World:
    """Hagalund and Romme of Borlänge and Centrum of Falun in 2019; Borlänge's admin and
    analyst, a coordinator for Hagalund, and a police coordinator for Hagalund and Centrum.

    Each district has an approved free-text answer (for the basis), a pending one (to
    moderate), a pledge of its own, a place, an action and a walk with a finding; a pledge for
    both of Borlänge's districts and one for the whole municipality (no district) are no
    coordinator's.
    """
    meetings = {
        n: make_meeting(session, district=n, day=date(2019, 2, 21), organisation=ORGANISATION[n])
        for n in (OWN, OTHER, FOREIGN)
    }
    answers = {}
    for name, meeting in meetings.items():
        _free_text(session, meeting, "unsafe_place_other", f"Mörkt på torget i {name}", "approved")
        answers[name] = _free_text(session, meeting, "safer_how", f"Lampor i {name}", "pending")
    borlange, falun = make_organisation(session), make_organisation(session, "falun")
    districts = {name: meeting.district for name, meeting in meetings.items()}
    hagalund, romme, centrum = districts[OWN], districts[OTHER], districts[FOREIGN]
    create_user(session, EMAILS["admin"], STAFF_PASSWORD, "admin", [borlange])
    create_user(
        session, EMAILS["coordinator"], STAFF_PASSWORD, "coordinator", [borlange], [hagalund]
    )
    create_user(session, EMAILS["analyst"], STAFF_PASSWORD, "analyst", [borlange])
    create_user(
        session,
        EMAILS["police"],
        STAFF_PASSWORD,
        "coordinator",
        [borlange, falun],
        [hagalund, centrum],
    )
    spare = create_user(session, "extra@example.se", STAFF_PASSWORD, "analyst", [borlange])
    covering = {
        OWN: [hagalund],
        OTHER: [romme],
        FOREIGN: [centrum],
        "both": [hagalund, romme],
        "municipality": [],
    }
    pledges = {
        name: save_pledge(
            session,
            PledgeFields(
                (falun if name == FOREIGN else borlange).id,
                2019,
                f"Belysning {name}",
                "Vi lagar lamporna.",
                "both",
                d,
                [],
                "",
            ),
        ).id
        for name, d in covering.items()
    }
    places = {}
    for name, district in districts.items():
        import_places(session, district, [PlaceLine(1, f"Busshållplatsen i {name}")])
        places[name] = list_places(session, [district.id])[0].id
    actions = {
        name: create_action(
            session,
            district,
            ActionFields("Röj buskarna", "", "municipality", "", date(2019, 5, 1)),
            EMAILS["admin"],
        ).id
        for name, district in districts.items()
    }
    walks = {}
    for name in districts:
        walk = make_meeting(
            session,
            district=name,
            day=date(2019, 9, 12),
            place="Torget",
            organisation=ORGANISATION[name],
        )
        walk.kind = "walk"
        walks[name] = walk
    findings = {
        name: record_finding(
            session,
            walk,
            FindingFields("lighting", "high", "", place_id=places[name]),
            [clean_photo(_jpeg(), 10**6)],
            EMAILS["admin"],
        )
        for name, walk in walks.items()
    }
    for finding in findings.values():  # approved: every reader may see it
        finding.photos[0].status = "approved"
    session.commit()
    return World(
        meetings={name: m.id for name, m in meetings.items()},
        districts={name: m.district_id for name, m in meetings.items()},
        pledges=pledges,
        answers=answers,
        spare_user=spare.id,
        places=places,
        actions=actions,
        walks={name: w.id for name, w in walks.items()},
        findings={name: f.id for name, f in findings.items()},
        photos={name: f.photos[0].id for name, f in findings.items()},
    )


def logged_in(app: Flask, role: str) -> tuple[FlaskClient, str]:
    """A browser logged in through the form as the world's user of a role, and a CSRF token."""
    client = app.test_client()
    page = client.get("/login")
    if role == "anonymous":
        return client, csrf_token(page.text)
    response = client.post(
        "/login",
        data={
            "email": EMAILS[role],
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    return client, csrf_token(client.get("/staff/admin/account").text)


def snapshot(session: Session) -> dict[str, list[str]]:
    """Every row of every table, to tell whether a request changed anything."""
    reread(session)
    return {
        table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
        for table in Base.metadata.sorted_tables
    }


def take(
    client: FlaskClient, action: Action, world: World, where: str, token: str
) -> tuple[int, str]:
    """Take an action about a district at its organisation's address (Falun's district named
    at Borlänge's for ABROAD); its status and where it sends the browser."""
    named = FOREIGN if where == ABROAD else where
    path = f"/{ORGANISATION[where] if where != ABROAD else 'borlange'}" + action.path.format(
        meeting=world.meetings[named],
        district=world.districts[named],
        pledge=world.pledges[named],
        user=world.spare_user,
        answer=world.answers[named],
        place=world.places[named],
        action=world.actions[named],
        walk=world.walks[named],
        finding=world.findings[named],
        photo=world.photos[named],
    )
    if action.method == "GET":
        with client.get(path) as response:
            return response.status_code, response.headers.get("Location", "")
    data = {"csrf_token": token, **action.data(world, named)}
    response = client.post(path, data=data)
    return response.status_code, response.headers.get("Location", "")


def test_every_staff_action_has_a_rule_and_a_row_in_the_matrix(app: Flask) -> None:
    actions = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert actions == set(RULES), "every staff action needs a rule in feedback/access.py"
    assert actions == {(a.endpoint, a.method) for a in ACTIONS}


MATRIX = [
    *((role, OWN) for role in ROLES),
    *((role, where) for role in ROLES if role != "anonymous" for where in (OTHER, ABROAD)),
    *((role, FOREIGN) for role in ROLES),
]


@pytest.mark.parametrize(("role", "where"), MATRIX)
def test_each_role_takes_exactly_the_actions_it_may(
    app: Flask, session: Session, world: World, role: str, where: str
) -> None:
    client, token = logged_in(app, role)
    wrong = []
    # About another district of the organisation, only actions about a district can differ;
    # at another organisation's address, every action can; Falun's ids at Borlänge's address
    # are refused as any id outside the scope (a district named in a form is Borlänge's own).
    about = {OWN: None, FOREIGN: None, OTHER: ("district", "choice"), ABROAD: ("district",)}
    chosen = [a for a in ACTIONS if about[where] is None or a.about in about[where]]
    for action in chosen:
        outcome = expected(action, role, where)
        before = snapshot(session) if outcome != "ok" or action.method == "POST" else None
        status, location = take(client, action, world, where, token)
        if outcome == "ok":
            met = status in (200, 302, 303) and "/login" not in location
        elif outcome == "login":
            met = status == 302 and "/login" in location
        else:
            met = status == int(outcome)
        changed = before is not None and snapshot(session) != before
        if outcome != "ok" and changed:
            wrong.append((action.endpoint, action.method, "changed the database", status))
        elif outcome == "ok" and action.method == "POST" and action.stores and not changed:
            wrong.append((action.endpoint, action.method, "stored nothing", status))
        elif not met:
            wrong.append((action.endpoint, action.method, f"expected {outcome}", status))
    assert wrong == []


def test_an_action_without_a_rule_is_refused_and_head_is_a_get(app: Flask, world: World) -> None:
    admin, _ = logged_in(app, "admin")
    assert admin.options("/borlange/staff/pledges").status_code == 403
    analyst, _ = logged_in(app, "analyst")
    assert analyst.head("/borlange/staff/overview").status_code == 200
    assert analyst.head("/borlange/staff/admin/users").status_code == 403


def test_an_analyst_cannot_change_a_pledge(app: Flask, session: Session, world: World) -> None:
    client, token = logged_in(app, "analyst")
    page = client.get(f"/borlange/staff/pledges/{world.pledges[OWN]}")
    assert page.status_code == 200
    assert "Spara löftet" not in page.text  # no form to send
    response = client.post(
        f"/borlange/staff/pledges/{world.pledges[OWN]}",
        data={"csrf_token": token, **_pledge_data(world, OTHER), "title": "Ändrad"},
    )
    assert response.status_code == 403
    reread(session)
    assert session.get_one(Pledge, world.pledges[OWN]).title == f"Belysning {OWN}"


@pytest.mark.parametrize("pledge", [OTHER, "both", "municipality"])
def test_a_coordinator_leaves_alone_pledges_not_all_theirs(
    app: Flask, session: Session, world: World, pledge: str
) -> None:
    client, token = logged_in(app, "coordinator")
    pledge_id = world.pledges[pledge]
    before = snapshot(session)
    assert client.get(f"/borlange/staff/pledges/{pledge_id}").status_code == 404
    edit = {"csrf_token": token, **_pledge_data(world, OWN), "title": "Ändrad"}
    assert client.post(f"/borlange/staff/pledges/{pledge_id}", data=edit).status_code == 404
    note = {"csrf_token": token, "written_on": "2020-03-01", "text": "Klart.", "status": "done"}
    assert client.post(f"/borlange/staff/pledges/{pledge_id}/notes", data=note).status_code == 404
    assert snapshot(session) == before
    listed = client.get("/borlange/staff/pledges").text
    assert f"Belysning {OWN}" in listed
    assert f"Belysning {pledge}" not in listed


def test_a_coordinator_gives_a_pledge_only_their_own_districts(
    app: Flask, session: Session, world: World
) -> None:
    client, token = logged_in(app, "coordinator")
    form = client.get("/borlange/staff/pledges/new").text
    assert f'value="{world.districts[OWN]}"' in form
    assert OTHER not in form
    before = snapshot(session)
    for districts in ([], [world.districts[OTHER]], [world.districts[OWN], world.districts[OTHER]]):
        data = {"csrf_token": token, **_pledge_data(world, OWN), "districts": districts}
        refused = client.post("/borlange/staff/pledges/new", data=data)
        assert refused.status_code == 400, districts
    assert (
        "Välj en eller flera av dina kommundelar."
        in client.post(
            "/borlange/staff/pledges/new",
            data={"csrf_token": token, **_pledge_data(world, OWN), "districts": []},
        ).text
    )
    # Nor may they widen their own pledge to the whole municipality or another district.
    widen = {"csrf_token": token, **_pledge_data(world, OWN), "districts": []}
    assert (
        client.post(f"/borlange/staff/pledges/{world.pledges[OWN]}", data=widen).status_code == 400
    )
    assert snapshot(session) == before
    note = {"csrf_token": token, "written_on": "2020-03-01", "text": "Klart.", "status": "done"}
    assert (
        client.post(f"/borlange/staff/pledges/{world.pledges[OWN]}/notes", data=note).status_code
        == 302
    )
    reread(session)
    assert [n.text for n in session.scalars(select(PledgeNote))] == ["Klart."]


def test_the_municipality_basis_shows_a_coordinator_only_their_districts(
    app: Flask, world: World
) -> None:
    coordinator, _ = logged_in(app, "coordinator")
    mine = coordinator.get("/borlange/staff/basis?year=2019").text
    assert f"Mörkt på torget i {OWN}" in mine
    assert f"Mörkt på torget i {OTHER}" not in mine
    assert OTHER not in mine
    # Two responses in each district: too few to count, so the sum leaves both out and says so.
    assert "2 svar" not in mine and "4 svar" not in mine
    assert "räknas inte med i summan" in mine
    assert OTHER not in coordinator.get("/borlange/staff/overview?year=2019").text
    admin, _ = logged_in(app, "admin")
    everything = admin.get("/borlange/staff/basis?year=2019").text
    assert f"Mörkt på torget i {OWN}" in everything
    assert f"Mörkt på torget i {OTHER}" in everything
    assert "4 svar" not in everything


def test_a_refusal_is_in_swedish_and_names_nothing_from_elsewhere(app: Flask, world: World) -> None:
    client, _ = logged_in(app, "coordinator")
    romme = client.get(f"/borlange/staff/meetings/{world.meetings[OTHER]}")
    assert romme.status_code == 404
    assert "Sidan finns inte" in romme.text
    assert OTHER not in romme.text
    export = client.get("/borlange/staff/export/responses.csv")
    assert export.status_code == 403
    assert "Du har inte behörighet till sidan" in export.text
    for page in (
        "/borlange/staff/",
        "/borlange/staff/districts",
        "/borlange/staff/meetings/new",
        "/borlange/staff/posters/2019",
    ):
        assert OTHER not in client.get(page).text, page
    assert OWN in client.get("/borlange/staff/").text


def test_a_coordinator_cannot_schedule_in_another_district(app: Flask, world: World) -> None:
    client, token = logged_in(app, "coordinator")
    response = client.post(
        "/borlange/staff/import", data={"csrf_token": token, **_import_data(world, OTHER)}
    )
    assert response.status_code == 400
    assert "Du kan bara lägga in möten i dina egna kommundelar." in response.text


def test_a_coordinator_moderates_only_their_districts_text(
    app: Flask, session: Session, world: World
) -> None:
    client, token = logged_in(app, "coordinator")
    queue = client.get(f"/borlange/staff/districts/{world.districts[OWN]}/moderation").text
    assert f"Lampor i {OWN}" in queue
    assert f"Lampor i {OTHER}" not in queue
    before = snapshot(session)
    # Romme's answer, named under the coordinator's own district: not found there.
    path = f"/borlange/staff/districts/{world.districts[OWN]}/moderation/{world.answers[OTHER]}"
    assert client.post(path, data={"csrf_token": token, "action": "hide"}).status_code == 404
    assert snapshot(session) == before


@pytest.mark.parametrize("lang", ["fa", "fa_AF"])
def test_every_staff_page_renders_in_farsi_and_dari(app: Flask, world: World, lang: str) -> None:
    """Dates, numbers and plural forms go through Babel's data for the new locales on every
    page staff may open, and the page reads right to left."""
    client, _ = logged_in(app, "admin")
    assert client.get("/", query_string={"lang": lang}).status_code == 200
    broken = []
    for action in ACTIONS:
        if action.method == "GET" and expected(action, "admin", OWN) == "ok":
            status, _ = take(client, action, world, OWN, "")
            if status not in (200, 302, 303):
                broken.append((action.endpoint, status))
    assert broken == []
    assert f'<html lang="{html_lang(lang)}" dir="rtl">' in client.get("/borlange/staff/").text
