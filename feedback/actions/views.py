"""A district's actions: the list with what is overdue, a new action, an action with its notes.

The guard checks the district against the user's scope; an action is looked up within the
district in the path, so an id from another district is a 404.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from feedback import audit, db
from feedback.access import guard
from feedback.actions import (
    ActionFields,
    NotInDistrict,
    actions_of,
    add_note,
    create_action,
    district_finding,
    find_action,
    is_overdue,
    pledges_for,
)
from feedback.actions.forms import OWNER_NAMES, STATE_NAMES, ActionForm, ActionNoteForm
from feedback.i18n import language
from feedback.inputs import id_arg
from feedback.meetings import local
from feedback.models import Action, District, utcnow
from feedback.places import list_places
from feedback.walks import category_label

bp = Blueprint("actions", __name__, url_prefix="/staff")
bp.before_request(guard)


def _district(district_id: int) -> District:
    district = db.session().get(District, district_id)
    assert district is not None  # the guard answered 404 otherwise
    return district


@bp.route("/districts/<int:district_id>/actions")
def actions(district_id: int) -> str:
    """A district's actions, open ones first, the overdue marked."""
    district = _district(district_id)
    return render_template(
        "actions/list.html",
        district=district,
        actions=actions_of(db.session(), [district.id]),
        overdue=lambda action: is_overdue(action, local(utcnow()).date()),
        owners=OWNER_NAMES,
        states=STATE_NAMES,
    )


def _action_form(district: District) -> ActionForm:
    form = ActionForm()
    places = list_places(db.session(), [district.id], retired=False)
    form.place.choices = [
        SelectChoice(None, _("Ingen särskild plats")),
        *(SelectChoice(p.id, p.name) for p in places),
    ]
    form.pledge.choices = [
        SelectChoice(None, _("Inget löfte")),
        *(
            SelectChoice(p.id, f"{p.title} ({p.year})")
            for p in pledges_for(db.session(), district.id)
        ),
    ]
    return form


@bp.route("/districts/<int:district_id>/actions/new", methods=["GET", "POST"])
def new_action(district_id: int) -> str | tuple[str, int] | WerkzeugResponse:
    """Record what will be done, by whom and by when."""
    district = _district(district_id)
    form = _action_form(district)
    if not form.is_submitted() and (finding_id := id_arg("finding")) is not None:
        _from_finding(form, district, finding_id)
    if form.validate_on_submit():
        fields = ActionFields(
            title=form.title.data.strip(),
            text=(form.text.data or "").strip(),
            owner=form.owner.data,
            owner_name=(form.owner_name.data or "").strip(),
            due_on=form.due_on.data,
            place_id=form.place.data,
            pledge_id=form.pledge.data,
            finding_id=form.finding.data,
        )
        try:
            action = create_action(db.session(), district, fields, current_user.email)
        except NotInDistrict:  # a choice that changed since the page was shown
            db.session().rollback()
            form.place.errors = [_("Välj en plats eller ett löfte i listan.")]
            form.finding.data = None  # a finding of another district: the action goes without
        else:
            audit.record(db.session(), current_user.email, "action_created", _described(action))
            db.session().commit()
            flash(_("Åtgärden är sparad."), "success")
            return redirect(
                url_for("actions.action", district_id=district.id, action_id=action.id), 303
            )
    page = render_template("actions/form.html", district=district, form=form)
    return (page, 400) if form.errors else page


def _from_finding(form: ActionForm, district: District, finding_id: int) -> None:
    """Fill in a new action from a walk's finding: its words, its place, the link back."""
    finding = district_finding(db.session(), district.id, finding_id)
    if finding is None:
        abort(404)
    form.title.data = f"{category_label(finding, language())}: {finding.place.name}"
    form.text.data = finding.note
    form.place.data = finding.place_id if not finding.place.is_retired else None
    form.finding.data = finding.id


@bp.route("/districts/<int:district_id>/actions/<int:action_id>")
def action(district_id: int, action_id: int) -> str:
    """An action with its notes; organisers add a note that moves its status."""
    found = _action_or_404(district_id, action_id)
    form = ActionNoteForm(status=found.status)
    return _action_page(found, form)


@bp.route("/districts/<int:district_id>/actions/<int:action_id>/notes", methods=["POST"])
def add_action_note(district_id: int, action_id: int) -> tuple[str, int] | WerkzeugResponse:
    """A dated note on an action, leaving it in the status chosen."""
    found = _action_or_404(district_id, action_id)
    form = ActionNoteForm()
    if form.validate_on_submit():
        add_note(
            db.session(),
            found,
            form.written_on.data,
            form.text.data.strip(),
            form.status.data,
            current_user.email,
        )
        audit.record(
            db.session(), current_user.email, "action_noted", _described(found), status=found.status
        )
        db.session().commit()
        flash(_("Anteckningen är sparad."), "success")
        return redirect(url_for("actions.action", district_id=district_id, action_id=found.id), 303)
    return _action_page(found, form), 400


def _action_page(found: Action, form: ActionNoteForm) -> str:
    return render_template(
        "actions/action.html",
        action=found,
        form=form,
        overdue=is_overdue(found, local(utcnow()).date()),
        owners=OWNER_NAMES,
        states=STATE_NAMES,
    )


def _action_or_404(district_id: int, action_id: int) -> Action:
    found = find_action(db.session(), district_id, action_id)
    if found is None:
        abort(404)
    return found


def _described(action: Action) -> str:
    """An action as the audit log names it: its title and district."""
    return f"{action.title} ({action.district.name})"


def init_app(app: Flask) -> None:
    """Wire the action pages."""
    app.register_blueprint(bp)
