"""Single sign-on against a real OpenID Connect provider: panva's oidc-provider (tests/oidc/),
run by node on loopback for the whole session.

The Flask test client plays the browser on the app's side and `requests` plays it at the
provider, whose login form takes an account id from tests/oidc/fixture.json. The app itself
fetches the discovery document, the keys and the tokens from the provider over real HTTP.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from feedback import create_app, db
from feedback.models import AuditEvent, StaffSession
from feedback.users import find_user, update_user
from tests.conftest import (
    BASE_URL,
    STAFF_EMAIL,
    count,
    csrf_token,
    log_in,
    make_organisation,
    make_staff,
    reread,
)
from tests.server import ROOT, free_port

pytestmark = pytest.mark.server  # the provider keeps the machine's clock, and signs by it

PROVIDER = ROOT / "tests" / "oidc"
FIXTURE = json.loads((PROVIDER / "fixture.json").read_text(encoding="utf-8"))
ACCOUNTS: dict[str, dict[str, Any]] = FIXTURE["accounts"]
SLUG = "borlange"
NAME = "Borlänge kommuns konto"
CALLBACK = f"{BASE_URL}/login/sso/{SLUG}/callback"
DEACTIVATED = ACCOUNTS["deactivated"]["email"]


def install_provider() -> None:
    """`npm ci` into tests/oidc/node_modules unless the locked oidc-provider is there already."""
    lock = json.loads((PROVIDER / "package-lock.json").read_text(encoding="utf-8"))
    wanted = lock["packages"]["node_modules/oidc-provider"]["version"]
    installed = PROVIDER / "node_modules" / "oidc-provider" / "package.json"
    if installed.exists() and json.loads(installed.read_text())["version"] == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("the single sign-on tests need node 20 or later and npm on the PATH")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER, check=True, capture_output=True
    )


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    """The provider's issuer URL, while node serves it on a free loopback port."""
    install_provider()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            ["node", "provider.js", str(port), CALLBACK],
            cwd=PROVIDER,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    found = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
                    if found.ok and found.json()["issuer"] == issuer:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"oidc-provider did not start:\n{log.read().decode()}")
                time.sleep(0.1)
            yield issuer
        finally:
            process.terminate()
            process.wait(timeout=10)


def providers(issuer: str) -> dict[str, dict[str, str]]:
    """The test provider, and one for another organisation whose provider is down."""
    return {
        SLUG: {**FIXTURE["client"], "issuer": issuer, "name": NAME},
        "falun": {
            "issuer": f"http://127.0.0.1:{free_port()}",
            "client_id": "x",
            "client_secret": "y",
            "name": "Falu kommuns konto",
        },
    }


@pytest.fixture
def app_config(issuer: str) -> dict[str, Any]:
    """The test app, with both providers configured."""
    return {"OIDC_PROVIDERS": providers(issuer)}


@pytest.fixture
def staff(session: Session) -> None:
    """The staff accounts an admin made: the known one, and one since deactivated."""
    make_staff(session, STAFF_EMAIL)
    make_staff(session, DEACTIVATED)
    user = find_user(session, DEACTIVATED)
    assert user is not None
    update_user(session, user, is_active=False)
    session.commit()


def at_provider(start: str, account: str | None) -> str:
    """Log in at the provider as a fixture account, or cancel there (None), as a browser
    would; the address it sends the browser back to, on the app."""
    browser = requests.Session()
    response = browser.get(start, allow_redirects=False, timeout=10)
    url = start
    while True:
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if url.startswith(BASE_URL):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, response.text
        form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert form, f"no login form at the provider:\n{response.text}"
        if account is None:  # its "Cancel": the interaction's abort address
            response = browser.get(f"{url}/abort", allow_redirects=False, timeout=10)
        else:
            login = {"prompt": "login", "login": account, "password": "anything"}
            response = browser.post(
                urljoin(url, form.group(1)), data=login, allow_redirects=False, timeout=10
            )


def begin(client: FlaskClient, slug: str = SLUG) -> str:
    """Press the provider's button on the login page; where the app sends the browser."""
    page = client.get("/login")
    assert f'href="/login/sso/{slug}"' in page.text
    response = client.get(f"/login/sso/{slug}")
    assert response.status_code == 302, response.text
    location: str = response.headers["Location"]
    return location


def come_back(client: FlaskClient, url: str) -> TestResponse:
    """Follow the provider's redirect back to the app."""
    return client.get(url.removeprefix(BASE_URL))


def sign_on(client: FlaskClient, account: str | None) -> TestResponse:
    """The whole single sign-on, as the account (or cancelled); the app's last answer."""
    return come_back(client, at_provider(begin(client), account))


def events(session: Session) -> list[AuditEvent]:
    """The audit log, oldest first."""
    reread(session)
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def assert_no_staff_session(client: FlaskClient, session: Session) -> None:
    """Nobody is logged in: no live staff session, and staff pages ask for a login."""
    reread(session)
    live = session.scalars(select(StaffSession).where(StaffSession.ended_at.is_(None))).all()
    assert live == []
    assert client.get("/staff/").headers["Location"].startswith("/login")


def test_a_known_user_logs_in_with_the_provider_and_reaches_the_staff_pages(
    client: FlaskClient, session: Session, staff: None
) -> None:
    start = begin(client)
    asked = parse_qs(urlsplit(start).query)
    assert asked["redirect_uri"] == [CALLBACK]
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["state"] and asked["nonce"] and asked["code_challenge"]
    # The provider says Polis@Example.se: the account's address in another case.
    response = come_back(client, at_provider(start, "known"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    reread(session)
    (live,) = session.scalars(select(StaffSession).where(StaffSession.ended_at.is_(None)))
    assert live.user.email == STAFF_EMAIL
    last = events(session)[-1]
    assert (last.actor_email, last.action, last.details) == (
        STAFF_EMAIL,
        "login",
        {"provider": SLUG},
    )
    page = client.get("/staff/admin/audit?action=login")
    assert "via borlange" in page.text


def test_the_login_returns_to_the_page_the_visitor_came_for(
    client: FlaskClient, staff: None
) -> None:
    client.get("/login?next=/staff/pledges")
    start = client.get("/login/sso/borlange?next=/staff/pledges").headers["Location"]
    response = come_back(client, at_provider(start, "known"))
    assert response.headers["Location"] == "/staff/pledges"


@pytest.mark.parametrize(
    ("account", "actor", "reason", "said"),
    [
        ("unknown", None, "unknown account", "har inget aktivt konto här"),
        ("deactivated", DEACTIVATED, "inactive account", "har inget aktivt konto här"),
        ("unverified", None, "unverified address", "har inte bekräftat din e-postadress"),
    ],
)
def test_a_provider_login_without_an_active_account_is_refused(
    client: FlaskClient,
    session: Session,
    staff: None,
    account: str,
    actor: str | None,
    reason: str,
    said: str,
) -> None:
    response = sign_on(client, account)
    assert response.status_code == 403
    assert said in response.text
    assert NAME in response.text
    assert "Logga in med Borlänge kommuns konto" in response.text  # to try again
    assert_no_staff_session(client, session)
    last = events(session)[-1]
    assert (last.actor_email, last.action, last.details) == (
        actor,
        "login_failed",
        {"reason": reason, "provider": SLUG},
    )
    # The unverified address is nobody's to write down.
    assert ACCOUNTS["unverified"]["email"] not in str([e.details for e in events(session)])


def test_the_refusal_is_in_the_visitors_language(client: FlaskClient, staff: None) -> None:
    client.get("/?lang=en")
    response = sign_on(client, "unknown")
    assert response.status_code == 403
    assert "has no active account here" in response.text
    assert ACCOUNTS["unknown"]["email"] in response.text


def test_cancelling_at_the_provider_is_refused_with_its_reason(
    client: FlaskClient, session: Session, staff: None
) -> None:
    back = at_provider(begin(client), None)
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    response = come_back(client, back)
    assert response.status_code == 403
    assert "avbröts eller nekades" in response.text
    assert_no_staff_session(client, session)
    last = events(session)[-1]
    assert (last.action, last.details) == (
        "login_failed",
        {"reason": "provider error", "provider": SLUG},
    )


def test_a_forged_foreign_or_replayed_state_is_refused(
    app: Flask, client: FlaskClient, session: Session, staff: None
) -> None:
    back = at_provider(begin(client), "known")
    query = parse_qs(urlsplit(back).query)
    forged = {**{k: v[0] for k, v in query.items()}, "state": query["state"][0][::-1]}
    refused = come_back(client, f"{CALLBACK}?{urlencode(forged)}")
    assert refused.status_code == 403
    assert "gick inte att slutföra" in refused.text
    # Another browser handed this one's way back (login CSRF) gets nowhere either.
    other = app.test_client()
    assert come_back(other, back).status_code == 403
    assert_no_staff_session(client, session)
    # The browser that began the login still finishes it, once.
    assert come_back(client, back).status_code == 302
    page = client.get("/staff/")
    client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    replayed = come_back(client, back)
    assert replayed.status_code == 403
    assert_no_staff_session(client, session)
    reasons = [e.details.get("reason") for e in events(session) if e.action == "login_failed"]
    assert reasons == ["bad state"] * 3


def test_an_id_token_from_another_issuer_than_configured_is_refused(
    session: Session, staff: None, issuer: str, database_url: str, tmp_path: Path
) -> None:
    # The same provider, named with a trailing slash its ID tokens do not have.
    settings = providers(issuer)
    settings[SLUG]["issuer"] = f"{issuer}/"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": BASE_URL,
            "OIDC_PROVIDERS": settings,
        }
    )
    app.instance_path = str(tmp_path)
    client = app.test_client()
    response = sign_on(client, "known")
    assert response.status_code == 403
    assert "gick inte att slutföra" in response.text
    assert_no_staff_session(client, session)
    assert events(session)[-1].details == {"reason": "invalid token", "provider": SLUG}
    with app.app_context():
        db.engine().dispose()


def test_a_logged_in_visitor_is_sent_on_to_the_staff_pages(
    client: FlaskClient, session: Session, staff: None
) -> None:
    assert sign_on(client, "known").status_code == 302
    assert client.get("/login/sso/borlange").headers["Location"] == "/staff/"
    assert come_back(client, f"{CALLBACK}?code=x&state=y").headers["Location"] == "/staff/"
    assert count(session, StaffSession) == 1


def test_an_unreachable_provider_is_said_so_on_the_login_page(
    client: FlaskClient, session: Session
) -> None:
    response = client.get("/login/sso/falun")
    assert response.status_code == 502
    assert "Vi når inte inloggningen med Falu kommuns konto" in response.text
    assert client.get("/login/sso/nowhere").status_code == 404
    assert count(session, AuditEvent) == 0  # nobody tried to log in yet


def test_the_password_login_works_beside_the_providers(
    client: FlaskClient, session: Session, staff: None
) -> None:
    # One organisation: its own provider only. Several: /login offers each, and an
    # organisation's login page its own.
    page = client.get("/login").text
    assert "Logga in med Borlänge kommuns konto" in page
    assert "Logga in med Falu kommuns konto" not in page
    make_organisation(session, "falun")
    page = client.get("/login").text
    assert "Logga in med Borlänge kommuns konto" in page
    assert "Logga in med Falu kommuns konto" in page
    falun = client.get("/falun/login").text
    assert "Logga in med Falu kommuns konto" in falun
    assert "Logga in med Borlänge kommuns konto" not in falun
    assert '/login/sso/falun"' in falun
    assert log_in(client, STAFF_EMAIL) == 302
    assert client.get("/staff/").headers["Location"] == "/borlange/staff/"
    assert client.get("/borlange/staff/").status_code == 200


def test_refused_provider_logins_count_against_the_same_limit_as_failed_passwords(
    client: FlaskClient, staff: None
) -> None:
    for _ in range(10):
        assert come_back(client, f"{CALLBACK}?error=access_denied&state=x").status_code == 403
    for _ in range(10):
        assert log_in(client, STAFF_EMAIL, "fel lösenord") == 400
    assert come_back(client, f"{CALLBACK}?error=access_denied&state=x").status_code == 429
    assert log_in(client, STAFF_EMAIL) == 429


def test_providers_come_from_the_environment_as_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, issuer: str
) -> None:
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "a real secret for this test")
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "sqlite://")
    settings = providers(issuer)
    secret = settings[SLUG].pop("client_secret")
    monkeypatch.setenv("FEEDBACK_OIDC_PROVIDERS", json.dumps(settings))
    monkeypatch.setenv(f"FEEDBACK_OIDC_PROVIDERS__{SLUG}__client_secret", secret)
    app = create_app()
    assert app.config["OIDC_PROVIDERS"][SLUG]["client_secret"] == secret
    assert create_app({"TESTING": True}).config["OIDC_PROVIDERS"] == {}  # no leak into defaults
    monkeypatch.delenv(f"FEEDBACK_OIDC_PROVIDERS__{SLUG}__client_secret")
    with pytest.raises(RuntimeError, match=r"OIDC_PROVIDERS\['borlange'\] lacks client_secret"):
        create_app()
