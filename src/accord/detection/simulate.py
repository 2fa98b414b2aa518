"""Monte Carlo of treaty years (violator policy × inspection policy), vectorized with numpy.

It plays the mechanics of :class:`~accord.detection.year.YearModel` literally — the inspector
draws how many inspections go to each site (multinomial), draws the examined items at each site
(hypergeometric, i.e. distinct items without replacement), each examined falsified item is
recognised or not (binomial), other means detect or not (Bernoulli) — for ``trials`` × ``years``
independent trial-years at once. It exists to validate the exact evaluation in
:mod:`accord.detection.year` (tests require agreement within 4 standard errors) and for models
with no closed form; where the exact answer exists, use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _check
from .result import Result
from .year import YearModel, detection_within, expected_years_to_detection

SCHEMA_SIMULATION = "accord.detect.simulation/v1"

#: Trial-years simulated per vectorized block (bounds memory: a few arrays of this many ints).
BLOCK = 1 << 20


@dataclass(frozen=True)
class SimulationResult:
    """Estimates with standard errors from ``trials`` independent runs of ``years`` years.

    ``within[t]`` estimates P(detected within t+1 years); ``first_year`` counts trials by the year
    of first detection (index ``years`` = never detected).
    """

    trials: int
    years: int
    per_year: float
    per_year_se: float
    within: np.ndarray
    within_se: np.ndarray
    first_year: np.ndarray

    def to_json(self) -> dict[str, Any]:
        return {
            "trials": self.trials,
            "years": self.years,
            "per_year": self.per_year,
            "per_year_se": self.per_year_se,
            "within": self.within.tolist(),
            "within_se": self.within_se.tolist(),
        }


def simulate_detected(
    model: YearModel, n: int, rng: np.random.Generator
) -> np.ndarray:
    """One boolean per trial-year: was the violation detected in that year? (``n`` trial-years.)"""
    k = model.inspections
    detected = np.zeros(n, dtype=bool)
    pops = model.populations
    defs = model.defects
    probs = np.asarray(model.site_probabilities)
    active = [s for s in range(len(pops)) if defs[s] > 0 and probs[s] > 0]
    if k > 0 and active:
        counts = np.full((n, 1), k, dtype=np.int64) if len(pops) == 1 else rng.multinomial(k, probs, size=n)
        m = model.items_per_inspection
        q = model.item_detection
        for s in active:
            sample = np.minimum(counts[:, s] * m, pops[s])
            found = rng.hypergeometric(defs[s], pops[s] - defs[s], sample)
            if q < 1.0:
                found = rng.binomial(found, q)
            detected |= found > 0
    if model.other_detection > 0.0:
        detected |= rng.random(n) < model.other_detection
    return detected


def simulate(
    model: YearModel, *, years: int = 1, trials: int = 100_000, seed: int | None = None
) -> SimulationResult:
    """Simulate ``trials`` independent runs of ``years`` treaty years against a static violation."""
    T = _check.integer("years", years, low=1)
    R = _check.integer("trials", trials, low=1)
    rng = np.random.default_rng(seed)
    first = np.full(R, T, dtype=np.int64)  # T = never
    year_hits = 0
    done = 0
    rows_per_block = max(1, BLOCK // T)
    while done < R:
        b = min(rows_per_block, R - done)
        det = simulate_detected(model, b * T, rng).reshape(b, T)
        year_hits += int(det.sum())
        any_det = det.any(axis=1)
        first[done : done + b] = np.where(any_det, det.argmax(axis=1), T)
        done += b
    p_year = year_hits / (R * T)
    counts = np.bincount(first, minlength=T + 1)
    within = np.cumsum(counts[:T]) / R
    return SimulationResult(
        trials=R,
        years=T,
        per_year=p_year,
        per_year_se=math.sqrt(max(p_year * (1 - p_year), 0.0) / (R * T)),
        within=within,
        within_se=np.sqrt(within * (1 - within) / R),
        first_year=counts,
    )


def simulation_report(
    model: YearModel, *, years: int = 1, trials: int = 100_000, seed: int | None = None
) -> Result:
    """Monte Carlo estimates beside the exact values for the same model."""
    sim = simulate(model, years=years, trials=trials, seed=seed)
    exact = detection_within(model, years)
    values = {
        "per_year": sim.per_year,
        "per_year_exact": float(exact[0]),
        "within_years": sim.within.tolist(),
        "within_years_se": sim.within_se.tolist(),
        "within_years_exact": exact.tolist(),
        "expected_years_to_detection_exact": expected_years_to_detection(model),
        "z_per_year": (sim.per_year - float(exact[0])) / sim.per_year_se if sim.per_year_se > 0 else 0.0,
    }
    assumptions = (
        "Each trial-year is independent; the violation is static for all years.",
        "Inspections pick sites independently with the policy's probabilities; inspections of "
        "one site in one year examine different items.",
    )
    return Result(
        SCHEMA_SIMULATION, "monte-carlo", values, assumptions,
        standard_error=sim.per_year_se, trials=sim.trials * sim.years,
    )
