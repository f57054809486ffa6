"""CSV export of responses: one row per response, one stable column per question key."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from feedback.meetings import local
from feedback.responses import ResponseRow

FIXED_COLUMNS = [
    "response_id",
    "submitted_at",
    "district",
    "meeting_code",
    "meeting_date",
    "questionnaire_version",
    "channel",
    "language",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Make a cell inert in spreadsheets by quoting a leading formula character."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def csv_lines(rows: Iterable[ResponseRow], question_keys: list[str]) -> Iterator[str]:
    """The CSV text, a line at a time, so that large exports stream in constant memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush(values: list[str]) -> str:
        writer.writerow([neutralise(v) for v in values])
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line

    yield flush(FIXED_COLUMNS + question_keys)
    for row in rows:
        yield flush(
            [
                str(row.response_id),
                local(row.submitted_at).isoformat(timespec="seconds"),
                row.district,
                row.meeting_code,
                row.meeting_date.isoformat(),
                str(row.questionnaire_version),
                row.channel,
                row.language,
                *(row.answers.get(key, "") for key in question_keys),
            ]
        )
