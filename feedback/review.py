"""Reviewing what residents said: the overview, each district's numbers, moderation, export."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import audit, db, moderation, questionnaire, reports
from feedback.access import guard, scope, scoped
from feedback.export import csv_lines
from feedback.forms import ModerationForm
from feedback.meetings import list_districts, local
from feedback.models import District, utcnow
from feedback.responses import response_rows

bp = Blueprint("review", __name__, url_prefix="/staff")
bp.before_request(guard)


def _district(district_id: int) -> District:
    found = db.session().get(District, district_id)
    assert found is not None  # the guard answered 404 otherwise
    return found


def _year() -> int:
    """The year asked for, or the newest year with meetings."""
    return request.args.get("year", type=int) or next(
        iter(reports.years(db.session())), local(utcnow()).year
    )


@bp.route("/overview")
def overview() -> str:
    """Every district in a year: responses, trygga and otrygga, top problems, change."""
    year = _year()
    current = questionnaire.current()
    rows = reports.overview(
        db.session(), year, current, current_app.config["MIN_ANSWERS"], district_ids=scope()
    )
    return render_template(
        "review/overview.html",
        rows=rows,
        year=year,
        years=reports.years(db.session()),
        questionnaire=current,
    )


@bp.route("/districts")
def districts() -> str:
    """Every district within the user's scope, with its meetings."""
    return render_template("staff/districts.html", districts=scoped(list_districts(db.session())))


@bp.route("/districts/<int:district_id>")
def district(district_id: int) -> str:
    """One district in a year: indicators in total and per meeting, trend, mix, free text."""
    found = _district(district_id)
    current = questionnaire.current()
    report = reports.district_report(
        db.session(), found, _year(), current, current_app.config["MIN_ANSWERS"]
    )
    return render_template(
        "review/district.html",
        report=report,
        questionnaire=current,
        years=reports.years(db.session()),
        pending=len(moderation.queue(db.session(), found.id)),
    )


@bp.route("/districts/<int:district_id>/moderation")
def moderation_queue(district_id: int) -> str:
    """The district's free text waiting for review, flagged first."""
    found = _district(district_id)
    return render_template(
        "review/moderation.html",
        district=found,
        items=moderation.queue(db.session(), found.id),
        questionnaire=questionnaire.current(),
        form=ModerationForm(),
    )


@bp.route("/districts/<int:district_id>/moderation/<ref>", methods=["POST"])
def moderate(district_id: int, ref: str) -> WerkzeugResponse:
    """Approve, hide or redact one free-text answer; the decision is audited."""
    item = moderation.find(db.session(), district_id, ref)
    if item is None:
        abort(404)
    form = ModerationForm()
    if form.validate_on_submit():
        try:
            moderation.moderate(
                db.session(), item, form.action.data, current_user.email, form.text.data
            )
        except ValueError:
            flash(_("Skriv den text som ska finnas kvar efter strykningen."), "error")
        else:
            audit.record(
                db.session(),
                current_user.email,
                f"moderation_{form.action.data}",
                ref,
                question=item.answer.question_key,
            )
            db.session().commit()
            flash(_("Beslutet är sparat."), "success")
    return redirect(url_for("review.moderation_queue", district_id=district_id))


@bp.route("/export/responses.csv")
def export_responses() -> Response:
    """Every response as CSV, UTF-8, one row per response; the export is audited."""
    audit.record(db.session(), current_user.email, "export", "responses.csv")
    db.session().commit()

    # The query runs while streaming, after the view returned: its session must live there too.
    def lines() -> Iterator[str]:
        yield from csv_lines(response_rows(db.session()), questionnaire.column_keys())

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="svar.csv"'},
    )


def init_app(app: Flask) -> None:
    """Wire the review pages."""
    app.register_blueprint(bp)
