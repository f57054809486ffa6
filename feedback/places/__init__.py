"""Places: the named places of each district (a bus stop, an underpass, a car park, a square).

Coordinators keep them as a text list, one place per line, optionally with its position after
a semicolon: `Resecentrum; 60.4853, 15.4364`. The same list comes from a file on the command
line and from the district's places page, and the same function stores both. A place is
retired, never deleted, so the answers, findings and actions that name it still join; a name
that comes back in a list brings its place back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from feedback.meetings import local
from feedback.models import District, Place
from feedback.questionnaire import Indicator, Question

MAX_NAME = 120
MAX_LINES = 500
# A position: latitude and longitude in decimal degrees, with a point or a Swedish comma,
# separated by a comma, a semicolon or blanks ("60.4853, 15.4364", "60,4853 15,4364").
_NUMBER = r"[-−]?\d{1,3}(?:[.,]\d+)?"
_POSITION = re.compile(rf"\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*")

Bounds = tuple[float, float, float, float]  # south, west, north, east

# The answer to the place question that names no place.
NONE_OF_THEM = "none"
# The answer that names a place outside the list, said in the text question its `other` names.
ANOTHER = "other"
# Who a place's share is a share of.
PLACE_DENOMINATOR = {
    "sv": "Alla som besvarade frågan om otrygga platser, även de som svarade att det inte finns "
    "någon särskild plats. Var och en kunde nämna flera platser.",
    "en": "Everyone who answered the question on unsafe places, including those who answered "
    "that there is no particular place. Each could name several places.",
    "ar": "جميع من أجابوا عن سؤال الأماكن غير الآمنة، بمن فيهم من أجابوا بأنه لا يوجد مكان "
    "معيّن. كان بإمكان كل شخص أن يذكر عدة أماكن.",
    "so": "Dhammaan intii ka jawaabtay su'aasha meelaha aan ammaanka ahayn, oo ay ku jiraan "
    "kuwii ku jawaabay inaanay jirin meel gaar ah. Qof kastaa wuxuu magacaabi karay meelo badan.",
    "fa": "همهٔ کسانی که به پرسش مکان‌های ناامن پاسخ دادند، از جمله کسانی که گفتند مکان خاصی "
    "نیست. هر نفر می‌توانست از چند مکان نام ببرد.",
    "fa_AF": "همهٔ کسانی که به پرسش جاهای ناامن پاسخ دادند، از جمله کسانی که گفتند جای خاصی "
    "نیست. هر نفر می‌توانست از چند جا نام ببرد.",
}


@dataclass(frozen=True)
class PlaceLine:
    """One line of a place list: its number, the name and the position if one was given."""

    number: int
    name: str
    position: tuple[float, float] | None = None


@dataclass(frozen=True)
class LineProblem:
    """Why a line of a place list cannot be stored, for the person who wrote it."""

    number: int | None  # None: the list as a whole
    text: str
    message: LazyString

    def __str__(self) -> str:
        if self.number is None:
            return str(self.message)
        return str(
            _l(
                "Rad %(number)d (%(text)s): %(message)s",
                number=self.number,
                text=self.text,
                message=self.message,
            )
        )


class PlaceListError(ValueError):
    """A place list with lines that cannot be stored; nothing of it is stored."""

    def __init__(self, problems: Sequence[LineProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


def place_key(name: str) -> str:
    """What makes two names the same place: spacing and case aside."""
    return " ".join(name.split()).casefold()


def parse_places(text: str, bounds: Bounds | None) -> list[PlaceLine]:
    """The places of a text list, one per line; blank lines are skipped.

    Raises PlaceListError naming every line that cannot be stored: a missing or too long
    name, a position that is not two numbers, outside the Earth or outside `bounds`, a name
    given twice, more than MAX_LINES places.
    """
    lines: list[PlaceLine] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        name, _, where = (part.strip() for part in raw.partition(";"))
        name = " ".join(name.split())
        shown = raw.strip()[:60]
        message = _name_problem(name) or (_position_problem(where, bounds) if where else None)
        if message is None and place_key(name) in seen:
            message = _l("samma plats som på rad %(line)d.", line=seen[place_key(name)])
        if message is not None:
            problems.append(LineProblem(number, shown, message))
            continue
        seen[place_key(name)] = number
        lines.append(PlaceLine(number, name, _position(where) if where else None))
    if len(lines) > MAX_LINES:
        problems.append(
            LineProblem(None, "", _l("Högst %(max)d platser på en gång.", max=MAX_LINES))
        )
    if problems:
        raise PlaceListError(problems)
    return lines


def _name_problem(name: str) -> LazyString | None:
    if not name:
        return _l("platsen behöver ett namn före semikolonet.")
    if len(name) > MAX_NAME:
        return _l("namnet får vara högst %(max)d tecken.", max=MAX_NAME)
    return None


def _position(where: str) -> tuple[float, float]:
    found = _POSITION.fullmatch(where)
    assert found is not None
    latitude, longitude = (float(n.replace(",", ".").replace("−", "-")) for n in found.groups())
    return latitude, longitude


def _position_problem(where: str, bounds: Bounds | None) -> LazyString | None:
    if _POSITION.fullmatch(where) is None:
        return _l(
            "läget ska vara latitud och longitud i decimalgrader, till exempel 60.4853, 15.4364."
        )
    latitude, longitude = _position(where)
    if not within(latitude, longitude, None):
        return _l("latitud ska vara mellan −90 och 90 och longitud mellan −180 och 180.")
    if bounds is not None and not within(latitude, longitude, bounds):
        south, west, north, east = bounds
        return _l(
            "läget ligger utanför kommunen (latitud %(south)s–%(north)s, longitud "
            "%(west)s–%(east)s). Har latitud och longitud bytt plats?",
            south=south,
            north=north,
            west=west,
            east=east,
        )
    return None


@dataclass
class Imported:
    """What storing a place list did: names added, brought back, given a new position, and
    already there as they were."""

    added: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def changes(self) -> dict[str, int]:
        """How many places each change touched, for the audit log; empty if nothing changed."""
        found = {"added": self.added, "restored": self.restored, "moved": self.moved}
        return {change: len(names) for change, names in found.items() if names}


def import_places(session: Session, district: District, lines: Sequence[PlaceLine]) -> Imported:
    """Store a district's places from a parsed list; safe to send twice or at once.

    A known name keeps its place: a retired one comes back, a new position replaces the old,
    and a line without a position leaves the stored one. New names are inserted with
    `ON CONFLICT DO NOTHING`, so two people sending the same list store each place once.
    """
    known = {
        p.key: p for p in session.scalars(select(Place).where(Place.district_id == district.id))
    }
    result = Imported()
    new: list[PlaceLine] = []
    for line in lines:
        place = known.get(place_key(line.name))
        if place is None:
            new.append(line)
            continue
        if place.retired_at is not None:
            place.retired_at = None
            result.restored.append(place.name)
        elif line.position is not None and line.position != (place.latitude, place.longitude):
            result.moved.append(place.name)
        else:
            result.unchanged.append(place.name)
        if line.position is not None:
            place.latitude, place.longitude = line.position
    if new:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stored = set(
            session.scalars(
                dialect.insert(Place)
                .values([_row(district, line) for line in new])
                .on_conflict_do_nothing(index_elements=[Place.district_id, Place.key])
                .returning(Place.key)
            )
        )
        for line in new:
            (result.added if place_key(line.name) in stored else result.unchanged).append(line.name)
    session.flush()
    return result


def _row(district: District, line: PlaceLine) -> dict[str, object]:
    latitude, longitude = line.position or (None, None)
    return {
        "district_id": district.id,
        "name": line.name,
        "key": place_key(line.name),
        "latitude": latitude,
        "longitude": longitude,
    }


def list_places(
    session: Session, district_ids: Collection[int] | None = None, retired: bool = True
) -> list[Place]:
    """Places by district and name, those in use first; of some districts, or all."""
    query = (
        select(Place)
        .join(Place.district)
        .options(joinedload(Place.district))
        .order_by(District.name, Place.retired_at.is_not(None), Place.key)
    )
    if district_ids is not None:
        query = query.where(Place.district_id.in_(district_ids))
    if not retired:
        query = query.where(Place.retired_at.is_(None))
    return list(session.scalars(query))


class SurveyPlace(NamedTuple):
    """A place as the survey offers it."""

    id: int
    name: str


def survey_places(session: Session, district_id: int) -> tuple[SurveyPlace, ...]:
    """The places in use in a district, by name: the survey's choices for its meetings."""
    query = (
        select(Place.id, Place.name)
        .where(Place.district_id == district_id, Place.retired_at.is_(None))
        .order_by(Place.key)
    )
    return tuple(SurveyPlace(*row) for row in session.execute(query))


def place_names(session: Session) -> dict[str, str]:
    """Every place's name by its number as the survey stores it, retired ones too."""
    return {str(id_): name for id_, name in session.execute(select(Place.id, Place.name))}


METRES_PER_DEGREE = 111_320  # of latitude, and of longitude at the equator


def snap(latitude: float, longitude: float, metres: float) -> tuple[float, float]:
    """The centre of the grid cell a position lies in, cells about `metres` on each side: a pin
    is stored only this coarsely, never as the device reported it."""
    step = metres / METRES_PER_DEGREE
    row = round(latitude / step) * step
    across = step / max(math.cos(math.radians(row)), 0.01)
    return round(row, 5), round(round(longitude / across) * across, 5)


def within(latitude: float, longitude: float, bounds: Bounds | None) -> bool:
    """Whether a position lies on Earth and inside the configured area."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return False
    if bounds is None:
        return True
    south, west, north, east = bounds
    return south <= latitude <= north and west <= longitude <= east


def find_place(session: Session, district_id: int, place_id: int) -> Place | None:
    """A place of this district; None for another district's, so no id reaches past it."""
    return session.scalar(
        select(Place).where(Place.id == place_id, Place.district_id == district_id)
    )


def retire(session: Session, place: Place, now: datetime) -> bool:
    """Stop offering a place; its history stays. True if it was in use."""
    if place.retired_at is not None:
        return False
    place.retired_at = now
    session.flush()
    return True


def restore(session: Session, place: Place) -> bool:
    """Offer a retired place again. True if it was retired."""
    if place.retired_at is None:
        return False
    place.retired_at = None
    session.flush()
    return True


def as_json(place: Place) -> dict[str, object]:
    """A place as `places list --json` prints it."""
    return {
        "id": place.id,
        "district": place.district.name,
        "name": place.name,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "retired_at": place.retired_at.isoformat() if place.retired_at else None,
    }


# The places export's columns and what each holds, for its codebook.
COLUMNS = {
    "place_id": _l("Platsens nummer; stabilt, också när platsen tagits ur bruk."),
    "district": _l("Kommundelen platsen ligger i."),
    "name": _l("Platsens namn."),
    "latitude": _l("Latitud i decimalgrader (WGS 84); tomt om inget läge angetts."),
    "longitude": _l("Longitud i decimalgrader (WGS 84); tomt om inget läge angetts."),
    "in_use": _l("true om platsen är i bruk, false om den tagits ur bruk."),
    "created_at": _l("När platsen lades till, svensk tid."),
    "retired_at": _l("När platsen togs ur bruk, svensk tid; tomt om den är i bruk."),
}


def export_rows(places: Sequence[Place]) -> Iterator[list[object]]:
    """The header, then a row per place; times on Stockholm's clock, as in every export."""
    yield list(COLUMNS)
    for place in places:
        yield [
            place.id,
            place.district.name,
            place.name,
            place.latitude,
            place.longitude,
            place.retired_at is None,
            local(place.created_at).replace(tzinfo=None),
            local(place.retired_at).replace(tzinfo=None) if place.retired_at else None,
        ]


def place_indicators(question: Question, places: Sequence[Place]) -> tuple[Indicator, ...]:
    """The place question's codes as indicators, each the share of those who answered it who
    named that code: each place, then "another place" and "no place" (the question's own)."""
    named = [(str(p.id), {"sv": p.name}) for p in places]
    options = [(o.code, o.labels) for o in question.options]
    return tuple(
        Indicator(
            key=question.stored_key(code),
            question_key=question.key,
            codes=frozenset({code}),
            labels=labels,
            denominators=PLACE_DENOMINATOR,
        )
        for code, labels in named + options
    )
