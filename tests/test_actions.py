"""Actions: what will be done, by whom and by when; notes move the status; overdue shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.actions import ActionFields, NotInDistrict, create_action, overdue
from feedback.meetings import get_or_create_district, local
from feedback.models import Action, AuditEvent, Place, utcnow
from feedback.places import import_places, parse_places
from feedback.pledges import PledgeFields, save_pledge
from tests.conftest import csrf_token, log_in, make_organisation, make_staff, reread


@pytest.fixture
def hagalund(session: Session, client: FlaskClient) -> dict[str, int]:
    """Hagalund with a place and a pledge, Romme with a place, Hagalund's coordinator in."""
    hagalund = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    import_places(session, hagalund, parse_places("Gångtunneln", None))
    import_places(session, romme, parse_places("Rommehed", None))
    pledge = save_pledge(
        session,
        PledgeFields(
            make_organisation(session).id,
            2020,
            "Ljusare gångvägar",
            "Lampor.",
            "both",
            [hagalund],
            [],
            "",
        ),
    )
    make_staff(session, "samordnare@example.se", "coordinator", [hagalund])
    session.commit()
    assert log_in(client, "samordnare@example.se") == 302
    places = {p.name: p.id for p in session.scalars(select(Place))}
    return {
        "district": hagalund.id,
        "romme": romme.id,
        "place": places["Gångtunneln"],
        "other_place": places["Rommehed"],
        "pledge": pledge.id,
    }


def test_a_coordinator_records_an_action_and_moves_it_to_done(
    app: Flask, session: Session, client: FlaskClient, hagalund: dict[str, int]
) -> None:
    base = f"/staff/districts/{hagalund['district']}/actions"
    page = client.get(f"{base}/new")
    assert "Gångtunneln" in page.text and "Ljusare gångvägar (2020)" in page.text
    token = csrf_token(page.text)
    wanted = {
        "csrf_token": token,
        "title": "Byt belysningen i gångtunneln",
        "owner": "other",
        "owner_name": "",
        "due_on": "2020-13-40",
        "place": str(hagalund["place"]),
        "pledge": str(hagalund["pledge"]),
    }
    refused = client.post(f"{base}/new", data=wanted)
    assert refused.status_code == 400
    assert "Skriv vem som äger åtgärden" in refused.text
    assert "Byt belysningen i gångtunneln" in refused.text  # what they typed stays
    sent = client.post(
        f"{base}/new", data={**wanted, "owner_name": "Trafikverket", "due_on": "2020-06-30"}
    )
    assert sent.status_code == 303
    reread(session)
    action = session.scalars(select(Action)).one()
    assert (action.owner, action.owner_name, action.due_on) == (
        "other",
        "Trafikverket",
        date(2020, 6, 30),
    )
    assert (action.place_id, action.pledge_id, action.status) == (
        hagalund["place"],
        hagalund["pledge"],
        "planned",
    )
    page = client.get(sent.headers["Location"])
    assert "Försenad" in page.text  # 30 June 2020 has passed
    assert "tisdag 30 juni 2020" in page.text
    noted = client.post(
        f"{base}/{action.id}/notes",
        data={"csrf_token": token, "written_on": "2020-06-20", "text": "Klart.", "status": "done"},
    )
    assert noted.status_code == 303
    page = client.get(noted.headers["Location"])
    assert "Försenad" not in page.text and "(klar): Klart." in page.text
    reread(session)
    assert session.get(Action, action.id).status == "done"  # type: ignore[union-attr]
    logged = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("action%")))
    assert list(logged) == ["action_created", "action_noted"]


def test_overdue_actions_are_highlighted_on_the_district_page(
    session: Session, client: FlaskClient, hagalund: dict[str, int]
) -> None:
    district = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    today = local(utcnow()).date()
    for title, due in [("Röj buskarna", today - timedelta(days=1)), ("Måla om", today)]:
        create_action(
            session, district, ActionFields(title, "", "municipality", "", due), "a@example.se"
        )
    session.commit()
    assert [a.title for a in overdue(session, district.id, today)] == ["Röj buskarna"]
    page = client.get(f"/staff/districts/{district.id}")
    assert "1 försenad åtgärd" in page.text
    section = page.text.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "Röj buskarna" in section and "Måla om" not in section
    listing = client.get(f"/staff/districts/{district.id}/actions").text
    assert listing.count('class="overdue"') == 1


def test_an_action_cannot_reach_into_another_district(
    session: Session, client: FlaskClient, hagalund: dict[str, int]
) -> None:
    district = get_or_create_district(session, make_organisation(session).id, "Hagalund")
    romme = get_or_create_district(session, make_organisation(session).id, "Romme")
    fields = ActionFields("x", "", "police", "", None, place_id=hagalund["other_place"])
    with pytest.raises(NotInDistrict):
        create_action(session, district, fields, "a@example.se")
    session.rollback()
    theirs = create_action(
        session, romme, ActionFields("Romme", "", "police", "", None), "a@example.se"
    )
    session.commit()
    # Romme's action asked for under Hagalund, and Romme itself: no such action for them.
    for path in (
        f"/staff/districts/{hagalund['district']}/actions/{theirs.id}",
        f"/staff/districts/{hagalund['romme']}/actions/{theirs.id}",
    ):
        assert client.get(path).status_code == 404
    page = client.get(f"/staff/districts/{hagalund['district']}/actions/new")
    sent = client.post(
        f"/staff/districts/{hagalund['district']}/actions/new",
        data={
            "csrf_token": csrf_token(page.text),
            "title": "Fel plats",
            "owner": "police",
            "place": str(hagalund["other_place"]),  # not among the choices
        },
    )
    assert sent.status_code == 400
    reread(session)
    assert [a.title for a in session.scalars(select(Action))] == ["Romme"]
