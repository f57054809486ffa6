"""Who may do what, in one place: roles, permissions per staff page, and district scope.

Every staff blueprint runs `guard` before each request. It looks the page up in RULES, so a
page without a rule fails loudly rather than opening, and it answers 404 for a meeting or
district outside the user's scope, so nothing about other districts leaks.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Flask, abort, request
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback import db
from feedback.models import District, Meeting, User

# What each role may do. Coordinators are further limited to their own districts.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {"view", "organise", "moderate", "export", "free_text", "administer", "account"}
    ),
    "coordinator": frozenset({"view", "organise", "moderate", "free_text", "account"}),
    "analyst": frozenset({"view", "export", "free_text", "account"}),
}

# The permission each staff page needs, by endpoint.
RULES: dict[str, str] = {
    "staff.meetings": "view",
    "staff.meeting": "view",
    "staff.new_meeting": "organise",
    "staff.edit_meeting": "organise",
    "staff.cancel": "organise",
    "staff.import_schedule": "organise",
    "staff.kiosk": "organise",
    "staff.paper": "organise",
    "staff.paper_entry": "organise",
    "staff.preview": "organise",
    "staff.poster": "organise",
    "staff.posters": "organise",
    "staff.qr_code": "organise",
    "review.districts": "view",
    "review.district": "view",
    "review.overview": "view",
    "review.moderation_queue": "moderate",
    "review.moderate": "moderate",
    "review.export": "export",
    "review.export_responses": "export",
    "review.export_codebook": "export",
    "review.export_aggregates": "export",
    "pledging.basis": "view",
    "pledging.pledges": "view",
    "pledging.new_pledge": "organise",
    "pledging.pledge": "view",
    "pledging.add_pledge_note": "organise",
    "admin.users": "administer",
    "admin.new_user": "administer",
    "admin.edit_user": "administer",
    "admin.audit_log": "administer",
    "admin.account": "account",
}


def can(permission: str, user: User | None = None) -> bool:
    """Whether the user (default: the logged-in one) has a permission."""
    user = user or current_user
    return bool(user.is_authenticated) and permission in PERMISSIONS.get(user.role, frozenset())


def scope(user: User | None = None) -> frozenset[int] | None:
    """The district ids a user works in; None means every district."""
    user = user or current_user
    if user.role == "coordinator":
        return frozenset(d.id for d in user.districts)
    return None


def in_scope(district_id: int, user: User | None = None) -> bool:
    """Whether a district is within the user's scope."""
    districts = scope(user)
    return districts is None or district_id in districts


def scoped(districts: Collection[District]) -> list[District]:
    """The districts of a list that are within the logged-in user's scope."""
    return [d for d in districts if in_scope(d.id)]


def init_app(app: Flask) -> None:
    """Let templates ask `can("export")` to show only the links a user may follow."""
    app.jinja_env.globals["can"] = can


def guard() -> WerkzeugResponse | None:
    """Before every staff page: logged in, allowed, and the meeting or district in scope."""
    from feedback.auth import login_manager

    if not current_user.is_authenticated:
        response: WerkzeugResponse = login_manager.unauthorized()
        return response
    if not can(RULES[str(request.endpoint)]):
        abort(403)
    args = request.view_args or {}
    if "meeting_id" in args:
        meeting = db.session().get(Meeting, args["meeting_id"])
        if meeting is None or not in_scope(meeting.district_id):
            abort(404)
    if "district_id" in args:
        district = db.session().get(District, args["district_id"])
        if district is None or not in_scope(district.id):
            abort(404)
    return None
