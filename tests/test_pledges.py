"""From dialogue to pledge and back: the public schedule, the pledges, and their follow-up."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.meetings import cancel_meeting, find_district, local
from feedback.models import AuditEvent, District, Pledge, utcnow
from feedback.pledges import (
    OutOfScope,
    PledgeFields,
    find_pledge,
    pledge_years,
    pledges_of,
    save_pledge,
)
from tests.conftest import Auth, answer, csrf_token, make_meeting, make_organisation, reread
from tests.test_review import given, safe, unsafe


@pytest.mark.clock  # upcoming and past are counted from now
def test_the_public_schedule_lists_upcoming_and_past_meetings(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    today = local(utcnow()).date()
    soon = make_meeting(session, district="Årby", day=today + timedelta(days=7))
    later = make_meeting(
        session, district="Romme", place="Tunets IP", day=today + timedelta(days=30)
    )
    held = make_meeting(session, district="Ornäs", place="ICA", day=today - timedelta(days=30))
    called_off = make_meeting(
        session, district="Domnarvet", place="Skolan", day=today + timedelta(days=14)
    )
    cancel_meeting(session, called_off)
    session.commit()
    auth.login()
    page = client.get(f"/staff/meetings/{later.id}/edit")
    client.post(
        f"/staff/meetings/{later.id}/edit",
        data={
            "csrf_token": csrf_token(page.text),
            "district": later.district_id,
            "day": (today + timedelta(days=31)).isoformat(),
            "start": "17:00",
            "end": "19:00",
            "place": "Tunets IP",
        },
    )
    public = FlaskClient(client.application)  # a resident, not logged in
    html = public.get("/").text
    assert '<link rel="alternate" type="text/calendar"' in html
    assert "Tiderna är preliminära" in html
    upcoming, past = html.split("Tidigare möten")
    assert upcoming.index("Årby") < upcoming.index("Domnarvet") < upcoming.index("Romme")
    assert "Ornäs" in past and "Ornäs" not in upcoming
    domnarvet = upcoming[upcoming.index("Domnarvet") :]
    assert "Inställt" in domnarvet[: domnarvet.index("</li>")]
    romme = upcoming[upcoming.index("Romme") :]
    assert "Flyttat" in romme[: romme.index("</li>")]
    assert f"/moten/{soon.code}.ics" in html
    assert held.code not in html.split("/moten/")[0]  # codes only inside calendar links


def record_pledge(client: FlaskClient, published: bool = True, **fields: object) -> str:
    """Fill in the new-pledge form and, unless it stays a draft, publish it; its address."""
    page = client.get("/staff/pledges/new")
    response = client.post(
        "/staff/pledges/new", data={"csrf_token": csrf_token(page.text), **fields}
    )
    assert response.status_code == 302, response.text
    url = response.headers["Location"]
    if published:
        publish(client, url)
    return url


def publish(client: FlaskClient, url: str, action: str = "publish") -> str:
    """Press the pledge page's publish (or unpublish) button; the page it leads back to."""
    token = csrf_token(client.get(url).text)
    response = client.post(f"{url}/{action}", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == url
    return client.get(url).text


def test_staff_record_a_pledge_and_keep_it_current(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    auth.login()
    page = client.get("/staff/pledges/new")
    empty = client.post("/staff/pledges/new", data={"csrf_token": csrf_token(page.text)})
    assert empty.status_code == 400
    assert "Fyll i fältet." in empty.text
    url = record_pledge(
        client,
        published=False,
        year="2020",
        title="Bättre belysning i Hagalund",
        text="Kommunen byter trasiga lampor i gångtunnlarna.",
        responsible="municipality",
        districts=[str(meeting.district_id)],
        indicators=["safe", "big_problem:problem_lighting"],
        activities="Trygghetsvandring i mars.",
    )
    pledge_page = client.get(url)
    assert "Bättre belysning i Hagalund" in pledge_page.text
    bad_note = client.post(f"{url}/notes", data={"csrf_token": csrf_token(pledge_page.text)})
    assert bad_note.status_code == 400
    note = client.post(
        f"{url}/notes",
        data={
            "csrf_token": csrf_token(pledge_page.text),
            "written_on": "2020-04-01",
            "text": "Tolv lampor bytta.",
            "status": "in_progress",
        },
    )
    assert note.status_code == 302
    reread(session)
    pledge = session.scalars(select(Pledge)).one()
    assert pledge.status == "in_progress"
    assert [d.name for d in pledge.districts] == ["Hagalund"]
    assert pledge.indicators == ["safe", "big_problem:problem_lighting"]
    resident = FlaskClient(client.application)
    # A saved pledge is a draft: staff see it as one, the public page does not show it.
    assert "Utkast" in pledge_page.text
    assert "utkast" in client.get("/staff/pledges").text
    assert "Bättre belysning i Hagalund" not in resident.get("/loften?year=2020").text
    assert "Bättre belysning i Hagalund" not in resident.get("/loften").text
    published = publish(client, url)
    assert "Publicerat" in published and "Gör till utkast igen" in published
    public = resident.get("/loften?year=2020").text
    assert "Bättre belysning i Hagalund" in public
    assert "Pågår" in public
    assert "Tolv lampor bytta." in public
    assert "Trygghetsvandring i mars." in public
    # Publishing twice changes nothing; taking it back hides it again. Both are audited.
    publish(client, url)
    assert "Publicera på den offentliga sidan" in publish(client, url, "unpublish")
    assert "Bättre belysning i Hagalund" not in resident.get("/loften?year=2020").text
    events = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [e for e in events if e.startswith("pledge_")] == [
        "pledge_published",
        "pledge_unpublished",
    ]
    log = client.get("/staff/admin/audit").text
    assert "Publicerade ett löfte" in log and "Bättre belysning i Hagalund (2020)" in log


@pytest.mark.clock  # "this year" is the Stockholm year of now
def test_two_years_from_answers_to_pledge_to_follow_up(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    """Answers in 2018 → a pledge for 2019 → answers in 2019 → the follow-up shows the change."""
    year_one = make_meeting(session, district="Hagalund", day=date(2018, 2, 22))
    given(session, year_one, *safe(3), *unsafe(7))
    auth.login()
    basis = client.get(f"/staff/districts/{year_one.district_id}/basis?year=2018").text
    assert "Underlag för medborgarlöften: Hagalund 2018" in basis
    assert "30,0\u00a0%" in basis  # three of ten trygga: the reason for the pledge
    url = record_pledge(
        client,
        year="2019",
        title="Tryggare Hagalund",
        text="Polisen och kommunen är ute fler kvällar.",
        responsible="both",
        districts=[str(year_one.district_id)],
        indicators=["safe"],
    )
    year_two = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    given(session, year_two, *safe(16), *unsafe(4))
    # Worked by hand in tests/test_review.py: 3/10 → 16/20 is +50,0 points, Newcombe
    # interval +12,8 to +72,6 points, which excludes zero.
    for page in (
        client.get(url).text,
        FlaskClient(client.application).get("/loften?year=2020").text,
    ):
        assert "Tryggare Hagalund" in page
        assert "30,0\u00a0%" in page and "80,0\u00a0%" in page
        assert "+50,0 procentenheter" in page
        assert "osäkerhet +12,8 till +72,6 procentenheter" in page
        assert "en säker ökning" in page
        assert "inte alla invånare" in page


def test_a_follow_up_with_too_few_answers_says_so(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    before = make_meeting(session, district="Romme", place="Tunets IP", day=date(2018, 4, 26))
    after = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    given(session, before, *safe(4))
    given(session, after, *safe(9))
    auth.login()
    record_pledge(
        client,
        year="2019",
        title="Romme",
        text="Mer belysning.",
        responsible="police",
        districts=[str(before.district_id)],
        indicators=["safe"],
    )
    page = FlaskClient(client.application).get("/loften?year=2020").text
    assert "visas inte" in page
    assert "kan inte jämföras: ett av åren har för få svar eller visas inte" in page
    assert "n = 4" not in page  # the four answers of 2018


def test_the_basis_groups_free_text_by_problem(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund")
    for text in ("Mörkt vid gångtunneln", "Mopeder kör på gångvägen", "Fler vuxna ute"):
        phone = app.test_client()
        _, data = answer(phone, meeting, safety_evening="very_safe", safer_how=text)
        phone.post(f"/s/{meeting.code}", data=data)
    from sqlalchemy import update

    from feedback.models import FreeTextReview

    session.execute(update(FreeTextReview).values(status="approved"))
    session.commit()
    auth.login()
    year = local(meeting.starts_at).year
    page = client.get(f"/staff/basis?year={year}").text
    assert "Underlag för medborgarlöften: hela kommunen" in page
    moped = page.index("Buskörning med moped eller motorcykel</h3>")
    lighting = page.index("Dålig belysning eller mörka platser</h3>")
    other = page.index("Övrigt</h3>")
    assert moped < page.index("Mopeder kör på gångvägen") < lighting  # questionnaire order
    assert lighting < page.index("Mörkt vid gångtunneln") < other
    assert other < page.index("Fler vuxna ute")
    assert re.search(r"/static/basis\.[0-9a-f]{10}\.css", page)  # A4, no navigation


def test_a_scope_of_districts_holds_only_the_pledges_wholly_inside_it(session: Session) -> None:
    for name in ("Hagalund", "Romme", "Årby"):
        make_meeting(session, district=name, day=date(2019, 2, 21))
    hagalund, romme, arby = (
        find_district(session, make_organisation(session).id, n)
        for n in ("Hagalund", "Romme", "Årby")
    )
    assert hagalund and romme and arby

    def pledge(title: str, *districts: District) -> int:
        fields = PledgeFields(
            make_organisation(session).id, 2019, title, "Text.", "both", list(districts), [], ""
        )
        return save_pledge(session, fields).id

    own = pledge("Hagalunds", hagalund)
    pair = pledge("Hagalunds och Årbys", hagalund, arby)
    mixed = pledge("Hagalunds och Rommes", hagalund, romme)
    everywhere = pledge("Hela kommunens")
    session.commit()
    scope = frozenset({hagalund.id, arby.id})
    assert [p.id for p in pledges_of(session, 2019, make_organisation(session).id, scope)] == [
        own,
        pair,
    ]
    assert [p.id for p in pledges_of(session, 2019, make_organisation(session).id)] == [
        own,
        pair,
        mixed,
        everywhere,
    ]
    assert find_pledge(session, mixed, make_organisation(session).id, scope) is None
    assert find_pledge(session, everywhere, make_organisation(session).id, scope) is None
    assert find_pledge(session, everywhere, make_organisation(session).id) is not None
    assert pledge_years(session, make_organisation(session).id, frozenset({romme.id})) == []
    assert pledge_years(session, make_organisation(session).id, frozenset()) == []
    with pytest.raises(OutOfScope):
        save_pledge(
            session,
            PledgeFields(
                make_organisation(session).id, 2020, "Nytt", "Text.", "both", [romme], [], ""
            ),
            district_ids=scope,
        )
    with pytest.raises(OutOfScope):
        save_pledge(
            session,
            PledgeFields(make_organisation(session).id, 2020, "Nytt", "Text.", "both", [], [], ""),
            district_ids=scope,
        )
