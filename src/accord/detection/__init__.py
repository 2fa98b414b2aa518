"""WOULD CHEATING BE CAUGHT: detection analytics, exact where the mathematics allows.

Sampling (hypergeometric, binomial, imperfect tests, strata, sample sizes), measurement-error
tests (Neyman–Pearson, CUSUM run lengths), inspection games (matrix LP, recursive Dresher game,
false alarms and leadership, timeliness, site allocation), violation scenarios (plug-ins in
:mod:`accord.detection.scenarios`), a vectorized Monte Carlo of treaty years, sweeps (in-process,
process pool, Dask) and plots. Every report is a :class:`Result` with its ``method`` and
``assumptions``.

The names below are imported on first use (PEP 562), so that the CLI can read the scenarios'
parameters without paying for numpy, scipy, pandas or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the submodule that defines it (and, where it differs, its name there).
_EXPORTS: dict[str, tuple[str, str]] = {
    **{n: ("games", n) for n in (
        "AllocationSolution", "MatrixGameSolution", "RecursiveGameSolution", "deterrence_threshold",
        "discrete_timeliness_game", "expected_delay", "false_alarm_game", "inspection_time_cdf", "is_deterred",
        "pure_strategy_bounds", "recursive_value_closed_form", "solve_matrix_game", "solve_recursive_game",
        "solve_site_allocation", "systematic_allocation")},
    **{n: ("measurement", n) for n in (
        "arl_integral_equation", "arl_markov_chain", "cusum_arl", "cusum_threshold", "false_alarm_per_year",
        "np_detection_probability", "smallest_detectable_loss")},
    **{n: ("result", n) for n in ("METHODS", "Result")},
    **{n: ("sampling", n) for n in (
        "Stratum", "defects_from_goal", "detection_probability", "iaea_sample_size", "no_alarm_probability",
        "sample_size", "stratified_detection_probability", "within_years")},
    **{n: ("scenarios", n) for n in ("Context", "Figure", "Gap", "MissileSystem")},
    "evaluate_scenario": ("scenarios", "evaluate"),
    **{n: ("simulate", n) for n in ("SimulationResult", "simulate")},
    **{n: ("sweep", n) for n in ("QUESTIONS", "run_sweep")},
    **{n: ("year", n) for n in ("YearModel", "detection_within", "year_detection_probability")},
}

__all__ = sorted([*_EXPORTS, "SCENARIOS"])


def __getattr__(name: str) -> Any:
    if name == "SCENARIOS":  # the registered scenario names, discovered from the package
        from .scenarios import names

        return names()
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value  # cache: the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
