"""The form that adds a list of places."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from feedback.forms import AT_MOST, REQUIRED, Form


class PlacesForm(Form):
    """New places, one per line, each optionally with its position after a semicolon."""

    places = TextAreaField(
        _l("Nya platser, en per rad"),
        validators=[DataRequired(REQUIRED), Length(max=60_000, message=AT_MOST)],
    )
