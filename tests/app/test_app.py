"""The use cases the CLI (and a later HTTP service) call: results with JSON contracts,
table rows and DataFrames, computed without the CLI."""

from __future__ import annotations

import datetime as _dt
import json

import pytest

from accord.app import agreements, compliance, exchange, report, synth
from accord.app._inputs import parse_caps, parse_date
from accord.app.library import load_agreement
from accord.errors import InputError
from accord.profiles.newstart.synth import synthesize


def test_list_show_and_diff_have_their_contracts_and_frames():
    listed = agreements.list_agreements()
    assert listed.to_json()["schema"] == "accord.agreements/v1"
    assert "newstart-2021" in set(listed.to_frame()["id"])
    shown = agreements.show("newstart-2021", _dt.date(2020, 9, 1))
    assert shown.to_json()["in_force"] is True and len(shown.to_frame()) == len(shown.agreement.limits)
    d = agreements.compare("newstart-2021", "ru-2025-voluntary")
    assert d.to_json()["schema"] == "accord.diff/v1" and all(x.changed for x in d.differences)
    assert list(d.to_frame().columns) == ["section", "clause", "field", "a", "b"]


def test_timeline_is_the_public_record_with_a_frame_row_per_finding():
    result = compliance.timeline("newstart-2021", party="US")
    doc = result.to_json()
    assert doc["schema"] == "accord.report/v1"
    assert len(result.to_frame()) == len(doc["findings"]) == len(result.rows())
    assert not result.exceeded and result.footer().startswith(f"{len(doc['findings'])} findings")


def test_check_labels_a_users_figures_as_user_data(tmp_path):
    data = tmp_path / "h.csv"
    data.write_text("party,date,category,value,source\nUS,2020-09-01,deployed_warheads,1600,State fact sheet\n")
    result = compliance.check("newstart-2021", data)
    f = result.report.where(limit="deployed_warheads")[0]
    assert result.exceeded and f.status == "exceeds"
    assert {p["source"]["reliability"] for p in f.trace["parts"]} == {"user"}


def test_unknown_limits_parties_and_bad_spellings_are_input_errors():
    with pytest.raises(InputError, match="unknown limit 'nope'"):
        compliance.timeline("us-2020-freeze", caps={"nope": 3})
    with pytest.raises(InputError, match="unknown party 'CN'"):
        compliance.timeline("newstart", party="CN")
    with pytest.raises(InputError, match="--cap: expected LIMIT=N"):
        parse_caps(["x=lots"])
    with pytest.raises(InputError, match="--at: not an ISO date"):
        parse_date("2020-02-30", "--at")
    assert parse_caps(["a=1", "b:RU=2"]) == {"a": 1, "b": {"RU": 2}}


def test_report_without_charts_has_the_profiles_sections_and_summary(tmp_path):
    built = report.build_report(_dt.date(2026, 3, 1), charts=False)
    titles = [s.title for s in built.content.sections]
    proposals = titles.index("The proposals side by side")
    assert "Russia's 2022 reading" in titles[proposals + 2]
    answers = {(r["question"], r["party"]): r["answer"] for r in built.summary_rows()}
    assert answers[("in force on 2026-03-01", "all")].startswith("nothing")  # New START expired on 5 Feb 2026
    written = report.ReportSummary(report.write_report(built, tmp_path), tuple(built.summary_rows()))
    assert written.to_json()["schema"] == "accord.summary/v1" and written.path.name == "index.html"
    assert len(written.to_frame()) == len(built.summary_rows())


def test_synth_replay_and_reconcile_through_the_app(tmp_path):
    made = synth.synth("US", _dt.date(2020, 9, 1), tmp_path, months=2, seed=3)
    doc = made.to_json()
    assert doc["schema"] == "accord.synth/v1" and doc["synthetic"] is True
    assert all(r["published"] == r["declaration"] for r in doc["limits"])
    decl, notes, nxt = (made.files[n] for n in synth.FILES)
    replayed = exchange.replay_files(decl, notes, _dt.date(2020, 10, 1))
    assert replayed.to_json()["schema"] == "accord.replay/v1" and not replayed.findings
    assert set(replayed.to_frame()["category"]) == set(replayed.counts)
    rec = exchange.reconcile_files(decl, notes, nxt)
    assert rec.to_json()["findings"] == [] and rec.footer().startswith("No findings")
    # A synthetic declaration checked as holdings is labelled synthetic, never official.
    checked = compliance.check("newstart-2021", decl)
    assert all(f.trace.get("data", {}).get("synthetic") for f in checked.report.findings)


def test_a_declaration_outside_the_vocabulary_is_an_input_error_naming_the_field(tmp_path):
    made = synth.synth("US", _dt.date(2020, 9, 1), tmp_path, months=1, seed=1)
    path = made.files["declaration.json"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["items"][2]["type"] = "cruise_missile"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"items\[2\]\.type: unknown item type 'cruise_missile' \(allowed: icbm"):
        exchange.read_declaration(path)


def test_ledger_replay_resolves_each_declarations_agreement():
    r = synthesize(load_agreement("newstart-2021"), "US", _dt.date(2020, 9, 1), months=1, seed=2)
    entries = [{"kind": "declaration", "payload": r.declaration.to_json()},
               *({"kind": "notification", "payload": n.to_json()} for n in r.notifications),
               {"kind": "declaration", "payload": r.next_declaration.to_json()}]
    assert exchange.replay_ledger(entries) == []
