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
``P(C = k) · P(V > k)`` over the whole numbers ``k`` of the cap's range (exact in this model,
vectorized). Independence is an assumption: estimates from one estimator in two years are
likely correlated, which would put the probability nearer to the comparison of the central
values; the status (``within`` only when the value's high end is at most the cap's low end)
needs no such assumption.

A value summed from several ranges (several categories, or a coalition's members) is a range
whose ends are the sums of the ends; its distribution is taken over that summed range. That
does not assume the parts' errors independent (independent errors would partly cancel and give
a narrower distribution), so it errs toward ``uncertain`` rather than toward a verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..forces.estimates import Estimate

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: The distributions a probability can be computed under, and how a finding names them.
DISTRIBUTIONS = {"triangular": "triangular(low, central, high)", "uniform": "uniform(low, high)"}
DEFAULT_DISTRIBUTION = "triangular"


def _dist(span: Estimate, distribution: str) -> Any:
    """The frozen scipy distribution of the continuous variable over ``span`` (a range)."""
    from scipy import stats

    width = span.high - span.low
    if distribution == "uniform":
        return stats.uniform(loc=span.low, scale=width)
    if distribution == "triangular":
        return stats.triang((span.central - span.low) / width, loc=span.low, scale=width)
    raise ValueError(f"unknown distribution {distribution!r} (known: {', '.join(DISTRIBUTIONS)})")


def cdf(span: Estimate, x: NDArray[np.float64], distribution: str = DEFAULT_DISTRIBUTION) -> NDArray[np.float64]:
    """``P(X <= x)`` for the continuous variable over ``span`` (``span.is_range`` must hold)."""
    return np.asarray(_dist(span, distribution).cdf(x), dtype=np.float64)


def _over(value: Estimate, k: NDArray[np.float64], distribution: str) -> NDArray[np.float64]:
    """``P(V > k)`` for whole numbers ``k`` (the survival function: no ``1 − F`` cancellation
    in the upper tail, where a probability of 0.00005 must not come out as 0.0000500001)."""
    if not value.is_range:
        return (value.central > k).astype(np.float64)
    return np.asarray(_dist(value, distribution).sf(k + 0.5), dtype=np.float64)


def p_exceeds(value: Estimate, cap: Estimate, distribution: str = DEFAULT_DISTRIBUTION) -> float | None:
    """The probability that the true count is over the cap, ``P(V > C)``, under ``distribution``
    (see the module docstring); None when neither is a range (there is nothing uncertain).
    0 when ``value.high <= cap.low``, 1 when ``value.low > cap.high``, else strictly between."""
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {distribution!r} (known: {', '.join(DISTRIBUTIONS)})")
    if not value.is_range and not cap.is_range:
        return None
    if value.high <= cap.low:
        return 0.0
    if value.low > cap.high:
        return 1.0
    if not cap.is_range:
        return float(_over(value, np.array([float(cap.central)]), distribution)[0])
    k = np.arange(cap.low, cap.high + 1, dtype=np.float64)
    mass = cdf(cap, k + 0.5, distribution) - cdf(cap, k - 0.5, distribution)
    p = float(np.dot(mass, _over(value, k, distribution)))
    return min(max(p, 0.0), 1.0)  # rounding in the sum must not step outside [0, 1]
