"""The queries behind every number read one year's meetings through indexes, not every answer."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from feedback import questionnaire
from feedback.reports import tally_queries
from tests.conftest import make_meeting
from tests.test_review import given, safe, unsafe


def plan(session: Session, query: object) -> str:
    """The database's plan for a query, as one text."""
    bind = session.get_bind()
    sql = str(query.compile(bind, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]
    if bind.dialect.name == "sqlite":
        return "\n".join(row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    # Tables this small fit in a page, so PostgreSQL rightly scans them; with sequential scans
    # priced out, the plan shows which indexes serve the query where the tables are large.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {sql}")))


def test_a_years_counts_read_only_its_meetings_rows_through_indexes(session: Session) -> None:
    earlier = [
        make_meeting(session, district="Hagalund", day=date(2018, 2, 22 + i)) for i in range(3)
    ]
    year = [make_meeting(session, district="Hagalund", day=date(2019, 2, 21 + i)) for i in range(3)]
    for meeting in (*earlier, *year):
        given(session, meeting, *safe(4), *unsafe(3))
    session.execute(text("ANALYZE"))
    answers, mix = tally_queries([m.id for m in year], questionnaire.current())

    counted, mixed = plan(session, answers), plan(session, mix)
    if session.get_bind().dialect.name == "sqlite":
        assert "SEARCH answer USING COVERING INDEX ix_answer_code (meeting_id=?" in counted, counted
        assert "SEARCH response USING COVERING INDEX ix_response_mix (meeting_id=?" in mixed, mixed
    else:
        # An index scan, index-only scan or bitmap scan, as the statistics of the moment say.
        assert re.search(r"Scan (using|on) ix_answer_code", counted), counted
        assert re.search(r"Scan (using|on) ix_response_mix", mixed), mixed
    # The counts of answers need no join: every answer knows its meeting.
    assert "response" not in counted and "SCAN" not in counted + mixed, counted + mixed
    assert "Seq Scan" not in counted + mixed, counted + mixed
    session.rollback()
