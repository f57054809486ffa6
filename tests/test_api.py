"""The open-data API: the dashboards' numbers as JSON, suppressed, cacheable, and to contract."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from feedback import create_app, moderation, questionnaire, reports
from feedback.i18n import span
from feedback.meetings import cancel_meeting
from feedback.models import Meeting
from feedback.responses import Submission, record_response
from feedback.stats import Interval, percent
from tests.conftest import BASE_URL, Auth, answer, make_meeting

# With an Ö, which no meeting code has: "XQ7" alone turned up inside a random code.
FREE_TEXT = "Lampan vid tunneln har varit trasig sedan mars ÖXQ7"
ENDPOINTS = ["", "districts", "meetings", "indicators", "openapi.json"]
INDICATOR_FIELDS = {
    "district",
    "district_id",
    "year",
    "meeting_code",
    "meeting_date",
    "indicator",
    "label",
    "n",
    "share",
    "ci_low",
    "ci_high",
    "suppressed",
    "denominator",
}


def given(session: Session, meeting: Meeting, *answers: dict[str, str]) -> None:
    """Store responses for a meeting as the survey does."""
    for number, values in enumerate(answers):
        key = f"api-{meeting.id}-{number}-{sorted(values.items())}"[:60]
        record_response(
            session, Submission(meeting, questionnaire.current(), values, key, "qr", "sv")
        )
    session.commit()


@dataclass
class Stored:
    """The meetings of the test data."""

    hagalund: Meeting  # 2019: 4 of 5 trygga, one with free text, approved
    hagalund_before: Meeting  # 2018: 5 of 5 trygga
    romme: Meeting  # 2019: four answers, below the threshold of five
    idkerberget: Meeting  # 2019: cancelled, no address, no answers


@pytest.fixture
def stored(session: Session) -> Stored:
    """Three districts, four meetings over two years, and answers in three of them."""
    hagalund = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    before = make_meeting(session, district="Hagalund", day=date(2018, 2, 22))
    romme = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    idkerberget = make_meeting(
        session,
        district="Idkerberget",
        day=date(2019, 9, 19),
        start=time(18, 30),
        end=time(19, 45),
        place="Skolan",
        address=None,
    )
    cancel_meeting(session, idkerberget)
    given(
        session,
        hagalund,
        *[{"safety_evening": "very_safe", "problem_litter": "very_big"}] * 4,
        {
            "safety_evening": "very_unsafe",
            "problem_litter": "none",
            "unsafe_place_other": FREE_TEXT,
        },
    )
    given(session, before, *[{"safety_evening": "fairly_safe"}] * 5)
    given(session, romme, *[{"safety_evening": "very_safe"}] * 4)
    for item in moderation.queue(session, hagalund.district_id):
        moderation.moderate(session, item, "approve", "polis@example.se")
    session.commit()
    return Stored(hagalund, before, romme, idkerberget)


def get(client: FlaskClient, path: str, **query: Any) -> TestResponse:
    """A GET under /api/v1."""
    return client.get(f"/api/v1/{path}", query_string=query)


def body(client: FlaskClient, path: str, **query: Any) -> dict[str, Any]:
    """The JSON of a successful GET under /api/v1."""
    response = get(client, path, **query)
    assert response.status_code == 200, response.text
    assert response.content_type == "application/json"
    found: dict[str, Any] = response.get_json()
    return found


def rows(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    """The indicator rows the API answers for a query."""
    found: list[dict[str, Any]] = body(client, "indicators", **query)["indicators"]
    return found


def row(found: list[dict[str, Any]], district: str, indicator: str, **where: Any) -> dict[str, Any]:
    """The one row of a district and indicator (and meeting or year, if given)."""
    matches = [
        r
        for r in found
        if r["district"] == district
        and r["indicator"] == indicator
        and all(r[k] == v for k, v in where.items())
    ]
    assert len(matches) == 1, matches
    return matches[0]


def test_districts_are_listed_by_name(client: FlaskClient, stored: Stored) -> None:
    assert body(client, "districts") == {
        "districts": [
            {"id": stored.hagalund.district_id, "name": "Hagalund"},
            {"id": stored.idkerberget.district_id, "name": "Idkerberget"},
            {"id": stored.romme.district_id, "name": "Romme"},
        ]
    }


def test_meetings_are_the_public_schedule_in_stockholm_time(
    client: FlaskClient, stored: Stored
) -> None:
    meetings = body(client, "meetings")["meetings"]
    assert [m["date"] for m in meetings] == ["2018-02-22", "2019-02-21", "2019-04-25", "2019-09-19"]
    assert meetings[1] == {
        "code": stored.hagalund.code,
        "district": "Hagalund",
        "district_id": stored.hagalund.district_id,
        "date": "2019-02-21",
        "start": "18:00",
        "end": "20:00",
        "place": "Tempo",
        "address": "Hagavägen 19",
        "cancelled": False,
        "survey_url": f"{BASE_URL}/s/{stored.hagalund.code}",
    }
    idkerberget = meetings[3]
    assert (idkerberget["start"], idkerberget["end"]) == ("18:30", "19:45")
    assert idkerberget["address"] is None
    assert idkerberget["cancelled"] is True


def test_meetings_filter_by_year_and_district(client: FlaskClient, stored: Stored) -> None:
    in_2019 = body(client, "meetings", year=2019)["meetings"]
    assert [m["district"] for m in in_2019] == ["Hagalund", "Romme", "Idkerberget"]
    hagalund = body(client, "meetings", district=stored.hagalund.district_id)["meetings"]
    assert [m["date"] for m in hagalund] == ["2018-02-22", "2019-02-21"]
    both = body(client, "meetings", year=2018, district=stored.romme.district_id)
    assert both == {"meetings": []}


def test_indicators_are_the_numbers_the_district_page_shows(
    app: Flask, client: FlaskClient, session: Session, stored: Stored, auth: Auth
) -> None:
    answered = body(client, "indicators", year=2019)
    assert answered["min_answers"] == 5
    assert "de som svarade vid dialogerna, inte alla invånare" in answered["caveat"]
    assert "kan inte jämföras rakt av med trygghetsmätningarna" in answered["caveat"]
    safe = row(answered["indicators"], "Hagalund", "safe")
    assert safe["label"] == "Andel trygga"
    assert safe["denominator"].startswith("Alla som besvarade frågan om trygghet")
    assert "även de som svarade vet ej" in safe["denominator"]
    assert (safe["year"], safe["n"], safe["share"], safe["suppressed"]) == (2019, 5, 0.8, False)
    assert (safe["meeting_code"], safe["meeting_date"]) == (None, None)
    litter = row(answered["indicators"], "Hagalund", "big_problem:problem_litter")
    assert litter["label"] == "Andel som ser ett ganska eller mycket stort problem: Nedskräpning"
    assert litter["share"] == 0.8

    expected = reports.aggregates(session, questionnaire.current(), 5, year=2019)
    assert [
        (r.district, r.year, r.indicator.key, r.n, r.share, r.low, r.high, r.suppressed)
        for r in expected
    ] == [
        (
            r["district"],
            r["year"],
            r["indicator"],
            r["n"],
            r["share"],
            r["ci_low"],
            r["ci_high"],
            r["suppressed"],
        )
        for r in answered["indicators"]
    ]

    auth.login()
    page = client.get(f"/staff/districts/{stored.hagalund.district_id}?year=2019").text
    assert percent(safe["share"]) == "80,0\u00a0%"
    assert percent(safe["share"]) in page
    assert span(Interval(safe["ci_low"], safe["ci_high"])) in page


def test_fewer_than_five_answers_are_suppressed(client: FlaskClient, stored: Stored) -> None:
    romme = [r for r in rows(client, year=2019) if r["district"] == "Romme"]
    assert romme, "Romme's answers give rows"
    for key in ("safe", "unsafe"):
        found = row(romme, "Romme", key)
        assert found["suppressed"] is True
        # n goes with the share: a count of four is as telling as the share it belongs to.
        assert (found["n"], found["share"], found["ci_low"], found["ci_high"]) == (None,) * 4
    # Nobody there answered the problem questions: that is said, and there is nothing to hide.
    litter = row(romme, "Romme", "big_problem:problem_litter")
    assert (litter["n"], litter["share"], litter["suppressed"]) == (0, None, False)


def test_indicators_per_meeting_and_by_district(client: FlaskClient, stored: Stored) -> None:
    per_meeting = rows(client, district=stored.hagalund.district_id, per_meeting="true")
    assert {(r["meeting_code"], r["meeting_date"], r["year"]) for r in per_meeting} == {
        (stored.hagalund_before.code, "2018-02-22", 2018),
        (stored.hagalund.code, "2019-02-21", 2019),
    }
    assert row(per_meeting, "Hagalund", "safe", year=2018)["share"] == 1.0
    totals = rows(client, district=stored.hagalund.district_id, per_meeting="false")
    assert {r["meeting_code"] for r in totals} == {None}
    assert {r["year"] for r in totals} == {2018, 2019}


def test_no_response_level_data_or_free_text_appears_anywhere(
    app: Flask, client: FlaskClient, session: Session, stored: Stored
) -> None:
    open_now = make_meeting(session, district="Romme", place="Tunets IP")
    _, data = answer(client, open_now, safety_evening="very_unsafe", safer_how=FREE_TEXT)
    assert client.post(f"/s/{open_now.code}", data=data).status_code == 303
    for item in moderation.queue(session, open_now.district_id):
        moderation.moderate(session, item, "approve", "polis@example.se")
    session.commit()

    anonymous = app.test_client()
    answers = [body(anonymous, path) for path in ENDPOINTS]
    answers += [body(anonymous, "indicators", per_meeting="true")]
    for answered in answers:
        text = json.dumps(answered, ensure_ascii=False)
        assert "ÖXQ7" not in text and "tunneln" not in text
        for leak in ("response_id", "submitted_at", "channel", "language", "email", "answers"):
            assert f'"{leak}"' not in text
    indicators = rows(anonymous, per_meeting="true")
    assert {frozenset(r) for r in indicators} == {frozenset(INDICATOR_FIELDS)}


def test_the_api_needs_no_login_and_sets_no_cookie(client: FlaskClient, stored: Stored) -> None:
    for path in ENDPOINTS:
        response = get(client, path)
        assert response.status_code == 200
        assert response.content_type == "application/json"
        assert "Set-Cookie" not in response.headers


def test_answers_are_cacheable_and_a_repeat_is_not_modified(
    client: FlaskClient, session: Session, stored: Stored
) -> None:
    for path in ENDPOINTS:
        first = get(client, path)
        assert first.headers["Cache-Control"] == "public, max-age=300"
        etag = first.headers["ETag"]
        again = client.get(f"/api/v1/{path}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""
    before = get(client, "indicators").headers["ETag"]
    given(session, stored.romme, {"safety_evening": "very_unsafe"})
    changed = client.get("/api/v1/indicators", headers={"If-None-Match": before})
    assert changed.status_code == 200  # a new answer is a new version: no stale 304
    assert row(changed.get_json()["indicators"], "Romme", "safe")["share"] == 0.8


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("meetings", {"year": "abc"}, "year"),
        ("meetings", {"year": "1899"}, "year"),
        ("indicators", {"year": "2101"}, "year"),
        ("indicators", {"year": " 2019"}, "year"),
        ("indicators", {"year": "2_019"}, "year"),
        ("indicators", {"year": ""}, "year"),
        ("meetings", {"district": "Hagalund"}, "district"),
        ("meetings", {"district": "0"}, "district"),
        ("indicators", {"district": "999999"}, "district"),
        ("indicators", {"district": "99999999999"}, "district"),
        ("indicators", {"per_meeting": "yes"}, "per_meeting"),
        ("indicators", {"per_meeting": "1"}, "per_meeting"),
        ("indicators", {"per_meeting": "True"}, "per_meeting"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(
    client: FlaskClient, stored: Stored, path: str, query: dict[str, str], parameter: str
) -> None:
    response = get(client, path, **query)
    assert response.status_code == 400
    assert response.content_type == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert f"Parametern {parameter}" in error["message"]


def test_unknown_parameters_are_ignored(client: FlaskClient, stored: Stored) -> None:
    everything = body(client, "meetings")
    assert body(client, "meetings", sort="name", per_meeting="yes") == everything


def test_an_unknown_api_address_answers_json_and_pages_stay_html(client: FlaskClient) -> None:
    for path in ("/api/v1/nope", "/api/v1/districts/1", "/api/v2/districts"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json() == {
            "error": {"code": "not_found", "message": "Det finns ingen sådan adress i API:t."}
        }
    posted = client.post("/api/v1/districts")
    assert posted.status_code == 405
    assert posted.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in posted.headers["Allow"]
    page = client.get("/finns-inte")
    assert page.status_code == 404
    assert page.content_type.startswith("text/html")


def test_the_index_links_every_resource_and_the_document(client: FlaskClient) -> None:
    index = body(client, "")
    links = [*index["resources"].values(), index["openapi"]]
    assert sorted(links) == sorted(f"/api/v1/{path}" for path in ENDPOINTS if path)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_document_describes_exactly_these_endpoints(client: FlaskClient) -> None:
    document = body(client, "openapi.json")
    assert document["openapi"] == "3.0.3"
    assert set(document["paths"]) == {f"/api/v1/{path}" for path in ENDPOINTS}
    parameters = document["components"]["parameters"]
    assert parameters["year"]["schema"] == {"type": "integer", "minimum": 1900, "maximum": 2100}
    assert parameters["district"]["schema"]["minimum"] == 1
    assert parameters["per_meeting"]["schema"]["type"] == "boolean"


# Loaded once at import from an app that serves the document: the contract as clients fetch
# it. The document needs no database; the cases run against the test's app with stored answers.
# (schemathesis.pytest.from_fixture would load it from the test's app, but schemathesis 4.32
# reads the private `Function._nodeid` that pytest 9.2 removed.)
contract = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://"}),
)


@contract.parametrize()
@settings(
    max_examples=50,
    deadline=None,  # PostgreSQL's first queries can be slow; speed is not what this checks
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_openapi_contract(
    case: schemathesis.Case[Any], app: Flask, stored: Stored
) -> None:
    case.call_and_validate(
        app=app,
        # Called in-process, schemathesis reads the body as sent: ask for it uncompressed, as
        # HTTP clients that decode gzip and brotli themselves never need to.
        headers={"Accept-Encoding": "identity"},
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.response_headers_conformance,
            schemathesis.checks.negative_data_rejection,
        ],
    )
