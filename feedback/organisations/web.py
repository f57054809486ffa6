"""Which organisation a request is about: the address's first part, a host name, or the only one.

`/borlange/...` is served as the app mounted at `/borlange`: the prefix moves from PATH_INFO to
SCRIPT_NAME, so every route is the same inside it and url_for builds every link, redirect and
asset inside it too. Only an organisation's slug is taken as a prefix, and no slug may be the
first part of an address of the app itself (`reserved`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
)
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import db
from feedback.models import SLUG_PATTERN, Organisation
from feedback.organisations import by_host, find_organisation, list_organisations, only_organisation

# Where the middleware leaves the slug it took from the address.
ENVIRON_KEY = "trygghetsdialog.organisation"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def reserved(app: Flask) -> frozenset[str]:
    """The first parts of the app's own addresses, which no organisation's slug may take."""
    return frozenset(
        rule.rule.lstrip("/").split("/", 1)[0].split("<", 1)[0].split(".", 1)[0]
        for rule in app.url_map.iter_rules()
    ) - {""}


# How long a worker trusts the slugs it read: an organisation made on the command line is
# reached at its address this much later.
SLUGS_SECONDS = 5.0


# How many times this process has written organisations: a worker that made one reads again.
_changes = [0]


def _count_changes(flushed: Session, _context: object) -> None:
    changed = (*flushed.new, *flushed.dirty, *flushed.deleted)
    if any(isinstance(o, Organisation) for o in changed):
        _changes[0] += 1


class OrganisationPrefix:
    """Serves `/<slug>/...` as the app mounted at `/<slug>`, for the organisations' slugs; any
    other address passes as it is (and an unknown one is a 404 with links that work)."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._slugs: frozenset[str] = frozenset()
        self._read_at = -SLUGS_SECONDS
        self._generation = _changes[0]

    def slugs(self) -> frozenset[str]:
        """The organisations' slugs, read at most every SLUGS_SECONDS; the last ones read
        while the database cannot answer."""
        now = time.monotonic()
        if now - self._read_at >= SLUGS_SECONDS or self._generation != _changes[0]:
            self._generation = _changes[0]
            try:
                with self.app.app_context():
                    self._slugs = frozenset(db.session().scalars(select(Organisation.slug)))
            except SQLAlchemyError:
                self.app.logger.exception("the organisations could not be read")
            self._read_at = now
        return self._slugs

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        first, _, rest = path.lstrip("/").partition("/")
        if re.fullmatch(SLUG_PATTERN, first) and first in self.slugs():
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + first
            environ["PATH_INFO"] = "/" + rest
            environ[ENVIRON_KEY] = first
        return self.wsgi_app(environ, start_response)


def current() -> Organisation | None:
    """The organisation this request is about, or None where the address names none."""
    if "organisation" not in g:
        g.organisation = _resolve()
    found: Organisation | None = g.organisation
    return found


def _resolve() -> Organisation | None:
    slug = request.environ.get(ENVIRON_KEY)
    try:
        if slug is not None:
            organisation = find_organisation(db.session(), slug)
            if organisation is None:
                abort(404)
            return organisation
        host = request.host.rsplit(":", 1)[0]
        return by_host(db.session(), host) or only_organisation(db.session())
    except SQLAlchemyError:
        # A page that must answer while the database fails (the survey, keeping what a
        # resident typed) is shown without its organisation's name rather than not at all.
        current_app.logger.exception("the organisation could not be read")
        db.session().rollback()
        return None


def resolved_id() -> int | None:
    """The id of the request's organisation where the request has already looked it up (a
    staff page has), for the audit log; None outside a request, and never a query."""
    if not has_request_context():
        return None
    found = g.get("organisation")
    return found.id if isinstance(found, Organisation) else None


def bounds() -> tuple[float, float, float, float] | None:
    """Where the request organisation's places can lie; None: anywhere."""
    organisation = current()
    return organisation.bounds if organisation else None


def use(organisation: Organisation) -> None:
    """Make the organisation of what a page shows (a meeting's) the request's organisation."""
    g.organisation = organisation


def required() -> Organisation:
    """The request's organisation; where the address names none, the page to choose one."""
    organisation = current()
    if organisation is None:
        abort(_choose())
    return organisation


def _choose() -> WerkzeugResponse:
    """The list of organisations, each linking to this page inside it."""
    organisations = list_organisations(db.session())
    html = render_template(
        "public/organisations.html", organisations=organisations, path=request.full_path
    )
    return WerkzeugResponse(html, mimetype="text/html")


def prefixed(organisation: Organisation, path: str | None = None) -> str:
    """This request's address (or a path) inside an organisation."""
    path = path if path is not None else request.full_path
    return f"/{organisation.slug}{path.rstrip('?')}"


def redirect_into(organisation: Organisation) -> WerkzeugResponse:
    """Send a GET on to the same address inside the organisation."""
    return redirect(prefixed(organisation))


def init_app(app: Flask) -> None:
    """Take the organisation's prefix off each address, and let templates ask for it."""
    app.wsgi_app = OrganisationPrefix(app, app.wsgi_app)  # type: ignore[method-assign]
    if not event.contains(Session, "after_flush", _count_changes):
        event.listen(Session, "after_flush", _count_changes)
    app.jinja_env.globals["organisation"] = current
