"""Moderating free text: it waits, masked and flagged, until a coordinator approves or hides it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.meetings import local
from feedback.models import Answer, FreeTextReview, Meeting, Response, utcnow
from feedback.moderation_text import screen

ACTIONS = ("approve", "hide", "redact")


def review_new_text(text: str) -> tuple[str, dict[str, object]]:
    """An arriving free-text answer, masked, and the values of its review: pending, and
    flagged where it seems to report a crime or name a person."""
    screened = screen(text)
    return screened.text, {
        "status": "pending",
        "masked": ",".join(screened.masked),
        "reports_crime": screened.reports_crime,
        "names_person": screened.names_person,
    }


@dataclass(frozen=True)
class QueuedText:
    """A free-text answer with its review and where it was given."""

    answer: Answer
    review: FreeTextReview
    meeting: Meeting

    @property
    def meeting_year(self) -> int:
        """The (Stockholm) year of the meeting the answer was given at."""
        return local(self.meeting.starts_at).year

    @property
    def ref(self) -> str:
        """How a form names this answer: response id and question key."""
        return f"{self.answer.response_id}-{self.answer.question_key}"


def queue(
    session: Session, district_id: int | None, status: str = "pending"
) -> Sequence[QueuedText]:
    """A district's (None: every district's) free text in a review state: flagged first."""
    query = (
        select(Answer, FreeTextReview, Meeting)
        .join(FreeTextReview, Answer.review)
        .join(Response, Answer.response)
        .join(Meeting, Response.meeting)
        .where(FreeTextReview.status == status)
    )
    if district_id is not None:
        query = query.where(Meeting.district_id == district_id)
    rows = session.execute(
        query.order_by(
            (FreeTextReview.reports_crime | FreeTextReview.names_person).desc(),
            Response.submitted_at,
            Answer.question_key,
        )
    )
    return [QueuedText(answer, review, meeting) for answer, review, meeting in rows]


def find(session: Session, district_id: int, ref: str) -> QueuedText | None:
    """The free-text answer a form names, if it belongs to the district."""
    response_id, _, key = ref.partition("-")
    # ASCII digits, short enough for the id column: "²" and 20 digits are no response.
    if not (response_id.isascii() and response_id.isdigit() and len(response_id) <= 9):
        return None
    row = session.execute(
        select(Answer, FreeTextReview, Meeting)
        .join(FreeTextReview, Answer.review)
        .join(Response, Answer.response)
        .join(Meeting, Response.meeting)
        .where(
            Answer.response_id == int(response_id),
            Answer.question_key == key,
            Meeting.district_id == district_id,
        )
    ).one_or_none()
    return None if row is None else QueuedText(*row)


def moderate(
    session: Session, item: QueuedText, action: str, reviewer: str, text: str | None = None
) -> None:
    """Approve, hide, or redact (replace the text, keeping the original until the purge)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown moderation action {action!r}")
    review = item.review
    if action == "redact":
        if not text or not text.strip():
            raise ValueError("a redaction needs the text to keep")
        if review.original is None:
            review.original = item.answer.value
        item.answer.value = screen(text.strip()).text
    review.status = "hidden" if action == "hide" else "approved"
    review.reviewed_at = utcnow()
    review.reviewed_by = reviewer
    session.flush()
