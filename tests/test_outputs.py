"""Every output, public and staff, found from the app's own routes: all of them publish numbers
only through feedback.disclosure, and wherever a share is read its denominator and the
comparison caveat are read too.

The routes are walked from `app.url_map`, so a page, print or download added later is walked
as well, and fails here if it prints a number the disclosure module did not clear.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from feedback import disclosure, questionnaire
from feedback.disclosure import Figure, Group
from feedback.models import Meeting, utcnow
from feedback.pledges import PledgeFields, publish, save_pledge
from feedback.questionnaire import Questionnaire
from feedback.responses import Submission, record_response
from tests.conftest import Auth, make_meeting, make_organisation

# Row-level data for people with the export permission: out of scope of disclosure control
# (issue 10), and full of response ids that would look like counts.
ROW_LEVEL = {"review.export_responses"}
# The district's year: 23 of 37 feel safe (62,2 %), 14 unsafe (37,8 %), 29 of 37 see litter as
# a big problem (78,4 %). None of these digits occurs anywhere else on the pages.
SAFE, UNSAFE, LITTER, N = 23, 14, 29, 37
SENTINELS = [
    re.compile(r"\b62,2\b"),
    re.compile(r"\b37,8\b"),
    re.compile(r"\b78,4\b"),
    re.compile(r"\b0\.6216"),
    re.compile(r"\b0\.3783"),
    re.compile(r"\b0\.7837"),
    re.compile(r"n = 37\b"),
    re.compile(r'"n": ?37\b'),
    re.compile(r">37<"),
    re.compile(r"\b37 svar\b"),
    re.compile(r"\b37 av\b"),
]
SHARE = re.compile(r"\d+,\d\u00a0%")
NTU = re.compile(r"\bNTU\b")
NOT_COMPARABLE = "kan inte jämföras rakt av med trygghetsmätningarna"


@dataclass(frozen=True)
class Data:
    """What the outputs are read about."""

    meeting: Meeting
    pledge_id: int


@pytest.fixture
def data(session: Session) -> Data:
    """One district's year of answers, last year's too, and a pledge for this year."""
    meeting = make_meeting(session, district="Tjärna ängar", day=date(2026, 3, 12))
    last_year = make_meeting(session, district="Tjärna ängar", day=date(2025, 3, 13))
    current = questionnaire.current()
    for i in range(N):
        answers = {
            "safety_evening": "very_safe" if i < SAFE else "very_unsafe",
            "problem_litter": "very_big" if i < LITTER else "none",
        }
        record_response(session, Submission(meeting, current, answers, f"{i:032x}", "qr", "sv"))
    for i in range(20):
        answers = {"safety_evening": "fairly_safe"}
        record_response(
            session, Submission(last_year, current, answers, f"{i + 100:032x}", "qr", "sv")
        )
    pledge = save_pledge(
        session,
        PledgeFields(
            make_organisation(session).id,
            year=2026,
            title="Tryggare Tjärna ängar",
            text="Mer belysning.",
            responsible="both",
            districts=[meeting.district],
            indicators=["safe", "unsafe", "big_problem:problem_litter"],
            activities="",
        ),
    )
    publish(session, pledge, utcnow())
    session.commit()
    return Data(meeting, pledge.id)


# Query strings that make a route show the year of the data.
QUERIES = {
    "review.overview": ["year=2026"],
    "review.region": ["year=2026"],
    "review.region_aggregates": ["dialect=rfc4180", "year=2026&dialect=rfc4180"],
    "review.district": ["year=2026"],
    "pledging.basis": ["year=2026"],
    "public.pledges": ["year=2026", "year=2027"],
    "api.indicators": ["", "per_meeting=true", "year=2026"],
    "review.export_aggregates": ["dialect=rfc4180", "per_meeting=true&dialect=rfc4180"],
}
CHOICES = {"fmt": ["csv", "json", "xlsx", "svg", "png"], "paper_language": ["sv"]}


def outputs(app: Flask, client: FlaskClient, found: Data) -> Iterator[tuple[str, str]]:
    """Every GET route of the app, with real ids, as (url, body text) when it answers 200."""
    meeting = found.meeting
    values = {
        "code": [meeting.code],
        "meeting_id": [str(meeting.id)],
        "district_id": [str(meeting.district_id)],
        "pledge_id": [str(found.pledge_id)],
        "user_id": ["1"],
        "action_id": ["1"],
        "finding_id": ["1"],
        "photo_id": ["1"],
        "table": ["places", "findings", "actions"],
        "year": ["2026"],
        "name": ["site.css"],
        "slug": ["borlange"],  # an organisation's provider; none is configured here
        **CHOICES,
    }
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in ROW_LEVEL | {"static"}:
            continue
        urls = [""]
        for argument in sorted(rule.arguments - set(rule.defaults or {})):
            urls = [f"{u}|{argument}={v}" for u in urls for v in values[argument]]
        for combination in urls:
            args = dict(part.split("=", 1) for part in combination.split("|") if part)
            try:
                path = rule.build(args, append_unknown=False)
            except ValueError:  # a format this route does not have
                continue
            if path is None:
                continue
            for query in QUERIES.get(rule.endpoint, [""]):
                url = path[1] + (f"?{query}" if query else "")
                response = client.get(url)
                if response.status_code != 200:
                    continue
                if response.is_json:  # as read, not as escaped
                    yield url, json.dumps(response.get_json(), ensure_ascii=False)
                else:
                    yield url, response.get_data().decode("utf-8", errors="replace")


def blank(group: Group) -> Group:
    """A group with every number withheld."""
    return Group(
        responses=None,
        figures=tuple(Figure(f.indicator, None) for f in group.figures),
        distributions=dict.fromkeys(group.distributions),
        channels=dict.fromkeys(group.channels),
        languages=dict.fromkeys(group.languages),
    )


def test_no_output_publishes_a_number_the_disclosure_module_withheld(
    app: Flask, client: FlaskClient, data: Data, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.login()
    # Unchanged, the district's numbers are there to find: the walk can fail.
    seen = {
        url for url, text in outputs(app, client, data) if any(s.search(text) for s in SENTINELS)
    }
    assert any(url.startswith("/staff/districts/") for url in seen)
    assert any(url.startswith("/api/v1/indicators") for url in seen)
    real = disclosure.district_year

    def withhold_everything(
        parts: list[disclosure.Tally], current: Questionnaire, min_n: int
    ) -> tuple[Group, list[Group]]:
        total, meetings = real(parts, current, min_n)
        return blank(total), [blank(m) for m in meetings]

    monkeypatch.setattr(disclosure, "district_year", withhold_everything)
    walked = 0
    for url, text in outputs(app, client, data):
        walked += 1
        leaked = [s.pattern for s in SENTINELS if s.search(text)]
        assert not leaked, f"{url} publishes {leaked} though disclosure withheld every number"
    assert walked >= 30  # the walk reached the pages, prints, downloads and the API


def test_every_share_is_read_with_its_denominator_and_the_caveat(
    app: Flask, client: FlaskClient, data: Data, auth: Auth
) -> None:
    auth.login()
    with_shares = []
    for url, text in outputs(app, client, data):
        if SHARE.search(text):
            with_shares.append(url)
            assert "andel av" in text.lower() or "andelar av" in text.lower(), url
            assert "även de som svarade" in text or "även de som" in text, url
        if NTU.search(text):  # as a word: a random meeting code may hold the letters
            assert NOT_COMPARABLE in text, f"{url} names NTU without the comparison caveat"
    # Pages, prints and the public follow-up all show shares.
    for prefix in ("/staff/overview", "/staff/districts/", "/staff/basis", "/loften"):
        assert any(url.startswith(prefix) for url in with_shares), prefix


def test_the_api_document_codebook_and_aggregates_name_the_denominator(
    client: FlaskClient, data: Data, auth: Auth
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    indicator = document["components"]["schemas"]["Indicator"]["properties"]
    assert "även de som svarade vet ej" in indicator["share"]["description"]
    assert "denominator" in indicator
    assert NOT_COMPARABLE in document["info"]["description"]
    auth.login()
    aggregates = client.get("/staff/export/aggregates.csv?dialect=rfc4180").text
    header = aggregates.splitlines()[0].split(",")
    assert header[-2:] == ["denominator", "caveat"]
    assert NOT_COMPARABLE in aggregates
    codebook = client.get("/staff/export/codebook.json").get_json()
    assert NOT_COMPARABLE in codebook["caveat"]
    assert all(i["denominator"]["sv"] for v in codebook["versions"] for i in v["indicators"])
