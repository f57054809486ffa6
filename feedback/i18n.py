"""Language and time formatting: Swedish first, Europe/Stockholm times."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from flask import Flask
from flask_babel import Babel, get_locale

from feedback.meetings import local
from feedback.models import Meeting

babel = Babel()


def clock(moment: datetime) -> str:
    """A Stockholm time of day the Swedish way: 18.00."""
    return local(moment).strftime("%H.%M")


def long_date(moment: datetime, locale: str = "sv") -> str:
    """A Stockholm date written out: torsdag 21 februari 2019."""
    return format_date(local(moment).date(), format="full", locale=locale)


def meeting_when(meeting: Meeting, locale: str = "sv") -> str:
    """When a meeting is held: torsdag 21 februari 2019, 18.00–20.00."""
    hours = f"{clock(meeting.starts_at)}–{clock(meeting.ends_at)}"
    return f"{long_date(meeting.starts_at, locale)}, {hours}"


def percent(part: int, whole: int) -> str:
    """A share as a Swedish percentage with one decimal: 62,5 %."""
    if whole == 0:
        return "–"
    return f"{100 * part / whole:.1f}".replace(".", ",") + "\u00a0%"


def init_app(app: Flask) -> None:
    """Wire Flask-Babel and the Jinja filters that format dates and numbers."""
    babel.init_app(app)

    def current_locale() -> str:
        return str(get_locale() or "sv")

    app.jinja_env.filters["when"] = lambda m: meeting_when(m, current_locale())
    app.jinja_env.filters["long_date"] = lambda d: long_date(d, current_locale())
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["percent"] = percent
