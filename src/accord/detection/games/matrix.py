"""Zero-sum matrix games by linear programming (scipy HiGHS).

The row player maximises. The row LP is: maximise v subject to Aᵀx ≥ v·1, Σx = 1, x ≥ 0 (solved in the classic
form: shift the payoffs to [1, 2], minimise Σu subject to Bᵀu ≥ 1, u ≥ 0, v = 1/Σu); the
column player's optimal strategy is read from the duals of the column constraints (LP duality is
the minimax theorem), so one solve gives value and both strategies. Games larger than 500 × 500 use
HiGHS's interior-point method, which is about 4× faster than simplex on dense random games
(performance-ceilings.md §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import InputError
from ..result import Result

SCHEMA_MATRIX = "accord.detect.game.matrix/v1"

#: Above this many rows × columns the interior-point method is used.
IPM_THRESHOLD = 500 * 500


@dataclass(frozen=True)
class MatrixGameSolution:
    """Value (to the row player) and optimal mixed strategies of both players."""

    value: float
    row_strategy: np.ndarray
    column_strategy: np.ndarray
    solver: str

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "row_strategy": self.row_strategy.tolist(),
            "column_strategy": self.column_strategy.tolist(),
            "solver": self.solver,
        }


def _as_matrix(payoffs: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    try:
        A = np.asarray(payoffs, dtype=float)
    except (TypeError, ValueError):
        raise InputError("payoffs must be a rectangular table of numbers", field="payoffs") from None
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise InputError("payoffs must be a non-empty two-dimensional table", field="payoffs")
    if not np.all(np.isfinite(A)):
        raise InputError("payoffs must be finite numbers", field="payoffs")
    return A


def solve_matrix_game(
    payoffs: Sequence[Sequence[float]] | np.ndarray, *, method: str | None = None
) -> MatrixGameSolution:
    """Solve the zero-sum game with payoff matrix ``payoffs`` (to the row player, who maximises).

    Returns the value and optimal strategies (probability vectors, cleaned of round-off:
    non-negative, summing to 1). ``method`` is a scipy ``linprog`` HiGHS method; by default
    ``highs`` for small games and ``highs-ipm`` for large ones.
    """
    from scipy.optimize import linprog

    A = _as_matrix(payoffs)
    m, n = A.shape
    # Shift payoffs so the value is positive; keeps the LP well scaled and does not change strategies.
    # Divide by the largest magnitude first: hi − lo overflows for payoffs near ±1.8e308.
    mag = max(float(np.max(np.abs(A))), 1.0)  # ≥ 1, so 1/mag cannot overflow (subnormal payoffs)
    lo, hi = float(A.min()) / mag, float(A.max()) / mag
    scale = max(hi - lo, 1.0 / mag)  # max(range, 1) in units of mag; hi − lo ≤ 2 here
    B = (A / mag - lo) / scale + 1.0  # entries in [1, 2]
    solver = method or ("highs-ipm" if m * n > IPM_THRESHOLD else "highs")
    # Classic form (all entries of B ≥ 1, so the value is ≥ 1): minimise Σu subject to Bᵀu ≥ 1,
    # u ≥ 0; then value = 1/Σu and x = u·value. No free variable and no equality row, which is
    # what HiGHS's interior point solves fastest.
    options = {"presolve": False} if m * n > IPM_THRESHOLD else {}
    res = linprog(
        np.ones(m), A_ub=-B.T, b_ub=-np.ones(n), bounds=(0.0, None), method=solver, options=options
    )
    if res.status != 0:
        raise InputError(f"the linear program did not solve: {res.message}", field="payoffs")
    total = float(np.sum(res.x))
    value_b = 1.0 / total
    x = _clean(res.x)
    y = _clean(-np.asarray(res.ineqlin.marginals))
    value = ((value_b - 1.0) * scale + lo) * mag  # the bracket lies in [lo, hi] ⊂ [−1, 1]
    return MatrixGameSolution(value=value, row_strategy=x, column_strategy=y, solver=solver)


def _clean(p: np.ndarray) -> np.ndarray:
    p = np.where(p > 0.0, p, 0.0)
    s = p.sum()
    return p / s if s > 0 else p


def pure_strategy_bounds(payoffs: Sequence[Sequence[float]] | np.ndarray) -> tuple[float, float]:
    """(max-min, min-max) over pure strategies: the game value lies between them."""
    A = _as_matrix(payoffs)
    return float(A.min(axis=1).max()), float(A.max(axis=0).min())


def matrix_game_report(payoffs: Sequence[Sequence[float]] | np.ndarray) -> Result:
    """Solve a matrix game and report value, strategies and the pure-strategy bounds."""
    A = _as_matrix(payoffs)
    sol = solve_matrix_game(A)
    lower, upper = pure_strategy_bounds(A)
    values = {
        "rows": A.shape[0],
        "columns": A.shape[1],
        "value": sol.value,
        "row_strategy": sol.row_strategy.tolist(),
        "column_strategy": sol.column_strategy.tolist(),
        "pure_maxmin": lower,
        "pure_minmax": upper,
        "solver": sol.solver,
    }
    assumptions = (
        "Zero-sum game: the payoff in row i, column j goes to the row player, who maximises; the "
        "column player minimises.",
        "Both players choose simultaneously and may randomise; the value is the row player's "
        "guaranteed expected payoff.",
    )
    return Result(SCHEMA_MATRIX, "lp", values, assumptions)
