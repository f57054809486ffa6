"""Pledges (medborgarlöften): recording them, keeping them current, and reading them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from feedback.models import District, Pledge, PledgeNote

T = TypeVar("T")


@dataclass(frozen=True)
class PledgeFields:
    """What staff write about a pledge."""

    organisation_id: int
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
    if not covers_only(fields.districts, district_ids) or any(
        d.organisation_id != fields.organisation_id for d in fields.districts
    ):
        raise OutOfScope("a pledge may cover only districts within the scope")
    if pledge is not None and pledge.organisation_id != fields.organisation_id:
        raise OutOfScope("a pledge stays with its organisation")
    pledge = pledge or Pledge(organisation_id=fields.organisation_id)
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


def publish(session: Session, pledge: Pledge, now: datetime) -> bool:
    """Make a draft public on /loften; False if it already was."""
    if pledge.published_at is not None:
        return False
    pledge.published_at = now
    session.flush()
    return True


def unpublish(session: Session, pledge: Pledge) -> bool:
    """Take a pledge back to a draft, off /loften; False if it was one."""
    if pledge.published_at is None:
        return False
    pledge.published_at = None
    session.flush()
    return True


def find_pledge(
    session: Session,
    pledge_id: int,
    organisation_id: int,
    district_ids: Collection[int] | None = None,
) -> Pledge | None:
    """The organisation's pledge with this id, if it lies within a scope of districts (None:
    the whole organisation)."""
    query = _chosen(select(Pledge).where(Pledge.id == pledge_id), organisation_id, district_ids)
    return session.scalar(query)


def pledges_of(
    session: Session,
    year: int,
    organisation_id: int,
    district_ids: Collection[int] | None = None,
    *,
    published_only: bool = False,
) -> Sequence[Pledge]:
    """An organisation's pledges of a year (within a scope of districts; the published ones
    only, for the public), in the order they were recorded."""
    query = _chosen(
        select(Pledge).where(Pledge.year == year), organisation_id, district_ids, published_only
    )
    return session.scalars(query.order_by(Pledge.id)).all()


def pledge_years(
    session: Session,
    organisation_id: int,
    district_ids: Collection[int] | None = None,
    *,
    published_only: bool = False,
) -> list[int]:
    """The years that have pledges (as pledges_of chooses them), newest first."""
    query = _chosen(select(Pledge.year), organisation_id, district_ids, published_only)
    return sorted(set(session.scalars(query)), reverse=True)


def _chosen(
    query: Select[T],
    organisation_id: int,
    district_ids: Collection[int] | None,
    published_only: bool = False,
) -> Select[T]:
    query = query.where(Pledge.organisation_id == organisation_id)
    if district_ids is not None:
        query = query.where(_within(district_ids))
    if published_only:
        query = query.where(Pledge.published_at.is_not(None))
    return query
