"""The `flask` commands as people script them: db, schedule, seed, meetings, users, export."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.orm import Session

from feedback.cli import alembic_config
from feedback.meetings import local
from feedback.models import Answer, District, FreeTextReview, Meeting, Response, User
from tests.conftest import (
    BASE_URL,
    STAFF_EMAIL,
    STAFF_PASSWORD,
    Auth,
    answer,
    count,
    csrf_token,
    make_meeting,
    make_organisation,
    make_staff,
    reread,
)
from tests.test_export import store

SCHEDULE = (
    "Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo, Hagavägen 19\n"
    "Torsdag 5/9 kl. 18.00-20.00 Omäs, samling ICA, Torsångsvägen 119\n"
    "Torsdag den 3/10 18.00 – 20.00 Kvarnsveden, samling Kvarnforsplan\n"
    "Fredag 32/13 kl 18-20 Någonstans\n"
)
SCHEDULE_DISTRICTS = ("Hagalund", "Ornäs", "Kvarnsveden")
# Lines a careless paste or a bad scan produces: none of them is a meeting that can be held.
JUNK = (
    "asdf qwerty\n"
    "Torsdag kl. 18.00-20.00\n"
    "Fredag 32/13 kl 18-20 Någonstans\n"
    "31/2 kl 25.00-26.00\n"
    "kl 18 - 20 ,,,\n"
    "//// ---- ;;;\n"
    "99/99 kl 99.99-99.99\n"
    "🙂🙂 12/12\n"
)
NEW_PASSWORD = "ett nytt långt lösenord"
BORLANGE_DISTRICTS = {
    "Bullermyren",
    "Domnarvet",
    "Hagalund",
    "Idkerberget",
    "Jakobsgårdarna",
    "Kvarnsveden",
    "Ornäs",
    "Romme",
    "Tjärna Ängar",
    "Årby",
}


def add_districts(session: Session, *names: str) -> None:
    """Districts the database already knows."""
    session.add_all(
        District(organisation_id=make_organisation(session).id, name=name) for name in names
    )
    session.commit()


def import_schedule(runner: FlaskCliRunner, schedule: str, *options: str) -> Result:
    """Run `flask schedule import - --year 2019` with the schedule on standard input."""
    return runner.invoke(
        args=["schedule", "import", "-", "--year", "2019", *options], input=schedule
    )


def logs_in(app: Flask, email: str, password: str) -> bool:
    """Whether a fresh browser gets into the staff pages with these credentials."""
    browser = app.test_client()
    page = browser.get("/login")
    response = browser.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
    )
    return response.status_code == 302 and response.headers["Location"] == "/staff/"


def alembic_version(session: Session) -> str:
    """The revision the database says it is at."""
    reread(session)
    return session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def crashed(result: Result) -> bool:
    """Whether the command died of an exception, which a terminal shows as a traceback."""
    return result.exception is not None and not isinstance(result.exception, SystemExit)


# flask db upgrade


def test_upgrading_an_up_to_date_database_changes_nothing(
    app: Flask, runner: FlaskCliRunner, session: Session
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    with app.app_context():
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert alembic_version(session) == head
    for args in (["db", "upgrade"], ["db", "upgrade", "head"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    assert alembic_version(session) == head
    assert session.get(Meeting, meeting.id) is not None


def test_upgrading_to_an_unknown_revision_fails_and_leaves_the_database_alone(
    runner: FlaskCliRunner, session: Session
) -> None:
    before = alembic_version(session)
    result = runner.invoke(args=["db", "upgrade", "ingen-sadan"])
    assert result.exit_code != 0
    assert alembic_version(session) == before


# flask db downgrade


def answers_kept(session: Session) -> tuple[int, int, set[str]]:
    """Responses, answers, and the columns of the response table, as the database has them."""
    held = (count(session, Response), count(session, Answer))
    session.close()  # no transaction of the test may hold a lock a migration waits for
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("response")}
    return (*held, columns)


@pytest.mark.parametrize("target", ["base", "40484bd7c8c6"])
def test_a_downgrade_that_would_delete_answers_is_refused_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, session: Session, target: str
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    store(session, meeting, safety_evening="very_safe", unsafe_place_other="Gångtunneln")
    store(session, meeting, safety_evening="no_go_unsafe")
    before = answers_kept(session)
    with app.app_context():
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    result = runner.invoke(args=["db", "downgrade", target])
    assert result.exit_code == 1
    assert not crashed(result)
    assert "would delete residents' answers" in result.output
    assert "backup create" in result.output and "--drop-responses" in result.output
    if target == "base":
        assert "response: all 2 rows" in result.output
    else:  # the revision before `is_demo`: the rows stay, a column would go
        assert "response: columns is_demo" in result.output
    assert answers_kept(session) == before
    assert alembic_version(session) == head


def test_told_explicitly_the_downgrade_deletes_the_answers(
    runner: FlaskCliRunner, session: Session
) -> None:
    store(session, make_meeting(session, day=date(2019, 2, 21)), safety_evening="very_safe")
    session.close()
    try:
        result = runner.invoke(args=["db", "downgrade", "base", "--drop-responses"])
        assert result.exit_code == 0, result.output
        assert "deleted: response: all 1 rows" in result.output
        assert not inspect(session.get_bind()).has_table("response")
    finally:
        upgraded = runner.invoke(args=["db", "upgrade"])  # the next tests need the schema
        assert upgraded.exit_code == 0, upgraded.output


def test_a_database_without_answers_downgrades_without_being_told(
    runner: FlaskCliRunner, session: Session
) -> None:
    make_meeting(session, day=date(2019, 2, 21))
    session.close()
    try:
        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert not inspect(session.get_bind()).has_table("meeting")
    finally:
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output


# flask schedule import


def test_import_from_standard_input_schedules_the_meetings_and_sums_up_on_stderr(
    runner: FlaskCliRunner, session: Session
) -> None:
    add_districts(session, *SCHEDULE_DISTRICTS)
    result = import_schedule(runner, SCHEDULE)
    assert result.exit_code == 0, result.output
    assert "2019-02-21 18:00–20:00 Hagalund, Tempo, Hagavägen 19" in result.stdout
    assert "! Tolkade 'Omäs' som 'Ornäs'." in result.stdout
    assert "3 created, 0 already scheduled." in result.stderr
    assert "Skipped, incomplete: Fredag 32/13 kl 18-20 Någonstans" in result.stderr
    assert "created" not in result.stdout and "Skipped" not in result.stdout
    reread(session)
    meetings = session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    assert [(m.district.name, m.place, m.address) for m in meetings] == [
        ("Hagalund", "Tempo", "Hagavägen 19"),
        ("Ornäs", "ICA", "Torsångsvägen 119"),
        ("Kvarnsveden", "Kvarnforsplan", None),
    ]
    assert local(meetings[0].starts_at).isoformat() == "2019-02-21T18:00:00+01:00"
    assert local(meetings[2].ends_at).isoformat() == "2019-10-03T20:00:00+02:00"
    assert count(session, District) == 3  # no district called 'Omäs'


def test_import_reads_a_utf8_file_even_with_a_byte_order_mark(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    add_districts(session, *SCHEDULE_DISTRICTS, "Årby")
    plain, marked = tmp_path / "schema.txt", tmp_path / "schema-bom.txt"
    plain.write_text(SCHEDULE, encoding="utf-8")
    marked.write_text(
        "Torsdag 11/4 kl. 18.00-20.00 Årby, samling Årbygårdens förskola, Årbyvägen 99\n",
        encoding="utf-8-sig",  # what Windows Notepad saves
    )
    for path in (plain, marked):
        result = runner.invoke(args=["schedule", "import", str(path), "--year", "2019"])
        assert result.exit_code == 0, result.output
    assert count(session, Meeting) == 4
    arby = session.scalars(select(Meeting).join(Meeting.district).where(District.name == "Årby"))
    assert [(local(m.starts_at).date(), m.place) for m in arby] == [
        (date(2019, 4, 11), "Årbygårdens förskola")
    ]
    assert count(session, District) == 4


def test_importing_the_same_schedule_twice_creates_nothing_new(
    runner: FlaskCliRunner, session: Session
) -> None:
    add_districts(session, *SCHEDULE_DISTRICTS)
    assert "3 created, 0 already scheduled." in import_schedule(runner, SCHEDULE).stderr
    codes = set(session.scalars(select(Meeting.code)))
    again = import_schedule(runner, SCHEDULE)
    assert again.exit_code == 0
    assert "0 created, 3 already scheduled." in again.stderr
    assert count(session, Meeting) == 3
    assert set(session.scalars(select(Meeting.code))) == codes  # the posters stay valid


def test_json_output_is_one_array_a_script_can_read(
    runner: FlaskCliRunner, session: Session
) -> None:
    add_districts(session, *SCHEDULE_DISTRICTS)
    result = import_schedule(runner, SCHEDULE, "--json", "--dry-run")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)  # the summary lines went to stderr, not in the way
    assert isinstance(rows, list) and len(rows) == 4
    for row in rows:
        assert {"date", "start", "end", "district", "place", "address", "warnings"} <= set(row)
        assert row["date"] is None or date.fromisoformat(row["date"])
        for clock in (row["start"], row["end"]):
            assert clock is None or re.fullmatch(r"[0-2][0-9]:[0-5][0-9]", clock)
        assert isinstance(row["warnings"], list)
    hagalund, ornas, kvarnsveden, unreadable = rows
    assert {k: hagalund[k] for k in ("date", "start", "end", "district", "place", "address")} == {
        "date": "2019-02-21",
        "start": "18:00",
        "end": "20:00",
        "district": "Hagalund",
        "place": "Tempo",
        "address": "Hagavägen 19",
    }
    assert hagalund["warnings"] == []
    assert ornas["district"] == "Ornäs"
    assert "Tolkade 'Omäs' som 'Ornäs'." in ornas["warnings"]
    assert kvarnsveden["address"] is None
    assert unreadable["date"] is None
    assert "Datumet '32/13' finns inte år 2019." in unreadable["warnings"]
    assert "Ornäs" in result.stdout  # Swedish letters as letters, not \u escapes


def test_a_dry_run_stores_nothing(runner: FlaskCliRunner, session: Session) -> None:
    add_districts(session, *SCHEDULE_DISTRICTS)
    for options in (["--dry-run"], ["--dry-run", "--json"]):
        result = import_schedule(runner, SCHEDULE, *options)
        assert result.exit_code == 0, result.output
        assert "Dry run: 3 meetings understood, nothing stored." in result.stderr
        assert "created" not in result.stderr
    assert count(session, Meeting) == 0


def test_ocr_slips_are_corrected_only_towards_districts_the_database_knows(
    runner: FlaskCliRunner, session: Session
) -> None:
    line = "Torsdag 5/9 kl. 18.00-20.00 Omäs, samling ICA, Torsångsvägen 119\n"
    [unknown] = json.loads(import_schedule(runner, line, "--json", "--dry-run").stdout)
    assert unknown["district"] == "Omäs"
    assert any("finns inte bland de kända" in w for w in unknown["warnings"])
    add_districts(session, "Ornäs")
    [known] = json.loads(import_schedule(runner, line, "--json", "--dry-run").stdout)
    assert known["district"] == "Ornäs"


def test_a_file_of_junk_lines_warns_and_stores_nothing(
    runner: FlaskCliRunner, session: Session
) -> None:
    add_districts(session, *SCHEDULE_DISTRICTS)
    result = import_schedule(runner, JUNK, "--json")
    assert result.exit_code == 0, result.output
    assert not crashed(result)
    rows = json.loads(result.stdout)
    assert rows and all(row["warnings"] for row in rows)
    assert "0 created, 0 already scheduled." in result.stderr
    assert result.stderr.count("Skipped, incomplete:") == len(rows)
    assert count(session, Meeting) == 0
    assert count(session, District) == len(SCHEDULE_DISTRICTS)


def test_a_meeting_that_ends_before_it_starts_is_not_stored(
    runner: FlaskCliRunner, session: Session
) -> None:
    # The staff import form refuses this row ("Sluttiden måste vara efter starttiden.").
    add_districts(session, "Hagalund")
    result = import_schedule(runner, "Torsdag 21/2 kl. 20.00-18.00 Hagalund, samling Tempo\n")
    assert not crashed(result)
    assert "Sluttiden 18:00 är inte efter starttiden 20:00." in result.stdout
    assert count(session, Meeting) == 0


def test_a_schedule_in_another_encoding_gets_an_error_message_not_a_traceback(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "schema.txt"
    path.write_bytes(SCHEDULE.encode("cp1252"))  # Notepad's "ANSI"
    result = runner.invoke(args=["schedule", "import", str(path), "--year", "2019"])
    assert not crashed(result), repr(result.exception)
    assert result.stderr.strip()


@pytest.mark.parametrize(
    "year_options",
    [[], ["--year", "1899"], ["--year", "2101"], ["--year", "tjugonitton"]],
    ids=["missing", "too-early", "too-late", "not-a-number"],
)
def test_a_missing_or_implausible_year_is_a_usage_error(
    runner: FlaskCliRunner, session: Session, year_options: list[str]
) -> None:
    add_districts(session, *SCHEDULE_DISTRICTS)
    result = runner.invoke(args=["schedule", "import", "-", *year_options], input=SCHEDULE)
    assert result.exit_code == 2
    assert "--year" in result.stderr
    assert result.stdout == ""
    assert count(session, Meeting) == 0


@pytest.mark.parametrize("year", [1900, 2100])
def test_the_year_given_is_the_year_of_every_date(runner: FlaskCliRunner, year: int) -> None:
    result = runner.invoke(
        args=["schedule", "import", "-", "--year", str(year), "--json", "--dry-run"],
        input=SCHEDULE,
    )
    assert result.exit_code == 0, result.output
    dates = [row["date"] for row in json.loads(result.stdout) if row["date"]]
    assert dates == [f"{year}-02-21", f"{year}-09-05", f"{year}-10-03"]


def test_a_missing_file_is_a_usage_error(
    runner: FlaskCliRunner, tmp_path: Path, session: Session
) -> None:
    result = runner.invoke(
        args=["schedule", "import", str(tmp_path / "finns-inte.txt"), "--year", "2019"]
    )
    assert result.exit_code == 2
    assert "No such file" in result.stderr
    assert count(session, Meeting) == 0


# flask seed borlange


def test_seeding_twice_leaves_borlanges_ten_districts_and_fourteen_meetings(
    runner: FlaskCliRunner, session: Session
) -> None:
    first = runner.invoke(args=["seed", "borlange"])
    assert first.exit_code == 0, first.output
    assert "14 created, 0 already scheduled." in first.stderr
    second = runner.invoke(args=["seed", "borlange"])
    assert second.exit_code == 0, second.output
    assert "0 created, 14 already scheduled." in second.stderr
    assert count(session, Meeting) == 14
    assert set(session.scalars(select(District.name))) == BORLANGE_DISTRICTS


def test_the_seed_spells_the_places_right_despite_the_scanned_text(
    runner: FlaskCliRunner, session: Session
) -> None:
    assert runner.invoke(args=["seed", "borlange"]).exit_code == 0
    reread(session)
    meetings = session.scalars(select(Meeting)).all()
    districts = {m.district.name for m in meetings}
    assert {"Tjärna Ängar", "Jakobsgårdarna", "Ornäs"} <= districts
    words = " ".join(f"{m.district.name} {m.place} {m.address or ''}" for m in meetings)
    for slip in ("Tjäma", "Jakobsgårdama", "Omäs", "Kvamfors"):
        assert slip not in words
    kvarnforsplan = session.scalars(
        select(Meeting).where(Meeting.place == "Kvarnforsplan", Meeting.address.is_not(None))
    ).one()
    assert kvarnforsplan.address == "Kvarnforsplan 1"
    assert local(kvarnforsplan.starts_at).date() == date(2019, 3, 14)


# flask meetings list


def test_meetings_are_listed_as_json_in_stockholm_time(
    runner: FlaskCliRunner, session: Session
) -> None:
    winter = make_meeting(
        session,
        district="Tjärna Ängar",
        day=date(2019, 2, 21),
        start=time(18),
        end=time(20),
        place="Kulturhuset",
        address="Klöverstigen 10",
    )
    summer = make_meeting(
        session,
        district="Årby",
        day=date(2019, 4, 11),
        start=time(18),
        end=time(20),
        place="Årbygårdens förskola",
        address=None,
    )
    result = runner.invoke(args=["meetings", "list", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [item["id"] for item in items] == [winter.id, summer.id]
    first, second = items
    assert {k: first[k] for k in ("code", "district", "date", "start", "end")} == {
        "code": winter.code,
        "district": "Tjärna Ängar",
        "date": "2019-02-21",
        "start": "18:00",
        "end": "20:00",
    }
    assert (first["place"], first["address"]) == ("Kulturhuset", "Klöverstigen 10")
    assert (second["date"], second["start"], second["end"]) == ("2019-04-11", "18:00", "20:00")
    assert second["address"] is None
    for item in items:
        assert item["survey_url"] == f"{BASE_URL}/s/{item['code']}"
        for key in ("poster_url", "qr_png_url", "qr_svg_url"):
            assert item[key].startswith(f"{BASE_URL}/"), key


def test_every_listed_link_works(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund", place="Tempo")  # its survey is open
    [item] = json.loads(runner.invoke(args=["meetings", "list", "--json"]).stdout)
    with app.test_client().get(item["survey_url"].removeprefix(BASE_URL)) as survey:
        assert survey.status_code == 200
        assert "Tempo" in survey.text
    auth.login()
    expected = {"poster_url": "text/html", "qr_png_url": "image/png", "qr_svg_url": "image/svg+xml"}
    for key, mimetype in expected.items():
        with client.get(item[key].removeprefix(BASE_URL)) as page:
            assert page.status_code == 200, key
            assert page.mimetype == mimetype
    with client.get(item["poster_url"].removeprefix(BASE_URL)) as poster:
        assert meeting.code in poster.text


def test_links_follow_a_public_base_url_with_a_path(
    app: Flask, runner: FlaskCliRunner, session: Session
) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://kommun.example.se/trygghet"
    meeting = make_meeting(session, day=date(2019, 2, 21))
    [item] = json.loads(runner.invoke(args=["meetings", "list", "--json"]).stdout)
    assert item["survey_url"] == f"https://kommun.example.se/trygghet/s/{meeting.code}"
    assert item["qr_png_url"] == (
        f"https://kommun.example.se/trygghet/staff/meetings/{meeting.id}/qr.png"
    )


def test_the_plain_list_gives_a_line_per_meeting_with_its_link(
    runner: FlaskCliRunner, session: Session
) -> None:
    meeting = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    result = runner.invoke(args=["meetings", "list"])
    assert result.exit_code == 0
    assert result.stdout == (
        f"2019-04-25 18:00–20:00  {meeting.code}  Romme, Tunets IP  {BASE_URL}/s/{meeting.code}\n"
    )


def test_an_empty_schedule_lists_as_an_empty_array(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["meetings", "list", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


# flask users create


def test_an_account_created_with_the_password_from_the_environment_can_log_in(
    app: Flask, runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(
        args=["users", "create", "Samordnare@Borlange.se", "--role", "admin"],
        env={"FEEDBACK_NEW_PASSWORD": NEW_PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert "Created admin" in result.stdout
    assert NEW_PASSWORD not in result.output
    assert logs_in(app, "samordnare@borlange.se", NEW_PASSWORD)
    assert not logs_in(app, "samordnare@borlange.se", "fel lösenord här")


def test_an_account_created_with_a_typed_password_can_log_in(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(
        args=["users", "create", "analytiker@borlange.se", "--role", "admin"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.stdout
    assert NEW_PASSWORD not in result.output  # typed blind
    assert logs_in(app, "analytiker@borlange.se", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("args", "password_input", "env", "message"),
    [
        (["--role", "admin"], None, {"FEEDBACK_NEW_PASSWORD": "kort"}, "at least 12 characters"),
        (["--role", "admin"], "elva tecken\nelva tecken\n", None, "at least 12 characters"),
        (["--role", "admin"], f"{NEW_PASSWORD}\nnågot annat här\n", None, "do not match"),
        (["--role", "kung"], None, {"FEEDBACK_NEW_PASSWORD": NEW_PASSWORD}, "--role"),
        ([], None, {"FEEDBACK_NEW_PASSWORD": NEW_PASSWORD}, "--role"),
    ],
    ids=["short-from-env", "short-typed", "typed-twice-differently", "unknown-role", "no-role"],
)
def test_a_bad_account_is_refused_with_a_reason_and_nothing_is_created(
    app: Flask,
    runner: FlaskCliRunner,
    session: Session,
    args: list[str],
    password_input: str | None,
    env: dict[str, str] | None,
    message: str,
) -> None:
    result = runner.invoke(
        args=["users", "create", "ny@borlange.se", *args], input=password_input, env=env
    )
    assert result.exit_code != 0
    assert not crashed(result)
    assert message in result.output
    assert count(session, User) == 0


def test_an_address_that_has_an_account_is_refused_in_any_case(
    app: Flask, runner: FlaskCliRunner, session: Session
) -> None:
    make_staff(session)
    result = runner.invoke(
        args=["users", "create", STAFF_EMAIL.upper(), "--role", "admin"],
        env={"FEEDBACK_NEW_PASSWORD": NEW_PASSWORD},
    )
    assert result.exit_code == 1
    assert "already has an account" in result.stderr
    assert count(session, User) == 1
    assert logs_in(app, STAFF_EMAIL, STAFF_PASSWORD)
    assert not logs_in(app, STAFF_EMAIL, NEW_PASSWORD)


# flask users bootstrap


def test_bootstrap_prints_a_working_password_once(
    app: Flask, runner: FlaskCliRunner, session: Session
) -> None:
    first = runner.invoke(args=["users", "bootstrap", "--email", "it@borlange.se"])
    assert first.exit_code == 0, first.output
    found = re.search(r"password: (\S+)", first.stdout)
    assert found, first.stdout
    assert logs_in(app, "it@borlange.se", found.group(1))

    second = runner.invoke(args=["users", "bootstrap", "--email", "annan@borlange.se"])
    assert second.exit_code == 0, second.output
    assert "Staff accounts exist already" in second.stdout
    assert "password" not in second.output
    assert count(session, User) == 1
    assert logs_in(app, "it@borlange.se", found.group(1))


def test_bootstrap_creates_no_admin_when_someone_has_an_account(
    runner: FlaskCliRunner, session: Session
) -> None:
    make_staff(session)
    result = runner.invoke(args=["users", "bootstrap"])
    assert result.exit_code == 0
    assert "Staff accounts exist already" in result.stdout
    assert "password" not in result.output
    assert count(session, User) == 1


# flask export responses


def test_the_exported_csv_is_the_web_download_byte_for_byte(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    session: Session,
    auth: Auth,
    tmp_path: Path,
) -> None:
    meeting = make_meeting(session, district="Tjärna Ängar", place="Kulturhuset")
    for given in (
        {"safety_evening": "very_safe", "unsafe_place_other": "Gångtunneln under Ängsplan"},
        {"safety_evening": "no_go_unsafe", "safer_how": "Bättre belysning på Årbyvägen"},
    ):
        phone = app.test_client()
        _, data = answer(phone, meeting, **given)
        assert phone.post(f"/s/{meeting.code}", data=data).status_code == 303
    session.execute(update(FreeTextReview).values(status="approved"))  # free text once approved
    session.commit()
    auth.login()
    with client.get("/staff/export/responses.csv") as download:
        web = download.data

    to_stdout = runner.invoke(args=["export", "responses"])
    assert to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.stdout_bytes == web
    out = tmp_path / "svar.csv"
    to_file = runner.invoke(args=["export", "responses", "--out", str(out)])
    assert to_file.exit_code == 0, to_file.output
    assert to_file.stdout == ""
    assert out.read_bytes() == web

    # The default is what Swedish Excel opens: a BOM, then semicolons.
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert [row["district"] for row in rows] == ["Tjärna Ängar", "Tjärna Ängar"]
    assert rows[0]["unsafe_place_other"] == "Gångtunneln under Ängsplan"
    assert rows[1]["safer_how"] == "Bättre belysning på Årbyvägen"


def test_with_no_answers_the_export_is_the_header_alone(
    client: FlaskClient, runner: FlaskCliRunner, auth: Auth
) -> None:
    auth.login()
    with client.get("/staff/export/responses.csv") as download:
        web = download.data
    result = runner.invoke(args=["export", "responses"])
    assert result.exit_code == 0
    assert result.stdout_bytes == web
    assert result.stdout.startswith("\ufeffresponse_id;submitted_at;district;")
    assert result.stdout.count("\n") == 1


def test_exporting_into_a_folder_is_a_usage_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["export", "responses", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--out" in result.stderr


def test_demo_seed_writes_many_responses_in_bulk_and_never_beside_real_ones(
    runner: FlaskCliRunner, session: Session
) -> None:
    make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    result = runner.invoke(args=["demo", "seed", "--responses", "3000", "--year", "2019"])
    assert result.exit_code == 0, result.output
    assert "Added 3000 demo responses for 2018 and 2019" in result.output
    reread(session)
    assert count(session, Response) == 3000
    assert session.scalar(select(func.count()).where(Response.is_demo.is_(False))) == 0
    answered = select(func.count(func.distinct(Answer.response_id))).where(
        Answer.question_key == "safety_evening"
    )
    assert session.scalar(answered) == 3000  # every response answers the core question
    years = {local(m.starts_at).year for m in session.scalars(select(Meeting))}
    assert years == {2018, 2019}
    # Each demo response was given during its meeting, and reads back as an aware time.
    given = session.execute(
        select(Response.submitted_at, Meeting.starts_at, Meeting.ends_at).join(Response.meeting)
    ).all()
    assert all(starts <= at < ends for at, starts, ends in given)
    assert len({local(at).year for at, _, _ in given}) == 2
    # Once real answers exist, demo data may not be mixed in.
    real = session.scalars(select(Response)).first()
    assert real is not None
    real.is_demo = False
    session.commit()
    refused = runner.invoke(args=["demo", "seed", "--responses", "10", "--year", "2019"])
    assert refused.exit_code != 0
    assert "real responses" in refused.output
