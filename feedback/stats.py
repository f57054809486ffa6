"""Shares with honest uncertainty: Wilson intervals, Newcombe changes, Swedish formatting.

Answers at citizen dialogues are a self-selected sample, so a share is "bland de som svarade"
and its 95 % interval covers only the chance in who happened to answer, not the bias in who
chose to. Which shares may be shown at all is decided in feedback.disclosure. Every page and
print formats from here, rounding half up (31,25 % is shown as 31,3 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The 97.5th percentile of the standard normal distribution, for two-sided 95 % intervals.
Z95 = 1.959963984540054

NO_VALUE = "–"
MINUS = "\u2212"
NBSP = "\u00a0"


@dataclass(frozen=True)
class Interval:
    """A closed interval from `low` to `high`."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        """Whether the value lies within the interval, ends included."""
        return self.low <= value <= self.high


def _check(count: int, n: int) -> None:
    """Refuse counts that cannot come from answers."""
    if not 0 <= count <= n:
        raise ValueError(f"need 0 <= count <= n, got count={count}, n={n}")


def wilson(count: int, n: int, z: float = Z95) -> Interval | None:
    """95 % Wilson score interval for count/n; None when n == 0."""
    _check(count, n)
    if n == 0:
        return None
    z2 = z * z
    centre = (count + z2 / 2) / (n + z2)
    half = z * math.sqrt(count * (n - count) / n + z2 / 4) / (n + z2)
    p = count / n
    # The limits are exactly 0 and 1 at the ends; rounding must not push them past the share.
    low = 0.0 if count == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if count == n else max(p, min(1.0, centre + half))
    return Interval(low, high)


def newcombe(count1: int, n1: int, count2: int, n2: int, z: float = Z95) -> Interval | None:
    """Newcombe's hybrid score interval for p2 - p1 (year 1 to year 2); None if n1 or n2 is 0."""
    first = wilson(count1, n1, z)
    second = wilson(count2, n2, z)
    if first is None or second is None:
        return None
    p1 = count1 / n1
    p2 = count2 / n2
    difference = p2 - p1
    # Method 10 of Newcombe (1998): each limit combines the distances from each share to the
    # Wilson limit on the side that moves the difference that way.
    low = difference - math.hypot(p2 - second.low, first.high - p1)
    high = difference + math.hypot(second.high - p2, p1 - first.low)
    return Interval(max(-1.0, min(difference, low)), min(1.0, max(difference, high)))


@dataclass(frozen=True)
class Estimate:
    """A share of `count` among `n` who answered, with its interval (none when n is 0).

    Only feedback.disclosure makes one for a number that is published.
    """

    count: int
    n: int
    share: float | None
    interval: Interval | None


def estimate(count: int, n: int) -> Estimate:
    """A share with its interval; no share when nobody answered."""
    _check(count, n)
    if n == 0:
        return Estimate(count, n, share=None, interval=None)
    return Estimate(count, n, share=count / n, interval=wilson(count, n))


@dataclass(frozen=True)
class Change:
    """The change in a share from `before` to `after`, with Newcombe's interval.

    `before` and `after` are None where the share is withheld; then there is no change either.
    """

    before: Estimate | None
    after: Estimate | None
    difference: float | None
    interval: Interval | None

    @property
    def direction(self) -> str | None:
        """ "up" or "down" when the interval excludes zero (a clear change), else None."""
        if self.interval is None or self.interval.contains(0.0):
            return None
        return "up" if self.interval.low > 0 else "down"


def change(before: Estimate | None, after: Estimate | None) -> Change:
    """The change between two published shares; none when either is withheld or empty."""
    if before is None or after is None or before.share is None or after.share is None:
        return Change(before, after, difference=None, interval=None)
    return Change(
        before,
        after,
        difference=after.share - before.share,
        interval=newcombe(before.count, before.n, after.count, after.n),
    )


def _number(magnitude: float, decimals: int) -> str:
    """A non-negative number with a decimal comma, rounded half up: 31.25 -> '31,3'."""
    # 23/80 * 100 comes out as 28.749999999999996: round away such float noise first, so
    # that an exact half (5/16 = 31,25 %) rounds up, as readers expect, and never to even.
    exact = Decimal(repr(round(magnitude, 10)))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:.{decimals}f}".replace(".", ",")


def _signed(value: float, decimals: int) -> tuple[str, str]:
    """The sign and the digits of a value; no sign when it rounds to zero."""
    digits = _number(abs(value), decimals)
    if value == 0 or not digits.strip("0,"):
        return "", digits
    return ("+" if value > 0 else MINUS), digits


def percent(value: float | None, decimals: int = 1) -> str:
    """A share the Swedish way: 0.625 -> '62,5 %' (non-breaking space before %); None -> '–'."""
    if value is None:
        return NO_VALUE
    sign, digits = _signed(100 * value, decimals)
    return f"{sign if sign == MINUS else ''}{digits}{NBSP}%"


def points(value: float | None, decimals: int = 1) -> str:
    """Signed percentage points: 0.071 -> '+7,1 procentenheter', -0.05 -> '−5,0 …', None -> '–'."""
    if value is None:
        return NO_VALUE
    sign, digits = _signed(100 * value, decimals)
    return f"{sign}{digits} procentenheter"
