"""Every number staff and the public see, from one count: per district, meeting and year.

The database counts (GROUP BY meeting, question and answer; meeting, channel and language);
feedback.disclosure decides what of it may be published. The district page, the overview, the
pledge basis and follow-up, the API and the aggregate export all read `cleared`, so they can
never disagree, and none of them can publish a number the disclosure rules withheld.
Shares come with 95 % Wilson intervals and changes between years with Newcombe intervals.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from feedback import disclosure
from feedback.disclosure import Figure, Group, Tally
from feedback.meetings import list_districts, list_meetings, local
from feedback.models import SHORT_VALUE, Answer, District, Meeting, Organisation, Pledge, Response
from feedback.moderation import QueuedText, queue
from feedback.places import NONE_OF_THEM, list_places, place_indicators
from feedback.questionnaire import Indicator, Question, Questionnaire
from feedback.stats import Change


def tally_queries(
    meeting_ids: Sequence[int], questionnaire: Questionnaire
) -> tuple[Select[int, str, str, int], Select[int, str, str, int]]:
    """The two GROUP BY queries behind every number: answer codes per meeting and question,
    and responses per meeting, channel and language. Each reads only the given meetings' rows
    through an index (ix_answer_code, ix_response_mix), never every year's answers."""
    choice_keys = [q.key for q in questionnaire.questions if q.kind == "choice"]
    answers = (
        select(Answer.meeting_id, Answer.question_key, Answer.value, func.count())
        .where(Answer.meeting_id.in_(meeting_ids), Answer.question_key.in_(choice_keys))
        .where(SHORT_VALUE)  # every code is short: the counting index holds them all
        .group_by(Answer.meeting_id, Answer.question_key, Answer.value)
    )
    mix = (
        select(Response.meeting_id, Response.channel, Response.language, func.count())
        .where(Response.meeting_id.in_(meeting_ids))
        .group_by(Response.meeting_id, Response.channel, Response.language)
    )
    return answers, mix


def tallies(
    session: Session, meetings: Sequence[Meeting], questionnaire: Questionnaire
) -> dict[int, Tally]:
    """The raw counts of each meeting, counted by the database in two GROUP BY queries."""
    result = {m.id: Tally() for m in meetings}
    if not result:
        return result
    answers, mix = tally_queries(list(result), questionnaire)
    for meeting_id, key, value, n in session.execute(answers):
        result[meeting_id].answers.setdefault(key, Counter())[value] += n
    for meeting_id, channel, language, n in session.execute(mix):
        tally = result[meeting_id]
        tally.responses += n
        tally.channels[channel] += n
        tally.languages[language] += n
    return result


@dataclass(frozen=True)
class DistrictYear:
    """One district's year as it may be published: in total and per meeting."""

    district: District
    year: int
    total: Group
    meetings: list[tuple[Meeting, Group]]


def cleared(
    session: Session,
    questionnaire: Questionnaire,
    min_n: int,
    *,
    years: Collection[int] | None = None,
    district_id: int | None = None,
    district_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], DistrictYear]:
    """Every district's year (within the filters), counted once and cleared for publication.

    Keyed by (district id, year); a year without meetings in a district is not there.
    """
    meetings = [
        m
        for m in list_meetings(session, district_id=district_id, district_ids=district_ids)
        if years is None or local(m.starts_at).year in years
    ]
    counts = tallies(session, meetings, questionnaire)
    grouped: dict[tuple[int, int], list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        grouped[(meeting.district_id, local(meeting.starts_at).year)].append(meeting)
    result = {}
    for (d_id, year), found in grouped.items():
        total, parts = disclosure.district_year([counts[m.id] for m in found], questionnaire, min_n)
        result[(d_id, year)] = DistrictYear(
            found[0].district, year, total, list(zip(found, parts, strict=True))
        )
    return result


def empty(questionnaire: Questionnaire) -> Group:
    """The published numbers of a group without responses."""
    return disclosure.district_year([], questionnaire, 1)[0]


def _total(
    found: dict[tuple[int, int], DistrictYear], key: tuple[int, int], q: Questionnaire
) -> Group:
    year = found.get(key)
    return year.total if year else empty(q)


@dataclass(frozen=True)
class PlaceYear:
    """The place question in one district's year as it may be published: how many answered
    it, and the share of them who named each place ("another place" and "no place" last)."""

    year: int
    answered: int | None  # None: withheld
    figures: tuple[Figure, ...]

    @property
    def ranked(self) -> list[Ranked]:
        """The places, "another place" among them, most often named first."""
        return rank(f for f in self.figures if NONE_OF_THEM not in f.indicator.codes)

    @property
    def no_place(self) -> Figure:
        """Those who answered that there is no particular place."""
        return next(f for f in self.figures if NONE_OF_THEM in f.indicator.codes)

    def figure(self, key: str) -> Figure:
        """The figure of one place indicator."""
        return next(f for f in self.figures if f.indicator.key == key)


def places_question(questionnaire: Questionnaire) -> Question | None:
    """The question that asks where, if the questionnaire has one."""
    return next((q for q in questionnaire.questions if q.kind == "places"), None)


def place_years(
    session: Session, years: Sequence[DistrictYear], questionnaire: Questionnaire, min_n: int
) -> list[PlaceYear]:
    """The place question in some years of one district, counted by the database (GROUP BY
    meeting and code; the distinct responses that answered, per meeting) and cleared by
    feedback.disclosure.places. A retired place is listed only where someone ever named it."""
    question = places_question(questionnaire)
    if question is None or not years:
        return []
    district = years[0].district
    places = list_places(session, [district.id])
    indicators = place_indicators(question, places)
    keys = [i.key for i in indicators]
    year_of = {m.id: y.year for y in years for m, _ in y.meetings}
    chosen = (Answer.meeting_id.in_(year_of), Answer.question_key.in_(keys), SHORT_VALUE)
    named: dict[int, Counter[str]] = defaultdict(Counter)
    answered: Counter[int] = Counter()
    codes = {i.key: next(iter(i.codes)) for i in indicators}
    counted = select(Answer.meeting_id, Answer.question_key, func.count()).where(*chosen)
    for meeting_id, key, count in session.execute(
        counted.group_by(Answer.meeting_id, Answer.question_key)
    ):
        named[year_of[meeting_id]][codes[key]] += count
    respondents = select(Answer.meeting_id, func.count(distinct(Answer.response_id))).where(*chosen)
    for meeting_id, people in session.execute(respondents.group_by(Answer.meeting_id)):
        answered[year_of[meeting_id]] += people
    ever = sum(named.values(), Counter[str]())
    unused = {str(p.id) for p in places if p.is_retired and not ever[str(p.id)]}
    shown = [i for i in indicators if codes[i.key] not in unused]
    result = []
    for y in years:
        published, figures = disclosure.places(
            answered[y.year],
            named[y.year],
            shown,
            NONE_OF_THEM,
            y.total.responses is not None,
            min_n,
        )
        result.append(PlaceYear(y.year, published, figures))
    return result


@dataclass
class DistrictReport:
    """One district (or, with None, several together) in one year: in total, per meeting, over
    the years, the change from the year before, and in its own words."""

    district: District | None
    year: int
    total: Group
    per_meeting: list[tuple[Meeting, Group]]
    trend: list[tuple[int, Group]]
    changes: dict[str, Change]
    free_text: Sequence[QueuedText]
    places: Sequence[PlaceYear] = ()  # of one district, every year with answers to the question

    @property
    def places_now(self) -> PlaceYear | None:
        """The place question in the report's year, where anyone answered it."""
        return next((p for p in self.places if p.year == self.year), None)

    @property
    def problems(self) -> list[Ranked]:
        """The problems of the year, ranked."""
        return problems(self.total)


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
    and their residents' words, never another district's. Several districts together add up
    only what each may publish (see feedback.disclosure).
    """
    district_id = district.id if district else None
    found = cleared(
        session,
        questionnaire,
        min_n,
        years=None if district else (year - 1, year),
        district_id=district_id,
        district_ids=district_ids,
    )
    this_year = [d for (_, y), d in sorted(found.items(), key=_by_date) if y == year]
    pairs = [(_total(found, (d.district.id, year - 1), questionnaire), d.total) for d in this_year]
    if district is not None:
        total = this_year[0].total if this_year else empty(questionnaire)
        trend = [(y, d.total) for (_, y), d in sorted(found.items()) if d.total.responses != 0]
        every_year = [d for _, d in sorted(found.items())]
        places = [
            p for p in place_years(session, every_year, questionnaire, min_n) if p.answered != 0
        ]
    else:
        total = disclosure.combine([d.total for d in this_year], questionnaire)
        trend, places = [], []
    approved = [
        item
        for item in queue(session, district_id, "approved")
        if item.meeting_year == year
        and (district_ids is None or item.meeting.district_id in district_ids)
    ]
    return DistrictReport(
        district=district,
        year=year,
        total=total,
        per_meeting=[pair for d in this_year for pair in d.meetings],
        trend=trend,
        changes=disclosure.changes(pairs, questionnaire),
        free_text=approved,
        places=places,
    )


def _place_years(
    session: Session,
    found: dict[tuple[int, int], DistrictYear],
    questionnaire: Questionnaire,
    min_n: int,
) -> dict[tuple[int, int], PlaceYear]:
    """The place question in each district's year found."""
    by_district: dict[int, list[DistrictYear]] = defaultdict(list)
    for (district_id, _), d in sorted(found.items()):
        by_district[district_id].append(d)
    return {
        (district_id, p.year): p
        for district_id, years_of in by_district.items()
        for p in place_years(session, years_of, questionnaire, min_n)
    }


def _by_date(item: tuple[tuple[int, int], DistrictYear]) -> tuple[int, str]:
    (_, year), found = item
    return (year, found.district.name)


@dataclass
class OverviewRow:
    """One district in the overview: this year's numbers, last year's, and the change."""

    district: District
    numbers: Group
    before: Group
    changes: dict[str, Change]

    @property
    def top_problems(self) -> list[Ranked]:
        """The three largest problems of the year, and any tied with the third."""
        return top(problems(self.numbers), 3)

    @property
    def top_runs(self) -> list[tuple[int, int]]:
        """The places among the top problems that are about as large, as (first, last)."""
        return uncertain(self.top_problems)


def overview(
    session: Session,
    year: int,
    questionnaire: Questionnaire,
    min_n: int,
    district_ids: frozenset[int],
) -> list[OverviewRow]:
    """Every district (within a scope) for a year, with the change from the year before."""
    found = cleared(
        session, questionnaire, min_n, years=(year - 1, year), district_ids=district_ids
    )
    result = []
    for district in session.scalars(
        select(District).where(District.id.in_(district_ids)).order_by(District.name)
    ):
        now = _total(found, (district.id, year), questionnaire)
        before = _total(found, (district.id, year - 1), questionnaire)
        result.append(
            OverviewRow(district, now, before, disclosure.changes([(before, now)], questionnaire))
        )
    return result


@dataclass
class RegionRow:
    """One organisation in the regional overview: its districts' published numbers together,
    this year's and last year's, and the change."""

    organisation: Organisation
    numbers: Group
    before: Group
    changes: dict[str, Change]


def region(
    session: Session,
    year: int,
    questionnaire: Questionnaire,
    min_n: int,
    scopes: Sequence[tuple[Organisation, frozenset[int]]],
) -> list[RegionRow]:
    """Each organisation (within a scope of its districts) for a year, with the change from
    the year before: what its districts may publish, added up as the whole municipality's
    numbers are (see feedback.disclosure), so no total holds a district held back."""
    everywhere = frozenset().union(*(ids for _, ids in scopes))
    found = cleared(session, questionnaire, min_n, years=(year - 1, year), district_ids=everywhere)
    result = []
    for organisation, ids in scopes:
        now = [d.total for (i, y), d in sorted(found.items()) if i in ids and y == year]
        pairs = [
            (_total(found, (i, year - 1), questionnaire), d.total)
            for (i, y), d in sorted(found.items())
            if i in ids and y == year
        ]
        before = [d.total for (i, y), d in sorted(found.items()) if i in ids and y == year - 1]
        result.append(
            RegionRow(
                organisation,
                disclosure.combine(now, questionnaire),
                disclosure.combine(before, questionnaire),
                disclosure.changes(pairs, questionnaire),
            )
        )
    return result


def years(session: Session, district_ids: Collection[int] | None = None) -> list[int]:
    """The (Stockholm) years that have meetings (in some districts), newest first."""
    meetings = list_meetings(session, district_ids=district_ids)
    return sorted({local(m.starts_at).year for m in meetings}, reverse=True)


@dataclass(frozen=True)
class Ranked:
    """A figure's place in a ranking: tied shares share a place, and a run of figures that each
    lie within the interval of the run's first figure, and it within theirs, are "ungefär lika
    stora" (places `first` to `last`): their order is not established."""

    figure: Figure
    place: int | None  # None: withheld or unanswered, listed last
    first: int | None
    last: int | None

    @property
    def uncertain(self) -> bool:
        """Whether the figure's place is shared with neighbours it cannot be told apart from."""
        return self.first != self.last


def _level(a: Figure, b: Figure) -> bool:
    """Whether two shares each lie within the other's 95 % interval."""
    ea, eb = a.estimate, b.estimate
    assert ea and eb and ea.interval and eb.interval and ea.share is not None
    assert eb.share is not None
    return ea.interval.contains(eb.share) and eb.interval.contains(ea.share)


def _tied(a: Figure, b: Figure) -> bool:
    ea, eb = a.estimate, b.estimate
    assert ea and eb
    return ea.count * eb.n == eb.count * ea.n


def rank(figures: Iterable[Figure]) -> list[Ranked]:
    """Figures by share, largest first, with tied places and runs that are about as large."""
    figures = list(figures)  # read twice: the shown ones, then the rest
    shown = sorted(
        (f for f in figures if f.shown),
        key=lambda f: -(f.estimate.share if f.estimate and f.estimate.share else 0.0),
    )
    places: list[int] = []
    for i, f in enumerate(shown):
        places.append(places[-1] if i and _tied(shown[i - 1], f) else i + 1)
    runs: list[list[int]] = []
    for i in range(len(shown)):
        # Against the run's first, not the neighbour: chained neighbours would put 60 % and
        # 10 % in one run.
        if runs and _level(shown[runs[-1][0]], shown[i]):
            runs[-1].append(i)
        else:
            runs.append([i])
    result = []
    for run in runs:
        for i in run:
            result.append(Ranked(shown[i], places[i], places[run[0]], places[run[-1]]))
    rest = [f for f in figures if not f.shown]
    return result + [Ranked(f, None, None, None) for f in rest]


def problems(group: Group) -> list[Ranked]:
    """The problem indicators of a group, ranked."""
    return rank(f for f in group.figures if f.indicator.per_question)


def uncertain(ranked: Sequence[Ranked]) -> list[tuple[int, int]]:
    """The runs of places whose order is not established, as (first, last), each once."""
    runs = [(r.first, r.last) for r in ranked if r.uncertain]
    return [(a, b) for a, b in dict.fromkeys(runs) if a is not None and b is not None]


def top(ranked: Sequence[Ranked], count: int) -> list[Ranked]:
    """The first `count` places, and every figure tied with the last of them."""
    placed = [r for r in ranked if r.place is not None]
    if len(placed) <= count:
        return placed
    cut = placed[count - 1].place
    return [r for r in placed if r.place is not None and cut is not None and r.place <= cut]


@dataclass(frozen=True)
class Aggregate:
    """One indicator for one district's year, or one meeting, as it may be published."""

    district: str
    district_id: int
    year: int
    meeting_code: str | None  # None: the district's whole year
    meeting_date: date | None
    indicator: Indicator
    n: int | None  # None: withheld
    share: float | None
    low: float | None
    high: float | None

    @property
    def suppressed(self) -> bool:
        """Whether the figure is withheld (its n with it)."""
        return self.n is None


def _aggregate(d: DistrictYear, meeting: Meeting | None, figure: Figure) -> Aggregate:
    e = figure.estimate
    return Aggregate(
        district=d.district.name,
        district_id=d.district.id,
        year=d.year,
        meeting_code=meeting.code if meeting else None,
        meeting_date=local(meeting.starts_at).date() if meeting else None,
        indicator=figure.indicator,
        n=e.n if e else None,
        share=e.share if e else None,
        low=e.interval.low if e and e.interval else None,
        high=e.interval.high if e and e.interval else None,
    )


def aggregates(
    session: Session,
    questionnaire: Questionnaire,
    min_n: int,
    *,
    year: int | None = None,
    district_id: int | None = None,
    district_ids: Collection[int] | None = None,
    per_meeting: bool = False,
) -> list[Aggregate]:
    """Every indicator per district and year (or per meeting) with answers, as pages show it;
    per district and year, each place's share too (places are never published per meeting)."""
    found = cleared(
        session,
        questionnaire,
        min_n,
        years=None if year is None else (year,),
        district_id=district_id,
        district_ids=district_ids,
    )
    places = {} if per_meeting else _place_years(session, found, questionnaire, min_n)
    result: list[Aggregate] = []
    for key, d in sorted(found.items(), key=lambda item: (item[1].district.name, item[1].year)):
        if d.total.responses == 0:
            continue
        if not per_meeting:
            result.extend(_aggregate(d, None, f) for f in d.total.figures)
            where = places.get(key)
            if where is not None and where.answered != 0:
                result.extend(_aggregate(d, None, f) for f in where.figures)
            continue
        for meeting, group in d.meetings:
            result.extend(_aggregate(d, meeting, f) for f in group.figures)
    return result


@dataclass(frozen=True)
class FollowUp:
    """How one indicator a pledge addressed moved in one district (None: all it covers)."""

    district: District | None
    indicator: Indicator
    before: Figure
    after: Figure
    change: Change
    partial: bool = False  # several districts, some of them left out as withheld


def follow_up(
    session: Session, pledge: Pledge, questionnaire: Questionnaire, min_n: int
) -> list[FollowUp]:
    """The change, from the year before the pledge to its year, in what the pledge addressed.

    The baseline is the year whose dialogues the pledge rests on; the answers of the pledge's
    own year show whether the share moved. The same caveats hold as everywhere: those who
    answered, not the residents, and a single year's change is read with care.
    """
    districts = list(pledge.districts) or list(list_districts(session, pledge.organisation_id))
    covered = [d.id for d in districts]
    found = cleared(
        session, questionnaire, min_n, years=(pledge.year - 1, pledge.year), district_ids=covered
    )
    pairs = {
        d.id: (
            _total(found, (d.id, pledge.year - 1), questionnaire),
            _total(found, (d.id, pledge.year), questionnaire),
        )
        for d in districts
    }
    # One district on its own; several together and then each; none: the whole municipality.
    places: list[District | None] = [None, *pledge.districts]
    if len(pledge.districts) == 1:
        places = list(pledge.districts)
    result = []
    for place in places:
        chosen = [pairs[place.id]] if place else list(pairs.values())
        found_changes = disclosure.changes(chosen, questionnaire)
        for indicator in questionnaire.indicators:
            if indicator.key not in pledge.indicators:
                continue
            c = found_changes[indicator.key]
            before = c.before if place is None else chosen[0][0].figure(indicator.key).estimate
            after = c.after if place is None else chosen[0][1].figure(indicator.key).estimate
            partial = place is None and any(
                b.figure(indicator.key).estimate is None or a.figure(indicator.key).estimate is None
                for b, a in chosen
            )
            result.append(
                FollowUp(
                    place,
                    indicator,
                    Figure(indicator, before),
                    Figure(indicator, after),
                    c,
                    partial,
                )
            )
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
