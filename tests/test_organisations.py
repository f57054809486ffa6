"""Several organisations in one installation: each its own pages, numbers and staff, reached at
/<slug>/, by a host name of its own, or as the only one; meeting codes work everywhere."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, time

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from PIL import Image, PngImagePlugin
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from feedback.meetings import MeetingFields, create_meeting
from feedback.models import AuditEvent, District, Meeting, Organisation, Pledge, User
from feedback.pledges import PledgeFields, publish, save_pledge
from tests.conftest import (
    STAFF_PASSWORD,
    answer,
    count,
    csrf_token,
    log_in,
    make_meeting,
    make_organisation,
    make_staff,
    reread,
)
from tests.test_export import store

# A police staff member's two municipalities.
REGION = ("borlange", "falun")


@pytest.fixture
def region(session: Session) -> dict[str, Meeting]:
    """Borlänge and Falun, each with a meeting on now and a published pledge; both have a
    district called Centrum."""
    borlange = make_meeting(session, district="Centrum", place="Borlänge bibliotek")
    falun = make_meeting(session, district="Centrum", place="Falu bibliotek", organisation="falun")
    for meeting, title in ((borlange, "Ljus i Borlänge"), (falun, "Ljus i Falun")):
        organisation = meeting.district.organisation_id
        fields = PledgeFields(organisation, date.today().year, title, "Lampor.", "both", [], [], "")
        publish(session, save_pledge(session, fields), meeting.created_at)
    session.commit()
    return {"borlange": borlange, "falun": falun}


def test_each_organisation_has_its_own_public_pages(
    client: FlaskClient, region: dict[str, Meeting]
) -> None:
    borlange = client.get("/borlange/").text
    assert "Borlänge bibliotek" in borlange and "Falu bibliotek" not in borlange
    falun = client.get("/falun/").text
    assert "Falu bibliotek" in falun and "Borlänge bibliotek" not in falun
    assert 'href="/falun/integritet"' in falun  # links stay inside the organisation
    pledges = client.get("/falun/loften").text
    assert "Ljus i Falun" in pledges and "Ljus i Borlänge" not in pledges
    privacy = client.get("/falun/integritet").text
    assert "Falun kommun ansvarar" in privacy and "kommun@falun.se" in privacy
    assert "kommun@borlange.se" not in privacy
    assert "kommun@falun.se" in client.get("/falun/tillganglighet").text
    calendar = client.get("/falun/kalender.ics").text
    assert "Falu bibliotek" in calendar and "Borlänge bibliotek" not in calendar


def test_where_the_address_names_no_organisation_the_visitor_chooses_one(
    client: FlaskClient, region: dict[str, Meeting]
) -> None:
    for path in ("/", "/loften", "/integritet"):
        page = client.get(path)
        assert page.status_code == 200
        assert f'href="/borlange{path}"' in page.text and f'href="/falun{path}"' in page.text
        assert "Välj kommun" in page.text
    assert client.get("/nowhere/").status_code == 404
    assert 'href="/integritet"' in client.get("/nowhere/").text  # not inside a made-up prefix


def test_a_meeting_code_works_wherever_it_is_written(
    client: FlaskClient, region: dict[str, Meeting]
) -> None:
    code = region["falun"].code
    # An old poster's address, without the prefix: on to the organisation's own.
    moved = client.get(f"/q/{code}?x=1")
    assert moved.status_code == 302
    assert moved.headers["Location"] == f"/falun/q/{code}?x=1"
    page = client.get(f"/falun/q/{code}")
    assert page.status_code == 200 and "Falu bibliotek" in page.text
    assert 'href="/falun/integritet"' in page.text
    # Another organisation's address does not know the code.
    assert client.get(f"/borlange/q/{code}").status_code == 404
    assert client.get(f"/borlange/moten/{code}.ics").status_code == 404
    assert client.get(f"/falun/moten/{code}.ics").status_code == 200


def test_an_answer_sent_at_the_organisations_address_is_stored_once(
    client: FlaskClient, session: Session, region: dict[str, Meeting]
) -> None:
    meeting = region["falun"]
    page = client.get(f"/falun/s/{meeting.code}")
    data = {
        "csrf_token": csrf_token(page.text),
        "submission_key": "ab" * 16,
        "safety_evening": "very_safe",
    }
    sent = client.post(f"/falun/s/{meeting.code}", data=data)
    assert sent.status_code == 303
    assert sent.headers["Location"] == f"/falun/s/{meeting.code}/tack"
    # The unprefixed form posts where it came from: a POST is never redirected.
    again = client.post(f"/s/{meeting.code}", data=data)
    assert again.status_code in (200, 303)
    reread(session)
    assert session.scalar(text("SELECT count(*) FROM response")) == 1


def test_one_organisation_needs_no_prefix(client: FlaskClient, session: Session) -> None:
    meeting = make_meeting(session)
    assert client.get(f"/q/{meeting.code}").status_code == 200
    assert client.get("/").status_code == 200
    assert "Tempo" in client.get("/").text
    assert client.get(f"/borlange/q/{meeting.code}").status_code == 200
    _, data = answer(client, meeting, safety_evening="very_safe")
    assert client.post(f"/s/{meeting.code}", data=data).status_code == 303


def test_a_host_name_of_its_own_names_the_organisation(
    client: FlaskClient, session: Session, region: dict[str, Meeting]
) -> None:
    falun = session.scalars(select(Organisation).where(Organisation.slug == "falun")).one()
    falun.host = "trygghet.falun.se"
    session.commit()
    page = client.get("/", headers={"Host": "trygghet.falun.se"}).text
    assert "Falu bibliotek" in page and "Borlänge bibliotek" not in page
    code = region["falun"].code
    assert client.get(f"/q/{code}", headers={"Host": "trygghet.falun.se"}).status_code == 200


def test_the_api_answers_for_the_organisation_in_the_address(
    client: FlaskClient, region: dict[str, Meeting]
) -> None:
    falun = client.get("/falun/api/v1/meetings").get_json()
    assert [m["place"] for m in falun["meetings"]] == ["Falu bibliotek"]
    districts = client.get("/falun/api/v1/districts").get_json()["districts"]
    assert [d["id"] for d in districts] == [region["falun"].district_id]
    # Borlänge's district named at Falun's address is no district there.
    other = client.get(f"/falun/api/v1/meetings?district={region['borlange'].district_id}")
    assert other.status_code == 400
    unnamed = client.get("/api/v1/meetings")
    assert unnamed.status_code == 404
    assert "/borlange/api/v1/meetings" in unnamed.get_json()["error"]["message"]


def test_staff_work_inside_their_organisations_only(
    app: Flask, session: Session, region: dict[str, Meeting]
) -> None:
    make_staff(session, "admin@borlange.se", "admin")
    client = app.test_client()
    assert log_in(client, "admin@borlange.se") == 302
    # Without a prefix, a page opens in the user's organisation.
    assert client.get("/staff/").headers["Location"] == "/borlange/staff/"
    listed = client.get("/borlange/staff/").text
    assert "Borlänge bibliotek" in listed and "Falu bibliotek" not in listed
    # Falun's pages, and Falun's meeting at Borlänge's address, are not there for them.
    assert client.get("/falun/staff/").status_code == 404
    falun = region["falun"]
    assert client.get(f"/borlange/staff/meetings/{falun.id}").status_code == 404
    assert client.get(f"/borlange/staff/districts/{falun.district_id}").status_code == 404
    districts = client.get("/borlange/staff/districts").text
    assert f"/staff/districts/{falun.district_id}" not in districts
    pledges = client.get("/borlange/staff/pledges").text
    assert "Ljus i Borlänge" in pledges and "Ljus i Falun" not in pledges
    falun_pledge = session.scalars(select(Pledge).where(Pledge.title == "Ljus i Falun")).one()
    assert client.get(f"/borlange/staff/pledges/{falun_pledge.id}").status_code == 404


def test_a_police_coordinator_works_in_each_of_their_organisations(
    app: Flask, session: Session, region: dict[str, Meeting]
) -> None:
    districts = (region["borlange"].district, region["falun"].district)
    make_staff(
        session,
        "polis@polisen.se",
        "coordinator",
        districts,
        organisations=REGION,
    )
    client = app.test_client()
    assert log_in(client, "polis@polisen.se") == 302
    for slug, place in (("borlange", "Borlänge bibliotek"), ("falun", "Falu bibliotek")):
        page = client.get(f"/{slug}/staff/")
        assert page.status_code == 200 and place in page.text
        meeting = region[slug]
        assert client.get(f"/{slug}/staff/meetings/{meeting.id}").status_code == 200
    # Each organisation's meeting only at its own address.
    assert client.get(f"/borlange/staff/meetings/{region['falun'].id}").status_code == 404
    # The menu leads to the other organisation.
    assert 'href="/falun/staff/"' in client.get("/borlange/staff/").text


def test_exports_and_the_audit_log_hold_one_organisation(
    app: Flask, session: Session, region: dict[str, Meeting]
) -> None:
    for meeting in region.values():
        client = app.test_client()
        slug = meeting.district.organisation.slug
        page = client.get(f"/{slug}/s/{meeting.code}")
        data = {
            "csrf_token": csrf_token(page.text),
            "submission_key": f"{meeting.id:032x}",
            "safety_evening": "very_safe",
        }
        assert client.post(f"/{slug}/s/{meeting.code}", data=data).status_code == 303
    make_staff(session, "analys@falun.se", "analyst", organisations=("falun",))
    make_staff(session, "admin@borlange.se", "admin")
    analyst = app.test_client()
    assert log_in(analyst, "analys@falun.se") == 302
    exported = analyst.get("/falun/staff/export/responses.csv?dialect=rfc4180")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["meeting_code"] for row in rows] == [region["falun"].code]
    # Falun's meeting code named in Borlänge's export finds nothing.
    admin = app.test_client()
    assert log_in(admin, "admin@borlange.se") == 302
    code = region["falun"].code
    elsewhere = admin.get(f"/borlange/staff/export/responses.csv?dialect=rfc4180&meeting={code}")
    assert list(csv.DictReader(io.StringIO(elsewhere.text))) == []
    log = admin.get("/borlange/staff/admin/audit").text
    assert "admin@borlange.se" in log
    assert "analys@falun.se" not in log  # Falun's analyst logged in and exported: not here
    reread(session)
    exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    falun = make_organisation(session, "falun").id
    assert {e.organisation_id for e in exports if e.actor_email == "analys@falun.se"} == {falun}


def test_an_admin_manages_only_accounts_wholly_within_their_organisations(
    app: Flask, session: Session, region: dict[str, Meeting]
) -> None:
    make_staff(session, "admin@borlange.se", "admin")
    police = make_staff(
        session,
        "polis@polisen.se",
        "coordinator",
        organisations=REGION,
    )
    falun_only = make_staff(session, "analys@falun.se", "analyst", organisations=("falun",))
    client = app.test_client()
    assert log_in(client, "admin@borlange.se") == 302
    users = client.get("/borlange/staff/admin/users").text
    assert "polis@polisen.se" in users and "analys@falun.se" not in users
    assert client.get(f"/borlange/staff/admin/users/{falun_only.id}").status_code == 404
    # The police account works for Falun too: an admin of Borlänge alone cannot make it an
    # admin, which would reach into Falun.
    page = client.get(f"/borlange/staff/admin/users/{police.id}")
    assert page.status_code == 403
    made = client.post(
        "/borlange/staff/admin/users/new",
        data={
            "csrf_token": csrf_token(client.get("/borlange/staff/admin/users/new").text),
            "email": "ny@borlange.se",
            "role": "analyst",
            "password": STAFF_PASSWORD,
        },
    )
    assert made.status_code == 302
    reread(session)
    new = session.scalars(select(User).where(User.email == "ny@borlange.se")).one()
    assert [o.slug for o in new.organisations] == ["borlange"]


# flask orgs ... and --org


def test_orgs_create_makes_an_organisation_with_its_own_pages(
    runner: FlaskCliRunner, client: FlaskClient, session: Session
) -> None:
    made = runner.invoke(
        args=[
            "orgs",
            "create",
            "falun",
            "--name",
            "Falu kommun",
            "--contact-email",
            "kommun@falun.se",
            "--bounds",
            "60.4",
            "15.3",
            "60.8",
            "16.0",
        ]
    )
    assert made.exit_code == 0, made.output
    assert "/falun/" in made.output
    assert "Falu kommun" in runner.invoke(args=["orgs", "list"]).output
    assert "kommun@falun.se" in client.get("/falun/integritet").text
    for slug, why in (
        ("falun", "already"),
        ("staff", "address of the app"),
        ("api", "address of the app"),
        ("Falun", "must be"),
        ("f", "must be"),
    ):
        refused = runner.invoke(args=["orgs", "create", slug, "--name", "X"])
        assert refused.exit_code != 0 and why in refused.output, (slug, refused.output)
    bad = runner.invoke(args=["orgs", "create", "mora", "--name", "Mora", "--colour", "red"])
    assert bad.exit_code != 0 and "#rrggbb" in bad.output
    assert count(session, Organisation) == 2


def test_commands_take_the_organisation_and_need_it_named_when_there_are_several(
    runner: FlaskCliRunner, session: Session
) -> None:
    schedule = "Torsdag 21/2 kl. 18.00-20.00 Centrum, samling Biblioteket\n"
    one = runner.invoke(args=["schedule", "import", "-", "--year", "2019"], input=schedule)
    assert one.exit_code == 0, one.output  # the only organisation
    make_organisation(session, "falun")
    unnamed = runner.invoke(args=["schedule", "import", "-", "--year", "2019"], input=schedule)
    assert unnamed.exit_code != 0 and "--org" in unnamed.output
    named = runner.invoke(
        args=["schedule", "import", "-", "--year", "2019", "--org", "falun"], input=schedule
    )
    assert named.exit_code == 0, named.output
    reread(session)
    centrums = session.scalars(select(District).where(District.name == "Centrum")).all()
    assert sorted(d.organisation.slug for d in centrums) == ["borlange", "falun"]
    listed = json.loads(runner.invoke(args=["meetings", "list", "--org", "falun", "--json"]).stdout)
    assert len(listed) == 1
    unknown = runner.invoke(args=["meetings", "list", "--org", "mora"])
    assert unknown.exit_code != 0 and "no organisation 'mora'" in unknown.output


def test_a_police_account_for_several_organisations_from_the_command_line(
    runner: FlaskCliRunner, session: Session
) -> None:
    for slug, meeting in (("borlange", "Centrum"), ("falun", "Centrum")):
        make_meeting(session, district=meeting, organisation=slug)
    make_meeting(session, district="Domnarvet")
    police = ["users", "create", "polis@polisen.se", "--role", "coordinator"]
    both = [*police, "--org", "borlange", "--org", "falun"]
    env = {"FEEDBACK_NEW_PASSWORD": STAFF_PASSWORD}
    ambiguous = runner.invoke(args=[*both, "--district", "Centrum"], env=env)
    assert ambiguous.exit_code != 0 and "several of the organisations" in ambiguous.output
    made = runner.invoke(args=[*both, "--district", "Domnarvet"], env=env)
    assert made.exit_code == 0, made.output
    reread(session)
    user = session.scalars(select(User).where(User.email == "polis@polisen.se")).one()
    assert [o.slug for o in user.organisations] == ["borlange", "falun"]
    assert [d.name for d in user.districts] == ["Domnarvet"]


def test_codes_are_unique_across_organisations(session: Session) -> None:
    falun = make_organisation(session, "falun")
    codes = {
        create_meeting(
            session,
            falun.id,
            MeetingFields("Centrum", date(2019, 1, 1 + n % 28), time(18), time(20), "T", None),
        ).code
        for n in range(28)
    }
    session.commit()
    codes |= {m.code for m in session.scalars(select(Meeting))}
    assert len(codes) == count(session, Meeting)


# The upgrade of an installation from before organisations


BEFORE = "9a4c6e1d2b57"


def test_the_upgrade_moves_a_single_municipality_into_its_first_organisation(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, session: Session
) -> None:
    meeting = make_meeting(session)
    code = meeting.code
    make_staff_and_pledge(session)
    session.close()
    down = runner.invoke(args=["db", "downgrade", BEFORE])
    assert down.exit_code == 0, down.output
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    reread(session)
    [organisation] = session.scalars(select(Organisation)).all()
    assert (organisation.slug, organisation.name) == ("borlange", app.config["ORGANISATION"])
    assert organisation.contact_email == app.config["CONTACT_EMAIL"]
    assert organisation.bounds == app.config["AREA_BOUNDS"]
    assert {d.organisation_id for d in session.scalars(select(District))} == {organisation.id}
    assert {p.organisation_id for p in session.scalars(select(Pledge))} == {organisation.id}
    [user] = session.scalars(select(User)).all()
    assert [o.slug for o in user.organisations] == ["borlange"]
    # Every printed code keeps working, with or without the prefix.
    assert client.get(f"/q/{code}").status_code == 200
    assert client.get(f"/borlange/q/{code}").status_code == 200


def make_staff_and_pledge(session: Session) -> None:
    """A staff account and a pledge, as an installation from before organisations has them."""
    make_staff(session, "admin@borlange.se", "admin")
    fields = PledgeFields(
        make_organisation(session).id, 2019, "Ljus", "Lampor.", "both", [], [], ""
    )
    save_pledge(session, fields)
    session.commit()


# The regional overview


def answered(session: Session, rows: list[tuple[str, str, int]]) -> None:
    """A meeting on 21 February 2019 in each (district, organisation), with that many answers,
    two of every three of them "very safe"."""
    for district, organisation, answers in rows:
        meeting = make_meeting(
            session, district=district, day=date(2019, 2, 21), organisation=organisation
        )
        for n in range(answers):
            store(session, meeting, safety_evening="very_safe" if n % 3 else "very_unsafe")


def test_the_region_puts_the_municipalities_side_by_side_holding_back_what_each_does(
    app: Flask, session: Session
) -> None:
    answered(
        session, [("Hagalund", "borlange", 6), ("Romme", "borlange", 2), ("Centrum", "falun", 7)]
    )
    make_staff(
        session,
        "analys@polisen.se",
        "analyst",
        organisations=REGION,
    )
    make_staff(session, "kommun@borlange.se", "analyst")
    client = app.test_client()
    assert log_in(client, "analys@polisen.se") == 302
    page = client.get("/staff/region?year=2019")
    assert page.status_code == 200
    assert "Borlänge kommun" in page.text and "Falun kommun" in page.text
    assert "inte alla invånare" in page.text  # the caveat, as everywhere
    # Falun's 7 answers; Borlänge's 6 from Hagalund, Romme's 2 held back and not added in.
    assert "n = 7" in page.text and "n = 6" in page.text
    assert "n = 8" not in page.text
    assert 'href="/falun/staff/overview?year=2019"' in page.text
    # A municipal analyst sees their own municipality only.
    own = app.test_client()
    assert log_in(own, "kommun@borlange.se") == 302
    mine = own.get("/staff/region?year=2019").text
    assert "Borlänge kommun" in mine and "Falun kommun" not in mine and "n = 7" not in mine


def test_a_regional_analyst_exports_the_region_each_row_with_its_organisation(
    app: Flask, session: Session
) -> None:
    day = date(2019, 2, 21)
    answered(
        session, [("Centrum", "borlange", 6), ("Romme", "borlange", 2), ("Centrum", "falun", 5)]
    )
    make_meeting(session, district="Mora", day=day, organisation="mora")  # not theirs
    make_staff(
        session,
        "analys@polisen.se",
        "analyst",
        organisations=REGION,
    )
    client = app.test_client()
    assert log_in(client, "analys@polisen.se") == 302
    exported = client.get("/staff/region/aggregates.csv?dialect=rfc4180&year=2019")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    safe = {(r["organisation"], r["district"]): r for r in rows if r["indicator"] == "safe"}
    assert set(safe) == {("borlange", "Centrum"), ("borlange", "Romme"), ("falun", "Centrum")}
    assert safe[("borlange", "Centrum")]["n"] == "6" and safe[("falun", "Centrum")]["n"] == "5"
    assert safe[("borlange", "Romme")]["n"] == "" and safe[("borlange", "Romme")]["share"] == ""
    assert all("inte alla invånare" in r["caveat"] for r in rows)
    reread(session)
    logged = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert logged.target == "region-aggregates.csv" and logged.details["rows"] == len(rows)


def test_an_organisations_posters_carry_its_name_colour_and_logo(
    app: Flask, runner: FlaskCliRunner, session: Session
) -> None:
    meeting = make_meeting(session, district="Centrum", organisation="falun")
    image = Image.new("RGBA", (1200, 400), (200, 30, 30, 255))
    drawn = io.BytesIO()
    image.save(drawn, "PNG", pnginfo=_with_text("Author", "Someone"))
    logo = tmp_file(app, "logo.png", drawn.getvalue())
    changed = runner.invoke(args=["orgs", "update", "falun", "--colour", "#A01010", "--logo", logo])
    assert changed.exit_code == 0, changed.output
    make_staff(session, "admin@falun.se", "admin", organisations=("falun",))
    client = app.test_client()
    assert log_in(client, "admin@falun.se") == 302
    poster = client.get(f"/falun/staff/meetings/{meeting.id}/poster").text
    assert '<p class="organisation"><img class="logo" src="/falun/organisation/logo.jpg"' in poster
    assert "Falun kommun</p>" in poster
    assert 'href="/falun/organisation.css"' in poster
    assert client.get("/falun/organisation.css").text == ":root{--organisation:#a01010}\n"
    served = client.get("/falun/organisation/logo.jpg")
    stored = Image.open(io.BytesIO(served.data))
    assert (stored.format, max(stored.size)) == ("JPEG", 600)
    assert not stored.info.get("Author") and not stored.getexif()
    assert client.get("/borlange/organisation/logo.jpg").status_code == 404  # Borlänge has none
    text_file = tmp_file(app, "logo.txt", b"not an image")
    refused = runner.invoke(args=["orgs", "update", "falun", "--logo", text_file])
    assert refused.exit_code != 0 and "JPEG, PNG eller WebP" in refused.output
    runner.invoke(args=["orgs", "update", "borlange", "--host", "trygghet.borlange.se"])
    taken = runner.invoke(args=["orgs", "update", "falun", "--host", "Trygghet.Borlange.se"])
    assert taken.exit_code != 0 and "another organisation has the host" in taken.output
    gone = runner.invoke(args=["orgs", "update", "falun", "--no-logo"])
    assert gone.exit_code == 0
    assert client.get("/falun/organisation/logo.jpg").status_code == 404


def _with_text(key: str, value: str) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return info


def tmp_file(app: Flask, name: str, data: bytes) -> str:
    """A file in the test's instance folder, for a command to read."""
    path = f"{app.instance_path}/{name}"
    with open(path, "wb") as out:
        out.write(data)
    return path
