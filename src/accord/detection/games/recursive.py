"""The recursive inspection game of Dresher (1962), as generalised by von Stengel (2016).

n periods, m inspections, the inspectee may violate once and sees past inspections. Zero-sum,
payoff to the inspectee: +1 for an undetected violation, −1 for a detected one, 0 for none.
In state (n, m) the stage game (rows: inspector inspects / does not; columns: inspectee violates /
waits) is [[−1, v(n−1, m−1)], [+1, v(n−1, m)]], with v(n, 0) = 1 and v(n, m) = 0 for m ≥ n.
Solved exactly in rationals:

    v(n, m) = (v(n−1, m) + v(n−1, m−1)) / (2 + v(n−1, m−1) − v(n−1, m)),
    p*(n, m) = (v(n−1, m) − 1) / (v(n−1, m) − v(n−1, m−1) − 2)   (inspect now),

and the closed form v(n, m) = C(n−1, m) / Σ_{i=0}^{m} C(n, i) (von Stengel, "Recursive inspection
games", Math. Oper. Res. 41(3), 2016, arXiv:1412.0129) is offered beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb
from typing import Any

from ...errors import InputError
from .. import _check
from ..result import Result

SCHEMA_RECURSIVE = "accord.detect.game.recursive/v1"

#: Above this many periods the full table of states is not printed (it has ~n·m entries).
MAX_TABLE_PERIODS = 60
#: Most states (n, m) the exact recursion solves: about 2 s here. The fractions grow with n, so
#: the time grows faster than the count (n = 1000, m = 500, 375,000 states, took 11 s).
MAX_STATES = 100_000


@dataclass(frozen=True)
class RecursiveGameSolution:
    """Value v(n, m) to the inspectee and the inspector's probability of inspecting in every
    state (periods left, inspections left) with 0 < m < periods left."""

    periods: int
    inspections: int
    value: Fraction
    inspect_probability: dict[tuple[int, int], Fraction]
    values: dict[tuple[int, int], Fraction]

    def to_json(self) -> dict[str, Any]:
        return {
            "periods": self.periods,
            "inspections": self.inspections,
            "value": self.value,
            "value_float": float(self.value),
        }


def recursive_value_closed_form(periods: int, inspections: int) -> Fraction:
    """v(n, m) = C(n−1, m) / Σ_{i≤m} C(n, i) (von Stengel 2016)."""
    n = _check.integer("periods", periods, low=1)
    m = _check.integer("inspections", inspections, low=0)
    return Fraction(comb(n - 1, m), sum(comb(n, i) for i in range(m + 1)))


def _state_count(periods: int, inspections: int) -> int:
    """States (n, m) with 0 < m < n ≤ periods, m ≤ inspections: Σ_{j<periods} min(inspections, j)."""
    N, M = periods, min(inspections, periods)
    return M * (M - 1) // 2 + (N - M) * M


def solve_recursive_game(periods: int, inspections: int) -> RecursiveGameSolution:
    """Exact solution of the Dresher game by backward recursion in fractions."""
    N = _check.integer("periods", periods, low=1, high=MAX_STATES)
    M = _check.integer("inspections", inspections, low=0)
    M_eff = min(M, N)  # v(n, m) = 0 for m ≥ n: more inspections than periods change nothing
    if _state_count(N, M_eff) > MAX_STATES:
        raise InputError(
            f"{N} periods and {M_eff} inspections need {_state_count(N, M_eff):,} states; at most "
            f"{MAX_STATES:,} are solved exactly (a few seconds)",
            field="inspections",
        )
    v: dict[tuple[int, int], Fraction] = {}
    p: dict[tuple[int, int], Fraction] = {}

    def get(n: int, m: int) -> Fraction:
        if m == 0:
            return Fraction(1)
        if m >= n:
            return Fraction(0)
        return v[(n, m)]

    for n in range(1, N + 1):
        for m in range(1, min(M_eff, n - 1) + 1):
            a, b = get(n - 1, m), get(n - 1, m - 1)
            v[(n, m)] = (a + b) / (2 + b - a)
            p[(n, m)] = (a - 1) / (a - b - 2)
    return RecursiveGameSolution(
        periods=N, inspections=M, value=get(N, M_eff), inspect_probability=p, values=v
    )


def recursive_game_report(periods: int, inspections: int) -> Result:
    """Value (exact fraction and float), the first-period inspection probability, and the
    inspector's probability of inspecting in each state."""
    sol = solve_recursive_game(periods, inspections)
    n, m = sol.periods, min(sol.inspections, sol.periods)
    first = sol.inspect_probability.get((n, m), Fraction(1) if m >= n else Fraction(0))
    values: dict[str, object] = {
        "periods": n,
        "inspections": sol.inspections,
        "value": sol.value,
        "value_float": float(sol.value),
        "closed_form": recursive_value_closed_form(n, m),
        "inspect_first_period": first,
        "inspect_first_period_float": float(first),
    }
    if n <= MAX_TABLE_PERIODS:
        values["states"] = [
            {
                "periods_left": pn,
                "inspections_left": pm,
                "value": sol.values[(pn, pm)],
                "inspect_probability": sol.inspect_probability[(pn, pm)],
            }
            for (pn, pm) in sorted(sol.inspect_probability)
        ]
    assumptions = (
        f"{n} periods and {sol.inspections} inspections; the inspectee may violate once, in any "
        "period, and sees which periods were inspected so far.",
        "Zero-sum payoffs to the inspectee: +1 undetected violation, −1 detected violation, "
        "0 no violation (Dresher 1962; von Stengel 2016).",
        "An inspection in the period of the violation detects it with certainty; a later one "
        "does not.",
    )
    return Result(SCHEMA_RECURSIVE, "exact", values, assumptions)
