"""Issue 9 for the exchange files: bounded inputs, one line for every error, and a reconcile
that says what it replayed."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from accord import limits
from accord.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "us"
    r = run("synth", "--party", "US", "--as-of", "2020-09-01", "--months", "2", "--seed", "3", "--out", out)
    assert r.exit_code == 0, r.output
    return out / "declaration.json", out / "notifications.jsonl", out / "next-declaration.json"


def one_line(r, *words):
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert r.exception is None or isinstance(r.exception, SystemExit)
    for w in words:
        assert w in err, err
    return err


# ----------------------------------------------------------------------------- reconcile, same date


def test_reconcile_of_two_declarations_of_one_date_says_nothing_was_applied(files):
    # it said "No findings: the notifications account for every change" having applied none
    decl, notes, _ = files
    n = sum(1 for line in notes.read_text().splitlines() if line.strip())
    r = run("exchange", "reconcile", decl, notes, decl, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["findings"] == [] and doc["notifications"] == n
    assert doc["notifications_applied"] == 0 and doc["notifications_after_period"] == n
    table = run("exchange", "reconcile", decl, notes, decl)
    text = " ".join(table.stdout.split())
    assert "(0 applied)" in text and "no notification was applied" in text and "account for every change" not in text


def test_reconcile_over_a_period_counts_what_it_applied(files):
    decl, notes, nxt = files
    doc = json.loads(run("exchange", "reconcile", decl, notes, nxt, "--format", "json").stdout)
    assert doc["notifications_applied"] > 0 and doc["notifications_after_period"] == 0
    table = " ".join(run("exchange", "reconcile", decl, notes, nxt).stdout.split())
    assert f"({doc['notifications_applied']} applied)" in table


# ----------------------------------------------------------------------------- bad bytes and paths


def test_non_utf8_notifications_name_the_line(files, tmp_path):
    # the text-mode reader decoded in 8 KiB chunks: the error named no line (or a wrong one)
    decl, notes, _ = files
    lines = notes.read_bytes().splitlines(keepends=True)
    bad = tmp_path / "n.jsonl"
    bad.write_bytes(b"".join(lines[:150]) + lines[150].replace(b'"US"', b'"U\xff"') + b"".join(lines[151:]))
    one_line(run("exchange", "replay", decl, bad, "--at", "2020-10-01"), f"{bad}:151:", "not UTF-8")


def test_non_utf8_declaration_names_the_line(files, tmp_path):
    decl, notes, _ = files
    bad = tmp_path / "d.json"
    bad.write_bytes(decl.read_bytes().replace(b'"party": "US"', b'"party": "\xc3("'))
    one_line(run("exchange", "replay", bad, notes, "--at", "2020-10-01"), f"{bad}:4:", "not UTF-8")


@pytest.mark.parametrize("which", [0, 1, 2])
def test_unreadable_paths_are_one_line(files, tmp_path, which):
    for bad in (tmp_path, tmp_path / ("x" * 300 + ".json"), tmp_path / "missing.json"):
        args = [*files]
        args[which] = bad
        one_line(run("exchange", "reconcile", *args), "cannot read file: ")


# ----------------------------------------------------------------------------- limits


def test_declaration_over_the_size_limit(files, monkeypatch):
    decl, notes, _ = files
    monkeypatch.setattr(limits, "MAX_DECLARATION_BYTES", 1000)
    one_line(run("exchange", "replay", decl, notes, "--at", "2020-10-01"), str(decl),
             "over the limit of 1,000 bytes", "ACCORD_MAX_DECLARATION_BYTES")


def test_notifications_over_the_size_limit(files, monkeypatch, tmp_path):
    decl, notes, _ = files
    monkeypatch.setattr(limits, "MAX_NOTIFICATIONS_BYTES", 1000)
    one_line(run("exchange", "replay", decl, notes, "--at", "2020-10-01"), str(notes), "ACCORD_MAX_NOTIFICATIONS_BYTES")
    out = tmp_path / "out.json"
    one_line(run("exchange", "replay", decl, notes, "--at", "2020-10-01", "--out", out))
    assert not out.exists()


def test_a_deep_extra_field_is_refused(files, tmp_path):
    # extra top-level keys are kept (and written by --out, logged in a ledger): 70 levels parsed fine
    decl, notes, _ = files
    doc = json.loads(decl.read_text())
    doc["extra"] = json.loads("[" * 70 + "]" * 70)
    bad = tmp_path / "d.json"
    bad.write_text(json.dumps(doc))
    one_line(run("exchange", "replay", bad, notes, "--at", "2020-10-01"), "nested too deeply (more than 64 levels")


def test_a_deep_notification_line_is_refused(files, tmp_path):
    decl, notes, _ = files
    line = json.loads(notes.read_text().splitlines()[0])
    line["note"] = json.loads("[" * 70 + "]" * 70)
    bad = tmp_path / "n.jsonl"
    bad.write_text(notes.read_text() + json.dumps(line) + "\n")
    n = len(notes.read_text().splitlines()) + 1
    one_line(run("exchange", "replay", decl, bad, "--at", "2020-10-01"), f"{bad}:{n}:", "nested too deeply")


def test_an_integer_over_the_digit_limit_names_its_line(files, tmp_path):
    decl, notes, _ = files
    bad = tmp_path / "d.json"
    bad.write_text(decl.read_text().replace('"warheads": 0', '"warheads": ' + "1" * 101, 1))
    line = bad.read_text().split("1" * 101)[0].count("\n") + 1
    one_line(run("exchange", "replay", bad, notes, "--at", "2020-10-01"), f"{bad}:{line}:", "more than 100 digits")


@pytest.mark.parametrize("warheads, ok", [(1_000_000, True), (1_000_001, False)])
def test_warheads_beyond_physical_meaning(files, tmp_path, warheads, ok):
    # up to 2**31 - 1 warheads on one missile were accepted
    decl, notes, _ = files
    doc = json.loads(decl.read_text())
    doc["items"][0]["warheads"] = warheads
    bad = tmp_path / "d.json"
    bad.write_text(json.dumps(doc))
    r = run("exchange", "replay", bad, notes, "--at", "2020-10-01")
    if ok:
        assert r.exit_code == 0, r.output
    else:
        one_line(r, "items[0].warheads", "from 0 to 1,000,000")
        one_line(run("check", "newstart-2021", "--data", bad), "items[0].warheads", "at most 1,000,000")


def test_long_values_are_cut_in_errors(files, tmp_path):
    decl, notes, _ = files
    doc = json.loads(decl.read_text())
    doc["items"][0]["type"] = "x" * 10_000
    bad = tmp_path / "d.json"
    bad.write_text(json.dumps(doc))
    assert len(one_line(run("exchange", "replay", bad, notes, "--at", "2020-10-01"), "items[0].type")) < 400
