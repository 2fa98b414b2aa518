"""Monte Carlo of treaty years against the exact evaluation, and the treaty scenarios."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, hypergeom

from accord.app.scenario import run_scenario
from accord.detection import (
    MissileSystem,
    YearModel,
    detection_within,
    simulate,
    year_detection_probability,
)
from accord.detection.scenarios.upload import upload_scenario
from accord.errors import InputError


def test_single_population_year_is_hypergeometric():
    # performance-ceilings.md §4 case: N = 400 missiles, 5 cheating, 10 inspected a year;
    # independent formula 1 − C(395, 10)/C(400, 10).
    m = YearModel.build([400], [5], 10)
    expected = 1 - math.comb(395, 10) / math.comb(400, 10)
    assert year_detection_probability(m) == pytest.approx(expected, rel=1e-12)
    assert detection_within(m, 5)[-1] == pytest.approx(1 - (1 - expected) ** 5, rel=1e-12)


def test_two_site_year_equals_binomial_mixture():
    # each of k inspections picks site A with probability π; c ~ Binomial(k, π) visits to A,
    # which examine c distinct missiles there: miss = Σ_c Bin(c; k, π)·Hyp(0; N_A, u_A, c)·Hyp(0; N_B, u_B, k−c)
    NA, uA, NB, uB, k, pi = 120, 4, 80, 2, 10, 0.3
    miss = sum(
        binom.pmf(c, k, pi) * hypergeom.pmf(0, NA, uA, c) * hypergeom.pmf(0, NB, uB, k - c) for c in range(k + 1)
    )
    m = YearModel.build([NA, NB], [uA, uB], k, [pi, 1 - pi])
    assert year_detection_probability(m) == pytest.approx(1 - miss, rel=1e-12)


@pytest.mark.parametrize(
    "model,years",
    [
        (YearModel.build([400], [5], 10), 5),
        (YearModel.build([200, 150, 50], [5, 0, 3], 10, [0.3, 0.3, 0.4], item_detection=0.8, other_detection=0.05), 3),
        (YearModel.build([30, 30], [1, 2], 4, [0.5, 0.5], items_per_inspection=3, item_detection=0.6), 4),
    ],
)
def test_monte_carlo_agrees_with_exact_within_4_standard_errors(model, years):
    sim = simulate(model, years=years, trials=200_000, seed=11)
    exact = detection_within(model, years)
    assert abs(sim.per_year - exact[0]) < 4 * sim.per_year_se
    assert np.all(np.abs(sim.within - exact) < 4 * sim.within_se + 1e-12)


# -- scenarios ------------------------------------------------------------------------------------

SYSTEMS = [
    MissileSystem("ICBM", 400, 1, 3, "test"),
    MissileSystem("SLBM", 200, 4, 8, "test"),
]


def test_upload_best_response_is_no_more_detectable_than_fixed_policies():
    best, _, _ = upload_scenario(SYSTEMS, 120, 10, spread="best")
    conc, _, _ = upload_scenario(SYSTEMS, 120, 10, spread="concentrated")
    spread, _, _ = upload_scenario(SYSTEMS, 120, 10, spread="spread")
    pb = year_detection_probability(best)
    assert pb <= year_detection_probability(conc) + 1e-15
    assert pb <= year_detection_probability(spread) + 1e-15
    # 120 warheads at 4 extra per SLBM = 30 SLBMs is the fewest missiles: one site, 30 of 200
    assert best.defects == (0, 30)


def test_upload_exceeding_capacity_is_an_input_error():
    with pytest.raises(InputError) as err:
        upload_scenario(SYSTEMS, 400 * 2 + 200 * 4 + 1, 10)
    assert err.value.field == "warheads"


def test_upload_with_bundled_us_data_and_monte_carlo():
    r = run_scenario("upload", agreement="newstart-2021", party="US", as_of="2021-01-01",
                     warheads=100, years=3, simulate=50_000)
    out = r.to_json()
    assert out["inspections_per_year"] == 10  # New START: 10 Type One a year (agreement regime)
    assert out["method"] == "exact" and out["assumptions"]
    mc = out["monte_carlo"]
    assert abs(mc["probability_per_year"] - out["probability_per_year"]) < 4 * mc["probability_per_year_se"]
    # quota needed: the smallest k reaching the target, checked against k − 1
    assert out["quota_needed"] is not None and out["quota_needed"] > 10


def test_upload_for_a_party_without_per_system_data_needs_systems():
    # Russia's bundled per-system estimates begin in 2022 (FAS): before that there are none to use.
    with pytest.raises(InputError):
        run_scenario("upload", party="RU", as_of="2015-01-01", warheads=50)
    r = run_scenario("upload", party="RU", as_of="2015-01-01", warheads=50, systems=SYSTEMS)
    assert 0 < r["probability_per_year"] < 1


def test_hidden_missiles_single_site_is_k_over_s():
    # k distinct sites of S visited; one hiding site is visited with probability k/S
    r = run_scenario("hidden-missiles", missiles=20, sites=30, years=2)
    assert r["inspections_per_year"] == 8  # New START: 8 Type Two a year
    assert r["probability_per_year"] == pytest.approx(8 / 30)
    assert r["probability_within_years"] == pytest.approx(1 - (1 - 8 / 30) ** 2)


def test_undeclared_site_depends_only_on_discovery():
    r = run_scenario("undeclared-site", discovery_per_year=0.1, years=10)
    assert r["probability_within_years"] == pytest.approx(1 - 0.9**10)
    assert r["expected_years_to_detection"] == pytest.approx(10.0)
    assert r["quota_needed"] is None


def test_freeze_excess_is_sampling_of_containers():
    r = run_scenario("freeze-excess", agreement="us-2020-freeze", party="US", as_of="2021-03-01",
                     excess=50, authentications=30, containers=3800, years=1)
    assert r["probability_per_year"] == pytest.approx(1 - math.comb(3750, 30) / math.comb(3800, 30), rel=1e-10)


def test_freeze_without_quota_asks_for_authentications():
    with pytest.raises(InputError) as err:
        run_scenario("freeze-excess", agreement="us-2020-freeze", party="US", excess=10)
    assert err.value.field == "authentications"


def test_unknown_scenario_and_party():
    with pytest.raises(InputError):
        run_scenario("teleport")
    with pytest.raises(InputError):
        run_scenario("undeclared-site", party="FR", discovery_per_year=0.1)
