"""Staff login with Flask-Login: throttled, audited, CSRF-protected, with safe redirects.

Each login is a server-side StaffSession (feedback.users): the signed cookie carries its token,
and a cookie whose session has ended, by logout, password change or deactivation, opens nothing.

Idleness is tracked in the signed cookie, not the database: each request that loads the staff
user writes the time into the cookie, and a cookie whose time is older than STAFF_IDLE_MINUTES
ends its session. So a page view costs no database write (SQLite has one writer for all
workers), and the cookie cannot be backdated or renewed without the secret key.
"""

from __future__ import annotations

import hmac
from hashlib import sha256
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
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
from flask_login import LoginManager, current_user, login_user, logout_user, user_logged_out
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import audit, db, ratelimit
from feedback.forms import LoginForm, LogoutForm
from feedback.models import User, utcnow
from feedback.users import end_session, is_throttled, load, log_in, start_session

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# The login page itself says why the visitor came there, in the visitor's language.
login_manager.login_message = None


def _client() -> str:
    """The client's address as an HMAC under the secret key: what the login limit counts by.

    Neither storage sees the address then: the database's hashes it once more, and Redis,
    which keeps keys as given and may be shared by several app servers, gets only the hash.
    """
    secret = (current_app.config["SECRET_KEY"] or "").encode()
    return hmac.new(secret, get_remote_address().encode(), sha256).hexdigest()


# Per client: failed logins from one address are limited, counted for all workers and app
# servers at once in the app's database or in Redis (RATELIMIT_STORAGE_URI).
limiter = Limiter(key_func=_client)

# Keys in the signed session cookie: the staff session's token, and when it was last used.
STAFF_TOKEN = "staff_session"
STAFF_SEEN = "staff_seen"


def staff_token() -> str | None:
    """The token of this browser's staff session, if it has one."""
    token = session.get(STAFF_TOKEN)
    return token if isinstance(token, str) else None


def _load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user of this browser's live, recently used staff session."""
    token = staff_token()
    if token is None:
        return None
    now = utcnow().timestamp()
    seen = session.get(STAFF_SEEN)
    idle_seconds = current_app.config["STAFF_IDLE_MINUTES"] * 60
    if not isinstance(seen, int | float) or now - seen > idle_seconds:
        end_session(db.session(), token)
        db.session().commit()
        _forget_staff_session()
        flash(_("Du har varit inaktiv för länge och har loggats ut. Logga in igen."), "info")
        return None
    user = load(db.session(), user_id, token)
    if user is None:
        _forget_staff_session()
    else:
        session[STAFF_SEEN] = int(now)
    return user


def _forget_staff_session() -> None:
    session.pop(STAFF_TOKEN, None)
    session.pop(STAFF_SEEN, None)


def _end_staff_session(_app: Flask, **_extra: object) -> None:
    """End the server-side session whenever Flask-Login logs a user out.

    logout_user() is called by more than one view (logout, handing a device over as a kiosk),
    so ending the session here covers each; it commits, as those views would.
    """
    token = staff_token()
    _forget_staff_session()
    if token is not None:
        end_session(db.session(), token)
        db.session().commit()


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
            user = log_in(db.session(), email, form.password.data)
            token = start_session(db.session(), user) if user is not None else None
            db.session().commit()
            if user is not None and token is not None:
                login_user(user)
                session[STAFF_TOKEN] = token
                session[STAFF_SEEN] = int(utcnow().timestamp())
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
        logout_user()  # ends the server-side session too: a copied cookie stops working
        flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Wire Flask-Login, the login throttle and the login pages."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    user_logged_out.connect(_end_staff_session, app)
    if app.config["RATELIMIT_STORAGE_URI"].startswith(f"{ratelimit.SCHEME}://"):
        with app.app_context():
            engine = db.engine()
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "engine": engine,
            "secret": app.config["SECRET_KEY"] or "",
        }
    limiter.init_app(app)
    # The login limit is checked by its decorator. The hook Flask-Limiter adds before every
    # request only applies app-wide default limits, of which there are none, and cost a fifth
    # of a resident's request.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.register_blueprint(bp)
