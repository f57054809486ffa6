"""Organisations: the municipalities one installation serves, each with its own districts.

Meeting codes are unique across organisations, so a survey's address needs no organisation;
everything else a resident or staff member sees belongs to one, chosen by the address's first
part (/borlange/...), by a host name of its own, or by being the only one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Config
from feedback.models import SLUG_PATTERN, District, Organisation, utcnow

if TYPE_CHECKING:
    from feedback.walks.photos import CleanPhoto

COLOUR_PATTERN = r"#[0-9a-f]{6}"


class OrganisationError(ValueError):
    """An organisation's settings are not valid, or its slug is taken."""


@dataclass(frozen=True)
class OrganisationFields:
    """What an organisation is called and how it is reached."""

    slug: str
    name: str
    contact_email: str = ""
    host: str | None = None
    colour: str = Organisation.DEFAULT_COLOUR
    bounds: tuple[float, float, float, float] | None = None


def slugify(name: str) -> str:
    """A slug from a municipality's name: "Borlänge kommun" gives "borlange"."""
    name = re.sub(r"\s+(kommun|kommuns?)$", "", name.strip(), flags=re.IGNORECASE)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def first_organisation() -> dict[str, object]:
    """The organisation an installation from before organisations moves into, as the columns
    of its row: named by the settings it ran with (ORGANISATION, CONTACT_EMAIL, AREA_BOUNDS)."""
    config = current_app.config if has_app_context() else vars(Config)
    name = str(config.get("ORGANISATION") or Config.ORGANISATION)
    bounds = config.get("AREA_BOUNDS", Config.AREA_BOUNDS)
    south, west, north, east = bounds if bounds else (None, None, None, None)
    return {
        "slug": slugify(name) or "kommun",
        "name": name,
        "contact_email": str(config.get("CONTACT_EMAIL") or ""),
        "colour": Organisation.DEFAULT_COLOUR,
        "south": south,
        "west": west,
        "north": north,
        "east": east,
        "created_at": utcnow(),
    }


def check_fields(fields: OrganisationFields, reserved: frozenset[str] = frozenset()) -> None:
    """Refuse a slug that is not one, or that an address of the app already uses."""
    if not re.fullmatch(SLUG_PATTERN, fields.slug):
        raise OrganisationError(
            f"the slug {fields.slug!r} must be 2–40 of a–z, 0–9 and -, starting with a letter"
        )
    if fields.slug in reserved:
        raise OrganisationError(f"the slug {fields.slug!r} is an address of the app itself")
    if not fields.name.strip():
        raise OrganisationError("an organisation needs a name")
    if not re.fullmatch(COLOUR_PATTERN, fields.colour):
        raise OrganisationError(f"the colour {fields.colour!r} must be written #rrggbb")
    if fields.bounds is not None:
        south, west, north, east = fields.bounds
        if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
            raise OrganisationError("the area must be south, west, north, east, in degrees")


def create_organisation(
    session: Session, fields: OrganisationFields, reserved: frozenset[str] = frozenset()
) -> Organisation:
    """Add an organisation; its slug and host must be free."""
    check_fields(fields, reserved)
    if find_organisation(session, fields.slug) is not None:
        raise OrganisationError(f"there is already an organisation {fields.slug!r}")
    if fields.host and by_host(session, fields.host) is not None:
        raise OrganisationError(f"another organisation has the host {fields.host!r}")
    south, west, north, east = fields.bounds or (None, None, None, None)
    organisation = Organisation(
        slug=fields.slug,
        name=fields.name.strip(),
        contact_email=fields.contact_email.strip(),
        host=(fields.host or "").strip().lower() or None,
        colour=fields.colour,
        south=south,
        west=west,
        north=north,
        east=east,
    )
    session.add(organisation)
    session.flush()
    return organisation


def update_organisation(
    session: Session, organisation: Organisation, fields: OrganisationFields
) -> None:
    """Change an organisation's name, contact, host, colour or area; its slug stays, since
    every address of its pages holds it."""
    check_fields(fields)
    if fields.slug != organisation.slug:
        raise OrganisationError("an organisation's slug cannot change")
    host = (fields.host or "").strip().lower() or None
    other = by_host(session, host) if host else None
    if other is not None and other.id != organisation.id:
        raise OrganisationError(f"another organisation has the host {host!r}")
    organisation.name = fields.name.strip()
    organisation.contact_email = fields.contact_email.strip()
    organisation.host = host
    organisation.colour = fields.colour
    bounds = fields.bounds or (None, None, None, None)
    organisation.south, organisation.west, organisation.north, organisation.east = bounds
    session.flush()


def fields_of(organisation: Organisation) -> OrganisationFields:
    """An organisation's settings as they are, to change some."""
    return OrganisationFields(
        organisation.slug,
        organisation.name,
        organisation.contact_email,
        organisation.host,
        organisation.colour,
        organisation.bounds,
    )


def set_logo(session: Session, organisation: Organisation, logo: CleanPhoto | None) -> None:
    """Give an organisation's posters a logo (already cleaned), or none."""
    organisation.logo = logo.data if logo else None
    session.flush()


def find_organisation(session: Session, slug: str) -> Organisation | None:
    """The organisation with this slug."""
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def by_host(session: Session, host: str) -> Organisation | None:
    """The organisation with this host name of its own."""
    return session.scalar(select(Organisation).where(Organisation.host == host.lower()))


def list_organisations(session: Session) -> Sequence[Organisation]:
    """Every organisation, by name."""
    return session.scalars(select(Organisation).order_by(Organisation.name)).all()


def only_organisation(session: Session) -> Organisation | None:
    """The organisation, when the installation has exactly one."""
    found = session.scalars(select(Organisation).order_by(Organisation.id).limit(2)).all()
    return found[0] if len(found) == 1 else None


def district_ids(session: Session, organisation_id: int) -> frozenset[int]:
    """The ids of an organisation's districts."""
    return frozenset(
        session.scalars(select(District.id).where(District.organisation_id == organisation_id))
    )
