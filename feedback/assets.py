"""Static files under fingerprinted names, cached for a year, and responses compressed.

`asset("site.css")` gives `/static/site.<digest>.css`: the name changes whenever the content
does, so browsers keep the file for a year (`immutable`) and still never see a stale one. The
plain name keeps working, cached for an hour, for anything printed or bookmarked. While app
servers behind a load balancer are upgraded one at a time, a page from one links a digest the
other does not know: that name gets the file this server has, for nobody to keep.

Compression is Flask-Compress (brotli, zstd or gzip, as the client accepts). Staff pages and the
login page are sent uncompressed: they carry a staff member's CSRF token next to text a request
can choose (search filters, form values), which is what a BREACH attack needs to read the token
from compressed sizes. The survey, the public pages, the API and static files are compressed.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, abort, request, url_for
from flask import Response as FlaskResponse
from flask_compress import Compress

FOLDER = Path(__file__).parent / "static"
YEAR = 365 * 24 * 3600
HOUR = 3600
UNCOMPRESSED = ("/staff", "/login")

bp = Blueprint("assets", __name__)
_compress = Compress()


@cache
def fingerprints() -> dict[str, str]:
    """Each static file's name with its content's digest: site.css -> site.3f2a1b9c0d.css."""
    found = {}
    for path in sorted(FOLDER.iterdir()):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            found[path.name] = f"{path.stem}.{digest}{path.suffix}"
    return found


@cache
def _originals() -> dict[str, str]:
    return {fingerprinted: name for name, fingerprinted in fingerprints().items()}


def asset(filename: str) -> str:
    """The address of a static file under its fingerprinted name."""
    return url_for("assets.static_file", name=fingerprints()[filename])


# A static file's name with some digest: site.3f2a1b9c0d.css.
_FINGERPRINTED = re.compile(r"(?P<stem>[\w-]+)\.[0-9a-f]{10}(?P<suffix>\.\w+)")


def _other_version(name: str) -> str | None:
    """The file a fingerprinted name stands for when its digest is another version's."""
    found = _FINGERPRINTED.fullmatch(name)
    if found is None:
        return None
    plain = found["stem"] + found["suffix"]
    return plain if plain in fingerprints() else None


@cache
def _content(name: str) -> bytes:
    return (FOLDER / name).read_bytes()


def _file(name: str, max_age: int) -> FlaskResponse:
    """A static file from memory (they are few and small), answered 304 when unchanged."""
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FlaskResponse(_content(name), mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.set_etag(fingerprints()[name])
    response.make_conditional(request)
    return response


@bp.get("/static/<name>")
def static_file(name: str) -> FlaskResponse:
    """A static file: for a year under its fingerprinted name, for an hour under its own, and
    uncached under another version's digest."""
    if name in _originals():
        response = _file(_originals()[name], YEAR)
        response.cache_control.immutable = True
        return response
    if (plain := _other_version(name)) is not None:
        # Linked by a server running an older or newer version during a rolling upgrade: this
        # version's file, which neither a browser nor a proxy may keep under that name.
        return _file(plain, 0)
    if name not in fingerprints():
        abort(404)
    return _file(name, HOUR)


@bp.get("/favicon.ico")
def favicon() -> FlaskResponse:
    """The site's icon, where browsers and tools look for it first."""
    return _file("favicon.ico", 24 * HOUR)


def _compressed(response: FlaskResponse) -> FlaskResponse:
    if request.path.startswith(UNCOMPRESSED):
        return response
    return _compress.after_request(response)


def init_app(app: Flask) -> None:
    """Serve the static files and compress responses (registered first, so it runs last)."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "zstd"])
    _compress.init_app(app)
    app.register_blueprint(bp)
    app.after_request(_compressed)
    app.jinja_env.globals["asset"] = asset
