"""Read the meeting schedules that municipalities publish for their citizen dialogues.

The texts are typed by hand and often OCR'd from web pages, so the parser is lenient: it finds
every meeting it can, corrects what it can explain, and reports in Swedish what a person should
check. It never raises; a line it cannot read becomes a row with warnings instead.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip
_MONTH_NUMBERS = {name: number for number, name in enumerate(_MONTHS, start=1)} | {
    "jan": 1, "feb": 2, "febr": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_WEEKDAY = r"(?:mån|tis|ons|tors|fre|lör|sön)dag(?:en)?"
# Longest names first, so that "september" is not cut short as "sep".
_MONTH = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
# [0-9] rather than \d: \d also accepts other scripts' digits, which no schedule uses.
_HEAD = re.compile(
    rf"(?:\b(?P<weekday>{_WEEKDAY})\b[\s,]*)?(?:\bden\s+)?(?P<date>"
    r"(?<![0-9/])(?P<day>[0-9]{1,2})/(?P<month>[0-9]{1,2})(?![0-9/])"
    rf"|(?<![0-9])(?P<mday>[0-9]{{1,2}})\.?\s*(?P<mname>{_MONTH})\b\.?"
    r")?",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?P<kl>\b(?:klockan|kl)\.?\s*)?"
    r"(?<![0-9/:])(?<![0-9]\.)(?P<h1>[0-9]{1,2})(?:[.:](?P<m1>[0-9]{2}))?"
    r"(?:\s*[-–—]\s*(?P<h2>[0-9]{1,2})(?:[.:](?P<m2>[0-9]{2}))?)?(?![0-9/])",
    re.IGNORECASE,
)
_NUMBER_PAIR = re.compile(r"[0-9]+\s*/\s*[0-9]+")
_WORD = re.compile(r"[^\W\d_]+")
# "samling" starts the place even where the writer forgot the comma before it.
_PART_BREAK = re.compile(r"\s*,\s*|\s+(?=samling\b)", re.IGNORECASE)
_PLACE_INTRO = re.compile(r"^(?:samling\b[\s:]*)?(?:vid\b\s*)?", re.IGNORECASE)
_FUZZY_MAX_LENGTH = 60  # difflib is quadratic; real district names are far shorter


class Concern(str):
    """A warning for a person to check, and the field of the row it concerns (`day`, `start`,
    `end`, `district`, `place` or `address`); it is its text wherever text will do."""

    field: str

    def __new__(cls, text: str, field: str) -> Concern:
        concern = super().__new__(cls, text)
        concern.field = field
        return concern


@dataclass
class ParsedMeeting:
    """One meeting read from a schedule text, with what a person should check."""

    source: str
    date: datetime.date | None
    weekday_matches: bool | None
    start: datetime.time | None
    end: datetime.time | None
    district: str | None
    place: str | None
    address: str | None
    warnings: list[Concern]

    def as_json(self) -> dict[str, object]:
        """Return the row as JSON-ready values: ISO date, 'HH:MM' times, null where missing."""
        return {
            "date": self.date.isoformat() if self.date else None,
            "weekday_matches": self.weekday_matches,
            "start": self.start.strftime("%H:%M") if self.start else None,
            "end": self.end.strftime("%H:%M") if self.end else None,
            "district": self.district,
            "place": self.place,
            "address": self.address,
            "warnings": list(self.warnings),
            "source": self.source,
        }


def parse_schedule(
    text: str,
    year: int,
    known_districts: Iterable[str] = (),
    known_places: Iterable[str] = (),
) -> list[ParsedMeeting]:
    """Every meeting in the text, in order, plus a warning row for each line it could not read."""
    lexicon = _Lexicon(text, known_districts, known_places)
    return [meeting for line in text.splitlines() for meeting in _parse_line(line, year, lexicon)]


def _ocr_key(word: str) -> str:
    # OCR reads 'rn' as 'm'; spellings that differ only so share a key.
    return word.casefold().replace("rn", "m")


def _rn_count(word: str) -> int:
    return word.casefold().count("rn")


class _Lexicon:
    """The district names and words that OCR slips are corrected towards."""

    def __init__(self, text: str, districts: Iterable[str], places: Iterable[str]) -> None:
        self.districts = {" ".join(name.split()).casefold(): name for name in districts}
        by_ocr_key = {_ocr_key(folded): name for folded, name in self.districts.items()}
        self.district_lookup = by_ocr_key | self.districts
        names = [*self.districts.values(), *places]
        self.trusted = {word.casefold() for name in names for word in _WORD.findall(name)}
        # A correct spelling elsewhere in the same text is evidence too: the seed misreads
        # "Kvarnforsplan" on one line and spells it right on a later one.
        self.spellings: dict[str, str] = {}
        for word in [*_WORD.findall(" ".join(names)), *_WORD.findall(text)]:
            key = _ocr_key(word)
            if _rn_count(word) > _rn_count(self.spellings.get(key, "")):
                self.spellings[key] = word

    def district(self, name: str, warnings: list[Concern]) -> str | None:
        """The canonical known district that name stands for, if any."""
        name = " ".join(name.split())
        lookup = self.district_lookup
        keys = (name.casefold(), _ocr_key(name))
        match = next((lookup[key] for key in keys if key in lookup), None)
        if match is None and len(name) <= _FUZZY_MAX_LENGTH:
            close = [hit for key in keys for hit in difflib.get_close_matches(key, lookup, 1, 0.85)]
            match = lookup[close[0]] if close else None
        if match is not None and match.casefold() != name.casefold():
            warnings.append(Concern(f"Tolkade '{name}' som '{match}'.", "district"))
        return match

    def fix_words(self, text: str, warnings: list[Concern], field: str) -> str:
        """Text with each 'm' misread for 'rn' restored where the vocabulary knows the word."""

        def fix(found: re.Match[str]) -> str:
            word = found.group()
            better = self.spellings.get(_ocr_key(word))
            if better is None or word.casefold() in self.trusted:
                return word
            if _rn_count(better) <= _rn_count(word):
                return word
            warnings.append(Concern(f"Tolkade '{word}' som '{better}'.", field))
            return better

        return _WORD.sub(fix, text)


def _parse_line(line: str, year: int, lexicon: _Lexicon) -> Iterator[ParsedMeeting]:
    # A weekday alone also starts an entry, so an entry with an unreadable date is reported
    # rather than swallowed by the meeting before it.
    heads = [
        head
        for head in _HEAD.finditer(line)
        if head.group("date") or (head.group("weekday") and line[head.end() :].strip())
    ]
    first = heads[0].start() if heads else len(line)
    if _looks_like_entry(line[:first]):
        yield _meeting(line[:first].strip(), None, line[:first], year, lexicon)
    if not heads:
        return
    ends = [head.start() for head in heads[1:]] + [len(line)]
    for head, end in zip(heads, ends, strict=True):
        source = line[head.start() : end].strip()
        yield _meeting(source, head, line[head.end() : end], year, lexicon)


def _looks_like_entry(text: str) -> bool:
    if _NUMBER_PAIR.search(text):
        return True
    return any(found.group("kl") or found.group("h2") for found in _TIME.finditer(text))


def _meeting(
    source: str, head: re.Match[str] | None, rest: str, year: int, lexicon: _Lexicon
) -> ParsedMeeting:
    warnings: list[Concern] = []
    date = None
    if head is not None and head.group("date"):
        date = _read_date(head, year, warnings)
    else:
        warnings.append(Concern(f"Kunde inte läsa ett datum i: '{source}'.", "day"))
    weekday_matches = _check_weekday(head.group("weekday") if head else None, date, warnings)
    start, end, description = _read_time(rest, warnings)
    district, place, address = _describe(description, lexicon, warnings)
    return ParsedMeeting(
        source=source,
        date=date,
        weekday_matches=weekday_matches,
        start=start,
        end=end,
        district=district,
        place=place,
        address=address,
        warnings=list(dict.fromkeys(warnings)),
    )


def _read_date(head: re.Match[str], year: int, warnings: list[Concern]) -> datetime.date | None:
    if head.group("day"):
        day, month = int(head.group("day")), int(head.group("month"))
    else:
        day, month = int(head.group("mday")), _MONTH_NUMBERS.get(head.group("mname").casefold(), 0)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        written = head.group("date").strip()
        warnings.append(Concern(f"Datumet '{written}' finns inte år {year}.", "day"))
        return None


def _check_weekday(
    written: str | None, date: datetime.date | None, warnings: list[Concern]
) -> bool | None:
    name = written.casefold().removesuffix("en") if written else None
    if name not in _WEEKDAYS or date is None:
        return None
    if _WEEKDAYS.index(name) == date.weekday():
        return True
    warnings.append(
        Concern(
            f"Veckodagen stämmer inte: {date.day} {_MONTHS[date.month - 1]} {date.year} "
            f"är en {_WEEKDAYS[date.weekday()]}, inte en {name}.",
            "day",
        )
    )
    return False


def _read_time(
    rest: str, warnings: list[Concern]
) -> tuple[datetime.time | None, datetime.time | None, str]:
    rest = rest.lstrip(" \t,:;")
    found = _find_time(rest)
    if found is None:
        warnings.append(Concern("Ingen mötestid hittades.", "start"))
        return None, None, rest
    start = _clock(found.group("h1"), found.group("m1"), warnings, "start")
    end = None
    if found.group("h2") is None:
        warnings.append(Concern("Ingen sluttid angiven.", "end"))
    else:
        end = _clock(found.group("h2"), found.group("m2"), warnings, "end")
    if start is not None and end is not None and end <= start:
        warnings.append(
            Concern(f"Sluttiden {end:%H:%M} är inte efter starttiden {start:%H:%M}.", "end")
        )
    return start, end, rest[: found.start()] + " " + rest[found.end() :]


def _find_time(rest: str) -> re.Match[str] | None:
    # Right after the date almost anything numeric is the time; further in, only an unmistakable
    # one is, so that an address such as "Storgatan 19-21" is not read as a time.
    found = _TIME.match(rest)
    if found and (found.group("kl") or found.group("h2") or found.group("m1")):
        return found
    for found in _TIME.finditer(rest):
        if found.group("kl") or (found.group("h2") and found.group("m1")):
            return found
    return None


def _clock(
    hour: str, minute: str | None, warnings: list[Concern], field: str
) -> datetime.time | None:
    try:
        return datetime.time(int(hour), int(minute or 0))
    except ValueError:
        warnings.append(Concern(f"Klockslaget {hour}.{minute or '00'} finns inte.", field))
        return None


def _describe(
    text: str, lexicon: _Lexicon, warnings: list[Concern]
) -> tuple[str | None, str | None, str | None]:
    parts = [" ".join(part.split()).strip(" .:;–—-") for part in _PART_BREAK.split(text)]
    parts = [part for part in parts if part]
    if not parts:
        warnings.append(Concern("Ingen kommundel eller plats angiven.", "district"))
        return None, None, None
    district = None
    # A part introduced by "samling" or "vid" is the meeting point, never the district.
    if _PLACE_INTRO.sub("", parts[0], count=1) == parts[0]:
        district = lexicon.district(parts[0], warnings)
        if district is not None:
            parts.pop(0)
        elif len(parts) > 1:
            district = lexicon.fix_words(parts.pop(0), warnings, "district")
            warnings.append(
                Concern(
                    f"Kommundelen '{district}' finns inte bland de kända och behöver bekräftas.",
                    "district",
                )
            )
    if district is None:
        warnings.append(
            Concern(f"Ingen känd kommundel hittades i '{', '.join(parts)}'.", "district")
        )
    rest = [
        lexicon.fix_words(
            _PLACE_INTRO.sub("", part, count=1),
            warnings,
            "address" if _has_digit(part) else "place",
        )
        for part in parts
    ]
    place = ", ".join(part for part in rest if part and not _has_digit(part)) or None
    address = ", ".join(part for part in rest if _has_digit(part)) or None
    return district, place, address


def _has_digit(text: str) -> bool:
    return any(char.isdigit() for char in text)
