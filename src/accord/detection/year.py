"""A treaty year of inspections against a static violation, evaluated exactly.

The model behind the scenarios and the simulator: sites s (bases, storage sites …) hold N_s items
of which the violator has falsified u_s (its *policy*). Each year the inspector makes k
inspections; each picks site s with probability π_s (its *policy*), independently, and examines
m items there; inspections of the same site in one year examine different items. An examined
falsified item is recognised with probability q. Independently, other means (national technical
means) detect the violation with probability ρ a year.

Exact miss probability of one year: with the multinomial counts c of inspections per site,
β = (1 − ρ)·E_c[Π_s β_s(min(c_s·m, N_s))], where β_s(n) = E[(1 − q)^J], J ~ Hyp(N_s, u_s, n).
The expectation is computed by a recursion over sites with binomial splitting of the remaining
inspections (a multinomial is a chain of binomials), O(S·k²).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from . import _check
from .sampling import no_alarm_probability

#: Most inspections a year evaluated exactly when several sites can be inspected: the recursion is
#: O(S·k²) and a scenario evaluates a dozen models (k = 2000 took 1.5 s, k = 4000 5 s). With one
#: inspectable site the miss is β(min(k·m, N)) directly and k is not limited.
MAX_INSPECTIONS = 2000


@dataclass(frozen=True)
class YearModel:
    """Sites with their items and falsified items, the inspection policy and detection rates."""

    populations: tuple[int, ...]
    defects: tuple[int, ...]
    inspections: int
    site_probabilities: tuple[float, ...]
    items_per_inspection: int = 1
    item_detection: float = 1.0
    other_detection: float = 0.0

    @classmethod
    def build(
        cls,
        populations: Sequence[int],
        defects: Sequence[int],
        inspections: int,
        site_probabilities: Sequence[float] | None = None,
        *,
        items_per_inspection: int = 1,
        item_detection: float = 1.0,
        other_detection: float = 0.0,
    ) -> YearModel:
        """Validate and normalise; by default each inspection picks a site in proportion to its
        number of items (so each item is equally likely to be examined)."""
        pops = tuple(_check.integer(f"populations[{i}]", n, low=0) for i, n in enumerate(populations))
        if not pops or sum(pops) == 0:
            raise InputError("at least one site with items is needed", field="populations")
        defs = tuple(
            _check.integer(f"defects[{i}]", u, low=0, high=pops[i]) if i < len(pops) else 0
            for i, u in enumerate(defects)
        )
        if len(defs) != len(pops):
            raise InputError("give one defect count per site", field="defects")
        k = _check.integer("inspections", inspections, low=0)
        if site_probabilities is None:
            probs = tuple(n / sum(pops) for n in pops)
        else:
            p = np.asarray(site_probabilities, dtype=float)
            if p.shape != (len(pops),) or np.any(~np.isfinite(p)) or np.any(p < 0) or p.sum() <= 0:
                raise InputError(
                    "site probabilities must be one non-negative number per site, not all zero",
                    field="site_probabilities",
                )
            probs = tuple(float(x) for x in p / p.sum())
        for i, (n, pi) in enumerate(zip(pops, probs, strict=False)):
            if n == 0 and pi > 0:
                raise InputError(f"site {i} has no items but may be inspected", field="site_probabilities")
        if k > MAX_INSPECTIONS and sum(pi > 0 for pi in probs) > 1:
            raise InputError(
                f"must be at most {MAX_INSPECTIONS} a year when several sites may be inspected "
                f"(exact evaluation is quadratic in the inspections), got {k}",
                field="inspections",
            )
        return cls(
            populations=pops,
            defects=defs,
            inspections=k,
            site_probabilities=probs,
            items_per_inspection=_check.integer("items_per_inspection", items_per_inspection, low=1),
            item_detection=_check.probability("item_detection", item_detection),
            other_detection=_check.probability("other_detection", other_detection),
        )


def _site_miss_table(model: YearModel, s: int) -> np.ndarray:
    """β_s(min(c·m, N_s)) for c = 0..k."""
    N, u, m, q = (
        model.populations[s],
        model.defects[s],
        model.items_per_inspection,
        model.item_detection,
    )
    out = np.empty(model.inspections + 1)
    for c in range(model.inspections + 1):
        n = min(c * m, N)
        out[c] = 1.0 if (u == 0 or n == 0) else no_alarm_probability(N, u, n, item_detection=q)
    return out


def year_miss_probability(model: YearModel) -> float:
    """P(the violation goes undetected for one year) — exact."""
    k = model.inspections
    S = len(model.populations)
    probs = np.asarray(model.site_probabilities)
    inspectable = np.flatnonzero(probs > 0)
    if inspectable.size == 1:  # every inspection goes to the one site: c = k there, 0 elsewhere
        s = int(inspectable[0])
        N, u, m = model.populations[s], model.defects[s], model.items_per_inspection
        n = min(k * m, N)
        miss = 1.0 if (u == 0 or n == 0) else no_alarm_probability(N, u, n, item_detection=model.item_detection)
        return (1.0 - model.other_detection) * miss
    tail = np.concatenate([np.cumsum(probs[::-1])[::-1], [0.0]])  # Σ_{s' ≥ s} π_s'
    r = np.arange(k + 1)
    # f[r] = E[Π_{s' > s} β_s' | r inspections left for sites s+1..S]; start past the last site.
    f = np.where(r == 0, 1.0, 0.0)  # after the last site no inspection may be left over
    for s in range(S - 1, -1, -1):
        table = _site_miss_table(model, s)
        share = 0.0 if tail[s] <= 0 else probs[s] / tail[s]
        if s == S - 1 or tail[s + 1] <= 0:
            share = 1.0 if tail[s] > 0 else 0.0  # the last site that can be inspected takes the rest
        new = np.empty(k + 1)
        for rem in range(k + 1):
            c = np.arange(rem + 1)
            if 0.0 < share < 1.0:
                from scipy.stats import binom

                w = binom.pmf(c, rem, share)
            else:  # all remaining inspections go here (share 1) or none do (share 0)
                w = (c == (rem if share == 1.0 else 0)).astype(float)
            new[rem] = float(np.sum(w * table[c] * f[rem - c]))
        f = new
    return (1.0 - model.other_detection) * float(f[k])


def year_detection_probability(model: YearModel) -> float:
    """P(the violation is detected within one year) — exact."""
    return 1.0 - year_miss_probability(model)


def detection_within(model: YearModel, years: int) -> np.ndarray:
    """P(detected within t years) for t = 1..years (years independent, violation static)."""
    T = _check.integer("years", years, low=1)
    miss = year_miss_probability(model)
    return 1.0 - miss ** np.arange(1, T + 1)


def expected_years_to_detection(model: YearModel) -> float:
    """E[year of first detection] = 1/P_year (inf if the violation can never be detected)."""
    p = year_detection_probability(model)
    return math.inf if p <= 0.0 else 1.0 / p
