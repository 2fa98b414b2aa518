"""Holdings files with ranges (an estimator's "1,500 to 1,600"): CSV (long and wide), JSON and
YAML read into Count / ReportedTotal with an Estimate; bad ranges are one-line errors naming
file, line and field. The figures here are made up for the tests (no source is implied)."""

from __future__ import annotations

import json

import pytest

from accord.app.library import load_agreement
from accord.errors import InputError
from accord.forces import Count, ReportedTotal, load_holdings
from accord.forces.estimates import Estimate
from accord.sources import Source

AG = load_agreement("newstart-2021")
DAY = "2020-09-01"


def _load(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return load_holdings(p, AG)


def _only(holdings):
    (snap,) = list(holdings)
    return snap


def _error(tmp_path, name, text) -> InputError:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    err = info.value
    assert err.file == str(p) and "\n" not in err.one_line() and len(err.one_line()) < 300
    return err


# ----------------------------------------------------------------------------- the model


def test_a_count_keeps_its_range_and_its_central_value():
    c = Count.of(Estimate(1500, 1550, 1600), Source("s", reliability="estimate"))
    assert (c.value, c.range, c.estimate_range) == (1550, Estimate(1500, 1550, 1600), Estimate(1500, 1550, 1600))
    exact = Count.of(Estimate.exact(700))
    assert exact.range is None and exact.estimate_range == Estimate(700, 700, 700)
    assert Count(5).estimate_range == Estimate.exact(5)  # existing callers: exact as before


def test_value_must_be_the_central_value_of_its_range():
    # code that reads only `value` must read the central figure, never one end
    with pytest.raises(ValueError, match="central value"):
        Count(1500, range=Estimate(1500, 1550, 1600))
    with pytest.raises(ValueError, match="central value"):
        ReportedTotal(frozenset({"a"}), 1600, "a", range=Estimate(1500, 1550, 1600))


# ----------------------------------------------------------------------------- each format


def test_long_csv_with_low_central_high_columns(tmp_path):
    snap = _only(_load(tmp_path, "h.csv", "party,date,category,low,central,high\n"
                                          f"US,{DAY},deployed_icbms,390,397,405\n"
                                          f"US,{DAY},deployed_slbms,,230,\n"))
    assert snap.counts["deployed_icbms"].range == Estimate(390, 397, 405)
    assert snap.counts["deployed_icbms"].value == 397
    assert snap.counts["deployed_slbms"].range is None and snap.counts["deployed_slbms"].value == 230  # exact


def test_long_csv_with_value_beside_low_and_high(tmp_path):
    snap = _only(_load(tmp_path, "h.csv", "party,date,category,value,low,high,source\n"
                                          f"US,{DAY},deployed_warheads,\"1,457\",\"1,400\",\"1,500\",my estimate\n"))
    (total,) = snap.totals
    assert (total.label, total.value, total.range) == ("deployed_warheads", 1457, Estimate(1400, 1457, 1500))


def test_wide_csv_with_low_and_high_columns(tmp_path):
    snap = _only(_load(tmp_path, "h.csv",
                       "party,date,deployed_icbms,deployed_icbms.low,deployed_icbms.high,deployed_slbms\n"
                       f"US,{DAY},397,390,405,230\n"))
    assert snap.counts["deployed_icbms"].range == Estimate(390, 397, 405)
    assert snap.counts["deployed_slbms"].range is None


def test_wide_csv_blank_range_cells_are_an_exact_figure_or_a_gap(tmp_path):
    h = _load(tmp_path, "h.csv", "party,date,deployed_icbms,deployed_icbms.low,deployed_icbms.high\n"
                                 f"US,{DAY},397,,\nUS,2021-03-01,,,\n")
    first, second = h.for_party("US")
    assert first.counts["deployed_icbms"].range is None and first.counts["deployed_icbms"].value == 397
    assert "deployed_icbms" not in second.counts  # a gap stays missing


def test_json_range_object(tmp_path):
    data = {"party": "RU", "date": DAY, "counts": {"deployed_warheads": {"low": 1400, "central": 1450, "high": 1550},
                                                     "deployed_icbms": 300}}
    snap = _only(_load(tmp_path, "h.json", json.dumps(data)))
    assert snap.totals[0].range == Estimate(1400, 1450, 1550) and snap.totals[0].value == 1450
    assert snap.counts["deployed_icbms"].range is None


def test_yaml_range_flow_and_block(tmp_path):
    snap = _only(_load(tmp_path, "h.yaml", f"party: RU\ndate: {DAY}\ncounts:\n"
                                           "  deployed_icbms: {low: 300, central: 310, high: 320}\n"
                                           "  deployed_slbms:\n    low: 150\n    central: 160\n    high: 170\n"))
    assert snap.counts["deployed_icbms"].range == Estimate(300, 310, 320)
    assert snap.counts["deployed_slbms"].range == Estimate(150, 160, 170)


def test_a_range_of_width_zero_is_an_exact_figure(tmp_path):
    snap = _only(_load(tmp_path, "h.yaml", f"party: RU\ndate: {DAY}\ncounts:\n"
                                           "  deployed_icbms: {low: 300, central: 300, high: 300}\n"))
    assert snap.counts["deployed_icbms"].range is None and snap.counts["deployed_icbms"].value == 300


def test_value_and_central_may_both_be_given_if_they_agree(tmp_path):
    snap = _only(_load(tmp_path, "h.csv", "party,date,category,value,central,low,high\n"
                                          f"US,{DAY},deployed_icbms,\"1,397\",1397,1390,1405\n"))
    assert snap.counts["deployed_icbms"].range == Estimate(1390, 1397, 1405)


def test_files_without_ranges_read_as_before(tmp_path):
    snap = _only(_load(tmp_path, "h.csv", f"party,date,category,value\nUS,{DAY},deployed_icbms,397\n"))
    assert snap.counts["deployed_icbms"] == Count(397, snap.counts["deployed_icbms"].source)


# ----------------------------------------------------------------------------- bad ranges


@pytest.mark.parametrize("text, line, field, problem", [
    # low above high
    (f"party,date,category,low,central,high\nUS,{DAY},deployed_icbms,1,1,1\nUS,{DAY},deployed_slbms,405,397,390\n",
     3, "low", "low end 405 is above high end 390"),
    # central outside its range
    (f"party,date,category,low,central,high\nUS,{DAY},deployed_icbms,390,420,405\n",
     2, "central", "central value 420 is outside its range 390 to 405"),
    (f"party,date,category,value,low,high\nUS,{DAY},deployed_icbms,380,390,405\n",
     2, "value", "central value 380 is outside its range"),
    # not a whole number
    (f"party,date,category,low,central,high\nUS,{DAY},deployed_icbms,390.5,397,405\n", 2, "low", "whole number"),
    (f"party,date,category,low,central,high\nUS,{DAY},deployed_icbms,390,397,many\n", 2, "high", "whole number"),
    # one end without the other, or ends without a central value
    (f"party,date,category,low,central,high\nUS,{DAY},deployed_icbms,390,397,\n", 2, "high", "needs both ends"),
    (f"party,date,category,low,central,high\nUS,{DAY},deployed_icbms,390,,405\n", 2, "central",
     "needs its central value"),
    (f"party,date,category,value,low\nUS,{DAY},deployed_icbms,397,390\n", 1, "low", "needs a 'high' column"),
    (f"party,date,category,value,central\nUS,{DAY},deployed_icbms,397,398\n", 2, "central",
     "give the central value once"),
    (f"party,date,category,value,central\nUS,{DAY},deployed_icbms,397,x\n", 2, "central", "whole number"),
    # over the count limit
    (f"party,date,category,low,central,high\nUS,{DAY},deployed_icbms,390,397,1000001\n", 2, "high",
     "over the limit of 1,000,000"),
    # wide
    (f"party,date,deployed_icbms,deployed_icbms.low,deployed_icbms.high\nUS,{DAY},397,405,390\n", 2,
     "deployed_icbms.low", "low end 405 is above high end 390"),
    (f"party,date,deployed_icbms,deployed_icbms.low\nUS,{DAY},397,390\n", 1, "deployed_icbms.low",
     "needs its other end"),
    (f"party,date,deployed_icbms.low,deployed_icbms.high\nUS,{DAY},390,405\n", 1, "deployed_icbms.low",
     "column of its central value"),
    (f"party,date,deployed_icbms,deployed_icbms.low,deployed_icbms.high\nUS,{DAY},,390,405\n", 2,
     "deployed_icbms", "needs its central value"),
])
def test_bad_csv_ranges(tmp_path, text, line, field, problem):
    err = _error(tmp_path, "h.csv", text)
    assert (err.line, err.field) == (line, field), err.one_line()
    assert problem in err.problem, err.one_line()


def test_bad_json_range_names_the_line(tmp_path):
    text = ('{"snapshots": [\n'
            ' {"party": "US", "date": "2020-09-01", "counts": {"deployed_icbms": 397}},\n'
            ' {"party": "RU", "date": "2020-09-01",\n'
            '  "counts": {"deployed_icbms": 300,\n'
            '             "deployed_slbms": {"central": 160,\n'
            '                                "low": 170, "high": 150}}}]}\n')
    err = _error(tmp_path, "h.json", text)
    assert (err.line, err.field) == (6, "snapshots[1].counts.deployed_slbms.low"), err.one_line()
    assert "low end 170 is above high end 150" in err.problem


@pytest.mark.parametrize("counts, line, field, problem", [
    ("  deployed_slbms:\n    low: 150\n    central: 180\n    high: 170\n", 6, "counts.deployed_slbms.central",
     "central value 180 is outside its range 150 to 170"),
    ("  deployed_slbms:\n    low: 150\n    central: 160\n    high: 140\n", 5, "counts.deployed_slbms.low",
     "low end 150 is above high end 140"),
    ("  deployed_slbms: {low: 150, high: 170}\n", 4, "counts.deployed_slbms.central", "needs low, central and high"),
    ("  deployed_slbms:\n    low: 150\n    central: 160\n    high: 170\n    mode: 155\n", 8,
     "counts.deployed_slbms.mode", "unknown field in a range"),
    ("  deployed_slbms: {low: 150, central: 160.0, high: 170}\n", 4, "counts.deployed_slbms.central",
     "without a decimal point"),
    ("  deployed_slbms: {low: -1, central: 160, high: 170}\n", 4, "counts.deployed_slbms.low", "must not be negative"),
])
def test_bad_yaml_ranges_name_the_line_of_the_end_at_fault(tmp_path, counts, line, field, problem):
    err = _error(tmp_path, "h.yaml", f"party: RU\ndate: {DAY}\ncounts:\n{counts}")
    assert (err.line, err.field) == (line, field), err.one_line()
    assert problem in err.problem, err.one_line()


def test_a_range_on_an_itemized_record_is_an_error(tmp_path):
    # a record is one missile: it carries some number of warheads, not a span of them
    text = (f"party: US\nas_of: {DAY}\nitems:\n"
            "  - {id: m1, type: icbm, status: deployed, warheads: 1}\n"
            "  - id: m2\n    type: icbm\n    status: deployed\n    warheads: {low: 1, central: 2, high: 3}\n")
    err = _error(tmp_path, "h.yaml", text)
    assert (err.line, err.field) == (8, "items[1].warheads"), err.one_line()
    assert "exact, not a range" in err.problem
    items = [{"id": "m1", "type": "icbm", "status": "deployed", "warheads": {"low": 1, "central": 1, "high": 2}}]
    err = _error(tmp_path, "d.json", json.dumps({"party": "US", "as_of": DAY, "items": items}, indent=1))
    assert err.field == "items[0].warheads" and "exact, not a range" in err.problem
    assert err.line == 9  # json.dumps(indent=1) puts the record's "warheads" key on line 9


def test_json_errors_without_ranges_name_their_line_too(tmp_path):
    # json keeps no positions: the line is found from the field path
    text = '[\n {"party": "US", "date": "2020-09-01", "counts": {"deployed_icbms": 3}},\n' \
           ' {"party": "US", "date": "2020-09-01",\n  "counts": {"deployed_slbms": -4}}\n]\n'
    err = _error(tmp_path, "h.json", text)
    assert (err.line, err.field) == (4, "[1].counts.deployed_slbms") and "must not be negative" in err.problem
