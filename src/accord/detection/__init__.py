"""WOULD CHEATING BE CAUGHT: detection analytics, exact where the mathematics allows.

Sampling (hypergeometric, binomial, imperfect tests, strata, sample sizes), measurement-error
tests (Neyman–Pearson, CUSUM run lengths), inspection games (matrix LP, recursive Dresher game,
false alarms and leadership, timeliness, site allocation), treaty scenarios, a vectorized Monte
Carlo of treaty years, sweeps (in-process, process pool, Dask) and plots. Every report is a
:class:`Result` with its ``method`` and ``assumptions``. Heavy libraries (scipy, pandas,
matplotlib, dask) are imported only when used.
"""

from .games import (
    AllocationSolution,
    MatrixGameSolution,
    RecursiveGameSolution,
    deterrence_threshold,
    discrete_timeliness_game,
    expected_delay,
    false_alarm_game,
    inspection_time_cdf,
    is_deterred,
    pure_strategy_bounds,
    recursive_value_closed_form,
    solve_matrix_game,
    solve_recursive_game,
    solve_site_allocation,
    systematic_allocation,
)
from .measurement import (
    arl_integral_equation,
    arl_markov_chain,
    cusum_arl,
    cusum_threshold,
    false_alarm_per_year,
    np_detection_probability,
    smallest_detectable_loss,
)
from .result import METHODS, Result
from .sampling import (
    Stratum,
    defects_from_goal,
    detection_probability,
    iaea_sample_size,
    no_alarm_probability,
    sample_size,
    stratified_detection_probability,
    within_years,
)
from .scenarios import SCENARIOS, MissileSystem
from .scenarios import evaluate as evaluate_scenario
from .simulate import SimulationResult, simulate
from .sweep import QUESTIONS, run_sweep
from .year import YearModel, detection_within, year_detection_probability

__all__ = [
    "METHODS", "QUESTIONS", "SCENARIOS",
    "AllocationSolution", "MatrixGameSolution", "MissileSystem", "RecursiveGameSolution", "Result",
    "SimulationResult", "Stratum", "YearModel",
    "arl_integral_equation", "arl_markov_chain", "cusum_arl", "cusum_threshold", "defects_from_goal",
    "detection_probability", "detection_within", "deterrence_threshold", "discrete_timeliness_game",
    "evaluate_scenario", "expected_delay", "false_alarm_game", "false_alarm_per_year",
    "iaea_sample_size", "inspection_time_cdf", "is_deterred", "no_alarm_probability",
    "np_detection_probability", "pure_strategy_bounds", "recursive_value_closed_form", "run_sweep",
    "sample_size", "simulate", "smallest_detectable_loss", "solve_matrix_game",
    "solve_recursive_game", "solve_site_allocation", "stratified_detection_probability",
    "systematic_allocation", "within_years", "year_detection_probability",
]
