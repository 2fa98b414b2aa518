"""Sweeps on every engine (in-process, process pool, Dask LocalCluster), plots, and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from accord.cli import detect as detect_cli
from accord.cli._common import new_app
from accord.detection import run_sweep
from accord.detection.sampling import detection_probability
from accord.detection.sweep import parse_values
from accord.errors import InputError

GRID = {"population": [400], "defects": [1, 5, 10], "sample": list(range(0, 21, 5)), "years": [3]}


def _expected() -> pd.DataFrame:
    rows = []
    for r in GRID["defects"]:
        for n in GRID["sample"]:
            p = 1 - math.comb(400 - r, n) / math.comb(400, n)
            rows.append((r, n, p))
    return pd.DataFrame(rows, columns=["defects", "sample", "probability"])


def _check(df: pd.DataFrame) -> None:
    exp = _expected()
    assert list(df["defects"]) == list(exp["defects"]) and list(df["sample"]) == list(exp["sample"])
    assert df["probability"].to_numpy() == pytest.approx(exp["probability"].to_numpy(), rel=1e-12)
    assert df["probability_within_years"].to_numpy() == pytest.approx(
        1 - (1 - exp["probability"].to_numpy()) ** 3, rel=1e-12
    )


def test_sweep_in_process():
    _check(run_sweep("sample", GRID))


def test_sweep_on_a_process_pool():
    _check(run_sweep("sample", GRID, workers=2, chunk_size=4))


def test_sweep_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        _check(run_sweep("sample", GRID, scheduler=cluster.scheduler_address, chunk_size=3))


def test_parse_values():
    assert parse_values("1,2,5", field="x") == [1, 2, 5]
    assert parse_values("1:4", field="x") == [1, 2, 3, 4]
    assert parse_values("0:1:0.25", field="x") == [0, 0.25, 0.5, 0.75, 1]
    with pytest.raises(InputError):
        parse_values("a,b", field="x")
    with pytest.raises(InputError):
        parse_values("5:1", field="x")


def test_unknown_question_and_bad_parameters():
    with pytest.raises(InputError):
        run_sweep("nope", {"a": [1]})
    with pytest.raises(InputError):
        run_sweep("sample", {"population": [10], "defects": [1], "sample": [2], "colour": [1]})


# -- CLI --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = new_app("test root")
    detect_cli.register(root)
    return root


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_cli_sample_json(app):
    code, out, _ = run(app, "detect", "sample", "--population", "100", "--defects", "5", "--sample", "10",
                       "--format", "json")
    assert code == 0
    obj = json.loads(out)
    assert obj["schema"] == "accord.detect.sample/v1"
    assert obj["probability"] == pytest.approx(0.416, abs=5e-4)  # growingswe worked example
    assert obj["method"] == "exact" and all(isinstance(a, str) for a in obj["assumptions"])


def test_cli_sample_with_imperfect_test_and_table(app):
    code, out, _ = run(app, "detect", "sample", "-N", "100", "-r", "5", "-n", "10", "--item-detection", "0.5")
    assert code == 0 and "probability" in out and "assumption:" in out


def test_cli_sample_size_json(app):
    _code, out, _ = run(app, "detect", "sample-size", "--population", "1000", "--defects", "10",
                       "--confidence", "0.95", "--format", "json")
    obj = json.loads(out)
    n1, n2 = obj["exact"], obj["iaea_approximation"]
    assert detection_probability(1000, 10, n1) >= 0.95 > detection_probability(1000, 10, n1 - 1)
    assert n2 == math.ceil(1000 * (1 - 0.05 ** (1 / 10)))


def test_cli_recursive_game_json(app):
    _code, out, _ = run(app, "detect", "game", "recursive", "--periods", "12", "--inspections", "3",
                       "--format", "json")
    obj = json.loads(out)
    expected = math.comb(11, 3), sum(math.comb(12, i) for i in range(4))  # von Stengel closed form
    g = math.gcd(*expected)
    assert obj["value"] == f"{expected[0] // g}/{expected[1] // g}"
    assert obj["value_float"] == pytest.approx(expected[0] / expected[1])


def test_cli_matrix_game_from_csv(app, tmp_path: Path):
    f = tmp_path / "odd_even.csv"
    f.write_text("row,one,two\nodd,-2,3\neven,3,-4\n")
    _code, out, _ = run(app, "detect", "game", "matrix", str(f), "--format", "json")
    obj = json.loads(out)
    assert obj["value"] == pytest.approx(1 / 12)  # Ferguson, Game Theory, Part II §1.1
    assert obj["row_strategy"] == pytest.approx([7 / 12, 5 / 12])
    assert obj["column_strategy"] == pytest.approx([7 / 12, 5 / 12])
    assert obj["method"] == "lp"


def test_cli_matrix_game_bad_csv_is_one_line_exit_2(app, tmp_path: Path):
    f = tmp_path / "bad.csv"
    f.write_text("1,2\n3,x\n")
    code, _out, err = run(app, "detect", "game", "matrix", str(f), "--format", "json")
    assert code == 2
    assert err.strip().count("\n") == 0 and f"{f}:2: column 2: not a number" in err
    f.write_text("1,2\n3\n")
    code, _, err = run(app, "detect", "game", "matrix", str(f))
    assert code == 2 and ":2:" in err


def test_cli_cusum_json(app):
    _code, out, _ = run(app, "detect", "cusum", "--k", "0.5", "--h", "4", "--shift", "1", "--two-sided",
                       "--format", "json")
    obj = json.loads(out)
    assert obj["arl"] == pytest.approx(8.38, rel=4e-3)  # Lucas & Crosier (1982), Table 1
    assert obj["method"] == "markov-chain"


def test_cli_errors_exit_2_without_traceback(app):
    for args in (
        ["detect", "sample", "-N", "10", "-r", "5", "-n", "11"],
        ["detect", "sample", "-N", "10", "-r", "5", "-n", "3", "--item-detection", "1.5"],
        ["detect", "sample-size", "-N", "10", "-r", "1", "-c", "1"],
        ["detect", "cusum", "--k", "0.5", "--h", "-1"],
        ["detect", "game", "matrix", "/nonexistent.csv"],
        ["detect", "scenario", "upload", "--party", "US"],
        ["detect", "sweep", "sample", "--grid", "population=abc"],
    ):
        code, _, err = run(app, *args)
        assert code == 2, args
        assert err.startswith("error: ") and "Traceback" not in err and err.strip().count("\n") == 0


def test_cli_scenario_json(app):
    _code, out, _ = run(app, "detect", "scenario", "undeclared-site", "--agreement", "newstart-2021",
                       "--party", "RU", "--as-of", "2021-03-01", "--discovery-per-year", "0.25",
                       "--years", "4", "--format", "json")
    obj = json.loads(out)
    assert obj["schema"] == "accord.detect.scenario/v1"
    assert obj["probability_within_years"] == pytest.approx(1 - 0.75**4)


def test_cli_sweep_with_workers_and_plots(app, tmp_path: Path):
    png, cdf = tmp_path / "dq.png", tmp_path / "cdf.png"
    code, out, _ = run(app, "detect", "sweep", "upload", "--grid", "missiles=627", "--grid", "uploaded=10,25",
                       "--grid", "inspections=1:12", "--grid", "years=5", "--workers", "2",
                       "--plot", str(png), "--cdf-plot", str(cdf), "--format", "json")
    assert code == 0
    obj = json.loads(out)
    assert obj["schema"] == "accord.detect.sweep/v1" and obj["engine"] == "process-pool"
    assert len(obj["rows"]) == 24
    row = obj["rows"][-1]
    assert row["probability"] == pytest.approx(1 - math.comb(627 - 25, 12) / math.comb(627, 12))
    for p in (png, cdf):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
