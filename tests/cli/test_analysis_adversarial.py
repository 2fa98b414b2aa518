"""Review of `accord caps`, `accord capacity` and `accord check` without --data (reviewer R5):
hostile input is one line and exit 2; the three output formats say the same thing; charts are
well-formed SVG with alternative text; every bundled agreement can be checked on any date."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from accord import limits
from accord.cli import app

runner = CliRunner()
SVG = "{http://www.w3.org/2000/svg}"
TODAY = "2026-12-02"
US_AIM = ("caps", "us-2026-all-warheads", "--at", TODAY)


def run(*args: str):
    return runner.invoke(app, list(args))


def one_line_error(r, *words: str) -> None:
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1, r.output
    for w in words:
        assert w in r.output, r.output


# -- hostile input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("spec, words", [
    ("1:1e9:1", ["--range", "STOP is not a whole number"]),
    ("1:1000000000:1", ["--range", "over"]),
    ("-5:10:1", ["--range", "START is not a whole number"]),
    ("10:1:1", ["--range", "STOP (1) is below START (10)"]),
    ("0:10:0", ["--range", "STEP must be at least 1"]),
    ("١٠٠", ["--range", "not a whole number"]),  # Arabic-Indic digits: isdigit() but not ASCII
    ("１０００", ["--range", "not a whole number"]),  # full-width digits
    ("9" * 40, ["--range", f"{limits.MAX_COUNT:,}"]),
    ("9" * 200, ["--range", "digits"]),
    ("1::1", ["--range"]),
    ("", ["--range", "got nothing"]),
    ("1:2:3:4", ["--range", "START:STOP:STEP"]),
    ("nan", ["--range", "not a whole number"]),
])
def test_hostile_ranges_are_one_line_errors(spec, words):
    one_line_error(run(*US_AIM, "--range", spec), *words)


def test_a_huge_cap_with_a_chart_writes_nothing(tmp_path):
    # A 40-digit cap used to reach matplotlib and end in a numpy traceback.
    out = tmp_path / "caps.svg"
    one_line_error(run(*US_AIM, "--range", "9" * 40, "--chart", str(out)), "--range")
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--parties", ""], ["--parties", "at least one party"]),
    (["--parties", ",, ,"], ["--parties", "at least one party"]),
    (["--parties", "us,xx"], ["--parties", "unknown party 'xx'"]),
    (["--parties", "U S"], ["--parties", "unknown party"]),
    (["--at", "garbage"], ["--at", "not an ISO date"]),
    (["--at", "2026-02-30"], ["--at", "not an ISO date"]),
    (["--series", "nope"], ["--series", "unknown series 'nope'"]),
    (["--series", ""], ["--series", "unknown series"]),
    (["--scope", ","], ["--scope", "at least one category"]),
    (["--data", "missing.csv"], ["missing.csv"]),
])
def test_hostile_caps_options_are_one_line_errors(args, words):
    one_line_error(run(*US_AIM, "--range", "1000", *args), *words)


@pytest.mark.parametrize("args, words", [
    (["--cap", "garbage"], ["--cap", "not a whole number"]),
    (["--cap", "-1"], ["--cap", "not a whole number"]),
    (["--cap", "9" * 40], ["--cap", f"{limits.MAX_COUNT:,}"]),
    (["--cap", "1.5e3"], ["--cap"]),
    (["--parties", ""], ["--parties", "at least one party"]),
    (["--parties", "uk"], ["--parties", "unknown party 'uk'"]),
    (["--at", "1999-99-99"], ["--at", "not an ISO date"]),
    (["--at", "2020-01-01"], ["--at", "no per-system holdings on or before 2020-01-01"]),
    (["--bombers", ""], ["--bombers"]),
])
def test_hostile_capacity_options_are_one_line_errors(args, words):
    one_line_error(run("capacity", "--at", TODAY, *args), *words)


def test_parties_in_any_case_and_repeated_are_each_asked_once():
    doc = json.loads(run(*US_AIM, "--range", "1000", "--series", "fas", "--parties", "us,US", "--parties", "Cn",
                         "-f", "json").output)
    assert [h["party"] for h in doc["holdings"]] == ["US", "CN"]
    doc = json.loads(run("capacity", "--at", TODAY, "--parties", "rU,ru", "-f", "json").output)
    assert [p["party"] for p in doc["parties"]] == ["RU"]


def test_caps_before_any_data_is_no_data_for_everyone_exit_0():
    # Asking is not failing: the answer is that nothing is known, said for each holding.
    r = run(*US_AIM[:2], "--at", "1990-01-01", "--range", "1000", "-f", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert {row["status"] for row in doc["rows"]} == {"no_data"}
    assert all(h["value"] is None and "no data on or before 1990-01-01" in h["note"] for h in doc["holdings"])


# -- the three formats say the same thing ------------------------------------------------------------


def test_caps_table_json_and_csv_agree():
    args = (*US_AIM, "--range", "500:4000:500", "--parties", "us,ru,cn,uk")
    doc = json.loads(run(*args, "-f", "json").output)
    rows = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv").output)))
    assert len(rows) == len(doc["rows"]) == len(doc["holdings"]) * len(doc["caps"])
    for c, j in zip(rows, doc["rows"], strict=True):
        p_csv, p_json = c.pop("p_over"), j.pop("p_over")  # CSV writes floats in 6 significant digits
        assert (float(p_csv) if p_csv else None) == (pytest.approx(p_json, abs=1e-6) if p_json is not None else None)
        assert {k: (str(v) if v is not None else "") for k, v in j.items()} == c
    table = run(*args).output
    # FAS (13 January 2025): US "approximately 3,700", read as 3,650–3,750: the table shows the range.
    assert "3,700 (3,650–3,750)" in table
    fas_us = next(h for h in doc["holdings"] if h["party"] == "US" and h["series"].startswith("FAS"))
    assert fas_us["value"] == {"low": 3650, "central": 3700, "high": 3750}


def test_capacity_table_json_and_csv_agree():
    args = ("capacity", "--at", TODAY, "--cap", "2000")
    doc = json.loads(run(*args, "-f", "json").output)
    rows = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv").output)))
    table = run(*args).output
    for p in doc["parties"]:
        total = next(r for r in rows if r["party"] == p["party"] and r["system"] == "all systems")
        assert (int(total["ceiling_low"]), int(total["ceiling_central"]), int(total["ceiling_high"])) == (
            p["level"]["low"], p["level"]["central"], p["level"]["high"])
        assert (int(total["added_central"]), int(total["deployed_central"])) == (
            p["added"]["central"], p["counted_now"]["central"])
        times = {c["cap"]: c["days"] for c in p["caps"]}
        got, want = total["days_to_exceed_2000_central"], times[2000]["central"]
        assert (float(got) if got else None) == (pytest.approx(want, rel=1e-4) if want is not None else None)
    # China: about 30 silos (25–35) × 3 = 75–105 warheads at most, shown as such everywhere.
    cn = next(p for p in doc["parties"] if p["party"] == "CN")
    assert cn["level"] == {"low": 75, "central": 90, "high": 105}
    assert "90 (75–105)" in table and "90 (51–129)" not in table


# -- charts --------------------------------------------------------------------------------------------


def parse_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text
    return root, title.text


def test_caps_chart_is_valid_svg_whose_title_states_the_figures(tmp_path):
    out = tmp_path / "caps.svg"
    r = run(*US_AIM, "--range", "500:4000:250", "--series", "fas", "--chart", str(out))
    assert r.exit_code == 0, r.output
    root, alt = parse_svg(out)
    assert root.get("aria-label")
    assert "US (FAS) holds 3,700 (3,650–3,750)" in alt and "under any cap from 3,750" in alt
    assert "cut 3,200 at 500" in alt  # 3,700 − 500


def test_capacity_chart_is_valid_svg_and_never_shows_more_than_the_launchers(tmp_path):
    out = tmp_path / "capacity.svg"
    assert run("capacity", "--at", TODAY, "--chart", str(out)).exit_code == 0
    _, alt = parse_svg(out)
    assert "CN: 24 now, 90 (75–105) after a full upload" in alt


def test_an_empty_caps_chart_still_says_what_it_is(tmp_path):
    out = tmp_path / "caps.svg"
    assert run(*US_AIM[:2], "--at", "1990-01-01", "--range", "1000", "--chart", str(out)).exit_code == 0
    _, alt = parse_svg(out)
    assert "no holdings with data" in alt


# -- check without --data: every bundled agreement, any date ------------------------------------------

AGREEMENTS = ("freeze-all-warheads", "newstart", "newstart-2021", "newstart-bridge-2026", "ru-2020-freeze",
              "ru-2025-voluntary", "ru-2026-coalition", "ru-counting-2022", "us-2020-freeze", "us-2026-all-warheads")


@pytest.mark.parametrize("agreement", AGREEMENTS)
def test_nothing_binds_today(agreement):
    # 2 December 2026: New START expired on 5 February 2026, Russia's offer was never taken up, the
    # rest are proposals. No finding may say a limit binds; a proposal's say they bind nobody.
    r = run("check", agreement, "--at", TODAY, "-f", "json")
    assert r.exit_code in (0, 1) and "Traceback" not in r.output, r.output
    doc = json.loads(r.output)
    assert doc["standing"]["in_force"] is False or doc["standing"]["state"] == "proposal"
    if doc["standing"]["state"] != "proposal":
        assert {f["status"] for f in doc["findings"]} <= {"not_in_force", "not_binding", "no_data"}
    table = run("check", agreement, "--at", TODAY).output
    assert f"On {TODAY}:" in table
    if doc["standing"]["state"] == "proposal":
        assert "binds nobody" in table


@pytest.mark.parametrize("agreement", AGREEMENTS)
def test_every_agreement_can_be_checked_in_2020(agreement):
    r = run("check", agreement, "--at", "2020-09-01", "-f", "json")
    assert r.exit_code in (0, 1) and "Traceback" not in r.output, r.output
    doc = json.loads(r.output)
    assert doc["standing"]["at"] == "2020-09-01"
    if doc["standing"]["state"] == "never_took_effect":  # ru-2025-voluntary: its condition failed
        assert {f["status"] for f in doc["findings"]} <= {"not_in_force", "no_data"}
