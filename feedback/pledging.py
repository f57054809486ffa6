"""From dialogue to pledge: the basis for the pledges, the pledges, and their progress.

A coordinator sees, records and changes only pledges whose districts are all theirs; the guard
answers 404 for any other, and the queries and the save take `scope()` so no view can forget.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from feedback import audit, db, questionnaire, reports
from feedback.access import (
    guard,
    own_districts,
    pledge_in_scope,
    required_organisation,
    scope,
    scoped_districts,
)
from feedback.actions import OPEN_STATES, actions_of, is_overdue
from feedback.actions.forms import OWNER_NAMES, STATE_NAMES
from feedback.forms import ConfirmForm, NoteForm, PledgeForm
from feedback.i18n import language
from feedback.meetings import local
from feedback.models import District, Pledge, utcnow
from feedback.pledges import (
    OutOfScope,
    PledgeFields,
    add_note,
    pledge_years,
    pledges_of,
    publish,
    save_pledge,
    unpublish,
)
from feedback.review import requested_year
from feedback.walks import category_label, severity_label, year_findings

bp = Blueprint("pledging", __name__, url_prefix="/staff")
bp.before_request(guard)


@bp.route("/basis")
@bp.route("/districts/<int:district_id>/basis")
def basis(district_id: int | None = None) -> str:
    """The printable basis for next year's pledges: a district's year, or the municipality's
    (a coordinator's: their districts')."""
    district = db.session().get(District, district_id) if district_id else None
    current = questionnaire.current()
    report = reports.district_report(
        db.session(),
        district,
        requested_year(frozenset({district.id}) if district else scope()),
        current,
        current_app.config["MIN_ANSWERS"],
        district_ids=scope(),
    )
    district_ids = frozenset({district.id}) if district else scope()
    today = local(utcnow()).date()
    return render_template(
        "print/basis.html",
        report=report,
        questionnaire=current,
        groups=reports.by_problem(report.free_text, current),
        districts=None if own_districts() is None else scoped_districts(),
        findings=year_findings(db.session(), district_ids, report.year),
        open_actions=actions_of(db.session(), district_ids, OPEN_STATES),
        overdue=lambda action: is_overdue(action, today),
        category_of=lambda f: category_label(f, language()),
        severity_of=lambda f: severity_label(f, language()),
        owners=OWNER_NAMES,
        states=STATE_NAMES,
    )


@bp.route("/pledges")
def pledges() -> str:
    """The pledges of every year (a coordinator's: those for their districts), newest first."""
    organisation, own = required_organisation(), own_districts()
    years = pledge_years(db.session(), organisation.id, own)
    return render_template(
        "pledges/list.html",
        by_year=[(y, pledges_of(db.session(), y, organisation.id, own)) for y in years],
    )


def _pledge_form(pledge: Pledge | None = None) -> PledgeForm:
    form = PledgeForm(obj=pledge)
    if pledge is not None and not form.is_submitted():
        form.districts.data = [d.id for d in pledge.districts]
    if pledge is None and not form.is_submitted():
        form.year.data = local(utcnow()).year
    form.districts.choices = [SelectChoice(d.id, d.name) for d in scoped_districts()]
    current = questionnaire.current()
    form.indicators.choices = [
        SelectChoice(i.key, current.indicator_label(i, language())) for i in current.indicators
    ]
    return form


def _fields(form: PledgeForm) -> PledgeFields:
    chosen = set(form.districts.data or [])
    return PledgeFields(
        organisation_id=required_organisation().id,
        year=form.year.data,
        title=form.title.data,
        text=form.text.data,
        responsible=form.responsible.data,
        districts=[d for d in scoped_districts() if d.id in chosen],
        indicators=form.indicators.data or [],
        activities=form.activities.data or "",
    )


@bp.route("/pledges/new", methods=["GET", "POST"])
def new_pledge() -> tuple[str, int] | WerkzeugResponse:
    """Record a pledge."""
    form = _pledge_form()
    if form.validate_on_submit() and (pledge := _save(form)) is not None:
        db.session().commit()
        flash(_("Löftet är sparat som utkast. Publicera det när det är klart."), "success")
        return redirect(url_for("pledging.pledge", pledge_id=pledge.id))
    return render_template("pledges/form.html", form=form, pledge=None), _status(form)


@bp.route("/pledges/<int:pledge_id>", methods=["GET", "POST"])
def pledge(pledge_id: int) -> tuple[str, int] | WerkzeugResponse:
    """A pledge: change it, follow it up, and note its progress."""
    found = _pledge_or_404(pledge_id)
    form = _pledge_form(found)
    if form.validate_on_submit() and _save(form, found) is not None:
        db.session().commit()
        flash(_("Ändringarna är sparade."), "success")
        return redirect(url_for("pledging.pledge", pledge_id=found.id))
    current = questionnaire.current()
    follow_up = reports.follow_up(db.session(), found, current, current_app.config["MIN_ANSWERS"])
    note_form = NoteForm(formdata=None, written_on=local(utcnow()).date(), status=found.status)
    return render_template(
        "pledges/form.html",
        form=form,
        pledge=found,
        note_form=note_form,
        follow_up=follow_up,
        questionnaire=current,
    ), _status(form)


@bp.route("/pledges/<int:pledge_id>/notes", methods=["POST"])
def add_pledge_note(pledge_id: int) -> tuple[str, int] | WerkzeugResponse:
    """Note what has happened, and the status it leaves the pledge in."""
    found = _pledge_or_404(pledge_id)
    note_form = NoteForm()
    if note_form.validate_on_submit():
        add_note(
            db.session(),
            found,
            note_form.written_on.data,
            note_form.text.data,
            note_form.status.data,
            current_user.email,
        )
        db.session().commit()
        flash(_("Anteckningen är sparad."), "success")
        return redirect(url_for("pledging.pledge", pledge_id=found.id))
    current = questionnaire.current()
    return render_template(
        "pledges/form.html",
        form=_pledge_form(found),
        pledge=found,
        note_form=note_form,
        follow_up=reports.follow_up(
            db.session(), found, current, current_app.config["MIN_ANSWERS"]
        ),
        questionnaire=current,
    ), 400


@bp.route("/pledges/<int:pledge_id>/publish", methods=["POST"])
def publish_pledge(pledge_id: int) -> WerkzeugResponse:
    """Make a draft public on /loften."""
    found = _pledge_or_404(pledge_id)
    if ConfirmForm().validate_on_submit() and publish(db.session(), found, utcnow()):
        audit.record(db.session(), current_user.email, "pledge_published", _described(found))
        db.session().commit()
        flash(_("Löftet är publicerat på den offentliga sidan."), "success")
    return redirect(url_for("pledging.pledge", pledge_id=found.id))


@bp.route("/pledges/<int:pledge_id>/unpublish", methods=["POST"])
def unpublish_pledge(pledge_id: int) -> WerkzeugResponse:
    """Take a pledge off /loften, back to a draft."""
    found = _pledge_or_404(pledge_id)
    if ConfirmForm().validate_on_submit() and unpublish(db.session(), found):
        audit.record(db.session(), current_user.email, "pledge_unpublished", _described(found))
        db.session().commit()
        flash(
            _("Löftet är ett utkast igen och syns inte längre på den offentliga sidan."), "success"
        )
    return redirect(url_for("pledging.pledge", pledge_id=found.id))


def _described(pledge: Pledge) -> str:
    """A pledge as the audit log names it: its title and year."""
    return f"{pledge.title} ({pledge.year})"


def _pledge_or_404(pledge_id: int) -> Pledge:
    found = pledge_in_scope(pledge_id)
    if found is None:
        abort(404)
    return found


def _save(form: PledgeForm, pledge: Pledge | None = None) -> Pledge | None:
    """Save the pledge the form describes; None, with the form told why, if it is not theirs."""
    try:
        return save_pledge(db.session(), _fields(form), pledge, district_ids=own_districts())
    except OutOfScope:
        form.districts.errors.append(_("Välj en eller flera av dina kommundelar."))
        return None


def _status(form: PledgeForm) -> int:
    return 400 if form.is_submitted() and form.errors else 200


def init_app(app: Flask) -> None:
    """Wire the pledge pages."""
    app.register_blueprint(bp)
