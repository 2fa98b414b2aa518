"""Inspection games: matrix games by LP, the recursive Dresher game, false alarms and
leadership, the timeliness game and site allocation."""

from .allocation import AllocationSolution, solve_site_allocation, systematic_allocation
from .false_alarms import deterrence_threshold, false_alarm_game, is_deterred
from .matrix import MatrixGameSolution, pure_strategy_bounds, solve_matrix_game
from .recursive import RecursiveGameSolution, recursive_value_closed_form, solve_recursive_game
from .timeliness import discrete_timeliness_game, expected_delay, inspection_time_cdf

__all__ = [
    "AllocationSolution", "MatrixGameSolution", "RecursiveGameSolution", "deterrence_threshold",
    "discrete_timeliness_game", "expected_delay", "false_alarm_game", "inspection_time_cdf",
    "is_deterred", "pure_strategy_bounds", "recursive_value_closed_form", "solve_matrix_game",
    "solve_recursive_game", "solve_site_allocation", "systematic_allocation",
]
