"""Fixtures for the browser tests: the app served over real HTTP, and a headless Chromium."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from feedback import questionnaire
from feedback.models import Meeting, Response
from feedback.responses import Submission, record_response
from tests.conftest import STAFF_EMAIL, STAFF_PASSWORD, reread

CHROMIUM = Path("/usr/bin/chromium")
# Keep Chromium quiet and offline: no GPU, no update checks, no calls home during a test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Viewports in CSS pixels: a common phone, and a staff member's desktop.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1024}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served on a free local port; yields its base URL, which QR codes point to."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    # Read per request, so the posters' links lead a phone back to this server.
    app.config["PUBLIC_BASE_URL"] = base_url
    # Polled often, so shutdown() returns at once instead of after half a second per test.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run; each test opens its own contexts."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed at /usr/bin/chromium (Debian package 'chromium'); "
            "the browser tests need it"
        )
    with (
        sync_playwright() as playwright,
        playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS) as chromium,
    ):
        yield chromium


def log_in(page: Page, base_url: str) -> None:
    """Log in as staff through the login form, in the page's browser context."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-postadress").fill(STAFF_EMAIL)
    page.get_by_label("Lösenord").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(f"{base_url}/staff/")


def make_response(session: Session, meeting: Meeting, **answers: str) -> None:
    """A resident's response to a meeting's survey, stored as the survey stores it."""
    submission = Submission(
        meeting=meeting,
        questionnaire=questionnaire.current(),
        answers=answers,
        submission_key=uuid.uuid4().hex,
        channel="qr",
        language="sv",
    )
    assert record_response(session, submission)
    session.commit()


def stored_responses(session: Session) -> list[tuple[str, str, dict[str, str]]]:
    """Every stored response as (channel, language, answers by question key)."""
    reread(session)
    return [
        (response.channel, response.language, {a.question_key: a.value for a in response.answers})
        for response in session.scalars(select(Response).order_by(Response.id))
    ]


@pytest.fixture
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """Map tiles served on loopback, as a municipality's own tile server would: the address
    template, and the paths asked for."""
    picture = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 220, 200)).save(picture, "PNG")
    tile, asked = picture.getvalue(), []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
