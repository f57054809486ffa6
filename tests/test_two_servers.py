"""Two app servers behind a load balancer, sharing one PostgreSQL and one Redis.

Each is a gunicorn of its own with the same settings, as the README's regional setup runs
them. A balancer may send any request to either: the login limit counts on both at once,
a staff session and a resident's form work on either, and when one server dies the room of
residents loses nothing. The test makes a PostgreSQL database of its own (at 127.0.0.1:5432,
whatever TEST_DATABASE_URL says) and counts in Redis under a key prefix of its own.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, func, select

from feedback.models import RateLimit, Response
from tests.conftest import csrf_token, submission_key
from tests.residents import (
    ANSWERED,
    STAFF_EMAIL,
    STAFF_PASSWORD,
    THANKS,
    count_stored,
    prepare_database,
    run_room,
)
from tests.server import Server, postgres_database, serve_several
from tests.test_ratelimit import failed_logins

pytestmark = pytest.mark.server

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379"
# A client behind the balancer: the servers see the balancer's address, and this one in
# X-Forwarded-For, which PROXY_FIX=1 makes the client's.
CLIENT = "203.0.113.7"
WORKERS = 2  # per server


@dataclass
class Shared:
    """What the app servers share: the database, its meeting, the settings, a Redis client."""

    database_url: str
    code: str
    prefix: str
    redis: redis.Redis

    @property
    def env(self) -> dict[str, str]:
        """The settings every server gets (besides the secret key and PUBLIC_BASE_URL)."""
        return {
            "FEEDBACK_RATELIMIT_STORAGE_URI": REDIS,
            "FEEDBACK_RATELIMIT_KEY_PREFIX": self.prefix,
            "FEEDBACK_PROXY_FIX": "1",
        }

    def redis_keys(self) -> list[bytes]:
        """The keys this test's servers wrote to Redis."""
        return list(self.redis.scan_iter(f"*{self.prefix}*"))


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    """A fresh PostgreSQL database with a meeting open now, and a Redis key prefix; both
    emptied afterwards."""
    suffix = secrets.token_hex(4)
    client = redis.Redis.from_url(REDIS)
    with postgres_database(POSTGRES, f"trygghetsdialog_two_servers_{suffix}") as url:
        try:
            yield Shared(url, prepare_database(url), f"two-servers-{suffix}", client)
        finally:
            for key in client.scan_iter(f"*two-servers-{suffix}*"):
                client.delete(key)
            client.close()


@pytest.fixture(scope="module")
def pair(shared: Shared, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two app servers on the shared database, Redis and settings."""
    logs = tmp_path_factory.mktemp("two-servers")
    with serve_several(shared.database_url, 2, env=shared.env, workers=WORKERS, logs=logs) as two:
        yield two


def rate_limit_rows(database_url: str) -> int:
    """How many counters the database's own limit storage holds."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(RateLimit)) or 0)
    finally:
        engine.dispose()


def test_failed_logins_on_both_servers_count_against_one_limit_kept_in_redis(
    shared: Shared, pair: list[Server]
) -> None:
    a, b = pair
    on_a = failed_logins(a.base_url, 10, at_once=WORKERS, forwarded_for=CLIENT)
    on_b = failed_logins(b.base_url, 10, at_once=WORKERS, forwarded_for=CLIENT)
    assert on_a + on_b == [400] * 20  # wrong passwords, none refused yet

    assert failed_logins(a.base_url, 1, forwarded_for=CLIENT) == [429]
    browser = requests.Session()
    token = csrf_token(browser.get(f"{b.base_url}/login", timeout=10).text)
    refused = browser.post(
        f"{b.base_url}/login",
        data={"csrf_token": token, "email": STAFF_EMAIL, "password": STAFF_PASSWORD},
        headers={"X-Forwarded-For": CLIENT},
        timeout=10,
    )
    assert refused.status_code == 429
    assert "För många försök" in refused.text  # the limit's page, even with the right password

    keys = shared.redis_keys()
    assert keys  # counted in Redis, not in the database ...
    assert rate_limit_rows(shared.database_url) == 0
    assert not [key for key in keys if CLIENT.encode() in key]  # ... under a hash of the address
    other = requests.Session()  # another client behind the same balancer is not held up
    token = csrf_token(other.get(f"{a.base_url}/login", timeout=10).text)
    logged_in = other.post(
        f"{a.base_url}/login",
        data={"csrf_token": token, "email": STAFF_EMAIL, "password": STAFF_PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert logged_in.status_code == 302


def log_in(browser: requests.Session, base_url: str) -> None:
    """Log the staff member in through the login form on one server."""
    token = csrf_token(browser.get(f"{base_url}/login", timeout=10).text)
    page = browser.post(
        f"{base_url}/login",
        data={"csrf_token": token, "email": STAFF_EMAIL, "password": STAFF_PASSWORD},
        timeout=10,
    )
    assert page.url == f"{base_url}/staff/", page.text[:2000]


def opens_staff_pages(cookie: str, base_url: str) -> bool:
    """Whether a browser holding this session cookie gets the staff pages on a server."""
    browser = requests.Session()
    browser.cookies.set("session", cookie)
    page = browser.get(f"{base_url}/staff/", allow_redirects=False, timeout=10)
    assert page.status_code in (200, 302)
    return page.status_code == 200


def test_a_staff_login_on_one_server_holds_on_the_other_and_a_logout_ends_it_on_both(
    pair: list[Server],
) -> None:
    a, b = pair
    browser = requests.Session()
    log_in(browser, a.base_url)
    cookie = browser.cookies["session"]
    assert opens_staff_pages(cookie, b.base_url)

    on_b = browser.get(f"{b.base_url}/staff/", timeout=10)
    ended = browser.post(
        f"{b.base_url}/logout", data={"csrf_token": csrf_token(on_b.text)}, timeout=10
    )
    assert ended.url == f"{b.base_url}/login"
    assert not opens_staff_pages(cookie, a.base_url)  # a copy of the cookie opens nothing
    assert not opens_staff_pages(browser.cookies["session"], a.base_url)


def stored_with_key(database_url: str, key: str) -> int:
    """How many responses the database holds with this submission key."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(Response.submission_key == key)
            return int(connection.scalar(query) or 0)
    finally:
        engine.dispose()


def test_a_survey_opened_on_one_server_is_sent_on_the_other_and_stored_once(
    shared: Shared, pair: list[Server]
) -> None:
    a, b = pair
    phone = requests.Session()
    form = phone.get(f"{a.base_url}/q/{shared.code}", timeout=10)
    data = {
        "csrf_token": csrf_token(form.text),
        "submission_key": submission_key(form.text),
        "safety_evening": "fairly_safe",
    }
    sent = phone.post(f"{b.base_url}/q/{shared.code}", data=data, timeout=10)
    assert sent.status_code == 200
    assert THANKS in sent.text
    again = phone.post(f"{a.base_url}/q/{shared.code}", data=data, timeout=10)
    assert ANSWERED in again.text  # the session says so on the first server too
    assert stored_with_key(shared.database_url, data["submission_key"]) == 1


def test_a_room_over_two_servers_loses_nothing_when_one_server_dies(
    shared: Shared, tmp_path: Path
) -> None:
    code = prepare_database(shared.database_url, "Romme")
    with serve_several(
        shared.database_url, 2, env=shared.env, workers=WORKERS, logs=tmp_path
    ) as two:
        a, _b = two
        tally = run_room(two, code, residents=40, at_once=10, kill_after=12, logins=4, kill=a.kill)
        with pytest.raises(requests.ConnectionError):  # A is gone for good
            requests.get(a.base_url, timeout=5)
    count_stored(shared.database_url, code, tally)

    assert tally.acknowledged == tally.residents, tally.line()
    assert tally.lost == 0, tally.line()
    assert tally.doubled == 0, tally.line()
    assert tally.server_errors == 0, tally.line()
    assert tally.stored == tally.residents, tally.line()
    assert tally.logged_in == tally.logins, tally.line()
    assert tally.failovers > 0, tally.line()  # residents on A were sent to B
    survivor = (tmp_path / "gunicorn-1.log").read_text()
    assert "Traceback" not in survivor
    assert not re.search(r'" 5\d\d ', survivor)
