"""200 residents answering at once, against gunicorn with the shipped config, a worker killed.

For each database (the default SQLite file, and PostgreSQL when it can be reached), in the
same run:
- the baseline: the room of residents against an undisturbed server;
- the run: the same room with one worker SIGKILLed mid-run.
Then the regional setup, on PostgreSQL and Redis: two app servers (gunicorn instances of half
the workers each, as behind a load balancer), undisturbed as its baseline, and with one whole
server SIGKILLed mid-run, its residents going on to the other.
Each prints acknowledged / stored / lost / doubled / 5xx, and the run's time as a ratio of
the baseline's. The promise: every resident acknowledged, 0 lost, 0 doubled, 0 5xx, on
both databases and both setups. Exits non-zero if it is broken. Loopback only, bounded in
count and time.

Run: .venv/bin/python bench/load_residents.py [RESIDENTS] [AT_ONCE] [--two-servers]
(--two-servers: only the two-server rooms).
PostgreSQL: BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
the bench makes and drops a database of its own there. Redis: BENCH_REDIS_URL (default
redis://127.0.0.1:6379), under a key prefix of the run's own, deleted afterwards.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import OperationalError

from tests.residents import Tally, count_stored, prepare_database, run_room
from tests.server import serve, serve_several

WORKERS = 4
POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")


@contextmanager
def postgres_database(name: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database, dropped afterwards; None when none can be reached."""
    url = make_url(POSTGRES)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        print(f"PostgreSQL: not reachable at {url.render_as_string()} ({error.orig})")
        yield None
        return
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def room(url: str, folder: Path, kill: bool, residents: int, at_once: int) -> Tally:
    """One room of residents on a fresh meeting; what it saw and what was stored."""
    code = prepare_database(url, "Romme" if kill else "Hagalund")
    log = folder / f"gunicorn-{'kill' if kill else 'baseline'}.log"
    with serve(url, workers=WORKERS, log=log) as server:
        tally = run_room(
            server, code, residents, at_once, kill_after=residents // 3 if kill else None, logins=20
        )
    return checked(url, code, tally, [log])


def two_servers_room(
    url: str, folder: Path, kill: bool, residents: int, at_once: int, prefix: str
) -> Tally:
    """One room spread over two app servers sharing the database and Redis; with `kill`, the
    first server dies whole a third of the way through."""
    # Districts of their own: the rooms on one server hold the others' hour in this database.
    code = prepare_database(url, "Domnarvet" if kill else "Gylle")
    logs = folder / f"two-servers-{'kill' if kill else 'baseline'}"
    logs.mkdir()
    env = {
        "FEEDBACK_RATELIMIT_STORAGE_URI": REDIS,
        "FEEDBACK_RATELIMIT_KEY_PREFIX": prefix,
        "FEEDBACK_PROXY_FIX": "1",
    }
    with serve_several(url, 2, env=env, workers=WORKERS // 2, logs=logs) as servers:
        tally = run_room(
            servers,
            code,
            residents,
            at_once,
            kill_after=residents // 3 if kill else None,
            logins=20,
            kill=servers[0].kill,
        )
    return checked(url, code, tally, sorted(logs.iterdir()))


def checked(url: str, code: str, tally: Tally, logs: list[Path]) -> Tally:
    """The tally with what the database stored, broken if a server logged a traceback."""
    count_stored(url, code, tally)
    for log in logs:
        written = log.read_text()
        if "Traceback" in written:
            print(f"  tracebacks in {log}:\n{written}")
            tally.statuses[599] += 1  # counts as broken
    return tally


def broken(tally: Tally) -> bool:
    """Whether a room broke the promise."""
    return bool(
        tally.acknowledged != tally.residents
        or tally.lost
        or tally.doubled
        or tally.server_errors
        or tally.stored != tally.residents
        or tally.logged_in != tally.logins
    )


def two_servers(
    url: str, folder: Path, residents: int, at_once: int, one_server: Tally | None
) -> bool:
    """The two-server rooms, undisturbed and with one server killed; whether they broke.

    `one_server` is PostgreSQL's baseline on one server with all the workers, when it ran.
    """
    prefix = f"bench-two-servers-{secrets.token_hex(4)}"
    client = redis.Redis.from_url(REDIS)
    print(
        f"PostgreSQL and Redis, two app servers: {residents} residents, {at_once} at once, "
        f"{WORKERS // 2} workers each"
    )
    try:
        baseline = two_servers_room(url, folder, False, residents, at_once, prefix)
        print(f"  baseline:        {baseline.line()}")
        killed = two_servers_room(url, folder, True, residents, at_once, prefix)
        print(f"  a server killed: {killed.line()}")
        print(f"  time ratio:      {killed.seconds / baseline.seconds:.2f}x the baseline")
        if one_server is not None:
            ratio = baseline.seconds / one_server.seconds
            print(f"  two against one: {ratio:.2f}x one server's baseline with {WORKERS} workers")
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()
    return broken(baseline) or broken(killed)


def main() -> None:
    """Run the baseline and the killed room on SQLite, PostgreSQL and two app servers; print
    the figures."""
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    only_two_servers = "--two-servers" in sys.argv[1:]
    residents = int(arguments[0]) if arguments else 200
    at_once = int(arguments[1]) if len(arguments) > 1 else 40
    failed = False
    one_server = None
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with postgres_database("trygghetsdialog_bench_load") as postgres:
            databases = [
                ("SQLite", f"sqlite:///{folder / 'load.sqlite'}"),
                ("PostgreSQL", postgres),
            ]
            for label, url in [] if only_two_servers else databases:
                if url is None:
                    continue
                print(f"{label}: {residents} residents, {at_once} at once, {WORKERS} workers")
                baseline = room(url, folder, False, residents, at_once)
                print(f"  baseline:        {baseline.line()}")
                killed = room(url, folder, True, residents, at_once)
                print(f"  a worker killed: {killed.line()}")
                print(f"  time ratio:      {killed.seconds / baseline.seconds:.2f}x the baseline")
                failed = failed or broken(baseline) or broken(killed)
                if label == "PostgreSQL":
                    one_server = baseline
            if postgres is not None:
                failed = two_servers(postgres, folder, residents, at_once, one_server) or failed
    print("promise kept" if not failed else "PROMISE BROKEN")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
