"""Allocating a quota of inspections across sites: the site (search) game.

Sites i have a value v_i to the violator and a detection probability d_i when inspected. The
inspector has a quota of k inspections a period and inspects site i with probability p_i
(0 ≤ p_i ≤ 1, Σ p_i = k); the violator picks one site and gains v_i(1 − d_i·p_i) in expectation.
The inspector minimises the violator's best gain V = max_i v_i(1 − d_i p_i) — an LP. On the support
the gains are equalised, p_i = (1 − V/v_i)/d_i ("Verifying the absence of undeclared activities";
Avenhaus & Kilgour, "Efficient distributions of arms-control inspection effort", NRL 51, 2004,
for the linear detection function: concave in effort → spread deterministically in expectation).
The violator's equilibrium mix over sites is read from the LP duals.

A randomized allocation with these marginals and exactly k inspections is drawn by systematic
sampling (Madow 1949), so every inspection plan uses the whole quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import InputError
from .. import _check
from ..result import Result

SCHEMA_ALLOCATION = "accord.detect.game.allocation/v1"


@dataclass(frozen=True)
class AllocationSolution:
    """Inspector's marginal inspection probabilities, the violator's mix and best sites, and the
    game value (the violator's expected gain)."""

    value: float
    inspect_probability: np.ndarray
    violator_strategy: np.ndarray
    best_sites: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "inspect_probability": self.inspect_probability.tolist(),
            "violator_strategy": self.violator_strategy.tolist(),
            "best_sites": list(self.best_sites),
        }


def _validate(values: Sequence[float], detection: Sequence[float], quota: float) -> tuple[Any, Any, int]:
    v = np.asarray(values, dtype=float)
    d = np.asarray(detection, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise InputError("give at least one site value", field="values")
    if d.shape != v.shape:
        raise InputError("give one detection probability per site", field="detection")
    if np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise InputError("site values must be positive numbers", field="values")
    if np.any(~np.isfinite(d)) or np.any(d < 0) or np.any(d > 1):
        raise InputError("detection probabilities must lie in [0, 1]", field="detection")
    # A whole number: a plan inspects whole sites, and systematic sampling draws exactly k of them.
    k = _check.integer("quota", quota, low=0)
    if k > v.size:
        raise InputError(f"a quota of {k} exceeds the {v.size} sites (one inspection a site)", field="quota")
    return v, d, k


def solve_site_allocation(
    values: Sequence[float], detection: Sequence[float], quota: float
) -> AllocationSolution:
    """The inspector's optimal inspection probabilities across sites and the violator's best
    response, by LP: minimise V subject to v_i(1 − d_i p_i) ≤ V, Σp ≤ k, 0 ≤ p ≤ 1."""
    from scipy.optimize import linprog

    v, d, k = _validate(values, detection, quota)
    n = v.size
    # variables p (n), V; minimise V; −v_i d_i p_i − V ≤ −v_i; Σ p ≤ k
    c = np.zeros(n + 1)
    c[-1] = 1.0
    A_ub = np.zeros((n + 1, n + 1))
    A_ub[:n, :n] = -np.diag(v * d)
    A_ub[:n, -1] = -1.0
    A_ub[n, :n] = 1.0
    b_ub = np.concatenate([-v, [k]])
    bounds = [(0.0, 1.0)] * n + [(None, None)]
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise InputError(f"allocation LP failed: {res.message}", field="quota")
    p = np.clip(res.x[:n], 0.0, 1.0)
    V = float(res.x[-1])
    # Spread any unused quota (sites the violator ignores) so the plan uses all k inspections:
    # extra inspections never raise the violator's gain.
    spare = k - p.sum()
    if spare > 1e-12:
        room = 1.0 - p
        order = np.argsort(-v * d)
        for i in order:
            add = min(room[i], spare)
            p[i] += add
            spare -= add
            if spare <= 1e-12:
                break
    y = np.clip(-np.asarray(res.ineqlin.marginals[:n]), 0.0, None)
    y = y / y.sum() if y.sum() > 0 else y
    gains = v * (1.0 - d * p)
    best = tuple(int(i) for i in np.flatnonzero(gains >= V - 1e-9 * max(1.0, abs(V))))
    return AllocationSolution(value=V, inspect_probability=p, violator_strategy=y, best_sites=best)


def systematic_allocation(
    inspect_probability: Sequence[float], rng: np.random.Generator
) -> np.ndarray:
    """Draw which sites to inspect so that site i is inspected with probability p_i and exactly
    Σp sites are inspected (systematic sampling, Madow 1949). Returns a 0/1 array.

    Needs 0 ≤ p_i ≤ 1 and a whole Σp (to 1e-9): with a fractional sum no fixed-size plan has
    these marginals."""
    p = np.asarray(inspect_probability, dtype=float)
    if p.ndim != 1 or np.any(~np.isfinite(p)) or np.any(p < 0.0) or np.any(p > 1.0):
        raise InputError("inspection probabilities must lie in [0, 1]", field="inspect_probability")
    cum = np.concatenate([[0.0], np.cumsum(p)])
    k = round(float(cum[-1]))
    if abs(cum[-1] - k) > 1e-9:
        raise InputError(
            f"the inspection probabilities sum to {cum[-1]:g}, not a whole number of inspections",
            field="inspect_probability",
        )
    u = rng.random()
    points = u + np.arange(k)
    chosen = np.zeros(p.size, dtype=np.int8)
    idx = np.searchsorted(cum, points, side="right") - 1
    chosen[np.clip(idx, 0, p.size - 1)] = 1
    return chosen


def allocation_report(
    values: Sequence[float], detection: Sequence[float], quota: float
) -> Result:
    """The site game's solution with its assumptions."""
    sol = solve_site_allocation(values, detection, quota)
    out = {
        "values": [float(x) for x in values],
        "detection": [float(x) for x in detection],
        "quota": float(quota),
        "value": sol.value,
        "inspect_probability": sol.inspect_probability.tolist(),
        "violator_strategy": sol.violator_strategy.tolist(),
        "best_sites": list(sol.best_sites),
    }
    assumptions = (
        "The violator chooses one site; its gain there is the site's value if undetected and 0 "
        "if detected (no extra sanction).",
        "The inspector inspects each site at most once a period; an inspection of the violated "
        "site detects with the site's detection probability.",
        "The violator knows the inspection probabilities but not the draw (zero-sum search game).",
    )
    return Result(SCHEMA_ALLOCATION, "lp", out, assumptions)
