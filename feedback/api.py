"""The open-data API: districts, the public schedule and the indicators, as JSON without login.

Only what anyone may know: the schedule, and the same aggregated, suppressed numbers the
dashboards show. Never a single response, free text, or anything about staff or residents.
The contract is feedback/openapi.py, served at /api/v1/openapi.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from feedback import db, disclosure, openapi, questionnaire, reports
from feedback.inputs import BadInput, UnknownPage
from feedback.links import public_record
from feedback.meetings import list_districts, list_meetings
from feedback.models import District, Organisation
from feedback.openapi import ID_MAX, MAX_AGE, PREFIX, YEAR_MAX, YEAR_MIN
from feedback.organisations import district_ids
from feedback.organisations import web as organisations_web
from feedback.questionnaire import Questionnaire

bp = Blueprint("api", __name__, url_prefix=PREFIX)

# Messages for errors the API does not raise itself, such as an address no route matches.
_MESSAGES = {
    404: "Det finns ingen sådan adress i API:t.",
    405: "API:t tar bara emot GET.",
    500: "Något gick fel i API:t. Försök igen senare.",
}
_OTHER_ERROR = "Begäran kunde inte besvaras."
_INTEGER = re.compile(r"-?[0-9]{1,12}")


class BadParameter(BadInput):
    """A query parameter with a value the API does not accept; the message names it."""


@dataclass(frozen=True)
class Filters:
    """Which year and district a request asked for; None means any."""

    year: int | None = None
    district_id: int | None = None


def _integer(args: MultiDict[str, str], name: str, low: int, high: int, what: str) -> int | None:
    """An optional integer parameter within [low, high], or a 400 that names it."""
    raw = args.get(name)
    if raw is None:
        return None
    # Stricter than int(), which takes blanks, "+", underscores and non-ASCII digits.
    if not _INTEGER.fullmatch(raw) or not low <= int(raw) <= high:
        raise BadParameter(f"Parametern {name} måste vara {what}.")
    return int(raw)


def parse_filters(args: MultiDict[str, str]) -> Filters:
    """The year and district of a request, checked; parameters the API does not know are ignored."""
    year = _integer(args, "year", YEAR_MIN, YEAR_MAX, f"ett år mellan {YEAR_MIN} och {YEAR_MAX}")
    district_id = _integer(args, "district", 1, ID_MAX, "id:t för en kommundel (ett heltal)")
    district = db.session().get(District, district_id) if district_id is not None else None
    if district_id is not None and (district is None or district.id not in _districts()):
        raise BadParameter(f"Parametern district: det finns ingen kommundel med id {district_id}.")
    return Filters(year, district_id)


def parse_per_meeting(args: MultiDict[str, str]) -> bool:
    """Whether a request asked for a row per meeting (`per_meeting=true`) rather than per year."""
    value = args.get("per_meeting", "false")
    if value not in ("true", "false"):
        raise BadParameter("Parametern per_meeting måste vara true eller false.")
    return value == "true"


def _cacheable(payload: dict[str, Any]) -> Response:
    """JSON that clients and proxies may keep for a while, answered 304 when unchanged."""
    response = jsonify(payload)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.add_etag()
    response.make_conditional(request)
    return response


def _aggregate(row: reports.Aggregate, current: Questionnaire) -> dict[str, Any]:
    return {
        "district": row.district,
        "district_id": row.district_id,
        "year": row.year,
        "meeting_code": row.meeting_code,
        "meeting_date": row.meeting_date.isoformat() if row.meeting_date else None,
        "indicator": row.indicator.key,
        "label": current.indicator_label(row.indicator),
        "denominator": row.indicator.denominator(),
        "n": row.n,
        "share": row.share,
        "ci_low": row.low,
        "ci_high": row.high,
        "suppressed": row.suppressed,
    }


def _organisation() -> Organisation:
    """The organisation the address names; with several and none named, a 404 that says so."""
    organisation = organisations_web.current()
    if organisation is None:
        raise UnknownPage(
            "Ange kommunen först i adressen, till exempel /borlange" + PREFIX + "/meetings."
        )
    return organisation


def _districts() -> frozenset[int]:
    """The districts of the organisation the address names."""
    return district_ids(db.session(), _organisation().id)


@bp.get("/")
def index() -> Response:
    """The API's index: a link to each resource and to the OpenAPI document."""
    return _cacheable(
        {
            "title": "Trygghetsdialog: öppna data",
            "resources": {
                name: url_for(f"api.{name}") for name in ("districts", "meetings", "indicators")
            },
            "openapi": url_for("api.openapi_document"),
        }
    )


@bp.get("/districts")
def districts() -> Response:
    """Every district, by name."""
    found = list_districts(db.session(), _organisation().id)
    return _cacheable({"districts": [{"id": d.id, "name": d.name} for d in found]})


@bp.get("/meetings")
def meetings() -> Response:
    """The public schedule, cancelled meetings included, filtered by year and district."""
    filters = parse_filters(request.args)
    found = list_meetings(
        db.session(), district_id=filters.district_id, year=filters.year, district_ids=_districts()
    )
    return _cacheable({"meetings": [public_record(m) for m in found]})


@bp.get("/indicators")
def indicators() -> Response:
    """Every indicator per district and year, or per meeting, cleared as on the pages."""
    filters = parse_filters(request.args)
    per_meeting = parse_per_meeting(request.args)
    min_n: int = current_app.config["MIN_ANSWERS"]
    current = questionnaire.current()
    rows = reports.aggregates(
        db.session(),
        current,
        min_n,
        year=filters.year,
        district_id=filters.district_id,
        district_ids=_districts(),
        per_meeting=per_meeting,
    )
    return _cacheable(
        {
            "min_answers": min_n,
            "caveat": disclosure.caveat(min_n),
            "indicators": [_aggregate(row, current) for row in rows],
        }
    )


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI document describing this API."""
    return _cacheable(openapi.document(disclosure.caveat(current_app.config["MIN_ANSWERS"])))


def is_api(path: str) -> bool:
    """Whether a request path belongs to the API, so that its errors answer JSON."""
    return path.startswith("/api/")


def error_response(error: HTTPException) -> Response:
    """An HTTP error as the API's JSON error object, with the error's own headers (Allow)."""
    if isinstance(error, (BadInput, UnknownPage)):  # the message says what was wrong
        message = str(error.description)
    else:
        message = _MESSAGES.get(error.code or 500, _OTHER_ERROR)
    code = (error.name or "error").lower().replace(" ", "_")
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    """Wire the API; its errors answer JSON through feedback.public's error handler."""
    app.register_blueprint(bp)
