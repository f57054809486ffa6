"""A small room of residents against gunicorn with several workers, one of them killed.

The full run (200 residents, 40 at once) is `make bench`; this one proves the same promise
in seconds: nothing acknowledged is lost, nothing is stored twice, no resident sees a 5xx,
and the server's log holds no client address.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.residents import count_stored, prepare_database, run_room
from tests.server import postgres_database, serve


@pytest.fixture
def load_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own for the server: SQLite in a temporary folder, or PostgreSQL."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url:
        yield f"sqlite:///{tmp_path / 'load.sqlite'}"
        return
    with postgres_database(test_url, f"{make_url(test_url).database}_load") as url:
        yield url


@pytest.mark.server
def test_a_room_of_residents_loses_nothing_when_a_worker_is_killed(
    load_database_url: str, tmp_path: Path
) -> None:
    code = prepare_database(load_database_url)
    log = tmp_path / "gunicorn.log"
    with serve(load_database_url, workers=3, log=log) as server:
        tally = run_room(server, code, residents=60, at_once=15, kill_after=20, logins=5)
        send_garbage(server.base_url)  # gunicorn logs "Invalid request from ip=..."
    count_stored(load_database_url, code, tally)

    assert tally.acknowledged == tally.residents, tally.line()
    assert tally.lost == 0, tally.line()
    assert tally.doubled == 0, tally.line()
    assert tally.server_errors == 0, tally.line()
    assert tally.stored == tally.residents, tally.line()
    assert tally.logged_in == tally.logins, tally.line()
    written = log.read_text()
    assert "Traceback" not in written
    clients = [line for line in written.splitlines() if "Listening at:" not in line]
    assert not [line for line in clients if "127.0.0.1" in line]  # access and error logs
    assert "GET /q/" in written  # the access log is on, only without addresses
    assert "Invalid request from ip=[adress]" in written


def send_garbage(base_url: str) -> None:
    """A request line no HTTP server accepts, sent over a raw socket."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        raw.recv(1024)
