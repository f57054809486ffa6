"""The survey's speed against a bare Flask app, both under the shipped gunicorn configuration.

In one run, with wrk on loopback (16 connections, DURATION seconds per figure):
- the baseline: bench/hello.py, a Flask app that answers "hello", requests per second;
- the ceiling: the same app's GET followed by a POST that commits one row to SQLite
  (bench/store.lua), pairs per second: no submission that stores its answers can be faster;
- per database (SQLite, and PostgreSQL when reachable): the app's floor (its icon, served
  from memory through every hook the app runs), survey GETs per second, and full submissions
  (GET, then POST with the form's token and key) stored per second.
Each prints its ratio to the baseline and the target (0.5× for GETs, 0.3× for submissions).
Needs Debian's `wrk`. Bounded in time: about DURATION × 5 seconds plus start-ups.

Run: .venv/bin/python bench/survey_throughput.py [DURATION]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select

from bench.load_residents import postgres_database
from feedback.models import Response
from tests.residents import prepare_database
from tests.server import serve

WORKERS = 4
CONNECTIONS = 16
HERE = Path(__file__).resolve().parent


def wrk(url: str, seconds: int, script: Path | None = None, path: str = "") -> float:
    """Requests per second that wrk measured; fails on errors or non-2xx/3xx answers."""
    threads = CONNECTIONS if script else 2
    command = ["wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{seconds}s", url]
    if script:
        command[1:1] = ["-s", str(script)]
    result = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, "SURVEY_PATH": path}
    )
    out = result.stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        raise RuntimeError(f"wrk saw failures:\n{out}")
    found = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    assert found, out
    return float(found.group(1))


def stored(url: str) -> int:
    """How many responses a database holds."""
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Response)) or 0
    engine.dispose()
    return count


def survey(url: str, folder: Path, seconds: int) -> tuple[float, float, float]:
    """The app's floor (its icon, from memory), survey GETs per second, and submissions stored
    per second, on one database."""
    code = prepare_database(url)
    path = f"/q/{code}"
    with serve(url, workers=WORKERS, log=folder / "survey.log") as server:
        floor = wrk(f"{server.base_url}/favicon.ico", seconds)
        gets = wrk(f"{server.base_url}{path}", seconds)
        before = stored(url)
        wrk(server.base_url, seconds, HERE / "submit.lua", path)
        submissions = (stored(url) - before) / seconds
    return floor, gets, submissions


def main() -> None:
    """Measure the baseline and each database; print the figures and their ratios."""
    if shutil.which("wrk") is None:
        sys.exit("survey_throughput needs wrk: apt-get install wrk")
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        sqlite = f"sqlite:///{folder / 'bench.sqlite'}"
        prepare_database(sqlite)
        with serve(
            sqlite, workers=WORKERS, log=folder / "hello.log", app="bench.hello:app"
        ) as hello:
            baseline = wrk(f"{hello.base_url}/", seconds)
            # Each connection alternates GET and POST: two requests per pair.
            ceiling = wrk(hello.base_url, seconds, HERE / "store.lua") / 2
        print(f"baseline: bare Flask 'hello', {WORKERS} workers: {baseline:,.0f} req/s")
        print(
            f"ceiling: bare Flask GET + POST storing one row in SQLite {ceiling:,.1f}/s = "
            f"{ceiling / baseline:.3f}×, what any survey that stores its answers could reach"
        )
        rows = [("SQLite", sqlite)]
        with postgres_database("trygghetsdialog_bench_survey") as postgres:
            if postgres:
                rows.append(("PostgreSQL", postgres))
            for label, url in rows:
                if label == "SQLite":
                    url = f"sqlite:///{folder / 'survey.sqlite'}"
                floor, gets, submissions = survey(url, folder, seconds)
                print(
                    f"{label}: the app's floor (/favicon.ico from memory, every hook run) "
                    f"{floor:,.0f} req/s = {floor / baseline:.3f}×; survey GET "
                    f"{gets:,.0f} req/s = {gets / baseline:.3f}× (target 0.5×); "
                    f"submissions {submissions:,.1f}/s = {submissions / baseline:.3f}× "
                    "(target 0.3×)"
                )


if __name__ == "__main__":
    main()
