"""The login limit's database storage, and the limit itself across gunicorn workers."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit
from urllib.request import urlopen

import pytest
import redis
import time_machine
from flask import Flask
from sqlalchemy import Engine, select

from feedback import db
from feedback.models import RateLimit
from feedback.ratelimit import DatabaseStorage
from tests.conftest import csrf_token
from tests.server import serve

KEY = "LIMITER/192.0.2.7/auth.login/20/15/minute"
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
WORKERS = 4


@pytest.fixture
def engine(app: Flask) -> Iterator[Engine]:
    """The test app's engine; the app fixture empties the tables afterwards."""
    with app.app_context():
        yield db.engine()


@pytest.fixture
def storage(engine: Engine) -> DatabaseStorage:
    """The storage as the app builds it for `database://`."""
    return DatabaseStorage("database://", engine=engine, secret="test")


def stored_keys(engine: Engine) -> list[str]:
    """The key hashes the rate_limit table holds."""
    with engine.connect() as connection:
        return list(connection.scalars(select(RateLimit.key_hash)))


def test_counts_within_a_window_and_starts_again_after_it(
    storage: DatabaseStorage, engine: Engine
) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        assert [storage.incr(KEY, 900) for _ in range(3)] == [1, 2, 3]
        assert storage.get(KEY) == 3
        assert storage.get_expiry(KEY) == (NOON + timedelta(minutes=15)).timestamp()
        clock.shift(timedelta(minutes=14))
        assert storage.incr(KEY, 900) == 4  # the window does not move with each attempt
        clock.shift(timedelta(minutes=1))
        assert storage.get(KEY) == 0
        assert storage.incr(KEY, 900, amount=2) == 2
        assert storage.get_expiry(KEY) == (NOON + timedelta(minutes=30)).timestamp()
    assert len(stored_keys(engine)) == 1


def test_stores_a_keyed_hash_never_the_address_and_deletes_passed_windows(
    storage: DatabaseStorage, engine: Engine
) -> None:
    other = DatabaseStorage("database://", engine=engine, secret="another secret")
    with time_machine.travel(NOON, tick=False) as clock:
        storage.incr(KEY, 900)
        other.incr(KEY, 900)
        (first, second) = stored_keys(engine)
        assert first != second  # without the secret key the hash names no address
        assert not any("192.0.2.7" in key for key in (first, second))
        assert other.get(KEY) == storage.get(KEY) == 1
        clock.shift(timedelta(minutes=16))
        storage.incr("LIMITER/198.51.100.1/auth.login/20/15/minute", 900)
    assert len(stored_keys(engine)) == 1  # the passed windows are gone


def test_clear_and_reset_forget_counts(storage: DatabaseStorage, engine: Engine) -> None:
    storage.incr(KEY, 900)
    storage.incr("LIMITER/other", 900)
    storage.clear(KEY)
    assert (storage.get(KEY), storage.get("LIMITER/other")) == (0, 1)
    assert storage.reset() == 1
    assert stored_keys(engine) == []
    assert storage.check()


def test_increments_at_the_same_time_are_all_counted(storage: DatabaseStorage) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: storage.incr(KEY, 900), range(40)))
    assert sorted(counts) == list(range(1, 41))
    assert storage.get(KEY) == 40


def failed_logins(
    base_url: str, attempts: int, at_once: int = WORKERS, forwarded_for: str | None = None
) -> list[int]:
    """Send failed logins from one client, `at_once` at a time; each answer's status.

    Each group's requests are held before the end of their headers until the whole group is
    connected, so each worker is busy with one of them: every group is spread over all the
    workers, and a count kept per worker would fall short. `forwarded_for` is the client's
    address as a proxy in front would pass it on (X-Forwarded-For).
    """
    with urlopen(f"{base_url}/login") as page:
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        token = csrf_token(page.read().decode())
    address = urlsplit(base_url)
    statuses = []
    for start in range(0, attempts, at_once):
        held = []
        for n in range(start, min(start + at_once, attempts)):
            body = urlencode(
                {"email": f"person{n}@example.se", "password": "fel", "csrf_token": token}
            ).encode()
            head = (
                f"POST /login HTTP/1.1\r\nHost: {address.netloc}\r\nCookie: {cookie}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n"
                + (f"X-Forwarded-For: {forwarded_for}\r\n" if forwarded_for else "")
            ).encode()
            connection = socket.create_connection((address.hostname, address.port), timeout=20)
            connection.sendall(head)
            held.append((connection, b"\r\n" + body))
        for connection, rest in held:
            connection.sendall(rest)
        for connection, _rest in held:
            with connection:
                answer = b""
                while chunk := connection.recv(65536):
                    answer += chunk
            statuses.append(int(answer.split(b" ", 2)[1]))
    return statuses


def twenty_failures_then_one_more(base_url: str) -> tuple[list[int], list[int]]:
    """The statuses of 20 failed logins from one client, then of the 21st."""
    return failed_logins(base_url, 20), failed_logins(base_url, 1)


@pytest.mark.server
def test_the_21st_failure_is_refused_across_workers_with_the_database(
    app: Flask, database_url: str
) -> None:
    with serve(database_url, workers=WORKERS) as server:
        first, then = twenty_failures_then_one_more(server.base_url)
    assert (first, then) == ([400] * 20, [429])


@pytest.mark.server
def test_the_21st_failure_is_refused_across_workers_with_redis(
    app: Flask, database_url: str
) -> None:
    prefix = f"test-{secrets.token_hex(6)}"
    env = {
        "FEEDBACK_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "FEEDBACK_RATELIMIT_KEY_PREFIX": prefix,
    }
    client = redis.Redis(host="127.0.0.1", port=6379)
    try:
        with serve(database_url, env=env, workers=WORKERS) as server:
            first, then = twenty_failures_then_one_more(server.base_url)
        assert (first, then) == ([400] * 20, [429])
        keys = client.keys(f"*{prefix}*")
        assert keys  # counted in Redis, not in the database
        assert not [key for key in keys if b"127.0.0.1" in key]  # under a hash of the address
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()
