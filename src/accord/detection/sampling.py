"""Attribute sampling: how likely is an inspection of n of N items to find one of r defects?

Exact throughout (Avenhaus & Canty, *Compliance Quantified*, ch. 2; IAEA attribute sampling):

* without replacement, perfect test: miss β = C(N−r, n)/C(N, n) (hypergeometric);
* with an imperfect test (each inspected defect recognised with probability q) and a per-item
  false-alarm rate f: P(no alarm) = Σ_j Hyp(j; N, r, n) (1−q)^j (1−f)^(n−j);
* with replacement: J ~ Binomial(n, r/N) in the same sums;
* stratified: independent strata, β = Π_i β_i;
* sample size: the smallest n with 1 − β ≥ C, found exactly (β is decreasing in n), beside the
  IAEA approximation n = N(1 − β^(1/r)) (divided by q for an imperfect test).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from . import _check
from .result import Result

SCHEMA_SAMPLE = "accord.detect.sample/v1"
SCHEMA_SAMPLE_SIZE = "accord.detect.sample-size/v1"


@dataclass(frozen=True)
class Stratum:
    """One stratum (e.g. a base): ``population`` items, ``defects`` of them falsified,
    ``sample`` inspected at random without replacement."""

    population: int
    defects: int
    sample: int


def _validate(population: int, defects: int, sample: int | None) -> tuple[int, int, int | None]:
    N = _check.integer("population", population, low=1)
    r = _check.integer("defects", defects, low=0, high=N)
    n = None if sample is None else _check.integer("sample", sample, low=0)
    if n is not None and n > N:
        raise InputError(
            f"cannot inspect {n} items of a population of {N} without replacement", field="sample"
        )
    return N, r, n


def no_alarm_probability(
    population: int,
    defects: int,
    sample: int,
    *,
    item_detection: float = 1.0,
    false_alarm: float = 0.0,
    replacement: bool = False,
) -> float:
    """P(the inspection raises no alarm at all) — exact.

    An inspected defective item raises an alarm with probability ``item_detection`` (q), an
    inspected good item with probability ``false_alarm`` (f), independently.
    """
    q = _check.probability("item_detection", item_detection)
    f = _check.probability("false_alarm", false_alarm)
    if replacement:
        N = _check.integer("population", population, low=1)
        r = _check.integer("defects", defects, low=0, high=N)
        n = _check.integer("sample", sample, low=0)
        p = r / N
        return _clip01(((1.0 - q) * p + (1.0 - f) * (1.0 - p)) ** n)
    N, r, n_or_none = _validate(population, defects, sample)
    assert n_or_none is not None
    n = n_or_none
    if q == 1.0 and f == 0.0:
        return _hyper_miss(N, r, n)
    import numpy as np
    from scipy.stats import hypergeom

    j = np.arange(max(0, n - (N - r)), min(r, n) + 1)
    pmf = hypergeom.pmf(j, N, r, n)
    # The pmf sums to 1 only up to round-off (q = 0, f = 0 gave 1 + 2.2e-16): clip to [0, 1].
    return _clip01(float(np.sum(pmf * (1.0 - q) ** j * (1.0 - f) ** (n - j))))


def _clip01(p: float) -> float:
    """A probability pushed just outside [0, 1] by round-off, put back."""
    return min(max(p, 0.0), 1.0)


def _hyper_miss(N: int, r: int, n: int) -> float:
    """C(N−r, n)/C(N, n) = Π_{i<b} (1 − a/(N−i)) with {a, b} = {r, n}, b the shorter index range,
    accurate for any N.

    Short products are multiplied out; long ones are summed as Σ log1p(−a/(N−i)), vectorized.
    (A difference of lgamma values cancels catastrophically once N ≳ 1e9: N = 1e15, r = 1e12,
    n = 1000 gave 0.98 for 1 − β instead of 1 − e⁻¹.)
    """
    if r == 0 or n == 0:
        return 1.0
    if n > N - r:
        return 0.0
    a, b = (r, n) if n <= r else (n, r)
    if b <= 256:
        out = 1.0
        for i in range(b):
            out *= (N - a - i) / (N - i)
        return out
    if b * math.log1p(-a / N) < -750.0:  # every term is ≤ log1p(−a/N): β < 1e-325 underflows
        return 0.0
    import numpy as np

    log_miss = 0.0
    for start in range(0, b, 1 << 20):  # chunks bound the memory for huge ranges
        idx = np.arange(start, min(b, start + (1 << 20)), dtype=np.float64)
        log_miss += float(np.sum(np.log1p(-a / (N - idx))))
    return math.exp(log_miss)


def _hyper_miss_fraction(N: int, r: int, n: int) -> Fraction:
    """The same ratio in exact rationals (for decisions at a boundary)."""
    if r == 0 or n == 0:
        return Fraction(1)
    if n > N - r:
        return Fraction(0)
    a, b = (r, n) if n <= r else (n, r)
    num = den = 1
    for i in range(b):
        num *= N - a - i
        den *= N - i
    return Fraction(num, den)


def detection_probability(
    population: int,
    defects: int,
    sample: int,
    *,
    item_detection: float = 1.0,
    replacement: bool = False,
) -> float:
    """P(at least one inspected defective item is recognised) — exact.

    False alarms on good items do not count as detection here; see :func:`sample_report` for
    the alarm probabilities with a per-item false-alarm rate.
    """
    return 1.0 - no_alarm_probability(
        population, defects, sample, item_detection=item_detection, replacement=replacement
    )


def stratified_detection_probability(
    strata: Sequence[Stratum], *, item_detection: float = 1.0
) -> float:
    """P(at least one defect recognised in some stratum), strata sampled independently — exact."""
    if not strata:
        raise InputError("at least one stratum is needed", field="strata")
    miss = 1.0
    for i, s in enumerate(strata):
        try:
            miss *= no_alarm_probability(
                s.population, s.defects, s.sample, item_detection=item_detection
            )
        except InputError as err:
            raise InputError(err.problem, field=f"strata[{i}].{err.field}") from None
    return 1.0 - miss


def sample_size(
    population: int,
    defects: int,
    confidence: float,
    *,
    item_detection: float = 1.0,
    replacement: bool = False,
) -> int | None:
    """The smallest n with detection probability ≥ ``confidence`` — exact; ``None`` when even
    inspecting every item (without replacement) cannot reach it."""
    N, r, _ = _validate(population, defects, None)
    c = _check.probability("confidence", confidence, open_high=True)
    q = _check.probability("item_detection", item_detection)
    if c == 0.0:
        return 0
    if r == 0 or q == 0.0:
        return None
    beta = 1.0 - c
    if replacement:
        per_item_miss = 1.0 - q * r / N
        if per_item_miss <= 0.0:
            return 1
        n = math.ceil(math.log(beta) / math.log(per_item_miss))
        # guard the ceiling against rounding at an exact boundary
        while n > 1 and per_item_miss ** (n - 1) <= beta:
            n -= 1
        while per_item_miss**n > beta:
            n += 1
        return n

    def miss(n: int) -> float:
        return no_alarm_probability(N, r, n, item_detection=q)

    if miss(N) > beta:
        return None
    lo, hi = 0, N  # invariant: miss(hi) <= beta < miss(lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if miss(mid) <= beta:
            hi = mid
        else:
            lo = mid
    if q == 1.0 and min(r, hi) <= 20_000:
        # Settle ties exactly: the confidence is read as the decimal the user wrote.
        beta_exact = 1 - Fraction(repr(c))
        while hi > 0 and _hyper_miss_fraction(N, r, hi - 1) <= beta_exact:
            hi -= 1
        while _hyper_miss_fraction(N, r, hi) > beta_exact:
            hi += 1
    return hi


def iaea_sample_size(
    population: int, defects: int, confidence: float, *, item_detection: float = 1.0
) -> float:
    """The IAEA approximation n = min(N, N(1 − β^(1/r)) / q) (unrounded), from β ≈ (1 − q·n/N)^r.

    Capped at N: no sample without replacement is larger than the population, and for q < 1 the
    uncapped formula can exceed it (N = 400, r = 1, C = 0.9, q = 0.5 gives 720)."""
    N, r, _ = _validate(population, defects, None)
    c = _check.probability("confidence", confidence, open_high=True)
    q = _check.probability("item_detection", item_detection, open_low=True)
    if r == 0:
        raise InputError("there must be at least one defect to detect", field="defects")
    return float(min(float(N), N * (1.0 - (1.0 - c) ** (1.0 / r)) / q))


def defects_from_goal(goal_quantity: float, per_item: float) -> int:
    """r = ⌈M / x̄⌉: the fewest items a violator must falsify to reach the goal quantity M."""
    M = _check.positive("goal_quantity", goal_quantity)
    x = _check.positive("per_item", per_item)
    return math.ceil(M / x - 1e-12)


def within_years(per_year: float, years: int) -> float:
    """P(detected within T years) = 1 − (1 − p)^T for independent yearly inspections."""
    p = _check.probability("per_year", per_year)
    T = _check.integer("years", years, low=0)
    return 1.0 - (1.0 - p) ** T


def expected_years_to_detection(per_year: float) -> float:
    """E[year of first detection] = 1/p (geometric; inf when p = 0)."""
    p = _check.probability("per_year", per_year)
    return math.inf if p == 0.0 else 1.0 / p


# -- reports (what the CLI prints) ------------------------------------------------------------


def sample_report(
    population: int,
    defects: int,
    sample: int,
    *,
    item_detection: float = 1.0,
    false_alarm: float = 0.0,
    replacement: bool = False,
    years: int | None = None,
) -> Result:
    """Detection probability of one sampling inspection, with its assumptions."""
    q = _check.probability("item_detection", item_detection)
    f = _check.probability("false_alarm", false_alarm)
    p = detection_probability(
        population, defects, sample, item_detection=q, replacement=replacement
    )
    values: dict[str, object] = {
        "population": int(population),
        "defects": int(defects),
        "sample": int(sample),
        "item_detection": q,
        "false_alarm_per_item": f,
        "replacement": replacement,
        "probability": p,
        "miss_probability": 1.0 - p,
    }
    if f > 0.0:
        values["alarm_probability"] = 1.0 - no_alarm_probability(
            population, defects, sample, item_detection=q, false_alarm=f, replacement=replacement
        )
        values["false_alarm_probability"] = 1.0 - (1.0 - f) ** int(sample)
    assumptions = [
        (
            f"The inspector draws {sample} of {population} items uniformly at random "
            + ("with replacement" if replacement else "without replacement")
            + f"; {defects} of them are defective and the violator cannot predict the draw."
        ),
        (
            "Every inspected defective item is recognised."
            if q == 1.0
            else f"Each inspected defective item is recognised with probability {q:g}, independently."
        ),
    ]
    if f > 0.0:
        assumptions.append(
            f"Each inspected good item raises a false alarm with probability {f:g}, independently; "
            "'probability' counts only alarms caused by defective items."
        )
    if years is not None:
        T = _check.integer("years", years, low=1)
        values["years"] = T
        values["probability_within_years"] = within_years(p, T)
        values["expected_years_to_detection"] = expected_years_to_detection(p)
        assumptions.append(
            f"The same inspection is repeated independently each year for {T} years and the "
            "violation stays in place and unchanged."
        )
    return Result(SCHEMA_SAMPLE, "exact", values, tuple(assumptions))


def sample_size_report(
    population: int,
    defects: int,
    confidence: float,
    *,
    item_detection: float = 1.0,
) -> Result:
    """Exact smallest sample and the IAEA approximation beside it, with their difference."""
    q = _check.probability("item_detection", item_detection, open_low=True)
    exact = sample_size(population, defects, confidence, item_detection=q)
    approx_raw = iaea_sample_size(population, defects, confidence, item_detection=q)
    approx = min(math.ceil(approx_raw - 1e-9), int(population))
    values: dict[str, object] = {
        "population": int(population),
        "defects": int(defects),
        "confidence": float(confidence),
        "item_detection": q,
        "exact": exact,
        "iaea_approximation": approx,
        "iaea_formula": approx_raw,
        "difference": None if exact is None else approx - exact,
        "exact_detection_probability": None
        if exact is None
        else detection_probability(population, defects, exact, item_detection=q),
    }
    assumptions = [
        f"Sampling without replacement from {population} items of which {defects} are defective; "
        "the exact size is the smallest n whose hypergeometric detection probability reaches the "
        "confidence.",
        "The IAEA approximation n = N(1 − β^(1/r)) comes from β ≈ (1 − n/N)^r and is rounded up; "
        "for a perfect test it never undercuts the exact size, because (1 − n/N)^r bounds the "
        "hypergeometric miss probability from above.",
    ]
    if q < 1.0:
        assumptions.append(
            f"Each inspected defective item is recognised with probability {q:g}; the approximation "
            "is divided by q (the standard binomial approximation) and capped at the population N."
        )
    notes: tuple[str, ...] = ()
    if exact is None:
        notes = ("The confidence cannot be reached even by inspecting every item.",)
    return Result(SCHEMA_SAMPLE_SIZE, "exact", values, tuple(assumptions), notes=notes)
