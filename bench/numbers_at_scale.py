"""Staff numbers at the size of a police region: pages and the API against the bare GROUP BY.

For each size (100,000 and 1,000,000 responses by default) and each database (SQLite, and
PostgreSQL when BENCH_DATABASE_URL is set), in the same run:
- the baseline: one GROUP BY query that counts every answer code per meeting, as the reports do;
- the overview, a district page, the municipality basis, /api/v1/indicators and the aggregates
  export, each requested once through the app (in-process, as a worker would answer it).
Prints seconds, the ratio to the baseline (target <= 3x), the process's peak memory (target
<= 150 MB) and the growth from the first size to the last. Loopback only.

Run: .venv/bin/python bench/numbers_at_scale.py [N ...]
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command
from sqlalchemy import text

from feedback import create_app, db, demo, questionnaire
from feedback.cli import migrating
from feedback.meetings import list_districts
from feedback.users import create_user
from tests.server import postgres_database

TARGET_RATIO = 3.0
TARGET_MB = 150
EMAIL, PASSWORD = "bench@example.se", "bench-lösenord-1234"
# The same count as the reports, written by hand: every answer knows its meeting, so no join;
# answer codes only, so the database reads its counting index (ix_answer_code) alone.
BARE = text(
    "SELECT meeting_id, question_key, value, count(*) FROM answer "
    "WHERE length(value) <= 64 GROUP BY meeting_id, question_key, value"
)


def peak_mb() -> int:
    """The peak resident memory of this process so far, in MB (VmHWM: getrusage's maxrss
    would carry over the parent's peak, the seed's, across fork and exec)."""
    status = Path("/proc/self/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    return int(kilobytes) // 1024


def prepare(url: str, n: int) -> None:
    """Migrate, load Borlänge's schedule and N demo responses over two years."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        with migrating() as config:
            command.upgrade(config, "head")
        session = db.session()
        questionnaire.sync(session)
        app.test_cli_runner().invoke(args=["seed", "borlange"])
        create_user(session, EMAIL, PASSWORD, "admin")
        demo.seed_many(session, questionnaire.current(), 2019, n, random.Random(2019))
        session.commit()
        db.engine().dispose()


def measure(url: str) -> list[tuple[str, float]]:
    """Seconds for the baseline and each output."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
    client = app.test_client()
    with app.app_context():
        district = list_districts(db.session())[0].id
        started = time.perf_counter()
        db.session().execute(BARE).all()
        results = [("bare GROUP BY", time.perf_counter() - started)]
        db.session().rollback()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    for label, path in [
        ("overview", "/staff/overview?year=2019"),
        ("district page", f"/staff/districts/{district}?year=2019"),
        ("municipality basis", "/staff/basis?year=2019"),
        ("API indicators", "/api/v1/indicators"),
        ("aggregates export", "/staff/export/aggregates.csv"),
    ]:
        started = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
        results.append((label, seconds))
    return results


@contextmanager
def databases(folder: Path, n: int) -> Iterator[list[tuple[str, str]]]:
    """The databases to measure at one size: SQLite, and PostgreSQL when configured."""
    found = [("SQLite", f"sqlite:///{folder / f'scale-{n}.sqlite'}")]
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if not postgres:
        yield found
        return
    with postgres_database(postgres, f"trygghetsdialog_scale_{n}") as url:
        yield [*found, ("PostgreSQL", url)]


def report(label: str, url: str, n: int, first: dict[tuple[str, str], float]) -> bool:
    """Seed one database, measure it in a process of its own, print; whether a target broke."""
    started = time.perf_counter()
    prepare(url, n)
    print(f"{label}, {n:,} responses (seeded in {time.perf_counter() - started:.0f} s):")
    # In a process of its own: its peak memory is a worker's, not the seed's.
    command = [sys.executable, __file__, "--measure", url]
    measured = json.loads(
        subprocess.run(command, capture_output=True, text=True, check=True).stdout
    )
    results, memory = measured["results"], measured["peak_mb"]
    bare = results[0][1]
    broken = memory > TARGET_MB
    for what, seconds in results:
        growth = ""
        if (label, what) in first:
            growth = f", {seconds / first[(label, what)]:.1f}x the time at the first size"
        first.setdefault((label, what), seconds)
        broken |= what != "bare GROUP BY" and seconds / bare > TARGET_RATIO
        print(f"  {what:20} {seconds:7.2f} s  {seconds / bare:5.2f}x baseline{growth}")
    print(f"  peak memory of the process: {memory} MB (target <= {TARGET_MB} MB)")
    return broken


def main() -> None:
    """Measure every size and database; print the figures, ratios and growth."""
    if sys.argv[1:2] == ["--measure"]:
        print(json.dumps({"results": measure(sys.argv[2]), "peak_mb": peak_mb()}))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    first: dict[tuple[str, str], float] = {}
    broken = False
    with tempfile.TemporaryDirectory() as name:
        for n in sizes:
            with databases(Path(name), n) as found:
                for label, url in found:
                    broken |= report(label, url, n, first)
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
