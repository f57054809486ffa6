"""What residents see: the survey behind each meeting's QR code, the required notices, errors."""

from __future__ import annotations

import time
import uuid
from contextlib import suppress
from weakref import WeakKeyDictionary

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import api, db, questionnaire
from feedback.actions import done_in
from feedback.actions.forms import OWNER_NAMES
from feedback.forms import survey_form
from feedback.i18n import language
from feedback.inputs import year_arg
from feedback.meetings import (
    SurveyFacts,
    SurveyWindow,
    Timed,
    find_by_code,
    local,
    next_meeting,
    open_surveys,
    survey_facts,
    survey_window,
    upcoming_and_past,
)
from feedback.models import District, Meeting, Organisation, Place, QuestionnaireVersion, utcnow
from feedback.organisations import district_ids
from feedback.organisations import web as organisations_web
from feedback.places import SurveyPlace, survey_places
from feedback.places.map import survey_map, tile_origin
from feedback.pledges import pledge_years, pledges_of
from feedback.reports import follow_up
from feedback.responses import record_response
from feedback.walks import approved_photo

bp = Blueprint("public", __name__)
csrf = CSRFProtect()
# The browser session remembers which surveys it has answered: strictly necessary, no consent.
ANSWERED = "answered"
# A tablet that staff handed to residents at a meeting: the code of that meeting.
KIOSK = "kiosk"
# Where Flask-WTF keeps the browser's CSRF secret in the session.
CSRF_SESSION_KEY = "csrf_token"


def _opens_minutes_before() -> dict[str, int]:
    """How long before a meeting of each kind its survey opens, as configured."""
    config = current_app.config
    return {
        "dialogue": config["SURVEY_OPENS_MINUTES_BEFORE"],
        "walk": config["WALK_SURVEY_OPENS_MINUTES_BEFORE"],
    }


def window_of(meeting: Timed) -> SurveyWindow:
    """The configured survey window of a meeting."""
    return survey_window(
        meeting,
        _opens_minutes_before()[meeting.kind],
        current_app.config["SURVEY_CLOSES_DAYS_AFTER"],
    )


def surveys_open_now() -> list[Meeting]:
    """The request organisation's meetings whose survey residents can answer at this moment,
    nearest in time first."""
    return open_surveys(
        db.session(),
        utcnow(),
        _opens_minutes_before(),
        current_app.config["SURVEY_CLOSES_DAYS_AFTER"],
        _districts(),
    )


def _districts() -> frozenset[int]:
    """The districts of the request's organisation."""
    return district_ids(db.session(), organisations_web.required().id)


def _meeting_or_404(code: str) -> Meeting:
    """The meeting with this code, which makes its organisation the request's. The code alone
    finds it; a GET where the address names no organisation goes on to the organisation's own
    address, and another organisation's address is a 404."""
    meeting = find_by_code(db.session(), code)
    if meeting is None:
        abort(404)
    organisation = meeting.district.organisation
    named = organisations_web.current()
    if named is None and request.method in ("GET", "HEAD"):
        abort(organisations_web.redirect_into(organisation))
    if named is not None and named.id != organisation.id:
        abort(404)
    organisations_web.use(organisation)
    return meeting


@bp.route("/")
def index() -> str:
    """The public schedule: upcoming and past meetings, cancelled and moved ones marked."""
    upcoming, past = upcoming_and_past(db.session(), utcnow(), _districts())
    answerable = {m.id for m in surveys_open_now()}
    return render_template("public/index.html", upcoming=upcoming, past=past, answerable=answerable)


@bp.route("/loften")
def pledges() -> str:
    """This year's pledges with their progress, and how last year's pledges turned out."""
    current = questionnaire.current()
    organisation = organisations_web.required().id
    year = year_arg() or local(utcnow()).year
    years = pledge_years(db.session(), organisation, published_only=True)
    if "year" not in request.args and years and year not in years:
        year = years[0]  # before this year's pledges are published, the latest ones
    last_year = [
        (p, follow_up(db.session(), p, current, current_app.config["MIN_ANSWERS"]))
        for p in pledges_of(db.session(), year - 1, organisation, published_only=True)
    ]
    return render_template(
        "public/pledges.html",
        year=year,
        pledges=pledges_of(db.session(), year, organisation, published_only=True),
        last_year=last_year,
        questionnaire=current,
        done=done_in(db.session(), year, _districts()),
        owners=OWNER_NAMES,
    )


@bp.route("/loften/foto/<int:photo_id>")
def published_photo(photo_id: int) -> WerkzeugResponse:
    """A walk's photo a coordinator approved for publication; any other is a 404."""
    photo = approved_photo(db.session(), photo_id, _districts())
    if photo is None:
        abort(404)
    return _public_file(photo.data, "image/jpeg", 3600)


@bp.route("/organisation.css")
def organisation_style() -> WerkzeugResponse:
    """The organisation's colour for its posters, as a stylesheet: the pages allow no inline
    style. The colour is stored as #rrggbb only."""
    organisation = organisations_web.current()
    colour = organisation.colour if organisation else Organisation.DEFAULT_COLOUR
    return _public_file(f":root{{--organisation:{colour}}}\n", "text/css", 300)


@bp.route("/organisation/logo.jpg")
def organisation_logo() -> WerkzeugResponse:
    """The logo on the organisation's posters; a 404 where it has none."""
    organisation = organisations_web.current()
    if organisation is None or organisation.logo is None:
        abort(404)
    return _public_file(organisation.logo, "image/jpeg", 300)


def _public_file(body: str | bytes, mimetype: str, seconds: int) -> WerkzeugResponse:
    """A file anyone may keep for a while: a published photo, an organisation's colour or logo."""
    response = WerkzeugResponse(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.route("/tillganglighet")
def accessibility() -> str:
    """The accessibility statement that DOS-lagen requires."""
    organisations_web.required()
    return render_template("public/accessibility.html")


@bp.route("/integritet")
def privacy() -> str:
    """What is stored about residents, what is not, for how long, and whom to ask."""
    organisations_web.required()
    return render_template("public/privacy.html")


@bp.route("/s/<code>", methods=["GET", "POST"], defaults={"channel": "link"})
@bp.route("/q/<code>", methods=["GET", "POST"], defaults={"channel": "qr"})
def survey(code: str, channel: str) -> str | tuple[str, int] | WerkzeugResponse:
    """The survey for one meeting: a plain form, posted back to the address it came from.

    The QR code leads to /q/, the written link to /s/, so each answer knows its channel.
    When the database fails, a resident who has typed answers gets them back to send again.
    """
    had_csrf_session = CSRF_SESSION_KEY in session  # before the form makes a new one
    try:
        return _survey(code, channel, had_csrf_session)
    except SQLAlchemyError:
        current_app.logger.exception("the survey could not be read or stored")
        db.session().rollback()
        if request.method != "POST":
            abort(503)
        meeting = None
        with suppress(SQLAlchemyError):  # a lock stops writes, not always reads
            meeting = find_by_code(db.session(), code)
        # The database cannot say which version is synced; the shipped one keeps the answers.
        current = questionnaire.current()
        form = survey_form(current, language(), _known_places(code, current))()
        in_kiosk = session.get(KIOSK) == code.upper()
        return _survey_page(meeting, current, form, NOT_SAVED, kiosk=in_kiosk), 503


def _survey(
    code: str, channel: str, had_csrf_session: bool
) -> str | tuple[str, int] | WerkzeugResponse:
    if _untouched() and (cached := _untouched_page(code)) is not None:
        return cached
    meeting = _meeting_or_404(code)
    in_kiosk = session.get(KIOSK) == meeting.code
    window = window_of(meeting)
    now = utcnow()
    is_open = window.takes_answers(now) if request.method == "POST" else window.is_open(now)
    if meeting.is_cancelled or not is_open:
        return render_template(
            "public/closed.html",
            meeting=meeting,
            window=window,
            now=now,
            upcoming=next_meeting(db.session(), now, _districts()),
            open_now=[m for m in surveys_open_now() if m.id != meeting.id],
            channel=channel,
        )
    if not in_kiosk and meeting.code in session.get(ANSWERED, []):
        return render_template("public/answered.html", meeting=meeting)

    current = questionnaire.taking_answers(db.session())
    if current is None:
        abort(503)  # before anyone types: an unregistered version could not store the answers
    places = survey_places(db.session(), meeting.district_id)
    form = survey_form(current, language(), places)()
    if form.validate_on_submit():
        submission = form.submission(meeting, "kiosk" if in_kiosk else channel, language())
        record_response(db.session(), submission)
        db.session().commit()
        if in_kiosk:  # the next person gets an empty form and no "already answered"
            flash(_("Tack! Svaren är sparade. Nu kan nästa person svara."), "success")
            return redirect(request.path, 303)
        session.permanent = True
        session[ANSWERED] = [*session.get(ANSWERED, [])[-49:], meeting.code]
        return redirect(url_for("public.thanks", code=meeting.code), 303)
    if form.csrf_token.errors:
        form.csrf_token.errors = [csrf_reason(form.csrf_token.errors[0], had_csrf_session)]
    if not form.submission_key.data:
        form.submission_key.data = uuid.uuid4().hex
    status = 400 if form.errors else 200
    page = _survey_page(meeting, current, form, kiosk=in_kiosk)
    if status == 200 and _untouched():
        _remember(code, current, page, form, places)
    return page, status


# Shown above the answers when a survey that passed validation could not be stored.
NOT_SAVED = _l(
    "Svaren kunde inte sparas just nu. Allt du fyllt i finns kvar här. "
    "Vänta en liten stund och skicka igen – svaren sparas bara en gång."
)


def _survey_page(
    meeting: Meeting | None,
    current: questionnaire.Questionnaire,
    form: FlaskForm,
    problem: object = None,
    kiosk: bool = False,
) -> str:
    page: str = render_template(
        "public/survey.html",
        meeting=meeting,
        form=form,
        questionnaire=current,
        preview=False,
        kiosk=kiosk,
        problem=problem,
    )
    return page


# The survey as a resident sees it before typing anything is the same for everyone who opens
# it at one address in one language, but for the form's token and submission key: it is
# rendered once, and those two are filled in. Rendering the form's widgets was most of a
# survey's time. Anything else (answers sent back, errors, kiosk mode, a message to show, a
# closed or answered survey) takes the full path and is rendered for the resident.
_PAGES: dict[tuple[object, ...], str] = {}
_PAGES_MAX = 1000  # meetings × addresses × languages; cleared if ever exceeded
_TOKEN, _KEY = "\x00token\x00", "\x00key\x00"


def _untouched() -> bool:
    """Whether this request gets the page as everyone does before answering."""
    return request.method == "GET" and "_flashes" not in session and KIOSK not in session


def _page_key(
    facts: SurveyFacts, places: tuple[SurveyPlace, ...], current: questionnaire.Questionnaire
) -> tuple[object, ...]:
    """What an untouched survey page shows: where, when, the places asked about, the map, the
    version and the language."""
    where = (facts.district_name, facts.place, facts.address, facts.starts_at, facts.ends_at)
    address = request.script_root + request.path
    return (address, language(), current.version, *where, places, survey_map())


# A room scanning the same poster at once asks for the same meeting: each worker keeps what
# it read of a meeting for a few seconds. A change staff make reaches the survey pages of other
# workers that much later (their own worker's at once); answers are always checked afresh.
FACTS_SECONDS = 5.0
_Seen = tuple[float, SurveyFacts, tuple[SurveyPlace, ...]]
_FACTS: WeakKeyDictionary[Engine, dict[str, _Seen]] = WeakKeyDictionary()


def _facts(code: str) -> tuple[SurveyFacts, tuple[SurveyPlace, ...]] | None:
    """A meeting's survey facts and its district's places, read at most every FACTS_SECONDS
    per worker."""
    known = _FACTS.setdefault(db.engine(), {})
    code = code.strip().upper()
    now = time.monotonic()
    if (hit := known.get(code)) is not None and now - hit[0] < FACTS_SECONDS:
        return hit[1], hit[2]
    facts = survey_facts(db.session(), code)
    if facts is None:
        return None
    places = survey_places(db.session(), facts.district_id)
    if len(known) >= _PAGES_MAX:
        known.clear()
    known[code] = (now, facts, places)
    return facts, places


def _known_places(code: str, current: questionnaire.Questionnaire) -> tuple[SurveyPlace, ...]:
    """The places this worker last read for a meeting, however long ago, for a form to show
    again when the database cannot be read; else the places the resident ticked, by number,
    so that nothing they chose is lost."""
    hit = _FACTS.get(db.engine(), {}).get(code.strip().upper())
    if hit is not None:
        return hit[2]
    fields = [q.key for q in current.questions if q.kind == "places"]
    ticked = (n for key in fields for n in request.form.getlist(key) if n.isdigit())
    return tuple(SurveyPlace(int(n), _("Plats nummer %(n)s", n=n)) for n in ticked)


def _forget_facts(flushed: Session, _context: object) -> None:
    """A change to meetings, districts or versions in this worker clears what it keeps."""
    changed = (*flushed.new, *flushed.dirty, *flushed.deleted)
    if any(isinstance(o, _SHOWN) for o in changed):
        _FACTS.pop(flushed.get_bind().engine, None)


def _forget_on_write(state: ORMExecuteState) -> None:
    """So does an INSERT, UPDATE or DELETE statement of them (places are imported so)."""
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and any(issubclass(m.class_, _SHOWN) for m in state.all_mappers):
        _FACTS.pop(state.session.get_bind().engine, None)


# What the survey facts are read from.
_SHOWN = (Meeting, District, Place, QuestionnaireVersion)


def _untouched_page(code: str) -> str | None:
    """The survey from the cache, with this resident's token and submission key, without an
    ORM query; None where the full path has something else to say (closed, answered, not
    cached)."""
    seen = _facts(code)
    if seen is None:
        return None
    facts, places = seen
    if facts.cancelled_at is not None or facts.code in session.get(ANSWERED, []):
        return None
    current = questionnaire.offered(facts.version)
    if current is None or not window_of(facts).is_open(utcnow()):
        return None
    page = _PAGES.get(_page_key(facts, places, current))
    if page is None:
        return None
    return page.replace(_TOKEN, generate_csrf()).replace(_KEY, uuid.uuid4().hex)


def _remember(
    code: str,
    current: questionnaire.Questionnaire,
    page: str,
    form: FlaskForm,
    places: tuple[SurveyPlace, ...],
) -> None:
    """Keep an untouched page with its token and submission key cut out."""
    token, submission = generate_csrf(), form.submission_key.data
    facts = survey_facts(db.session(), code)
    if facts is None or page.count(token) != 1 or page.count(submission) != 1:
        return  # the two must be found exactly where the form put them
    if len(_PAGES) >= _PAGES_MAX:
        _PAGES.clear()
    page = page.replace(token, _TOKEN).replace(submission, _KEY)
    _PAGES[_page_key(facts, places, current)] = page


# Why a form's CSRF check failed, as the visitor can understand it.
CSRF_REASONS = {
    "cookie": _l(
        "Webbläsaren skickade inte med sin kaka (cookie) för formuläret, till exempel för att "
        "sidan legat öppen länge, webbläsaren startats om eller kakor är avstängda. Skicka igen."
    ),
    "missing": _l("Formuläret kom fram utan sin säkerhetskod. Skicka igen."),
    "expired": _l("Formulärets säkerhetskod hade gått ut. Skicka igen."),
    "other": _l(
        "Formulärets säkerhetskod hörde till en annan flik eller ett annat besök. Skicka igen."
    ),
}


def csrf_reason(message: str, had_session_token: bool) -> str:
    """Flask-WTF's English reason for a refused form, as what happened, in the page's language."""
    if not had_session_token or "session token is missing" in message:
        reason = "cookie"
    elif "token is missing" in message:
        reason = "missing"
    elif "expired" in message:
        reason = "expired"
    else:
        reason = "other"
    return str(CSRF_REASONS[reason])


@bp.route("/s/<code>/tack")
def thanks(code: str) -> str:
    """The thank-you page after a submission."""
    return render_template("public/thanks.html", meeting=_meeting_or_404(code))


def _error_page(error: HTTPException) -> HTTPException | tuple[str, int] | WerkzeugResponse:
    if error.code is None or error.code < 400:  # routing redirects arrive here too
        return error
    if api.is_api(request.path):  # scripts read JSON, also where no API route matched
        return api.error_response(error)
    return render_template("errors/error.html", code=error.code), error.code


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    had_session_token = CSRF_SESSION_KEY in session
    reason = csrf_reason(str(error.description), had_session_token)
    return render_template("errors/error.html", code=400, csrf=reason), 400


def _security_headers(response: WerkzeugResponse) -> WerkzeugResponse:
    """Everything comes from this site, but the map's tiles where a municipality serves them;
    nothing may frame it or sniff types."""
    tiles = tile_origin(current_app.config["MAP_TILES"])
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; img-src 'self' data:{f' {tiles}' if tiles else ''}; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # The survey link is the meeting's key: do not hand it to other sites.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    """Wire the public pages, CSRF protection and the Swedish error pages (500 included)."""
    csrf.init_app(app)
    # The survey form checks its own token, so an expired one re-shows the answers, not a 400.
    csrf.exempt(survey)
    app.register_blueprint(bp)
    app.after_request(_security_headers)
    app.jinja_env.globals["survey_map"] = survey_map
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _error_page)
    if not event.contains(Session, "after_flush", _forget_facts):
        event.listen(Session, "after_flush", _forget_facts)
        event.listen(Session, "do_orm_execute", _forget_on_write)
