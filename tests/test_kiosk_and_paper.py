"""Without a smartphone: a kiosk tablet at the meeting, and paper forms keyed in by staff."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.i18n import LANGUAGES, html_lang
from feedback.models import Answer, Response
from tests.conftest import (
    STAFF_EMAIL,
    STAFF_PASSWORD,
    Auth,
    answer,
    count,
    csrf_token,
    make_meeting,
    reread,
    submission_key,
)


def start_kiosk(client: FlaskClient, auth: Auth, meeting_id: int) -> str:
    """Log in, press "Starta kioskläge" on the meeting page; where the tablet lands."""
    auth.login()
    page = client.get(f"/staff/meetings/{meeting_id}")
    started = client.post(
        f"/staff/meetings/{meeting_id}/kiosk", data={"csrf_token": csrf_token(page.text)}
    )
    assert started.status_code == 302
    return started.headers["Location"]


def paper_form(client: FlaskClient, url: str, **fields: str) -> dict[str, str]:
    """Open the paper entry page and fill in what the next paper form says."""
    page = client.get(url, query_string={"paper_language": fields.get("paper_language", "sv")})
    return {
        "csrf_token": csrf_token(page.text),
        "submission_key": submission_key(page.text),
        "paper_language": "sv",
        **fields,
    }


def test_a_kiosk_takes_one_answer_after_another(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    landing = start_kiosk(client, auth, meeting.id)
    assert landing == f"/s/{meeting.code}"
    for core in ("very_safe", "fairly_unsafe", "no_go_unsafe"):
        _, data = answer(client, meeting, safety_evening=core)
        done = client.post(landing, data=data)
        assert done.status_code == 303
        assert done.headers["Location"] == landing  # straight back to an empty form
        fresh = client.get(landing)
        assert "Nu kan nästa person svara." in fresh.text
        assert "Du har redan svarat" not in fresh.text
        assert "checked" not in fresh.text
    assert count(session, Response) == 3
    reread(session)
    assert {r.channel for r in session.scalars(select(Response))} == {"kiosk"}


def test_a_kiosk_is_logged_out_and_only_a_staff_login_leaves_it(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    landing = start_kiosk(client, auth, meeting.id)
    assert client.get("/staff/").status_code == 302  # residents cannot reach staff pages
    assert "Avsluta kioskläge" in client.get(landing).text
    login = client.get("/login")
    client.post(
        "/login",
        data={
            "email": STAFF_EMAIL,
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token(login.text),
        },
    )
    assert client.get("/staff/").status_code == 200
    assert (
        "Startade kioskläge</a></td>\n    <td>Hagalund, " in client.get("/staff/admin/audit").text
    )
    # Out of kiosk mode, the tablet is one phone again: one answer, then "already answered".
    _, data = answer(client, meeting, safety_evening="very_safe")
    client.post(landing, data=data)
    assert "Du har redan svarat" in client.get(landing).text


def test_a_kiosk_cannot_be_started_without_a_token(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    auth.login()
    assert client.post(f"/staff/meetings/{meeting.id}/kiosk").status_code == 400
    assert client.get("/staff/").status_code == 200  # still logged in, no kiosk


def test_the_paper_form_prints_the_same_questionnaire_in_each_language(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session, district="Årby", place="Årbygårdens förskola")
    auth.login()
    links = client.get(f"/staff/meetings/{meeting.id}").text
    for code in LANGUAGES:  # the meeting page links the form in every language, named in it
        assert f'/paper/{code}" lang="{html_lang(code)}">{LANGUAGES[code]}</a>' in links
    swedish = client.get(f"/staff/meetings/{meeting.id}/paper/sv")
    assert swedish.status_code == 200
    assert "Mycket trygg" in swedish.text and "Årby" in swedish.text
    assert meeting.code in swedish.text
    arabic = client.get(f"/staff/meetings/{meeting.id}/paper/ar").text
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "Mycket trygg" not in arabic
    english = client.get(f"/staff/meetings/{meeting.id}/paper/en").text
    assert "Very safe" in english
    farsi = client.get(f"/staff/meetings/{meeting.id}/paper/fa").text
    assert '<html lang="fa" dir="rtl">' in farsi and "بسیار امن" in farsi
    dari = client.get(f"/staff/meetings/{meeting.id}/paper/fa_AF")
    assert dari.status_code == 200
    assert '<html lang="fa-AF" dir="rtl">' in dari.text
    assert "شاروالی به مشکلات محلی اینجا اهمیت می‌دهد." in dari.text
    assert "شهرداری" not in dari.text  # Dari's word for the municipality, not Farsi's
    assert client.get(f"/staff/meetings/{meeting.id}/paper/fi").status_code == 404
    assert '<html lang="sv"' in client.get("/staff/").text  # staff pages keep their language


def test_paper_forms_are_keyed_in_one_after_another(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    auth.login()
    url = f"/staff/meetings/{meeting.id}/paper-entry"
    page = client.get(url)
    # No running count: the meeting's paper forms are a part of the district's numbers, and
    # the count of a few would be published past the disclosure rules.
    assert "inmatade" not in page.text
    assert page.text.count("autofocus") == 1  # keying starts at the first answer
    for language, core in (
        ("sv", "very_safe"),
        ("ar", "fairly_safe"),
        ("so", "dont_know"),
        ("fa_AF", "no_go_unsafe"),
    ):
        data = paper_form(
            client,
            url,
            paper_language=language,
            safety_evening=core,
            problem_lighting="very_big",
            safer_how="Mer belysning",
        )
        saved = client.post(url, data=data)
        assert saved.status_code == 303
        next_form = client.get(saved.headers["Location"])
        assert "Blanketten är sparad." in next_form.text
        assert f'<option selected value="{language}">' in next_form.text
    assert "inmatade" not in client.get(url).text
    reread(session)
    responses = session.scalars(select(Response).order_by(Response.id)).all()
    assert [(r.channel, r.language) for r in responses] == [
        ("paper", "sv"),
        ("paper", "ar"),
        ("paper", "so"),
        ("paper", "fa_AF"),
    ]
    assert (
        session.scalar(select(Answer.value).where(Answer.question_key == "safer_how").limit(1))
        == "Mer belysning"
    )


def test_a_paper_form_saved_twice_is_stored_once(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    auth.login()
    url = f"/staff/meetings/{meeting.id}/paper-entry"
    data = paper_form(client, url, safety_evening="very_safe")
    client.post(url, data=data)
    again = client.post(url, data=data)
    assert "Blanketten var redan sparad." in client.get(again.headers["Location"]).text
    assert count(session, Response) == 1


def test_a_paper_form_without_the_core_answer_is_shown_again(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    meeting = make_meeting(session)
    auth.login()
    url = f"/staff/meetings/{meeting.id}/paper-entry"
    response = client.post(url, data=paper_form(client, url, problem_litter="small"))
    assert response.status_code == 400
    assert "Välj ett svar på frågan." in response.text
    assert count(session, Response) == 0


def test_paper_entry_works_outside_the_survey_window(
    client: FlaskClient, session: Session, auth: Auth
) -> None:

    meeting = make_meeting(session, day=date(2019, 2, 21))
    auth.login()
    url = f"/staff/meetings/{meeting.id}/paper-entry"
    saved = client.post(url, data=paper_form(client, url, safety_evening="very_safe"))
    assert saved.status_code == 303
    assert count(session, Response) == 1
