"""Inspection games: matrix LP, Dresher's recursive game, false alarms, timeliness, allocation."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from accord.detection import (
    deterrence_threshold,
    discrete_timeliness_game,
    expected_delay,
    false_alarm_game,
    pure_strategy_bounds,
    recursive_value_closed_form,
    solve_matrix_game,
    solve_recursive_game,
    solve_site_allocation,
    systematic_allocation,
)
from accord.errors import InputError

# -- matrix games -----------------------------------------------------------------------------


def test_ferguson_odd_or_even():
    # T. S. Ferguson, "Game Theory", Part II, §1.1 (the game of Odd-or-Even): payoff matrix
    # [[−2, 3], [3, −4]] to player I; value 1/12, optimal strategy (7/12, 5/12) for both players.
    sol = solve_matrix_game([[-2, 3], [3, -4]])
    assert sol.value == pytest.approx(1 / 12, abs=1e-9)
    assert sol.row_strategy == pytest.approx([7 / 12, 5 / 12], abs=1e-9)
    assert sol.column_strategy == pytest.approx([7 / 12, 5 / 12], abs=1e-9)


def test_rock_paper_scissors_and_saddle_point():
    sol = solve_matrix_game([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    assert sol.value == pytest.approx(0.0, abs=1e-9)
    assert sol.row_strategy == pytest.approx([1 / 3] * 3, abs=1e-9)
    # a game with a saddle point: value = max-min = min-max = 2
    sol = solve_matrix_game([[2, 3], [1, 0]])
    assert sol.value == pytest.approx(2.0)
    assert sol.row_strategy == pytest.approx([1, 0])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 7), st.integers(1, 7)), elements=st.floats(-10, 10)))
@example(np.array([[-5, 1e-6], [0, 0]]))  # the solver at its tolerance (found by hypothesis)
@example(np.array([[3, 0, 0], [0, -1.1920929e-07, 0]]))  # the value 1.19e-7 below the pure bounds (hypothesis)
def test_lp_solution_is_a_certified_equilibrium(A):
    sol = solve_matrix_game(A)
    lo, hi = pure_strategy_bounds(A)
    # The LP solver's tolerance is relative to the payoffs' scale: with A = [[3, 0, 0], [0, -1.19e-7, 0]]
    # (value 0) HiGHS returns -1.19e-7, the value of a strategy 1.19e-7 from optimal.
    tol = 1e-6 * max(1.0, float(np.abs(A).max()))
    assert lo - tol <= sol.value <= hi + tol
    for p in (sol.row_strategy, sol.column_strategy):
        assert np.all(p >= 0) and p.sum() == pytest.approx(1.0)
    # each strategy guarantees the value against every pure reply (minimax theorem), to the LP
    # solver's tolerance, which is relative to the payoffs' scale: with A = [[-5, 1e-6], [0, 0]]
    # HiGHS returns a column strategy 1.000000001e-6 short of optimal
    assert (A.T @ sol.row_strategy).min() >= sol.value - tol
    assert (A @ sol.column_strategy).max() <= sol.value + tol


# -- recursive game -----------------------------------------------------------------------------


def test_recursion_equals_von_stengel_closed_form():
    # von Stengel, "Recursive inspection games", Math. Oper. Res. 41(3) 2016 (arXiv:1412.0129):
    # v(n, m) = C(n−1, m) / Σ_{i≤m} C(n, i)
    for n in range(1, 16):
        for m in range(0, n + 2):
            expected = Fraction(math.comb(n - 1, m), sum(math.comb(n, i) for i in range(m + 1)))
            assert solve_recursive_game(n, m).value == expected
            assert recursive_value_closed_form(n, m) == expected


def test_dresher_small_cases_by_hand():
    # n = 2, m = 1: stage matrix [[−1, v(1,0)=1], [+1, v(1,1)=0]] → inspect with p = 1/3, value 1/3
    sol = solve_recursive_game(2, 1)
    assert sol.value == Fraction(1, 3)
    assert sol.inspect_probability[(2, 1)] == Fraction(1, 3)
    assert solve_recursive_game(5, 0).value == 1  # no inspections: violate, never caught
    assert solve_recursive_game(3, 3).value == 0  # inspect every period: never violate


def test_inspect_probability_solves_the_stage_game_by_lp():
    sol = solve_recursive_game(9, 3)
    for (n, m), p in sol.inspect_probability.items():
        a = sol.values.get((n - 1, m), Fraction(0) if m >= n - 1 else None)
        b = sol.values.get((n - 1, m - 1), Fraction(1) if m - 1 == 0 else (Fraction(0) if m - 1 >= n - 1 else None))
        stage = [[-1.0, float(b)], [1.0, float(a)]]  # rows inspector; payoff to the inspectee
        lp = solve_matrix_game(np.asarray(stage).T)  # rows: the inspectee, who maximises
        assert lp.column_strategy[0] == pytest.approx(float(p), abs=1e-8)
        assert lp.value == pytest.approx(float(sol.values[(n, m)]), abs=1e-8)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 40), m=st.integers(0, 40))
def test_recursive_value_between_pure_bounds(n, m):
    v = solve_recursive_game(n, m).value
    assert 0 <= v <= 1
    if m < n:
        assert solve_recursive_game(n, m + 1).value <= v  # more inspections never help the inspectee


# -- false alarms and leadership ----------------------------------------------------------------


def _beta(alpha, delta):
    from scipy.stats import norm

    return norm.cdf(norm.ppf(1 - alpha) - delta)


def test_equilibrium_false_alarm_makes_the_inspectee_indifferent():
    r = false_alarm_game(shift=2.5, gain=1.0, sanction=5.0, false_alarm_cost=0.5)
    a = r["false_alarm"]
    # −g·α* = −b + (b + d)·β(α*)   (Avenhaus, von Stengel & Zamir 2002, Handbook of Game Theory ch. 51)
    assert -0.5 * a == pytest.approx(-5.0 + 6.0 * _beta(a, 2.5), abs=1e-9)
    assert r["violation_probability_leadership"] == 0.0


def test_violation_probability_satisfies_the_inspectors_first_order_condition():
    e, aa, c = 1.0, 1.0, 3.0
    r = false_alarm_game(shift=2.0, gain=1.0, sanction=4.0, false_alarm_cost=0.3,
                         inspector_false_alarm_cost=e, inspector_detected_loss=aa, inspector_undetected_loss=c)
    q, a = r["violation_probability_simultaneous"], r["false_alarm"]

    def inspector(alpha):
        b = _beta(alpha, 2.0)
        return -(1 - q) * e * alpha - q * (aa * (1 - b) + c * b)

    eps = a * 1e-4
    assert (inspector(a + eps) - inspector(a - eps)) / (2 * eps) == pytest.approx(0.0, abs=1e-6)


def test_deterrence_limit_without_false_alarm_costs():
    # with g → 0 the equilibrium detection probability is exactly gain/(gain + sanction)
    r = false_alarm_game(shift=3.0, gain=1.0, sanction=10.0, false_alarm_cost=0.0)
    assert r["detection_probability"] == pytest.approx(1 / 11, abs=1e-9)
    assert deterrence_threshold(1.0, 10.0) == pytest.approx(1 / 11)


def test_false_alarm_game_rejects_a_sanction_below_the_false_alarm_cost():
    with pytest.raises(InputError):
        false_alarm_game(shift=1.0, gain=1.0, sanction=0.5, false_alarm_cost=1.0)


# -- timeliness -----------------------------------------------------------------------------------


def test_expected_delay_is_one_over_e_on_the_support():
    # Diamond (1982); verification-models.md §1.4: f(t) = 1/(1−t) on [0, 1−1/e], value 1/e.
    from scipy.integrate import quad

    T = 1 - 1 / math.e
    for s in (0.0, 0.2, 0.5, T - 1e-9):
        inside, _ = quad(lambda t, s=s: (t - s) / (1 - t), s, T)
        caught_at_end = -math.log(1 - s) * (1 - s)  # F(s)·(1 − s)
        assert inside + caught_at_end == pytest.approx(1 / math.e, abs=1e-9)
        assert expected_delay(s) == pytest.approx(1 / math.e, abs=1e-12)
    assert expected_delay(0.9) == pytest.approx(0.1)  # after the support: only the final inspection


def test_discrete_timeliness_lp_converges_to_one_over_e():
    v50, _, _ = discrete_timeliness_game(50)
    v200, inspector, _ = discrete_timeliness_game(200)
    assert v50 < v200 < 1 / math.e
    assert 1 / math.e - v200 < 0.01
    assert inspector.sum() == pytest.approx(1.0)


# -- allocation -----------------------------------------------------------------------------------


def test_search_game_worked_example():
    # verification-models.md §1.5: v = (10, 5, 2), d = 1, k = 1 → V = 10/3, p = (2/3, 1/3, 0);
    # check by hand: 10(1 − 2/3) = 5(1 − 1/3) = 10/3 > 2.
    sol = solve_site_allocation([10, 5, 2], [1, 1, 1], 1)
    assert sol.value == pytest.approx(10 / 3)
    assert sol.inspect_probability == pytest.approx([2 / 3, 1 / 3, 0], abs=1e-9)
    assert set(sol.best_sites) == {0, 1}
    # the violator's mix makes the inspector indifferent: y_i ∝ 1/(v_i d_i) on the support
    assert sol.violator_strategy == pytest.approx([1 / 3, 2 / 3, 0], abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.5, 100), st.floats(0.05, 1)), min_size=1, max_size=8), st.data())
def test_allocation_equalises_gains_on_the_support(sites, data):
    v = [s[0] for s in sites]
    d = [s[1] for s in sites]
    k = data.draw(st.integers(0, len(sites)))  # a whole quota: plans inspect whole sites
    sol = solve_site_allocation(v, d, k)
    p = sol.inspect_probability
    assert np.all(p >= -1e-12) and np.all(p <= 1 + 1e-12)
    assert p.sum() == pytest.approx(k, abs=1e-7)
    gains = np.asarray(v) * (1 - np.asarray(d) * p)
    assert gains.max() == pytest.approx(sol.value, rel=1e-6, abs=1e-9)


def test_systematic_allocation_has_the_marginals_and_uses_the_quota():
    rng = np.random.default_rng(3)
    p = np.array([2 / 3, 1 / 3, 0.5, 0.5])
    draws = np.array([systematic_allocation(p, rng) for _ in range(20000)])
    assert set(draws.sum(axis=1)) == {2}
    se = np.sqrt(p * (1 - p) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - p) < 4 * se + 1e-12)
