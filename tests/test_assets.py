"""Static files by fingerprint with a year's cache, a favicon, and compressed public pages."""

from __future__ import annotations

import gzip
import hashlib
import re

import brotli
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from feedback.assets import FOLDER, fingerprints
from tests.conftest import Auth, make_meeting

# One TCP initial congestion window (10 segments of 1460 bytes): the survey's HTML and CSS
# together should arrive within it, so a phone renders the survey after one round trip.
ONE_WINDOW = 14_600


def test_pages_link_static_files_by_their_content_digest(client: FlaskClient) -> None:
    page = client.get("/").text
    css = re.search(r'href="(/static/site\.([0-9a-f]{10})\.css)"', page)
    assert css is not None
    digest = hashlib.sha256((FOLDER / "site.css").read_bytes()).hexdigest()[:10]
    assert css.group(2) == digest
    fetched = client.get(css.group(1))
    assert fetched.status_code == 200
    assert fetched.mimetype == "text/css"
    assert fetched.headers["Cache-Control"].split(", ").count("immutable") == 1
    assert "max-age=31536000" in fetched.headers["Cache-Control"]


def test_the_plain_name_still_works_for_an_hour_and_unknown_names_are_404(
    client: FlaskClient,
) -> None:
    plain = client.get("/static/site.css")
    assert plain.status_code == 200
    assert "max-age=3600" in plain.headers["Cache-Control"]
    assert "immutable" not in plain.headers["Cache-Control"]
    assert client.get("/static/nothing.0000000000.css").status_code == 404
    assert client.get("/static/site.css.0000000000").status_code == 404
    assert client.get("/static/..%2Fconfig.py").status_code == 404
    assert set(fingerprints()) >= {"site.css", "poster.css", "favicon.ico"}


def test_a_digest_another_app_server_links_during_an_upgrade_gets_this_ones_file_uncached(
    client: FlaskClient,
) -> None:
    # Behind a load balancer, a page from the server already upgraded links site.<new>.css,
    # and the balancer may ask a server not yet upgraded for it (or the other way round).
    other = client.get("/static/site.0123456789.css")
    assert other.status_code == 200
    assert other.data == (FOLDER / "site.css").read_bytes()
    assert "max-age=0" in other.headers["Cache-Control"]
    assert "immutable" not in other.headers["Cache-Control"]


def test_there_is_a_favicon(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon"' in client.get("/").text


def test_the_survey_and_its_css_arrive_compressed_within_one_window(
    client: FlaskClient, session: Session
) -> None:
    meeting = make_meeting(session)
    plain = client.get(f"/q/{meeting.code}")
    sent = client.get(f"/q/{meeting.code}", headers={"Accept-Encoding": "br, gzip"})
    assert sent.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in sent.headers["Vary"]
    html = brotli.decompress(sent.data).decode()
    # The same page, token and submission key aside, as a client without compression gets.
    same = re.compile(r'value="[0-9a-f]{32}"|value="[^"]{40,}"')
    assert same.sub("", html) == same.sub("", plain.text)
    css_url = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', html)
    assert css_url is not None
    css = client.get(css_url.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(css.data) == (FOLDER / "site.css").read_bytes()
    assert len(sent.data) + len(css.data) <= ONE_WINDOW
    assert "<script" not in html


def test_staff_pages_are_sent_uncompressed(client: FlaskClient, auth: Auth) -> None:
    # A staff page carries the CSRF token next to text a request chooses: compressed, its size
    # would leak the token (BREACH).
    auth.login()
    staff = client.get("/staff/", headers={"Accept-Encoding": "br, gzip"})
    assert staff.status_code == 200
    assert "Content-Encoding" not in staff.headers
    login = client.get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in login.headers
