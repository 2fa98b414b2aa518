"""Scenarios as plug-ins: declared parameters, generated CLI options, bounds as one-line errors,
a generic core that runs on a hand-built context, and sweeps of a scenario on every engine."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.app.scenario import run_scenario, sweep_scenario
from accord.cli import detect as detect_cli
from accord.cli._common import new_app
from accord.detection import scenarios
from accord.detection.scenarios import Context, Figure, MissileSystem, hidden_missiles, upload
from accord.detection.sweep import run_sweep
from accord.errors import InputError

REGISTERED = list(scenarios.registry().values())


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = new_app("test root")
    detect_cli.register(root)
    return root


def cli(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_the_four_scenarios_are_discovered():
    assert set(scenarios.names()) == {"upload", "hidden-missiles", "undeclared-site", "freeze-excess"}


@pytest.mark.parametrize("scenario", REGISTERED, ids=lambda s: s.name)
def test_every_parameter_has_help_units_bounds_and_an_option(app, scenario):
    """(a) What the CLI and the sweep are generated from is complete, and the CLI offers it all."""
    assert scenario.summary
    code, out, _ = cli(app, "detect", "scenario", scenario.name, "--help")
    assert code == 0
    for p in scenario.parameters():
        assert p.help and p.unit, p.name
        if p.type is str:
            assert p.choices, p.name
        else:
            assert p.type in (int, float) and p.bounds is not None and p.bounds.low is not None, p.name
        assert p.option in out, p.option
        assert p.unit in " ".join(out.split()), p.unit


@pytest.mark.parametrize("scenario", REGISTERED, ids=lambda s: s.name)
def test_every_params_pickles(scenario):
    required = {p.name: (0.5 if p.type is float else 3) for p in scenario.parameters() if p.required}
    params = scenario.build(required)
    assert pickle.loads(pickle.dumps(params)) == params


@pytest.mark.parametrize("values,field,words", [
    ({"warheads": 0}, "warheads", "at least 1"),
    ({"warheads": 10, "years": 201}, "years", "at most 200"),
    ({"warheads": 10, "item_detection": 1.5}, "item_detection", "[0, 1]"),
    ({"warheads": 10, "confidence": 1.0}, "confidence", "[0, 1)"),
    ({"warheads": 10, "spread": "evenly"}, "spread", "best, concentrated or spread"),
    ({"warheads": 2.5}, "warheads", "whole number"),
    ({"warheads": 10, "simulate": 5}, "simulate", "at least 100"),
])
def test_params_out_of_bounds_is_a_one_line_error(values, field, words):
    """(b) Bounds are enforced when Params is built, naming the field, in one line."""
    with pytest.raises(InputError) as err:
        upload.Params(**values)
    assert err.value.field == field and words in str(err.value)
    assert "\n" not in err.value.one_line()


def test_cli_names_the_option_in_bound_errors(app):
    code, _, err = cli(app, "detect", "scenario", "hidden-missiles", "--missiles", "2", "--sites", "4",
                       "--hiding-sites", "5")
    assert code == 2 and err.strip() == "error: --hiding-sites: must be at most 4, got 5"
    code, _, err = cli(app, "detect", "scenario", "upload", "--party", "US", "--warheads", "0")
    assert code == 2 and err.strip() == "error: --warheads: must be at least 1, got 0"


def test_unknown_scenario_on_the_cli_is_one_line(app):
    code, _, err = cli(app, "detect", "scenario", "teleport")
    assert code == 2 and err.startswith("error: ") and err.strip().count("\n") == 0
    assert "upload" in err


@given(st.integers(min_value=1, max_value=400), st.integers(min_value=0, max_value=400))
@settings(max_examples=40, deadline=None)
def test_params_validation_is_total(missiles, sites):
    """Any integers either build a Params or raise an InputError: never another exception."""
    try:
        p = hidden_missiles.Params(missiles=missiles, sites=sites)
    except InputError as err:
        assert err.field in ("sites", "hiding_sites")
    else:
        assert p.hiding_sites == 1 <= p.sites


# -- (c) the core is generic: a context built by hand, no profile --------------------------------

HAND = Context(
    agreement="my-proposal", party="A", in_force=True,
    quotas={upload.QUOTA: Figure(4, "4 loading inspections a year (my proposal, para 3).", "loading inspections"),
            hidden_missiles.QUOTA: Figure(5, "5 site inspections a year.", "site inspections")},
    systems=(MissileSystem("land-based", 100, 1, 3, "my table"), MissileSystem("sea-based", 50, 4, 8, "my table")),
)


def test_upload_on_a_hand_built_context():
    r = scenarios.evaluate("upload", {"warheads": 20, "spread": "concentrated", "years": 2}, HAND)
    # concentrated, land-based first: 20 extra warheads at 2 per missile = 10 of the 100 land-based
    # missiles. Each of the 4 inspections goes to the land-based base with probability 100/150, and
    # c visits there examine c distinct missiles: miss = Σ_c Bin(c; 4, 2/3)·C(90, c)/C(100, c).
    miss = sum(math.comb(4, c) * (2 / 3) ** c * (1 / 3) ** (4 - c) * math.comb(90, c) / math.comb(100, c)
               for c in range(5))
    p = 1 - miss
    assert r["probability_per_year"] == pytest.approx(p, rel=1e-12)
    assert r["probability_within_years"] == pytest.approx(1 - (1 - p) ** 2, rel=1e-12)
    assert r["agreement"] == "my-proposal" and r["inspections_per_year"] == 4
    assert "4 loading inspections a year (my proposal, para 3)." in r.assumptions


def test_hidden_missiles_on_a_hand_built_context():
    r = scenarios.evaluate("hidden-missiles", hidden_missiles.Params(missiles=3, sites=20), HAND)
    assert r["probability_per_year"] == pytest.approx(5 / 20)
    assert any(a.startswith("Site inspections visit distinct declared sites") for a in r.assumptions)


def test_a_missing_input_names_what_to_give():
    bare = Context(agreement="bare")
    with pytest.raises(InputError) as err:
        scenarios.evaluate("upload", {"warheads": 5}, bare)
    assert err.value.field == "inspections" and "give --inspections" in err.value.problem
    with pytest.raises(InputError) as err:
        scenarios.evaluate("upload", {"warheads": 5, "inspections": 3}, bare)
    assert err.value.field == "systems"
    with pytest.raises(InputError) as err:
        scenarios.evaluate("freeze-excess", {"excess": 5, "authentications": 3}, bare)
    assert err.value.field == "containers"


def test_the_profile_context_reproduces_the_bundled_answer():
    """The New START profile's context is what `accord detect scenario` evaluates against."""
    from accord.app.scenario import scenario_context

    ctx = scenario_context("newstart-2021", "RU", "2021-03-01")
    assert ctx.quotas[upload.QUOTA].value == 10 and ctx.quotas[hidden_missiles.QUOTA].value == 8
    assert pickle.loads(pickle.dumps(ctx)) == ctx
    r = run_scenario("hidden-missiles", party="RU", as_of="2021-03-01", missiles=4, sites=40)
    assert r.to_json() == scenarios.evaluate("hidden-missiles", {"missiles": 4, "sites": 40}, ctx).to_json()


# -- sweeps of a scenario ------------------------------------------------------------------------

GRID = {"warheads": [10, 40], "inspections": [1, 5, 10]}


def _expected_upload_rows() -> list[float]:
    return [scenarios.evaluate("upload", {"warheads": w, "inspections": k}, HAND)["probability_per_year"]
            for w in GRID["warheads"] for k in GRID["inspections"]]


def test_scenario_sweep_in_process_and_on_a_process_pool():
    question = scenarios.ScenarioQuestion("upload", HAND)
    expected = _expected_upload_rows()
    for df in (run_sweep(question, GRID), run_sweep(question, GRID, workers=2, chunk_size=2)):
        assert list(df["warheads"]) == [10, 10, 10, 40, 40, 40]
        assert df["probability_per_year"].tolist() == pytest.approx(expected, rel=1e-12)


def test_scenario_sweep_on_dask():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        df = run_sweep(scenarios.ScenarioQuestion("upload", HAND), GRID, scheduler=cluster.scheduler_address)
    assert df["probability_per_year"].tolist() == pytest.approx(_expected_upload_rows(), rel=1e-12)


def test_scenario_sweep_checks_every_point_first():
    with pytest.raises(InputError) as err:
        sweep_scenario("upload", {"warheads": [10, 0]}, party="US", as_of="2021-01-01")
    assert err.value.field == "warheads"
    with pytest.raises(InputError) as err:
        sweep_scenario("upload", {"colour": [1]}, party="US", as_of="2021-01-01")
    assert "colour" in str(err.value) and "warheads" in str(err.value)


def test_cli_scenario_sweep_json(app):
    code, out, err = cli(app, "detect", "sweep", "scenario", "hidden-missiles", "--grid", "missiles=5",
                         "--grid", "sites=10,20", "--grid", "inspections=1:4", "--party", "RU", "--format", "json")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["schema"] == "accord.detect.sweep/v1" and obj["question"] == "scenario"
    assert obj["scenario"] == "hidden-missiles" and obj["agreement"] == "newstart-2021" and obj["party"] == "RU"
    assert [r["probability_per_year"] for r in obj["rows"]] == pytest.approx(
        [k / s for s in (10, 20) for k in range(1, 5)])


def test_params_are_frozen():
    p = upload.Params(warheads=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.warheads = 4  # type: ignore[misc]
