"""Pledges (medborgarlöften): recording them, keeping them current, and reading them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from feedback.models import District, Pledge, PledgeNote


@dataclass(frozen=True)
class PledgeFields:
    """What staff write about a pledge."""

    year: int
    title: str
    text: str
    responsible: str
    districts: Collection[District]
    indicators: Collection[str]
    activities: str


class OutOfScope(ValueError):
    """A pledge would cover a district outside the scope of whoever records it."""


def covers_only(districts: Collection[District], district_ids: Collection[int] | None) -> bool:
    """Whether a pledge for these districts lies within a scope (None: every district).

    A pledge with no district is for the whole municipality, so it lies within no smaller scope.
    """
    if district_ids is None:
        return True
    return bool(districts) and all(d.id in district_ids for d in districts)


def _within(district_ids: Collection[int]) -> ColumnElement[bool]:
    """The SQL condition of `covers_only`: some district, and none outside the scope."""
    outside = Pledge.districts.any(District.id.not_in(district_ids))
    return Pledge.districts.any() & ~outside


def save_pledge(
    session: Session,
    fields: PledgeFields,
    pledge: Pledge | None = None,
    *,
    district_ids: Collection[int] | None = None,
) -> Pledge:
    """Record a new pledge, or change one, within a scope of districts (None: any)."""
    if not covers_only(fields.districts, district_ids):
        raise OutOfScope("a pledge may cover only districts within the scope")
    pledge = pledge or Pledge()
    pledge.year = fields.year
    pledge.title = fields.title.strip()
    pledge.text = fields.text.strip()
    pledge.responsible = fields.responsible
    pledge.districts = list(fields.districts)
    pledge.indicators = list(fields.indicators)
    pledge.activities = fields.activities.strip()
    session.add(pledge)
    session.flush()
    return pledge


def add_note(
    session: Session, pledge: Pledge, written_on: date, text: str, status: str, author: str
) -> PledgeNote:
    """A dated progress note; the pledge takes the status the note gives."""
    note = PledgeNote(written_on=written_on, text=text.strip(), status=status, author=author)
    pledge.notes.append(note)
    pledge.status = status
    session.flush()
    return note


def find_pledge(
    session: Session, pledge_id: int, district_ids: Collection[int] | None = None
) -> Pledge | None:
    """The pledge with this id, if it lies within a scope of districts (None: any)."""
    query = select(Pledge).where(Pledge.id == pledge_id)
    if district_ids is not None:
        query = query.where(_within(district_ids))
    return session.scalar(query)


def pledges_of(
    session: Session, year: int, district_ids: Collection[int] | None = None
) -> Sequence[Pledge]:
    """A year's pledges (within a scope of districts), in the order they were recorded."""
    query = select(Pledge).where(Pledge.year == year)
    if district_ids is not None:
        query = query.where(_within(district_ids))
    return session.scalars(query.order_by(Pledge.id)).all()


def pledge_years(session: Session, district_ids: Collection[int] | None = None) -> list[int]:
    """The years that have pledges (within a scope of districts), newest first."""
    query = select(Pledge.year)
    if district_ids is not None:
        query = query.where(_within(district_ids))
    return sorted(set(session.scalars(query)), reverse=True)
