"""Administration: staff accounts and their districts, the audit log, and one's own password."""

from __future__ import annotations

import secrets

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from feedback import audit, db
from feedback.access import guard, required_organisation
from feedback.auth import staff_token
from feedback.forms import PasswordForm, UserForm
from feedback.meetings import list_districts
from feedback.models import District, User
from feedback.users import (
    AccountError,
    authenticate,
    change_password,
    create_user,
    list_users,
    update_user,
)

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")
bp.before_request(guard)


def _user_form(obj: User | None = None) -> UserForm:
    form = UserForm(obj=obj)
    districts = list_districts(db.session(), required_organisation().id)
    if obj is not None and not form.is_submitted():
        form.districts.data = [d.id for d in obj.districts]
    form.districts.choices = [SelectChoice(d.id, d.name) for d in districts]
    return form


def _chosen_districts(form: UserForm, user: User | None = None) -> list[District]:
    """The districts ticked, in this organisation; a user's districts elsewhere stay."""
    organisation = required_organisation().id
    chosen = set(form.districts.data or [])
    kept = [d for d in user.districts if d.organisation_id != organisation] if user else []
    return kept + [d for d in list_districts(db.session(), organisation) if d.id in chosen]


def _user_or_404(user_id: int) -> User:
    """An account an admin here may change: one of this organisation's, working for none
    the admin does not work for (a police account across municipalities is changed by an
    admin of all of them), so no admin reaches into another organisation."""
    user = db.session().get(User, user_id)
    theirs = {o.id for o in current_user.organisations}
    if user is None or required_organisation() not in user.organisations:
        abort(404)
    if not {o.id for o in user.organisations} <= theirs:
        abort(403)
    return user


@bp.route("/users")
def users() -> str:
    """Every staff account of the organisation with its role and districts."""
    found = list_users(db.session(), required_organisation().id)
    return render_template("admin/users.html", users=found)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> tuple[str, int] | WerkzeugResponse:
    """Create an account; without a password given, a random one is shown once."""
    form = _user_form()
    if form.validate_on_submit():
        password = form.password.data or secrets.token_urlsafe(15)
        try:
            user = create_user(
                db.session(),
                form.email.data,
                password,
                form.role.data,
                [required_organisation()],
                _chosen_districts(form),
            )
        except AccountError:
            form.email.errors.append(_("Det finns redan ett konto med den e-postadressen."))
        else:
            audit.record(
                db.session(),
                current_user.email,
                "user_created",
                user.email,
                role=user.role,
                districts=[d.name for d in user.districts],
            )
            db.session().commit()
            if not form.password.data:
                flash(_("Kontot är skapat. Tillfälligt lösenord: %(password)s", password=password))
            else:
                flash(_("Kontot är skapat."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> tuple[str, int] | WerkzeugResponse:
    """Change an account's role, districts or whether it may log in."""
    user = _user_or_404(user_id)
    form = _user_form(user)
    del form.password  # a password is the user's own business; admins set one only at creation
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != "admin" or not form.is_active.data):
            form.role.errors.append(_("Du kan inte ta bort din egen administratörsroll."))
        else:
            update_user(
                db.session(),
                user,
                role=form.role.data,
                districts=_chosen_districts(form, user),
                is_active=form.is_active.data,
            )
            audit.record(
                db.session(),
                current_user.email,
                "user_changed",
                user.email,
                role=user.role,
                districts=[d.name for d in user.districts],
                active=user.is_active,
            )
            db.session().commit()
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), _status(form)


@bp.route("/audit")
def audit_log() -> str:
    """The newest staff actions that matter."""
    action = request.args.get("action") or None
    organisation = required_organisation().id
    names = audit.district_names(db.session(), organisation)
    found = audit.recent(db.session(), organisation, action=action)
    events = [(e, *audit.describe(e, names)) for e in found]
    return render_template("admin/audit.html", events=events, action=action, actions=audit.ACTIONS)


@bp.route("/account", methods=["GET", "POST"])
def account() -> tuple[str, int] | WerkzeugResponse:
    """Change one's own password; every other session of the account ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        if authenticate(db.session(), current_user.email, form.current.data) is None:
            form.current.errors.append(_("Fel lösenord."))
        else:
            change_password(db.session(), current_user, form.new.data, keep=staff_token())
            audit.record(db.session(), current_user.email, "password_changed")
            db.session().commit()
            flash(_("Lösenordet är bytt. Du är utloggad på alla andra enheter."), "success")
            return redirect(url_for("admin.account"))
    return render_template("admin/account.html", form=form), _status(form)


def _status(form: UserForm | PasswordForm) -> int:
    return 400 if form.is_submitted() and form.errors else 200


def init_app(app: Flask) -> None:
    """Wire the administration pages."""
    app.register_blueprint(bp)
