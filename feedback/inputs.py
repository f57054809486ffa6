"""What arrives in paths and query strings, checked in one place: no input answers a 5xx.

Every request passes `reject_control_characters` before its view; ids in paths are bounded
by the `int` converter; views read years, ids and filter values through the parsers here,
which answer 400 (or 404 for a year in a path) with a message in the page's language. Under
/api/ the same errors answer the API's JSON error.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback.openapi import ID_MAX, YEAR_MAX, YEAR_MIN

# C0 controls and DEL: never part of an address, a code or a filter value.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Stricter than int(), which takes blanks, "+", underscores and non-ASCII digits.
_INTEGER = re.compile(r"[0-9]{1,12}")


class BadInput(BadRequest):
    """A 400 whose description tells the visitor what was wrong, in the page's language."""


class UnknownPage(NotFound):
    """A 404 whose description tells the visitor why there is no such page."""


# The actions that take a walk's photos: a request to them may carry that much more.
PHOTO_UPLOADS = frozenset({"walks.findings", "walks.add_finding_photos"})


def allow_photos() -> None:
    """Before every request: no more than MAX_CONTENT_LENGTH (a 413 beyond it), but where
    photos are taken, PHOTOS_PER_FINDING photos of PHOTO_MAX_BYTES each besides."""
    limit = request.max_content_length
    if limit is not None and request.endpoint in PHOTO_UPLOADS:
        config = current_app.config
        request.max_content_length = (
            limit + config["PHOTO_MAX_BYTES"] * config["PHOTOS_PER_FINDING"]
        )


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in a route: at most ID_MAX, so a huge id is a 404, not a database overflow."""

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]


def decoded(data: bytes) -> tuple[str, bool]:
    """A text file's text, and whether it was not UTF-8 and was read as Windows-1252 (Notepad's
    "ANSI" on Swedish Windows, in which every byte decodes)."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), True


def reject_control_characters() -> None:
    """Before every request: a NUL or other control character in the path or query is a 400."""
    values = [request.path, *(item for pair in request.args.items(multi=True) for item in pair)]
    if any(_CONTROL.search(value) for value in values):
        raise BadInput(_l("Adressen innehåller tecken som inte hör hemma i en adress."))


def year_message() -> str:
    """What a valid year is, for a visitor who gave another."""
    return str(
        _l("Ange ett år med siffror, mellan %(low)d och %(high)d.", low=YEAR_MIN, high=YEAR_MAX)
    )


def parse_year(raw: str) -> int:
    """A year as written in a query string, within YEAR_MIN..YEAR_MAX, or a 400 that says so."""
    if not _INTEGER.fullmatch(raw.strip()) or not YEAR_MIN <= int(raw) <= YEAR_MAX:
        raise BadInput(year_message())
    return int(raw)


def year_arg(name: str = "year") -> int | None:
    """The year in the query string, or None when none was asked for."""
    raw = request.args.get(name, "")
    return parse_year(raw) if raw.strip() else None


def year_in_path(year: int) -> int:
    """A year that is part of a page's address; outside the range there is no such page."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise UnknownPage(year_message())
    return year


def id_arg(name: str) -> int | None:
    """An id in the query string (a district, a meeting), or None when none was asked for."""
    raw = request.args.get(name, "")
    if not raw.strip():
        return None
    if not _INTEGER.fullmatch(raw.strip()) or not 1 <= int(raw) <= ID_MAX:
        raise BadInput(_l("Parametern %(name)s ska vara ett id (ett heltal).", name=name))
    return int(raw)


def choice_arg(name: str, choices: Collection[str], default: str) -> str:
    """A filter value in the query string that must be one of the choices."""
    value = request.args.get(name, default)
    if value not in choices:
        raise BadInput(
            _l(
                "Parametern %(name)s kan bara vara %(choices)s.",
                name=name,
                choices=", ".join(sorted(choices)),
            )
        )
    return value


def _explained(error: HTTPException) -> HTTPException | tuple[str, int] | WerkzeugResponse:
    """The error page with the reason, or the API's JSON error under /api/."""
    # Imported here: the API's parsers raise BadInput, so feedback.api imports this module.
    from feedback import api

    if api.is_api(request.path):
        return api.error_response(error)
    code = error.code or 400
    return render_template("errors/error.html", code=code, message=error.description), code


def init_app(app: Flask) -> None:
    """Bound path ids and check every request; call before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(reject_control_characters)
    app.before_request(allow_photos)  # before CSRF protection reads the form
    app.register_error_handler(BadInput, _explained)
    app.register_error_handler(UnknownPage, _explained)
