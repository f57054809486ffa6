"""Calendar feeds without login: the whole meeting schedule, or one meeting, as .ics files."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Flask, Response, abort

from feedback import db
from feedback.calendar import ics, summary
from feedback.links import survey_url
from feedback.meetings import find_by_code, list_meetings
from feedback.models import Meeting, utcnow
from feedback.organisations import district_ids
from feedback.organisations import web as organisations_web

bp = Blueprint("feeds", __name__)

CALENDAR_NAME = "Trygghetsdialoger"
# Calendar apps poll a subscribed feed; ten minutes of caching spares the database.
MAX_AGE = 600


def _calendar(meetings: Sequence[Meeting], name: str, filename: str) -> Response:
    """The meetings as an .ics file that a calendar app opens or subscribes to."""
    body = ics(meetings, name=name, survey_url=survey_url, now=utcnow())
    response = Response(body, mimetype="text/calendar")  # Flask adds charset=utf-8
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


@bp.route("/kalender.ics")
def schedule() -> Response:
    """Every meeting of every year; cancelled ones stay in the feed, marked as cancelled."""
    organisation = organisations_web.required()
    meetings = list_meetings(db.session(), district_ids=district_ids(db.session(), organisation.id))
    return _calendar(meetings, CALENDAR_NAME, "trygghetsdialog.ics")


@bp.route("/moten/<code>.ics")
def meeting(code: str) -> Response:
    """One meeting, to add to a calendar; the code in any case."""
    found = find_by_code(db.session(), code)
    named = organisations_web.current()
    if found is None or (named is not None and named.id != found.district.organisation_id):
        abort(404)
    return _calendar([found], summary(found), f"{found.code}.ics")


def init_app(app: Flask) -> None:
    """Wire the calendar feeds."""
    app.register_blueprint(bp)
