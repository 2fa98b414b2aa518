"""accord synth, accord exchange replay|reconcile, and accord check on a synthetic declaration."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def us2020(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "us"
    r = run("synth", "--party", "US", "--as-of", "2020-09-01", "--months", "6", "--seed", "4", "--out", out,
            "--format", "json")
    assert r.exit_code == 0, r.output
    return out, json.loads(r.stdout)


def test_synth_writes_three_synthetic_files(us2020):
    out, summary = us2020
    assert summary["schema"] == "accord.synth/v1" and summary["synthetic"] is True
    assert sorted(p.name for p in out.iterdir()) == ["declaration.json", "next-declaration.json",
                                                     "notifications.jsonl"]
    for lim in summary["limits"]:
        assert lim["declaration"] == lim["published"]
    assert json.loads((out / "next-declaration.json").read_text())["as_of"] == "2021-03-01"


@pytest.mark.parametrize("party,as_of,expected", [
    ("US", "2020-09-01", {"deployed_delivery_vehicles": 675, "deployed_warheads": 1457,
                          "deployed_and_nondeployed_launchers": 800}),
    ("RU", "2021-03-01", {"deployed_delivery_vehicles": 517, "deployed_warheads": 1456,
                          "deployed_and_nondeployed_launchers": 767}),
])
def test_check_on_a_synthetic_declaration_reproduces_the_published_aggregates(tmp_path, party, as_of, expected):
    r = run("synth", "--party", party, "--as-of", as_of, "--seed", "1", "--out", tmp_path, "--format", "json")
    assert r.exit_code == 0, r.output
    c = run("check", "newstart-2021", "--data", tmp_path / "declaration.json", "--format", "json")
    assert c.exit_code == 0, c.output
    values = {f["limit"]: f["value"] for f in json.loads(c.stdout)["findings"]
              if f["party"] == party and f["date"] == as_of}
    assert values == expected


def test_reconcile_of_consistent_data_is_empty_and_exits_0(us2020):
    out, _ = us2020
    r = run("exchange", "reconcile", out / "declaration.json", out / "notifications.jsonl",
            out / "next-declaration.json", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["schema"] == "accord.reconcile/v1" and doc["findings"] == []


def test_reconcile_with_findings_exits_1_and_names_them(us2020, tmp_path):
    out, _ = us2020
    lines = (out / "notifications.jsonl").read_text().splitlines()
    dropped = next(json.loads(x) for x in reversed(lines) if json.loads(x)["kind"] == "new_item")
    kept = [x for x in lines if json.loads(x)["id"] != dropped["id"]]
    (tmp_path / "n.jsonl").write_text("\n".join(kept) + "\n")
    r = run("exchange", "reconcile", out / "declaration.json", tmp_path / "n.jsonl",
            out / "next-declaration.json", "--format", "json")
    assert r.exit_code == 1
    findings = json.loads(r.stdout)["findings"]
    assert [(f["kind"], f["items"]) for f in findings] == [("unnotified_item", [dropped["item"]])]
    c = run("exchange", "reconcile", out / "declaration.json", tmp_path / "n.jsonl",
            out / "next-declaration.json", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    assert c.exit_code == 1 and rows[0]["kind"] == "unnotified_item" and rows[0]["items"] == dropped["item"]


def test_replay_at_a_date_counts_under_the_rules(us2020, tmp_path):
    out, _ = us2020
    r = run("exchange", "replay", out / "declaration.json", out / "notifications.jsonl", "--at", "2021-03-01",
            "--out", tmp_path / "state.json", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    nxt = json.loads((out / "next-declaration.json").read_text())
    assert doc["schema"] == "accord.replay/v1" and doc["as_of"] == "2021-03-01"
    deployed = sum(1 for i in nxt["items"] if i["type"] == "icbm" and i["status"] == "deployed")
    assert doc["counts"]["deployed_icbms"] == deployed
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["schema"] == "accord.declaration/v1" and len(state["items"]) == len(nxt["items"])


def one_line_error(r, *words):
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert "\n" not in err and "Traceback" not in r.output
    for w in words:
        assert w in err, err


def test_a_malformed_notification_line_is_one_line_exit_2(us2020, tmp_path):
    out, _ = us2020
    lines = (out / "notifications.jsonl").read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:6], '{"id": "x", "kind": "movement", "party": "US",', *lines[6:]]) + "\n")
    r = run("exchange", "reconcile", out / "declaration.json", bad, out / "next-declaration.json")
    one_line_error(r, f"{bad}:7:", "not valid JSON")
    wrong = json.loads(lines[2])
    wrong["status"] = "parked"
    bad.write_text("\n".join([*lines[:2], json.dumps(wrong), *lines[3:]]) + "\n")
    r = run("exchange", "replay", out / "declaration.json", bad, "--at", "2020-12-01")
    one_line_error(r, f"{bad}:3:", "status", "parked")


def test_a_malformed_declaration_is_one_line_exit_2(us2020, tmp_path):
    out, _ = us2020
    doc = json.loads((out / "declaration.json").read_text())
    doc["items"][3]["type"] = "cruise_missile"
    bad = tmp_path / "d.json"
    bad.write_text(json.dumps(doc))
    r = run("exchange", "reconcile", bad, out / "notifications.jsonl", out / "next-declaration.json")
    one_line_error(r, str(bad), "items[3].type", "cruise_missile")


def test_synth_refuses_a_date_without_published_totals_and_writes_nothing(tmp_path):
    r = run("synth", "--party", "US", "--as-of", "2016-03-01", "--out", tmp_path / "x")
    one_line_error(r, "--as-of", "no published total", "2016-09-01")
    assert not (tmp_path / "x").exists()


def test_a_byte_order_mark_is_read_as_check_reads_it(us2020, tmp_path):
    # Windows editors write UTF-8 with a byte-order mark; check --data accepts one, so must the exchange.
    out, _ = us2020
    for name in ("declaration.json", "notifications.jsonl", "next-declaration.json"):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + (out / name).read_bytes())
    r = run("check", "newstart-2021", "--data", tmp_path / "declaration.json", "--format", "json")
    assert r.exit_code == 0, r.output
    r = run("exchange", "reconcile", *(tmp_path / n for n in ("declaration.json", "notifications.jsonl",
                                                              "next-declaration.json")))
    assert r.exit_code == 0, r.output
    r = run("exchange", "replay", tmp_path / "declaration.json", tmp_path / "notifications.jsonl",
            "--at", "2020-12-01", "--format", "json")
    assert r.exit_code == 0, r.output


def test_replay_out_into_an_unwritable_place_names_that_place(us2020, tmp_path):
    out, _ = us2020
    (tmp_path / "file").write_text("x")
    for target in (tmp_path / "file" / "state.json", tmp_path):
        r = run("exchange", "replay", out / "declaration.json", out / "notifications.jsonl", "--at", "2020-12-01",
                "--out", target)
        one_line_error(r, f"{target}:", "cannot write")
        assert ".tmp" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_synth_refuses_a_negative_seed_in_one_line_and_writes_nothing(tmp_path):
    r = run("synth", "--party", "US", "--as-of", "2020-09-01", "--seed", "-1", "--out", tmp_path / "x")
    one_line_error(r, "--seed", "-1")
    assert not (tmp_path / "x").exists()


def test_an_absurd_warhead_count_is_one_line_not_an_overflow(us2020, tmp_path):
    out, _ = us2020
    doc = json.loads((out / "declaration.json").read_text())
    doc["items"][0]["warheads"] = 10**30
    bad = tmp_path / "d.json"
    bad.write_text(json.dumps(doc))
    one_line_error(run("check", "newstart-2021", "--data", bad), str(bad), "items[0].warheads", "at most")
    one_line_error(run("exchange", "replay", bad, out / "notifications.jsonl", "--at", "2020-12-01"),
                   str(bad), "items[0].warheads", "from 0 to")
    note = json.loads((out / "notifications.jsonl").read_text().splitlines()[0])
    note.update(kind="warhead_update", warheads=2**63)
    (tmp_path / "n.jsonl").write_text(json.dumps(note) + "\n")
    one_line_error(run("exchange", "replay", out / "declaration.json", tmp_path / "n.jsonl", "--at", "2020-12-01"),
                   f"{tmp_path / 'n.jsonl'}:1:", "warheads")


@pytest.mark.parametrize("text, problem", [("[" * 100_000 + "]" * 100_000, "nested too deeply"),
                                           ('{"warheads": ' + "9" * 5000 + "}", "more than 100 digits")])
def test_json_too_deep_or_with_too_long_a_number_is_one_line(us2020, tmp_path, text, problem):
    out, _ = us2020
    (tmp_path / "d.json").write_text(text)
    (tmp_path / "n.jsonl").write_text(text + "\n")
    r = run("exchange", "replay", tmp_path / "d.json", out / "notifications.jsonl", "--at", "2020-12-01")
    one_line_error(r, f"{tmp_path / 'd.json'}:", problem)
    r = run("exchange", "replay", out / "declaration.json", tmp_path / "n.jsonl", "--at", "2020-12-01")
    one_line_error(r, f"{tmp_path / 'n.jsonl'}:1:", problem)
