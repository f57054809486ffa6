"""How much the response export costs over reading the same rows raw.

Builds a temporary SQLite database with N responses, then times, in the same run:
- the baseline: one SQL query over the same tables, written with csv.writer;
- the export: feedback.responses.response_rows -> export.Responses -> export.csv_text.
Prints both and their ratio; the target is an export within 5x of the raw baseline
(it formats times, neutralises every cell and spreads answers into columns; the raw query
does none of that).

Run: .venv/bin/python bench/export_throughput.py [N]
"""

from __future__ import annotations

import csv
import io
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

# config.py lives at the top of the repository, beside bench/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command
from sqlalchemy import insert, select, text

from feedback import create_app, db, questionnaire
from feedback.cli import migrating
from feedback.export import Responses, csv_text
from feedback.meetings import MeetingFields, create_meeting
from feedback.models import Answer, Response
from feedback.responses import response_rows

TARGET_RATIO = 5.0


def seed(n: int) -> None:
    """N responses with three answers each, in two districts."""
    session = db.session()
    meetings = [
        create_meeting(session, MeetingFields(name, date(2019, 2, 21), *_hours(), "Plats", None))
        for name in ("Hagalund", "Romme")
    ]
    for start in range(0, n, 10_000):
        keys = [f"bench-{i}" for i in range(start, min(n, start + 10_000))]
        session.execute(
            insert(Response),
            [
                {
                    "meeting_id": meetings[i % 2].id,
                    "questionnaire_version": 1,
                    "submission_key": key,
                    "channel": "qr",
                    "language": "sv",
                    "is_demo": True,
                }
                for i, key in enumerate(keys)
            ],
        )
        ids = session.scalars(select(Response.id).where(Response.submission_key.in_(keys)))
        session.execute(
            insert(Answer),
            [
                {"response_id": i, "question_key": key, "value": value}
                for i in ids
                for key, value in (
                    ("safety_evening", "fairly_safe"),
                    ("problem_litter", "small"),
                    ("problem_lighting", "very_big"),
                )
            ],
        )
    session.commit()


def _hours() -> tuple[clock, clock]:
    return clock(18), clock(20)


def baseline() -> int:
    """Read the same rows with one query and write them with csv.writer; how many."""
    out = io.StringIO()
    writer = csv.writer(out)
    count = 0
    query = text(
        "SELECT r.id, r.submitted_at, d.name, m.code, m.starts_at, a.question_key, a.value "
        "FROM response r JOIN meeting m ON m.id = r.meeting_id "
        "JOIN district d ON d.id = m.district_id JOIN answer a ON a.response_id = r.id "
        "ORDER BY r.id"
    )
    for row in db.session().execute(query):
        writer.writerow(row)
        count += 1
        out.seek(0)
        out.truncate()
    return count


def export() -> int:
    """The real export, a line at a time; how many responses."""
    table = Responses()
    for _ in csv_text(table.table(response_rows(db.session())), "excel-sv"):
        pass
    return table.count


def timed(run: object) -> tuple[float, int]:
    """Seconds and result of the best of three runs."""
    best, result = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        result = run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
        db.session().rollback()
    return best, result


def main() -> None:
    """Build the database, time both, print the ratio."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            with migrating() as config:
                command.upgrade(config, "head")
            questionnaire.sync(db.session())
            seed(n)
            raw_seconds, raw_rows = timed(baseline)
            export_seconds, exported = timed(export)
            db.engine().dispose()
    ratio = export_seconds / raw_seconds
    print(f"baseline: {raw_rows:,} answer rows in {raw_seconds:.2f} s")
    print(f"export:   {exported:,} responses in {export_seconds:.2f} s")
    print(f"ratio:    {ratio:.2f}x the raw baseline (target <= {TARGET_RATIO}x)")
    sys.exit(0 if ratio <= TARGET_RATIO else 1)


if __name__ == "__main__":
    main()
