"""200 residents answering at once, against gunicorn with the shipped config, a worker killed.

For each database (the default SQLite file, and PostgreSQL when it can be reached), in the
same run:
- the baseline: the room of residents against an undisturbed server;
- the run: the same room with one worker SIGKILLed mid-run.
Each prints acknowledged / stored / lost / doubled / 5xx, and the run's time as a ratio of
the baseline's. The promise: every resident acknowledged, 0 lost, 0 doubled, 0 5xx, on
both databases. Exits non-zero if it is broken. Loopback only, bounded in count and time.

Run: .venv/bin/python bench/load_residents.py [RESIDENTS] [AT_ONCE]
PostgreSQL: BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
the bench makes and drops a database of its own there.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import OperationalError

from tests.residents import Tally, count_stored, prepare_database, run_room
from tests.server import serve

WORKERS = 4
POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


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
    count_stored(url, code, tally)
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


def main() -> None:
    """Run the baseline and the killed room on SQLite and PostgreSQL; print the figures."""
    residents = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    at_once = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    failed = False
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with postgres_database("trygghetsdialog_bench_load") as postgres:
            databases = [
                ("SQLite", f"sqlite:///{folder / 'load.sqlite'}"),
                ("PostgreSQL", postgres),
            ]
            for label, url in databases:
                if url is None:
                    continue
                print(f"{label}: {residents} residents, {at_once} at once, {WORKERS} workers")
                baseline = room(url, folder, False, residents, at_once)
                print(f"  baseline:        {baseline.line()}")
                killed = room(url, folder, True, residents, at_once)
                print(f"  a worker killed: {killed.line()}")
                print(f"  time ratio:      {killed.seconds / baseline.seconds:.2f}x the baseline")
                failed = failed or broken(baseline) or broken(killed)
    print("promise kept" if not failed else "PROMISE BROKEN")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
