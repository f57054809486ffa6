"""The forms of a walk: a finding with its photos, more photos, and a coordinator's review."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from feedback.forms import AT_MOST, Form
from feedback.organisations import web as organisations_web
from feedback.places import PlaceLine, PlaceListError, parse_places
from feedback.walks import Checklist
from feedback.walks.photos import CleanPhoto, PhotoError, clean_photo

CHOOSE = _l("Välj ett alternativ.")


def _optional_id(value: object) -> int | None:
    return int(str(value)) if value not in (None, "", "None") else None


def _photo_files(field: Any) -> list[FileStorage]:
    """The files a photo field carries; a field left empty sends one without a name."""
    return [f for f in field.data or [] if isinstance(f, FileStorage) and f.filename]


class PhotosForm(Form):
    """Photos of a finding: each is read, checked and re-encoded while the form validates, so
    a file that is no photo is an error beside the field and nothing is stored."""

    photos = MultipleFileField(_l("Foton"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clean_photos: list[CleanPhoto] = []

    def validate_photos(self, field: Any) -> None:
        """At most PHOTOS_PER_FINDING photos, each a real image within PHOTO_MAX_BYTES."""
        files = _photo_files(field)
        most = current_app.config["PHOTOS_PER_FINDING"]
        if len(files) > most:
            raise ValidationError(_l("Högst %(most)d foton på en gång.", most=most))
        limit = current_app.config["PHOTO_MAX_BYTES"]
        problems = []
        for upload in files:
            try:
                self.clean_photos.append(clean_photo(upload.stream.read(limit + 1), limit))
            except PhotoError as error:
                problems.append(f"{upload.filename}: {error.message}")
        if problems:
            self.clean_photos = []
            raise ValidationError(" ".join(problems))

    def needs_photos(self) -> None:
        """Say so when no photo was chosen (the form for more photos needs one)."""
        if not _photo_files(self.photos):
            self.photos.errors = [*self.photos.errors, _l("Välj minst ett foto.")]


class FindingForm(PhotosForm):
    """A finding as a walker records it on a phone; the view gives the choices."""

    place = SelectField(_l("Plats"), coerce=_optional_id, validate_choice=True)
    new_place = StringField(_l("Eller en ny plats"), validators=[Length(max=120, message=AT_MOST)])
    position = StringField(_l("Läge för den nya platsen"), validators=[Optional()])
    category = RadioField(_l("Vad gäller det?"), validators=[InputRequired(CHOOSE)])
    severity = RadioField(_l("Hur allvarligt är det?"), validators=[InputRequired(CHOOSE)])
    note = TextAreaField(
        _l("Anteckning"), validators=[Optional(), Length(max=2000, message=AT_MOST)]
    )

    def offer(self, checklist: Checklist, places: list[SelectChoice], language: str) -> None:
        """The choices: the district's places in use, and the checklist's words."""
        self.place.choices = [SelectChoice(None, _l("Välj en plats")), *places]
        self.category.choices = [
            SelectChoice(c.code, c.label(language)) for c in checklist.categories
        ]
        self.severity.choices = [
            SelectChoice(s.code, s.label(language)) for s in checklist.severities
        ]

    def validate_new_place(self, field: Any) -> None:
        """A place is chosen from the list or named, not both and not neither."""
        named = bool((field.data or "").strip())
        if named == (self.place.data is not None):
            raise ValidationError(
                _l("Välj en plats i listan eller skriv namnet på en ny plats, inte båda.")
                if named
                else _l("Välj en plats i listan eller skriv namnet på en ny plats.")
            )

    def validate_position(self, field: Any) -> None:
        """A position only with a new place, on Earth and inside the municipality."""
        if not (field.data or "").strip():
            return
        if not (self.new_place.data or "").strip():
            raise ValidationError(_l("Ett läge anges bara för en ny plats."))
        try:
            self.new_place_line()
        except PlaceListError as error:
            raise ValidationError(error.problems[0].message) from error

    def new_place_line(self) -> PlaceLine | None:
        """The new place as a line of a place list, or None where one was chosen."""
        name = " ".join((self.new_place.data or "").split())
        if not name:
            return None
        where = (self.position.data or "").strip()
        # The position is read as a place list reads it; the name may hold a semicolon.
        bounds = organisations_web.bounds()
        position = parse_places(f"-; {where}", bounds)[0].position if where else None
        return PlaceLine(1, name, position)


REVIEW_CHOICES = {"approved": _l("Godkänn"), "hidden": _l("Dölj")}


class PhotoReviewForm(Form):
    """A coordinator approves a photo for publication, or hides it."""

    status = SelectField(choices=[SelectChoice(*item) for item in REVIEW_CHOICES.items()])
