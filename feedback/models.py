"""The tables: districts, meetings, staff users, and residents' responses with their answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


# An organisation's slug: the first part of its public addresses (/borlange/...).
SLUG_PATTERN = r"[a-z][a-z0-9-]{1,39}"


class Organisation(Base):
    """A municipality running its dialogues in this installation: its districts, meetings,
    places and pledges, its name on posters and its contact in the privacy notice."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("south < north AND west < east", name="bounds"),
        CheckConstraint(
            "(south IS NULL) = (north IS NULL) AND (west IS NULL) = (east IS NULL)"
            " AND (south IS NULL) = (west IS NULL)",
            name="bounds_given",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # A host name of its own (trygghet.borlange.se), where configured; else /<slug>/ only.
    host: Mapped[str | None] = mapped_column(String(253), unique=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    DEFAULT_COLOUR = "#00558c"

    # The posters' colour, as #rrggbb.
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOUR)
    # The logo on its posters: a JPEG drawn from the pixels of the file given, on white.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Where its places can lie, in degrees (WGS 84); None allows anywhere on Earth.
    south: Mapped[float | None]
    west: Mapped[float | None]
    north: Mapped[float | None]
    east: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """South, west, north, east; None when the organisation set no area."""
        if self.south is None or self.west is None or self.north is None or self.east is None:
            return None
        return (self.south, self.west, self.north, self.east)


class District(Base):
    """A kommundel of an organisation, where dialogues are held."""

    __tablename__ = "district"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    meetings: Mapped[list[Meeting]] = relationship(back_populates="district")


class Place(Base):
    """A named place in a district (a bus stop, an underpass, a square), retired, never deleted,
    so what residents and walkers said of it still joins."""

    __tablename__ = "place"
    __table_args__ = (
        # The name as a person reads it decides what is the same place: case and spacing aside.
        UniqueConstraint("district_id", "key"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    district: Mapped[District] = relationship()

    @property
    def is_retired(self) -> bool:
        """Whether the place is no longer offered."""
        return self.retired_at is not None


# A dialogue meeting, or a safety walk (trygghetsvandring) through the district.
MEETING_KINDS = ("dialogue", "walk")


class Meeting(Base):
    """One scheduled dialogue or safety walk: a place and a time in a district, reached by its
    short code."""

    __tablename__ = "meeting"
    __table_args__ = (
        # The same district at the same hour is the same meeting: this keeps imports idempotent.
        UniqueConstraint("district_id", "starts_at"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in MEETING_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="dialogue", server_default="dialogue")
    cancelled_at: Mapped[datetime | None]
    # When a meeting is moved, the time first published, so the schedule can say so.
    moved_from: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    district: Mapped[District] = relationship(back_populates="meetings")

    @property
    def is_cancelled(self) -> bool:
        """Whether staff cancelled the meeting."""
        return self.cancelled_at is not None

    @property
    def is_walk(self) -> bool:
        """Whether the meeting is a safety walk."""
        return self.kind == "walk"


ROLES = ("admin", "coordinator", "analyst")

# The organisations a staff member works for: one for municipal staff, several for police.
user_organisation = Table(
    "user_organisation",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)

user_district = Table(
    "user_district",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("district.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):  # type: ignore[misc]
    """A staff member: admin, coordinator (police or municipal, own districts) or analyst."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=user_organisation, order_by="Organisation.name"
    )
    districts: Mapped[list[District]] = relationship(
        secondary=user_district, order_by="District.name"
    )


class StaffSession(Base):
    """One staff login, live until logout, a password change, deactivation or idleness ends it.

    The browser's signed cookie carries the token; only its hash is stored, so a copy of this
    table opens no session.
    """

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RateLimit(Base):
    """A fixed window of counted attempts (failed logins per client address) for all workers.

    The limiter's key holds the client address, so only a keyed hash of it is stored.
    """

    __tablename__ = "rate_limit"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class QuestionnaireVersion(Base):
    """A version of the survey instrument, registered from its file by `questionnaire sync`."""

    __tablename__ = "questionnaire_version"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Fingerprint of the Swedish wording and the codes: a synced version may never change them.
    # None for a version that responses named before the registry existed, until it is synced.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(Base):
    """A question key ever asked; retired questions stay, inactive, so old answers still join."""

    __tablename__ = "question"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    first_version: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.version"))
    last_version: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.version"))
    is_active: Mapped[bool]


CHANNELS = ("qr", "link", "kiosk", "paper")


class Response(Base):
    """One resident's submitted survey for one meeting; no IP address, no account."""

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(f"channel IN ({', '.join(repr(c) for c in CHANNELS)})", name="channel"),
        UniqueConstraint("id", "meeting_id"),  # what each answer's meeting refers to
        # The responses per meeting, channel and language are counted from this index alone.
        Index("ix_response_mix", "meeting_id", "channel", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    questionnaire_version: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.version"))
    # How the answer reached us (qr, link, kiosk, paper) and the language it was given in.
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    # Made up by `flask demo seed` to show the pages; never mixed with real answers.
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Generated with the form and unique here, so a double tap or a retried POST stores once.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class AuditEvent(Base):
    """A staff action that matters: logins, exports, moderation, user and district changes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The organisation whose data the action touched; None for a login or an account's own.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # The address is kept as written, so the log still reads right after a user is renamed.
    actor_email: Mapped[str | None] = mapped_column(String(254), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


REVIEW_STATES = ("pending", "approved", "hidden")


class FreeTextReview(Base):
    """The moderation of one free-text answer: pending until a coordinator approves or hides it."""

    __tablename__ = "free_text_review"
    __table_args__ = (
        ForeignKeyConstraint(
            ["response_id", "question_key"],
            ["answer.response_id", "answer.question_key"],
            ondelete="CASCADE",
        ),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in REVIEW_STATES)})", name="status"),
    )

    response_id: Mapped[int] = mapped_column(primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    # What the text said before a coordinator redacted part of it; deleted by the purge.
    original: Mapped[str | None] = mapped_column(Text)
    masked: Mapped[str] = mapped_column(String(100), default="")
    reports_crime: Mapped[bool] = mapped_column(default=False)
    names_person: Mapped[bool] = mapped_column(default=False)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(254))

    answer: Mapped[Answer] = relationship(back_populates="review")


# Answer codes are short identifiers (the questionnaire's loader holds them to this).
CODE_MAX_LENGTH = 64
# The condition of the counting index, written out the same way in the queries that use it.
SHORT_VALUE = text(f"length(value) <= {CODE_MAX_LENGTH}")


class Answer(Base):
    """The answer to one question: an answer code, or free text, keyed by the question's key."""

    __tablename__ = "answer"
    __table_args__ = (
        # An answer carries its response's meeting, and the database holds the two equal: the
        # counts per meeting, question and code are read from the index below alone.
        ForeignKeyConstraint(["response_id", "meeting_id"], ["response.id", "response.meeting_id"]),
        # Answer codes only: free text can be longer than a PostgreSQL index entry may be.
        Index(
            "ix_answer_code",
            "meeting_id",
            "question_key",
            "value",
            sqlite_where=SHORT_VALUE,
            postgresql_where=SHORT_VALUE,
        ),
    )

    response_id: Mapped[int] = mapped_column(primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[int]
    value: Mapped[str] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
    review: Mapped[FreeTextReview | None] = relationship(
        back_populates="answer", cascade="all, delete-orphan"
    )


RESPONSIBLE = ("municipality", "police", "both")
PLEDGE_STATES = ("planned", "in_progress", "done", "dropped")

pledge_district = Table(
    "pledge_district",
    Base.metadata,
    Column("pledge_id", ForeignKey("pledge.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("district.id", ondelete="CASCADE"), primary_key=True),
)


class Pledge(Base):
    """A medborgarlöfte: what the municipality and the police promise for a year."""

    __tablename__ = "pledge"
    __table_args__ = (
        CheckConstraint(
            f"responsible IN ({', '.join(repr(r) for r in RESPONSIBLE)})", name="responsible"
        ),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in PLEDGE_STATES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A pledge for the whole municipality names no district, so it names its organisation.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    # The indicator keys (questionnaire data) the pledge means to move.
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    activities: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A pledge is a draft, seen by staff only, until it is published on /loften.
    published_at: Mapped[datetime | None]

    districts: Mapped[list[District]] = relationship(
        secondary=pledge_district, order_by="District.name"
    )
    notes: Mapped[list[PledgeNote]] = relationship(
        back_populates="pledge",
        cascade="all, delete-orphan",
        order_by="(PledgeNote.written_on.desc(), PledgeNote.id.desc())",
    )


class PledgeNote(Base):
    """A dated note on a pledge's progress, with the status it left the pledge in."""

    __tablename__ = "pledge_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledge.id", ondelete="CASCADE"), index=True)
    written_on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    author: Mapped[str] = mapped_column(String(254))

    pledge: Mapped[Pledge] = relationship(back_populates="notes")


# Who owns an action: the municipality, the police, a property owner, or another named party.
ACTION_OWNERS = ("municipality", "police", "property_owner", "other")
ACTION_STATES = ("planned", "in_progress", "done", "declined")


class Action(Base):
    """What will be done about a problem in a district, often at one of its places: who owns
    it, by when, and how far it has come; it may serve a pledge."""

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint(f"owner IN ({', '.join(repr(o) for o in ACTION_OWNERS)})", name="owner"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in ACTION_STATES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(
        ForeignKey("pledge.id", ondelete="SET NULL"), index=True
    )
    # The safety walk's finding the action answers, if it came from one.
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(20))
    # The party by name: "Fastighets AB Tunet", "Trafikverket"; for the police or the
    # municipality, the unit if one is named.
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12), default="planned")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))

    district: Mapped[District] = relationship()
    place: Mapped[Place | None] = relationship()
    pledge: Mapped[Pledge | None] = relationship()
    finding: Mapped[Finding | None] = relationship(back_populates="actions")
    notes: Mapped[list[ActionNote]] = relationship(
        back_populates="action",
        cascade="all, delete-orphan",
        order_by="(ActionNote.written_on.desc(), ActionNote.id.desc())",
    )


class ActionNote(Base):
    """A dated note on an action, with the status it left the action in."""

    __tablename__ = "action_note"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in ACTION_STATES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id", ondelete="CASCADE"), index=True)
    written_on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    author: Mapped[str] = mapped_column(String(254))

    action: Mapped[Action] = relationship(back_populates="notes")


SEVERITIES = ("low", "medium", "high")


class Finding(Base):
    """What walkers noted at a place on a safety walk: a checklist category (of the checklist
    version it was recorded with), how serious it is, a note, and photos."""

    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint(f"severity IN ({', '.join(repr(s) for s in SEVERITIES)})", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)
    checklist_version: Mapped[int]
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))

    meeting: Mapped[Meeting] = relationship()
    place: Mapped[Place] = relationship()
    photos: Mapped[list[FindingPhoto]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="FindingPhoto.id"
    )
    actions: Mapped[list[Action]] = relationship(back_populates="finding")


class FindingPhoto(Base):
    """A photo of a finding, stored as re-encoded JPEG without any metadata; shown on no public
    page or print until a coordinator approves it."""

    __tablename__ = "finding_photo"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in REVIEW_STATES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    # In the database, not on a disk: saved in the finding's transaction, in every backup, and
    # the same for every app server.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int]
    height: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(254))

    finding: Mapped[Finding] = relationship(back_populates="photos")
