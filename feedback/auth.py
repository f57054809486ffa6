"""Staff login with Flask-Login: throttled, audited, CSRF-protected, with safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import audit, db
from feedback.forms import LoginForm, LogoutForm
from feedback.models import User
from feedback.users import authenticate, is_throttled, load

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# The login page itself says why the visitor came there, in the visitor's language.
login_manager.login_message = None
# Per client: failed logins from one address are limited, kept in memory or Redis, never stored.
limiter = Limiter(key_func=get_remote_address)


def _load_user(user_id: str) -> User | None:
    return load(db.session(), user_id)


def _safe_next(target: str | None) -> str | None:
    """The page to return to after login, if it is on this site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    "20 per 15 minutes", methods=["POST"], deduct_when=lambda response: response.status_code != 302
)
def login() -> tuple[str, int] | WerkzeugResponse:
    """The staff login form."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.meetings"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if is_throttled(db.session(), email):
            form.password.errors.append(
                _("För många misslyckade inloggningar. Vänta en kvart och försök igen.")
            )
        else:
            user = authenticate(db.session(), email, form.password.data)
            audit.record(db.session(), email, "login" if user else "login_failed")
            db.session().commit()
            if user is not None:
                login_user(user)
                session.pop("kiosk", None)  # a staff login is how a kiosk leaves kiosk mode
                return redirect(_safe_next(request.args.get("next")) or url_for("staff.meetings"))
            form.password.errors.append(_("Fel e-postadress eller lösenord."))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> WerkzeugResponse:
    """End the staff session."""
    if LogoutForm().validate_on_submit() and current_user.is_authenticated:
        audit.record(db.session(), current_user.email, "logout")
        db.session().commit()
        logout_user()
        flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Wire Flask-Login, the login throttle and the login pages."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    limiter.init_app(app)
    app.register_blueprint(bp)
