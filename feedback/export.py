"""Exports for analysts: responses as CSV or XLSX, the codebook, and the aggregate numbers.

Every text cell that a spreadsheet would run as a formula is neutralised, headers and labels
included. CSV comes in two dialects: `rfc4180` (comma, UTF-8, no BOM) and `excel-sv`
(semicolon, UTF-8 with BOM, decimal comma), which Swedish Excel opens correctly. Both end lines
with CRLF. Everything streams a row at a time, so an export of any size runs in constant memory.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import chain
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from feedback import disclosure
from feedback.meetings import local
from feedback.questionnaire import Questionnaire, column_keys, versions
from feedback.reports import Aggregate
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
AGGREGATE_COLUMNS = [
    "district",
    "year",
    "meeting_code",
    "meeting_date",
    "indicator",
    "label",
    "n",
    "share",
    "ci_low",
    "ci_high",
    "suppressed",
    "denominator",
    "caveat",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = frozenset("=+-@\t\r")


def neutralise(value: str) -> str:
    """Make a cell inert in spreadsheets by quoting a leading formula character."""
    return "'" + value if value and value[0] in _FORMULA_STARTS else value


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written."""

    delimiter: str
    bom: bool
    decimal_comma: bool


DIALECTS = {
    "rfc4180": Dialect(delimiter=",", bom=False, decimal_comma=False),
    "excel-sv": Dialect(delimiter=";", bom=True, decimal_comma=True),
}


def _text(value: object, dialect: Dialect) -> str:
    """A cell as text: numbers in the dialect's decimals, text neutralised."""
    if type(value) is str:  # most cells: checked first
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if dialect.decimal_comma else text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


def csv_text(rows: Iterable[Sequence[object]], dialect_name: str = "rfc4180") -> Iterator[str]:
    """Rows of cells as CSV text, a hundred lines at a time."""
    dialect = DIALECTS[dialect_name]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    if dialect.bom:
        yield "\ufeff"
    starts, text = _FORMULA_STARTS, _text  # looked up once, not once per cell
    for number, row in enumerate(rows, 1):
        # Text that starts harmlessly (most cells) and whole numbers are written as they are;
        # the rest goes to _text.
        writer.writerow(
            [
                value
                if (type(value) is str and (not value or value[0] not in starts))
                or type(value) is int
                else text(value, dialect)
                for value in row
            ]
        )
        if number % 100 == 0:  # a hundred lines to a chunk: fewer, larger writes
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


class Responses:
    """The response export: one row per response, one column per question key."""

    def __init__(
        self, labels: str | None = None, place_names: Mapping[str, str] | None = None
    ) -> None:
        """Code values by default; with a language code, answer labels in that language, and
        places by their names (`place_names`: number to name)."""
        self.labels = labels
        self.place_names = place_names or {}
        self.keys = column_keys()
        self.count = 0

    def header(self) -> list[str]:
        """The column names."""
        return FIXED_COLUMNS + self.keys

    def values(self, row: ResponseRow) -> list[object]:
        """One response's cells, typed: numbers, dates and text."""
        self.count += 1
        return [
            row.response_id,
            local(row.submitted_at).replace(tzinfo=None),
            row.district,
            row.meeting_code,
            row.meeting_date,
            row.questionnaire_version,
            row.channel,
            row.language,
            *self._answers(row),
        ]

    def _answers(self, row: ResponseRow) -> list[str]:
        """The answers in column order: codes, or labels when asked for."""
        found = row.answers.get
        if not self.labels:
            return [found(key, "") for key in self.keys]
        return [self._label(row, key, found(key, ""), self.labels) for key in self.keys]

    def _label(self, row: ResponseRow, key: str, value: str, language: str) -> str:
        if value:
            questionnaire = versions().get(row.questionnaire_version)
            if questionnaire is not None and key in {q.key for q in questionnaire.questions}:
                question = questionnaire.question(key)
                if question.kind == "choice":
                    return question.option_label(value, language)
                if question.is_multiple:  # several codes; places by name
                    return "; ".join(
                        self.place_names.get(code) or question.option_label(code, language)
                        for code in value.split()
                    )
        return value

    def table(self, rows: Iterable[ResponseRow]) -> Iterator[list[object]]:
        """The header, then a row per response."""
        yield self.header()  # type: ignore[misc]
        for row in rows:
            yield self.values(row)


def column_codebook(columns: Mapping[str, object]) -> Iterator[list[object]]:
    """What each column of a table's export holds (places, findings, actions), for its codebook."""
    yield ["column", "description"]
    for column, description in columns.items():
        yield [column, str(description)]


def codebook_rows(languages: Sequence[str], min_n: int) -> Iterator[list[object]]:
    """Every question and answer code of every version, wording per language; then every
    indicator (kind "indicator": its key as the code, the codes it counts, its denominator)."""
    yield [
        "questionnaire_version",
        "question_key",
        "kind",
        "required",
        *(f"question_{lang}" for lang in languages),
        "code",
        *(f"label_{lang}" for lang in languages),
        "counts_codes",
        "note",
    ]
    caveat = disclosure.caveat(min_n)
    for version, questionnaire in versions().items():
        for question in questionnaire.questions:
            first = [version, question.key, question.kind, question.required]
            wording = [question.label(lang) for lang in languages]
            if not question.options:
                yield [*first, *wording, "", *("" for _ in languages), "", ""]
            for option in question.options:
                labels = [option.label(lang) for lang in languages]
                yield [*first, *wording, option.code, *labels, "", ""]
        for i in questionnaire.indicators:
            first = [version, i.question_key, "indicator", ""]
            wording = [questionnaire.question(i.question_key).label(lang) for lang in languages]
            labels = [questionnaire.indicator_label(i, lang) for lang in languages]
            note = f"Nämnare: {i.denominator()} {caveat}"
            yield [*first, *wording, i.key, *labels, " ".join(sorted(i.codes)), note]


def codebook_json(languages: Sequence[str], min_n: int) -> str:
    """The codebook as JSON: versions, questions, codes and labels per language."""

    def labels(text: Any) -> dict[str, str]:
        return {lang: text(lang) for lang in languages}

    data = {
        "caveat": disclosure.caveat(min_n),
        "versions": [
            {
                "version": version,
                "questions": [
                    {
                        "key": q.key,
                        "kind": q.kind,
                        "required": q.required,
                        "label": labels(q.label),
                        "options": [{"code": o.code, "label": labels(o.label)} for o in q.options],
                    }
                    for q in questionnaire.questions
                ],
                "indicators": [
                    {
                        "key": i.key,
                        "question": i.question_key,
                        "codes": sorted(i.codes),
                        "label": labels(i.label),
                        "denominator": labels(i.denominator),
                    }
                    for i in questionnaire.indicators
                ],
            }
            for version, questionnaire in versions().items()
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def aggregate_rows(
    aggregates: Iterable[Aggregate], questionnaire: Questionnaire, min_n: int
) -> Iterator[list[object]]:
    """The aggregate numbers, a row per district × year (or meeting) × indicator.

    Every row says what its share is a share of, and how the numbers may be read: a file
    that travels on its own must carry its caveat, in a column that every CSV reader keeps.
    """
    yield list(AGGREGATE_COLUMNS)
    caveat = disclosure.caveat(min_n)
    for a in aggregates:
        yield [
            a.district,
            a.year,
            a.meeting_code,
            a.meeting_date,
            a.indicator.key,
            questionnaire.indicator_label(a.indicator),
            a.n,
            a.share,
            a.low,
            a.high,
            a.suppressed,
            a.indicator.denominator(),
            caveat,
        ]


def region_rows(
    aggregates: Sequence[Aggregate],
    questionnaire: Questionnaire,
    min_n: int,
    organisations: Mapping[int, str],
) -> Iterator[list[object]]:
    """The aggregate rows of several organisations, each led by its organisation's slug
    (`organisations`: district id to slug), since two municipalities may name a district
    alike."""
    rows = aggregate_rows(aggregates, questionnaire, min_n)
    yield ["organisation", *next(rows)]
    for found, row in zip(aggregates, rows, strict=True):
        yield [organisations[found.district_id], *row]


def xlsx(
    data: Iterable[Sequence[object]], codebook: Iterable[Sequence[object]], title: str = "Svar"
) -> tempfile.SpooledTemporaryFile[bytes]:
    """A workbook with a data sheet (`title`) and a codebook sheet, written row by row
    (openpyxl's write-only mode); dates and numbers stay real Excel values."""
    book = Workbook(write_only=True)
    for name, rows in ((title, data), ("Kodbok", codebook)):
        _sheet(book.create_sheet(name), iter(rows))
    # The caller streams and closes it (see chunks).
    out: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
        max_size=8 * 1024 * 1024
    )
    book.save(out)
    out.seek(0)
    return out


# Column widths in characters: what a date, a time or a short text needs to show whole.
WIDTH_MIN, WIDTH_MAX = 8, 50
_WIDTHS: dict[type, int] = {datetime: 19, date: 11}


def _sheet(sheet: WriteOnlyWorksheet, rows: Iterator[Sequence[object]]) -> None:
    """One sheet ready to read: a bold, frozen header row with a filter, and columns as wide
    as the header and the first row need (the rest streams: write-only sheets set widths
    before their first row)."""
    header = next(rows, None)
    if header is None:
        return
    first = next(rows, None)
    for i, name in enumerate(header, start=1):
        value = first[i - 1] if first is not None and i <= len(first) else ""
        needed = _WIDTHS.get(type(value), len(str(value)))
        width = min(max(len(str(name)), needed, WIDTH_MIN) + 2, WIDTH_MAX)
        # Write-only sheets have these from Worksheet._setup; openpyxl's stubs leave them out.
        sheet.column_dimensions[get_column_letter(i)].width = width  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, bold) for name in header])
    count = 1
    for row in chain([first] if first is not None else [], rows):
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count}"  # type: ignore[attr-defined]


def _cell(sheet: WriteOnlyWorksheet, value: object, font: Font | None = None) -> object:
    """An XLSX cell: numbers, dates and booleans as themselves, text neutralised."""
    if isinstance(value, str):
        # openpyxl would also store a leading "=" as a formula; the quote keeps it text.
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=datetime.combine(value, time()))
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def chunks(file: Any, size: int = 64 * 1024) -> Iterator[bytes]:
    """A file's bytes in chunks, closing it at the end."""
    with file:
        while chunk := file.read(size):
            yield chunk


def questionnaire_languages(questionnaire: Questionnaire) -> list[str]:
    """The languages a questionnaire has labels in, Swedish first."""
    found = {lang for q in questionnaire.questions for lang in q.labels}
    return ["sv", *sorted(found - {"sv"})]
