"""Languages and formatting: Swedish first, then English, Arabic, Somali, Farsi and Dari;
Stockholm time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from flask import Flask, has_request_context, request, session, url_for
from flask_babel import Babel, force_locale, get_locale
from flask_babel import lazy_gettext as _l

from feedback import stats
from feedback.meetings import local
from feedback.models import Meeting
from feedback.stats import NBSP

DEFAULT = "sv"
# Each language named in itself, as a switcher shows it. The codes are Babel's locale names, so
# one code names the catalog folder, the stored response.language, `?lang=` and the exports:
# Dari is Babel's Afghan Persian, fa_AF ("prs" is not a locale Babel knows).
LANGUAGES = {
    "sv": "Svenska",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "fa": "فارسی",
    "fa_AF": "دری",
}
RIGHT_TO_LEFT = {"ar", "fa", "fa_AF"}
# How an answer reached us, in words: the export form's choices and the audit log's details.
CHANNEL_NAMES = {
    "qr": _l("QR-kod"),
    "link": _l("Länk"),
    "kiosk": _l("Surfplatta på mötet"),
    "paper": _l("Pappersblankett"),
}
# The visitor's choice, kept for the visit in the session cookie the survey already needs.
CHOSEN = "lang"

babel = Babel()

POSTER_INVITATION = _l(
    "Hur trygg känner du dig här? Skanna koden och svara anonymt. Det tar två minuter."
)
WALK_INVITATION = _l(
    "Följ med på en trygghetsvandring. Kan du inte komma? Skanna koden och svara anonymt."
)


def select_language() -> str:
    """`?lang=` first (and remember it), then the visit's choice, then Accept-Language;
    Swedish outside a request (the command line)."""
    if not has_request_context():
        return DEFAULT
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session[CHOSEN] = asked
        return asked
    chosen = session.get(CHOSEN)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT)


def html_lang(code: str) -> str:
    """A language code as HTML's lang attribute wants it (BCP 47): fa-AF of fa_AF."""
    return code.replace("_", "-")


def language() -> str:
    """The language of the current page."""
    return str(get_locale() or DEFAULT)


def clock(moment: datetime) -> str:
    """A Stockholm time of day the Swedish way: 18.00."""
    return local(moment).strftime("%H.%M")


def long_date(moment: datetime | date, locale: str = DEFAULT) -> str:
    """A date written out, a moment's on Stockholm's clock: torsdag 21 februari 2019."""
    day = local(moment).date() if isinstance(moment, datetime) else moment
    return format_date(day, format="full", locale=locale)


def meeting_when(meeting: Meeting, locale: str = DEFAULT) -> str:
    """When a meeting is held: torsdag 21 februari 2019, 18.00–20.00."""
    hours = f"{clock(meeting.starts_at)}–{clock(meeting.ends_at)}"
    return f"{long_date(meeting.starts_at, locale)}, {hours}"


def percent(part: int, whole: int) -> str:
    """A share as a Swedish percentage with one decimal, rounded half up: 62,5 %."""
    return stats.percent(part / whole if whole else None)


def in_other_languages(message: object) -> list[tuple[str, str, str]]:
    """A lazy message in every language but the page's, as (HTML lang, direction, text)."""
    lines = []
    for code in LANGUAGES:
        if code != language():
            with force_locale(code):
                direction = "rtl" if code in RIGHT_TO_LEFT else "ltr"
                lines.append((html_lang(code), direction, str(message)))
    return lines


def span(interval: stats.Interval | None) -> str:
    """A share's interval the Swedish way: 55,1–70,3 %."""
    if interval is None:
        return "–"
    low, high = stats.percent(interval.low), stats.percent(interval.high)
    return f"{low.removesuffix(NBSP + '%')}–{high}"


def denominators(figures: Iterable[Any], locale: str = DEFAULT) -> list[str]:
    """What some figures' shares are shares of, each wording once, in order."""
    return list(dict.fromkeys(f.indicator.denominator(locale) for f in figures))


def span_points(interval: stats.Interval | None) -> str:
    """A change's interval in percentage points: −3,2 till +9,8 procentenheter."""
    if interval is None:
        return "–"
    low = stats.points(interval.low).removesuffix(" procentenheter")
    return f"{low} till {stats.points(interval.high)}"


def _page_context() -> dict[str, object]:
    """What every template needs to speak the page's language."""
    lang = language()

    def in_language(code: str) -> str:
        """This page's address in another language."""
        if request.endpoint is None:
            return f"?lang={code}"
        return url_for(request.endpoint, **(request.view_args or {}), lang=code)

    return {
        "lang": lang,
        "html_lang": html_lang(lang),
        "dir": "rtl" if lang in RIGHT_TO_LEFT else "ltr",
        "languages": LANGUAGES,
        "in_language": in_language,
        "in_other_languages": in_other_languages,
        "POSTER_INVITATION": POSTER_INVITATION,
        "WALK_INVITATION": WALK_INVITATION,
    }


def init_app(app: Flask) -> None:
    """Wire Flask-Babel, the language switcher and the Jinja filters for dates and numbers."""
    babel.init_app(app, locale_selector=select_language)
    app.context_processor(_page_context)
    app.jinja_env.filters["when"] = lambda m: meeting_when(m, language())
    app.jinja_env.globals["channel_names"] = CHANNEL_NAMES
    app.jinja_env.filters["long_date"] = lambda d: long_date(d, language())
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["html_lang"] = html_lang
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["share"] = stats.percent
    app.jinja_env.filters["points"] = stats.points
    app.jinja_env.filters["span"] = span
    app.jinja_env.filters["span_points"] = span_points
    app.jinja_env.filters["denominators"] = lambda figures: denominators(figures, language())
