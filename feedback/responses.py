"""Residents' responses: storing one exactly once, and the one query every summary reads."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import JSON, delete, false, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from feedback import db
from feedback.meetings import local, local_datetime
from feedback.models import Answer, District, FreeTextReview, Meeting, Question, Response
from feedback.moderation import review_new_text
from feedback.questionnaire import SEPARATOR, Questionnaire, question_key


@dataclass(frozen=True)
class Submission:
    """A validated survey form: where it came from, and what it says."""

    meeting: Meeting
    questionnaire: Questionnaire
    answers: Mapping[str, str]
    submission_key: str
    channel: str
    language: str


def record_response(session: Session, submission: Submission) -> bool:
    """Store a response unless its submission key is already stored; True if stored now.

    The unique submission key decides (`ON CONFLICT DO NOTHING`), so two racing requests with
    one key also store exactly once; any other refusal is an error, never a "duplicate". One
    statement for the response, one for its answers, one for the reviews of its free text.
    """
    known = {q.key: q for q in submission.questionnaire.questions}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    response_id = session.scalar(
        dialect.insert(Response)
        .values(
            meeting_id=submission.meeting.id,
            questionnaire_version=submission.questionnaire.version,
            submission_key=submission.submission_key,
            channel=submission.channel,
            language=submission.language,
        )
        .on_conflict_do_nothing(index_elements=[Response.submission_key])
        .returning(Response.id)
    )
    if response_id is None:
        return False
    answers, reviews = [], []
    for key, value in submission.answers.items():
        question = known.get(question_key(key))
        if question is None or not value:
            continue
        if question.kind == "text":
            value, review = review_new_text(value)
            reviews.append({"response_id": response_id, "question_key": key, **review})
        answers.append(
            {
                "response_id": response_id,
                "meeting_id": submission.meeting.id,
                "question_key": key,
                "value": value,
            }
        )
    if answers:
        session.execute(insert(Answer), answers)
    if reviews:
        session.execute(insert(FreeTextReview), reviews)
    return True


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time a number of months earlier (the month's last day if shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def purge_free_text(session: Session, ended_before: datetime) -> int:
    """Delete the free-text answers of meetings that ended before a moment; codes stay."""
    text_keys = select(Question.key).where(Question.kind == "text")
    old_responses = select(Response.id).join(Response.meeting).where(Meeting.ends_at < ended_before)
    result = session.execute(
        delete(Answer).where(
            Answer.question_key.in_(text_keys), Answer.response_id.in_(old_responses)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class ResponseRow:
    """One response, flattened: where and when it was given, and its answers by question key."""

    response_id: int
    submitted_at: datetime
    district: str
    district_id: int
    meeting_id: int
    meeting_code: str
    meeting_date: date
    questionnaire_version: int
    channel: str
    language: str
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Filters:
    """Which responses to read; None means any."""

    year: int | None = None
    district_id: int | None = None
    meeting_code: str | None = None
    channel: str | None = None
    questionnaire_version: int | None = None
    # The districts the reader may see (those of their organisation); None: every one.
    district_ids: frozenset[int] | None = None
    free_text: bool = True  # approved free text; False leaves every free-text answer out


class answers_object(FunctionElement[dict[str, str]]):
    """The JSON object of question key to value over a group of answers, in either database."""

    type = JSON()
    inherit_cache = True


@compiles(answers_object, "sqlite")
def _json_group_object(element: answers_object, compiler: SQLCompiler, **kw: object) -> str:
    return f"json_group_object({compiler.process(element.clauses, **kw)})"


@compiles(answers_object, "postgresql")
def _json_object_agg(element: answers_object, compiler: SQLCompiler, **kw: object) -> str:
    return f"json_object_agg({compiler.process(element.clauses, **kw)})"


def response_rows(
    session: Session, *, district_id: int | None = None, filters: Filters | None = None
) -> Iterator[ResponseRow]:
    """Every response with its answers, oldest first: the single source of the row exports.

    Free text is included only once a coordinator has approved it. The database gathers each
    response's answers into one JSON object beside its columns, so a response is one row read
    (not one per answer) and an export of any size streams in batches in constant memory.
    """
    filters = filters or Filters(district_id=district_id)
    reviewed = FreeTextReview.status == "approved" if filters.free_text else false()
    answers = (
        select(answers_object(Answer.question_key, Answer.value))
        .outerjoin(FreeTextReview, Answer.review)
        .where(Answer.response_id == Response.id)
        .where(or_(FreeTextReview.status.is_(None), reviewed))
        .scalar_subquery()
    )
    responses = (
        select(
            Response.id,
            Response.submitted_at,
            Response.meeting_id,
            Response.questionnaire_version,
            Response.channel,
            Response.language,
            answers,
        )
        .join(Response.meeting)
        .join(Meeting.district)
    )
    if filters.district_id is not None:
        responses = responses.where(Meeting.district_id == filters.district_id)
    if filters.district_ids is not None:
        responses = responses.where(Meeting.district_id.in_(filters.district_ids))
    if filters.year is not None:
        responses = responses.where(
            Meeting.starts_at >= local_datetime(date(filters.year, 1, 1), time()),
            Meeting.starts_at < local_datetime(date(filters.year + 1, 1, 1), time()),
        )
    if filters.meeting_code is not None:
        responses = responses.where(Meeting.code == filters.meeting_code.upper())
    if filters.channel is not None:
        responses = responses.where(Response.channel == filters.channel)
    if filters.questionnaire_version is not None:
        responses = responses.where(Response.questionnaire_version == filters.questionnaire_version)
    # Each meeting's district, code and date once (meetings are few), then plain rows through
    # the connection: the ORM would only wrap them.
    connection = session.connection()
    meetings = {
        meeting_id: (district, district_id, code, local(starts_at).date())
        for meeting_id, district, district_id, code, starts_at in connection.execute(
            select(Meeting.id, District.name, District.id, Meeting.code, Meeting.starts_at).join(
                Meeting.district
            )
        )
    }
    found = db.stream(connection, responses.order_by(Response.id))
    for response_id, submitted_at, meeting_id, version, channel, language, given in found:
        district, district_id, code, day = meetings[meeting_id]
        yield ResponseRow(
            response_id=response_id,
            submitted_at=submitted_at,
            district=district,
            district_id=district_id,
            meeting_id=meeting_id,
            meeting_code=code,
            meeting_date=day,
            questionnaire_version=version,
            channel=channel,
            language=language,
            answers=gathered(given or {}),  # PostgreSQL's aggregate of no rows is NULL
        )


def _code_order(item: tuple[str, str]) -> tuple[str, bool, int, str]:
    key, value = item
    return question_key(key), not value.isdigit(), int(value) if value.isdigit() else 0, value


def gathered(answers: dict[str, str]) -> dict[str, str]:
    """Answers by question: the codes of a multiple question together in one value, separated
    by spaces, place numbers first ("12 17 other")."""
    if not any(SEPARATOR in key for key in answers):
        return answers
    found: dict[str, str] = {}
    for key, value in sorted(answers.items(), key=_code_order):
        question = question_key(key)
        found[question] = f"{found[question]} {value}" if question in found else value
    return found
