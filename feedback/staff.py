"""Organising the dialogues: meetings, schedule import, posters, kiosk and paper forms."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from types import SimpleNamespace

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from feedback import audit, db, qr, questionnaire
from feedback.access import (
    guard,
    in_scope,
    own_districts,
    required_organisation,
    scope,
    scoped_districts,
)
from feedback.forms import (
    ConfirmForm,
    ImportForm,
    ImportRowForm,
    MeetingForm,
    paper_entry_form,
    survey_form,
)
from feedback.i18n import LANGUAGES, language, meeting_when
from feedback.inputs import choice_arg, id_arg, year_in_path
from feedback.links import qr_url, survey_url
from feedback.meetings import (
    MeetingFields,
    cancel_meeting,
    create_meeting,
    find_district,
    import_meetings,
    is_taken,
    list_districts,
    list_meetings,
    local,
    reinstate_meeting,
    update_meeting,
)
from feedback.models import District, Meeting, utcnow
from feedback.places import survey_places
from feedback.public import ANSWERED, KIOSK, window_of
from feedback.responses import record_response
from feedback.schedule import parse_schedule
from feedback.walks import has_findings

bp = Blueprint("staff", __name__, url_prefix="/staff")


bp.before_request(guard)


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session().get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _district_or_404(district_id: int) -> District:
    district = db.session().get(District, district_id)
    if district is None or not in_scope(district.id):
        abort(404)
    return district


@bp.route("/")
def meetings() -> str:
    """Every meeting by date, optionally one district's."""
    district_id = id_arg("district")
    district = _district_or_404(district_id) if district_id is not None else None
    return render_template(
        "staff/meetings.html",
        meetings=list_meetings(db.session(), district_id=district_id, district_ids=scope()),
        districts=scoped_districts(),
        district=district,
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
def new_meeting() -> str | tuple[str, int] | WerkzeugResponse:
    """Schedule a meeting by hand."""
    form = _meeting_form()
    if form.validate_on_submit():
        fields = form.meeting_fields(_district_or_404(form.district.data).name)
        organisation = required_organisation().id
        if not is_taken(db.session(), organisation, fields):
            meeting = create_meeting(db.session(), organisation, fields)
            db.session().commit()
            flash(_("Mötet är skapat."), "success")
            return redirect(url_for("staff.meeting", meeting_id=meeting.id))
        form.start.errors.append(_("Det finns redan ett möte i kommundelen vid den tiden."))
    return render_template("staff/meeting_form.html", form=form, meeting=None), _status(form)


@bp.route("/meetings/<int:meeting_id>")
def meeting(meeting_id: int) -> str:
    """One meeting: its survey window, links, poster, QR downloads and responses."""
    found = _meeting_or_404(meeting_id)
    return render_template(
        "staff/meeting.html",
        meeting=found,
        window=window_of(found),
        now=utcnow(),
        survey_url=survey_url(found),
    )


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit_meeting(meeting_id: int) -> str | tuple[str, int] | WerkzeugResponse:
    """Change a meeting's district, time or place."""
    found = _meeting_or_404(meeting_id)
    start, end = local(found.starts_at), local(found.ends_at)
    form = _meeting_form(
        SimpleNamespace(
            district=found.district_id,
            day=start.date(),
            start=start.time(),
            end=end.time(),
            place=found.place,
            address=found.address,
            kind=found.kind,
        )
    )
    if form.validate_on_submit():
        fields = form.meeting_fields(_district_or_404(form.district.data).name)
        if found.is_walk and fields.kind != "walk" and has_findings(db.session(), found.id):
            form.kind.errors.append(_("Vandringen har fynd och förblir en trygghetsvandring."))
        elif not is_taken(db.session(), required_organisation().id, fields, ignore=found):
            update_meeting(db.session(), found, fields)
            db.session().commit()
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("staff.meeting", meeting_id=found.id))
        else:
            form.start.errors.append(_("Det finns redan ett möte i kommundelen vid den tiden."))
    return render_template("staff/meeting_form.html", form=form, meeting=found), _status(form)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
def cancel(meeting_id: int) -> str | WerkzeugResponse:
    """Cancel a meeting, once asked: its survey closes, what was answered stays; it can be
    reinstated."""
    found = _meeting_or_404(meeting_id)
    if found.is_cancelled:
        return redirect(url_for("staff.meeting", meeting_id=found.id))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("staff/cancel.html", meeting=found, window=window_of(found))
    cancel_meeting(db.session(), found)
    audit.record(db.session(), current_user.email, "meeting_cancelled", _described(found))
    db.session().commit()
    flash(_("Mötet är inställt. Du kan återinföra det nedan."), "success")
    return redirect(url_for("staff.meeting", meeting_id=found.id))


@bp.route("/meetings/<int:meeting_id>/reinstate", methods=["POST"])
def reinstate(meeting_id: int) -> WerkzeugResponse:
    """Undo a cancellation."""
    found = _meeting_or_404(meeting_id)
    if ConfirmForm().validate_on_submit() and found.is_cancelled:
        reinstate_meeting(db.session(), found)
        audit.record(db.session(), current_user.email, "meeting_reinstated", _described(found))
        db.session().commit()
        flash(_("Mötet är återinfört."), "success")
    return redirect(url_for("staff.meeting", meeting_id=found.id))


def _described(meeting: Meeting) -> str:
    """A meeting as the audit log names it: its district, time and code."""
    return f"{meeting.district.name}, {meeting_when(meeting)} ({meeting.code})"


@bp.route("/meetings/<int:meeting_id>/preview", methods=["GET", "POST"])
def preview(meeting_id: int) -> str:
    """The survey as residents see it, whatever its window; a preview stores nothing."""
    found = _meeting_or_404(meeting_id)
    current = questionnaire.current()
    form = survey_form(current, language(), survey_places(db.session(), found.district_id))()
    if form.validate_on_submit():
        flash(_("Förhandsvisningen godtog svaren. Ingenting sparades."), "info")
    return render_template(
        "public/survey.html", meeting=found, form=form, questionnaire=current, preview=True
    )


@bp.route("/meetings/<int:meeting_id>/kiosk", methods=["POST"])
def kiosk(meeting_id: int) -> WerkzeugResponse:
    """Hand this device to residents: staff are logged out, the survey resets after each answer."""
    found = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.meeting", meeting_id=found.id))
    audit.record(db.session(), current_user.email, "kiosk_started", _described(found))
    db.session().commit()
    logout_user()
    session.pop(ANSWERED, None)
    session[KIOSK] = found.code
    return redirect(url_for("public.survey", code=found.code, channel="link"))


@bp.route(f"/meetings/<int:meeting_id>/paper/<any({', '.join(LANGUAGES)}):paper_language>")
def paper(meeting_id: int, paper_language: str) -> str:
    """The questionnaire on A4 paper, in one language, for residents without a smartphone."""
    found = _meeting_or_404(meeting_id)
    with force_locale(paper_language):
        return render_template(
            "print/paper.html",
            meeting=found,
            questionnaire=questionnaire.current(),
            places=survey_places(db.session(), found.district_id),
        )


@bp.route("/meetings/<int:meeting_id>/paper-entry", methods=["GET", "POST"])
def paper_entry(meeting_id: int) -> tuple[str, int] | WerkzeugResponse:
    """Key in paper forms one after another; each keeps the language it was printed in."""
    found = _meeting_or_404(meeting_id)
    current = questionnaire.current()
    places = survey_places(db.session(), found.district_id)
    form = paper_entry_form(current, language(), places)()
    if form.validate_on_submit():
        submission = form.submission(found, "paper", form.paper_language.data)
        if record_response(db.session(), submission):
            flash(_("Blanketten är sparad."), "success")
        else:
            flash(_("Blanketten var redan sparad."), "info")
        db.session().commit()
        url = url_for(
            "staff.paper_entry", meeting_id=found.id, paper_language=form.paper_language.data
        )
        return redirect(url, 303)
    if not form.is_submitted():
        form.paper_language.data = choice_arg("paper_language", LANGUAGES, "sv")
    if not form.submission_key.data:
        form.submission_key.data = uuid.uuid4().hex
    return render_template(
        "staff/paper_entry.html",
        meeting=found,
        form=form,
        questionnaire=current,
    ), _status(form)


@bp.route("/meetings/<int:meeting_id>/poster")
def poster(meeting_id: int) -> str:
    """A meeting's A4 poster, ready to print."""
    found = _meeting_or_404(meeting_id)
    return render_template(
        "print/posters.html", meetings=[found], qr=qr, survey_url=survey_url, qr_url=qr_url
    )


@bp.route("/posters/<int:year>")
def posters(year: int) -> str:
    """Every poster of a year's meetings that are not cancelled, one per sheet."""
    listed = list_meetings(db.session(), year=year_in_path(year), district_ids=scope())
    found = [m for m in listed if not m.is_cancelled]
    return render_template(
        "print/posters.html", meetings=found, qr=qr, survey_url=survey_url, qr_url=qr_url, year=year
    )


QR_FORMATS: dict[str, tuple[str, Callable[[str], str | bytes]]] = {
    "svg": ("image/svg+xml", qr.svg),
    "png": ("image/png", qr.png),
}


@bp.route("/meetings/<int:meeting_id>/qr.<any(svg, png):fmt>")
def qr_code(meeting_id: int, fmt: str) -> Response:
    """The QR code to download: SVG for print shops, PNG for documents."""
    found = _meeting_or_404(meeting_id)
    mimetype, render = QR_FORMATS[fmt]
    return Response(
        render(qr_url(found)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="qr-{found.code}.{fmt}"'},
    )


@bp.route("/import", methods=["GET", "POST"])
def import_schedule() -> tuple[str, int] | WerkzeugResponse:
    """Paste a published schedule, check what was understood, correct or drop rows, confirm."""
    form = ImportForm()
    session = db.session()
    action = request.form.get("action") if form.is_submitted() else None
    chosen = [entry.form for entry in form.rows if entry.form.include.data]
    refused = action == "confirm" and form.validate() and not _all_in_scope(chosen)
    rows = _meeting_rows(chosen) if action == "confirm" and not form.errors else None
    if rows is not None and not refused:
        result = import_meetings(session, required_organisation().id, rows)
        session.commit()
        flash(
            ngettext("%(num)d möte skapades.", "%(num)d möten skapades.", len(result.created))
            + " "
            + ngettext("%(num)d fanns redan.", "%(num)d fanns redan.", len(result.existing)),
            "success",
        )
        return redirect(url_for("staff.meetings"))
    if action == "preview" and all([form.text.validate(form), form.year.validate(form)]):
        _fill_rows(form)
    return render_template(
        "staff/import.html",
        form=form,
        taken=[_already_scheduled(entry.form) for entry in form.rows],
        district_names=[d.name for d in scoped_districts()],
    ), 400 if refused or action == "confirm" else _status(form)


def _meeting_rows(rows: list[ImportRowForm]) -> list[MeetingFields] | None:
    """The rows as meetings, or None when one cannot be a meeting; that row says why."""
    fields = []
    for row in rows:
        try:
            fields.append(row.meeting_fields(row.district.data))
        except (TypeError, ValueError):
            row.day.errors.append(_("Raden saknar ett datum eller en tid som går att läsa."))
    return fields if len(fields) == len(rows) else None


def _all_in_scope(rows: list[ImportRowForm]) -> bool:
    """Whether the user may schedule every row; marks the rows outside their districts."""
    if own_districts() is None:
        return True
    organisation = required_organisation().id
    for row in rows:
        district = find_district(db.session(), organisation, row.district.data or "")
        if district is None or not in_scope(district.id):
            row.district.errors.append(_("Du kan bara lägga in möten i dina egna kommundelar."))
    return not any(row.district.errors for row in rows)


def _fill_rows(form: ImportForm) -> None:
    """Replace the rows with what the parser understood from the pasted text."""
    session = db.session()
    organisation = required_organisation().id
    names = [d.name for d in list_districts(session, organisation)]
    places = session.scalars(
        select(Meeting.place)
        .join(Meeting.district)
        .where(District.organisation_id == organisation)
        .distinct()
    ).all()
    form.rows.entries = []
    form.rows.last_index = -1
    for parsed in parse_schedule(form.text.data, form.year.data, names, places):
        # A row the parser doubts (a warning, a weekday that does not match) waits to be ticked.
        doubtful = bool(parsed.warnings) or parsed.weekday_matches is False
        form.rows.append_entry(
            SimpleNamespace(
                include=MeetingFields.from_parsed(parsed) is not None and not doubtful,
                day=parsed.date,
                start=parsed.start,
                end=parsed.end,
                district=parsed.district or "",
                place=parsed.place or "",
                address=parsed.address or "",
                weekday_ok={True: "yes", False: "no", None: ""}[parsed.weekday_matches],
                warnings=json.dumps([[w.field, w] for w in parsed.warnings], ensure_ascii=False),
                source=parsed.source,
            )
        )


def _already_scheduled(row: ImportRowForm) -> bool:
    """Whether an import row names a meeting that exists, so confirming skips it."""
    try:
        fields = row.meeting_fields(row.district.data)
    except (TypeError, ValueError):  # a row with a missing or impossible time names no meeting
        return False
    return is_taken(db.session(), required_organisation().id, fields)


def _meeting_form(obj: object | None = None) -> MeetingForm:
    form = MeetingForm(obj=obj)
    districts = scoped_districts()
    form.district.choices = [SelectChoice(d.id, d.name) for d in districts]
    return form


def _status(form: FlaskForm) -> int:
    return 400 if form.is_submitted() and form.errors else 200


def init_app(app: Flask) -> None:
    """Wire the staff pages."""
    app.register_blueprint(bp)
