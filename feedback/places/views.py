"""The places page of a district: the list, and for coordinators adding, retiring, restoring.

The guard checks the district against the user's scope; a place is looked up within the
district in the path, so an id from another district is a 404.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import audit, db
from feedback.access import guard
from feedback.forms import ConfirmForm
from feedback.models import District, Place, utcnow
from feedback.organisations import web as organisations_web
from feedback.places import (
    Imported,
    PlaceListError,
    find_place,
    import_places,
    list_places,
    parse_places,
    restore,
    retire,
)
from feedback.places.forms import PlacesForm

bp = Blueprint("places", __name__, url_prefix="/staff")
bp.before_request(guard)


@bp.route("/districts/<int:district_id>/places", methods=["GET", "POST"])
def places(district_id: int) -> str | tuple[str, int] | WerkzeugResponse:
    """A district's places; a list of new ones, one per line, added on POST."""
    district = db.session().get(District, district_id)
    assert district is not None  # the guard answered 404 otherwise
    form = PlacesForm()
    if form.validate_on_submit():
        try:
            lines = parse_places(form.places.data, organisations_web.bounds())
        except PlaceListError as error:
            form.places.errors = [str(problem) for problem in error.problems]
        else:
            result = import_places(db.session(), district, lines)
            if result.changes():
                audit.record(
                    db.session(),
                    current_user.email,
                    "places_changed",
                    district.name,
                    **result.changes(),
                )
            db.session().commit()
            flash(_summary(result), "success")
            return redirect(url_for("places.places", district_id=district.id), 303)
    page = render_template(
        "places/places.html",
        district=district,
        places=list_places(db.session(), [district.id]),
        form=form,
    )
    return (page, 400) if form.errors else page


def _summary(result: Imported) -> str:
    """What a saved list did, in words: "2 nya platser, 1 fanns redan"."""
    said: list[str] = []
    if n := len(result.added):
        said.append(ngettext("%(num)d ny plats", "%(num)d nya platser", n))
    if n := len(result.restored):
        said.append(ngettext("%(num)d i bruk igen", "%(num)d i bruk igen", n))
    if n := len(result.moved):
        said.append(ngettext("%(num)d med nytt läge", "%(num)d med nytt läge", n))
    if n := len(result.unchanged):
        said.append(ngettext("%(num)d fanns redan", "%(num)d fanns redan", n))
    return str(_("Platserna är sparade: %(what)s.", what=", ".join(said)))


@bp.route("/districts/<int:district_id>/places/<int:place_id>/retire", methods=["POST"])
def retire_place(district_id: int, place_id: int) -> WerkzeugResponse:
    """Stop offering a place; what was said of it stays."""
    place = _place_or_404(district_id, place_id)
    if ConfirmForm().validate_on_submit() and retire(db.session(), place, utcnow()):
        audit.record(db.session(), current_user.email, "place_retired", _described(place))
        db.session().commit()
        flash(
            _(
                "%(name)s är inte längre i bruk. Det som sagts om platsen finns kvar.",
                name=place.name,
            ),
            "success",
        )
    return redirect(url_for("places.places", district_id=district_id), 303)


@bp.route("/districts/<int:district_id>/places/<int:place_id>/restore", methods=["POST"])
def restore_place(district_id: int, place_id: int) -> WerkzeugResponse:
    """Offer a retired place again."""
    place = _place_or_404(district_id, place_id)
    if ConfirmForm().validate_on_submit() and restore(db.session(), place):
        audit.record(db.session(), current_user.email, "place_restored", _described(place))
        db.session().commit()
        flash(_("%(name)s är i bruk igen.", name=place.name), "success")
    return redirect(url_for("places.places", district_id=district_id), 303)


def _place_or_404(district_id: int, place_id: int) -> Place:
    place = find_place(db.session(), district_id, place_id)
    if place is None:
        abort(404)
    return place


def _described(place: Place) -> str:
    """A place as the audit log names it: its name and district."""
    return f"{place.name} ({place.district.name})"


def init_app(app: Flask) -> None:
    """Wire the places pages."""
    app.register_blueprint(bp)
