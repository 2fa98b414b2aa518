"""Neyman–Pearson balance test and CUSUM average run lengths against published tables."""

from __future__ import annotations

import numpy as np
import pytest

from accord.detection import (
    arl_integral_equation,
    arl_markov_chain,
    cusum_arl,
    cusum_threshold,
    false_alarm_per_year,
    np_detection_probability,
    smallest_detectable_loss,
)
from accord.errors import InputError

U95 = 1.6449  # standard normal 95 % quantile (any normal table)


def test_smallest_detectable_loss_is_3_29_sigma_for_5_percent_errors():
    # verification-models.md §2.4: α = β = 0.05 needs M ≥ (U_0.95 + U_0.95)σ = 3.29σ
    assert smallest_detectable_loss(1.0, 0.05, 0.95) == pytest.approx(2 * U95, abs=1e-4)
    assert smallest_detectable_loss(2.0, 0.05, 0.95) == pytest.approx(4 * U95, abs=2e-4)


def test_np_detection_probability():
    # DP = Φ(M/σ − U_{1−α}): a loss equal to the threshold is detected half the time,
    # and a loss of 3.29σ 95 % of the time.
    assert np_detection_probability(U95, 1.0, 0.05) == pytest.approx(0.5, abs=1e-4)
    assert np_detection_probability(2 * U95, 1.0, 0.05) == pytest.approx(0.95, abs=1e-4)
    assert np_detection_probability(0.0, 1.0, 0.05) == pytest.approx(0.05, abs=1e-12)


# One-sided zero-start ARLs. Published values as quoted in the R package spc's xcusum.arl examples
# (S. Knoth), from the original papers.
ONE_SIDED = [
    # Brook & Evans (1972), Biometrika 59, §4.3: k = 0.5, h = 3: L0 = 117.59, L1(μ = 1.5) = 3.75
    # (their own chain was coarse; the converged value is 117.596, so allow 0.01)
    (0.5, 3.0, 0.0, 117.59, 0.01),
    (0.5, 3.0, 1.5, 3.75, 0.005),
    # Waldmann (1986), Technometrics 28, Tables 3 and 5: k = 0.5, h = 3, μ = −0.5 and 0.5
    (0.5, 3.0, -0.5, 1963.0, 0.5),
    (0.5, 3.0, 0.5, 17.35, 0.005),
    # Vance (1986), J. Quality Technology 18, Table 1 (incl. Goel & Wu 1971): k = 0, h = 10
    (0.0, 10.0, -0.25, 2071.51, 0.07),  # Vance's Gauss–Legendre solution; converged: 2071.57
    (0.0, 10.0, -0.125, 400.28, 0.005),
    (0.0, 10.0, 0.0, 124.66, 0.005),
    (0.0, 10.0, 0.125, 59.30, 0.005),
    (0.0, 10.0, 0.25, 36.71, 0.005),
    (0.0, 10.0, 0.5, 20.37, 0.005),
    (0.0, 10.0, 0.75, 14.06, 0.005),
    (0.0, 10.0, 1.0, 10.75, 0.005),
]


@pytest.mark.parametrize("k,h,mu,published,tol", ONE_SIDED)
def test_one_sided_arl_matches_published_tables(k, h, mu, published, tol):
    # the tables are rounded to the digits shown; tol is half a unit in the last digit unless noted
    assert cusum_arl(k, h, mu, method="markov-chain") == pytest.approx(published, abs=tol)
    assert cusum_arl(k, h, mu, method="integral-equation") == pytest.approx(published, abs=tol)


# Lucas & Crosier (1982), Technometrics 24, Table 1: two-sided CUSUM, k = 0.5, h = 4, zero start.
LUCAS_CROSIER = [(0.0, 168.0), (0.25, 74.2), (0.5, 26.6), (0.75, 13.3), (1.0, 8.38), (1.5, 4.75),
                 (2.0, 3.34), (2.5, 2.62), (3.0, 2.19), (4.0, 1.71), (5.0, 1.31)]


@pytest.mark.parametrize("mu,published", LUCAS_CROSIER)
def test_two_sided_arl_matches_lucas_crosier(mu, published):
    # three significant figures in the table
    assert cusum_arl(0.5, 4.0, mu, two_sided=True) == pytest.approx(published, rel=4e-3)


def test_two_sided_waldmann():
    # Waldmann (1986), Table 6: two-sided, k = 0.6, h = 3, μ = −0.2 → 65.4 (exact two-sided scheme).
    # The combination 1/ARL = 1/ARL⁺ + 1/ARL⁻ gives 65.46 here: it is an approximation, good to 0.2 %.
    assert cusum_arl(0.6, 3.0, -0.2, two_sided=True) == pytest.approx(65.4, rel=2e-3)


@pytest.mark.parametrize("k,h,mu", [(0.5, 4.0, 0.0), (0.25, 8.0, 0.5), (1.0, 2.0, -0.5), (0.5, 5.0, 1.0)])
def test_markov_chain_and_integral_equation_agree(k, h, mu):
    # two independent numerical methods for the same quantity
    assert arl_markov_chain(k, h, mu) == pytest.approx(arl_integral_equation(k, h, mu), rel=2e-5)


def _simulated_run_lengths(k, h, mu, runs, rng, two_sided=False, max_len=20000):
    """Plain CUSUM recursion, vectorised over runs (an independent check of the Markov chain)."""
    up = np.zeros(runs)
    lo = np.zeros(runs)
    rl = np.zeros(runs, dtype=np.int64)
    alive = np.ones(runs, dtype=bool)
    t = 0
    while alive.any() and t < max_len:
        t += 1
        y = rng.standard_normal(alive.sum()) + mu
        up[alive] = np.maximum(0.0, up[alive] + y - k)
        alarm = up[alive] > h
        if two_sided:
            lo[alive] = np.maximum(0.0, lo[alive] - y - k)
            alarm |= lo[alive] > h
        idx = np.flatnonzero(alive)[alarm]
        rl[idx] = t
        alive[idx] = False
    return rl


@pytest.mark.parametrize("k,h,mu,two", [(0.5, 3.0, 0.5, False), (0.5, 4.0, 1.0, True), (0.25, 2.0, 0.0, False)])
def test_arl_agrees_with_monte_carlo_within_4_standard_errors(k, h, mu, two):
    rng = np.random.default_rng(20261127)
    rl = _simulated_run_lengths(k, h, mu, 20000, rng, two_sided=two)
    se = rl.std(ddof=1) / np.sqrt(rl.size)
    assert abs(rl.mean() - cusum_arl(k, h, mu, two_sided=two)) < 4 * se


def test_threshold_gives_the_target_false_alarm_rate_per_year():
    h = cusum_threshold(0.5, 0.05, 12)
    assert false_alarm_per_year(0.5, h, 12) == pytest.approx(0.05, abs=1e-4)
    # Monte Carlo of 12 in-control observations a year
    rng = np.random.default_rng(7)
    years = 40000
    s = np.zeros(years)
    alarm = np.zeros(years, dtype=bool)
    for _ in range(12):
        s = np.maximum(0.0, s + rng.standard_normal(years) - 0.5)
        alarm |= s > h
    se = np.sqrt(0.05 * 0.95 / years)
    assert abs(alarm.mean() - 0.05) < 4 * se


def test_arl_grows_with_threshold_and_falls_with_shift():
    assert cusum_arl(0.5, 5.0, 0.0) > cusum_arl(0.5, 4.0, 0.0)
    assert cusum_arl(0.5, 4.0, 1.0) < cusum_arl(0.5, 4.0, 0.5)


def test_bad_cusum_input():
    with pytest.raises(InputError):
        cusum_arl(0.5, -1.0, 0.0)
    with pytest.raises(InputError):
        cusum_arl(0.5, 4.0, 0.0, method="guess")  # type: ignore[arg-type]
