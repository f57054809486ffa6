"""No input answers a 5xx: the survey, the staff forms and every page's parameters, fuzzed.

Hypothesis sends random and hostile values (NUL and other control characters, huge strings,
unknown codes, numbers beyond any column) where people and scripts can put them. A page may
refuse (400, 404, 413), never fail; a survey that validates is stored exactly once, one that
does not stores nothing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from feedback import questionnaire
from feedback.models import Answer, District, Meeting, Pledge, Response, User
from tests.conftest import Auth, answer, count, csrf_token, make_meeting

FUZZ = settings(
    max_examples=100,  # the file runs in about 20 seconds
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KEY = re.compile(r"[0-9a-f]{32}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Values people and scripts put where a form or an address expects something sensible.
HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x1b[31m",
        "\t\n\r",
        "0",
        "-1",
        "2019",
        "1899",
        "2101",
        "99999",
        "99999999999999999999",
        "1e10",
        "١٢",  # Arabic-Indic digits, which int() accepts
        "true",
        "false",
        "yes",
        "qr",
        "paper",
        "kiosk",
        "rfc4180",
        "excel-sv",
        "sv",
        "xx",
        "csv",
        "../../etc/passwd",
        "%00",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "ÅÄÖ åäö",
        "😀",
        "x" * 300,
        "y" * 6000,
    ]
)
TEXT = st.one_of(HOSTILE, st.text(max_size=40))
CONTROLS = st.sampled_from(["Tunneln\x00 vid", "\x00", "Parken\x1b[2J", "rad ett\r\nrad två\t"])
# Pins anywhere from well inside Borlänge to well outside it.
PINS = st.builds("{:.6f},{:.6f}".format, st.floats(59.5, 61.5), st.floats(14.0, 16.5))
HUGE = st.integers(min_value=1, max_value=3).map(lambda n: "ä" * (1100 * n))


def clean(value: str) -> str:
    """What a text field keeps of a value: control characters other than tab and newlines go."""
    return CONTROL.sub("", value)


# --- the survey ------------------------------------------------------------------------------


def _answer_value(question: questionnaire.Question) -> st.SearchStrategy[str | None]:
    """A value for one question: a valid answer, nothing, or something hostile."""
    if question.kind == "choice" or question.is_multiple:
        codes = st.sampled_from([o.code for o in question.options])
        return st.one_of(codes, codes, st.none(), TEXT)
    if question.kind == "point":
        return st.one_of(PINS, st.none(), TEXT, st.just("60.5,15.2\x00"), st.just("nan,nan"))
    return st.one_of(st.text(max_size=200), TEXT, HUGE, st.none())


def _is_valid(values: dict[str, str | None], key: str) -> bool:
    """Whether the survey form should accept these values."""
    if not KEY.fullmatch(clean(key)):
        return False
    for question in questionnaire.current().questions:
        value = values.get(question.key)
        if question.kind == "choice":
            if value is None or not value.strip():
                if question.required:
                    return False
            elif value not in {o.code for o in question.options}:
                return False
        elif question.is_multiple:  # the district has no places: the codes alone
            if value and value.strip() and value not in {o.code for o in question.options}:
                return False
        elif question.kind == "point":
            if value and not _in_borlange(clean(value)):
                return False
        elif value is not None and value.strip() and len(clean(value)) > question.max_length:
            return False
    return True


def _in_borlange(pin: str) -> bool:
    """Whether a pin is two numbers, latitude and longitude, inside the configured area."""
    try:
        latitude, longitude = (float(n) for n in pin.split(","))
    except ValueError:
        return False
    return 60.25 <= latitude <= 60.75 and 14.85 <= longitude <= 15.90


@st.composite
def survey_posts(draw: st.DrawFn) -> tuple[dict[str, str | None], str]:
    """Form values for every question, and a submission key; a few of them spoilt."""
    questions = questionnaire.current().questions
    spoilt = draw(st.sets(st.sampled_from([q.key for q in questions] + ["key"]), max_size=3))
    values = {}
    for q in questions:
        if q.key in spoilt:
            values[q.key] = draw(_answer_value(q))
        elif q.kind == "point":
            values[q.key] = draw(st.one_of(st.none(), PINS))
        elif q.kind == "choice" or q.is_multiple:
            codes = [o.code for o in q.options]
            values[q.key] = draw(
                st.sampled_from(codes) if q.required else st.sampled_from([*codes, None])
            )
        else:
            values[q.key] = draw(st.one_of(st.none(), st.text(max_size=100), CONTROLS))
    key = draw(st.uuids().map(lambda u: u.hex))
    if "key" in spoilt:
        key = draw(st.one_of(TEXT, st.just("ab\x00" + "c" * 30), st.just(key.upper())))
    return values, key


@FUZZ
@given(post=survey_posts())
def test_the_survey_stores_a_valid_answer_once_and_an_invalid_one_not_at_all(
    app: Flask, session: Session, post: tuple[dict[str, str | None], str]
) -> None:
    values, key = post
    meeting = session.scalar(select(Meeting)) or make_meeting(session)
    client = app.test_client()  # each resident with a phone of their own
    _, data = answer(client, meeting)
    data["submission_key"] = key
    data.update({k: v for k, v in values.items() if v is not None})
    before = count(session, Response)
    already = session.scalar(select(Response.id).where(Response.submission_key == clean(key)))

    response = client.post(f"/s/{meeting.code}", data=data)

    assert response.status_code < 500, response.text
    event(f"answered {response.status_code}")
    after = count(session, Response)
    if _is_valid(values, key):
        assert response.status_code == 303, response.text
        assert after == before + (0 if already else 1)
    else:
        assert response.status_code in (400, 413)
        assert after == before
        if response.status_code == 400:  # the page comes back with a key that can be sent
            assert 'name="submission_key"' in response.text
            sent_again = re.search(
                r'name="submission_key" type="hidden" value="([^"]*)"', response.text
            )
            assert sent_again and KEY.fullmatch(sent_again.group(1))


def test_a_nul_in_free_text_is_stored_without_it_and_only_once(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(
        client,
        meeting,
        safety_evening="very_safe",
        unsafe_place_other="Tunneln\x00 vid\x1b stationen",
    )
    first = client.post(f"/s/{meeting.code}", data=data)
    again = client.post(f"/s/{meeting.code}", data=data)
    assert first.status_code == 303
    assert again.status_code in (200, 303)
    assert count(session, Response) == 1
    text = session.scalar(select(Answer.value).where(Answer.question_key == "unsafe_place_other"))
    assert text == "Tunneln vid stationen"


def test_a_broken_submission_key_gives_the_survey_back_with_a_fresh_key(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    _, data = answer(client, meeting, safety_evening="very_safe", unsafe_place_other="Parken")
    refused = client.post(f"/s/{meeting.code}", data={**data, "submission_key": "\x00" * 40})
    assert refused.status_code == 400
    assert "Parken" in refused.text  # what the resident typed is still there
    fresh = re.search(r'name="submission_key" type="hidden" value="([0-9a-f]{32})"', refused.text)
    assert fresh
    assert count(session, Response) == 0
    stored = client.post(
        f"/s/{meeting.code}",
        data={**data, "submission_key": fresh.group(1), "csrf_token": csrf_token(refused.text)},
    )
    assert stored.status_code == 303
    assert count(session, Response) == 1


# --- the staff forms -------------------------------------------------------------------------


def _form_data(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[str]]) -> dict[str, str]:
    """Plausible values for the fields, a few of them spoilt: hostile, or left out."""
    spoilt = draw(st.sets(st.sampled_from(sorted(fields)), max_size=2))
    data = {}
    for name, strategy in fields.items():
        if name not in spoilt:
            data[name] = draw(strategy)
        elif draw(st.booleans()):
            data[name] = draw(TEXT)
    return data


DATES = st.one_of(st.dates(date(1990, 1, 1), date(2110, 12, 31)).map(str), st.dates().map(str))
TIMES = st.times().map(lambda t: t.strftime("%H:%M"))
YEARS = st.integers(min_value=1990, max_value=2110).map(str)
OWN = "the district's id"  # filled in by the test, which knows it
DISTRICT_IDS = st.sampled_from([OWN, OWN, OWN, "0", "2147483648"])


@st.composite
def staff_posts(draw: st.DrawFn) -> tuple[str, type[Any], dict[str, str]]:
    """A staff form, what it stores, and values for it."""
    which = draw(st.sampled_from(["import", "meeting", "pledge", "user"]))
    if which == "import":
        row = {
            f"rows-0-{name}": strategy
            for name, strategy in {
                "include": st.just("y"),
                "day": DATES,
                "start": st.one_of(st.just("18:00"), TIMES),
                "end": st.one_of(st.just("20:00"), TIMES),
                "district": st.just("Hagalund"),
                "place": st.just("Tempo"),
                "address": st.just("Hagavägen 19"),
            }.items()
        }
        fields = {
            "action": st.sampled_from(["preview", "confirm"]),
            "year": YEARS,
            "text": st.just("Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo"),
            **row,
        }
        return "/staff/import", Meeting, _form_data(draw, fields)
    if which == "meeting":
        fields = {
            "district": DISTRICT_IDS,
            "day": DATES,
            "start": st.one_of(st.just("18:00"), TIMES),
            "end": st.one_of(st.just("20:00"), TIMES),
            "place": st.just("Tempo"),
            "address": st.just("Hagavägen 19"),
        }
        return "/staff/meetings/new", Meeting, _form_data(draw, fields)
    if which == "pledge":
        fields = {
            "year": YEARS,
            "title": st.just("Bättre belysning"),
            "text": st.just("Vi byter armaturer."),
            "responsible": st.sampled_from(["both", "police", "municipality"]),
            "districts": DISTRICT_IDS,
            "indicators": st.sampled_from(["safe", "big_problem:problem_lighting"]),
            "activities": st.just("Vandring i mars"),
        }
        return "/staff/pledges/new", Pledge, _form_data(draw, fields)
    fields = {
        "email": st.one_of(st.emails().map(str), st.just("inte en adress")),
        "role": st.sampled_from(["admin", "analyst", "coordinator"]),
        "districts": DISTRICT_IDS,
        "is_active": st.just("y"),
        "password": st.just("ett långt lösenord"),
    }
    return "/staff/admin/users/new", User, _form_data(draw, fields)


@FUZZ
@given(post=staff_posts())
def test_staff_forms_refuse_bad_values_and_store_nothing_then(
    client: FlaskClient, session: Session, auth: Auth, post: tuple[str, type[Any], dict[str, str]]
) -> None:
    url, model, data = post
    if client.get("/staff/").status_code != 200:
        auth.login()  # once: the examples share the test's browser
    district = session.scalar(select(District.id)) or make_meeting(session).district_id
    data = {name: str(district) if value == OWN else value for name, value in data.items()}
    token = csrf_token(client.get(url).text)
    before = count(session, model)

    response = client.post(url, data={**data, "csrf_token": token})
    event(f"{url} answered {response.status_code}")

    assert response.status_code < 500, response.text
    if response.status_code != 302:
        assert response.status_code in (200, 400, 413)
        assert count(session, model) == before


def test_an_import_row_without_a_readable_date_comes_back_marked(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    auth.login()
    page = client.get("/staff/import")
    rows = {
        "rows-0-include": "y",
        "rows-0-day": "2019-02-21",
        "rows-0-start": "18:00",
        "rows-0-end": "20:00",
        "rows-0-district": "Hagalund",
        "rows-0-place": "Tempo",
        "rows-1-include": "y",
        "rows-1-day": "21 februari",
        "rows-1-start": "18:00",
        "rows-1-end": "20:00",
        "rows-1-district": "Hagalund",
        "rows-1-place": "Tempo",
    }
    response = client.post(
        "/staff/import",
        data={
            "csrf_token": csrf_token(page.text),
            "year": "2019",
            "text": "Torsdag 21/2 kl. 18.00-20.00 Hagalund, samling Tempo",
            "action": "confirm",
            **rows,
        },
    )
    assert response.status_code == 400
    assert "Ange ett datum, till exempel 2019-02-21." in response.text
    assert 'value="21 februari"' in response.text  # the row is there to correct
    assert count(session, Meeting) == 0  # not even the good row: nothing half-way


# --- every page and download -----------------------------------------------------------------


def _get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if "GET" in (r.methods or ()) and r.endpoint != "static"
        ),
        key=lambda r: r.rule,
    )


def _path(rule: Rule, values: dict[str, str]) -> str:
    """The rule's address with the values in place of its arguments, quoted as a browser would."""
    return re.sub(
        r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(values[m.group(1)], safe=""), rule.rule
    )


def _plausible(app: Flask, rule: Rule, meeting: Meeting) -> dict[str, str]:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]  # type: ignore[attr-defined]
        elif isinstance(converter, IntegerConverter):
            values[name] = str(
                {"meeting_id": meeting.id, "district_id": meeting.district_id}.get(name, 1)
            )
        else:
            values[name] = meeting.code
    return values


QUERY_NAMES = [
    "year",
    "per_meeting",
    "channel",
    "dialect",
    "version",
    "lang",
    "format",
    "district",
    "meeting",
    "labels",
    "paper_language",
    "action",
    "next",
    "fmt",
    "_external",
    "_scheme",
]
QUERIES = st.dictionaries(st.sampled_from(QUERY_NAMES), TEXT, max_size=4)
PATH_VALUES = st.one_of(
    HOSTILE, st.sampled_from(["2147483647", "2147483648", "00000000000000000001"])
)


@FUZZ
@given(data=st.data())
def test_no_page_or_download_answers_5xx_whatever_its_address_and_query(
    app: Flask, client: FlaskClient, session: Session, auth: Auth, data: st.DataObject
) -> None:
    meeting = session.scalar(select(Meeting)) or make_meeting(session)
    if client.get("/staff/").status_code != 200:
        auth.login()  # once: the examples share the test's browser
    if not data.draw(st.booleans(), label="logged in"):
        client = app.test_client()
    rule = data.draw(st.sampled_from(_get_rules(app)), label="page")
    values = _plausible(app, rule, meeting)
    for name in values:
        if data.draw(st.booleans(), label=f"hostile {name}"):
            values[name] = data.draw(PATH_VALUES, label=name)
    path = _path(rule, values)
    query = data.draw(QUERIES, label="query")

    response = client.get(path, query_string=query)
    event(f"answered {response.status_code}")

    assert response.status_code < 500, (path, query, response.text[:2000])


def test_every_page_takes_hostile_values_in_each_of_its_arguments(
    app: Flask, session: Session, auth: Auth
) -> None:
    """The walk above is random; this one visits every page with each kind of bad argument."""
    meeting = make_meeting(session)
    auth.login()
    for rule in _get_rules(app):
        plausible = _plausible(app, rule, meeting)
        for name in plausible:
            for bad in ("\x00", "0", "99999999999999999999", "x" * 300, "../x"):
                path = _path(rule, {**plausible, name: bad})
                response = auth.client.get(path)
                assert response.status_code < 500, (path, response.text[:2000])
        for key in ("year", "per_meeting", "district", "dialect", "channel", "version"):
            for bad in ("\x00", "-1", "99999999999999999999", "abc"):
                response = auth.client.get(_path(rule, plausible), query_string={key: bad})
                assert response.status_code < 500, (rule.rule, key, bad, response.text[:2000])


def test_a_bad_year_says_what_a_year_is_in_the_page_language(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    make_meeting(session)
    public = client.get("/loften", query_string={"year": "99999999999999999999"})
    assert public.status_code == 400
    assert "Ange ett år med siffror, mellan 1900 och 2100." in public.text
    auth.login()
    assert client.get("/staff/posters/0").status_code == 404
    assert client.get("/staff/basis", query_string={"year": "tjugonitton"}).status_code == 400
    assert client.get("/staff/meetings/99999999999999999999").status_code == 404
    assert client.get("/staff/export", query_string={"per_meeting": "true"}).status_code == 200
    refused = client.get("/staff/export/aggregates.csv", query_string={"per_meeting": "ja"})
    assert refused.status_code == 400
    assert "Indikatorer per möte: Inte ett giltigt val" in refused.text
    links = client.get(
        "/staff/export", query_string={"year": "2019", "fmt": "x", "_scheme": "javascript"}
    )
    assert links.status_code == 200
    assert 'href="/staff/export/responses.csv?year=2019"' in links.text
    assert 'href="/staff/export/aggregates.csv?per_meeting=true&amp;year=2019"' in links.text
    codebook = client.get("/staff/export/codebook.csv", query_string={"dialect": "tsv"})
    assert codebook.status_code == 400
    assert "Parametern dialect kan bara vara excel-sv, rfc4180." in codebook.text


def test_a_nul_in_an_address_is_refused_and_the_api_answers_json(client: FlaskClient) -> None:
    for path in ("/q/%00", "/s/%00/tack", "/moten/%00.ics", "/?lang=%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "Adressen innehåller tecken som inte hör hemma i en adress." in response.text
    api = client.get("/api/v1/meetings", query_string={"year": "\x00"})
    assert api.status_code == 400
    assert api.json is not None and api.json["error"]["code"] == "bad_request"


def test_a_moderation_decision_on_a_made_up_reference_is_a_404(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    auth.login()
    url = f"/staff/districts/{meeting.district_id}/moderation"
    token = csrf_token(client.get(url).text)
    for ref in (
        "99999999999999999999-unsafe_place_other",
        "²-unsafe_place_other",
        "1-",
        "-",
        "x" * 300,
    ):
        response = client.post(f"{url}/{quote(ref)}", data={"csrf_token": token, "action": "hide"})
        assert response.status_code == 404, ref
