"""Synthetic responses for looking at the pages before real dialogues have been held.

Every response made here is marked `is_demo`, and the seed refuses to run where real
responses exist, so made-up answers can never mix with what residents said.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from feedback.db import Base
from feedback.meetings import MeetingFields, import_meetings, list_meetings, local
from feedback.models import Answer, FreeTextReview, Meeting, Response
from feedback.questionnaire import Questionnaire

DEMO_PLACE_SUFFIX = " (exempel)"
SAFETY = ["very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe", "no_go_unsafe"]
FREE_TEXT = [
    "Mörkt vid gångtunneln på kvällarna.",
    "Fler vuxna ute på helgerna.",
    "Bättre belysning vid busshållplatsen.",
    "Mopeder kör fort på cykelvägen.",
]


class RealResponsesExist(Exception):
    """The database holds residents' real answers: no demo data may be added."""


def real_responses(session: Session) -> int:
    """How many responses are real, not demo."""
    query = select(func.count()).select_from(Response).where(Response.is_demo.is_(False))
    return session.scalar(query) or 0


def _a_year_earlier(session: Session, meetings: Sequence[Meeting]) -> list[Meeting]:
    """Copies of the meetings a year before, each in its own organisation."""
    earlier = []
    for meeting in meetings:
        found = import_meetings(
            session, meeting.district.organisation_id, [_a_year_before(meeting)]
        )
        earlier.extend([*found.created, *found.existing])
    return earlier


def seed(session: Session, questionnaire: Questionnaire, year: int, rng: random.Random) -> int:
    """Demo answers for `year`'s meetings and for copies of them a year earlier; how many."""
    if real_responses(session):
        raise RealResponsesExist("the database holds real responses")
    meetings = [m for m in list_meetings(session, year=year) if not m.is_cancelled]
    made = 0
    for meeting in [*_a_year_earlier(session, meetings), *meetings]:
        lean = _lean(meeting, year)
        for _ in range(rng.randint(6, 14)):
            session.add(_response(meeting, questionnaire, lean, rng))
            made += 1
    session.flush()
    return made


def seed_many(
    session: Session, questionnaire: Questionnaire, year: int, count: int, rng: random.Random
) -> int:
    """`count` demo responses over `year`'s meetings and copies a year earlier, in bulk.

    Each response is given during its meeting. Rows go to the driver in batches, past the ORM
    (COPY on PostgreSQL), so that a million responses take about a minute: for benchmarks and
    trying the pages at the size of a police region.
    """
    if real_responses(session):
        raise RealResponsesExist("the database holds real responses")
    meetings = [m for m in list_meetings(session, year=year) if not m.is_cancelled]
    everyone = [*_a_year_earlier(session, meetings), *meetings]
    if not everyone:
        return 0
    leans = [_weights(_lean(m, year)) for m in everyone]
    problems = [
        (q.key, [o.code for o in q.options])
        for q in questionnaire.questions
        if q.section == "problems"
    ]
    # Plain values per meeting: read a million times below.
    meeting_ids = [m.id for m in everyone]
    starts = [m.starts_at for m in everyone]
    minutes = [max(1, int((m.ends_at - m.starts_at).total_seconds() // 60)) for m in everyone]
    next_id = (session.scalar(select(func.max(Response.id))) or 0) + 1
    connection = session.connection()
    batch = 20_000
    with _large_cache(connection):
        for start in range(0, count, batch):
            responses, answers = [], []
            for response_id in range(next_id + start, next_id + min(count, start + batch)):
                i = rng.randrange(len(everyone))
                meeting_id = meeting_ids[i]
                responses.append(
                    (
                        response_id,
                        meeting_id,
                        questionnaire.version,
                        f"demo-{response_id}-{rng.getrandbits(64):016x}",
                        starts[i] + timedelta(minutes=rng.randrange(minutes[i])),
                        rng.choice(CHANNEL_MIX),
                        rng.choice(LANGUAGE_MIX),
                        True,
                    )
                )
                safety = rng.choices(SAFETY, weights=leans[i])[0]
                answers.append((response_id, meeting_id, "safety_evening", safety))
                for key, codes in problems:
                    if rng.random() < 0.8:
                        answers.append((response_id, meeting_id, key, rng.choice(codes)))
            _bulk_insert(connection, "response", RESPONSE_COLUMNS, responses)
            _bulk_insert(connection, "answer", ANSWER_COLUMNS, answers)
    return count


RESPONSE_COLUMNS = (
    "id",
    "meeting_id",
    "questionnaire_version",
    "submission_key",
    "submitted_at",
    "channel",
    "language",
    "is_demo",
)
ANSWER_COLUMNS = ("response_id", "meeting_id", "question_key", "value")


def _bulk_insert(
    connection: Connection, name: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Rows of values (in `columns` order) into a table through the driver, each value stored
    as the column's type would store it."""
    table = Base.metadata.tables[name]
    dialect = connection.dialect
    processors = [table.c[column].type.bind_processor(dialect) for column in columns]
    if any(processors):
        rows = [
            tuple(v if f is None else f(v) for f, v in zip(processors, row, strict=True))
            for row in rows
        ]
    names = ", ".join(columns)
    if dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


@contextmanager
def _large_cache(connection: Connection) -> Iterator[None]:
    """On SQLite, a page cache large enough that index inserts rarely wait on the disk."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB, this connection only
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


CHANNEL_MIX = ["qr", "qr", "qr", "link", "kiosk", "paper"]
LANGUAGE_MIX = ["sv"] * 8 + ["en", "ar", "so"]


def _weights(lean: float) -> list[float]:
    return [lean, lean, 1 - lean, (1 - lean) / 2, (1 - lean) / 3]


def _lean(meeting: Meeting, year: int) -> float:
    """Each district its own leaning towards safety, and the later year a little more of it."""
    base = random.Random(meeting.district.name).uniform(0.3, 0.7)
    return base + (0.08 if local(meeting.starts_at).year == year else 0.0)


def _a_year_before(meeting: Meeting) -> MeetingFields:
    start, end = local(meeting.starts_at), local(meeting.ends_at)
    day = start.date() - timedelta(weeks=52)  # the same weekday a year earlier
    return MeetingFields(
        meeting.district.name,
        day,
        start.time(),
        end.time(),
        meeting.place.removesuffix(DEMO_PLACE_SUFFIX) + DEMO_PLACE_SUFFIX,
        meeting.address,
    )


def _response(
    meeting: Meeting, questionnaire: Questionnaire, lean: float, rng: random.Random
) -> Response:
    safety = rng.choices(SAFETY, weights=_weights(lean))
    answers = [Answer(question_key="safety_evening", value=safety[0])]
    for question in questionnaire.questions:
        if question.section == "problems" and rng.random() < 0.8:
            answers.append(
                Answer(question_key=question.key, value=rng.choice(question.options).code)
            )
    if rng.random() < 0.3:
        answers.append(
            Answer(
                question_key="safer_how",
                value=rng.choice(FREE_TEXT),
                review=FreeTextReview(status="approved", reviewed_by="demo"),
            )
        )
    return Response(
        meeting=meeting,
        questionnaire_version=questionnaire.version,
        submission_key=f"demo-{uuid.uuid4().hex}",
        channel=rng.choice(CHANNEL_MIX),
        language=rng.choice(LANGUAGE_MIX),
        is_demo=True,
        answers=answers,
    )
