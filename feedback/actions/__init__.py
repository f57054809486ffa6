"""Actions: what will be done about a problem in a district, by whom and by when.

An action belongs to one district and may name one of its places and serve a pledge. Its
status moves with dated notes (planerad, pågår, klar, avstår), as a pledge's does; an action
not done or declined by its due date is overdue, and the district page says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from feedback.meetings import local
from feedback.models import (
    ACTION_STATES,
    Action,
    ActionNote,
    District,
    Finding,
    Meeting,
    Place,
    Pledge,
)

OPEN_STATES = ("planned", "in_progress")


class NotInDistrict(ValueError):
    """A place or pledge given for an action is not of the action's district."""


@dataclass(frozen=True)
class ActionFields:
    """What staff write about an action."""

    title: str
    text: str
    owner: str
    owner_name: str
    due_on: date | None
    place_id: int | None = None
    pledge_id: int | None = None
    finding_id: int | None = None  # the walk's finding the action answers


def _check(session: Session, district: District, fields: ActionFields) -> None:
    """Raise NotInDistrict for a place or a walk's finding of another district, or a pledge
    that does not cover it."""
    if fields.place_id is not None:
        place = session.get(Place, fields.place_id)
        if place is None or place.district_id != district.id:
            raise NotInDistrict("place")
    if (
        fields.finding_id is not None
        and district_finding(session, district.id, fields.finding_id) is None
    ):
        raise NotInDistrict("finding")
    if fields.pledge_id is not None:
        pledge = session.get(Pledge, fields.pledge_id)
        if pledge is None or district not in pledge.districts:
            raise NotInDistrict("pledge")


def create_action(
    session: Session, district: District, fields: ActionFields, author: str
) -> Action:
    """A new action in a district, planned."""
    _check(session, district, fields)
    action = Action(district=district, created_by=author, status="planned", **fields.__dict__)
    session.add(action)
    session.flush()
    return action


def add_note(
    session: Session, action: Action, written_on: date, text: str, status: str, author: str
) -> ActionNote:
    """A dated note that leaves the action in `status`."""
    note = ActionNote(action=action, written_on=written_on, text=text, status=status, author=author)
    action.status = status
    session.add(note)
    session.flush()
    return note


def actions_of(
    session: Session,
    district_ids: Collection[int] | None,
    states: Collection[str] = ACTION_STATES,
) -> list[Action]:
    """Actions of some districts (None: all) in some states, open ones first, soonest due
    first."""
    query = (
        select(Action)
        .join(Action.district)
        .options(selectinload(Action.place), selectinload(Action.district))
        .order_by(
            Action.status.not_in(OPEN_STATES),
            Action.due_on.is_(None),
            Action.due_on,
            Action.id,
        )
    )
    if district_ids is not None:
        query = query.where(Action.district_id.in_(district_ids))
    return list(session.scalars(query.where(Action.status.in_(states))))


def district_finding(session: Session, district_id: int, finding_id: int) -> Finding | None:
    """A finding of a walk in this district; None for another district's."""
    return session.scalar(
        select(Finding)
        .join(Finding.meeting)
        .where(Finding.id == finding_id, Meeting.district_id == district_id)
    )


def find_action(session: Session, district_id: int, action_id: int) -> Action | None:
    """An action of this district; None for another district's."""
    return session.scalar(
        select(Action).where(Action.id == action_id, Action.district_id == district_id)
    )


def is_overdue(action: Action, today: date) -> bool:
    """Whether an open action's due date has passed."""
    return action.status in OPEN_STATES and action.due_on is not None and action.due_on < today


def overdue(session: Session, district_id: int, today: date) -> list[Action]:
    """A district's open actions past their due date, the longest overdue first."""
    return list(
        session.scalars(
            select(Action)
            .where(
                Action.district_id == district_id,
                Action.status.in_(OPEN_STATES),
                Action.due_on < today,
            )
            .order_by(Action.due_on, Action.id)
        )
    )


@dataclass(frozen=True)
class Done:
    """An action done, and the day its note said so."""

    action: Action
    done_on: date


def done_in(session: Session, year: int, district_ids: Collection[int]) -> list[Done]:
    """The actions in some districts done in a year (by the date of the note that marked them
    done), by district and day, for "Det här har vi gjort"; with their places, and their
    findings' photos."""
    done_on = func.max(ActionNote.written_on)
    query = (
        select(Action, done_on)
        .join(Action.notes)
        .join(Action.district)
        .where(
            Action.status == "done",
            ActionNote.status == "done",
            Action.district_id.in_(district_ids),
        )
        .group_by(Action.id, District.name)
        .having(done_on >= date(year, 1, 1), done_on <= date(year, 12, 31))
        .options(
            selectinload(Action.district),
            selectinload(Action.place),
            selectinload(Action.finding).selectinload(Finding.photos),
        )
        .order_by(District.name, done_on, Action.id)
    )
    return [Done(action, day) for action, day in session.execute(query)]


def pledges_for(session: Session, district_id: int) -> list[Pledge]:
    """The pledges an action in this district can serve: those that cover it, newest first."""
    query = select(Pledge).where(Pledge.districts.any(District.id == district_id))
    return list(session.scalars(query.order_by(Pledge.year.desc(), Pledge.id)))


# The actions export's columns and what each holds, for its codebook.
COLUMNS = {
    "action_id": _l("Åtgärdens nummer."),
    "district": _l("Kommundelen åtgärden gäller."),
    "place_id": _l("Platsens nummer, som i platsexporten; tomt om ingen plats."),
    "place": _l("Platsens namn."),
    "finding_id": _l("Fyndet från en trygghetsvandring som åtgärden kom ur; tomt om inget."),
    "pledge_id": _l("Löftet åtgärden hör till; tomt om inget."),
    "title": _l("Vad som ska göras."),
    "owner": _l("Vem som äger åtgärden: municipality, police, property_owner eller other."),
    "owner_name": _l("Ägarens namn, där det angetts."),
    "due_on": _l("Klart senast; tomt om inget datum är bestämt."),
    "status": _l("planned, in_progress, done eller declined."),
    "overdue": _l("true om åtgärden inte är klar och datumet har passerat."),
    "created_at": _l("När åtgärden skrevs in, svensk tid."),
}


def export_rows(found: Sequence[Action], today: date) -> Iterator[list[object]]:
    """The header, then a row per action; times on Stockholm's clock, as in every export."""
    yield list(COLUMNS)
    for a in found:
        yield [
            a.id,
            a.district.name,
            a.place_id,
            a.place.name if a.place else None,
            a.finding_id,
            a.pledge_id,
            a.title,
            a.owner,
            a.owner_name,
            a.due_on,
            a.status,
            is_overdue(a, today),
            local(a.created_at).replace(tzinfo=None),
        ]
