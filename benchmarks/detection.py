"""Detection benchmark: Monte Carlo throughput vs a plain Python loop, exact evaluation time, and a
1000 × 1000 zero-sum game solved by LP.

Question (performance-ceilings.md §4): N = 400 deployed missiles, 5 carry extra warheads, 10 are
inspected a year (distinct missiles), 5 years. Reports:

* vectorized numpy Monte Carlo (accord.detection.simulate) in simulated year-trials per second,
  pinned to one core, and a plain-Python loop (random.sample per year) in the same process;
* the exact evaluation of the same question (accord.detection.year) and its time per call;
* the solve time of a dense random U(0, 1) 1000 × 1000 zero-sum game (HiGHS interior point), and
  beside it, on the same matrix in the same run, a plain ``scipy.optimize.linprog(method="highs-ipm")``
  of the textbook LP (maximise v subject to Aᵀx ≥ v·1, Σx = 1, x ≥ 0); the ratio accord / plain is
  the figure to watch (an absolute time says more about the machine than about accord);
* the time of one upload scenario evaluation (bundled US systems as of 2021-01-01, 100 warheads,
  the violator's best response and the quota search) through the use case ``accord.app.scenario``.

Targets: ≥ 1,000,000 year-trials/s on one core; the game no slower than the plain linprog (ratio
≤ 1; measured side by side on a quiet machine it is about 0.8). The absolute 3 s target is retired.
The last line is one JSON object with the figures and ratios. ``--quick`` runs fewer trials and
a 500 × 500 game.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time


def _pin_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}"
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return "unpinned"


def python_loop(N: int, r: int, n: int, year_trials: int, seed: int) -> float:
    """Baseline: one random.sample per trial-year; returns the detected fraction."""
    rng = random.Random(seed)
    population = range(N)
    hits = 0
    for _ in range(year_trials):
        if any(i < r for i in rng.sample(population, n)):
            hits += 1
    return hits / year_trials


def plain_game_lp(A: object) -> float:
    """Baseline: the textbook LP of a zero-sum game, as anyone would write it with scipy, solved by
    ``linprog(method="highs-ipm")`` with default options; returns the value."""
    import numpy as np
    from scipy.optimize import linprog

    M = np.asarray(A, dtype=float)
    m, n = M.shape
    c = np.zeros(m + 1)
    c[-1] = -1.0  # maximise v
    a_ub = np.hstack([-M.T, np.ones((n, 1))])  # v − (Aᵀx)_j ≤ 0 for every column j
    a_eq = np.hstack([np.ones((1, m)), np.zeros((1, 1))])  # Σx = 1
    bounds = [(0.0, None)] * m + [(None, None)]
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs-ipm")
    if res.status != 0:  # pragma: no cover - a random game always solves
        raise RuntimeError(f"plain linprog did not solve: {res.message}")
    return float(-res.fun)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer trials and a 500 × 500 game")
    args = ap.parse_args()
    pinned = _pin_one_core()

    import numpy as np

    from accord.detection import YearModel, detection_within, simulate, solve_matrix_game

    N, r, n, years = 400, 5, 10, 5
    trials = 200_000 if args.quick else 2_000_000
    loop_trials = 50_000 if args.quick else 300_000
    repeats = 3 if args.quick else 5
    model = YearModel.build([N], [r], n)

    # exact (one warm-up call first: it pays the lazy imports)
    detection_within(model, years)
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < 0.5:
        exact = detection_within(model, years)
        calls += 1
    exact_s = (time.perf_counter() - t0) / calls

    # vectorized Monte Carlo
    rates = []
    for i in range(repeats):
        t0 = time.perf_counter()
        sim = simulate(model, years=years, trials=trials, seed=1000 + i)
        rates.append(trials * years / (time.perf_counter() - t0))
    mc_rate = statistics.median(rates)
    z = (sim.within[-1] - exact[-1]) / sim.within_se[-1]

    # plain Python loop
    loop_rates = []
    for i in range(repeats):
        t0 = time.perf_counter()
        p_loop = python_loop(N, r, n, loop_trials, seed=i)
        loop_rates.append(loop_trials / (time.perf_counter() - t0))
    loop_rate = statistics.median(loop_rates)

    # matrix game: accord and the plain linprog alternately on the same matrix, median of each
    size = 500 if args.quick else 1000
    A = np.random.default_rng(0).random((size, size))
    game_times, plain_times = [], []
    for _ in range(1 if args.quick else 3):
        t0 = time.perf_counter()
        sol = solve_matrix_game(A)
        game_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plain_value = plain_game_lp(A)
        plain_times.append(time.perf_counter() - t0)
    game_s, plain_s = statistics.median(game_times), statistics.median(plain_times)
    game_ratio = game_s / plain_s
    gap = float((A @ sol.column_strategy).max() - (A.T @ sol.row_strategy).min())

    # scenario (one warm-up call first: it loads the agreement and the bundled record)
    from accord.app.scenario import run_scenario

    def upload() -> object:
        return run_scenario("upload", party="US", as_of="2021-01-01", warheads=100)

    upload()
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < 1.0:
        upload()
        calls += 1
    scenario_s = (time.perf_counter() - t0) / calls

    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, {pinned}")
    print(f"question: N={N}, cheating={r}, inspected/yr={n}, years={years}")
    print(f"exact: P(year)={exact[0]:.6f}, P({years} yr)={exact[-1]:.6f}, {exact_s * 1e6:.1f} µs/call")
    print(f"monte carlo (numpy, vectorized): {mc_rate:,.0f} year-trials/s; "
          f"P({years} yr)={sim.within[-1]:.5f} ± {sim.within_se[-1]:.5f} (z = {z:+.2f})")
    print(f"python loop baseline: {loop_rate:,.0f} year-trials/s; P(year)={p_loop:.5f}")
    print(f"zero-sum game {size}x{size} ({sol.solver}): {game_s:.2f} s, value {sol.value:.6f}, "
          f"duality gap {gap:.1e}")
    print(f"plain linprog(method='highs-ipm') on the same matrix: {plain_s:.2f} s, value {plain_value:.6f}; "
          f"accord / plain = {game_ratio:.2f} (target ≤ 1)")
    print(f"scenario upload (US, 100 warheads, best response + quota search): {scenario_s * 1e3:.1f} ms/call")
    result = {
        "benchmark": "detection",
        "quick": args.quick,
        "pinned": pinned,
        "mc_year_trials_per_s": round(mc_rate),
        "python_loop_year_trials_per_s": round(loop_rate),
        "mc_vs_loop_ratio": round(mc_rate / loop_rate, 2),
        "mc_target_year_trials_per_s": 1_000_000,
        "mc_meets_target": mc_rate >= 1_000_000,
        "mc_z_vs_exact": round(float(z), 2),
        "exact_seconds_per_call": exact_s,
        "exact_vs_mc_speedup": round((trials * years / mc_rate) / exact_s, 1),
        "game_size": size,
        "game_solver": sol.solver,
        "game_seconds": round(game_s, 3),
        "game_plain_linprog_seconds": round(plain_s, 3),
        "game_vs_plain_linprog_ratio": round(game_ratio, 3),
        "game_target_ratio": 1.0,
        "game_meets_target": game_ratio <= 1.0,
        "game_value_difference": abs(sol.value - plain_value),
        "game_duality_gap": gap,
        "scenario_upload_seconds_per_call": round(scenario_s, 4),
    }
    sys.stdout.flush()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
