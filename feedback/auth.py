"""Staff login with Flask-Login: hashed passwords, CSRF-protected forms, safe redirects."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import db
from feedback.forms import LoginForm, LogoutForm
from feedback.models import User

ROLES = ("admin",)
MIN_PASSWORD_LENGTH = 12

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# The login page itself says why the visitor came there, in the visitor's language.
login_manager.login_message = None


def _load_user(user_id: str) -> User | None:
    user = db.session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def create_user(session: Session, email: str, password: str, role: str) -> User:
    """Add a staff user with a hashed password (Werkzeug's scrypt)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(session, email) is not None:
        raise ValueError(f"{email} already has an account")
    user = User(
        email=email.strip().lower(), password_hash=generate_password_hash(password), role=role
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail address, in any case (addresses are stored in lower case)."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        # Hash anyway, so that a wrong address takes as long as a wrong password.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def bootstrap_admin(session: Session, email: str) -> str | None:
    """Create the first admin with a random password when there are no users; the password."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(15)
    create_user(session, email, password, "admin")
    return password


_DUMMY_HASH = generate_password_hash("not a real password")


def _safe_next(target: str | None) -> str | None:
    """The page to return to after login, if it is on this site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target


@bp.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | WerkzeugResponse:
    """The staff login form."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.meetings"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session(), form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            session.pop("kiosk", None)  # a staff login is how a kiosk tablet leaves kiosk mode
            return redirect(_safe_next(request.args.get("next")) or url_for("staff.meetings"))
        form.password.errors.append(_("Fel e-postadress eller lösenord."))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> WerkzeugResponse:
    """End the staff session."""
    if LogoutForm().validate_on_submit():
        logout_user()
        flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Wire Flask-Login and the login pages."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    app.register_blueprint(bp)
