"""Hostile and huge holdings files with ranges: what a careless spreadsheet or a malicious file
can put in a CSV, JSON or YAML holdings file must be a one-line error naming file, line and field
(never a traceback, never a silently different number), and a big file must load in time
proportional to its size. The figures are made up for the tests (no source is implied)."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.app.library import load_agreement
from accord.errors import InputError
from accord.forces import Holdings, ReportedTotal, Snapshot, load_holdings
from accord.forces.estimates import Estimate

AG = load_agreement("newstart-2021")
DAY = "2020-09-01"
LONG = "party,date,category,low,central,high\n"


def _load(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_holdings(p, AG)


def _error(tmp_path, name, text) -> InputError:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    err = info.value
    assert err.file == str(p) and "\n" not in err.one_line() and len(err.one_line()) < 300
    return err


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("cell", ["²", "¹²", "١٢٣", "１２", "٣"])
def test_digits_other_than_ascii_are_an_error_not_a_traceback_nor_a_number(tmp_path, cell):
    # str.isdigit() accepts "²" (int() then raises a bare ValueError) and Arabic-Indic digits
    # (int() reads them silently): a count is written with the digits 0-9
    err = _error(tmp_path, "h.csv", LONG + f"US,{DAY},deployed_icbms,1,{cell},300\n")
    assert (err.line, err.field) == (2, "central") and "whole number" in err.problem, err.one_line()
    err = _error(tmp_path, "h.json", json.dumps({"party": "US", "date": DAY,
                                                 "counts": {"deployed_icbms": {"low": 0, "central": cell,
                                                                               "high": 400}}}))
    assert err.field == "counts.deployed_icbms.central" and "whole number" in err.problem, err.one_line()


@pytest.mark.parametrize("cell, problem", [
    ("1e3", "whole number"), ("0x10", "whole number"), ("1.0", "whole number"), ("TRUE", "whole number"),
    ("-1", "must not be negative"), ("nan", "whole number"), ("inf", "whole number"), ("9" * 5000, "100 digits"),
    ("1_000", "whole number"), ("--5", "whole number"), ("+-5", "whole number"), ("-", "whole number"),
])
def test_what_a_spreadsheet_may_write_in_a_range_cell(tmp_path, cell, problem):
    err = _error(tmp_path, "h.csv", LONG + f"US,{DAY},deployed_icbms,{cell},2000,3000\n")
    assert (err.line, err.field) == (2, "low") and problem in err.problem, err.one_line()


# ----------------------------------------------------------------------------- CSV structure


def test_an_error_in_a_record_with_a_multiline_field_names_the_line_the_record_starts_on(tmp_path):
    # a quoted note may hold line breaks; the bad value is on the record's first line, not its last
    text = ("party,date,category,low,central,high,note\n"
            f"US,{DAY},deployed_icbms,390,397,405,\"first line\nsecond line\nthird line\"\n"
            f"US,{DAY},deployed_slbms,230,220,240,\"one\r\ntwo\"\n")
    err = _error(tmp_path, "h.csv", text)
    assert (err.line, err.field) == (5, "central") and "outside its range" in err.problem, err.one_line()
    text = ("party,date,category,value,note\n"
            f"US,{DAY},deployed_icbms,-5,\"a\nb\nc\"\n")
    err = _error(tmp_path, "h.csv", text)
    assert (err.line, err.field) == (2, "value"), err.one_line()


def test_given_twice_names_both_lines_past_a_multiline_field(tmp_path):
    text = ("party,date,category,value,note\n"
            f"US,{DAY},deployed_icbms,5,\"a\nb\"\n"
            f"US,{DAY},deployed_icbms,6,\n")
    err = _error(tmp_path, "h.csv", text)
    assert err.line == 4 and "given twice (first on line 2)" in err.problem, err.one_line()


@pytest.mark.parametrize("header, row, field", [
    # a second `.low` column would silently replace the first one's number
    ("party,date,deployed_icbms,deployed_icbms.low,deployed_icbms.high,deployed_icbms.low", "US,{d},5,4,6,1",
     "deployed_icbms.low"),
    ("party,date,category,value,low,high,low", "US,{d},deployed_icbms,5,4,6,1", "low"),
    ("party,date,category,value,value", "US,{d},deployed_icbms,5,6", "value"),
    ("party,date,party,deployed_icbms", "US,{d},RU,5", "party"),
    (" deployed_icbms ,party,date,deployed_icbms", "5,US,{d},6", "deployed_icbms"),
])
def test_a_column_named_twice_is_an_error_on_the_header(tmp_path, header, row, field):
    err = _error(tmp_path, "h.csv", f"{header}\n{row.format(d=DAY)}\n")
    assert (err.line, err.field) == (1, field) and "twice" in err.problem, err.one_line()


def test_control_characters_in_names_stay_escaped_in_the_one_line_error(tmp_path):
    err = _error(tmp_path, "h.csv", "party,date,deployed_icbms\x1b[2J,deployed_icbms\x1b[2J.low,"
                                    f"deployed_icbms\x1b[2J.high\nUS,{DAY},5,4,6\n")
    assert "\x1b" not in err.one_line() and "\\x1b" in err.one_line()
    err = _error(tmp_path, "h.csv", f"party,date,category,value\nUS,{DAY},deployed\x00icbms,5\n")
    assert "\x00" not in err.one_line() and err.field == "category"


def test_a_byte_order_mark_is_dropped_and_a_range_read(tmp_path):
    p = tmp_path / "h.csv"
    p.write_bytes(b"\xef\xbb\xbf" + (LONG + f"US,{DAY},deployed_icbms,390,397,405\r\n").encode())
    (snap,) = list(load_holdings(p, AG))
    assert snap.counts["deployed_icbms"].range == Estimate(390, 397, 405)


def test_a_range_column_for_an_unknown_name(tmp_path):
    err = _error(tmp_path, "h.csv", f"party,date,deployd_icbms,deployd_icbms.low,deployd_icbms.high\nUS,{DAY},5,4,6\n")
    assert (err.line, err.field) == (2, "deployd_icbms") and "unknown category" in err.problem
    err = _error(tmp_path, "h.csv", f"party,date,deployed_icbms,deployd_icbms.low,deployd_icbms.high\nUS,{DAY},5,4,6\n")
    assert (err.line, err.field) == (1, "deployd_icbms.low") and "central value" in err.problem


# ----------------------------------------------------------------------------- totals: one thing, one figure


def test_a_category_repeated_in_a_sum_is_an_error(tmp_path):
    # "a+a" is not a total over two categories: it would be read as a total over one
    err = _error(tmp_path, "h.csv", f"party,date,deployed_icbms+deployed_icbms\nUS,{DAY},5\n")
    assert (err.line, err.field) == (2, "deployed_icbms+deployed_icbms") and "twice" in err.problem, err.one_line()


def test_the_same_total_spelt_two_ways_is_given_twice(tmp_path):
    # a+b and b+a (or a limit's id and its categories joined by +) are two figures for one thing
    err = _error(tmp_path, "h.csv", "party,date,category,low,central,high\n"
                                    f"US,{DAY},deployed_icbms+deployed_slbms,600,620,640\n"
                                    f"US,{DAY},deployed_slbms+deployed_icbms,500,520,540\n")
    assert err.line == 3 and "given twice (first on line 2, as deployed_icbms+deployed_slbms)" in err.problem
    scope = "+".join(next(lim.categories for lim in AG.limits if lim.id == "deployed_warheads"))
    err = _error(tmp_path, "h.csv", f"party,date,deployed_warheads,{scope}\nUS,{DAY},1500,1400\n")
    assert err.line == 2 and "given twice (first on line 2, as deployed_warheads)" in err.problem, err.one_line()


# ----------------------------------------------------------------------------- JSON


def test_a_json_key_given_twice_is_an_error_naming_the_second(tmp_path):
    # json keeps the last of two equal keys, silently; YAML and CSV refuse two figures for one thing
    text = ('{"party": "US", "date": "2020-09-01", "counts": {\n'
            '  "deployed_icbms": 400,\n'
            '  "deployed_slbms": 200,\n'
            '  "deployed_icbms": 5}}\n')
    err = _error(tmp_path, "h.json", text)
    assert (err.line, err.field) == (4, "counts.deployed_icbms") and "twice" in err.problem, err.one_line()
    text = ('{"snapshots": [{"party": "US", "date": "2020-09-01", "counts": {"deployed_icbms": 3}},\n'
            ' {"party": "US", "date": "2020-09-02",\n'
            '  "counts": {"deployed_slbms": {"low": 1, "central": 2, "high": 3,\n'
            '                                "high": 300}}}]}\n')
    err = _error(tmp_path, "h.json", text)
    assert (err.line, err.field) == (4, "snapshots[1].counts.deployed_slbms.high"), err.one_line()
    err = _error(tmp_path, "h.json", '{"party": "US",\n "party": "RU", "date": "2020-09-01", "counts": {}}')
    assert (err.line, err.field) == (2, "party"), err.one_line()


def test_a_json_key_holding_a_dot_is_found_on_its_own_line(tmp_path):
    # the wide CSV's "name.low" spelling used as a JSON key: the error names the key's line
    text = ('{"party": "US", "date": "2020-09-01", "counts": {\n'
            '  "deployed_icbms": 400,\n'
            '  "deployed_icbms.low": 390}}\n')
    err = _error(tmp_path, "h.json", text)
    assert (err.line, err.field) == (3, "counts.deployed_icbms.low") and "unknown category" in err.problem


def test_a_json_key_with_a_control_character_is_found_on_its_own_line(tmp_path):
    text = ('{"party": "US", "date": "2020-09-01", "counts": {\n'
            '  "deployed_icbms": 400,\n'
            '  "deployed\\u0007slbms": 390}}\n')
    err = _error(tmp_path, "h.json", text)
    assert (err.line, err.field) == (3, "counts.deployed\\x07slbms"), err.one_line()


@pytest.mark.parametrize("value, problem", [
    ("true", "whole number"), ("1e3", "decimal point"), ("1000.0", "decimal point"), ("NaN", "whole number"),
    ("-Infinity", "whole number"), ("-3", "negative"), ("\"1e3\"", "whole number"), ("[1, 2, 3]", "whole number"),
    ("null", "needs low, central and high"), ("1" + "0" * 40, "over the limit"),
])
def test_json_range_ends_that_are_not_counts(tmp_path, value, problem):
    text = ('{"party": "US", "date": "2020-09-01", "counts": {\n'
            '  "deployed_icbms": {"low": 1,\n'
            f'                     "central": 2, "high": {value}}}}}}}\n')
    err = _error(tmp_path, "h.json", text)
    assert (err.line, err.field) == (3, "counts.deployed_icbms.high") and problem in err.problem, err.one_line()


# ----------------------------------------------------------------------------- huge files


def test_many_figures_for_one_party_and_date_load_in_linear_time(tmp_path):
    # one snapshot per CSV line, all for the same (party, date): merged pairwise, each merge
    # copied every total so far (quadratic: ~30 s for these 60,000 lines, well under 1 s now)
    day = dt.date(2020, 9, 1)
    snaps = [Snapshot("US", day, {}, (ReportedTotal(frozenset({f"c{i}"}), i, f"c{i}"),), origin="t")
             for i in range(60_000)]
    started = time.perf_counter()
    (snap,) = list(Holdings(snaps))
    assert time.perf_counter() - started < 5.0
    assert len(snap.totals) == 60_000 and snap.totals[-1].value == 59_999  # in the order given


CATS = ("deployed_icbms", "deployed_slbms", "deployed_heavy_bombers", "deployed_warheads")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 5), where=st.data(), indent=st.sampled_from([None, 0, 1, 3]), wrap=st.booleans(),
       ranged=st.lists(st.booleans(), min_size=len(CATS), max_size=len(CATS)))
def test_a_json_error_names_the_line_its_bad_number_is_on(tmp_path_factory, n, where, indent, wrap, ranged):
    # the same keys in every snapshot, ranges and plain counts mixed, one bad number somewhere
    snaps = [{"party": "US", "date": f"2020-09-{i + 1:02d}",
              "counts": {c: {"low": 1, "central": 2, "high": 3} if r else 7 for c, r in zip(CATS, ranged, strict=True)}}
             for i in range(n)]
    i = where.draw(st.integers(0, n - 1))
    cat = where.draw(st.sampled_from(CATS))
    counts = snaps[i]["counts"]
    if isinstance(counts[cat], dict):
        counts[cat][where.draw(st.sampled_from(["low", "central", "high"]))] = -987654
    else:
        counts[cat] = -987654
    text = json.dumps({"snapshots": snaps} if wrap else snaps, indent=indent)
    p = tmp_path_factory.mktemp("json") / "h.json"
    p.write_text(text)
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    expected = next(k for k, line in enumerate(text.split("\n"), 1) if "-987654" in line)
    assert info.value.line == expected and "must not be negative" in info.value.problem, info.value.one_line()
