"""Every number staff see, from one query: per district, meeting and year, with intervals.

The district page, the overview, the pledge basis, the API and the aggregate export all call
these functions, so they can never disagree. Shares come with 95 % Wilson intervals, changes
between years with Newcombe intervals, and any share from fewer than MIN_ANSWERS answers is
suppressed (see feedback.stats).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from feedback import indicators
from feedback.meetings import list_districts, list_meetings, local
from feedback.models import District, Meeting, Pledge
from feedback.moderation import QueuedText, queue
from feedback.questionnaire import Indicator, Questionnaire
from feedback.responses import Distribution, ResponseRow, response_rows
from feedback.stats import Change, Estimate, change, estimate


@dataclass(frozen=True)
class Figure:
    """An indicator's share for a group of responses."""

    indicator: Indicator
    estimate: Estimate


@dataclass
class Numbers:
    """What a group of responses says: how many, the indicators, answers, channels, languages."""

    n: int
    figures: list[Figure]
    distributions: dict[str, Distribution]
    channels: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)

    def figure(self, key: str) -> Figure:
        """The figure of one indicator."""
        return next(f for f in self.figures if f.indicator.key == key)

    def problems_ranked(self) -> list[Figure]:
        """The problem indicators, largest share first; suppressed ones last."""
        problems = [f for f in self.figures if f.indicator.per_question]
        return sorted(problems, key=lambda f: (f.estimate.share is None, -(f.estimate.share or 0)))


def numbers(rows: Iterable[ResponseRow], questionnaire: Questionnaire, min_n: int) -> Numbers:
    """Count a group of responses and compute its indicators."""
    choice_keys = [q.key for q in questionnaire.questions if q.kind == "choice"]
    distributions = {key: Distribution(key, 0, Counter()) for key in choice_keys}
    result = Numbers(n=0, figures=[], distributions=distributions)
    for row in rows:
        result.n += 1
        result.channels[row.channel] += 1
        result.languages[row.language] += 1
        for key in choice_keys:
            if key in row.answers:
                distributions[key].answered += 1
                distributions[key].counts[row.answers[key]] += 1
    shares = indicators.compute(questionnaire, {k: d.counts for k, d in distributions.items()})
    result.figures = [
        Figure(share.indicator, estimate(share.count, share.answered, min_n)) for share in shares
    ]
    return result


def _year(row: ResponseRow) -> int:
    return row.meeting_date.year


@dataclass
class DistrictReport:
    """One district (or, with None, the municipality) in one year: in total, per meeting, over
    the years, the change from the year before, and in its own words."""

    district: District | None
    year: int
    total: Numbers
    per_meeting: list[tuple[Meeting, Numbers]]
    trend: list[tuple[int, Numbers]]
    changes: dict[str, Change]
    free_text: Sequence[QueuedText]


def district_report(
    session: Session,
    district: District | None,
    year: int,
    questionnaire: Questionnaire,
    min_n: int,
    district_ids: frozenset[int] | None = None,
) -> DistrictReport:
    """The numbers of one district, or of all (within a scope): the year, its meetings, trend.

    With no district, `district_ids` limits "all" to a coordinator's districts: their numbers
    and their residents' words, never another district's.
    """
    district_id = district.id if district else None

    def within(of_district: int) -> bool:
        return district_ids is None or of_district in district_ids

    by_year: dict[int, list[ResponseRow]] = defaultdict(list)
    for row in response_rows(session, district_id=district_id):
        if within(row.district_id):
            by_year[_year(row)].append(row)
    this_year = by_year.get(year, [])
    by_meeting: dict[int, list[ResponseRow]] = defaultdict(list)
    for row in this_year:
        by_meeting[row.meeting_id].append(row)
    meetings = [
        m
        for m in list_meetings(
            session, district_id=district_id, year=year, district_ids=district_ids
        )
        if not m.is_cancelled or m.id in by_meeting
    ]
    approved = [
        item
        for item in queue(session, district_id, "approved")
        if item.meeting_year == year and within(item.meeting.district_id)
    ]
    total = numbers(this_year, questionnaire, min_n)
    before = numbers(by_year.get(year - 1, []), questionnaire, min_n)
    return DistrictReport(
        district=district,
        year=year,
        total=total,
        per_meeting=[(m, numbers(by_meeting[m.id], questionnaire, min_n)) for m in meetings],
        trend=[(y, numbers(by_year[y], questionnaire, min_n)) for y in sorted(by_year)],
        changes=changes(before, total, min_n),
        free_text=approved,
    )


def changes(before: Numbers, after: Numbers, min_n: int) -> dict[str, Change]:
    """Every indicator's change from one group of responses to another, by indicator key."""
    result = {}
    for then, now in zip(before.figures, after.figures, strict=True):
        b, a = then.estimate, now.estimate
        result[now.indicator.key] = change(b.count, b.n, a.count, a.n, min_n)
    return result


@dataclass
class OverviewRow:
    """One district in the overview: this year's numbers and the change from last year."""

    district: District
    numbers: Numbers
    changes: dict[str, Change]


def overview(
    session: Session,
    year: int,
    questionnaire: Questionnaire,
    min_n: int,
    district_ids: frozenset[int] | None = None,
) -> list[OverviewRow]:
    """Every district (within a scope) for a year, with the change from the year before."""
    grouped: dict[tuple[int, int], list[ResponseRow]] = defaultdict(list)
    for row in response_rows(session):
        if _year(row) in (year, year - 1):
            grouped[(row.district_id, _year(row))].append(row)
    result = []
    for district in list_districts(session):
        if district_ids is not None and district.id not in district_ids:
            continue
        now = numbers(grouped[(district.id, year)], questionnaire, min_n)
        before = numbers(grouped[(district.id, year - 1)], questionnaire, min_n)
        result.append(OverviewRow(district, now, changes(before, now, min_n)))
    return result


def years(session: Session) -> list[int]:
    """The (Stockholm) years that have meetings, newest first."""
    return sorted({local(m.starts_at).year for m in list_meetings(session)}, reverse=True)


@dataclass(frozen=True)
class Aggregate:
    """One indicator for one district's year, or one meeting: the open, suppressed numbers."""

    district: str
    district_id: int
    year: int
    meeting_code: str | None  # None: the district's whole year
    meeting_date: date | None
    indicator: str
    n: int
    share: float | None
    low: float | None
    high: float | None
    suppressed: bool


def aggregates(
    session: Session,
    questionnaire: Questionnaire,
    min_n: int,
    *,
    year: int | None = None,
    district_id: int | None = None,
    per_meeting: bool = False,
) -> list[Aggregate]:
    """Every indicator per district and year (or per meeting), as the dashboards compute it."""
    groups: dict[tuple[str, int, int, str | None, date | None], list[ResponseRow]]
    groups = defaultdict(list)
    for row in response_rows(session, district_id=district_id):
        if year is not None and _year(row) != year:
            continue
        meeting = (row.meeting_code, row.meeting_date) if per_meeting else (None, None)
        groups[(row.district, row.district_id, _year(row), *meeting)].append(row)
    result = []
    for (district, d_id, y, code, day), rows in sorted(groups.items(), key=_group_order):
        for figure in numbers(rows, questionnaire, min_n).figures:
            e = figure.estimate
            result.append(
                Aggregate(
                    district=district,
                    district_id=d_id,
                    year=y,
                    meeting_code=code,
                    meeting_date=day,
                    indicator=figure.indicator.key,
                    n=e.n,
                    share=e.share,
                    low=e.interval.low if e.interval else None,
                    high=e.interval.high if e.interval else None,
                    suppressed=e.suppressed,
                )
            )
    return result


def _group_order(
    item: tuple[tuple[str, int, int, str | None, date | None], object],
) -> tuple[str, int, date]:
    (district, _, year, _, day), _ = item
    return (district, year, day or date(year, 1, 1))


@dataclass(frozen=True)
class FollowUp:
    """How one indicator a pledge addressed moved in one district (None: all it covers)."""

    district: District | None
    indicator: Indicator
    change: Change


def follow_up(
    session: Session, pledge: Pledge, questionnaire: Questionnaire, min_n: int
) -> list[FollowUp]:
    """The change, from the year before the pledge to its year, in what the pledge addressed.

    The baseline is the year whose dialogues the pledge rests on; the answers of the pledge's
    own year show whether the share moved. The same caveats hold as everywhere: those who
    answered, not the residents, and a single year's change is read with care.
    """
    covered = {d.id for d in pledge.districts}
    rows: dict[tuple[int | None, int], list[ResponseRow]] = defaultdict(list)
    for row in response_rows(session):
        in_years = _year(row) in (pledge.year - 1, pledge.year)
        if in_years and (not covered or row.district_id in covered):
            rows[(row.district_id, _year(row))].append(row)
            rows[(None, _year(row))].append(row)
    # One district on its own; several together and then each; none: the whole municipality.
    places: list[District | None] = [None, *pledge.districts]
    if len(pledge.districts) == 1:
        places = list(pledge.districts)
    result = []
    for place in places:
        key = place.id if place else None
        found = changes(
            numbers(rows[(key, pledge.year - 1)], questionnaire, min_n),
            numbers(rows[(key, pledge.year)], questionnaire, min_n),
            min_n,
        )
        for indicator in questionnaire.indicators:
            if indicator.key in pledge.indicators:
                result.append(FollowUp(place, indicator, found[indicator.key]))
    return result


def by_problem(
    items: Sequence[QueuedText], questionnaire: Questionnaire
) -> list[tuple[str | None, list[QueuedText]]]:
    """Free text grouped by the first problem whose keywords it mentions; the rest last (None)."""
    problems = [q for q in questionnaire.questions if q.keywords]
    groups: dict[str | None, list[QueuedText]] = defaultdict(list)
    for item in items:
        text = item.answer.value.lower()
        match = next(
            (q.key for q in problems if any(re.search(rf"\b{k}", text) for k in q.keywords)),
            None,
        )
        groups[match].append(item)
    order = [q.key for q in problems] + [None]
    return [(key, groups[key]) for key in order if groups.get(key)]
