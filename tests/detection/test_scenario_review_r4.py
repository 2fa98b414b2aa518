"""Adversarial review of the scenario plug-ins, sweeps and the detect CLI (issue 8, reviewer R4):
every bad value is a one-line error naming its field, work stays bounded, and a hand-built
context is checked like user input."""

from __future__ import annotations

import datetime as dt

import pytest
import typer
from typer.testing import CliRunner

from accord.cli import detect as detect_cli
from accord.cli._common import new_app
from accord.detection import scenarios
from accord.detection.scenarios import Context, Figure, MissileSystem, freeze_excess, undeclared_site, upload
from accord.detection.scenarios import _common as c
from accord.detection.sweep import grid_points, parse_values
from accord.errors import InputError


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = new_app("test root")
    detect_cli.register(root)
    return root


@pytest.mark.parametrize("cls,values,field", [
    (upload.Params, {"warheads": 10, "item_detection": True}, "item_detection"),
    (upload.Params, {"warheads": 10, "item_detection": "0.5"}, "item_detection"),
    (upload.Params, {"warheads": 10, "confidence": False}, "confidence"),
    (undeclared_site.Params, {"discovery_per_year": True}, "discovery_per_year"),
    (undeclared_site.Params, {"discovery_per_year": "0.2"}, "discovery_per_year"),
])
def test_a_probability_is_a_number_not_a_bool_or_text(cls, values, field):
    """Whole-number fields already refused True and "10"; the probability fields took them as 1.0, 0.5."""
    with pytest.raises(InputError) as err:
        cls(**values)
    assert err.value.field == field and "must be a number" in str(err.value)


def test_a_huge_integer_for_a_probability_is_one_line():
    """float(10**400) overflowed: a traceback instead of the bounds error."""
    with pytest.raises(InputError) as err:
        upload.Params(warheads=10, item_detection=10**400)
    assert err.value.field == "item_detection"


def test_negative_zero_is_zero():
    r = scenarios.evaluate("undeclared-site", {"discovery_per_year": -0.0}, Context())
    assert r.values["discovery_per_year"] == 0.0 and str(r.values["discovery_per_year"]) == "0.0"
    assert any("probability 0 each year" in a for a in r.assumptions)


@pytest.mark.parametrize("values,words", [
    ({"simulate": 10**12}, "at most 10000000"),
    ({"simulate": 10**7, "years": 200}, "trial-years"),
])
def test_the_monte_carlo_check_is_bounded(values, words):
    """simulate=10**12 allocated 7 TiB (a traceback), 10**6 trials × 200 years ran for minutes."""
    with pytest.raises(InputError) as err:
        undeclared_site.Params(discovery_per_year=0.5, **values)
    assert err.value.field == "simulate" and words in str(err.value)
    undeclared_site.Params(discovery_per_year=0.5, simulate=10**6, years=100)  # the bound itself is allowed


@pytest.mark.parametrize("spec", ["1:nan", "1:inf:1", "-inf:1", "1:5:nan", "1e400:1e401"])
def test_a_grid_range_needs_finite_numbers(spec):
    """`--grid warheads=1:nan` was a ValueError traceback, `1:inf:1` an OverflowError."""
    with pytest.raises(InputError) as err:
        parse_values(spec, field="warheads")
    assert err.value.field == "warheads" and "finite" in str(err.value)


def test_the_grid_is_bounded_as_a_whole():
    """Each range was limited to a million values, but their product was not (1:1000000 × 1:200
    built 200 million points and ran out of memory)."""
    with pytest.raises(InputError) as err:
        grid_points({"warheads": range(1, 1_000_001), "years": range(1, 201)})
    assert err.value.field == "grid" and "200,000,000 points" in str(err.value)


def test_a_grid_variable_given_twice_is_an_error(app):
    """`--grid warheads=10 --grid warheads=20` silently swept 20 only."""
    res = CliRunner().invoke(app, ["detect", "sweep", "scenario", "undeclared-site", "--grid",
                                   "discovery_per_year=0.1", "--grid", "discovery_per_year=0.2"])
    assert res.exit_code == 2
    assert "discovery_per_year is given twice" in res.stderr and "Traceback" not in res.stderr


def _systems(n: int) -> tuple[MissileSystem, ...]:
    return tuple(MissileSystem(f"S{i}", 10 + i, 1, 3 + i % 3, "hand") for i in range(n))


def test_the_best_response_over_many_systems_is_bounded():
    """Every fill order was evaluated (n!: 9 systems did not finish); each allocation is now
    evaluated once, and more than MAX_SYSTEMS systems is a one-line error."""
    ctx = Context(quotas={upload.QUOTA: Figure(10, "10 a year.")}, systems=_systems(upload.MAX_SYSTEMS))
    r = scenarios.evaluate("upload", {"warheads": 40}, ctx)
    assert 0 < r.values["probability_per_year"] < 1
    too_many = Context(quotas={upload.QUOTA: Figure(10, "10 a year.")}, systems=_systems(upload.MAX_SYSTEMS + 1))
    with pytest.raises(InputError) as err:
        scenarios.evaluate("upload", {"warheads": 5}, too_many)
    assert err.value.field == "systems"


def test_the_best_response_is_the_minimum_over_fill_orders():
    """Evaluating each allocation once keeps the answer: the brute-force minimum over orders."""
    import itertools

    from accord.detection.year import YearModel, year_detection_probability

    systems = _systems(4)
    ctx = Context(quotas={upload.QUOTA: Figure(6, "6 a year.")}, systems=systems)
    for w in (5, 40, 80):
        got = scenarios.evaluate("upload", {"warheads": w}, ctx).values["probability_per_year"]
        best = min(
            year_detection_probability(YearModel.build([s.deployed for s in systems],
                                                       upload._allocation(systems, w, order, conc), 6))
            for conc in (True, False) for order in itertools.permutations(range(4))
        )
        assert got == best


@pytest.mark.parametrize("build,field", [
    (lambda: Context(quotas={upload.QUOTA: Figure(-3, "x")}), "quotas['loading-inspections']"),
    (lambda: Context(quotas={freeze_excess.QUOTA: Figure(2.5, "x")}), "quotas['authentications']"),
    (lambda: Context(figures={freeze_excess.CONTAINERS: Figure(-4, "x")}), "figures['declared-containers']"),
    (lambda: Context(quotas={upload.QUOTA: 10}), "quotas['loading-inspections']"),
    (lambda: MissileSystem("A", -10, 1, 3, "x"), "systems['A'].deployed"),
    (lambda: MissileSystem("A", 10, 1, 3.5, "x"), "systems['A'].max_per_missile"),
    (lambda: Context(systems=("A",)), "systems"),  # type: ignore[arg-type]
    (lambda: Context(as_of="2030-13-01"), "as_of"),  # type: ignore[arg-type]
])
def test_a_hand_built_context_is_checked(build, field):
    """A negative quota of authentications was reported as `inspections`, a negative count of
    containers as `excess`, negative deployed missiles as a capacity of -20, 3.5 warheads a
    missile was used as is, and a text date was an AttributeError."""
    with pytest.raises(InputError) as err:
        build()
    assert err.value.field == field


def test_a_hand_built_context_takes_an_iso_date():
    ctx = Context(agreement="mine", as_of="2030-01-01", in_force=False)  # type: ignore[arg-type]
    assert ctx.as_of == dt.date(2030, 1, 1)
    r = scenarios.evaluate("undeclared-site", {"discovery_per_year": 0.2}, ctx)
    assert "mine is not in force on 2030-01-01" in r.assumptions[0]


def test_the_quota_helper_asks_for_the_scenarios_own_option():
    """A new scenario whose quota override is not called `inspections` told users to give
    `--inspections`, an option it does not have."""
    with pytest.raises(InputError) as err:
        c.quota(Context(agreement="mine"), "radiation-checks", None, what="radiation checks", field="checks")
    assert err.value.field == "checks" and "give --checks" in str(err.value)
    with pytest.raises(InputError) as err:  # the default is unchanged
        c.quota(Context(agreement="mine"), "site-inspections", None, what="site inspections")
    assert err.value.field == "inspections" and "give --inspections" in str(err.value)
