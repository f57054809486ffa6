"""Reviewing what residents said: the overview, each district's numbers, moderation, export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

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
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from feedback import actions, audit, db, moderation, places, questionnaire, reports, walks
from feedback import export as export_module
from feedback.access import can, guard, scope, scope_in, scoped_districts
from feedback.forms import ExportForm, ModerationForm
from feedback.i18n import LANGUAGES
from feedback.inputs import choice_arg, year_arg
from feedback.meetings import local
from feedback.models import District, utcnow
from feedback.places import list_places, place_names
from feedback.responses import response_rows

LANGUAGE_CODES = list(LANGUAGES)
bp = Blueprint("review", __name__, url_prefix="/staff")
bp.before_request(guard)


def _district(district_id: int) -> District:
    found = db.session().get(District, district_id)
    assert found is not None  # the guard answered 404 otherwise
    return found


def requested_year(district_ids: frozenset[int]) -> int:
    """The year asked for (a 400 when it is no year), or the newest year with meetings (in
    some districts: the user's, or the one on the page)."""
    newest = next(iter(reports.years(db.session(), district_ids)), local(utcnow()).year)
    return year_arg() or newest


@bp.route("/overview")
def overview() -> str:
    """Every district in a year: responses, trygga and otrygga, top problems, change."""
    year = requested_year(scope())
    current = questionnaire.current()
    rows = reports.overview(
        db.session(), year, current, current_app.config["MIN_ANSWERS"], district_ids=scope()
    )
    return render_template(
        "review/overview.html",
        rows=rows,
        year=year,
        years=reports.years(db.session(), scope()),
        questionnaire=current,
    )


@bp.route("/region")
def region() -> str:
    """The municipalities the user works for side by side, each with what its districts may
    publish added up; a coordinator's, their districts' only."""
    scopes = [(o, scope_in(o)) for o in current_user.organisations]
    everywhere = frozenset().union(*(ids for _, ids in scopes))
    year = requested_year(everywhere)
    current = questionnaire.current()
    rows = reports.region(db.session(), year, current, current_app.config["MIN_ANSWERS"], scopes)
    return render_template(
        "review/region.html",
        rows=rows,
        year=year,
        years=reports.years(db.session(), everywhere),
        questionnaire=current,
    )


@bp.route("/region/aggregates.csv")
def region_aggregates() -> Response:
    """The indicators per district and year of every organisation the user works for, led by
    the organisation, cleared as on the pages; audited."""
    scopes = {o.slug: scope_in(o) for o in current_user.organisations}
    slugs = {d: slug for slug, ids in scopes.items() for d in ids}
    year = year_arg()
    dialect = choice_arg("dialect", export_module.DIALECTS, "excel-sv")
    min_n = current_app.config["MIN_ANSWERS"]
    current = questionnaire.current()
    found = reports.aggregates(db.session(), current, min_n, year=year, district_ids=slugs)
    _audit_export("region-aggregates.csv", {"year": year} if year else {}, len(found))
    return Response(
        "".join(
            export_module.csv_text(export_module.region_rows(found, current, min_n, slugs), dialect)
        ),
        mimetype="text/csv",  # Flask adds charset=utf-8
        headers={"Content-Disposition": 'attachment; filename="regionen-indikatorer.csv"'},
    )


@bp.route("/districts")
def districts() -> str:
    """Every district within the user's scope, with its meetings."""
    return render_template("staff/districts.html", districts=scoped_districts())


@bp.route("/districts/<int:district_id>")
def district(district_id: int) -> str:
    """One district in a year: indicators in total and per meeting, trend, mix, free text."""
    found = _district(district_id)
    current = questionnaire.current()
    own = frozenset({found.id})
    report = reports.district_report(
        db.session(), found, requested_year(own), current, current_app.config["MIN_ANSWERS"]
    )
    return render_template(
        "review/district.html",
        report=report,
        questionnaire=current,
        text_questions=questionnaire.text_questions(),
        places_question=reports.places_question(current),
        years=reports.years(db.session(), own),
        pending=len(moderation.queue(db.session(), found.id)),
        overdue=actions.overdue(db.session(), found.id, local(utcnow()).date()),
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


def _export_form() -> ExportForm:
    """The export choices from the query string, districts limited to the user's scope."""
    form = ExportForm(formdata=request.args)
    form.district.choices = [
        SelectChoice(0, _("Alla kommundelar")),
        *(SelectChoice(d.id, d.name) for d in scoped_districts()),
    ]
    return form


def _export_page(form: ExportForm, status: int) -> tuple[str, int]:
    """The export choices; the download links carry only the choices the form knows."""
    known = set(form._fields) - {"per_meeting"}
    query = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in known])
    return render_template("review/export.html", form=form, query=query), status


@bp.route("/export")
def export() -> tuple[str, int]:
    """Choose what to export; the downloads below use the same choices."""
    form = _export_form()
    return _export_page(form, 200 if not request.args or form.validate() else 400)


@bp.route("/export/responses.<any(csv, xlsx):fmt>")
def export_responses(fmt: str) -> Response | tuple[str, int]:
    """Every response that matches the filters, one row each, as CSV or XLSX; audited."""
    form = _export_form()
    if not form.validate():
        return _export_page(form, 400)
    filters = form.filters(free_text=can("free_text"), district_ids=scope())
    names = place_names(db.session())
    table = export_module.Responses(labels=form.labels.data or None, place_names=names)
    described = form.described()  # the format is in the file's name
    if fmt == "xlsx":
        described.pop("dialect", None)  # a CSV choice
        codebook = export_module.codebook_rows(LANGUAGE_CODES, current_app.config["MIN_ANSWERS"])
        book = export_module.xlsx(
            table.table(response_rows(db.session(), filters=filters)), codebook
        )
        _audit_export("responses.xlsx", described, table.count)
        return Response(
            export_module.chunks(book),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="svar.xlsx"'},
        )

    # Logged as it starts, so that an interrupted download is on record too; the row count
    # is added when the last row has gone.
    event_id = _audit_export("responses.csv", described, None)

    # The query runs while streaming, after the view returned: its session must live there too.
    def lines() -> Iterator[str]:
        rows = response_rows(db.session(), filters=filters)
        yield from export_module.csv_text(table.table(rows), form.dialect.data)
        audit.complete(db.session(), event_id, rows=table.count)
        db.session().commit()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",  # Flask adds charset=utf-8
        headers={"Content-Disposition": 'attachment; filename="svar.csv"'},
    )


@bp.route("/export/codebook.<any(csv, json):fmt>")
def export_codebook(fmt: str) -> Response:
    """Every question key, its wording per language, and its codes with their labels."""
    _audit_export(f"codebook.{fmt}", {}, None)
    if fmt == "json":
        body = export_module.codebook_json(LANGUAGE_CODES, current_app.config["MIN_ANSWERS"])
        return Response(body, mimetype="application/json")
    dialect = choice_arg("dialect", export_module.DIALECTS, "excel-sv")
    rows = export_module.codebook_rows(LANGUAGE_CODES, current_app.config["MIN_ANSWERS"])
    return Response(
        "".join(export_module.csv_text(rows, dialect)),
        mimetype="text/csv",  # Flask adds charset=utf-8
        headers={"Content-Disposition": 'attachment; filename="kodbok.csv"'},
    )


@bp.route("/export/aggregates.csv")
def export_aggregates() -> Response | tuple[str, int]:
    """The indicators per district and year, or per meeting, as the dashboards show them."""
    form = _export_form()
    if not form.validate():
        return _export_page(form, 400)
    per_meeting = form.per_meeting.data == "true"
    min_n = current_app.config["MIN_ANSWERS"]
    visible = reports.aggregates(
        db.session(),
        questionnaire.current(),
        min_n,
        year=form.year.data,
        district_id=form.district.data or None,
        district_ids=scope(),
        per_meeting=per_meeting,
    )
    _audit_export("aggregates.csv", {**form.described(), "per_meeting": per_meeting}, len(visible))
    rows = export_module.aggregate_rows(visible, questionnaire.current(), min_n)
    return Response(
        "".join(export_module.csv_text(rows, form.dialect.data)),
        mimetype="text/csv",  # Flask adds charset=utf-8
        headers={"Content-Disposition": 'attachment; filename="indikatorer.csv"'},
    )


@dataclass(frozen=True)
class Table:
    """A table staff export as it is: its file name, its sheet's title, its rows and codebook."""

    filename: str
    title: str
    rows: Callable[[frozenset[int]], Iterator[list[object]]]
    codebook: Callable[[], Iterator[list[object]]]


TABLES = {
    "places": Table(
        "platser",
        "Platser",
        lambda ids: places.export_rows(list_places(db.session(), ids)),
        lambda: export_module.column_codebook(places.COLUMNS),
    ),
    "findings": Table(
        "fynd",
        "Fynd",
        lambda ids: walks.export_rows(walks.year_findings(db.session(), ids, None)),
        lambda: export_module.column_codebook(walks.COLUMNS),
    ),
    "actions": Table(
        "atgarder",
        "Åtgärder",
        lambda ids: actions.export_rows(
            actions.actions_of(db.session(), ids), local(utcnow()).date()
        ),
        lambda: export_module.column_codebook(actions.COLUMNS),
    ),
}


@bp.route("/export/<any(places, findings, actions):table>.<any(csv, xlsx):fmt>")
def export_table(table: str, fmt: str) -> Response | tuple[str, int]:
    """The places, the walks' findings (never their photos) or the actions of every district
    (or the one chosen), as CSV or a workbook with its codebook; audited."""
    form = _export_form()
    if not form.validate():
        return _export_page(form, 400)
    district_id = form.district.data or None
    ids = scope()
    if district_id:
        ids = ids & {district_id}
    found = TABLES[table]
    rows = list(found.rows(ids))
    district = {"district": district_id} if district_id else {}
    _audit_export(f"{table}.{fmt}", district, len(rows) - 1)
    if fmt == "xlsx":
        book = export_module.xlsx(iter(rows), found.codebook(), title=found.title)
        return Response(
            export_module.chunks(book),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{found.filename}.xlsx"'},
        )
    return Response(
        "".join(export_module.csv_text(iter(rows), form.dialect.data)),
        mimetype="text/csv",  # Flask adds charset=utf-8
        headers={"Content-Disposition": f'attachment; filename="{found.filename}.csv"'},
    )


@bp.route("/export/<any(places, findings, actions):table>-codebook.csv")
def export_table_codebook(table: str) -> Response:
    """What each column of a table's export holds."""
    _audit_export(f"{table}-codebook.csv", {}, None)
    dialect = choice_arg("dialect", export_module.DIALECTS, "excel-sv")
    found = TABLES[table]
    return Response(
        "".join(export_module.csv_text(found.codebook(), dialect)),
        mimetype="text/csv",  # Flask adds charset=utf-8
        headers={"Content-Disposition": f'attachment; filename="{found.filename}-kodbok.csv"'},
    )


def _audit_export(what: str, filters: dict[str, object], rows: int | None) -> int:
    event = audit.record(db.session(), current_user.email, "export", what, rows=rows, **filters)
    db.session().commit()
    return event.id


def init_app(app: Flask) -> None:
    """Wire the review pages."""
    app.register_blueprint(bp)
