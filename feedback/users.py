"""Staff accounts and their sessions: creating, checking, changing, ending.

Passwords are hashed with scrypt. A login is a StaffSession row named by a random token the
browser's signed cookie carries; logout, a password change and deactivation end rows here, so
a copied cookie stops working.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from feedback import audit
from feedback.models import ROLES, District, Organisation, StaffSession, User, utcnow
from feedback.organisations import list_organisations

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


def list_users(session: Session, organisation_id: int | None = None) -> Sequence[User]:
    """Every staff account (of an organisation), by e-mail address."""
    query = select(User).order_by(User.email)
    if organisation_id is not None:
        query = query.where(User.organisations.any(Organisation.id == organisation_id))
    return session.scalars(query).all()


def create_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    organisations: Collection[Organisation],
    districts: Collection[District] = (),
) -> User:
    """Add a staff user with a hashed password, working for some organisations (in some of
    their districts)."""
    _check_role(role)
    _check_password(password)
    if find_user(session, email) is not None:
        raise AccountError(f"{email} already has an account")
    if not organisations:
        raise AccountError("an account works for at least one organisation")
    if any(d.organisation_id not in {o.id for o in organisations} for d in districts):
        raise AccountError("a district of an organisation the account does not work for")
    user = User(
        email=email.strip().lower(),
        password_hash=generate_password_hash(password),
        role=role,
        organisations=list(organisations),
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
            end_sessions(session, user)  # a deactivated user is logged out everywhere
    session.flush()


def change_password(session: Session, user: User, password: str, keep: str | None) -> None:
    """Set a new password and end every session of the user but the one with token `keep`."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user, keep=keep)
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


def log_in(session: Session, email: str, password: str) -> User | None:
    """Check a login attempt and audit it; the user, or None for a failed attempt.

    A failed attempt for an address that has no account is logged without the address: what
    someone typed there may be anything, even another person's address or a password.
    """
    user = authenticate(session, email, password)
    if user is not None:
        audit.record(session, user.email, "login")
    elif find_user(session, email) is not None:
        audit.record(session, email.strip().lower(), "login_failed")
    else:
        audit.record(session, None, "login_failed", reason="unknown account")
    return user


def log_in_verified(session: Session, email: str, provider: str) -> User | None:
    """Check a login a provider vouched for with a verified address, and audit it.

    The user with that address in any case, if active, or None. The provider proves who the
    visitor is; only an admin decides that they have an account here, and with which role.
    """
    user = find_user(session, email)
    if user is not None and user.is_active:
        audit.record(session, user.email, "login", provider=provider)
        return user
    if user is not None:
        audit.record(
            session, user.email, "login_failed", reason="inactive account", provider=provider
        )
    else:
        # Verified, but an address of someone without an account here: not kept either.
        audit.record(session, None, "login_failed", reason="unknown account", provider=provider)
    return None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User) -> str:
    """Open a staff session for a user who has just logged in; its token, for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_hash(token), user=user))
    session.flush()
    return token


def end_session(session: Session, token: str) -> None:
    """End the staff session with this token, if it is live."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _hash(token), StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_sessions(session: Session, user: User, keep: str | None = None) -> None:
    """End every live session of a user, except the one with token `keep`."""
    query = (
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if keep is not None:
        query = query.where(StaffSession.token_hash != _hash(keep))
    session.execute(query)


def load(session: Session, user_id: str, token: str) -> User | None:
    """The active user of a live staff session with this token and user id, or None."""
    user = session.scalar(
        select(User)
        .join(StaffSession, StaffSession.user_id == User.id)
        .where(
            StaffSession.token_hash == _hash(token),
            StaffSession.ended_at.is_(None),
            User.is_active,
        )
    )
    return user if user is not None and str(user.id) == user_id else None


def bootstrap_admin(session: Session, email: str) -> str | None:
    """Create the first admin, of every organisation there is, with a random password when
    there are no users; the password."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(15)
    create_user(session, email, password, "admin", list_organisations(session))
    return password
