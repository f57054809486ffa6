"""Pledges (medborgarlöften): recording them, keeping them current, and reading them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
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


def save_pledge(session: Session, fields: PledgeFields, pledge: Pledge | None = None) -> Pledge:
    """Record a new pledge, or change one."""
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


def pledges_of(session: Session, year: int) -> Sequence[Pledge]:
    """A year's pledges, in the order they were recorded."""
    return session.scalars(select(Pledge).where(Pledge.year == year).order_by(Pledge.id)).all()


def pledge_years(session: Session) -> list[int]:
    """The years that have pledges, newest first."""
    return sorted(set(session.scalars(select(Pledge.year))), reverse=True)
