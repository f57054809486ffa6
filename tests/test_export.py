"""Exports analysts can trust: dialects, XLSX, codebook, aggregates, filters, and safety."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import uuid
from datetime import UTC, date, datetime

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from feedback import db, questionnaire, reports
from feedback.export import Responses, csv_text
from feedback.meetings import find_district
from feedback.models import Answer, AuditEvent, FreeTextReview, Meeting, Response
from feedback.responses import Filters, Submission, record_response, response_rows
from tests.conftest import Auth, answer, make_meeting, make_organisation, reread

# Known spreadsheet formula-injection payloads (OWASP CSV injection and friends).
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    '=HYPERLINK("http://example.invalid/?x="&A1,"Klicka")',
    "=cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+thisIsNotAFormula()",
]


def store(session: Session, meeting: Meeting, channel: str = "qr", **values: str) -> None:
    """A response stored as the survey stores it."""
    record_response(
        session,
        Submission(meeting, questionnaire.current(), values, uuid.uuid4().hex, channel, "sv"),
    )
    session.commit()


def approve_all(session: Session) -> None:
    """Approve every free-text answer, as a coordinator would."""
    session.execute(update(FreeTextReview).values(status="approved"))
    session.commit()


def download(client: FlaskClient, url: str) -> bytes:
    """A download's bytes."""
    with client.get(url) as response:
        assert response.status_code == 200, response.text
        return response.data


def test_the_two_csv_dialects(client: FlaskClient, session: Session, auth: Auth) -> None:
    meeting = make_meeting(session, district="Årby", day=date(2019, 4, 11))
    for _ in range(5):
        store(session, meeting, safety_evening="very_safe")
    auth.login()
    plain = download(client, "/staff/export/responses.csv?dialect=rfc4180")
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert plain.startswith(b"response_id,submitted_at,")
    assert plain.count(b"\r\n") == 6
    excel = download(client, "/staff/export/responses.csv")  # the web default
    assert excel.startswith(b"\xef\xbb\xbfresponse_id;submitted_at;")
    assert "Årby".encode() in excel
    assert excel.count(b"\r\n") == 6
    aggregates = download(client, "/staff/export/aggregates.csv").decode("utf-8-sig")
    row = next(
        r
        for r in csv.DictReader(io.StringIO(aggregates), delimiter=";")
        if r["indicator"] == "safe"
    )
    assert row["share"] == "1"  # five of five
    assert row["ci_low"].startswith("0,565")  # decimal comma
    plain_aggregates = download(client, "/staff/export/aggregates.csv?dialect=rfc4180").decode()
    assert "0.565" in plain_aggregates


def test_labels_in_a_chosen_language_instead_of_codes(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    store(session, meeting, safety_evening="no_go_unsafe", problem_litter="very_big")
    auth.login()
    rows = list(
        csv.DictReader(
            io.StringIO(
                download(client, "/staff/export/responses.csv?dialect=rfc4180&labels=en").decode()
            )
        )
    )
    assert rows[0]["safety_evening"] == "I don't go out alone late, because I feel unsafe"
    assert rows[0]["problem_litter"] == "Very big problem"
    coded = list(
        csv.DictReader(
            io.StringIO(download(client, "/staff/export/responses.csv?dialect=rfc4180").decode())
        )
    )
    assert coded[0]["safety_evening"] == "no_go_unsafe"


def test_filters_by_year_district_meeting_channel_and_version(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    a = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    b = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    c = make_meeting(session, district="Hagalund", day=date(2020, 2, 20))
    store(session, a, "qr", safety_evening="very_safe")
    store(session, a, "paper", safety_evening="fairly_safe")
    store(session, b, "kiosk", safety_evening="very_unsafe")
    store(session, c, "link", safety_evening="dont_know")
    auth.login()

    def codes(query: str) -> list[str]:
        text = download(client, f"/staff/export/responses.csv?dialect=rfc4180&{query}").decode()
        return [r["safety_evening"] for r in csv.DictReader(io.StringIO(text))]

    assert codes("") == ["very_safe", "fairly_safe", "very_unsafe", "dont_know"]
    assert codes("year=2019") == ["very_safe", "fairly_safe", "very_unsafe"]
    assert codes(f"district={a.district_id}") == ["very_safe", "fairly_safe", "dont_know"]
    assert codes(f"meeting={a.code.lower()}") == ["very_safe", "fairly_safe"]
    assert codes("channel=paper") == ["fairly_safe"]
    latest = questionnaire.current().version
    assert codes(f"version={latest}&year=2020") == ["dont_know"]
    assert codes("version=1") == []
    bad = client.get("/staff/export/responses.csv?year=tjugo&channel=fax")
    assert bad.status_code == 400
    assert "Något behöver rättas" in bad.text


def test_every_export_is_audited_with_its_filters_and_rows(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    store(session, meeting, safety_evening="very_safe")
    store(session, meeting, safety_evening="fairly_safe")
    auth.login()
    download(client, "/staff/export/responses.csv?year=2019&channel=qr")
    download(client, "/staff/export/responses.xlsx")
    download(client, "/staff/export/aggregates.csv?per_meeting=true")
    download(client, "/staff/export/codebook.json")
    reread(session)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_email, e.target) for e in events] == [
        ("polis@example.se", "responses.csv"),
        ("polis@example.se", "responses.xlsx"),
        ("polis@example.se", "aggregates.csv"),
        ("polis@example.se", "codebook.json"),
    ]
    assert events[0].details == {
        "year": 2019,
        "channel": "qr",
        "dialect": "excel-sv",
        "rows": 2,
    }
    assert events[1].details == {"rows": 2}  # a spreadsheet has no CSV dialect
    assert events[2].details["per_meeting"] is True


def test_the_xlsx_has_real_values_and_a_codebook(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Tjärna Ängar", day=date(2019, 3, 28))
    store(session, meeting, safety_evening="fairly_safe", safer_how="Fler lampor")
    approve_all(session)
    auth.login()
    data = download(client, "/staff/export/responses.xlsx")
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["Svar", "Kodbok"]
    header, row = list(book["Svar"].iter_rows(values_only=True))[:2]
    values = dict(zip(header, row, strict=True))
    assert isinstance(values["response_id"], int)
    assert isinstance(values["submitted_at"], datetime)
    assert values["meeting_date"] == datetime(2019, 3, 28)
    assert values["questionnaire_version"] == questionnaire.current().version
    assert values["district"] == "Tjärna Ängar"
    assert values["safety_evening"] == "fairly_safe"
    assert values["safer_how"] == "Fler lampor"
    codebook = list(book["Kodbok"].iter_rows(values_only=True))
    assert codebook[0][:4] == ("questionnaire_version", "question_key", "kind", "required")
    columns = {name: at for at, name in enumerate(codebook[0])}
    code, swedish, dari = columns["code"], columns["label_sv"], columns["label_fa_AF"]
    assert ("safety_evening", "very_safe", "Mycket trygg", "بسیار امن") in {
        (r[1], r[code], r[swedish], r[dari]) for r in codebook[1:]
    }
    book.close()


def test_the_xlsx_opens_ready_to_read(client: FlaskClient, session: Session, auth: Auth) -> None:
    """Bold, frozen header rows with a filter over every row, and columns wide enough for
    their dates and names (no ### in LibreOffice or Excel), on both sheets."""
    meeting = make_meeting(session, district="Tjärna Ängar", day=date(2019, 3, 28))
    store(session, meeting, safety_evening="fairly_safe")
    store(session, meeting, safety_evening="very_safe")
    auth.login()
    book = load_workbook(io.BytesIO(download(client, "/staff/export/responses.xlsx")))
    answers, codebook = book["Svar"], book["Kodbok"]
    for sheet, rows in ((answers, 3), (codebook, codebook.max_row)):
        assert sheet.freeze_panes == "A2"
        last = sheet.cell(1, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{rows}"
        assert all(cell.font.bold for cell in sheet[1])
        assert not sheet.cell(2, 1).font.bold
    header = [cell.value for cell in answers[1]]
    width = {
        name: answers.column_dimensions[answers.cell(1, i + 1).column_letter].width
        for i, name in enumerate(header)
    }
    assert width["submitted_at"] >= len("2019-03-28 18:30:00")
    assert width["meeting_date"] >= len("2019-03-28")
    assert width["district"] >= len("Tjärna Ängar")
    assert all(8 <= w <= 50 for w in width.values())
    assert answers.cell(2, header.index("meeting_date") + 1).number_format == "yyyy-mm-dd"


def test_the_codebook_as_csv_and_json(client: FlaskClient, auth: Auth) -> None:
    auth.login()
    book = json.loads(download(client, "/staff/export/codebook.json"))
    v1 = book["versions"][0]
    assert v1["version"] == 1
    core = v1["questions"][0]
    assert core["key"] == "safety_evening"
    assert core["label"]["sv"].startswith("Hur trygg")
    assert core["label"]["ar"]
    assert {"code": "dont_know", "label": core["options"][-1]["label"]} == core["options"][-1]
    assert core["options"][-1]["label"]["en"] == "Don't know"
    assert [i["key"] for i in v1["indicators"]][:2] == ["safe", "unsafe"]
    text = download(client, "/staff/export/codebook.csv?dialect=rfc4180").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["question_key"] for r in rows} >= {"safety_evening", "unsafe_place_other"}
    litter = [
        r
        for r in rows
        if r["question_key"] == "problem_litter"
        and r["questionnaire_version"] == "1"
        and r["kind"] == "choice"
    ]
    assert [r["code"] for r in litter] == ["none", "small", "fairly_big", "very_big", "no_opinion"]
    assert litter[0]["label_so"]
    # Each indicator says what it counts and what its share is a share of.
    unsafe = next(r for r in rows if r["kind"] == "indicator" and r["code"] == "unsafe")
    assert unsafe["counts_codes"] == "fairly_unsafe no_go_unsafe very_unsafe"
    assert "Nämnare: Alla som besvarade frågan om trygghet" in unsafe["note"]
    assert "kan inte jämföras rakt av med trygghetsmätningarna" in unsafe["note"]
    assert "kan inte jämföras rakt av med trygghetsmätningarna" in book["caveat"]


def test_aggregates_equal_the_dashboard(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Ornäs", place="ICA", day=date(2019, 9, 5))
    few = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 10, 10))
    for core in ["very_safe"] * 5 + ["very_unsafe"] * 3:
        store(session, meeting, safety_evening=core)
    for _ in range(4):
        store(session, few, safety_evening="very_safe")
    auth.login()
    rows = list(
        csv.DictReader(
            io.StringIO(download(client, "/staff/export/aggregates.csv?dialect=rfc4180").decode())
        )
    )
    district = find_district(session, make_organisation(session).id, "Ornäs")
    assert district is not None
    report = reports.district_report(session, district, 2019, questionnaire.current(), 5)
    for figure in report.total.figures:
        row = next(
            r for r in rows if r["district"] == "Ornäs" and r["indicator"] == figure.indicator.key
        )
        e = figure.estimate
        assert e is not None
        assert int(row["n"]) == e.n
        assert row["suppressed"] == "false"
        assert row["denominator"] == figure.indicator.denominator()
        assert "kan inte jämföras rakt av med trygghetsmätningarna" in row["caveat"]
        if e.share is not None and e.interval is not None:
            assert float(row["share"]) == round(e.share, 6)
            assert float(row["ci_low"]) == round(e.interval.low, 6)
    romme = next(r for r in rows if r["district"] == "Romme" and r["indicator"] == "safe")
    assert (romme["n"], romme["share"], romme["ci_low"], romme["suppressed"]) == (
        "",
        "",
        "",
        "true",
    )


def test_formula_payloads_from_real_submissions_are_neutralised(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district='=HYPERLINK("x")')  # even a district name
    for payload in PAYLOADS:
        phone = app.test_client()
        _, data = answer(phone, meeting, safety_evening="very_safe", safer_how=payload)
        assert phone.post(f"/s/{meeting.code}", data=data).status_code == 303
    approve_all(session)
    auth.login()
    text = download(client, "/staff/export/responses.csv?dialect=rfc4180").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(PAYLOADS)
    cells = [value for row in rows for value in row.values()] + list(rows[0])
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert {r["safer_how"] for r in rows} == {"'" + p for p in PAYLOADS}
    book = load_workbook(io.BytesIO(download(client, "/staff/export/responses.xlsx")))
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", cell.value  # no formula anywhere
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    book.close()


def test_the_command_line_exports_match_the_web(
    client: FlaskClient, runner: FlaskCliRunner, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    for core in ("very_safe", "fairly_unsafe"):
        store(session, meeting, safety_evening=core)
    auth.login()
    for args, url in [
        (
            ["export", "responses", "--dialect", "rfc4180", "--year", "2019"],
            "/staff/export/responses.csv?dialect=rfc4180&year=2019",
        ),
        (
            ["export", "responses", "--district", "Hagalund"],
            f"/staff/export/responses.csv?district={meeting.district_id}",
        ),
        (["export", "codebook", "--format", "json"], "/staff/export/codebook.json"),
        (["export", "codebook"], "/staff/export/codebook.csv"),
        (
            ["export", "aggregates", "--per-meeting"],
            "/staff/export/aggregates.csv?per_meeting=true",
        ),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout_bytes == download(client, url), args
    xlsx = runner.invoke(args=["export", "responses", "--format", "xlsx"])
    assert xlsx.stdout_bytes.startswith(b"PK")  # a zip: the XLSX container
    assert runner.invoke(args=["export", "responses", "--district", "Atlantis"]).exit_code == 2


def test_exports_stream_in_constant_memory(session: Session) -> None:
    """Peak memory while writing 200,000 responses stays close to that for 20,000."""
    small = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    large = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    for meeting, count in ((small, 20_000), (large, 180_000)):
        for start in range(0, count, 20_000):
            keys = [f"bulk-{meeting.id}-{n}" for n in range(start, start + 20_000)]
            session.execute(
                insert(Response),
                [
                    {
                        "meeting_id": meeting.id,
                        "questionnaire_version": 1,
                        "submission_key": key,
                        "channel": "qr",
                        "language": "sv",
                        "is_demo": True,
                    }
                    for key in keys
                ],
            )
            ids = session.scalars(select(Response.id).where(Response.submission_key.in_(keys)))
            given = {"meeting_id": meeting.id, "question_key": "safety_evening"}
            session.execute(
                insert(Answer), [{**given, "response_id": i, "value": "very_safe"} for i in ids]
            )
    session.commit()

    def peak(filters: Filters) -> tuple[int, int]:
        table = Responses()
        tracemalloc.start()
        for _ in csv_text(table.table(response_rows(session, filters=filters)), "excel-sv"):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        session.rollback()
        return table.count, top

    rows_small, peak_small = peak(Filters(meeting_code=small.code))
    rows_all, peak_all = peak(Filters())
    assert (rows_small, rows_all) == (20_000, 200_000)
    print(f"peak memory: {peak_small / 1e6:.1f} MB, 20,000 rows; {peak_all / 1e6:.1f} MB, all")
    assert peak_all < 1.5 * peak_small + 2_000_000


def test_streamed_rows_are_those_execute_returns(session: Session) -> None:
    """`db.stream` sends the parameters and reads the columns through their types, as
    `execute` does, and a stream left half-read leaves the connection usable."""
    meeting = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    for n in range(12):
        store(session, meeting, safety_evening="very_safe" if n % 2 else "rather_unsafe")
    statement = (
        select(Response.id, Response.submitted_at, Response.is_demo, Answer.value)
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Response.submitted_at >= datetime(2000, 1, 1, tzinfo=UTC),
            Answer.value.in_(["very_safe"]),
        )
        .order_by(Response.id)
    )
    connection = session.connection()
    expected = [tuple(row) for row in connection.execute(statement)]
    assert len(expected) == 6 and isinstance(expected[0][1], datetime)
    assert [tuple(row) for row in db.stream(connection, statement, size=4)] == expected
    rows = db.stream(connection, statement, size=2)
    assert tuple(next(rows)) == expected[0]
    rows.close()
    assert session.scalar(select(func.count()).select_from(Response)) == 12


def test_csv_cells_numbers_stay_numbers_and_text_is_made_inert() -> None:
    row = [-5, 0, 1.5, "-5", "", "=1+1", "+46 70", "@x", "\tx", "vanlig text", None, True]
    lines = "".join(csv_text([row], "rfc4180")) + "".join(csv_text([row], "excel-sv"))
    assert lines.splitlines() == [
        "-5,0,1.5,'-5,,'=1+1,'+46 70,'@x,'\tx,vanlig text,,true",
        "\ufeff-5;0;1,5;'-5;;'=1+1;'+46 70;'@x;'\tx;vanlig text;;true",
    ]
