"""How likely a count given as a range is over its cap, under a stated distribution.

An estimator's range (low, central, high) says where the true count lies, not how likely each
value is; any probability needs a distribution, and a finding names the one it used.

- ``triangular`` (the default): density rising linearly from ``low`` to a peak at ``central`` and
  falling to ``high``. It is the simplest distribution that uses all three published numbers,
  puts the most weight on the estimator's own central figure and none outside the published
  span (the usual choice in risk analysis when a low, a most likely and a high value are given).
- ``uniform``: every value between ``low`` and ``high`` equally likely; it ignores the central
  figure and gives the ends as much weight as the middle.

Counts are whole numbers: the true count ``V`` is the continuous variable rounded to the
nearest integer, so ``P(V = k) = F(k + ½) − F(k − ½)`` and ``P(V > cap) = 1 − F(cap + ½)``.
This makes the probability 0 exactly when ``high <= cap`` (the finding is ``within``), 1 exactly
when ``low > cap`` (``exceeds``), and strictly between otherwise (``uncertain``).

A cap that is itself a range (a freeze at the level on a date, read from an estimate) is a
second, independent variable ``C`` with the same kind of distribution; ``P(V > C)`` sums
``P(C = k) · P(V > k)`` over the whole numbers ``k`` where the two ranges overlap (below the
overlap ``P(V > k)`` is 1, above it 0). Independence is an assumption: estimates from one
estimator in two years are likely correlated, which would put the probability nearer to the
comparison of the central values; the status (``within`` only when the value's high end is at
most the cap's low end) needs no such assumption. Where the overlap spans more than
``MAX_TERMS`` whole numbers (a hostile file, or a sum of counts near ``ACCORD_MAX_COUNT``),
neighbouring whole numbers are taken together in equal groups, each at its middle, so that the
work stays bounded: the probability then differs from the full sum by about (group / overlap)²,
under 1e-9 (tests/compliance/test_ranges_adversarial.py checks it).

The distributions are written out here rather than taken from scipy, for precision: each tail is
computed on its own side (scipy's triangular computes the upper tail as ``1 − F``, so a tail of
1e-17 comes out as 0), and only differences from the range's low end are turned into floats
(counts are whole numbers of any size; ``2**60 + 0.5`` is not a float). A probability that is
strictly between 0 and 1 but closer to either than a float resolves is reported as the nearest
float inside, never as the certainty the status denies.

A value summed from several ranges (several categories, or a coalition's members) is a range
whose ends are the sums of the ends; its distribution is taken over that summed range. That
does not assume the parts' errors independent (independent errors would partly cancel and give
a narrower distribution), so it errs toward ``uncertain`` rather than toward a verdict.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..forces.estimates import Estimate

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: The distributions a probability can be computed under, and how a finding names them.
DISTRIBUTIONS = {"triangular": "triangular(low, central, high)", "uniform": "uniform(low, high)"}
DEFAULT_DISTRIBUTION = "triangular"
#: The most whole numbers of an overlap summed one by one (see the module docstring).
MAX_TERMS = 100_000


def _tails(span: Estimate, x: NDArray[np.float64], distribution: str) -> tuple[NDArray[np.float64],
                                                                              NDArray[np.float64]]:
    """``(P(X <= low + x), P(X > low + x))`` for the continuous variable over ``span`` (a range),
    ``x`` measured from its low end; each computed directly on the side where it is the smaller."""
    width = float(span.high - span.low)
    x = np.clip(x, 0.0, width)
    if distribution == "uniform":
        return x / width, (width - x) / width
    mode = float(span.central - span.low)
    rising = x < mode  # left of the peak the lower tail is the small one, right of it the upper
    with np.errstate(divide="ignore", invalid="ignore"):  # the side not taken may divide by zero
        below = np.where(rising, x * x / (width * mode), 0.0)
        above = np.where(rising, 0.0, (width - x) ** 2 / (width * (width - mode)))
    above = np.where(x >= width, 0.0, above)
    return np.where(rising, below, 1.0 - above), np.where(rising, 1.0 - below, above)


def _check(distribution: str) -> None:
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {distribution!r} (known: {', '.join(DISTRIBUTIONS)})")


def cdf(span: Estimate, x: NDArray[np.float64], distribution: str = DEFAULT_DISTRIBUTION) -> NDArray[np.float64]:
    """``P(X <= x)`` for the continuous variable over ``span`` (``span.is_range`` must hold)."""
    _check(distribution)
    return _tails(span, np.asarray(x, dtype=np.float64) - span.low, distribution)[0]


def p_exceeds(value: Estimate, cap: Estimate, distribution: str = DEFAULT_DISTRIBUTION) -> float | None:
    """The probability that the true count is over the cap, ``P(V > C)``, under ``distribution``
    (see the module docstring); None when neither is a range (there is nothing uncertain).
    0 when ``value.high <= cap.low``, 1 when ``value.low > cap.high``, else strictly between."""
    _check(distribution)
    if not value.is_range and not cap.is_range:
        return None
    if value.high <= cap.low:
        return 0.0
    if value.low > cap.high:
        return 1.0
    if not cap.is_range:  # P(V > c): V rounds to c + 1 or more
        p = float(_tails(value, np.array([cap.central - value.low + 0.5]), distribution)[1][0])
    else:
        p = _over_range(value, cap, distribution)
    # between the statuses' certainties: a probability finer than floats resolve stays inside
    return min(max(p, math.nextafter(0.0, 1.0)), math.nextafter(1.0, 0.0))


def _over_range(value: Estimate, cap: Estimate, distribution: str) -> float:
    """``P(V > C)`` for a cap that is a range: ``P(C < value.low)`` plus the sum over the whole
    numbers ``k`` where both ranges overlap of ``P(C = k) · P(V > k)``, in at most ``MAX_TERMS``
    groups of neighbours."""
    below_value = 0.0
    if value.low > cap.low:  # every C under the value's low end: V is surely over it
        below_value = float(_tails(cap, np.array([value.low - cap.low - 0.5]), distribution)[0][0])
    first, last = max(cap.low, value.low), min(cap.high, value.high - 1)
    if last < first or not value.is_range:
        return below_value
    n = last - first + 1
    step = -(-n // MAX_TERMS)  # whole numbers per group: 1 unless the overlap is very wide
    start = np.arange(0, n, step, dtype=np.float64)
    end = np.minimum(start + step - 1, n - 1)
    to_cap, to_value = first - cap.low, first - value.low  # exact whole numbers, before any float
    lo_below, lo_above = _tails(cap, to_cap + start - 0.5, distribution)
    hi_below, hi_above = _tails(cap, to_cap + end + 0.5, distribution)
    # each group's mass from the tail that is small there (a difference of two numbers near 1 loses digits)
    small_side = to_cap + end + 0.5 <= float(cap.central - cap.low)
    mass = np.where(small_side, hi_below - lo_below, lo_above - hi_above)
    over = _tails(value, to_value + (start + end) / 2 + 0.5, distribution)[1]
    return below_value + float(np.dot(mass, over))
