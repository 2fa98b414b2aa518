"""The one-interim-inspection timeliness game ("playing for time").

Reference period [0, 1] closed by an inspection at 1; the inspector adds one interim inspection
at t; a violation started at s is detected at t if s ≤ t, else at 1; the violator maximises the
detection delay (Diamond 1982; Avenhaus & Canty, *Compliance Quantified*, ch. 5; Krieger 2008).

Equilibrium: the inspector draws t with density f(t) = 1/(1 − t) on [0, 1 − 1/e] (CDF
F(t) = −ln(1 − t)); every start s in [0, 1 − 1/e] then gives the same expected delay, 1/e ≈ 0.368
of the period — against 0.5 for a predictable mid-period inspection. The discrete version (times on
a grid) is solved by LP and converges to the same value.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _check
from ..result import Result
from .matrix import solve_matrix_game

SCHEMA_TIMELINESS = "accord.detect.game.timeliness/v1"

VALUE = 1.0 / math.e
SUPPORT_END = 1.0 - 1.0 / math.e


def inspection_time_cdf(t: float | np.ndarray) -> float | np.ndarray:
    """F(t) = −ln(1 − t) on [0, 1 − 1/e], 1 beyond: the inspector's equilibrium distribution."""
    x = np.clip(np.asarray(t, dtype=float), 0.0, SUPPORT_END)
    out = -np.log1p(-x)
    return float(out) if np.ndim(out) == 0 else out


def expected_delay(start: float) -> float:
    """Expected detection delay of a violation started at s against the equilibrium inspector:
    ∫_s^T (t − s) f(t) dt + F(s)(1 − s), with T = 1 − 1/e (closed form)."""
    s = _check.probability("start", start)
    if s >= SUPPORT_END:
        return 1.0 - s
    T = SUPPORT_END
    # ∫_s^T (t − s)/(1 − t) dt = [(1 − s)(−ln(1 − t)) − t]_s^T
    inner = (1.0 - s) * (-math.log1p(-T) + math.log1p(-s)) - (T - s)
    return inner + (-math.log1p(-s)) * (1.0 - s)


def discrete_timeliness_game(points: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The game on a grid of ``points`` equal steps: the inspector picks t = i/points
    (0 < i < points), the violator s = j/points (0 ≤ j < points). Returns (value, inspector's
    distribution over t, violator's over s), solved by LP."""
    n = _check.integer("points", points, low=2, high=2000)
    t = np.arange(1, n) / n
    s = np.arange(0, n) / n
    T, S = np.meshgrid(t, s, indexing="ij")
    delay = np.where(S <= T + 1e-12, T - S, 1.0 - S)
    # rows: the violator's start s (maximises the delay); columns: the inspector's time t
    sol = solve_matrix_game(delay.T)
    return sol.value, sol.column_strategy, sol.row_strategy


def timeliness_report(*, period: float = 1.0, points: int | None = None) -> Result:
    """The equilibrium of the one-interim-inspection game, scaled to a period of ``period``
    (e.g. years); with ``points`` also the discrete LP solution for comparison."""
    P = _check.positive("period", period)
    quantiles = {f"{q:.2f}": float(1.0 - math.exp(-q)) * P for q in (0.25, 0.5, 0.75, 1.0)}
    values: dict[str, object] = {
        "period": P,
        "expected_delay": VALUE * P,
        "expected_delay_fraction": VALUE,
        "support_end": SUPPORT_END * P,
        "inspection_time_quantiles": quantiles,
        "delay_mid_period_inspection": 0.5 * P,
        "delay_no_interim_inspection": 1.0 * P,
    }
    method = "exact"
    if points is not None:
        v, _, _ = discrete_timeliness_game(points)
        values["discrete_points"] = int(points)
        values["discrete_expected_delay"] = v * P
    assumptions = (
        "One interim inspection at a time t the inspector chooses at random; an inspection at "
        "the end of the period always detects.",
        "A violation started at s is detected at the first inspection at or after s; the "
        "violator knows the inspector's distribution, not its draw, and maximises the delay.",
        "Equilibrium density f(t) = 1/(1 − t) on [0, 1 − 1/e]; expected delay 1/e of the period "
        "(Diamond 1982; Avenhaus & Canty, Compliance Quantified, ch. 5).",
    )
    return Result(SCHEMA_TIMELINESS, method, values, assumptions)
