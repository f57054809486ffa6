"""The meeting schedule as an iCalendar (RFC 5545) feed, written by hand: no library needed.

Times go out in UTC (`...Z`), which every client converts to its own zone, so the feed needs no
VTIMEZONE. Text is escaped (3.3.11) and lines are folded at 75 octets without splitting a UTF-8
character (3.1); every line ends with CRLF.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from feedback.models import Meeting

PRODID = "-//Trygghetsdialog//SV"
UID_DOMAIN = "trygghetsdialog"
CRLF = "\r\n"
MAX_LINE_OCTETS = 75  # excluding the CRLF; a continuation line's leading space counts
NOTE = "Tiderna är preliminära."

# RFC 5545 allows no control characters in TEXT but HTAB (and newlines, written as \n);
# surrogates cannot be written in UTF-8 at all.
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_TEXT_SPECIALS = re.compile(r"[\\;,\n]")


def escape_text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 3.3.11; line breaks become \\n, other controls go."""
    value = _UNWRITABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _TEXT_SPECIALS.sub(lambda match: "\\n" if match[0] == "\n" else "\\" + match[0], value)


def fold(line: str) -> str:
    """A content line cut into physical lines of at most 75 octets, joined by CRLF and a space."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            # A continuation line starts with a space, which leaves one octet less for text.
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def text_line(name: str, value: str) -> str:
    """A property with an escaped TEXT value, folded and ended with CRLF."""
    return fold(f"{name}:{escape_text(value)}") + CRLF


def utc_stamp(moment: datetime) -> str:
    """An aware datetime as an RFC 5545 UTC DATE-TIME: 20190221T170000Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def summary(meeting: Meeting) -> str:
    """What a calendar shows as the event's title."""
    kind = "Trygghetsvandring" if meeting.is_walk else "Trygghetsdialog"
    return f"{kind} i {meeting.district.name}"


def location(meeting: Meeting) -> str:
    """Where the meeting is held: the place, and the address when known."""
    return f"{meeting.place}, {meeting.address}" if meeting.address else meeting.place


def description(meeting: Meeting, url: str) -> str:
    """The invitation in the event's notes, with the survey link and the caveat about times."""
    paragraphs = [
        f"Välkommen till en trygghetsdialog i {meeting.district.name}! Kommunen och polisen "
        "vill höra hur du upplever tryggheten där du bor.",
        f"Under och efter mötet kan du svara på en kort, anonym enkät: {url}",
        NOTE,
    ]
    if meeting.is_cancelled:
        paragraphs.insert(0, "Mötet är inställt.")
    return "\n\n".join(paragraphs)


def event(meeting: Meeting, url: str, now: datetime) -> str:
    """One meeting as a VEVENT; a cancelled one stays, marked so that clients update it."""
    # The URL property is a URI, not TEXT: it must not be escaped, and folding is enough.
    lines = [
        "BEGIN:VEVENT" + CRLF,
        fold(f"UID:{meeting.code}@{UID_DOMAIN}") + CRLF,
        f"DTSTAMP:{utc_stamp(now)}" + CRLF,
        f"CREATED:{utc_stamp(meeting.created_at)}" + CRLF,
        f"DTSTART:{utc_stamp(meeting.starts_at)}" + CRLF,
        f"DTEND:{utc_stamp(meeting.ends_at)}" + CRLF,
        text_line("SUMMARY", summary(meeting)),
        text_line("LOCATION", location(meeting)),
        text_line("DESCRIPTION", description(meeting, url)),
        fold(f"URL:{url}") + CRLF,
        f"STATUS:{'CANCELLED' if meeting.is_cancelled else 'CONFIRMED'}" + CRLF,
        # Clients keep the copy with the highest SEQUENCE: the cancellation must win.
        f"SEQUENCE:{1 if meeting.is_cancelled else 0}" + CRLF,
    ]
    if meeting.cancelled_at is not None:  # the only change whose moment is recorded
        lines.append(f"LAST-MODIFIED:{utc_stamp(meeting.cancelled_at)}" + CRLF)
    lines.append("END:VEVENT" + CRLF)
    return "".join(lines)


def ics(
    meetings: Sequence[Meeting],
    *,
    name: str,
    survey_url: Callable[[Meeting], str],
    now: datetime,
) -> str:
    """A VCALENDAR with one event per meeting, as the text of an .ics file."""
    return "".join(
        [
            "BEGIN:VCALENDAR" + CRLF,
            "VERSION:2.0" + CRLF,
            f"PRODID:{PRODID}" + CRLF,
            "CALSCALE:GREGORIAN" + CRLF,
            "METHOD:PUBLISH" + CRLF,
            text_line("X-WR-CALNAME", name),
            *(event(meeting, survey_url(meeting), now) for meeting in meetings),
            "END:VCALENDAR" + CRLF,
        ]
    )
