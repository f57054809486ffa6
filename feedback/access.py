"""Who may do what, in one place: roles, permissions per staff action, and district scope.

Every staff blueprint runs `guard` before each request. It looks the action (endpoint and
method) up in RULES, so an action without a rule is refused rather than opened, and it answers
404 for a meeting, district or pledge outside the user's scope, so nothing about other
districts leaks. The scope lies inside the request's organisation (`feedback.organisations`),
and a staff page of an organisation the user does not work for is a 404 too.

A coordinator's pledges are those whose districts are all theirs; a pledge
for the whole municipality (no district) or reaching into another district is not theirs.
Pages about the whole municipality pass `scope()` into their report query instead.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Flask, abort, g, request
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import db, pledges
from feedback.meetings import list_districts
from feedback.models import District, Meeting, Organisation, Pledge, User
from feedback.organisations import district_ids
from feedback.organisations import web as organisations_web

# What each role may do. Coordinators are further limited to their own districts.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {"view", "organise", "moderate", "export", "free_text", "administer", "account"}
    ),
    "coordinator": frozenset({"view", "organise", "moderate", "free_text", "account"}),
    "analyst": frozenset({"view", "export", "free_text", "account"}),
}

# The permission each staff action needs, by endpoint and method: a page that shows on GET and
# changes on POST has two rules, so that reading it never lets anyone change it. HEAD is a GET.
# An action missing here is refused (403) for everyone, and tests/test_access.py fails on it.
RULES: dict[tuple[str, str], str] = {
    ("staff.meetings", "GET"): "view",
    ("staff.meeting", "GET"): "view",
    ("staff.new_meeting", "GET"): "organise",
    ("staff.new_meeting", "POST"): "organise",
    ("staff.edit_meeting", "GET"): "organise",
    ("staff.edit_meeting", "POST"): "organise",
    ("staff.cancel", "GET"): "organise",  # asks first
    ("staff.cancel", "POST"): "organise",
    ("staff.reinstate", "POST"): "organise",
    ("staff.import_schedule", "GET"): "organise",
    ("staff.import_schedule", "POST"): "organise",
    ("staff.kiosk", "POST"): "organise",
    ("staff.paper", "GET"): "organise",
    ("staff.paper_entry", "GET"): "organise",
    ("staff.paper_entry", "POST"): "organise",
    ("staff.preview", "GET"): "organise",
    ("staff.preview", "POST"): "organise",  # stores nothing, but belongs with the meeting's tools
    ("staff.poster", "GET"): "organise",
    ("staff.posters", "GET"): "organise",
    ("staff.qr_code", "GET"): "organise",
    ("review.districts", "GET"): "view",
    ("review.district", "GET"): "view",
    ("review.overview", "GET"): "view",
    ("review.region", "GET"): "view",
    ("review.region_aggregates", "GET"): "export",
    ("review.moderation_queue", "GET"): "moderate",
    ("review.moderate", "POST"): "moderate",
    ("review.export", "GET"): "export",
    ("review.export_responses", "GET"): "export",
    ("review.export_codebook", "GET"): "export",
    ("review.export_aggregates", "GET"): "export",
    ("review.export_table", "GET"): "export",
    ("review.export_table_codebook", "GET"): "export",
    ("pledging.basis", "GET"): "view",
    ("pledging.pledges", "GET"): "view",
    ("pledging.new_pledge", "GET"): "organise",
    ("pledging.new_pledge", "POST"): "organise",
    ("pledging.pledge", "GET"): "view",
    ("pledging.pledge", "POST"): "organise",
    ("pledging.add_pledge_note", "POST"): "organise",
    ("pledging.publish_pledge", "POST"): "organise",
    ("pledging.unpublish_pledge", "POST"): "organise",
    ("places.places", "GET"): "view",
    ("places.places", "POST"): "organise",
    ("places.retire_place", "POST"): "organise",
    ("places.restore_place", "POST"): "organise",
    ("actions.actions", "GET"): "view",
    ("actions.new_action", "GET"): "organise",
    ("actions.new_action", "POST"): "organise",
    ("actions.action", "GET"): "view",
    ("actions.add_action_note", "POST"): "organise",
    ("walks.findings", "GET"): "view",
    ("walks.findings", "POST"): "organise",
    ("walks.finding", "GET"): "view",
    ("walks.add_finding_photos", "POST"): "organise",
    ("walks.photo", "GET"): "view",  # one not yet approved only for those who moderate
    ("walks.review_finding_photo", "POST"): "moderate",
    ("admin.users", "GET"): "administer",
    ("admin.new_user", "GET"): "administer",
    ("admin.new_user", "POST"): "administer",
    ("admin.edit_user", "GET"): "administer",
    ("admin.edit_user", "POST"): "administer",
    ("admin.audit_log", "GET"): "administer",
    ("admin.account", "GET"): "account",
    ("admin.account", "POST"): "account",  # everyone changes their own password
}


# Staff actions that are about no single organisation: the own account, the regional overview.
ACROSS_ORGANISATIONS = frozenset({"admin.account", "review.region", "review.region_aggregates"})


def rule(endpoint: str | None, method: str) -> str | None:
    """The permission an action needs; None when the action has no rule."""
    return RULES.get((str(endpoint), "GET" if method == "HEAD" else method))


def can(permission: str, user: User | None = None) -> bool:
    """Whether the user (default: the logged-in one) has a permission."""
    user = user or current_user
    return bool(user.is_authenticated) and permission in PERMISSIONS.get(user.role, frozenset())


def own_districts(user: User | None = None) -> frozenset[int] | None:
    """A coordinator's districts in the request's organisation; None for whoever works with
    all of its districts."""
    user = user or current_user
    if user.role != "coordinator":
        return None
    organisation = organisations_web.current()
    return frozenset(
        d.id for d in user.districts if organisation and d.organisation_id == organisation.id
    )


def scope_in(organisation: Organisation, user: User | None = None) -> frozenset[int]:
    """The district ids a user works with in an organisation of theirs (none in another)."""
    user = user or current_user
    if not any(o.id == organisation.id for o in user.organisations):
        return frozenset()
    if user.role == "coordinator":
        return frozenset(d.id for d in user.districts if d.organisation_id == organisation.id)
    return district_ids(db.session(), organisation.id)


def scope(user: User | None = None) -> frozenset[int]:
    """The district ids a user works with in the request's organisation."""
    if user is None and "scope" in g:
        return g.scope  # type: ignore[no-any-return]
    organisation = organisations_web.current()
    found = scope_in(organisation, user) if organisation else frozenset()
    if user is None:
        g.scope = found
    return found


def required_organisation() -> Organisation:
    """The request's organisation, which every staff page of one has (the guard saw to it)."""
    return organisations_web.required()


def scoped_districts() -> list[District]:
    """The request organisation's districts within the logged-in user's scope, by name."""
    return scoped(list_districts(db.session(), required_organisation().id))


def member(user: User | None = None) -> bool:
    """Whether the user works for the request's organisation."""
    user = user or current_user
    organisation = organisations_web.current()
    return organisation is not None and any(o.id == organisation.id for o in user.organisations)


def in_scope(district_id: int, user: User | None = None) -> bool:
    """Whether a district is within the user's scope."""
    return district_id in scope(user)


def scoped(districts: Collection[District]) -> list[District]:
    """The districts of a list that are within the logged-in user's scope."""
    return [d for d in districts if in_scope(d.id)]


def init_app(app: Flask) -> None:
    """Let templates ask `can("export")` and `own_districts()` to show what a user may follow."""
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["own_districts"] = own_districts


def guard() -> WerkzeugResponse | None:
    """Before every staff action: logged in, allowed, and what it is about within scope."""
    from feedback.auth import login_manager

    if not current_user.is_authenticated:
        response: WerkzeugResponse = login_manager.unauthorized()
        return response
    permission = rule(request.endpoint, request.method)
    if permission is None or not can(permission):
        abort(403)
    named = organisations_web.current()
    if not member() and (named is not None or request.endpoint not in ACROSS_ORGANISATIONS):
        return _into_own_organisation()
    args = request.view_args or {}
    if "meeting_id" in args:
        meeting = db.session().get(Meeting, args["meeting_id"])
        if meeting is None or not in_scope(meeting.district_id):
            abort(404)
    if "district_id" in args:
        district = db.session().get(District, args["district_id"])
        if district is None or not in_scope(district.id):
            abort(404)
    if "pledge_id" in args and pledge_in_scope(args["pledge_id"]) is None:
        abort(404)
    return None


def pledge_in_scope(pledge_id: int) -> Pledge | None:
    """The pledge, if it belongs to the request's organisation and lies in the user's scope."""
    organisation = organisations_web.current()
    if organisation is None:
        return None
    return pledges.find_pledge(db.session(), pledge_id, organisation.id, own_districts())


def _into_own_organisation() -> WerkzeugResponse:
    """Where the address names no organisation of the user's: a page is shown inside the
    user's first organisation; anything else, and another organisation's page, is a 404."""
    page = organisations_web.current() is None and request.method in ("GET", "HEAD")
    if not (page and current_user.organisations):
        abort(404)
    return organisations_web.redirect_into(current_user.organisations[0])
