"""A user's own agreement that no treaty profile serves: its own vocabulary, three parties, a
coalition limit and its own notification kinds. Every command works under its words or says in
one line why it cannot; none falls back on New START's."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()

VOCABULARY = """\
id: fleet
title: A fleet's words
source: {document: "The pact text", reliability: user}
item_types:
  - {id: missile, title: Missile}
  - {id: aircraft, title: Aircraft, aliases: [plane]}
statuses:
  - {id: active, title: Active}
  - {id: stored, title: Stored, aliases: [in-store]}
  - {id: retired, title: Retired}
units: [items, warheads]
counting_modes:
  - {id: items, method: records}
  - {id: loaded, method: sum, attribute: warheads}
  - {id: each, method: fixed, per_record: 1}
"""

PACT = """\
id: pact
title: A user's pact among three parties
parties: [AA, BB, CC]
legal_form: treaty
source: {document: "The pact text", url: "https://example.org/pact", reliability: user}
dates:
  signed: {date: 2030-01-01, source: {document: pact, reliability: user}}
  entry_into_force: {date: 2030-06-01, source: {document: pact, reliability: user}}
  duration_years: {value: 10, source: {document: pact, reliability: user}}
vocabulary: words/fleet.yaml
categories:
  - {id: active_missiles, title: Active missiles, unit: items, source: {document: pact, reliability: user}}
  - {id: active_aircraft, title: Active aircraft, unit: items, source: {document: pact, reliability: user}}
  - {id: missile_warheads, title: Warheads on active missiles, unit: warheads,
     source: {document: pact, reliability: user}}
  - {id: aircraft_warheads, title: Warheads for active aircraft, unit: warheads,
     source: {document: pact, reliability: user}}
counting:
  - {category: active_missiles, items: {type: missile, status: active},
     source: {document: pact, reliability: user}}
  - {category: active_aircraft, items: {type: aircraft, status: active},
     source: {document: pact, reliability: user}}
  - {category: missile_warheads, items: {type: missile, status: active}, count: loaded,
     source: {document: pact, reliability: user}}
  - {category: aircraft_warheads, items: {type: aircraft, status: active}, count: each,
     source: {document: pact, reliability: user}}
limits:
  - {id: delivery, title: Delivery vehicles, categories: [active_missiles, active_aircraft], cap: 100,
     source: {document: pact, article: "Art 1", reliability: user}}
  - {id: warheads, title: Warheads, categories: [missile_warheads, aircraft_warheads], cap: 300,
     source: {document: pact, article: "Art 2", reliability: user}}
  - {id: joint, kind: coalition, title: Joint warheads, parties: [AA, BB],
     categories: [missile_warheads, aircraft_warheads], cap: 500,
     source: {document: pact, article: "Art 3", reliability: user}}
regime:
  verification: treaty_regime
  notification_deadline_days: 3
  data_exchanges:
    - {id: annual, title: Annual exchange, as_of: ["01-01"], due_days: 30, source: {document: pact, reliability: user}}
  notifications:
    - {id: launch, title: Launch notice, deadline_days: 1, source: {document: pact, reliability: user}}
"""

HOLDINGS = """\
party,date,category,value
AA,2031-01-01,active_missiles,60
AA,2031-01-01,active_aircraft,50
AA,2031-01-01,missile_warheads,250
AA,2031-01-01,aircraft_warheads,50
BB,2031-01-01,missile_warheads,190
BB,2031-01-01,aircraft_warheads,20
"""


def declaration(as_of: str = "2031-01-01", **extra):
    items = ([{"id": f"m{i}", "type": "missile", "status": "active", "warheads": 3, "facility": "F1"}
              for i in range(40)]
             + [{"id": f"a{i}", "type": "plane", "status": "active", "facility": "F1"} for i in range(5)]
             + [{"id": "s1", "type": "missile", "status": "in-store", "facility": "F1"}])
    return {"schema": "accord.declaration/v1", "agreement": "pact", "party": "AA", "as_of": as_of,
            "facilities": [{"id": "F1", "name": "Base", "type": "base"},
                           {"id": "F2", "name": "Depot", "type": "depot"}],
            "items": items, **extra}


NOTIFICATIONS = [
    {"id": "n1", "kind": "movement", "party": "AA", "item": "m1", "date": "2031-02-01", "sent": "2031-02-02",
     "facility": "F2"},
    {"id": "n2", "kind": "status_change", "party": "AA", "item": "m2", "date": "2031-02-03", "sent": "2031-02-03",
     "status": "stored"},
    {"id": "n3", "kind": "new_item", "party": "AA", "item": "m99", "date": "2031-02-05", "sent": "2031-02-10",
     "type": "missile", "system": "X", "status": "active", "facility": "F1"},
    {"id": "n4", "kind": "elimination", "party": "AA", "item": "m4", "date": "2031-03-05", "sent": "2031-03-06"},
    {"id": "n5", "kind": "conversion", "party": "AA", "item": "a2", "date": "2031-03-05", "sent": "2031-03-06",
     "status": "retired"},
]


@pytest.fixture
def pact(tmp_path):
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "fleet.yaml").write_text(VOCABULARY)
    (tmp_path / "pact.yaml").write_text(PACT)
    (tmp_path / "h.csv").write_text(HOLDINGS)
    (tmp_path / "decl.json").write_text(json.dumps(declaration()))
    (tmp_path / "notes.jsonl").write_text("".join(json.dumps(n) + "\n" for n in NOTIFICATIONS))
    return tmp_path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(r, *words):
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert "\n" not in err and "Traceback" not in r.output, r.output
    for w in words:
        assert w in err, err


def test_show_and_diff_describe_the_users_clauses(pact):
    r = run("show", pact / "pact.yaml", "--at", "2031-01-01", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [(lim["id"], lim["kind"]) for lim in doc["limits"]] == [
        ("delivery", "limit"), ("warheads", "limit"), ("joint", "coalition")]
    assert doc["vocabulary"]["id"] == "fleet"
    r = run("diff", pact / "pact.yaml", "newstart-2021", "--format", "json")
    assert r.exit_code == 0, r.output
    clauses = {d["clause"] for d in json.loads(r.stdout)["differences"]}
    assert {"joint", "deployed_warheads"} <= clauses


def test_check_counts_aggregates_and_itemized_data_under_the_users_words(pact):
    r = run("check", pact / "pact.yaml", "--data", pact / "h.csv", "--format", "json")
    assert r.exit_code == 1, r.output  # AA: 110 delivery vehicles, cap 100
    by = {(f["party"], f["limit"]): f for f in json.loads(r.stdout)["findings"]}
    assert (by["AA", "delivery"]["value"], by["AA", "delivery"]["status"]) == (110, "exceeds")
    assert (by["AA", "warheads"]["value"], by["AA", "warheads"]["status"]) == (300, "within")
    assert (by["AA+BB", "joint"]["value"], by["AA+BB", "joint"]["status"]) == (510, "exceeds")
    assert all(f["data_reliability"] == "user" for f in by.values() if f["value"] is not None)
    r = run("check", pact / "pact.yaml", "--data", pact / "decl.json", "--format", "json")
    assert r.exit_code == 0, r.output
    by = {(f["party"], f["limit"]): f for f in json.loads(r.stdout)["findings"]}
    assert by["AA", "delivery"]["value"] == 45  # "plane" is the alias of aircraft; "in-store" is not active
    assert by["AA", "warheads"]["value"] == 40 * 3 + 5


def test_timeline_without_a_profile_is_one_line(pact):
    one_line_error(run("timeline", pact / "pact.yaml"), "no bundled data for pact", "--data")


def test_replay_and_reconcile_under_the_users_agreement(pact):
    r = run("exchange", "replay", pact / "decl.json", pact / "notes.jsonl", "--at", "2031-04-01",
            "--agreement", pact / "pact.yaml", "--out", pact / "state.json", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["agreement"] == "pact" and doc["notifications_applied"] == 5
    assert doc["counts"] == {"active_missiles": 39, "active_aircraft": 4, "missile_warheads": 114,
                             "aircraft_warheads": 4}
    assert [f["kind"] for f in doc["findings"]] == ["late_notification"]  # n3: 5 days to send, deadline 3
    # The replayed state is a declaration accord reads back: check counts it the same.
    r = run("check", pact / "pact.yaml", "--data", pact / "state.json", "--format", "json")
    assert r.exit_code == 0, r.output
    by = {f["limit"]: f["value"] for f in json.loads(r.stdout)["findings"] if f["party"] == "AA"}
    assert by == {"delivery": 43, "warheads": 118}
    (pact / "none.jsonl").write_text("")
    r = run("exchange", "replay", pact / "state.json", pact / "none.jsonl", "--at", "2031-04-01",
            "--agreement", pact / "pact.yaml", "--format", "json")
    assert r.exit_code == 0, r.output  # the exchange reads it back too (items without a system)
    assert json.loads(r.stdout)["counts"] == doc["counts"]
    (pact / "next.json").write_text(json.dumps(declaration("2032-01-01")))
    r = run("exchange", "reconcile", pact / "decl.json", pact / "notes.jsonl", pact / "next.json",
            "--agreement", pact / "pact.yaml", "--format", "json")
    assert r.exit_code == 1, r.output
    kinds = sorted(f["kind"] for f in json.loads(r.stdout)["findings"])
    assert kinds == ["late_notification", "missing_change", "missing_change", "missing_change", "missing_change",
                     "missing_item", "warhead_mismatch"]


def test_a_conversion_to_a_status_the_vocabulary_lacks_is_one_line(pact):
    # Generic exchange rules convert to "converted"; the pact has no such status, so a conversion
    # must name one: otherwise the replay would write a status the pact's own files may not hold.
    bad = pact / "bad.jsonl"
    note = {**NOTIFICATIONS[4]}
    del note["status"]
    bad.write_text(json.dumps(NOTIFICATIONS[0]) + "\n" + json.dumps(note) + "\n")
    r = run("exchange", "replay", pact / "decl.json", bad, "--at", "2031-04-01", "--agreement", pact / "pact.yaml")
    one_line_error(r, f"{bad}:2:", "status", "converted")


def test_a_declaration_naming_an_unknown_agreement_names_the_file_and_field(pact):
    r = run("exchange", "replay", pact / "decl.json", pact / "notes.jsonl", "--at", "2031-04-01")
    one_line_error(r, f"{pact / 'decl.json'}:", "agreement", "unknown agreement 'pact'")
