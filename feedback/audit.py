"""The audit log: who did what that matters, and when."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import questionnaire
from feedback.actions.forms import STATE_NAMES
from feedback.i18n import CHANNEL_NAMES, LANGUAGES
from feedback.models import AuditEvent, District, Organisation, User
from feedback.organisations import web as organisations_web

# What each event is called in the log, in words.
ACTIONS = {
    "login": _l("Loggade in"),
    "login_failed": _l("Misslyckad inloggning"),
    "logout": _l("Loggade ut"),
    "password_changed": _l("Bytte lösenord"),
    "user_created": _l("Skapade ett konto"),
    "user_changed": _l("Ändrade ett konto"),
    "export": _l("Exporterade"),
    "organisation_created": _l("Skapade en organisation"),
    "organisation_changed": _l("Ändrade en organisation"),
    "moderation_approve": _l("Godkände en fritext"),
    "moderation_hide": _l("Dolde en fritext"),
    "moderation_redact": _l("Strök i en fritext"),
    "backup_created": _l("Gjorde en säkerhetskopia"),
    "backup_restored": _l("Läste tillbaka en säkerhetskopia"),
    "kiosk_started": _l("Startade kioskläge"),
    "meeting_cancelled": _l("Ställde in ett möte"),
    "meeting_reinstated": _l("Återinförde ett inställt möte"),
    "pledge_published": _l("Publicerade ett löfte på /loften"),
    "pledge_unpublished": _l("Tog tillbaka ett löfte från /loften till utkast"),
    "places_changed": _l("Lade till eller ändrade platser i en kommundel"),
    "place_retired": _l("Tog bort en plats ur bruk"),
    "place_restored": _l("Tog en plats i bruk igen"),
    "action_created": _l("Lade till en åtgärd"),
    "action_noted": _l("Skrev en anteckning om en åtgärd"),
}
# What an export's file holds.
EXPORTS = {
    "responses.csv": _l("svar (CSV)"),
    "responses.xlsx": _l("svar (Excel)"),
    "aggregates.csv": _l("indikatorer (CSV)"),
    "codebook.csv": _l("kodbok (CSV)"),
    "codebook.json": _l("kodbok (JSON)"),
    "places.csv": _l("platser (CSV)"),
    "places.xlsx": _l("platser (Excel)"),
    "places-codebook.csv": _l("platsernas kodbok (CSV)"),
    "region-aggregates.csv": _l("regionens indikatorer (CSV)"),
}
ROLES = {
    "coordinator": _l("samordnare"),
    "analyst": _l("analytiker"),
    "admin": _l("administratör"),
}
DIALECTS = {"excel-sv": _l("svenskt Excel"), "rfc4180": _l("RFC 4180")}
REASONS = {
    "unknown account": _l("okänt konto"),
    "inactive account": _l("avstängt konto"),
    "unverified address": _l("e-postadressen inte bekräftad"),
    "provider error": _l("avbruten eller nekad hos inloggningstjänsten"),
    "bad state": _l("ogiltig eller redan använd inloggning"),
    "invalid token": _l("ogiltigt svar från inloggningstjänsten"),
    "provider unreachable": _l("inloggningstjänsten svarade inte"),
}


def record(
    session: Session, actor: str | None, action: str, target: str | None = None, **details: Any
) -> AuditEvent:
    """Add an event to the log; it is stored with the caller's commit."""
    # The column holds 200 characters; an e-mail address may have 254.
    target = target[:200] if target else target
    event = AuditEvent(
        actor_email=actor,
        action=action,
        target=target,
        details=details,
        organisation_id=organisations_web.resolved_id(),
    )
    session.add(event)
    return event


def complete(session: Session, event_id: int, **details: Any) -> None:
    """Add what became known later, such as an export's row count, to an event."""
    event = session.get(AuditEvent, event_id)
    if event is not None:
        event.details = {**event.details, **details}


def recent(
    session: Session, organisation_id: int, limit: int = 200, action: str | None = None
) -> Sequence[AuditEvent]:
    """An organisation's newest events first, optionally of one action: those done at its
    addresses; the logins and own-account events of those who work for it; and what concerns
    the installation rather than an organisation (the command line's backups, a failed login
    for no known account)."""
    members = select(User.email).where(User.organisations.any(Organisation.id == organisation_id))
    staff = select(User.email).where(User.organisations.any())
    installation = AuditEvent.actor_email.is_(None) | AuditEvent.actor_email.not_in(staff)
    query = (
        select(AuditEvent)
        .where(
            (AuditEvent.organisation_id == organisation_id)
            | (
                AuditEvent.organisation_id.is_(None)
                & (AuditEvent.actor_email.in_(members) | installation)
            )
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalars(query).all()


def count_since(session: Session, action: str, since: datetime, actor: str) -> int:
    """How many events of an action an actor has had since a moment."""
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == action,
                AuditEvent.actor_email == actor,
                AuditEvent.at >= since,
            )
        )
        or 0
    )


def _question(key: str) -> str:
    """A question's wording in the newest version that asks it, else its key."""
    for version in reversed(questionnaire.versions().values()):
        if key in {q.key for q in version.questions}:
            return version.question(key).label()
    return key


def _words(value: object, names: Mapping[Any, object]) -> str:
    return str(names.get(value, value)) if isinstance(value, str | int) else str(value)


# Each detail's key in words, as a function of its value and the districts' names.
_DETAILS: dict[str, Callable[[Any, Mapping[int, str]], str]] = {
    "rows": lambda n, _d: ngettext("%(rows)s rad", "%(rows)s rader", n, rows=format_decimal(n)),
    "responses": lambda n, _d: ngettext("%(n)s svar", "%(n)s svar", n, n=format_decimal(n)),
    "size": lambda n, _d: _("%(mb)s MB", mb=format_decimal(round(n / 1e6, 1))),
    "role": lambda role, _d: _("roll: %(role)s", role=_words(role, ROLES)),
    "districts": lambda names, _d: _("kommundelar: %(names)s", names=", ".join(names) or _("inga")),
    "active": lambda on, _d: _("aktivt") if on else _("avstängt"),
    "reason": lambda why, _d: _words(why, REASONS),
    "provider": lambda slug, _d: _("via %(provider)s", provider=slug),
    "question": lambda key, _d: _("fråga: %(label)s", label=_question(key)),
    "year": lambda year, _d: _("år %(year)s", year=year),
    "district": lambda d_id, d: _("kommundel %(name)s", name=d.get(d_id, d_id)),
    "meeting": lambda code, _d: _("möte %(code)s", code=code),
    "channel": lambda channel, _d: _("kanal: %(name)s", name=_words(channel, CHANNEL_NAMES)),
    "version": lambda v, _d: _("enkätversion %(v)s", v=v),
    "labels": lambda lang, _d: _("svarstexter på %(lang)s", lang=_words(lang, LANGUAGES)),
    "dialect": lambda name, _d: _("format: %(name)s", name=_words(name, DIALECTS)),
    "added": lambda n, _d: ngettext("%(n)s ny plats", "%(n)s nya platser", n, n=n),
    "restored": lambda n, _d: ngettext(
        "%(n)s plats i bruk igen", "%(n)s platser i bruk igen", n, n=n
    ),
    "moved": lambda n, _d: ngettext(
        "%(n)s plats med nytt läge", "%(n)s platser med nytt läge", n, n=n
    ),
    "status": lambda code, _d: _("status: %(name)s", name=_words(code, STATE_NAMES)),
    "per_meeting": lambda on, _d: _("per möte") if on in (True, "true") else _("per kommundel"),
}
# The details that describe what an export held back or chose: named as its filter.
_FILTERS = ("year", "district", "meeting", "channel", "version", "labels", "dialect", "per_meeting")


def describe(event: AuditEvent, districts: Mapping[int, str]) -> tuple[str, str]:
    """An event in words: what happened, and its details ("Exporterade svar (CSV)", "282
    rader, filter: år 2019, kommundel Hagalund"). A key the log does not know is shown as
    it is, never dropped."""
    action = str(ACTIONS.get(event.action, event.action))
    if event.action == "export" and event.target:
        action = f"{action} {_words(event.target, EXPORTS)}"
    plain: list[str] = []
    filters: list[str] = []
    for key, value in event.details.items():
        if value is None:
            continue
        said = _DETAILS[key](value, districts) if key in _DETAILS else f"{key}: {value}"
        (filters if key in _FILTERS else plain).append(said)
    if filters:
        plain.append(_("filter: %(filters)s", filters=", ".join(filters)))
    return action, ", ".join(plain)


def district_names(session: Session, organisation_id: int) -> dict[int, str]:
    """An organisation's districts' names by id, for the details that name a district by id."""
    query = select(District.id, District.name).where(District.organisation_id == organisation_id)
    return dict(session.execute(query).all())
