"""Staff login with Flask-Login: throttled, audited, CSRF-protected, with safe redirects.

Each login is a server-side StaffSession (feedback.users): the signed cookie carries its token,
and a cookie whose session has ended, by logout, password change or deactivation, opens nothing.

A login by single sign-on (feedback.sso) ends the same way as one by password: the same staff
session, the same audit event, and a refusal counts against the same limit per client address.

Idleness is tracked in the signed cookie, not the database: each request that loads the staff
user writes the time into the cookie, and a cookie whose time is older than STAFF_IDLE_MINUTES
ends its session. So a page view costs no database write (SQLite has one writer for all
workers), and the cookie cannot be backdated or renewed without the secret key.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from hashlib import sha256
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import (
    Blueprint,
    Flask,
    abort,
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
from joserfc.errors import JoseError
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import audit, db, ratelimit, sso
from feedback.forms import LoginForm, LogoutForm
from feedback.models import User, utcnow
from feedback.organisations import web as organisations_web
from feedback.users import (
    end_session,
    is_throttled,
    load,
    log_in,
    log_in_verified,
    start_session,
)

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
# A failed password and a refused single sign-on count alike, in one window per address; a
# login that succeeds redirects (302) and is not counted.
LOGIN_LIMIT = "20 per 15 minutes"
_LIMIT_SCOPE = "staff-login"


def _failed(response: WerkzeugResponse) -> bool:
    return response.status_code != 302


# Keys in the signed session cookie: the staff session's token, and when it was last used.
STAFF_TOKEN = "staff_session"
STAFF_SEEN = "staff_seen"
# Where to go once the provider sends the visitor back, kept while they are away.
SSO_NEXT = "sso_next"


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


def _begin_staff_session(user: User, next_page: str | None) -> WerkzeugResponse:
    """Start a staff session for a user who has just logged in, by password or provider."""
    token = start_session(db.session(), user)
    db.session().commit()
    login_user(user)
    session[STAFF_TOKEN] = token
    session[STAFF_SEEN] = int(utcnow().timestamp())
    session.pop("kiosk", None)  # a staff login is how a kiosk leaves kiosk mode
    return redirect(next_page or url_for("staff.meetings"))


def _login_page(form: LoginForm, status: int, sso_error: str | None = None) -> tuple[str, int]:
    organisation = organisations_web.current()
    page = render_template(
        "auth/login.html",
        form=form,
        providers=sso.providers_for(organisation.slug if organisation else None),
        sso_error=sso_error,
    )
    return page, status


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(LOGIN_LIMIT, _LIMIT_SCOPE, methods=["POST"], deduct_when=_failed)
def login() -> tuple[str, int] | WerkzeugResponse:
    """The staff login form, and a button for each organisation's provider."""
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
            if user is not None:
                return _begin_staff_session(user, _safe_next(request.args.get("next")))
            db.session().commit()
            form.password.errors.append(_("Fel e-postadress eller lösenord."))
    return _login_page(form, 400 if form.errors else 200)


def _redirect_uri(slug: str) -> str:
    # From PUBLIC_BASE_URL, never the request's host: the provider knows only the registered one.
    # Outside any organisation's prefix: the address registered at the provider never changes.
    path = current_app.url_map.bind("").build("auth.sso_callback", {"slug": slug})
    return f"{current_app.config['PUBLIC_BASE_URL']}{path}"


def _incomplete(name: str) -> str:
    return str(
        _("Inloggningen med %(name)s gick inte att slutföra. Börja om och försök igen.", name=name)
    )


# What the login page tells a visitor whose single sign-on failed, by the reason the audit log
# keeps; each takes the provider's name.
_REFUSALS: dict[str, Callable[[str], str]] = {
    "bad state": _incomplete,
    "invalid token": _incomplete,
    "provider error": lambda name: str(
        _(
            "Inloggningen med %(name)s avbröts eller nekades. Försök igen, eller logga in med "
            "lösenord.",
            name=name,
        )
    ),
    "provider unreachable": lambda name: str(
        _(
            "Vi når inte inloggningen med %(name)s just nu. Försök igen om en stund, eller logga "
            "in med lösenord.",
            name=name,
        )
    ),
    "unverified address": lambda name: str(
        _(
            "%(name)s har inte bekräftat din e-postadress, så vi kan inte koppla den till ett "
            "konto här. Logga in med lösenord, eller be en administratör om hjälp.",
            name=name,
        )
    ),
}


def _sso_refused(message: str, status: int = 403) -> tuple[str, int]:
    """The login page saying why a single sign-on did not log the visitor in."""
    return _login_page(LoginForm(formdata=None), status, sso_error=message)


@bp.route("/login/sso/<slug>")
def sso_login(slug: str) -> tuple[str, int] | WerkzeugResponse:
    """Send the visitor to their organisation's provider, with state, nonce and PKCE."""
    provider = sso.provider(slug) or abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("staff.meetings"))
    session[SSO_NEXT] = _safe_next(request.args.get("next"))
    try:
        response: WerkzeugResponse = sso.client(slug).authorize_redirect(_redirect_uri(slug))
    except requests.RequestException as error:
        current_app.logger.warning("provider %s unreachable: %s", slug, error)
        return _sso_refused(_REFUSALS["provider unreachable"](provider.name), 502)
    return response


def _verified_email(provider: sso.Provider) -> tuple[str | None, str | None]:
    """The address the provider vouches for in its answer to this request, or why there is none.

    Authlib checks the state against this browser's session, exchanges the code with the PKCE
    verifier, and checks the ID token's signature, issuer, audience, expiry and nonce.
    """
    try:
        token = sso.client(provider.slug).authorize_access_token(
            claims_options={"iss": {"essential": True, "value": provider.issuer}}
        )
    except MismatchingStateError:  # missing, forged, from another browser, or used already
        return None, "bad state"
    except OAuthError as error:  # the provider's own ?error=, such as access_denied
        current_app.logger.info("provider %s answered %s", provider.slug, error.error)
        return None, "provider error"
    except (AuthlibBaseError, JoseError) as error:  # the code refused, or the ID token invalid
        current_app.logger.warning("provider %s: %s", provider.slug, error)
        return None, "invalid token"
    except requests.RequestException as error:
        current_app.logger.warning("provider %s unreachable: %s", provider.slug, error)
        return None, "provider unreachable"
    email = sso.verified_email(token.get("userinfo") or {})
    return (email, None) if email is not None else (None, "unverified address")


@bp.route("/login/sso/<slug>/callback")
@limiter.shared_limit(LOGIN_LIMIT, _LIMIT_SCOPE, methods=["GET"], deduct_when=_failed)
def sso_callback(slug: str) -> tuple[str, int] | WerkzeugResponse:
    """Where the provider sends the visitor back: a staff session, or why there is none."""
    provider = sso.provider(slug) or abort(404)
    if current_user.is_authenticated:  # as on the login form: one login per browser
        return redirect(url_for("staff.meetings"))
    next_page = session.pop(SSO_NEXT, None)
    email, reason = _verified_email(provider)
    if email is None:
        # Nothing the provider said is kept: an unverified address may be anyone's.
        audit.record(db.session(), None, "login_failed", reason=reason, provider=slug)
        db.session().commit()
        return _sso_refused(_REFUSALS[str(reason)](provider.name))
    user = log_in_verified(db.session(), email, slug)
    if user is None:
        db.session().commit()
        return _sso_refused(
            _(
                "Du är inloggad hos %(name)s som %(email)s, men den adressen har inget aktivt "
                "konto här. Be en administratör att lägga upp eller öppna kontot.",
                name=provider.name,
                email=email,
            )
        )
    return _begin_staff_session(user, next_page)


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
