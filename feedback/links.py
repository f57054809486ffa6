"""Absolute links built from the configured public base URL, never from the request's host."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from feedback.meetings import local
from feedback.models import Meeting


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of an endpoint under PUBLIC_BASE_URL; works outside requests too."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    url: str = adapter.build(endpoint, values, force_external=True)
    return url


def survey_url(meeting: Meeting) -> str:
    """The short link a poster prints for typing: https://host/s/K7QX2MA."""
    return public_url("public.survey", code=meeting.code, channel="link")


def qr_url(meeting: Meeting) -> str:
    """What the QR code encodes: https://host/q/K7QX2MA, so that scans are counted as such."""
    return public_url("public.survey", code=meeting.code, channel="qr")


def meeting_links(meeting: Meeting) -> dict[str, str]:
    """Every absolute link a script may want for a meeting."""
    return {
        "survey_url": survey_url(meeting),
        "qr_url": qr_url(meeting),
        "poster_url": public_url("staff.poster", meeting_id=meeting.id),
        "qr_png_url": public_url("staff.qr_code", meeting_id=meeting.id, fmt="png"),
        "qr_svg_url": public_url("staff.qr_code", meeting_id=meeting.id, fmt="svg"),
    }


def public_record(meeting: Meeting) -> dict[str, object]:
    """A meeting as the public schedule gives it: Stockholm times and the survey link."""
    start, end = local(meeting.starts_at), local(meeting.ends_at)
    return {
        "code": meeting.code,
        "district": meeting.district.name,
        "district_id": meeting.district_id,
        "date": start.date().isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "place": meeting.place,
        "address": meeting.address,
        "cancelled": meeting.is_cancelled,
        "survey_url": survey_url(meeting),
    }
