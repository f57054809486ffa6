"""WTForms for staff and residents; the survey form is built from the questionnaire data."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as PlainForm
from wtforms.i18n import messages_path
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from feedback.i18n import CHANNEL_NAMES, LANGUAGES
from feedback.meetings import MeetingFields, local
from feedback.models import Meeting, utcnow
from feedback.openapi import YEAR_MAX, YEAR_MIN
from feedback.organisations import web as organisations_web
from feedback.places import ANOTHER, NONE_OF_THEM, SurveyPlace, snap, within
from feedback.questionnaire import Question, Questionnaire
from feedback.responses import Filters, Submission
from feedback.users import MIN_PASSWORD_LENGTH

REQUIRED = _l("Fyll i fältet.")
DATE_HINT = _l("Ange ett datum, till exempel 2019-02-21.")
START_HINT = _l("Ange en tid, till exempel 18:00.")
END_HINT = _l("Ange en tid, till exempel 20:00.")
LONG_ENOUGH = Length(min=MIN_PASSWORD_LENGTH, message=_l("Minst %(min)d tecken."))
AT_MOST = _l("Högst %(max)d tecken.")
EMAIL = Email(_l("Ange en e-postadress, till exempel namn@kommun.se."))
# C0 control characters other than tab, newline and carriage return: a NUL cannot be stored
# in PostgreSQL, and none of them is something a person meant to type.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The survey's key that makes sending twice store once: uuid4().hex, as the views make it.
SUBMISSION_KEY = re.compile(r"[0-9a-f]{32}")


def without_control_characters(value: object) -> object:
    """Text as typed, less the control characters nobody types (NUL, escape, ...)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class CleanText:
    """Form Meta: every text field drops control characters before it is validated or stored."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
        """Bind a field, with the filter added to text fields (passwords are kept as typed)."""
        cls = unbound_field.field_class
        if issubclass(cls, StringField) and not issubclass(cls, PasswordField):
            filters = unbound_field.kwargs.get("filters", ())
            options = {**options, "filters": [*filters, without_control_characters]}
        return super().bind_field(form, unbound_field, options)  # type: ignore[misc]


@cache
def _library_messages(locale: str) -> support.NullTranslations:
    """WTForms' own messages in a language, read once per process (Flask-WTF reads the
    catalog again for every request that builds a form)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class LibraryMessages:
    """Form Meta: WTForms' own messages in the page's language, from a catalog read once."""

    def get_translations(self, form: Any) -> support.NullTranslations:
        """The library's catalog for the request's language."""
        return _library_messages(str(get_locale()))


class Form(FlaskForm):  # type: ignore[misc]
    """A form of this app: CSRF-protected, text fields cleaned of control characters, and the
    library's messages in the page's language."""

    class Meta(LibraryMessages, CleanText):
        pass


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(REQUIRED), Length(max=254, message=AT_MOST)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )


class UserForm(Form):
    """A staff account as an admin sets it up: role, and districts for coordinators."""

    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(REQUIRED), Length(max=254, message=AT_MOST), EMAIL],
    )
    role = SelectField(
        _l("Roll"),
        choices=[
            SelectChoice("coordinator", _l("Samordnare (polis eller kommun, egna kommundelar)")),
            SelectChoice("analyst", _l("Analytiker (läser alla kommundelar, exporterar)")),
            SelectChoice("admin", _l("Administratör")),
        ],
    )
    districts = SelectMultipleField(_l("Kommundelar"), coerce=int, validate_choice=True)
    is_active = BooleanField(_l("Kontot är aktivt"), default=True)
    password = PasswordField(
        _l("Tillfälligt lösenord"),
        validators=[Optional(), LONG_ENOUGH],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordForm(Form):
    """A user's own new password."""

    current = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("Nytt lösenord"),
        validators=[DataRequired(REQUIRED), LONG_ENOUGH],
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        _l("Nytt lösenord en gång till"),
        validators=[DataRequired(REQUIRED), EqualTo("new", message=_l("Lösenorden är olika."))],
        render_kw={"autocomplete": "new-password"},
    )


class ModerationForm(Form):
    """A coordinator's decision on one free-text answer."""

    action = HiddenField(validators=[AnyOf(["approve", "hide", "redact"])])
    text = TextAreaField(
        _l("Text efter strykning"), validators=[Optional(), Length(max=2000, message=AT_MOST)]
    )


class ExportForm(Form):
    """Which responses to export, and how; read from the query string."""

    class Meta:
        csrf = False  # a download link changes nothing

    year = IntegerField(
        _l("År"),
        invalid_value_message=_l("Ange ett år med siffror, till exempel 2019."),
        validators=[
            Optional(),
            NumberRange(
                YEAR_MIN,
                YEAR_MAX,
                _l("Ange ett år mellan %(min)s och %(max)s."),
            ),
        ],
    )
    district = SelectField(_l("Kommundel"), coerce=int, validators=[Optional()])
    meeting = StringField(_l("Möteskod"), validators=[Optional(), Length(max=16, message=AT_MOST)])
    channel = SelectField(
        _l("Kanal"),
        choices=[
            SelectChoice("", _l("Alla kanaler")),
            *(SelectChoice(code, name) for code, name in CHANNEL_NAMES.items()),
        ],
        validators=[Optional()],
    )
    version = IntegerField(
        _l("Enkätversion"),
        invalid_value_message=_l("Ange enkätversionen med siffror, till exempel 1."),
        validators=[Optional(), NumberRange(1, 999, _l("Det finns ingen sådan enkätversion."))],
    )
    labels = SelectField(
        _l("Svar som"),
        choices=[
            SelectChoice("", _l("koder")),
            *(SelectChoice(code, name) for code, name in LANGUAGES.items()),
        ],
        validators=[Optional()],
    )
    dialect = SelectField(
        _l("CSV-format"),
        choices=[
            SelectChoice("excel-sv", _l("Excel på svenska (semikolon, decimalkomma)")),
            SelectChoice("rfc4180", _l("RFC 4180 (komma, decimalpunkt)")),
        ],
        default="excel-sv",
    )
    # Only the download links set it: indicators per meeting rather than per district and year.
    per_meeting = SelectField(
        _l("Indikatorer per möte"), choices=["", "true", "false"], validators=[Optional()]
    )

    def filters(self, free_text: bool, district_ids: frozenset[int]) -> Filters:
        """The chosen filters, within the districts the reader may see."""
        return Filters(
            district_ids=district_ids,
            year=self.year.data,
            district_id=self.district.data or None,
            meeting_code=(self.meeting.data or "").strip().upper() or None,
            channel=self.channel.data or None,
            questionnaire_version=self.version.data,
            free_text=free_text,
        )

    def described(self) -> dict[str, object]:
        """The chosen filters for the audit log."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if field.data not in (None, "", 0)
        }


class PledgeForm(Form):
    """A pledge as staff record it."""

    year = IntegerField(
        _l("År"),
        invalid_value_message=_l("Ange ett år med siffror, till exempel 2019."),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(2000, 2100, _l("Ange ett år mellan 2000 och 2100.")),
        ],
        default=None,
    )
    title = StringField(
        _l("Rubrik"), validators=[DataRequired(REQUIRED), Length(max=200, message=AT_MOST)]
    )
    text = TextAreaField(
        _l("Löftet"), validators=[DataRequired(REQUIRED), Length(max=5000, message=AT_MOST)]
    )
    responsible = SelectField(
        _l("Ansvarig"),
        choices=[
            SelectChoice("both", _l("Kommunen och polisen")),
            SelectChoice("municipality", _l("Kommunen")),
            SelectChoice("police", _l("Polisen")),
        ],
    )
    districts = SelectMultipleField(_l("Kommundelar"), coerce=int, validate_choice=True)
    indicators = SelectMultipleField(_l("Indikatorer som löftet ska påverka"))
    activities = TextAreaField(
        _l("Planerade aktiviteter"), validators=[Optional(), Length(max=5000, message=AT_MOST)]
    )


class NoteForm(Form):
    """A dated progress note on a pledge."""

    written_on = DateField(_l("Datum"), validators=[InputRequired(DATE_HINT)])
    text = TextAreaField(
        _l("Vad har hänt?"), validators=[DataRequired(REQUIRED), Length(max=5000, message=AT_MOST)]
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("planned", _l("Planerat")),
            SelectChoice("in_progress", _l("Pågår")),
            SelectChoice("done", _l("Genomfört")),
            SelectChoice("dropped", _l("Avbrutet")),
        ],
    )


class ConfirmForm(Form):
    """A button that only carries the CSRF token: log out, cancel a meeting."""


LogoutForm = ConfirmForm


class _MeetingFieldsMixin:
    """The fields a meeting is made of, shared by the meeting form and each import row."""

    day = DateField(
        _l("Datum"),
        validators=[InputRequired(DATE_HINT)],
        invalid_value_message=DATE_HINT,
    )
    start = TimeField(
        _l("Börjar"), validators=[InputRequired(START_HINT)], invalid_value_message=START_HINT
    )
    end = TimeField(
        _l("Slutar"), validators=[InputRequired(END_HINT)], invalid_value_message=END_HINT
    )
    place = StringField(
        _l("Samlingsplats"), validators=[DataRequired(REQUIRED), Length(max=200, message=AT_MOST)]
    )
    address = StringField(_l("Adress"), validators=[Optional(), Length(max=200, message=AT_MOST)])

    def validate_day(self, field: Any) -> None:
        """A meeting in a year the app can show, not a typing slip like 0219."""
        if field.data is not None and not YEAR_MIN <= field.data.year <= YEAR_MAX:
            raise ValidationError(
                _l("Ange ett datum mellan år %(low)d och %(high)d.", low=YEAR_MIN, high=YEAR_MAX)
            )

    def validate_end(self, field: Any) -> None:
        """The meeting must end after it starts."""
        start = self.start.data
        if start is not None and field.data is not None and field.data <= start:
            raise ValidationError(_l("Sluttiden måste vara efter starttiden."))

    def meeting_fields(self, district: str) -> MeetingFields:
        """The validated values as MeetingFields."""
        return MeetingFields(
            district=district,
            day=self.day.data,
            start=self.start.data,
            end=self.end.data,
            place=self.place.data,
            address=self.address.data,
        )


MEETING_KIND_NAMES = {
    "dialogue": _l("Trygghetsdialog: ett möte"),
    "walk": _l("Trygghetsvandring: en promenad genom kommundelen"),
}


class MeetingForm(_MeetingFieldsMixin, Form):
    """Create or edit a meeting or a safety walk."""

    district = SelectField(_l("Kommundel"), coerce=int, validators=[InputRequired(REQUIRED)])
    kind = SelectField(
        _l("Slag"),
        choices=[SelectChoice(*item) for item in MEETING_KIND_NAMES.items()],
        default="dialogue",
    )

    def meeting_fields(self, district: str) -> MeetingFields:
        """The validated values as MeetingFields, with the kind of meeting."""
        return dataclasses.replace(super().meeting_fields(district), kind=self.kind.data)


class ImportRowForm(_MeetingFieldsMixin, PlainForm):  # type: ignore[misc]
    """One meeting the importer understood, for staff to correct or drop."""

    class Meta(CleanText):
        pass

    include = BooleanField(_l("Importera"), default=True)
    district = StringField(
        _l("Kommundel"), validators=[DataRequired(REQUIRED), Length(max=100, message=AT_MOST)]
    )
    weekday_ok = HiddenField()
    warnings = HiddenField()  # JSON: [[field, text], ...], as the preview found them
    source = HiddenField()

    def concerns(self) -> dict[str, list[str]]:
        """The preview's warnings by the field they concern; nothing for a value that is not
        what the preview wrote."""
        found: dict[str, list[str]] = {}
        try:
            for field, text in json.loads(self.warnings.data or "[]"):
                found.setdefault(str(field), []).append(str(text))
        except (ValueError, TypeError):  # not JSON, or not pairs
            return {}
        return found

    def validate(self, extra_validators: Any = None) -> bool:
        """A dropped row needs no valid values."""
        if not self.include.data:
            return True
        return bool(super().validate(extra_validators))


class ImportForm(Form):
    """Pasted schedule text, then the rows understood from it."""

    text = TextAreaField(
        _l("Schemat, inklistrat som det publicerades"),
        validators=[DataRequired(REQUIRED), Length(max=100_000, message=AT_MOST)],
    )
    year = IntegerField(
        _l("År"),
        invalid_value_message=_l("Ange ett år med siffror, till exempel 2019."),
        default=lambda: local(utcnow()).year,  # Stockholm's year, not the server's
        validators=[
            InputRequired(REQUIRED),
            NumberRange(2000, 2100, _l("Ange ett år mellan 2000 och 2100.")),
        ],
    )
    rows = FieldList(FormField(ImportRowForm))


def _submission_key(form: Any, field: Any) -> None:
    """A key as the survey page made it; any other is replaced, so the next send can store."""
    if not SUBMISSION_KEY.fullmatch(field.data or ""):
        field.data = ""  # the page shows a fresh key, as for a first visit
        raise ValidationError(_l("Formuläret var ofullständigt. Skicka igen."))


def paper_entry_form(
    questionnaire: Questionnaire, language: str, places: Sequence[SurveyPlace]
) -> type[FlaskForm]:
    """The survey form plus the language the paper form was printed in, for staff keying in."""

    class PaperEntryForm(survey_form(questionnaire, language, places)):  # type: ignore[misc]
        paper_language = SelectField(
            _l("Blankettens språk"),
            choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
            default="sv",
        )

    return PaperEntryForm


def _pin(form: Any, field: Any) -> None:
    """A pin dropped on the map: inside the municipality, kept only to its grid cell."""
    if not field.data:
        return
    try:
        latitude, longitude = (float(n) for n in field.data.split(","))
    except ValueError:
        field.data = ""
        message = _l("Platsen på kartan gick inte att läsa. Sätt ut den igen.")
        raise ValidationError(message) from None
    if not within(latitude, longitude, organisations_web.bounds()):
        field.data = ""
        raise ValidationError(_l("Platsen på kartan ligger utanför kommunen. Sätt ut den igen."))
    snapped = snap(latitude, longitude, current_app.config["MAP_GRID_METRES"])
    field.data = f"{snapped[0]:.5f},{snapped[1]:.5f}"


def _question_field(question: Question, language: str, places: Sequence[SurveyPlace]) -> Any:
    """The form field that asks a question."""
    if question.kind == "text":
        too_long = _l("Svaret får vara högst %(max)d tecken.")
        return TextAreaField(
            question.label(language),
            validators=[Optional(), Length(max=question.max_length, message=too_long)],
        )
    if question.kind == "point":
        # Hidden, set by the map; a string field, so an error names the question.
        return StringField(question.label(language), validators=[_pin], widget=HiddenInput())
    choices = [SelectChoice(o.code, o.label(language)) for o in question.options]
    if question.kind == "places":
        choices = [SelectChoice(str(p.id), p.name) for p in places] + choices
    if question.is_multiple:
        return SelectMultipleField(
            question.label(language),
            choices=choices,
            filters=[_ticked],
            validators=[_not_none_and_some],
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )
    required = InputRequired(_l("Välj ett svar på frågan.")) if question.required else Optional()
    return RadioField(
        question.label(language), choices=choices, validators=[required], validate_choice=True
    )


def _ticked(codes: list[str] | None) -> list[str]:
    """The codes sent, less blanks (a browser sends none; nothing chosen is no answer)."""
    return [code for code in codes or [] if code.strip()]


def _not_none_and_some(form: Any, field: Any) -> None:
    """No place ("none") cannot be ticked together with a place."""
    if NONE_OF_THEM in field.data and len(field.data) > 1:
        raise ValidationError(_l("Välj antingen platser eller ”ingen särskild plats”."))


def survey_form(
    questionnaire: Questionnaire, language: str, places: Sequence[SurveyPlace]
) -> type[FlaskForm]:
    """A form class with one field per question, named by the question's key; the place
    question offers `places`, those of the meeting's district."""

    class SurveyForm(Form):
        submission_key = HiddenField(validators=[_submission_key])

        def submission(self, meeting: Meeting, channel: str, language: str) -> Submission:
            """The validated form as a response to store."""
            return Submission(
                meeting=meeting,
                questionnaire=questionnaire,
                answers=self.answers(),
                submission_key=self.submission_key.data,
                channel=channel,
                language=language,
            )

        def answers(self) -> dict[str, str]:
            """The given answers by the key each is stored under; unanswered questions are
            left out. Each code of a multiple question is an answer of its own."""
            given: dict[str, str] = {}
            for question in questionnaire.questions:
                data = self[question.key].data
                if question.is_multiple:
                    given |= {question.stored_key(code): code for code in data or []}
                elif text := (data or "").strip():
                    given[question.key] = text
            return _with_another_place(questionnaire, given)

    for question in questionnaire.questions:
        setattr(SurveyForm, question.key, _question_field(question, language, places))
    return SurveyForm


def _with_another_place(questionnaire: Questionnaire, given: dict[str, str]) -> dict[str, str]:
    """A place written in the place question's text for another place is "another place",
    ticked or not, and not "no particular place"."""
    for question in questionnaire.questions:
        if question.other in given:
            given[question.stored_key(ANOTHER)] = ANOTHER
            given.pop(question.stored_key(NONE_OF_THEM), None)
    return given
