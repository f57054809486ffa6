"""A safety walk's findings: the phone form that records them, a finding with its photos,
the photos themselves, and a coordinator's approval of each photo.

The guard checks the walk (the meeting in the path) against the user's scope; a finding is
looked up within the walk and a photo within the finding, so an id from elsewhere is a 404.
A photo not yet approved is shown only to those who moderate.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from feedback import audit, db
from feedback.access import can, guard
from feedback.actions.forms import STATE_NAMES
from feedback.i18n import language
from feedback.models import Finding, FindingPhoto, Meeting, utcnow
from feedback.places import survey_places
from feedback.walks import (
    FindingFields,
    NotInDistrict,
    add_photos,
    category_label,
    checklist,
    find_finding,
    find_photo,
    findings_of,
    record_finding,
    review_photo,
    severity_label,
)
from feedback.walks.forms import REVIEW_CHOICES, FindingForm, PhotoReviewForm, PhotosForm

bp = Blueprint("walks", __name__, url_prefix="/staff")
bp.before_request(guard)


def _walk(meeting_id: int) -> Meeting:
    """The walk in the path; a dialogue has no findings (404)."""
    meeting = db.session().get(Meeting, meeting_id)
    if meeting is None or not meeting.is_walk:
        abort(404)
    return meeting


def _finding_form(walk: Meeting) -> FindingForm:
    form = FindingForm()
    places = survey_places(db.session(), walk.district_id)
    form.offer(checklist(), [SelectChoice(p.id, p.name) for p in places], language())
    return form


@bp.route("/meetings/<int:meeting_id>/findings", methods=["GET", "POST"])
def findings(meeting_id: int) -> str | tuple[str, int] | WerkzeugResponse:
    """A walk's findings, and the form that records one with its photos."""
    walk = _walk(meeting_id)
    form = _finding_form(walk)
    if form.validate_on_submit():
        fields = FindingFields(
            category=form.category.data,
            severity=form.severity.data,
            note=(form.note.data or "").strip(),
            place_id=form.place.data,
            new_place=form.new_place_line(),
        )
        try:
            finding = record_finding(
                db.session(), walk, fields, form.clean_photos, current_user.email
            )
        except NotInDistrict:  # a place retired since the page was shown
            db.session().rollback()
            form.place.errors = [_("Välj en plats i listan.")]
        else:
            audit.record(
                db.session(),
                current_user.email,
                "finding_recorded",
                _described(finding),
                photos=len(finding.photos),
            )
            db.session().commit()
            flash(_("Fyndet är sparat. Nästa fynd?"), "success")
            return redirect(url_for("walks.findings", meeting_id=walk.id), 303)
    page = render_template(
        "walks/findings.html",
        walk=walk,
        form=form,
        findings=findings_of(db.session(), walk.id),
        **_labels(),
    )
    return (page, 400) if form.errors else page


@bp.route("/meetings/<int:meeting_id>/findings/<int:finding_id>")
def finding(meeting_id: int, finding_id: int) -> str:
    """A finding with its photos; coordinators approve or hide each photo and add more."""
    found = _finding_or_404(meeting_id, finding_id)
    return _finding_page(found, PhotosForm())


@bp.route("/meetings/<int:meeting_id>/findings/<int:finding_id>/photos", methods=["POST"])
def add_finding_photos(meeting_id: int, finding_id: int) -> tuple[str, int] | WerkzeugResponse:
    """More photos of a finding, each waiting for approval."""
    found = _finding_or_404(meeting_id, finding_id)
    form = PhotosForm()
    if form.validate_on_submit() and form.clean_photos:
        add_photos(db.session(), found, form.clean_photos)
        audit.record(
            db.session(),
            current_user.email,
            "finding_photos_added",
            _described(found),
            photos=len(form.clean_photos),
        )
        db.session().commit()
        flash(_("Fotona är sparade och väntar på granskning."), "success")
        return redirect(_finding_url(found), 303)
    form.needs_photos()
    return _finding_page(found, form), 400


@bp.route("/meetings/<int:meeting_id>/findings/<int:finding_id>/photos/<int:photo_id>")
def photo(meeting_id: int, finding_id: int, photo_id: int) -> Response:
    """A photo of a finding; one not approved only for those who moderate."""
    found = _photo_or_404(meeting_id, finding_id, photo_id)
    if found.status != "approved" and not can("moderate"):
        abort(404)
    response = Response(found.data, mimetype="image/jpeg")
    # It may show what only staff may see: no shared cache keeps it.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route(
    "/meetings/<int:meeting_id>/findings/<int:finding_id>/photos/<int:photo_id>/review",
    methods=["POST"],
)
def review_finding_photo(
    meeting_id: int, finding_id: int, photo_id: int
) -> tuple[str, int] | WerkzeugResponse:
    """Approve a photo for public pages and prints, or hide it."""
    found = _photo_or_404(meeting_id, finding_id, photo_id)
    form = PhotoReviewForm()
    if not form.validate_on_submit():
        return _finding_page(found.finding, PhotosForm()), 400
    review_photo(db.session(), found, form.status.data, current_user.email, utcnow())
    audit.record(
        db.session(),
        current_user.email,
        "finding_photo_reviewed",
        _described(found.finding),
        status=found.status,
    )
    db.session().commit()
    flash(_("Fotot är godkänt.") if found.status == "approved" else _("Fotot är dolt."), "success")
    return redirect(_finding_url(found.finding), 303)


def _finding_page(found: Finding, form: PhotosForm) -> str:
    return render_template(
        "walks/finding.html",
        finding=found,
        form=form,
        review=PhotoReviewForm(formdata=None),
        review_choices=REVIEW_CHOICES,
        action_states=STATE_NAMES,
        **_labels(),
    )


def _labels() -> dict[str, object]:
    """What the walk templates need to put a finding into words."""
    lang = language()
    return {
        "category_of": lambda f: category_label(f, lang),
        "severity_of": lambda f: severity_label(f, lang),
        "photo_rules": _photo_rules(),
    }


def _photo_rules() -> str:
    return str(
        _(
            "Fotografera inte människor eller registreringsskyltar. Fotona granskas innan de "
            "visas någonstans; platsinformation och annan metadata tas bort när de sparas."
        )
    )


def _finding_or_404(meeting_id: int, finding_id: int) -> Finding:
    found = find_finding(db.session(), _walk(meeting_id).id, finding_id)
    if found is None:
        abort(404)
    return found


def _photo_or_404(meeting_id: int, finding_id: int, photo_id: int) -> FindingPhoto:
    found = find_photo(db.session(), _finding_or_404(meeting_id, finding_id).id, photo_id)
    if found is None:
        abort(404)
    return found


def _finding_url(found: Finding) -> str:
    return url_for("walks.finding", meeting_id=found.meeting_id, finding_id=found.id)


def _described(found: Finding) -> str:
    """A finding as the audit log names it: its place and walk."""
    return f"{found.place.name} ({found.meeting.district.name}, {found.meeting.code})"


def init_app(app: Flask) -> None:
    """Wire the walk pages."""
    app.register_blueprint(bp)
