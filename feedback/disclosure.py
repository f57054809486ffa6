"""What may be published. Every number on a page, in a print, in a chart, in the API and in the
aggregate export is cleared here, by `district_year`, and nowhere else.

The method is cell suppression, the way official statistics protect frequency tables whose
margins are published (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, ch. 5;
Eurostat, *Handbook on Statistical Disclosure Control for Outputs*, 2019, on tables with totals):

1. **Primary suppression, a threshold rule.** A cell from 1 to MIN_ANSWERS - 1 answers is
   withheld: a share whose denominator is that small, and a count (responses at a meeting, by a
   channel, in a language) that small. A count of zero is published: there is no answer to tell.
2. **Secondary suppression within every published total.** A district's year is the total of
   its meetings, of its channels and of its languages. When a part is withheld, further parts
   are withheld, smallest first, until the withheld parts together hold at least MIN_ANSWERS
   answers, at least two of them hold any, they hold more answers than there are parts, and for
   every share neither none nor all of their answers are counted. What subtraction leaves is
   then a group from which no single part follows, however the published figures are rounded.
   A meeting is withheld whole (its responses and every share), so that one breakdown cannot
   undo another. Where even all parts together fall short, every part is withheld, empty ones
   too, and a share of the total that is 0 % or 100 % is withheld as well, since it would tell
   every part's share. A meeting that holds all of a year's answers is the year itself, and is
   published exactly as the year is.
3. **Totals over several districts** (the municipality, a pledge's districts, a coordinator's
   districts) add up only district figures that are published, and say when some are left
   out. They reveal nothing that the district figures do not.
4. **A withheld cell reads the same, whatever withheld it**, and its `n` goes with it, so no
   reader can tell the part that was too small from the part that protects it. For a question
   everyone must answer, that n is the number of responses, which the channels and languages
   add up to: they are withheld with it.

The years of a trend are not parts of any published total, and a change between two years is
published only when both years are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from feedback.i18n import LANGUAGES
from feedback.models import CHANNELS
from feedback.questionnaire import Indicator, Questionnaire
from feedback.stats import Change, Estimate, change, estimate


def caveat(min_n: int) -> str:
    """How to read the published numbers, said once for the API, its document and the export."""
    return (
        "Siffrorna beskriver de som svarade vid dialogerna, inte alla invånare: de som svarade "
        "valde själva att göra det, så siffrorna kan inte jämföras rakt av med "
        "trygghetsmätningarna (Brås Nationella trygghetsundersökning, NTU, eller polisens "
        "trygghetsmätning), inte heller där en indikator följer NTU:s definition. Varje andel "
        "är en andel av alla som besvarade frågan, även de som svarade vet ej, ingen "
        "uppfattning eller att de inte går ut (se denominator). En siffra visas inte, och inte "
        f"heller dess n, när den bygger på färre än {min_n} svar eller när den tillsammans med "
        "andra publicerade siffror skulle låta någon räkna ut en sådan siffra. Intervallen "
        "visar osäkerheten med 95 % säkerhet."
    )


@dataclass
class Tally:
    """The raw counts of a group of responses; never published as they are."""

    responses: int = 0
    answers: dict[str, Counter[str]] = field(default_factory=dict)  # question -> code -> count
    channels: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)

    def answered(self, question_key: str) -> int:
        """How many answered a question."""
        return sum(self.answers.get(question_key, Counter()).values())

    def counted(self, indicator: Indicator) -> int:
        """How many gave one of the indicator's codes."""
        answers = self.answers.get(indicator.question_key, Counter())
        return sum(n for code, n in answers.items() if code in indicator.codes)


def total(tallies: Iterable[Tally]) -> Tally:
    """The counts of several groups together."""
    result = Tally()
    for tally in tallies:
        result.responses += tally.responses
        for key, counts in tally.answers.items():
            result.answers.setdefault(key, Counter()).update(counts)
        result.channels.update(tally.channels)
        result.languages.update(tally.languages)
    return result


@dataclass(frozen=True)
class Figure:
    """An indicator's published share in a group, or None where it is withheld."""

    indicator: Indicator
    estimate: Estimate | None

    @property
    def shown(self) -> bool:
        """Whether there is a share to show (published and answered by someone)."""
        return self.estimate is not None and self.estimate.share is not None


@dataclass(frozen=True)
class Distribution:
    """How those who answered a question spread over its answer codes."""

    answered: int
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Group:
    """The published numbers of one group of responses: None wherever a number is withheld."""

    responses: int | None
    figures: tuple[Figure, ...]
    distributions: Mapping[str, Distribution | None] = field(default_factory=dict)
    channels: Mapping[str, int | None] = field(default_factory=dict)
    languages: Mapping[str, int | None] = field(default_factory=dict)
    partial: bool = False  # a total over districts that leaves withheld ones out

    def figure(self, key: str) -> Figure:
        """The figure of one indicator."""
        return next(f for f in self.figures if f.indicator.key == key)


# A breakdown of a total into parts: each part's size, and a test that some parts together
# count some but not all of their answers for every share (always true for plain counts).
Mixed = Callable[[Iterable[int]], bool]
Breakdown = tuple[Sequence[int], Mixed]


def _questions(questionnaire: Questionnaire) -> dict[str, list[Indicator]]:
    """The questions that indicators are computed from, with their indicators."""
    result: dict[str, list[Indicator]] = {}
    for indicator in questionnaire.indicators:
        result.setdefault(indicator.question_key, []).append(indicator)
    return result


def _protects(breakdown: Breakdown, withheld: Iterable[int], min_n: int) -> bool:
    """Whether the withheld parts of one breakdown, taken together, let no single part follow."""
    sizes, mixed = breakdown
    held = [i for i in withheld if sizes[i] > 0]
    together = sum(sizes[i] for i in held)
    if not held:
        return True
    return len(held) >= 2 and together >= min_n and together > len(held) and mixed(held)


def _withhold(breakdowns: Sequence[Breakdown], order: Sequence[int], min_n: int) -> set[int] | None:
    """The parts to withhold, primary ones and then the smallest by `order` until every
    breakdown is protected; None when only withholding every part, empty ones too, will do."""
    withheld = {i for i in range(len(order)) for sizes, _ in breakdowns if 0 < sizes[i] < min_n}
    further = sorted(set(range(len(order))) - withheld, key=lambda i: order[i])
    for candidate in [None, *further]:
        if candidate is not None:
            withheld.add(candidate)
        if all(_protects(breakdown, withheld, min_n) for breakdown in breakdowns):
            return withheld
    return None


def _mixed(tallies: Sequence[Tally], indicators: Sequence[Indicator]) -> Mixed:
    """Whether, in some parts together, every indicator counts some answers but not all."""

    def mixed(held: Iterable[int]) -> bool:
        chosen = [tallies[i] for i in held]
        answered = sum(t.answered(indicators[0].question_key) for t in chosen)
        return all(0 < sum(t.counted(i) for t in chosen) < answered for i in indicators)

    return mixed


def _always(held: Iterable[int]) -> bool:
    return True


def _figures(
    tally: Tally, questionnaire: Questionnaire, shown: Container[str]
) -> tuple[Figure, ...]:
    """Every indicator's figure in a group, withheld unless its question is in `shown`."""
    return tuple(
        Figure(i, _estimate(tally, i) if i.question_key in shown else None)
        for i in questionnaire.indicators
    )


def _estimate(tally: Tally, indicator: Indicator) -> Estimate:
    return estimate(tally.counted(indicator), tally.answered(indicator.question_key))


def _counts(
    counts: Counter[str], keys: Sequence[str], min_n: int, responses_shown: bool
) -> dict[str, int | None]:
    """A count breakdown (channels, languages) with its parts protected as in rule 2."""
    sizes = [counts[k] for k in keys]
    withheld = _withhold([(sizes, _always)], sizes, min_n) if responses_shown else None
    if withheld is None:
        return dict.fromkeys(keys)
    return {k: None if i in withheld else sizes[i] for i, k in enumerate(keys)}


def district_year(
    parts: Sequence[Tally], questionnaire: Questionnaire, min_n: int
) -> tuple[Group, list[Group]]:
    """Clear one district's year for publication: its total, and each of its meetings."""
    whole = total(parts)
    questions = _questions(questionnaire)
    responses = [p.responses for p in parts]
    breakdowns = [(responses, _always)] + [
        ([p.answered(key) for p in parts], _mixed(parts, indicators))
        for key, indicators in questions.items()
    ]
    holding = [i for i, p in enumerate(parts) if p.responses > 0]
    # A meeting that holds all of the year's answers is the year itself: published as it is.
    withheld = _withhold(breakdowns, responses, min_n) if len(holding) > 1 else set()

    def total_shown(key: str) -> bool:
        answered = whole.answered(key)
        if 0 < answered < min_n:
            return False
        # When every part is withheld, a total of none or all would still tell each part.
        everything = range(len(parts))
        return withheld is not None or answered == 0 or _mixed(parts, questions[key])(everything)

    shown = {key for key in questions if total_shown(key)}
    # A withheld share takes its n with it: for a question everyone answers, that n is the
    # number of responses, and the channels and languages add up to it.
    hides_n = any(
        key not in shown and whole.answered(key) >= min_n and questionnaire.question(key).required
        for key in questions
    )
    responses_shown = not 0 < whole.responses < min_n and not hides_n
    distributions = {
        q.key: Distribution(whole.answered(q.key), dict(whole.answers.get(q.key, Counter())))
        if (total_shown(q.key) if q.key in questions else not 0 < whole.answered(q.key) < min_n)
        else None
        for q in questionnaire.questions
        if q.kind == "choice"
    }
    district = Group(
        responses=whole.responses if responses_shown else None,
        figures=_figures(whole, questionnaire, shown),
        distributions=distributions,
        channels=_counts(whole.channels, CHANNELS, min_n, responses_shown),
        languages=_counts(whole.languages, list(LANGUAGES), min_n, responses_shown),
    )
    meetings = []
    for i, part in enumerate(parts):
        if holding == [i]:
            meetings.append(Group(responses=district.responses, figures=district.figures))
            continue
        hidden = withheld is None or (i in withheld and part.responses > 0)
        meetings.append(
            Group(
                responses=None if hidden else part.responses,
                figures=_figures(part, questionnaire, () if hidden else questions),
            )
        )
    return district, meetings


def combine(groups: Sequence[Group], questionnaire: Questionnaire) -> Group:
    """Several districts' published figures together: only those shown are added up."""
    figures = []
    partial = any(g.responses is None for g in groups)
    for indicator in questionnaire.indicators:
        found = [g.figure(indicator.key).estimate for g in groups]
        shown = [e for e in found if e is not None]
        partial = partial or len(shown) < len(found)
        count, n = sum(e.count for e in shown), sum(e.n for e in shown)
        figures.append(Figure(indicator, estimate(count, n)))
    responses = sum(g.responses or 0 for g in groups)
    return Group(responses=responses, figures=tuple(figures), partial=partial)


def changes(
    pairs: Sequence[tuple[Group, Group]], questionnaire: Questionnaire
) -> dict[str, Change]:
    """Every indicator's change from the first group of each pair to the second, by key.

    Over several districts, only those published in both years are compared, so that a change
    is never a change in which districts are counted.
    """
    result = {}
    for indicator in questionnaire.indicators:
        both = [
            (before.figure(indicator.key).estimate, after.figure(indicator.key).estimate)
            for before, after in pairs
        ]
        kept = [(b, a) for b, a in both if b is not None and a is not None]
        if not kept:
            result[indicator.key] = change(None, None)
            continue
        result[indicator.key] = change(
            estimate(sum(b.count for b, _ in kept), sum(b.n for b, _ in kept)),
            estimate(sum(a.count for _, a in kept), sum(a.n for _, a in kept)),
        )
    return result


def places(
    answered: int,
    named: Mapping[str, int],
    indicators: Sequence[Indicator],
    none_code: str,
    responses_shown: bool,
    min_n: int,
) -> tuple[int | None, tuple[Figure, ...]]:
    """Clear a district's year of the place question: how many answered it, and of them how
    many named each place (one indicator a code: a place, "another place", "no place").

    Places are published for the district's year only, never per meeting. Residents may name
    several places, so the codes are no breakdown of those who answered, except that "no
    place" excludes every other code: those who answered less those who named no place are
    those who named some place. Hence:

    1. Nothing is published where the year's number of responses is withheld, or where fewer
       than MIN_ANSWERS answered the question.
    2. A code named by 1 to MIN_ANSWERS - 1 is withheld (the issue's rule: such a place is not
       shown as a share).
    3. When a place is withheld, "no place" is withheld too, whatever its count: else, where
       nobody else named a place, those who answered less "no place" would tell its count.
    4. When "no place" is withheld and only one other code is named by anyone, that code is
       withheld too: it alone is those who answered less "no place".
    """
    if answered and (not responses_shown or answered < min_n):
        return None, tuple(Figure(i, None) for i in indicators)
    codes = {i.key: next(iter(i.codes)) for i in indicators}
    withheld = {key for key, code in codes.items() if 0 < named.get(code, 0) < min_n}
    none_key = next(key for key, code in codes.items() if code == none_code)
    if withheld - {none_key}:
        withheld.add(none_key)
    if none_key in withheld:
        some = [key for key, code in codes.items() if key != none_key and named.get(code, 0)]
        if len(some) == 1:
            withheld.update(some)
    figures = tuple(
        Figure(i, None if i.key in withheld else estimate(named.get(codes[i.key], 0), answered))
        for i in indicators
    )
    return answered, figures
