"""The forms of actions: the action itself, and a dated note that moves its status."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from feedback.forms import AT_MOST, DATE_HINT, REQUIRED, Form
from feedback.openapi import ID_MAX

OWNER_NAMES = {
    "municipality": _l("Kommunen"),
    "police": _l("Polisen"),
    "property_owner": _l("Fastighetsägaren"),
    "other": _l("Någon annan"),
}
STATE_NAMES = {
    "planned": _l("planerad"),
    "in_progress": _l("pågår"),
    "done": _l("klar"),
    "declined": _l("avstår"),
}


def _named_when_other(form: Any, field: Any) -> None:
    """A property owner or another party is named; the police and the municipality may be."""
    if form.owner.data in ("property_owner", "other") and not (field.data or "").strip():
        raise ValidationError(_l("Skriv vem som äger åtgärden, till exempel Trafikverket."))


def _optional_id(value: object) -> int | None:
    return int(str(value)) if value not in (None, "", "None") else None


class ActionForm(Form):
    """An action as staff record it; the view gives the place and pledge choices."""

    title = StringField(
        _l("Vad ska göras?"), validators=[DataRequired(REQUIRED), Length(max=200, message=AT_MOST)]
    )
    text = TextAreaField(
        _l("Beskrivning"), validators=[Optional(), Length(max=5000, message=AT_MOST)]
    )
    owner = SelectField(
        _l("Vem äger åtgärden?"),
        choices=[SelectChoice(code, name) for code, name in OWNER_NAMES.items()],
    )
    owner_name = StringField(
        _l("Namn på ägaren"),
        validators=[_named_when_other, Length(max=200, message=AT_MOST)],
    )
    due_on = DateField(_l("Klart senast"), validators=[Optional()])
    place = SelectField(_l("Plats"), coerce=_optional_id, validate_choice=True)
    pledge = SelectField(_l("Hör till löftet"), coerce=_optional_id, validate_choice=True)
    # The walk's finding the action answers, carried from the finding's page.
    finding = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=ID_MAX)]
    )


class ActionNoteForm(Form):
    """A dated note on an action, with the status it leaves it in."""

    written_on = DateField(_l("Datum"), validators=[InputRequired(DATE_HINT)])
    text = TextAreaField(
        _l("Vad har hänt?"), validators=[DataRequired(REQUIRED), Length(max=5000, message=AT_MOST)]
    )
    status = SelectField(
        _l("Status"), choices=[SelectChoice(code, name) for code, name in STATE_NAMES.items()]
    )
