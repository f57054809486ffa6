"""Shares, intervals, changes and Swedish formatting, checked against hand-worked numbers.

Wilson limits are (c + z²/2 ∓ z·√(c(n−c)/n + z²/4)) / (n + z²) with z = 1.959964, so
z² = 3.8414588, z²/2 = 1.9207294 and z²/4 = 0.9603647. Newcombe's method 10 for the change
d = p_after − p_before, with Wilson limits (l, u) for each year, runs from
    d − √((p_after − l_after)² + (u_before − p_before)²)
to
    d + √((u_after − p_after)² + (p_before − l_before)²).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback import i18n, stats
from feedback.stats import Interval


def limits(interval: Interval | None) -> tuple[float, float]:
    """The interval's ends, failing the test when there is no interval."""
    assert interval is not None
    return interval.low, interval.high


@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [
        # (5 + 1.9207294 ∓ 1.959964·√(2.5 + 0.9603647)) / 13.8414588
        # = (6.9207294 ∓ 1.959964·1.8602056) / 13.8414588 = (6.9207294 ∓ 3.6459359) / 13.8414588
        (5, 10, 0.2366, 0.7634),
        # √(0 + z²/4) = z/2, so the lower limit is exactly 0 and the upper is z²/(n + z²)
        # = 3.8414588 / 13.8414588
        (0, 10, 0.0, 0.2775),
        # the mirror image of 0/10: 1 − 0.2775 and exactly 1
        (10, 10, 0.7225, 1.0),
        # (1 + 1.9207294 ∓ 1.959964·√(0.75 + 0.9603647)) / 7.8414588
        # = (2.9207294 ∓ 1.959964·1.3078091) / 7.8414588 = (2.9207294 ∓ 2.5632588) / 7.8414588
        (1, 4, 0.0456, 0.6994),
        # the continuity-free score limits in Newcombe (1998), Table I
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_worked_limits(count: int, n: int, low: float, high: float) -> None:
    assert limits(stats.wilson(count, n)) == pytest.approx((low, high), abs=5e-5)


def test_wilson_ends_are_exact_at_none_and_all() -> None:
    # Not 1e-17 or 0.9999999999999999: "0,0 %" must not read as a rounded-off small share.
    assert limits(stats.wilson(0, 7))[0] == 0.0
    assert limits(stats.wilson(7, 7))[1] == 1.0


def test_no_answers_have_no_interval() -> None:
    assert stats.wilson(0, 0) is None
    assert stats.newcombe(0, 0, 3, 10) is None
    assert stats.newcombe(3, 10, 0, 0) is None


@pytest.mark.parametrize(("count", "n"), [(-1, 10), (11, 10), (0, -1)])
def test_impossible_counts_are_refused(count: int, n: int) -> None:
    with pytest.raises(ValueError, match="count"):
        stats.wilson(count, n)
    with pytest.raises(ValueError, match="count"):
        stats.estimate(count, n)


def test_newcombe_matches_the_worked_example_in_the_paper() -> None:
    # Newcombe (1998), Table II: 56/70 − 48/80 = 0.2, method 10 gives 0.0524 to 0.3339.
    # Wilson 48/80 = (49.9207 ∓ 8.8003)/83.8415 = 0.4905 to 0.7004;
    # Wilson 56/70 = (57.9207 ∓ 6.8347)/73.8415 = 0.6918 to 0.8770.
    # low = 0.2 − √((0.8 − 0.6918)² + (0.7004 − 0.6)²) = 0.2 − √(0.1082² + 0.1004²) = 0.2 − 0.1476
    # high = 0.2 + √((0.8770 − 0.8)² + (0.6 − 0.4905)²) = 0.2 + √(0.0770² + 0.1095²) = 0.2 + 0.1339
    # Our direction is year 2 minus year 1, so 48/80 is year 1.
    assert limits(stats.newcombe(48, 80, 56, 70)) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    # Swapping the years turns the interval round and flips its sign.
    assert limits(stats.newcombe(56, 70, 48, 80)) == pytest.approx((-0.3339, -0.0524), abs=5e-5)


def test_newcombe_matches_the_small_sample_example() -> None:
    # Newcombe (1998), Table II: 9/10 − 3/10 = 0.6, method 10 gives 0.1705 to 0.8090.
    # Wilson 3/10 = 0.1078 to 0.6032; Wilson 9/10 = 0.5958 to 0.9821.
    # low = 0.6 − √((0.9 − 0.5958)² + (0.6032 − 0.3)²) = 0.6 − √(0.3042² + 0.3032²) = 0.6 − 0.4295
    # high = 0.6 + √((0.9821 − 0.9)² + (0.3 − 0.1078)²) = 0.6 + √(0.0821² + 0.1922²) = 0.6 + 0.2090
    assert limits(stats.newcombe(3, 10, 9, 10)) == pytest.approx((0.1705, 0.8090), abs=5e-5)


def test_newcombe_of_two_empty_shares_is_the_wilson_limits() -> None:
    # 0/20 then 0/10: d = 0, low = −√(0² + 0.1611²), high = √(0.2775² + 0²)
    assert limits(stats.newcombe(0, 20, 0, 10)) == pytest.approx((-0.1611, 0.2775), abs=5e-5)


def test_an_estimate_is_a_share_with_its_interval() -> None:
    shown = stats.estimate(3, 5)
    assert shown.share == 0.6
    assert limits(shown.interval) == limits(stats.wilson(3, 5))


def test_nobody_answered_gives_no_share() -> None:
    assert stats.estimate(0, 0) == stats.Estimate(0, 0, None, None)


def test_a_change_is_shown_when_both_years_are() -> None:
    result = stats.change(stats.estimate(3, 5), stats.estimate(4, 5))
    assert result.difference == pytest.approx(0.2)
    assert limits(result.interval) == limits(stats.newcombe(3, 5, 4, 5))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, stats.estimate(4, 5)),
        (stats.estimate(3, 5), None),
        (stats.estimate(0, 0), stats.estimate(4, 5)),
    ],
)
def test_a_change_is_withheld_when_either_year_is_or_is_empty(
    before: stats.Estimate | None, after: stats.Estimate | None
) -> None:
    result = stats.change(before, after)
    assert result.difference is None
    assert result.interval is None
    assert result.direction is None


def _change(before: tuple[int, int], after: tuple[int, int]) -> stats.Change:
    return stats.change(stats.estimate(*before), stats.estimate(*after))


def test_a_clear_change_has_a_direction() -> None:
    # 48/80 then 56/70: 0.0524 to 0.3339, all above zero
    assert _change((48, 80), (56, 70)).direction == "up"
    # and the same fall, all below zero
    assert _change((56, 70), (48, 80)).direction == "down"
    # 0/5 then 5/5: Wilson 0/5 tops out at 3.8414588/8.8414588 = 0.4345, so
    # low = 1 − √(0.4345² + 0.4345²) = 1 − 0.6145 = 0.3855
    assert limits(_change((0, 5), (5, 5)).interval)[0] == pytest.approx(0.3855, abs=5e-5)


def test_a_big_jump_among_few_answers_may_be_chance() -> None:
    # 1/5 then 4/5 looks like +60 points, but Wilson 1/5 = (2.9207 ∓ 2.6005)/8.8415 = 0.0362 to
    # 0.6245 and 4/5 = 0.3755 to 0.9638, so low = 0.6 − √(0.4245² + 0.4245²) = 0.6 − 0.6003 < 0.
    result = _change((1, 5), (4, 5))
    assert result.difference == pytest.approx(0.6)
    assert limits(result.interval)[0] == pytest.approx(-0.0003, abs=5e-5)
    assert result.direction is None
    # 5/10 then 7/10: low = 0.2 − √(0.3032² + 0.2634²) = 0.2 − 0.4017
    assert _change((5, 10), (7, 10)).direction is None
    # No change at all is never a clear change.
    assert _change((5, 10), (5, 10)).direction is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.625, "62,5\u00a0%"),
        (0.0, "0,0\u00a0%"),
        (1.0, "100,0\u00a0%"),
        (1 / 3, "33,3\u00a0%"),
        (None, "–"),
    ],
)
def test_percent_is_written_the_swedish_way(value: float | None, text: str) -> None:
    assert stats.percent(value) == text


def test_percent_takes_the_number_of_decimals() -> None:
    assert stats.percent(0.625, decimals=0) == "63\u00a0%"
    assert stats.percent(0.62547, decimals=2) == "62,55\u00a0%"


@pytest.mark.parametrize(
    ("count", "n", "text"),
    [(5, 16, "31,3\u00a0%"), (1, 16, "6,3\u00a0%"), (3, 16, "18,8\u00a0%"), (1, 8, "12,5\u00a0%")],
)
def test_an_exact_half_rounds_up_not_to_even(count: int, n: int, text: str) -> None:
    # 5/16 = 31,25 %: rounding half to even, as Python's format() does, would say 31,2 %.
    assert stats.percent(count / n) == i18n.percent(count, n) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.071, "+7,1 procentenheter"),
        (-0.05, "\u22125,0 procentenheter"),
        (0.0, "0,0 procentenheter"),
        # rounds to zero, so neither "+0,0" nor "−0,0"
        (-0.0004, "0,0 procentenheter"),
        (None, "–"),
    ],
)
def test_points_are_written_the_swedish_way_with_a_sign(value: float | None, text: str) -> None:
    assert stats.points(value) == text


def test_a_share_reads_the_same_as_from_its_counts() -> None:
    # 23/80 = 28.75 %, but 23/80 * 100 is 28.749999999999996 in floating point.
    assert stats.percent(23 / 80) == i18n.percent(23, 80) == "28,8\u00a0%"


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    """A count of answers and how many answered, as a survey could produce them."""
    n = draw(st.integers(min_value=1, max_value=10_000))
    return draw(st.integers(min_value=0, max_value=n)), n


@given(counts())
def test_a_wilson_interval_holds_its_share(answer: tuple[int, int]) -> None:
    count, n = answer
    low, high = limits(stats.wilson(count, n))
    assert 0.0 <= low <= count / n <= high <= 1.0


@given(counts(), counts())
def test_a_newcombe_interval_holds_its_difference(
    before: tuple[int, int], after: tuple[int, int]
) -> None:
    low, high = limits(stats.newcombe(*before, *after))
    assert -1.0 <= low <= after[0] / after[1] - before[0] / before[1] <= high <= 1.0


@given(counts())
def test_percent_agrees_with_the_percent_from_counts(answer: tuple[int, int]) -> None:
    assert stats.percent(answer[0] / answer[1]) == i18n.percent(*answer)
