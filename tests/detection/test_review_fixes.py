"""Regression tests for the mathematical review of accord.detection (items 1–8).

Expected values come from closed forms or the literature, computed here independently of the
code under test (scipy's normal quantiles, exact rationals, the binomial limit)."""

from __future__ import annotations

import json
import math
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm
from typer.testing import CliRunner

from accord.cli import app
from accord.detection import measurement
from accord.detection.games.allocation import solve_site_allocation, systematic_allocation
from accord.detection.games.false_alarms import false_alarm_game
from accord.detection.games.matrix import solve_matrix_game
from accord.detection.sampling import detection_probability, iaea_sample_size, sample_size_report
from accord.errors import InputError


def cli(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def assert_one_line_error(code: int, err: str) -> None:
    assert code == 2
    assert "Traceback" not in err and err.startswith("error: ") and err.strip().count("\n") == 0


# -- 1. false-alarm game for large shifts ---------------------------------------------------------


@pytest.mark.parametrize("delta", [8.0, 10.0, 40.0])
def test_false_alarm_game_large_shift_reaches_the_deterrence_limit(delta):
    d, b = 1.0, 2.0
    r = false_alarm_game(shift=delta, gain=d, sanction=b, false_alarm_cost=0.0)
    # g = 0: the inspectee is indifferent exactly when DP = d/(b + d) (Avenhaus, von Stengel &
    # Zamir 2002), whatever the shift; then U_{1−α} = δ + Φ⁻¹(b/(b + d)).
    assert r["detection_probability"] == pytest.approx(d / (b + d), rel=1e-12)
    u = delta + norm.ppf(b / (b + d))
    assert r["test_threshold"] == pytest.approx(u, rel=1e-12)
    alpha = norm.sf(u)
    if alpha > 1e-300:
        assert r["false_alarm"] == pytest.approx(alpha, rel=1e-9)
    else:
        assert r["false_alarm"] < 1e-300


def test_false_alarm_game_with_false_alarm_cost_matches_an_independent_solution():
    d, b, g, delta = 1.0, 2.0, 0.5, 9.0

    # Solve in log α with the accurate upper quantile isf, as a reviewer would.
    def h(la: float) -> float:
        return b - g * math.exp(la) - (b + d) * norm.cdf(norm.isf(math.exp(la)) - delta)

    la = brentq(h, -700.0, -1e-12, xtol=1e-14)
    r = false_alarm_game(shift=delta, gain=d, sanction=b, false_alarm_cost=g)
    assert r["false_alarm"] == pytest.approx(math.exp(la), rel=1e-8)
    assert r["detection_probability"] == pytest.approx(1 - norm.cdf(norm.isf(math.exp(la)) - delta), rel=1e-12)


@pytest.mark.parametrize("delta", [0.5, 1.0, 3.0, 5.0, 7.0, 8.0, 9.0, 10.0, 20.0, 40.0])
@pytest.mark.parametrize("g_share", [0.0, 0.25, 0.95])  # g as a share of b (b > g is needed)
@pytest.mark.parametrize("d,b", [(1.0, 2.0), (1.0, 10.0), (5.0, 2.0), (1e-6, 1.0)])
def test_false_alarm_game_never_reports_dp_below_its_deterrence_threshold(delta, g_share, d, b):
    g = g_share * b
    r = false_alarm_game(shift=delta, gain=d, sanction=b, false_alarm_cost=g)
    assert r["detection_probability"] >= r["deterrence_threshold"]
    assert 0.0 <= r["false_alarm"] <= 1.0 and 0.0 <= r["violation_probability_simultaneous"] <= 1.0


# -- 2. CLI tracebacks ---------------------------------------------------------------------------


def test_matrix_csv_that_is_not_utf8_is_a_one_line_error(tmp_path: Path):
    f = tmp_path / "latin1.csv"
    f.write_bytes("a,b\n1,2\n3,\xe9\n".encode("latin-1"))
    code, _, err = cli("detect", "game", "matrix", str(f))
    assert_one_line_error(code, err)
    assert "UTF-8" in err


def test_matrix_game_with_payoffs_near_the_float_limit(tmp_path: Path):
    # Matching pennies scaled by 1e308: value 0, both players ½–½ (Ferguson, Part II §1).
    f = tmp_path / "huge.csv"
    f.write_text("1e308,-1e308\n-1e308,1e308\n")
    code, out, err = cli("detect", "game", "matrix", str(f), "--format", "json")
    assert code == 0, err
    obj = json.loads(out)
    assert abs(obj["value"]) <= 1e-12 * 1e308
    assert obj["row_strategy"] == pytest.approx([0.5, 0.5]) and obj["column_strategy"] == pytest.approx([0.5, 0.5])
    sol = solve_matrix_game([[1.5e308, -1.7e308], [-1.7e308, 1.5e308]])
    assert sol.value == pytest.approx(-0.1e308, rel=1e-9)  # (ad − bc)/(a + d − b − c)


@pytest.mark.parametrize("args", [
    ["--k", "1e6", "--h", "4"],
    ["--k", "0.5", "--h", "1e6"],
    ["--k", "0.5", "--h", "4", "--shift", "-1e300", "--method", "integral-equation"],
    ["--k", "0.5", "--h", "4", "--shift", "1e300"],
])
def test_cusum_out_of_range_parameters_are_one_line_errors(args):
    code, _, err = cli("detect", "cusum", *args)
    assert_one_line_error(code, err)


# -- 3. CUSUM ARLs beyond double precision --------------------------------------------------------


@pytest.mark.parametrize("method", ["markov-chain", "integral-equation"])
def test_cusum_refuses_an_arl_it_cannot_compute(method):
    # k = 3, h = 10: Siegmund's approximation gives ~7e27 (far beyond 1/eps); the solve used to
    # print −2.8e18.
    code, _out, err = cli("detect", "cusum", "--k", "3", "--h", "10", "--method", method)
    assert_one_line_error(code, err)
    assert "1e+12" in err
    with pytest.raises(InputError):
        measurement.cusum_arl(3.0, 10.0, 0.0, method=method)


def test_cusum_reports_a_computable_arl_and_flags_the_in_control_one():
    # At shift = k the drift is zero; Siegmund: ARL ≈ (h + 1.166)² = 26.7 at h = 4.
    r = measurement.cusum_report(10.0, 4.0, 10.0)
    assert r["arl"] == pytest.approx((4 + 1.166) ** 2, rel=0.02)
    assert r["arl_in_control"] is None and any("1e+12" in n for n in r.notes)


def test_cusum_below_the_limit_still_agrees_with_the_integral_equation():
    a = measurement.cusum_arl(2.0, 5.0, 0.0)
    b = measurement.cusum_arl(2.0, 5.0, 0.0, method="integral-equation")
    assert a == pytest.approx(b, rel=1e-5) and a > 1e9


def test_two_sided_cusum_with_an_unreachable_lower_side():
    # The lower scheme at μ = 3 never alarms in practice; 1/ARL⁻ ≈ 0, so ARL = ARL⁺.
    up = measurement.cusum_arl(0.5, 5.0, 3.0)
    assert measurement.cusum_arl(0.5, 5.0, 3.0, two_sided=True) == pytest.approx(up, rel=1e-9)


# -- 4. probabilities pushed out of [0, 1] ------------------------------------------------------


@pytest.mark.parametrize("N,r,n", [(100, 2, 10), (10, 5, 5), (50, 10, 20)])
def test_sample_with_an_item_detection_of_zero_detects_nothing(N, r, n):
    # q = 0: no inspected defect is ever recognised, so the probability is exactly 0 (the pmf's
    # round-off used to give −2.2e-16, and --years then failed).
    code, out, err = cli("detect", "sample", "-N", str(N), "-r", str(r), "-n", str(n), "-q", "0",
                         "--years", "3", "--format", "json")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["probability"] == 0.0 and obj["probability_within_years"] == 0.0
    assert obj["miss_probability"] == 1.0


# -- 5. sweeps with non-integer counts ------------------------------------------------------------


@pytest.mark.parametrize("question,grid", [
    ("sample", ["population=100", "defects=5", "sample=1.5"]),
    ("sample", ["population=100", "defects=5", "sample=10", "years=2.5"]),
    ("sample-size", ["population=100.5", "defects=2", "confidence=0.9"]),
    ("recursive", ["periods=5.5", "inspections=2"]),
    ("upload", ["missiles=100", "uploaded=5", "inspections=2.5"]),
])
def test_sweep_rejects_non_integer_counts(question, grid):
    args = ["detect", "sweep", question]
    for g in grid:
        args += ["--grid", g]
    code, _, err = cli(*args)
    assert_one_line_error(code, err)
    assert "whole number" in err


# -- 6. large populations ---------------------------------------------------------------------------


def test_hypergeometric_detection_for_a_huge_population():
    N, r, n = 10**15, 10**12, 1000
    # Binomial limit 1 − (1 − r/N)^n; the hypergeometric differs by ~n²r/N² = 1e-12.
    expected = -math.expm1(n * math.log1p(-r / N))
    assert detection_probability(N, r, n) == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(1 - math.exp(-1), abs=2e-4)  # ≈ 1 − e^(−nr/N)


def test_hypergeometric_detection_exact_for_a_large_population():
    N, r, n = 10**9, 10**6, 1000
    exact = 1 - Fraction(math.comb(N - r, n), math.comb(N, n))
    assert detection_probability(N, r, n) == pytest.approx(float(exact), rel=1e-12)


# -- 7. unbounded inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize("args,cap", [
    (["detect", "game", "recursive", "--periods", "3000", "--inspections", "1500"], "100,000"),
    (["detect", "scenario", "upload", "--party", "US", "--as-of", "2021-01-01", "--warheads", "100",
      "--inspections", "100000"], "2000"),
    (["detect", "cusum", "--k", "0.5", "--h", "4", "--observations-per-year", "2000000000"], "1000000000"),
    (["detect", "cusum-threshold", "--k", "0.5", "--false-alarm-per-year", "0.05",
      "--observations-per-year", "2000000000"], "1000000000"),
])
def test_limits_are_one_line_errors_that_name_the_cap(args, cap):
    t0 = time.perf_counter()
    code, _, err = cli(*args)
    assert time.perf_counter() - t0 < 10
    assert_one_line_error(code, err)
    assert cap in err


def test_cusum_false_alarms_for_a_hundred_million_observations_a_year():
    t0 = time.perf_counter()
    code, out, err = cli("detect", "cusum", "--k", "0.5", "--h", "4", "--observations-per-year", "100000000",
                         "--format", "json")
    assert code == 0, err
    assert time.perf_counter() - t0 < 10
    # In-control ARL ≈ 336 (Lucas & Crosier's tables); the run length is close to geometric, so
    # P(no alarm in 1e8) ≈ exp(−1e8/336) = 0.
    assert json.loads(out)["false_alarm_per_year"] == 1.0


def test_yearly_false_alarm_by_matrix_powers_matches_the_geometric_tail():
    # For m ≫ ARL the run length's tail is geometric: P(RL > m) ≈ C·ρ^m; check the ratio of
    # successive tails against the chain's decay rate (its largest eigenvalue).
    k, h = 0.5, 5.0
    R = measurement._be_matrix(k, h, 0.0, measurement.DEFAULT_STATES)
    rho = max(abs(np.linalg.eigvals(R)))
    p1 = 1 - measurement.false_alarm_per_year(k, h, 8000)
    p2 = 1 - measurement.false_alarm_per_year(k, h, 9000)
    assert p2 / p1 == pytest.approx(rho**1000, rel=1e-6)
    loop = measurement.no_alarm_probabilities(k, h, 0.0, 8000)[-1]
    assert p1 == pytest.approx(loop, rel=1e-9)


# -- 8. allocation quota and the IAEA approximation -----------------------------------------------


def test_allocation_needs_a_whole_quota():
    with pytest.raises(InputError, match="whole number"):
        solve_site_allocation([10, 5, 2], [1, 1, 1], 1.5)
    code, _, err = cli("detect", "game", "allocation", "--values", "10,5,2", "--detection", "1,1,1",
                       "--quota", "1.5")
    assert_one_line_error(code, err)
    with pytest.raises(InputError, match="whole number"):
        systematic_allocation([0.5, 0.5, 0.5], np.random.default_rng(1))


def test_systematic_allocation_draws_exactly_the_quota_with_the_marginals():
    p = np.array([0.9, 0.6, 0.3, 0.2])  # Σ = 2
    rng = np.random.default_rng(7)
    draws = np.array([systematic_allocation(p, rng) for _ in range(20000)])
    assert set(draws.sum(axis=1)) == {2}
    assert draws.mean(axis=0) == pytest.approx(p, abs=0.015)


def test_iaea_approximation_is_capped_at_the_population():
    # N(1 − β^(1/r))/q = 400·0.9/0.5 = 720 > N = 400.
    assert iaea_sample_size(400, 1, 0.9, item_detection=0.5) == 400
    r = sample_size_report(400, 1, 0.9, item_detection=0.5)
    assert r["iaea_approximation"] == 400 and r["iaea_formula"] == 400
    assert any("capped at the population" in a for a in r.assumptions)
