"""Reviewing the answers: honest numbers per district and year, and moderation of free text."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import audit, questionnaire, reports
from feedback.disclosure import Figure
from feedback.models import Answer, AuditEvent, FreeTextReview, Meeting
from feedback.responses import Submission, purge_free_text, record_response
from feedback.stats import estimate
from tests.conftest import (
    Auth,
    csrf_token,
    log_in,
    make_meeting,
    make_organisation,
    make_staff,
    reread,
)


def given(session: Session, meeting: Meeting, *answers: dict[str, str]) -> None:
    """Store responses for a meeting as the survey does."""
    for number, values in enumerate(answers):
        key = f"{meeting.id}-{number}-{len(values)}-{sorted(values.items())}"[:60]
        record_response(
            session,
            Submission(meeting, questionnaire.current(), values, key, "qr", "sv"),
        )
    session.commit()


def safe(n: int) -> list[dict[str, str]]:
    return [{"safety_evening": "very_safe"}] * n


def unsafe(n: int) -> list[dict[str, str]]:
    return [{"safety_evening": "very_unsafe"}] * n


def test_the_overview_shows_shares_intervals_and_the_change(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    before = make_meeting(session, district="Hagalund", day=date(2018, 2, 22))
    after = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    few = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    # 2018: 3 of 10 trygga, Wilson 0.1078-0.6032; 2019: 16 of 20, Wilson 0.5840-0.9193
    # (centre (p + z²/2n)/(1 + z²/n), half-width z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n)).
    # Newcombe: 0.5 - sqrt(0.2160² + 0.3032²) = 0.1277 and 0.5 + sqrt(0.1193² + 0.1922²)
    # = 0.7262, so +12,8 to +72,6 points, which excludes zero.
    given(session, before, *safe(3), *unsafe(7))
    given(session, after, *safe(16), *unsafe(4))
    given(session, few, *safe(4))  # four answers: below the threshold of five
    auth.login()
    page = client.get("/staff/overview", query_string={"year": 2019}).text
    assert "de som svarade vid dialogerna, inte alla invånare" in page
    assert "80,0\u00a0%" in page  # 16 of 20
    assert "58,4–91,9\u00a0%" in page  # its Wilson interval
    assert "+50,0 procentenheter" in page
    assert "osäkerhet +12,8 till +72,6 procentenheter" in page
    assert "en säker ökning" in page
    assert "kan skiljas" not in page  # no double negative left
    romme = page[page.index("Romme") :]
    assert "visas inte" in romme[: romme.index("</tr>")]
    assert "100,0" not in romme[: romme.index("</tr>")]


def test_five_answers_are_shown_and_four_are_not(
    app: Flask, client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Årby", day=date(2019, 4, 11))
    given(session, meeting, *safe(4))
    auth.login()
    url = f"/staff/districts/{meeting.district_id}?year=2019"
    assert "visas inte" in client.get(url).text
    assert "100,0\u00a0%" not in client.get(url).text
    given(session, meeting, {"safety_evening": "fairly_safe"})
    page = client.get(url).text
    assert "100,0\u00a0%" in page  # five of five trygga
    assert "56,6–100,0\u00a0%" in page  # Wilson for 5/5
    app.config["MIN_ANSWERS"] = 6
    assert "100,0\u00a0%" not in client.get(url).text
    assert "färre än 6 har svarat" in client.get(url).text


def test_the_district_page_shows_trend_mix_and_ranked_problems(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    old = make_meeting(session, district="Ornäs", place="ICA", day=date(2018, 9, 6))
    new = make_meeting(session, district="Ornäs", place="ICA", day=date(2019, 9, 5))
    given(session, old, *safe(5))
    big = {"safety_evening": "fairly_safe", "problem_litter": "very_big", "problem_moped": "none"}
    given(session, new, *[big] * 6)
    auth.login()
    page = client.get(f"/staff/districts/{new.district_id}", query_string={"year": 2019}).text
    trend = page[page.index("Över åren") :]
    assert trend.index("2018") < trend.index("2019")
    ranked = page[page.index("Problemen, störst först") :]
    assert ranked.index("Nedskräpning") < ranked.index("Buskörning")
    mix = page[page.index("Hur svaren kom in") :]
    assert "QR-kod" in mix


def test_free_text_waits_masked_and_flagged_until_approved(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    given(
        session,
        meeting,
        {
            "safety_evening": "very_unsafe",
            "unsafe_place_other": "Han säljer knark, ring 070-123 45 67",
        },
        {"safety_evening": "fairly_safe", "safer_how": "Bättre belysning vid tunneln"},
    )
    stored = {a.question_key: a.value for a in session.scalars(select(Answer))}
    assert "070-123 45 67" not in stored["unsafe_place_other"]
    assert "[telefonnummer borttaget]" in stored["unsafe_place_other"]
    auth.login()
    district = f"/staff/districts/{meeting.district_id}"
    assert "Bättre belysning" not in client.get(f"{district}?year=2019").text
    with client.get("/staff/export/responses.csv") as export:
        assert "Bättre belysning" not in export.text
    queue = client.get(f"{district}/moderation").text
    assert queue.index("Verkar beskriva ett brott") < queue.index(
        "Bättre belysning"
    )  # flagged first
    ref = next(
        r.response_id
        for r in session.scalars(select(FreeTextReview))
        if r.question_key == "safer_how"
    )
    approved = client.post(
        f"{district}/moderation/{ref}-safer_how",
        data={"csrf_token": csrf_token(queue), "action": "approve"},
    )
    assert approved.status_code == 302
    assert "Bättre belysning vid tunneln" in client.get(f"{district}?year=2019").text
    with client.get("/staff/export/responses.csv?dialect=rfc4180") as export:
        rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["safer_how"] for r in rows] == ["", "Bättre belysning vid tunneln"]
    reread(session)
    actions = [e.action for e in session.scalars(select(AuditEvent))]
    assert "moderation_approve" in actions
    assert actions.count("export") == 2


def test_a_redaction_keeps_the_original_until_the_purge(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    given(
        session,
        meeting,
        {"safety_evening": "very_unsafe", "unsafe_place_other": "Kalle Anka stör alla"},
    )
    review = session.scalars(select(FreeTextReview)).one()
    auth.login()
    district = f"/staff/districts/{meeting.district_id}"
    queue = client.get(f"{district}/moderation").text
    assert "Verkar peka ut en person" in queue
    client.post(
        f"{district}/moderation/{review.response_id}-unsafe_place_other",
        data={"csrf_token": csrf_token(queue), "action": "redact", "text": "[namn] stör alla"},
    )
    reread(session)
    review = session.scalars(select(FreeTextReview)).one()
    assert review.status == "approved"
    assert review.original == "Kalle Anka stör alla"
    assert review.answer.value == "[namn] stör alla"
    assert audit.recent(session, make_organisation(session).id)[0].action == "moderation_redact"
    page = client.get(f"{district}?year=2019").text
    assert "[namn] stör alla" in page and "Kalle" not in page
    purge_free_text(session, ended_before=meeting.ends_at.replace(year=2020))
    session.commit()
    reread(session)
    assert session.scalars(select(FreeTextReview)).all() == []
    assert [a.question_key for a in session.scalars(select(Answer))] == ["safety_evening"]


def test_hidden_text_never_appears(client: FlaskClient, session: Session, auth: Auth) -> None:
    meeting = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    given(session, meeting, {"safety_evening": "very_safe", "safer_how": "Något olämpligt"})
    review = session.scalars(select(FreeTextReview)).one()
    auth.login()
    district = f"/staff/districts/{meeting.district_id}"
    queue = client.get(f"{district}/moderation").text
    client.post(
        f"{district}/moderation/{review.response_id}-safer_how",
        data={"csrf_token": csrf_token(queue), "action": "hide"},
    )
    assert "Något olämpligt" not in client.get(f"{district}?year=2019").text
    assert "Något olämpligt" not in client.get(f"{district}/moderation").text
    with client.get("/staff/export/responses.csv") as export:
        assert "Något olämpligt" not in export.text


def test_moderation_of_another_districts_text_is_not_found(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    mine = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    theirs = make_meeting(session, district="Romme", place="Tunets IP", day=date(2019, 4, 25))
    given(session, theirs, {"safety_evening": "very_safe", "safer_how": "Romme-text"})
    review = session.scalars(select(FreeTextReview)).one()
    auth.login()
    queue = client.get(f"/staff/districts/{mine.district_id}/moderation").text
    response = client.post(
        f"/staff/districts/{mine.district_id}/moderation/{review.response_id}-safer_how",
        data={"csrf_token": csrf_token(queue), "action": "approve"},
    )
    assert response.status_code == 404
    reread(session)
    assert session.scalars(select(FreeTextReview)).one().status == "pending"


def test_the_numbers_speak_the_staff_members_language(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Årby", day=date(2019, 4, 11))
    given(session, meeting, *safe(5))
    auth.login()
    page = client.get(f"/staff/districts/{meeting.district_id}?year=2019&lang=en").text
    assert "Share who feel safe" in page
    assert "Share who see a fairly or very big problem: Litter" in page
    assert "Andel trygga" not in page


def _figures(*shares: tuple[int, int]) -> list[Figure]:
    current = questionnaire.current()
    problems = [i for i in current.indicators if i.per_question]
    return [Figure(i, estimate(c, n)) for i, (c, n) in zip(problems, shares, strict=False)]


def test_the_top_three_include_every_problem_tied_with_the_third() -> None:
    ranked = reports.rank(_figures((50, 100), (40, 100), (30, 100), (3, 10), (10, 100)))
    top = reports.top(ranked, 3)
    assert [r.place for r in top] == [1, 2, 3, 3]  # 30 of 100 and 3 of 10 share third place
    assert reports.top(reports.rank(_figures((5, 10), (4, 10))), 3) == reports.rank(
        _figures((5, 10), (4, 10))
    )


def test_neighbours_that_cannot_be_told_apart_are_grouped() -> None:
    # 80/100 and 20/100 are far apart; 21/100 and 20/100 lie within each other's intervals.
    ranked = reports.rank(_figures((80, 100), (21, 100), (20, 100)))
    assert [(r.place, r.uncertain) for r in ranked] == [(1, False), (2, True), (3, True)]
    assert (ranked[1].first, ranked[1].last) == (2, 3)


def test_the_overview_lists_a_problem_tied_at_the_cut(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Gylle", place="Skolan", day=date(2019, 5, 9))
    # Litter 6 of 6, mopeds 5 of 6, and lighting and drugs tied at 3 of 6 for third place.
    answers = []
    for i in range(6):
        answers.append(
            {
                "safety_evening": "fairly_safe" if i % 2 else "fairly_unsafe",
                "problem_litter": "very_big",
                "problem_moped": "very_big" if i < 5 else "none",
                "problem_lighting": "fairly_big" if i < 3 else "small",
                "problem_drug_dealing": "fairly_big" if i >= 3 else "none",
            }
        )
    given(session, meeting, *answers)
    auth.login()
    page = client.get("/staff/overview", query_string={"year": 2019}).text
    top = page[page.index('class="top-problems"') :]
    top = top[: top.index("</ol>")]
    assert top.count("<li") == 4
    assert "Dålig belysning" in top and "Narkotikahandel" in top
    district = client.get(f"/staff/districts/{meeting.district_id}?year=2019").text
    assert "ungefär lika stora" in district


def test_a_coordinator_is_offered_the_years_of_their_own_districts(
    client: FlaskClient, session: Session
) -> None:
    mine = make_meeting(session, district="Hagalund", day=date(2019, 2, 21))
    make_meeting(session, district="Romme", place="Tunets IP", day=date(2021, 4, 22))
    make_staff(session, "samordnare@example.se", "coordinator", [mine.district])
    session.commit()
    assert log_in(client, "samordnare@example.se") == 302
    overview = client.get("/staff/overview").text
    assert "Översikt 2019" in overview  # their newest year, not Romme's 2021
    assert '<option value="2021"' not in overview
    district = client.get(f"/staff/districts/{mine.district_id}").text
    assert "Hagalund 2019" in district
    assert '<option value="2021"' not in district


def test_every_csv_download_names_one_charset(client: FlaskClient, auth: Auth) -> None:
    auth.login()
    for path in ["responses.csv", "codebook.csv", "aggregates.csv"]:
        with client.get(f"/staff/export/{path}") as download:
            assert download.status_code == 200, path
            assert download.headers["Content-Type"] == "text/csv; charset=utf-8", path
