"""Safety walks (trygghetsvandringar): the checklist, and the findings walkers record.

A walk is a meeting of kind "walk": it has a poster and a survey like a dialogue, and on it
staff record findings on a phone: a place of the district (chosen, or added by name), what is
wrong from the checklist, how serious it is, a note and photos. The checklist is data,
versioned like the questionnaire (feedback/walks/checklists/v<N>.json); a finding keeps the
version it was recorded with, so a category a later version drops still has its label.
Photos wait for a coordinator's approval before any public page or print shows them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from importlib import resources

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import Session, joinedload, selectinload

from feedback.meetings import local, local_datetime
from feedback.models import SEVERITIES, District, Finding, FindingPhoto, Meeting, Place
from feedback.places import PlaceLine, find_place, import_places, place_key
from feedback.walks.photos import CleanPhoto

DEFAULT_LANGUAGE = "sv"


@dataclass(frozen=True)
class Item:
    """A checklist category or a degree of seriousness, with its stable code."""

    code: str
    labels: dict[str, str]

    def label(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The wording in a language, Swedish where it has none."""
        return self.labels.get(language) or self.labels[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Checklist:
    """One version of what walkers look for, and how serious a finding can be."""

    version: int
    categories: tuple[Item, ...]
    severities: tuple[Item, ...]

    def category(self, code: str) -> Item | None:
        """The category with this code, or None."""
        return next((c for c in self.categories if c.code == code), None)

    def severity(self, code: str) -> Item | None:
        """The degree of seriousness with this code, or None."""
        return next((s for s in self.severities if s.code == code), None)


def _items(data: list[dict[str, object]], what: str) -> tuple[Item, ...]:
    items = tuple(Item(str(d["code"]), dict(d["labels"])) for d in data)  # type: ignore[call-overload]
    codes = [i.code for i in items]
    if len(set(codes)) != len(codes) or any(DEFAULT_LANGUAGE not in i.labels for i in items):
        raise ValueError(f"checklist {what}: codes must be unique and every label in Swedish")
    return items


@cache
def versions() -> tuple[int, ...]:
    """The checklist versions there are files for, oldest first."""
    folder = resources.files("feedback.walks") / "checklists"
    names = [f.name for f in folder.iterdir()]
    return tuple(sorted(int(n[1:-5]) for n in names if n.startswith("v") and n.endswith(".json")))


@cache
def checklist(version: int | None = None) -> Checklist:
    """A version of the checklist, by default the newest: the one new findings are recorded in."""
    number = versions()[-1] if version is None else version
    path = resources.files("feedback.walks") / "checklists" / f"v{number}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    found = Checklist(
        version=int(data["version"]),
        categories=_items(data["categories"], "categories"),
        severities=_items(data["severities"], "severities"),
    )
    if found.version != number or tuple(s.code for s in found.severities) != SEVERITIES:
        raise ValueError(f"checklist v{number}: wrong version, or severities not {SEVERITIES}")
    return found


def category_label(finding: Finding, language: str = DEFAULT_LANGUAGE) -> str:
    """What a finding is about, in the words of the checklist it was recorded with."""
    item = checklist(finding.checklist_version).category(finding.category)
    return item.label(language) if item else finding.category


def severity_label(finding: Finding, language: str = DEFAULT_LANGUAGE) -> str:
    """How serious a finding is, in words."""
    item = checklist(finding.checklist_version).severity(finding.severity)
    return item.label(language) if item else finding.severity


class NotInDistrict(ValueError):
    """A place given for a finding is not one of the walk's district's places in use."""


@dataclass(frozen=True)
class FindingFields:
    """What a walker records: a place chosen (its id) or added (a name, perhaps a position),
    the category, how serious, and a note."""

    category: str
    severity: str
    note: str
    place_id: int | None = None
    new_place: PlaceLine | None = None


def record_finding(
    session: Session,
    walk: Meeting,
    fields: FindingFields,
    photos: Sequence[CleanPhoto],
    author: str,
) -> Finding:
    """A finding on a walk with its photos (all waiting for approval), in one flush: a place
    added by name joins the district's places, or brings back the place of that name."""
    if fields.new_place is not None:
        import_places(session, walk.district, [fields.new_place])
        place = session.scalar(
            select(Place).where(
                Place.district_id == walk.district_id,
                Place.key == place_key(fields.new_place.name),
            )
        )
    elif fields.place_id is not None:
        place = find_place(session, walk.district_id, fields.place_id)
    else:
        place = None
    if place is None or place.is_retired:
        raise NotInDistrict("place")
    finding = Finding(
        meeting=walk,
        place=place,
        checklist_version=checklist().version,
        category=fields.category,
        severity=fields.severity,
        note=fields.note,
        created_by=author,
    )
    add_photos(session, finding, photos)
    session.add(finding)
    session.flush()
    return finding


def add_photos(session: Session, finding: Finding, photos: Sequence[CleanPhoto]) -> None:
    """More photos of a finding, each waiting for a coordinator's approval."""
    finding.photos.extend(
        FindingPhoto(data=p.data, width=p.width, height=p.height, status="pending") for p in photos
    )
    session.flush()


def findings_of(session: Session, walk_id: int) -> list[Finding]:
    """A walk's findings, the latest first, with their places and photos' states."""
    query = (
        select(Finding)
        .where(Finding.meeting_id == walk_id)
        .options(joinedload(Finding.place), selectinload(Finding.photos))
        .order_by(Finding.created_at.desc(), Finding.id.desc())
    )
    return list(session.scalars(query))


def year_findings(
    session: Session, district_ids: Collection[int] | None, year: int | None
) -> list[Finding]:
    """The findings of a year's walks (Stockholm's calendar; None: every year) in some
    districts (None: all), by district, walk and place, the most serious first, with their
    actions and photos' states."""
    seriousness = case({code: rank for rank, code in enumerate(SEVERITIES)}, value=Finding.severity)
    query = (
        select(Finding)
        .join(Finding.meeting)
        .join(Meeting.district)
        .join(Finding.place)
        .options(
            joinedload(Finding.place),
            joinedload(Finding.meeting).joinedload(Meeting.district),
            selectinload(Finding.actions),
            selectinload(Finding.photos).load_only(FindingPhoto.status),
        )
        .order_by(District.name, Meeting.starts_at, Place.key, seriousness.desc(), Finding.id)
    )
    if year is not None:
        start, end = (local_datetime(date(y, 1, 1), time()) for y in (year, year + 1))
        query = query.where(Meeting.starts_at >= start, Meeting.starts_at < end)
    if district_ids is not None:
        query = query.where(Meeting.district_id.in_(district_ids))
    return list(session.scalars(query))


# The findings export's columns and what each holds, for its codebook. Photos are never in it.
COLUMNS = {
    "finding_id": _l("Fyndets nummer."),
    "district": _l("Kommundelen vandringen gick i."),
    "walk_code": _l("Vandringens kod (samma som på affischen)."),
    "walk_starts_at": _l("När vandringen började, svensk tid."),
    "place_id": _l("Platsens nummer, som i platsexporten."),
    "place": _l("Platsens namn."),
    "checklist_version": _l("Versionen av checklistan fyndet antecknades med."),
    "category": _l("Vad fyndet gäller, checklistans kod."),
    "category_label": _l("Vad fyndet gäller, i ord."),
    "severity": _l("Hur allvarligt: low, medium eller high."),
    "note": _l("Anteckningen."),
    "photos": _l("Antal foton (fotona själva exporteras aldrig)."),
    "photos_approved": _l("Antal foton som godkänts för publicering."),
    "action_ids": _l("Åtgärder som gjorts av fyndet, deras nummer åtskilda av semikolon."),
    "created_at": _l("När fyndet antecknades, svensk tid."),
}


def export_rows(findings: Sequence[Finding]) -> Iterator[list[object]]:
    """The header, then a row per finding; times on Stockholm's clock, as in every export."""
    yield list(COLUMNS)
    for f in findings:
        yield [
            f.id,
            f.meeting.district.name,
            f.meeting.code,
            local(f.meeting.starts_at).replace(tzinfo=None),
            f.place_id,
            f.place.name,
            f.checklist_version,
            f.category,
            category_label(f),
            f.severity,
            f.note,
            len(f.photos),
            sum(p.status == "approved" for p in f.photos),
            ";".join(str(a.id) for a in f.actions),
            local(f.created_at).replace(tzinfo=None),
        ]


def has_findings(session: Session, walk_id: int) -> bool:
    """Whether a walk has findings (and so must stay a walk)."""
    return (
        session.scalar(select(Finding.id).where(Finding.meeting_id == walk_id).limit(1)) is not None
    )


def find_finding(session: Session, walk_id: int, finding_id: int) -> Finding | None:
    """A finding of this walk; None for another walk's."""
    return session.scalar(
        select(Finding).where(Finding.id == finding_id, Finding.meeting_id == walk_id)
    )


def find_photo(session: Session, finding_id: int, photo_id: int) -> FindingPhoto | None:
    """A photo of this finding; None for another finding's."""
    return session.scalar(
        select(FindingPhoto).where(
            FindingPhoto.id == photo_id, FindingPhoto.finding_id == finding_id
        )
    )


def approved_photo(
    session: Session, photo_id: int, district_ids: Collection[int]
) -> FindingPhoto | None:
    """A photo of a walk in some districts approved for public pages and prints; None for any
    other."""
    return session.scalar(
        select(FindingPhoto)
        .join(FindingPhoto.finding)
        .join(Finding.meeting)
        .where(
            FindingPhoto.id == photo_id,
            FindingPhoto.status == "approved",
            Meeting.district_id.in_(district_ids),
        )
    )


def review_photo(
    session: Session, photo: FindingPhoto, status: str, reviewer: str, now: datetime
) -> None:
    """Approve a photo for public pages and prints, or hide it."""
    photo.status = status
    photo.reviewed_at = now
    photo.reviewed_by = reviewer
    session.flush()
