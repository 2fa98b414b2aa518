"""`accord --version`, party codes in any case, and `accord check` on the bundled record (no --data)."""

from __future__ import annotations

import importlib.metadata
import json

import pytest
from typer.testing import CliRunner

from accord.app import compliance
from accord.app.scenario import scenario_context
from accord.cli import app
from accord.errors import InputError

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def findings(*args: str) -> list[dict]:
    r = run(*args, "--format", "json")
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.output)["findings"]


# -- --version ---------------------------------------------------------------------------------


def test_version_is_the_installed_package_version():
    r = run("--version")
    assert r.exit_code == 0
    assert r.output.strip() == f"accord {importlib.metadata.version('accord')}"


def test_version_runs_no_command_and_help_lists_it():
    assert "--version" in run("--help").output
    assert run("--version", "list").output.startswith("accord ")  # eager: prints and stops


# -- party codes, any case -----------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["ru", "Ru", "rU", " RU "])
def test_party_option_is_case_insensitive(spelling):
    lower = findings("timeline", "newstart-2021", "--party", spelling)
    upper = findings("timeline", "newstart-2021", "--party", "RU")
    assert lower == upper and {f["party"] for f in lower} == {"RU"}


def test_cap_party_is_case_insensitive():
    # The RU freeze cap set through "ru" is RU's cap (4,600 is the user's parameter, not a published figure).
    got = findings("timeline", "us-2020-freeze", "--party", "ru", "--cap", "all_warheads_freeze:ru=4600")
    freeze = [f for f in got if f["limit"] == "all_warheads_freeze" and f["status"] != "not_binding"]
    assert freeze and all(f["cap"] == 4600 and f["party"] == "RU" for f in freeze)


ALLIED = """\
id: allied
title: A coalition limit
parties: [US, RU, UK, FR]
legal_form: proposal
sources:
  doc: {document: A coalition test}
source: doc
dates:
  entry_into_force: {date: 2020-01-01, source: doc}
categories:
  - {id: warheads, title: Warheads, unit: warheads, source: doc}
limits:
  - id: allied_warheads
    title: Allied warheads
    kind: coalition
    parties: [US, UK, FR]
    categories: [warheads]
    cap: {value: 2000, parameter: true}
    source: doc
regime:
  verification: none
"""


def test_coalition_cap_is_set_by_its_label_in_any_case(tmp_path):
    p = tmp_path / "allied.yaml"
    p.write_text(ALLIED)
    data = tmp_path / "h.csv"
    data.write_text("party,date,category,value\nUS,2020-09-01,warheads,1457\n"
                    "UK,2020-09-01,warheads,120\nFR,2020-09-01,warheads,280\n")
    r = run("check", str(p), "--data", str(data), "--cap", "allied_warheads:us+uk+fr=1800", "--format", "json")
    got = [f for f in json.loads(r.output)["findings"] if f["limit"] == "allied_warheads"]
    # 1,457 + 120 + 280 = 1,857 > 1,800: the coalition's cap was set through the lower-case label.
    assert [(f["party"], f["value"], f["cap"], f["status"]) for f in got] == [("US+UK+FR", 1857, 1800, "exceeds")]
    assert r.exit_code == 1
    r = run("check", str(p), "--data", str(data), "--cap", "allied_warheads:us=1800")
    assert r.exit_code == 2 and "unknown party 'us' (allied_warheads caps: US+UK+FR)" in r.output


def test_unknown_party_is_one_line_listing_the_known_ones():
    r = run("check", "newstart-2021", "--party", "cn")
    assert r.exit_code == 2
    assert r.output.strip() == "error: --party: unknown party 'cn' (parties of newstart-2021: US, RU)"


def test_python_api_entry_points_take_any_case():
    assert compliance.timeline("newstart-2021", party="us").report == compliance.timeline(
        "newstart-2021", party="US").report
    assert compliance.check("newstart-2021", party="ru", at=None).report.where(party="RU")
    assert scenario_context("newstart-2021", "ru").party == "RU"
    with pytest.raises(InputError, match=r"unknown party 'xx' \(parties of newstart-2021: US, RU\)"):
        compliance.check("newstart-2021", party="xx")


def test_scenario_party_is_case_insensitive():
    a = run("detect", "scenario", "upload", "--warheads", "10", "--party", "us", "--format", "json")
    b = run("detect", "scenario", "upload", "--warheads", "10", "--party", "US", "--format", "json")
    assert a.exit_code == 0 and json.loads(a.output) == json.loads(b.output)


def test_synth_party_is_case_insensitive(tmp_path):
    r = run("synth", "--party", "us", "--as-of", "2020-09-01", "--out", str(tmp_path / "s"), "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["party"] == "US"


# -- check without --data: the bundled record ----------------------------------------------------


def test_check_without_data_reads_the_bundled_exchange():
    # Russia's aggregate of 1 September 2020, US Department of State fact sheet of 1 December 2020:
    # 510 deployed ICBMs, SLBMs and heavy bombers; 1,447 warheads; 764 launchers.
    got = findings("check", "newstart-2021", "--at", "2020-09-01", "--party", "RU")
    assert {f["limit"]: (f["value"], f["cap"], f["status"]) for f in got} == {
        "deployed_delivery_vehicles": (510, 700, "within"),
        "deployed_warheads": (1447, 1550, "within"),
        "deployed_and_nondeployed_launchers": (764, 800, "within"),
    }
    assert {f["data_as_of"] for f in got} == {"2020-09-01"}


def test_check_without_data_takes_the_latest_data_on_the_date():
    # 2021-01-01 lies between exchanges: the figures are those of 2020-09-01.
    got = findings("check", "newstart-2021", "--at", "2021-01-01", "--party", "RU")
    assert {f["date"] for f in got} == {"2021-01-01"} and {f["data_as_of"] for f in got} == {"2020-09-01"}


def test_check_without_data_exits_1_when_the_record_exceeds_a_binding_limit():
    # Russia's 2022 reading counts the converted US launchers: 800 + 56 + 41 + 4 = 901 > 800.
    r = run("check", "ru-counting-2022", "--at", "2022-03-01", "--party", "US", "--format", "json")
    assert r.exit_code == 1
    f = next(f for f in json.loads(r.output)["findings"] if f["limit"] == "deployed_and_nondeployed_launchers")
    assert (f["value"], f["cap"], f["status"]) == (901, 800, "exceeds")


def test_check_without_data_or_date_is_every_bundled_date():
    """Documented: without --at, check evaluates every date of the data, as with --data; on the
    bundled record that is the timeline's findings (and exit 1 if any binding limit is exceeded)."""
    checked = findings("check", "newstart-2021", "--party", "US")
    assert checked == findings("timeline", "newstart-2021", "--party", "US")
    assert {"2011-02-05", "2020-09-01"} <= {f["date"] for f in checked}


def test_check_after_expiry_binds_nothing():
    got = findings("check", "newstart-2021", "--at", "2026-03-01")
    assert got and {f["status"] for f in got} == {"not_in_force"}


def test_series_needs_a_bundled_record_with_series(tmp_path):
    data = tmp_path / "h.csv"
    data.write_text("party,date,category,value\nUS,2020-09-01,deployed_warheads,1457\n")
    r = run("check", "newstart-2021", "--data", str(data), "--series", "fas")
    assert r.exit_code == 2 and r.output.startswith("error: --series:")
    r = run("check", "newstart-2021", "--series", "fas")
    assert r.exit_code == 2 and "has no estimate series" in r.output


def test_check_without_data_evaluates_each_estimators_series():
    # The after-2026 record is two estimators' series, never merged: each finding names its series.
    got = findings("check", "us-2026-all-warheads", "--at", "2026-03-01", "--party", "cn",
                   "--cap", "all_warheads=550")
    by_series = {f["series"]: f for f in got if f["limit"] == "all_warheads"}
    assert set(by_series) == {"FAS Nuclear Notebook", "SIPRI Yearbook"}
    # FAS (12 March 2025): China about 600 warheads, read as 550–650: at a cap of 550 that is
    # uncertain, never a bare "exceeds by 50" from the central value.
    fas = by_series["FAS Nuclear Notebook"]
    assert (fas["value"], fas["low"], fas["high"], fas["status"]) == (600, 550, 650, "uncertain")
    only = findings("check", "us-2026-all-warheads", "--at", "2026-03-01", "--series", "sipri")
    assert {f["series"] for f in only} == {"SIPRI Yearbook"}


def test_check_with_series_lists_them_in_the_table():
    # A set cap: the default (each party's own level on 5 February 2026) is read from the very data
    # checked, which the engine compares as one exact figure; a number keeps the estimates' ranges.
    r = run("check", "us-2026-all-warheads", "--at", "2026-03-01", "--cap", "all_warheads=3000", "--format", "csv")
    header = r.output.splitlines()[0].split(",")
    assert header[0] == "series" and {"low", "high", "p_exceeds"} <= set(header)
