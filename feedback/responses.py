"""Residents' responses: storing one exactly once, and the one query every summary reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.meetings import local
from feedback.models import Answer, District, Meeting, Response
from feedback.questionnaire import Questionnaire


def record_response(
    session: Session,
    meeting: Meeting,
    questionnaire: Questionnaire,
    answers: Mapping[str, str],
    submission_key: str,
) -> bool:
    """Store a response unless its submission key is already stored; True if stored now."""
    known = {q.key for q in questionnaire.questions}
    response = Response(
        meeting=meeting,
        questionnaire_version=questionnaire.version,
        submission_key=submission_key,
        answers=[
            Answer(question_key=key, value=value)
            for key, value in answers.items()
            if key in known and value
        ],
    )
    # The unique key decides, so two racing requests with one key also store exactly once.
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError:
        return False
    return True


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
    answers: dict[str, str] = field(default_factory=dict)


def response_rows(session: Session, *, district_id: int | None = None) -> Iterator[ResponseRow]:
    """Every response with its answers, oldest first: the single source of pages and exports."""
    query = (
        select(Response, Meeting, District, Answer.question_key, Answer.value)
        .join(Response.meeting)
        .join(Meeting.district)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .order_by(Response.id)
    )
    if district_id is not None:
        query = query.where(Meeting.district_id == district_id)
    result = session.execute(query.execution_options(yield_per=1000))
    for _, group in groupby(result, key=lambda r: r[0].id):
        rows = list(group)
        response, meeting, district = rows[0][0], rows[0][1], rows[0][2]
        yield ResponseRow(
            response_id=response.id,
            submitted_at=response.submitted_at,
            district=district.name,
            district_id=district.id,
            meeting_id=meeting.id,
            meeting_code=meeting.code,
            meeting_date=local(meeting.starts_at).date(),
            questionnaire_version=response.questionnaire_version,
            answers={key: value for _, _, _, key, value in rows if key is not None},
        )


@dataclass
class Distribution:
    """How those who answered a question spread over its answer codes."""

    question_key: str
    answered: int
    counts: Counter[str]


@dataclass
class DistrictSummary:
    """Responses per meeting and answer distributions, for one district's page."""

    total: int
    per_meeting: Counter[int]
    distributions: dict[str, Distribution]


def summarise(rows: Iterator[ResponseRow], questionnaire: Questionnaire) -> DistrictSummary:
    """Count responses per meeting and answers per code for every choice question."""
    choice_keys = [q.key for q in questionnaire.questions if q.kind == "choice"]
    summary = DistrictSummary(
        total=0,
        per_meeting=Counter(),
        distributions={k: Distribution(k, 0, Counter()) for k in choice_keys},
    )
    for row in rows:
        summary.total += 1
        summary.per_meeting[row.meeting_id] += 1
        for key in choice_keys:
            if key in row.answers:
                summary.distributions[key].answered += 1
                summary.distributions[key].counts[row.answers[key]] += 1
    return summary
