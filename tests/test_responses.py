"""Responses: storing exactly once, and deleting free text when its time is up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback import questionnaire
from feedback.models import Answer, Meeting, Response
from feedback.responses import Submission, months_before, purge_free_text, record_response
from tests.conftest import count, make_meeting, reread

# Retention and the survey of a meeting on now: CI reruns these at each instant in .ci/run.
pytestmark = pytest.mark.clock


def submit(session: Session, meeting: Meeting, key: str, **answers: str) -> bool:
    """Store a response through the domain function, as the survey view does."""
    stored = record_response(
        session,
        Submission(meeting, questionnaire.current(), answers, key, "link", "sv"),
    )
    session.commit()
    return stored


def test_the_same_submission_key_stores_once(session: Session) -> None:
    meeting = make_meeting(session)
    assert submit(session, meeting, "k" * 32, safety_evening="very_safe")
    assert not submit(session, meeting, "k" * 32, safety_evening="very_unsafe")
    assert count(session, Response) == 1


def test_answers_to_unknown_questions_and_empty_answers_are_not_stored(
    session: Session,
) -> None:
    meeting = make_meeting(session)
    submit(session, meeting, "a" * 32, safety_evening="very_safe", invented="x", safer_how="")
    reread(session)
    assert [a.question_key for a in session.scalars(select(Answer))] == ["safety_evening"]


def test_another_failure_is_never_passed_off_as_a_duplicate(session: Session) -> None:
    meeting = make_meeting(session)
    bad = Submission(
        meeting, questionnaire.current(), {"safety_evening": "x"}, "b" * 32, "fax", "sv"
    )
    with pytest.raises(IntegrityError):
        record_response(session, bad)  # the channel check constraint refuses it
    session.rollback()
    assert count(session, Response) == 0


def test_the_longest_free_text_is_stored_beside_the_index_of_answer_codes(
    session: Session,
) -> None:
    meeting = make_meeting(session)
    longest = "Trygghet 🚲 " * 100  # 1,000 characters, 4-byte ones among them
    assert submit(session, meeting, "d" * 32, safety_evening="very_safe", safer_how=longest[:1000])
    reread(session)
    stored = session.scalar(select(Answer.value).where(Answer.question_key == "safer_how"))
    assert stored is not None and len(stored) == 1000


def test_an_answer_can_only_belong_to_its_responses_meeting(session: Session) -> None:
    here, elsewhere = make_meeting(session), make_meeting(session, district="Romme")
    assert submit(session, here, "c" * 32, safety_evening="very_safe")
    answer = session.scalars(select(Answer)).one()
    assert answer.meeting_id == here.id
    answer.meeting_id = elsewhere.id
    with pytest.raises(IntegrityError):
        session.commit()  # the composite foreign key to (response.id, response.meeting_id)
    session.rollback()


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2020, 3, 31, 12, tzinfo=UTC), 1, datetime(2020, 2, 29, 12, tzinfo=UTC)),
        (datetime(2020, 1, 15, tzinfo=UTC), 12, datetime(2019, 1, 15, tzinfo=UTC)),
        (datetime(2020, 1, 15, tzinfo=UTC), 13, datetime(2018, 12, 15, tzinfo=UTC)),
        (datetime(2020, 5, 31, tzinfo=UTC), 0, datetime(2020, 5, 31, tzinfo=UTC)),
    ],
)
def test_months_before(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected


def test_purge_deletes_old_free_text_and_keeps_the_codes(session: Session) -> None:
    old = make_meeting(session, day=date(2019, 2, 21))
    recent = make_meeting(session, district="Romme", day=date(2020, 2, 20))
    submit(
        session,
        old,
        "o" * 32,
        safety_evening="very_safe",
        unsafe_place_other="Tunneln",
        problem_litter="small",
    )
    submit(session, recent, "r" * 32, safety_evening="fairly_safe", safer_how="Lampor")
    deleted = purge_free_text(session, ended_before=datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    assert deleted == 1
    reread(session)
    kept = {(a.response.meeting_id, a.question_key) for a in session.scalars(select(Answer))}
    assert kept == {
        (old.id, "safety_evening"),
        (old.id, "problem_litter"),
        (recent.id, "safety_evening"),
        (recent.id, "safer_how"),
    }


def test_the_purge_command_uses_the_retention_setting(
    runner: FlaskCliRunner, session: Session
) -> None:
    meeting = make_meeting(session, day=date(2019, 2, 21))
    submit(session, meeting, "p" * 32, safety_evening="very_safe", safer_how="Fler vuxna ute")
    runner.app.config["FREE_TEXT_RETENTION_MONTHS"] = 12 * 100  # a century: nothing is old yet
    assert "Deleted 0 free-text answers" in runner.invoke(args=["retention", "purge"]).output
    runner.app.config["FREE_TEXT_RETENTION_MONTHS"] = 12
    assert "Deleted 1 free-text answers" in runner.invoke(args=["retention", "purge"]).output
    assert count(session, Answer) == 1


def test_the_retention_months_are_counted_on_stockholms_calendar(
    runner: FlaskCliRunner, session: Session
) -> None:
    # 1 March 2027, 00.30 in Stockholm, is still 28 February in UTC: a month after a meeting
    # on 30 January has passed in Stockholm, not yet in UTC.
    meeting = make_meeting(session, day=date(2027, 1, 30))
    submit(session, meeting, "m" * 32, safety_evening="very_safe", safer_how="Belysning")
    runner.app.config["FREE_TEXT_RETENTION_MONTHS"] = 1
    with time_machine.travel(datetime(2027, 2, 28, 23, 30, tzinfo=UTC), tick=False):
        output = runner.invoke(args=["retention", "purge"]).output
    assert "Deleted 1 free-text answers" in output
