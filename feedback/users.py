"""Staff accounts: creating, checking and changing them. Passwords are hashed with scrypt."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import audit
from feedback.models import ROLES, District, User, new_session_token, utcnow

MIN_PASSWORD_LENGTH = 12
# After this many failed logins for one account within the window, the account waits.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; known: {', '.join(ROLES)}")


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail address, in any case (addresses are stored in lower case)."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def list_users(session: Session) -> Sequence[User]:
    """Every staff account, by e-mail address."""
    return session.scalars(select(User).order_by(User.email)).all()


def create_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    districts: Collection[District] = (),
) -> User:
    """Add a staff user with a hashed password."""
    _check_role(role)
    _check_password(password)
    if find_user(session, email) is not None:
        raise AccountError(f"{email} already has an account")
    user = User(
        email=email.strip().lower(),
        password_hash=generate_password_hash(password),
        role=role,
        districts=list(districts),
    )
    session.add(user)
    session.flush()
    return user


def update_user(
    session: Session,
    user: User,
    *,
    role: str | None = None,
    districts: Collection[District] | None = None,
    is_active: bool | None = None,
) -> None:
    """Change a user's role, districts or whether the account may log in."""
    if role is not None:
        _check_role(role)
        user.role = role
    if districts is not None:
        user.districts = list(districts)
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            user.session_token = new_session_token()  # a deactivated user is logged out
    session.flush()


def change_password(session: Session, user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()
    session.flush()


def is_throttled(session: Session, email: str, now: datetime | None = None) -> bool:
    """Whether an account has failed to log in too often lately to try again now."""
    since = (now or utcnow()) - FAILURE_WINDOW
    return audit.count_since(session, "login_failed", since, email.strip().lower()) >= MAX_FAILURES


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        # Hash anyway, so that a wrong address takes as long as a wrong password.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def load(session: Session, user_id: str) -> User | None:
    """The active user a session cookie names by id and session token, or None."""
    row_id, _, token = user_id.partition(":")
    user = session.get(User, int(row_id)) if row_id.isdigit() else None
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def bootstrap_admin(session: Session, email: str) -> str | None:
    """Create the first admin with a random password when there are no users; the password."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(15)
    create_user(session, email, password, "admin")
    return password
