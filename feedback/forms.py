"""WTForms for staff and residents; the survey form is built from the questionnaire data."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
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
from wtforms.validators import (
    AnyOf,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from feedback.i18n import LANGUAGES
from feedback.meetings import MeetingFields
from feedback.models import Meeting
from feedback.questionnaire import Questionnaire
from feedback.responses import Filters, Submission
from feedback.users import MIN_PASSWORD_LENGTH

REQUIRED = _l("Fyll i fältet.")
DATE_HINT = _l("Ange ett datum, till exempel 2019-02-21.")
START_HINT = _l("Ange en tid, till exempel 18:00.")
END_HINT = _l("Ange en tid, till exempel 20:00.")
LONG_ENOUGH = Length(min=MIN_PASSWORD_LENGTH, message=_l("Minst %(min)d tecken."))


class LoginForm(FlaskForm):  # type: ignore[misc]
    """E-mail and password."""

    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )


class UserForm(FlaskForm):  # type: ignore[misc]
    """A staff account as an admin sets it up: role, and districts for coordinators."""

    email = EmailField(_l("E-postadress"), validators=[DataRequired(REQUIRED), Length(max=254)])
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


class PasswordForm(FlaskForm):  # type: ignore[misc]
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


class ModerationForm(FlaskForm):  # type: ignore[misc]
    """A coordinator's decision on one free-text answer."""

    action = HiddenField(validators=[AnyOf(["approve", "hide", "redact"])])
    text = TextAreaField(_l("Text efter strykning"), validators=[Optional(), Length(max=2000)])


class ExportForm(FlaskForm):  # type: ignore[misc]
    """Which responses to export, and how; read from the query string."""

    class Meta:
        csrf = False  # a download link changes nothing

    year = IntegerField(_l("År"), validators=[Optional(), NumberRange(1900, 2100)])
    district = SelectField(_l("Kommundel"), coerce=int, validators=[Optional()])
    meeting = StringField(_l("Möteskod"), validators=[Optional(), Length(max=16)])
    channel = SelectField(
        _l("Kanal"),
        choices=[
            SelectChoice("", _l("Alla kanaler")),
            SelectChoice("qr", _l("QR-kod")),
            SelectChoice("link", _l("Länk")),
            SelectChoice("kiosk", _l("Surfplatta på mötet")),
            SelectChoice("paper", _l("Pappersblankett")),
        ],
        validators=[Optional()],
    )
    version = IntegerField(_l("Enkätversion"), validators=[Optional(), NumberRange(1, 999)])
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

    def filters(self, free_text: bool) -> Filters:
        """The chosen filters."""
        return Filters(
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


class PledgeForm(FlaskForm):  # type: ignore[misc]
    """A pledge as staff record it."""

    year = IntegerField(
        _l("År"), validators=[InputRequired(REQUIRED), NumberRange(2000, 2100)], default=None
    )
    title = StringField(_l("Rubrik"), validators=[DataRequired(REQUIRED), Length(max=200)])
    text = TextAreaField(_l("Löftet"), validators=[DataRequired(REQUIRED), Length(max=5000)])
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
        _l("Planerade aktiviteter"), validators=[Optional(), Length(max=5000)]
    )


class NoteForm(FlaskForm):  # type: ignore[misc]
    """A dated progress note on a pledge."""

    written_on = DateField(_l("Datum"), validators=[InputRequired(DATE_HINT)])
    text = TextAreaField(_l("Vad har hänt?"), validators=[DataRequired(REQUIRED), Length(max=5000)])
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("planned", _l("Planerat")),
            SelectChoice("in_progress", _l("Pågår")),
            SelectChoice("done", _l("Genomfört")),
            SelectChoice("dropped", _l("Avbrutet")),
        ],
    )


class ConfirmForm(FlaskForm):  # type: ignore[misc]
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
    place = StringField(_l("Samlingsplats"), validators=[DataRequired(REQUIRED), Length(max=200)])
    address = StringField(_l("Adress"), validators=[Optional(), Length(max=200)])

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


class MeetingForm(_MeetingFieldsMixin, FlaskForm):  # type: ignore[misc]
    """Create or edit a meeting."""

    district = SelectField(_l("Kommundel"), coerce=int, validators=[InputRequired(REQUIRED)])


class ImportRowForm(_MeetingFieldsMixin, PlainForm):  # type: ignore[misc]
    """One meeting the importer understood, for staff to correct or drop."""

    include = BooleanField(_l("Importera"), default=True)
    district = StringField(_l("Kommundel"), validators=[DataRequired(REQUIRED), Length(max=100)])
    weekday_ok = HiddenField()
    warnings = HiddenField()
    source = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        """A dropped row needs no valid values."""
        if not self.include.data:
            return True
        return bool(super().validate(extra_validators))


class ImportForm(FlaskForm):  # type: ignore[misc]
    """Pasted schedule text, then the rows understood from it."""

    text = TextAreaField(
        _l("Schemat, inklistrat som det publicerades"), validators=[DataRequired(REQUIRED)]
    )
    year = IntegerField(
        _l("År"),
        invalid_value_message=_l("Ange ett år med siffror, till exempel 2019."),
        default=lambda: date.today().year,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(2000, 2100, _l("Ange ett år mellan 2000 och 2100.")),
        ],
    )
    rows = FieldList(FormField(ImportRowForm))


def paper_entry_form(questionnaire: Questionnaire, language: str) -> type[FlaskForm]:
    """The survey form plus the language the paper form was printed in, for staff keying in."""

    class PaperEntryForm(survey_form(questionnaire, language)):  # type: ignore[misc]
        paper_language = SelectField(
            _l("Blankettens språk"),
            choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
            default="sv",
        )

    return PaperEntryForm


def survey_form(questionnaire: Questionnaire, language: str) -> type[FlaskForm]:
    """A form class with one field per question, named by the question's key."""

    class SurveyForm(FlaskForm):  # type: ignore[misc]
        submission_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])

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
            """The given answers by question key; unanswered questions are left out."""
            return {
                q.key: (self[q.key].data or "").strip()
                for q in questionnaire.questions
                if (self[q.key].data or "").strip()
            }

    for question in questionnaire.questions:
        field: Any
        if question.kind == "choice":
            validators: list[Any] = (
                [InputRequired(_l("Välj ett svar på frågan."))]
                if question.required
                else [Optional()]
            )
            field = RadioField(
                question.label(language),
                choices=[SelectChoice(o.code, o.label(language)) for o in question.options],
                validators=validators,
                validate_choice=True,
            )
        else:
            field = TextAreaField(
                question.label(language),
                validators=[
                    Optional(),
                    Length(
                        max=question.max_length, message=_l("Svaret får vara högst %(max)d tecken.")
                    ),
                ],
            )
        setattr(SurveyForm, question.key, field)
    return SurveyForm
