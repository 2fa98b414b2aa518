"""`accord caps` and `accord capacity` through Typer's runner: formats, charts and one-line errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from accord import limits
from accord.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


CAPS = ("caps", "newstart-2021", "--limit", "deployed_warheads", "--at", "2020-09-01")


def test_caps_table_is_a_column_per_party():
    r = run(*CAPS, "--range", "1400:1500:50")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    header = next(ln for ln in lines if "cap" in ln and "US" in ln)
    assert header.index("US") < header.index("RU")
    # 1 September 2020 (State Department fact sheet): US 1,457, RU 1,447 deployed warheads.
    assert any("1,400" in ln and "cut 57" in ln and "cut 47" in ln for ln in lines)
    assert any("1,450" in ln and "cut 7" in ln and "under" in ln for ln in lines)


def test_caps_json_and_csv_carry_the_long_rows():
    doc = json.loads(run(*CAPS, "--range", "1400", "--range", "1450", "-f", "json").output)
    assert doc["schema"] == "accord.caps/v1" and doc["caps"] == [1400, 1450]
    assert {(r["party"], r["cap"], r["status"], r["cut_central"]) for r in doc["rows"]} == {
        ("US", 1400, "must_cut", 57), ("US", 1450, "must_cut", 7), ("RU", 1400, "must_cut", 47),
        ("RU", 1450, "under", 0)}
    rows = list(csv.DictReader(io.StringIO(run(*CAPS, "--range", "1400:1450:50", "-f", "csv").output)))
    assert [(r["party"], r["cap"], r["cut_central"]) for r in rows] == [
        ("US", "1400", "57"), ("US", "1450", "7"), ("RU", "1400", "47"), ("RU", "1450", "0")]


def test_caps_parties_any_case_comma_separated():
    doc = json.loads(run(*CAPS, "--range", "1400", "--parties", "ru", "-f", "json").output)
    assert [h["party"] for h in doc["holdings"]] == ["RU"]


def test_caps_chart_is_written_as_standalone_svg(tmp_path):
    out = tmp_path / "caps.svg"
    r = run(*CAPS, "--range", "500:2000:250", "--chart", str(out))
    assert r.exit_code == 0, r.output
    svg = out.read_text()
    assert svg.startswith("<?xml") and "<title>" in svg and 'role="img"' in svg


@pytest.mark.parametrize("args, expected", [
    (["--range", "500:4000"], "--range: expected START:STOP:STEP"),
    (["--range", "500:4000:0"], "--range: STEP must be at least 1"),
    (["--range", "4000:500:250"], "--range: STOP (500) is below START (4,000)"),
    (["--range", "1,550"], "--range: the cap has a comma"),
    (["--range", "x"], "--range: the cap is not a whole number"),
    (["--range", f"0:{limits.MAX_CAPS}:1"], f"over the limit of {limits.MAX_CAPS:,}"),
    (["--range", "1000", "--parties", "xx"], "--parties: unknown party 'xx'"),
    (["--range", "1000", "--at", "2020-13-01"], "--at: not an ISO date"),
    (["--range", "1000", "--limit", "nope"], "--limit: unknown limit 'nope'"),
])
def test_caps_bad_input_is_one_line_exit_2(args, expected):
    r = run(*CAPS[:2], *([] if "--limit" in args else ["--limit", "deployed_warheads"]), *args)
    assert r.exit_code == 2, r.output
    assert expected in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_caps_needs_a_range():
    r = run(*CAPS)
    assert r.exit_code == 2 and "--range" in r.output


@pytest.mark.parametrize("name", ["caps.png", "missing-folder/caps.svg"])
def test_caps_bad_chart_path_fails_before_anything_is_written(tmp_path, name):
    r = run(*CAPS, "--range", "1000", "--chart", str(tmp_path / name))
    assert r.exit_code == 2 and "--chart" in r.output and len(r.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


# -- capacity ----------------------------------------------------------------------------------------

CAPACITY = ("capacity", "--at", "2026-03-01")


def test_capacity_table_has_a_total_row_per_party_and_the_cross_check():
    r = run(*CAPACITY, "--parties", "us", "--cap", "3500")
    assert r.exit_code == 0, r.output
    assert "all (launchers bound)" in r.output and "passes 3,500 in" in r.output
    assert "Gottemoeller" in r.output and "below the published figure" in r.output


def test_capacity_json_and_csv():
    doc = json.loads(run(*CAPACITY, "--bombers", "weapons", "-f", "json").output)
    assert doc["schema"] == "accord.capacity/v1" and doc["caps"] == [1550]
    us = doc["parties"][0]
    # FAS 2025: the reserve (~1,930 stored) binds below the ~2,600 spare places.
    assert us["bound"] == "reserve" and us["added"] == {"low": 1925, "central": 1930, "high": 1935}
    rows = list(csv.DictReader(io.StringIO(run(*CAPACITY, "-p", "US", "-f", "csv").output)))
    mm3 = next(r for r in rows if r["system"] == "Minuteman III")
    assert (mm3["ceiling_central"], mm3["added_central"]) == ("1200", "800")  # 400 × 3, less 400 deployed


def test_capacity_chart(tmp_path):
    out = tmp_path / "capacity.svg"
    assert run(*CAPACITY, "--chart", str(out)).exit_code == 0
    assert "<title>Upload capacity" in out.read_text()


@pytest.mark.parametrize("args, expected", [
    (["--parties", "uk"], "--parties: unknown party 'uk'"),
    (["--cap", "1,550"], "--cap: the cap has a comma"),
    (["--bombers", "some"], "--bombers: must be one of one, weapons"),
    (["--series", "nope"], "--series: unknown series 'nope'"),
    (["--chart", "out.pdf"], "--chart: the chart is SVG"),
])
def test_capacity_bad_input_is_one_line_exit_2(args, expected):
    r = run(*CAPACITY, *args)
    assert r.exit_code == 2 and expected in r.output and len(r.output.strip().splitlines()) == 1
