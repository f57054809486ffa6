"""Trygghetsdialog: citizen dialogues on safety, from schedule to QR poster to answers."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback import (
    access,
    admin,
    api,
    assets,
    auth,
    cli,
    db,
    feeds,
    i18n,
    inputs,
    pledging,
    public,
    review,
    sso,
    staff,
)
from feedback.actions import views as actions_views
from feedback.organisations import web as organisations_web
from feedback.places import views as places_views
from feedback.places.map import check_map
from feedback.walks import views as walks_views

# Values that mean "nobody set a secret key"; a deployment must not run with one of these.
_PLACEHOLDER_KEYS = {None, "", "dev", "change-me", "secret"}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config.py, then instance/config.py, then FEEDBACK_* variables."""
    # Static files are served by feedback.assets, under fingerprinted names.
    app = Flask(
        __name__, instance_relative_config=True, template_folder="../templates", static_folder=None
    )
    app.config.from_object("config.Config")
    # Each app its own copy, so that FEEDBACK_OIDC_PROVIDERS__<slug>__<key> fills this app's.
    app.config["OIDC_PROVIDERS"] = copy.deepcopy(app.config["OIDC_PROVIDERS"])
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("FEEDBACK")
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["DATABASE_URL"] is None:
        path = os.path.join(app.instance_path, "feedback.sqlite")
        app.config["DATABASE_URL"] = f"sqlite:///{path}"
    if app.config["SECRET_KEY"] in _PLACEHOLDER_KEYS and not (app.debug or app.testing):
        raise RuntimeError(
            "No SECRET_KEY configured. Set FEEDBACK_SECRET_KEY or SECRET_KEY in "
            "instance/config.py (`make instance/config.py` writes a random one)."
        )
    app.config["PUBLIC_BASE_URL"] = app.config["PUBLIC_BASE_URL"].rstrip("/")
    check_map(app.config)
    if app.config["PUBLIC_BASE_URL"].startswith("https://"):
        # Served over HTTPS: the cookies never travel over plain HTTP.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if app.config["PROXY_FIX"]:
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    organisations_web.init_app(app)
    assets.init_app(app)  # first: its compression must run after every other after_request
    inputs.init_app(app)  # before any route: the int converter must exist
    db.init_app(app)
    i18n.init_app(app)
    sso.init_app(app)
    auth.init_app(app)
    access.init_app(app)
    public.init_app(app)
    staff.init_app(app)
    review.init_app(app)
    pledging.init_app(app)
    places_views.init_app(app)
    actions_views.init_app(app)
    walks_views.init_app(app)
    admin.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    feeds.init_app(app)
    return app
