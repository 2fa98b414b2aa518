"""The agreement and compliance commands, through Typer's runner."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_list_json():
    r = run("list", "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["schema"] == "accord.agreements/v1"
    assert {a["id"] for a in data["agreements"]} >= {"newstart", "ru-2025-voluntary"}


def test_show_at_date_says_what_binds():
    r = run("show", "newstart-2021", "--at", "2020-09-01", "--format", "json")
    data = json.loads(r.output)
    assert r.exit_code == 0 and data["schema"] == "accord.agreement/v1" and data["in_force"] is True
    assert all(lim["binds"] for lim in data["limits"])
    r2 = run("show", "newstart-2021", "--at", "2026-02-06", "--format", "json")
    assert json.loads(r2.output)["in_force"] is False


def test_show_accepts_a_file_path(tmp_path):
    p = tmp_path / "tight.yaml"
    p.write_text("id: tight\nextends: newstart-2021\nlegal_form: proposal\nsource: {document: A tighter cap}\n"
                 "limits:\n  - id: deployed_warheads\n    cap: 1000\n    legal_form: proposal\n"
                 "    source: {document: A tighter cap}\n")
    data = json.loads(run("show", str(p), "--format", "json").output)
    assert {lim["id"]: lim["cap"] for lim in data["limits"]}["deployed_warheads"] == "1,000"


def test_diff_names_the_changed_clauses():
    r = run("diff", "newstart-2021", "ru-2025-voluntary", "--format", "json")
    data = json.loads(r.output)
    assert r.exit_code == 0 and data["schema"] == "accord.diff/v1"
    changed = {(d["clause"], d["field"]): (d["a"], d["b"]) for d in data["differences"]}
    assert changed[("agreement", "legal form")] == ("treaty", "proposal")  # an offer, never adopted
    assert changed[("deployed_warheads", "verification")] == ("treaty_regime", "none")
    assert changed[("inspection type_one", "present")] == ("yes", "no")
    assert ("deployed_warheads", "cap") not in changed  # same cap
    assert all(d["changed"] for d in data["differences"])


def test_check_exit_codes_and_contract(tmp_path):
    ok = tmp_path / "ok.csv"
    ok.write_text("party,date,category,value\nUS,2020-09-01,deployed_warheads,1457\n")
    r = run("check", "newstart-2021", "--data", str(ok), "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["schema"] == "accord.report/v1" and data["agreement"] == "newstart-2021"
    f = next(f for f in data["findings"] if f["limit"] == "deployed_warheads")
    assert set(f) >= {"party", "date", "limit", "value", "cap", "headroom", "status", "source", "trace"}
    assert (f["value"], f["cap"], f["headroom"], f["status"]) == (1457, 1550, 93, "within")
    over = tmp_path / "over.csv"
    over.write_text("party,date,category,value\nUS,2020-09-01,deployed_warheads,1600\n")
    assert run("check", "newstart-2021", "--data", str(over)).exit_code == 1
    # over the cap before the limits bind: not a violation
    early = tmp_path / "early.csv"
    early.write_text("party,date,category,value\nUS,2015-09-01,deployed_warheads,1600\n")
    assert run("check", "newstart-2021", "--data", str(early)).exit_code == 0


def test_check_party_and_at(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("party,date,category,value\nUS,2020-09-01,deployed_warheads,1457\nRU,2020-09-01,deployed_warheads,1447\n")
    r = run("check", "newstart-2021", "--data", str(p), "--party", "RU", "--at", "2021-01-01", "--format", "json")
    findings = json.loads(r.output)["findings"]
    assert {f["party"] for f in findings} == {"RU"} and {f["date"] for f in findings} == {"2021-01-01"}
    w = next(f for f in findings if f["limit"] == "deployed_warheads")
    assert w["value"] == 1447 and w["data_as_of"] == "2020-09-01"


@pytest.mark.parametrize(
    "args, expected",
    [
        (["check", "newstart-2021", "--data", "missing.csv"], "cannot read file"),
        (["check", "nope", "--data", "x.csv"], "unknown agreement 'nope'"),
        (["show", "newstart", "--at", "2020-02-30"], "--at: not an ISO date"),
        (["timeline", "newstart", "--party", "CN"], "unknown party 'CN'"),
        (["timeline", "us-2020-freeze", "--cap", "all_warheads_freeze=lots"], "--cap: expected LIMIT=N"),
        (["timeline", "us-2020-freeze", "--cap", "nope=3"], "unknown limit 'nope'"),
        # issue 9: the party of LIMIT:PARTY=N is checked, and the error names the option
        (["timeline", "us-2020-freeze", "--cap", "all_warheads_freeze:XX=3"], "--cap: unknown party 'XX'"),
        (["timeline", "us-2020-freeze", "--cap", "all_warheads_freeze=" + "9" * 5000], "more than 100 digits"),
        (["check", "newstart-2021", "--data", "x" * 300 + ".csv"], "cannot read file: File name too long"),
        (["show", "y" * 300 + ".yaml"], "no agreement file"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, expected):
    r = run(*args)
    assert r.exit_code == 2
    assert expected in r.output and "Traceback" not in r.output
    assert len([ln for ln in r.output.splitlines() if ln.strip()]) == 1


def test_timeline_csv_has_every_bundled_exchange():
    r = run("timeline", "newstart-2021", "--party", "US", "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.output)))
    dates = {row["date"] for row in rows}
    assert "2011-02-05" in dates and "2023-03-01" in dates
    first = next(row for row in rows if row["date"] == "2011-02-05" and row["limit"] == "deployed_warheads")
    assert first["value"] == "1800" and first["status"] == "not_binding"


def test_timeline_freeze_cap_parameter():
    r = run("timeline", "us-2020-freeze", "--party", "RU", "--cap", "all_warheads_freeze=4600", "--format", "json")
    f = [f for f in json.loads(r.output)["findings"]
         if f["limit"] == "all_warheads_freeze" and f["status"] != "not_binding"]
    assert any(x["value"] == 4500 and x["cap"] == 4600 and x["status"] == "within" for x in f)


def test_report_is_self_contained(tmp_path):
    r = run("report", "--out", str(tmp_path / "rep"))
    assert r.exit_code == 0, r.output
    page = (tmp_path / "rep" / "index.html").read_text()
    # Inline SVG charts, each with its alternative text: New START's three limits and the freeze, and the
    # After New START part's holdings, cap levels (two) and upload capacity.
    assert page.count("<svg ") == page.count('role="img"') == 8
    # no external resources: scripts, stylesheets or images loaded over the network
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=['\"]https?:", page)
    for needle in ("us-2020-freeze", "ru-2025-voluntary", "901", "exceeded", "FAS"):
        assert needle in page or needle.lower() in page.lower()
    assert "Report written to" in r.output


def test_report_json_summary(tmp_path):
    r = run("report", "--out", str(tmp_path), "--format", "json")
    data = json.loads(r.output)
    assert data["schema"] == "accord.summary/v1"
    answers = {(row["question"], row["party"]): row["answer"] for row in data["rows"]}
    assert answers[("Russia's 2022 reading of Article II.1(c)", "US")].startswith("901 vs cap 800: exceeds by 101")
    assert answers[("binding limit exceeded in a bundled exchange", "both")] == "none"


def test_report_into_a_file_is_one_line_exit_2(tmp_path):
    (tmp_path / "taken").write_text("x")
    r = run("report", "--out", str(tmp_path / "taken"))
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert r.stderr.strip() == f"error: {tmp_path / 'taken'}: --out: exists and is not a directory"
    assert (tmp_path / "taken").read_text() == "x"
