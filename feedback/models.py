"""The tables: districts, meetings, staff users, and residents' responses with their answers."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class District(Base):
    """A kommundel where dialogues are held."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meetings: Mapped[list[Meeting]] = relationship(back_populates="district")


class Meeting(Base):
    """One scheduled dialogue: a place and a time in a district, reached by its short code."""

    __tablename__ = "meeting"
    # The same district at the same hour is the same meeting: this keeps imports idempotent.
    __table_args__ = (UniqueConstraint("district_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    district: Mapped[District] = relationship(back_populates="meetings")

    @property
    def is_cancelled(self) -> bool:
        """Whether staff cancelled the meeting."""
        return self.cancelled_at is not None


class User(UserMixin, Base):  # type: ignore[misc]
    """A staff member: police or municipal representative, or analyst."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    questionnaire_version: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.version"))
    # How the answer reached us (qr, link, kiosk, paper) and the language it was given in.
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    # Generated with the form and unique here, so a double tap or a retried POST stores once.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Base):
    """The answer to one question: an answer code, or free text, keyed by the question's key."""

    __tablename__ = "answer"

    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
