"""Login: what the audit log keeps of a failed attempt, and the per-account throttle."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import AuditEvent
from tests.conftest import STAFF_EMAIL, STAFF_PASSWORD, Auth, csrf_token, log_in, make_staff, reread

TYPED = "mitt-hemliga-lösenord@nagon.se"
WRONG = "fel lösenord"


def events(session: Session) -> list[AuditEvent]:
    """The audit log, oldest first."""
    reread(session)
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_a_failed_login_for_an_unknown_account_is_logged_without_what_was_typed(
    client: FlaskClient, session: Session, auth: Auth
) -> None:
    assert log_in(client, TYPED, WRONG) == 400
    (event,) = events(session)
    assert (event.actor_email, event.action, event.target) == (None, "login_failed", None)
    assert event.details == {"reason": "unknown account"}
    auth.login()
    page = client.get("/staff/admin/audit?action=login_failed")
    assert "login_failed" in page.text
    assert "mitt-hemliga" not in page.text


def test_a_failed_login_for_an_existing_account_names_the_account(
    client: FlaskClient, session: Session
) -> None:
    make_staff(session)
    assert log_in(client, STAFF_EMAIL.upper(), WRONG) == 400
    (event,) = events(session)
    assert (event.actor_email, event.action) == (STAFF_EMAIL, "login_failed")


def test_the_account_throttle_counts_failures_for_the_account_only(
    client: FlaskClient, session: Session
) -> None:
    make_staff(session)
    for _ in range(5):
        assert log_in(client, TYPED, WRONG) == 400  # unknown addresses hold up nobody
    for _ in range(5):
        assert log_in(client, STAFF_EMAIL, WRONG) == 400
    page = client.get("/login")
    refused = client.post(
        "/login",
        data={
            "email": STAFF_EMAIL,
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert "För många misslyckade inloggningar" in refused.text
    assert [e.actor_email for e in events(session)] == [None] * 5 + [STAFF_EMAIL] * 5
