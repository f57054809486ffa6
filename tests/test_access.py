"""Roles and scopes: every staff page and export, for every role, own district and another."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from feedback.access import PERMISSIONS, RULES
from feedback.meetings import find_district
from feedback.pledges import PledgeFields, save_pledge
from feedback.users import create_user
from tests.conftest import STAFF_PASSWORD, csrf_token, make_meeting

OWN, OTHER = "Hagalund", "Romme"

# How to reach each staff page: method and path, with the meeting or district filled in.
PAGES: dict[str, tuple[str, str]] = {
    "staff.meetings": ("GET", "/staff/?district={district}"),
    "staff.meeting": ("GET", "/staff/meetings/{meeting}"),
    "staff.new_meeting": ("GET", "/staff/meetings/new"),
    "staff.edit_meeting": ("GET", "/staff/meetings/{meeting}/edit"),
    "staff.cancel": ("POST", "/staff/meetings/{meeting}/cancel"),
    "staff.import_schedule": ("GET", "/staff/import"),
    "staff.kiosk": ("POST", "/staff/meetings/{meeting}/kiosk"),
    "staff.paper": ("GET", "/staff/meetings/{meeting}/paper/sv"),
    "staff.paper_entry": ("GET", "/staff/meetings/{meeting}/paper-entry"),
    "staff.preview": ("GET", "/staff/meetings/{meeting}/preview"),
    "staff.poster": ("GET", "/staff/meetings/{meeting}/poster"),
    "staff.posters": ("GET", "/staff/posters/{year}"),
    "staff.qr_code": ("GET", "/staff/meetings/{meeting}/qr.png"),
    "review.districts": ("GET", "/staff/districts"),
    "review.district": ("GET", "/staff/districts/{district}"),
    "review.overview": ("GET", "/staff/overview"),
    "review.moderation_queue": ("GET", "/staff/districts/{district}/moderation"),
    "review.moderate": ("POST", "/staff/districts/{district}/moderation/{answer}"),
    "review.export": ("GET", "/staff/export"),
    "review.export_responses": ("GET", "/staff/export/responses.csv"),
    "review.export_codebook": ("GET", "/staff/export/codebook.json"),
    "review.export_aggregates": ("GET", "/staff/export/aggregates.csv"),
    "pledging.basis": ("GET", "/staff/districts/{district}/basis"),
    "pledging.pledges": ("GET", "/staff/pledges"),
    "pledging.new_pledge": ("GET", "/staff/pledges/new"),
    "pledging.pledge": ("GET", "/staff/pledges/{pledge}"),
    "pledging.add_pledge_note": ("POST", "/staff/pledges/{pledge}/notes"),
    "admin.users": ("GET", "/staff/admin/users"),
    "admin.new_user": ("GET", "/staff/admin/users/new"),
    "admin.edit_user": ("GET", "/staff/admin/users/{user}"),
    "admin.audit_log": ("GET", "/staff/admin/audit"),
    "admin.account": ("GET", "/staff/admin/account"),
}
# Pages that concern one district: a coordinator from elsewhere gets a 404 for them.
DISTRICT_PAGES = {
    endpoint for endpoint, (_, path) in PAGES.items() if "{meeting}" in path or "{district}" in path
}


@dataclass
class World:
    """Two districts with a meeting each, and a user of every kind."""

    meetings: dict[str, int]
    districts: dict[str, int]
    users: dict[str, int]
    answer: str
    pledge: int


@pytest.fixture
def world(session: Session) -> World:
    """Hagalund and Romme, an admin, an analyst, and a coordinator for Hagalund."""
    meetings = {name: make_meeting(session, district=name) for name in (OWN, OTHER)}
    hagalund = find_district(session, OWN)
    users = {
        "admin": create_user(session, "admin@example.se", STAFF_PASSWORD, "admin"),
        "coordinator": create_user(
            session, "samordnare@example.se", STAFF_PASSWORD, "coordinator", [hagalund]
        ),
        "analyst": create_user(session, "analytiker@example.se", STAFF_PASSWORD, "analyst"),
    }
    pledge = save_pledge(
        session, PledgeFields(2019, "Belysning", "Vi lagar lamporna.", "both", [], [], "")
    )
    session.commit()
    return World(
        meetings={name: m.id for name, m in meetings.items()},
        districts={name: m.district_id for name, m in meetings.items()},
        users={role: u.id for role, u in users.items()},
        answer="0-none",
        pledge=pledge.id,
    )


def log_in(client: FlaskClient, role: str) -> None:
    """Log in through the form as the world's user of a role."""
    email = {"admin": "admin@example.se", "coordinator": "samordnare@example.se"}.get(
        role, "analytiker@example.se"
    )
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": STAFF_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302


def url(endpoint: str, world: World, where: str) -> tuple[str, str]:
    """The method and path of a page, about the meeting or district in `where`."""
    method, path = PAGES[endpoint]
    return method, path.format(
        meeting=world.meetings[where],
        district=world.districts[where],
        user=world.users["analyst"],
        pledge=world.pledge,
        year=2000,
        answer=world.answer,
    )


def visit(client: FlaskClient, method: str, path: str) -> int:
    """The status a page answers with; a POST carries a valid CSRF token."""
    if method == "GET":
        with client.get(path) as response:
            return response.status_code
    token = csrf_token(client.get("/staff/admin/account").text)
    return client.post(path, data={"csrf_token": token}).status_code


def test_every_staff_page_has_a_rule_and_a_row_in_this_matrix(app: Flask) -> None:
    staff_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff") and rule.endpoint != "static"
    }
    assert staff_endpoints == set(RULES)
    assert set(PAGES) == set(RULES)


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_strangers_are_sent_to_log_in(client: FlaskClient, world: World, endpoint: str) -> None:
    method, path = url(endpoint, world, OWN)
    response = client.get(path) if method == "GET" else client.post(path)
    if method == "POST":
        assert response.status_code == 400  # no CSRF token, so refused before anything else
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["admin", "coordinator", "analyst"])
def test_each_role_reaches_exactly_what_it_may(app: Flask, world: World, role: str) -> None:
    allowed = PERMISSIONS[role]
    # Kiosk mode logs the user out, so it comes last.
    for endpoint in sorted(RULES, key=lambda e: e == "staff.kiosk"):
        for where in (OWN, OTHER):
            client = app.test_client()
            log_in(client, role)
            method, path = url(endpoint, world, where)
            status = visit(client, method, path)
            if RULES[endpoint] not in allowed:
                expected = {403}
            elif role == "coordinator" and where == OTHER and endpoint in DISTRICT_PAGES:
                expected = {404}
            else:
                expected = {200, 302, 303}
            if endpoint == "review.moderate" and expected == {200, 302, 303}:
                expected = {404}  # no such answer exists: allowed through, then not found
            if endpoint == "pledging.add_pledge_note" and expected == {200, 302, 303}:
                expected = {400}  # allowed through, then an empty note is refused
            assert status in expected, (role, endpoint, where, status)


def test_a_refusal_is_in_swedish_and_names_nothing_from_elsewhere(app: Flask, world: World) -> None:
    client = app.test_client()
    log_in(client, "coordinator")
    romme = client.get(f"/staff/meetings/{world.meetings[OTHER]}")
    assert romme.status_code == 404
    assert "Sidan finns inte" in romme.text
    assert OTHER not in romme.text
    export = client.get("/staff/export/responses.csv")
    assert export.status_code == 403
    assert "Du har inte behörighet till sidan" in export.text
    for page in ("/staff/", "/staff/districts", "/staff/meetings/new", "/staff/posters/2000"):
        assert OTHER not in client.get(page).text, page
    assert OWN in client.get("/staff/").text


def test_a_coordinator_cannot_schedule_in_another_district(app: Flask, world: World) -> None:
    client = app.test_client()
    log_in(client, "coordinator")
    page = client.get("/staff/import")
    response = client.post(
        "/staff/import",
        data={
            "csrf_token": csrf_token(page.text),
            "year": "2019",
            "text": "x",
            "action": "confirm",
            "rows-0-include": "y",
            "rows-0-day": "2019-02-21",
            "rows-0-start": "18:00",
            "rows-0-end": "20:00",
            "rows-0-district": OTHER,
            "rows-0-place": "Tunets IP",
        },
    )
    assert response.status_code == 400
    assert "Du kan bara lägga in möten i dina egna kommundelar." in response.text
    new = client.post(
        "/staff/meetings/new",
        data={
            "csrf_token": csrf_token(page.text),
            "district": world.districts[OTHER],
            "day": "2019-02-21",
            "start": "18:00",
            "end": "20:00",
            "place": "Tunets IP",
        },
    )
    assert new.status_code == 400
