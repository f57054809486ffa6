"""How fast the response export runs against the database's own CSV output, in one run.

Builds a temporary SQLite database with N demo responses (`demo.seed_many`: about nine
answers each), then times:
- the baseline: `sqlite3 -csv` over the same join (responses, meetings, districts, answers);
- the export: feedback.responses.response_rows -> export.Responses -> export.csv_text, as the
  web and CLI exports run it (times in Stockholm time, every cell neutralised, answers spread
  into columns).
Prints responses per second for both and their ratio (target: >= 0.5x), and beside them the
XLSX export's rate (one run: it is slow). Needs Debian's `sqlite3`. With BENCH_DATABASE_URL
set, the same on PostgreSQL against psql's copy command over the same join.

Run: .venv/bin/python bench/export_throughput.py [N]
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command
from sqlalchemy import make_url

from feedback import create_app, db, demo, questionnaire
from feedback.cli import migrating
from feedback.export import Responses, chunks, codebook_rows, csv_text, xlsx
from feedback.responses import response_rows
from tests.server import postgres_database

TARGET_RATIO = 0.5
JOIN = (
    "SELECT r.id, r.submitted_at, d.name, m.code, m.starts_at, r.questionnaire_version, "
    "r.channel, r.language, a.question_key, a.value "
    "FROM response r JOIN meeting m ON m.id = r.meeting_id "
    "JOIN district d ON d.id = m.district_id JOIN answer a ON a.response_id = r.id "
    "ORDER BY r.id"
)


def export() -> int:
    """The real export, as the web and the CLI write it; how many responses."""
    table = Responses()
    for _ in csv_text(table.table(response_rows(db.session())), "excel-sv"):
        pass
    return table.count


def workbook() -> int:
    """The XLSX export with its codebook sheet, as the web writes it; how many responses."""
    table = Responses()
    book = xlsx(table.table(response_rows(db.session())), codebook_rows(["sv", "en"], 5))
    for _ in chunks(book):
        pass
    return table.count


def best_of_three(*runs: Callable[[], object]) -> list[float]:
    """The shortest of three runs of each, in seconds; taken in turns, so that a slower spell
    of a shared machine falls on both sides of a ratio alike."""
    best = [float("inf")] * len(runs)
    for _ in range(3):
        for i, run in enumerate(runs):
            started = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - started)
    return best


def measure(url: str, n: int, raw: list[str]) -> bool:
    """Seed one database, time the raw command and the export; print; whether on target."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        with migrating() as config:
            command.upgrade(config, "head")
        questionnaire.sync(db.session())
        app.test_cli_runner().invoke(args=["seed", "borlange"])
        demo.seed_many(db.session(), questionnaire.current(), 2019, n, random.Random(1))
        db.session().commit()
        raw_seconds, export_seconds = best_of_three(
            lambda: subprocess.run(raw, check=True, stdout=subprocess.DEVNULL), export
        )
        started = time.perf_counter()
        workbook()
        xlsx_seconds = time.perf_counter() - started
        db.engine().dispose()
    ratio = raw_seconds / export_seconds
    print(f"baseline: {raw[0]}, {n / raw_seconds:,.0f} responses/s ({raw_seconds:.2f} s)")
    print(f"export:   {n / export_seconds:,.0f} responses/s ({export_seconds:.2f} s)")
    print(f"ratio:    {ratio:.2f}x the baseline's speed (target >= {TARGET_RATIO}x)")
    print(f"xlsx:     {n / xlsx_seconds:,.0f} responses/s ({xlsx_seconds:.2f} s, one run)")
    return ratio >= TARGET_RATIO


def main() -> None:
    """Measure SQLite (and PostgreSQL when configured); exit non-zero off target."""
    if shutil.which("sqlite3") is None:
        sys.exit("export_throughput needs the sqlite3 command: apt-get install sqlite3")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    on_target = True
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        print(f"SQLite, {n:,} responses:")
        on_target &= measure(f"sqlite:///{path}", n, ["sqlite3", "-csv", str(path), JOIN])
    postgres = os.environ.get("BENCH_DATABASE_URL")
    if postgres:
        with postgres_database(postgres, "trygghetsdialog_bench_export") as url:
            plain = make_url(url).set(drivername="postgresql").render_as_string(False)
            print(f"PostgreSQL, {n:,} responses:")
            copy = f"\\copy ({JOIN}) to stdout with csv"
            on_target &= measure(url, n, ["psql", plain, "-q", "-c", copy])
    sys.exit(0 if on_target else 1)


if __name__ == "__main__":
    main()
