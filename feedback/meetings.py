"""Meetings and districts: creating, importing and cancelling them, and their survey window."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, joinedload

from feedback.models import District, Meeting, Organisation, utcnow
from feedback.openapi import YEAR_MAX, YEAR_MIN
from feedback.questionnaire import offered_version
from feedback.schedule import ParsedMeeting

LOCAL_TZ = ZoneInfo("Europe/Stockholm")
# No 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: a code read off a poster is typed without doubt.
CODE_ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
CODE_LENGTH = 7  # 23**7 = 3.4 billion codes: not guessable, and the QR code stays small
# A form opened just before the survey closed can still be sent this long after.
SUBMIT_GRACE = timedelta(hours=2)


def new_code() -> str:
    """A random meeting code from the unambiguous alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def local_datetime(day: date, clock: time) -> datetime:
    """A Stockholm wall-clock date and time as an aware datetime."""
    return datetime.combine(day, clock, tzinfo=LOCAL_TZ)


def local(moment: datetime) -> datetime:
    """An aware datetime in Stockholm time."""
    return moment.astimezone(LOCAL_TZ)


@dataclass(frozen=True)
class SurveyWindow:
    """When residents can answer a meeting's survey."""

    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime) -> bool:
        """Whether the survey is shown at this moment."""
        return self.opens_at <= now < self.closes_at

    def takes_answers(self, now: datetime) -> bool:
        """Whether a submitted form is stored at this moment: answers given in time are kept."""
        return self.opens_at <= now < self.closes_at + SUBMIT_GRACE


class Timed(Protocol):
    """Anything held at a time: a meeting, or a row of its facts."""

    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...


def survey_window(
    meeting: Timed, opens_minutes_before: int, closes_days_after: int
) -> SurveyWindow:
    """The window around a meeting in which its survey takes answers."""
    return SurveyWindow(
        opens_at=meeting.starts_at - timedelta(minutes=opens_minutes_before),
        # Days on Stockholm's clock: a meeting ending at 20.00 closes at 20.00, across DST too.
        closes_at=(local(meeting.ends_at) + timedelta(days=closes_days_after)).astimezone(UTC),
    )


# What an untouched survey page shows of a meeting.
SurveyFacts = Row[
    str, int, str, str, str | None, datetime, datetime, str, datetime | None, int | None, str
]


def survey_facts(session: Session, code: str) -> SurveyFacts | None:
    """What an untouched survey page shows of a meeting, in one light query (no ORM objects):
    code, district_id, district_name, place, address, starts_at, ends_at, kind, cancelled_at, the
    version of the questionnaire that takes answers (see `questionnaire.taking_answers`), and
    the organisation's slug."""
    query = (
        select(
            Meeting.code,
            Meeting.district_id,
            District.name.label("district_name"),
            Meeting.place,
            Meeting.address,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.kind,
            Meeting.cancelled_at,
            offered_version().label("version"),
            Organisation.slug.label("organisation_slug"),
        )
        .join(Meeting.district)
        .join(District.organisation)
    )
    return session.execute(query.where(Meeting.code == code.strip().upper())).one_or_none()


def find_by_code(session: Session, code: str) -> Meeting | None:
    """The meeting with this code, ignoring case and surrounding blanks, with its district."""
    query = select(Meeting).options(joinedload(Meeting.district).joinedload(District.organisation))
    return session.scalar(query.where(Meeting.code == code.strip().upper()))


def upcoming_and_past(
    session: Session, now: datetime, district_ids: Collection[int]
) -> tuple[list[Meeting], list[Meeting]]:
    """The public schedule of some districts: meetings still to come (soonest first), and held
    ones (latest first)."""
    meetings = list_meetings(session, district_ids=district_ids)
    upcoming = [m for m in meetings if m.ends_at >= now]
    past = [m for m in reversed(meetings) if m.ends_at < now]
    return upcoming, past


def open_surveys(
    session: Session,
    now: datetime,
    opens_minutes_before: Mapping[str, int],
    closes_days_after: int,
    district_ids: Collection[int],
) -> list[Meeting]:
    """The meetings whose survey is open at this moment, the one nearest in time first: a
    meeting going on now before one held days ago. A meeting's survey opens as long before it
    as its kind says (a walk's poster invites residents days ahead)."""
    # Whole days either way in SQL, the window itself (Stockholm's clock) checked on each.
    found = session.scalars(
        select(Meeting).where(
            Meeting.cancelled_at.is_(None),
            Meeting.starts_at <= now + timedelta(minutes=max(opens_minutes_before.values())),
            Meeting.ends_at > now - timedelta(days=closes_days_after + 1),
            Meeting.district_id.in_(district_ids),
        )
    )
    return sorted(
        (
            m
            for m in found
            if survey_window(m, opens_minutes_before[m.kind], closes_days_after).is_open(now)
        ),
        key=lambda m: abs((m.starts_at - now).total_seconds()),
    )


def next_meeting(session: Session, now: datetime, district_ids: Collection[int]) -> Meeting | None:
    """The next meeting in some districts that has not started and is not cancelled."""
    return session.scalar(
        select(Meeting)
        .where(
            Meeting.starts_at > now,
            Meeting.cancelled_at.is_(None),
            Meeting.district_id.in_(district_ids),
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def list_meetings(
    session: Session,
    *,
    district_id: int | None = None,
    year: int | None = None,
    district_ids: Collection[int] | None = None,
) -> Sequence[Meeting]:
    """Meetings by start time: of a district, a (Stockholm) year, or a scope of districts."""
    query = select(Meeting).join(Meeting.district).order_by(Meeting.starts_at, District.name)
    if district_id is not None:
        query = query.where(Meeting.district_id == district_id)
    if district_ids is not None:
        query = query.where(Meeting.district_id.in_(district_ids))
    if year is not None:
        query = query.where(
            Meeting.starts_at >= local_datetime(date(year, 1, 1), time()),
            Meeting.starts_at < local_datetime(date(year + 1, 1, 1), time()),
        )
    return session.scalars(query).all()


def list_districts(session: Session, organisation_id: int) -> Sequence[District]:
    """An organisation's districts, by name."""
    query = select(District).where(District.organisation_id == organisation_id)
    return session.scalars(query.order_by(District.name)).all()


def find_district(session: Session, organisation_id: int, name: str) -> District | None:
    """The organisation's district with this name, in any case and spacing."""
    # Compared in Python: SQLite's lower() leaves Å, Ä and Ö alone. There are few districts.
    wanted = " ".join(name.split()).casefold()
    districts = list_districts(session, organisation_id)
    return next((d for d in districts if d.name.casefold() == wanted), None)


def get_or_create_district(session: Session, organisation_id: int, name: str) -> District:
    """The organisation's district with this name (any case), created if new."""
    name = " ".join(name.split())
    district = find_district(session, organisation_id, name)
    if district is None:
        district = District(organisation_id=organisation_id, name=name)
        session.add(district)
        session.flush()
    return district


@dataclass(frozen=True)
class MeetingFields:
    """What staff say about a meeting, in Stockholm wall-clock time."""

    district: str
    day: date
    start: time
    end: time
    place: str
    address: str | None
    kind: str = "dialogue"

    def __post_init__(self) -> None:
        # An import row can arrive without a readable date or time: say so, not a TypeError.
        if not (
            isinstance(self.district, str)
            and isinstance(self.place, str)
            and isinstance(self.day, date)
            and isinstance(self.start, time)
            and isinstance(self.end, time)
        ):
            raise ValueError("a meeting needs a district, a place, a date, a start and an end time")
        if not YEAR_MIN <= self.day.year <= YEAR_MAX:  # year 1 in Stockholm is no UTC date
            raise ValueError(f"a meeting in {self.day.year} is outside {YEAR_MIN}–{YEAR_MAX}")
        if self.end <= self.start:
            raise ValueError(f"a meeting must end after it starts ({self.start}–{self.end})")

    @classmethod
    def from_parsed(cls, row: ParsedMeeting) -> MeetingFields | None:
        """A parsed schedule row as a meeting, or None when it lacks something a meeting needs."""
        if not (row.date and row.start and row.end and row.district and row.place):
            return None
        if row.end <= row.start or not YEAR_MIN <= row.date.year <= YEAR_MAX:
            return None
        return cls(row.district, row.date, row.start, row.end, row.place, row.address)


def _find_existing(session: Session, district: District, starts_at: datetime) -> Meeting | None:
    return session.scalar(
        select(Meeting).where(Meeting.district_id == district.id, Meeting.starts_at == starts_at)
    )


def create_meeting(session: Session, organisation_id: int, fields: MeetingFields) -> Meeting:
    """Schedule a meeting of an organisation with a fresh code, unique across organisations."""
    meeting = Meeting(code=_unused_code(session))
    _apply(session, meeting, organisation_id, fields)
    session.add(meeting)
    session.flush()
    return meeting


def update_meeting(session: Session, meeting: Meeting, fields: MeetingFields) -> None:
    """Change a meeting's district, time or place; its code and poster stay valid."""
    published = meeting.starts_at
    _apply(session, meeting, meeting.district.organisation_id, fields)
    if meeting.starts_at != published and meeting.moved_from is None:
        meeting.moved_from = published
    session.flush()


def cancel_meeting(session: Session, meeting: Meeting) -> None:
    """Mark a meeting cancelled; its survey closes, its answers stay."""
    if meeting.cancelled_at is None:
        meeting.cancelled_at = utcnow()
    session.flush()


def reinstate_meeting(session: Session, meeting: Meeting) -> None:
    """Undo a cancellation: the meeting is on again, and its survey opens in its window."""
    meeting.cancelled_at = None
    session.flush()


def is_taken(
    session: Session, organisation_id: int, fields: MeetingFields, ignore: Meeting | None = None
) -> bool:
    """Whether another meeting already holds this district and start time."""
    district = find_district(session, organisation_id, fields.district)
    if district is None:
        return False
    existing = _find_existing(session, district, local_datetime(fields.day, fields.start))
    return existing is not None and existing is not ignore


@dataclass
class ImportResult:
    """What an import did."""

    created: list[Meeting]
    existing: list[Meeting]


def import_meetings(
    session: Session, organisation_id: int, rows: Iterable[MeetingFields]
) -> ImportResult:
    """Create an organisation's meetings not already scheduled; importing the same rows twice
    creates nothing."""
    result = ImportResult(created=[], existing=[])
    for fields in rows:
        district = get_or_create_district(session, organisation_id, fields.district)
        existing = _find_existing(session, district, local_datetime(fields.day, fields.start))
        if existing is None:
            result.created.append(create_meeting(session, organisation_id, fields))
        else:
            result.existing.append(existing)
    return result


def _apply(session: Session, meeting: Meeting, organisation_id: int, fields: MeetingFields) -> None:
    meeting.district = get_or_create_district(session, organisation_id, fields.district)
    meeting.starts_at = local_datetime(fields.day, fields.start)
    meeting.ends_at = local_datetime(fields.day, fields.end)
    meeting.place = fields.place.strip()
    meeting.address = (fields.address or "").strip() or None
    meeting.kind = fields.kind


def _unused_code(session: Session) -> str:
    while True:
        code = new_code()
        if session.scalar(select(Meeting.id).where(Meeting.code == code)) is None:
            return code
