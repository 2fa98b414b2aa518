"""Issue 9 §3, detection: plots that show what they say (every CDF curve, the README's quota plot
against the many-valued axis), plot options checked before any work, and scenarios that run with
their own default party and date."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.app.scenario import run_scenario, sweep_scenario
from accord.cli import app
from accord.detection import plots, run_sweep
from accord.detection.scenarios import freeze_excess
from accord.errors import InputError


def cli(line: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, shlex.split(line), prog_name="accord")
    return res.exit_code, res.stdout, res.stderr


def svg_texts(path: Path) -> list[str]:
    """The texts matplotlib drew in an SVG (it writes each as a comment beside its glyphs)."""
    return re.findall(r"<!-- (.*?) -->", path.read_text())


# -- --cdf-plot: every grid point, or a one-line refusal ------------------------------------------


def test_cdf_plot_draws_every_grid_point(tmp_path: Path):
    """It drew only the first 12 rows of the grid, silently."""
    out = tmp_path / "cdf.svg"
    code, _, err = cli(f"detect sweep upload --grid missiles=627 --grid uploaded=10,25 --grid inspections=1:12 "
                       f"--grid years=5 --cdf-plot {out} --format json")
    assert code == 0, err
    labels = [t for t in svg_texts(out) if t.startswith("uploaded=")]
    assert len(labels) == 24
    assert "uploaded=25, inspections=12" in labels


def test_cdf_plot_refuses_more_curves_than_it_can_draw_before_any_work(tmp_path: Path):
    out = tmp_path / "cdf.png"
    code, stdout, err = cli(f"detect sweep upload --grid missiles=627 --grid uploaded=1:41 --grid inspections=1 "
                            f"--cdf-plot {out}")
    assert code == 2 and stdout == "" and not out.exists()
    assert err == (f"error: --cdf-plot: a plot shows at most {plots.MAX_CURVES} curves; one curve per grid point "
                   "gives 41: narrow the grid\n")


# -- --plot: the README's example is meaningful ----------------------------------------------------


def test_the_readme_quota_plot_is_detection_against_the_quota(tmp_path: Path):
    """The README's example drew probability against a two-point axis (uploaded) with 20 lines
    (one per quota): the default x is now the variable with the most values."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = next(ln for ln in readme.splitlines() if ln.startswith("accord detect sweep upload"))
    command = line.split("#")[0].strip().removeprefix("accord ")
    out = tmp_path / "quota.svg"
    command = command.replace("quota.png", str(out))
    code, _, err = cli(command + " --format csv")
    assert code == 0, err
    texts = svg_texts(out)
    assert "probability vs inspections" in texts
    legend = [t for t in texts if t.startswith("uploaded = ")]
    assert 2 <= len(legend) <= 10  # one line per upload, a legend that fits
    assert not any(t.startswith("inspections = ") for t in texts)


def test_many_curves_of_one_variable_get_a_colour_bar_not_a_legend(tmp_path: Path):
    out = tmp_path / "many.svg"
    code, _, err = cli(f"detect sweep upload --grid missiles=627 --grid uploaded=1:15 --grid inspections=1:20 "
                       f"--plot {out} --format csv")
    assert code == 0, err
    texts = svg_texts(out)
    assert "probability vs inspections" in texts and "uploaded" in texts  # the colour bar's label
    assert not any(t.startswith("uploaded = ") for t in texts)


def test_curve_axes_defaults_and_checks():
    grid = {"missiles": [627], "uploaded": [10, 25], "inspections": list(range(1, 21)), "years": [1, 5]}
    assert plots.curve_axes(grid) == ("inspections", ["uploaded", "years"])
    assert plots.curve_axes(grid, x="uploaded") == ("uploaded", ["inspections", "years"])
    assert plots.curve_axes(grid, hue="years") == ("inspections", ["years", "uploaded"])
    with pytest.raises(InputError, match="not a grid variable"):
        plots.curve_axes(grid, x="quota")
    with pytest.raises(InputError, match="already the x axis"):
        plots.curve_axes(grid, x="years", hue="years")


def test_too_many_curves_is_a_one_line_error_before_any_work(tmp_path: Path):
    out = tmp_path / "q.png"
    code, stdout, err = cli(f"detect sweep upload --grid missiles=627 --grid uploaded=1:50 --grid inspections=1:60 "
                            f"--plot {out} --x uploaded")
    assert code == 2 and stdout == "" and not out.exists()
    assert err.startswith("error: --plot: a plot shows at most 40 curves; one curve per value of inspections gives 60")


@pytest.mark.parametrize(("name", "words"), [
    ("out.txt", "a plot is written as"),
    ("out", "not no extension"),
    ("missing/out.png", "No such file or directory"),
    (".", "a plot is written as"),
])
def test_unwritable_plot_is_one_line_before_any_work(tmp_path: Path, name: str, words: str):
    """`sweep --plot out.txt` was a ValueError traceback after the whole sweep had run."""
    target = tmp_path / name
    code, stdout, err = cli(f"detect sweep upload --grid missiles=627 --grid uploaded=10 --grid inspections=1:3 "
                            f"--plot {target}")
    assert code == 2 and stdout == "" and err.count("\n") == 1 and words in err, err
    assert err.startswith("error: --plot: ") and "Errno" not in err
    assert sorted(tmp_path.iterdir()) == []


def test_plot_api_checks_its_path(tmp_path: Path):
    df = run_sweep("sample", {"population": [10], "defects": [1], "sample": [1, 2]})
    with pytest.raises(InputError, match="a plot is written as"):
        plots.plot_detection_curve(df, tmp_path / "x.txt", x="sample")
    with pytest.raises(InputError, match="No such file or directory"):
        plots.plot_time_to_detection_cdf({"a": [0.5]}, tmp_path / "no" / "x.png")
    assert plots.plot_detection_curve(df, tmp_path / "x.pdf", x="sample").read_bytes()[:4] == b"%PDF"


# -- sweeps name the grid variable, never the question's signature ---------------------------------


@pytest.mark.parametrize(("grid", "field", "words"), [
    ({"defects": [1]}, "grid", "needs population and sample"),
    ({"population": [9], "defects": [1], "sample": [1], "quota": [2]}, "quota", "takes no 'quota'"),
])
def test_sweep_grid_names_are_checked_first(grid, field, words):
    with pytest.raises(InputError) as info:
        run_sweep("sample", grid)
    assert info.value.field == field and words in info.value.problem
    assert "q_sample" not in str(info.value) and "positional" not in str(info.value)


# -- scenarios run with their own defaults --------------------------------------------------------


def test_upload_runs_with_no_options_but_the_required_one():
    """`accord detect scenario upload` failed with its own default party (RU: no per-system data)
    and date (entry into force, before the first US breakdown by system)."""
    code, out, err = cli("detect scenario upload --warheads 10 --format json")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["party"] == "US" and obj["as_of"] == "2013-03-01"
    assert any("no date was given" in a for a in obj["assumptions"])
    assert 0 < obj["probability_per_year"] < 1


def test_upload_default_date_follows_a_given_party_and_a_given_date_wins():
    r = run_scenario("upload", party="US", warheads=10)
    assert r["as_of"].isoformat() == "2013-03-01"
    r = run_scenario("upload", as_of="2021-01-01", warheads=10)
    assert r["party"] == "US" and r["as_of"].isoformat() == "2021-01-01"
    assert not any("no date was given" in a for a in r.assumptions)


def test_the_other_scenarios_keep_their_defaults():
    r = run_scenario("undeclared-site", discovery_per_year=0.1)
    assert r["party"] == "RU" and r["as_of"].isoformat() == "2011-02-05"
    r = run_scenario("hidden-missiles", missiles=10, sites=5)
    assert r["party"] == "RU"


def test_upload_sweep_runs_with_its_defaults():
    code, out, err = cli("detect sweep scenario upload --grid warheads=10,20 --format json")
    assert code == 0, err
    obj = json.loads(out)
    assert (obj["party"], obj["as_of"], len(obj["rows"])) == ("US", "2013-03-01", 2)
    assert sweep_scenario("upload", {"warheads": [10]}).inputs["party"] == "US"


def test_freeze_excess_says_the_authentications_are_needed():
    """No bundled agreement sets an authentication quota: the option's help says so, and the
    error asks for it in one line."""
    info = next(i for i in freeze_excess.Params.__dataclass_fields__.values() if i.name == "authentications")
    assert "no bundled agreement sets one" in info.metadata["help"]
    code, _, err = cli("detect scenario freeze-excess --excess 10")
    assert code == 2 and err.startswith("error: --authentications: ") and "give --authentications" in err
    code, _, err = cli("detect scenario freeze-excess --excess 10 --authentications 20 --containers 4000")
    assert code == 0, err


def test_a_sweep_of_costly_points_is_bounded_as_a_whole():
    """Each recursive game is capped (a few seconds), but a 1000 × 1000 grid of them ran for hours."""
    code, stdout, err = cli("detect sweep recursive --grid periods=1:1000 --grid inspections=1:1000")
    assert code == 2 and stdout == ""
    assert err.startswith("error: --grid: the grid needs more exact work than the largest single recursive")
    df = run_sweep("recursive", {"periods": list(range(1, 31)), "inspections": list(range(1, 31))})
    assert len(df) == 900


def test_two_sided_in_a_grid_is_true_or_false():
    with pytest.raises(InputError, match="must be true or false"):
        run_sweep("cusum", {"k": [0.5], "h": [4], "two_sided": [2]})
    assert len(run_sweep("cusum", {"k": [0.5], "h": [4], "two_sided": [True, False]})) == 2
