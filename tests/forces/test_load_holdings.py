"""Reading holdings files: CSV (long and wide), JSON, YAML, itemized declarations, bad input."""

from __future__ import annotations

import json

import pytest

from accord.app.library import load_agreement
from accord.compliance import evaluate
from accord.errors import InputError
from accord.forces import load_holdings

AG = load_agreement("newstart-2021")


def test_long_csv_with_categories_and_limit_totals(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("party,date,category,value\nUS,2020-09-01,deployed_icbms,397\nUS,2020-09-01,deployed_slbms,230\n"
                 "US,2020-09-01,deployed_heavy_bombers,48\nUS,2020-09-01,deployed_warheads,1457\n")
    r = evaluate(AG, load_holdings(p, AG))
    by = {f.limit: f for f in r.findings}
    assert by["deployed_delivery_vehicles"].value == 675
    assert by["deployed_warheads"].value == 1457
    assert by["deployed_and_nondeployed_launchers"].status == "no_data"


def test_wide_csv_leaves_blank_cells_missing(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("party,date,deployed_delivery_vehicles,deployed_warheads,deployed_and_nondeployed_launchers\n"
                 "RU,2022-09-01,,1549,\n")
    by = {f.limit: f for f in evaluate(AG, load_holdings(p, AG)).findings}
    assert by["deployed_warheads"].value == 1549 and by["deployed_delivery_vehicles"].status == "no_data"


def test_yaml_and_json_snapshots(tmp_path):
    y = tmp_path / "h.yaml"
    y.write_text("- party: US\n  date: 2023-03-01\n  counts: {deployed_warheads: 1419}\n")
    j = tmp_path / "h.json"
    snapshot = {"party": "RU", "as_of": "2022-03-01", "counts": {"deployed_warheads": 1474}}
    j.write_text(json.dumps({"snapshots": [snapshot]}))
    assert evaluate(AG, load_holdings(y, AG)).where(limit="deployed_warheads")[0].value == 1419
    assert evaluate(AG, load_holdings(j, AG)).where(limit="deployed_warheads")[0].value == 1474


def test_itemized_declaration_is_counted_by_the_rules(tmp_path):
    items = ([{"id": f"m{i}", "type": "icbm", "status": "deployed", "warheads": 1} for i in range(3)]
             + [{"id": "s1", "type": "slbm", "status": "deployed", "warheads": 4},
                {"id": "b1", "type": "heavy_bomber", "status": "deployed"}])
    p = tmp_path / "d.json"
    p.write_text(json.dumps({"schema": "accord.declaration/v1", "party": "US", "as_of": "2020-09-01", "items": items}))
    by = {f.limit: f for f in evaluate(AG, load_holdings(p, AG)).findings}
    assert by["deployed_delivery_vehicles"].value == 5
    assert by["deployed_warheads"].value == 3 + 4 + 1
    assert all(p["origin"] == "items" for p in by["deployed_warheads"].trace["parts"])


@pytest.mark.parametrize(
    "text, line, field, problem",
    [
        ("party,date,category,value\nUS,2020-09-01,deployed_icbms,-5\n", 2, "value", "must not be negative"),
        ("party,date,category,value\nUS,2020-09-01,deployed_icbms,3.5\n", 2, "value", "whole number"),
        ("party,date,category,value\nUS,2020-09-01,cruise_missiles,3\n", 2, "category", "unknown category or limit"),
        ("party,date,category,value\nCN,2020-09-01,deployed_icbms,3\n", 2, "party", "unknown party 'CN'"),
        ("party,date,category,value\nUS,2020-13-01,deployed_icbms,3\n", 2, "date", "not an ISO date"),
        ("party,category,value\nUS,deployed_icbms,3\n", 1, "date", "needs a 'date' column"),
    ],
)
def test_bad_csv(tmp_path, text, line, field, problem):
    p = tmp_path / "h.csv"
    p.write_text(text)
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    e = info.value
    assert (e.file, e.line, e.field) == (str(p), line, field) and problem in e.problem


def test_bad_json_names_the_line(tmp_path):
    p = tmp_path / "h.json"
    p.write_text('{"party": "US",\n "date": "2020-09-01",\n "counts": {"deployed_icbms": 3,}}\n')
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    assert info.value.line == 3 and "malformed JSON" in info.value.problem


def test_bad_yaml_count_names_the_line(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text("party: US\ndate: 2020-09-01\ncounts:\n  deployed_icbms: 3\n  deployed_slbms: many\n")
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    assert info.value.line == 5 and info.value.field == "counts.deployed_slbms"


def test_missing_file():
    with pytest.raises(InputError, match="cannot read file"):
        load_holdings("/nonexistent/h.csv", AG)


@pytest.mark.parametrize(
    "text, line",
    [
        ("party,date,category,value\nUS,2020-09-01,deployed_warheads,1500\nUS,2020-09-01,deployed_warheads,1600\n", 3),
        ("party,date,deployed_icbms\nUS,2020-09-01,400\nUS,2020-09-01,900\n", 3),
    ],
)
def test_the_same_figure_twice_is_an_error_not_a_silent_choice(tmp_path, text, line):
    # Otherwise the result would depend on row order (one order within, the other exceeds).
    p = tmp_path / "h.csv"
    p.write_text(text)
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    assert info.value.line == line and "given twice (first on line 2)" in info.value.problem


def test_csv_with_a_byte_order_mark(tmp_path):
    p = tmp_path / "h.csv"
    p.write_bytes("\ufeffparty,date,category,value\nUS,2023-03-01,deployed_warheads,1419\n".encode())
    assert evaluate(AG, load_holdings(p, AG)).where(limit="deployed_warheads")[0].value == 1419


def test_impossible_yaml_date_is_an_input_error(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text("party: US\ndate: 2019-02-30\ncounts: {deployed_warheads: 1}\n")
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    assert info.value.line == 2 and "day is out of range" in info.value.problem


@pytest.mark.parametrize(
    "name, text, problem",
    [
        ("h.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),  # was a RecursionError
        ("h.json", '{"party": "US", "date": "2020-09-01", "counts": {"deployed_warheads": ' + "9" * 5000 + "}}",
         "more than 100 digits"),  # was a ValueError traceback (and the limit is now ACCORD_MAX_INT_DIGITS)
        ("h.yaml", "party: US\ndate: 2020-09-01\ncounts: " + "[" * 5000 + "]" * 5000 + "\n", "levels deep"),
        ("h.yaml", "party: US\ndate: 2020-09-01\nitems: &a\n" + "".join(f"  - &i{i} [" + ", ".join(
            [f"*i{i - 1}" if i else "x"] * 10) + "]\n" for i in range(9)), "aliases expand"),
    ],
)
def test_hostile_files_are_one_line_errors(tmp_path, name, text, problem):
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    assert info.value.file == str(p) and problem in info.value.problem and len(info.value.one_line()) < 300


# ----------------------------------------------------------------------------- issue 9: bounded, no silent gaps


def _error(tmp_path, name, data) -> InputError:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    assert "\n" not in info.value.one_line() and len(info.value.one_line()) < 400
    return info.value


@pytest.mark.parametrize("text, fields", [
    ("party,date,deployed_warheads,deployed_delivery_vehicles\nUS,2020-09-01,1457,675\nUS,2021-03-01,1357\n", 3),
    ("party,date,deployed_warheads,deployed_delivery_vehicles\nUS,2020-09-01\n", 2),
    ("party,date,category,value\nUS,2020-09-01,deployed_warheads\n", 3),
])
def test_a_short_csv_row_is_an_error_naming_the_line(tmp_path, text, fields):
    # the missing columns used to become gaps: the limit was reported `no_data`
    err = _error(tmp_path, "h.csv", text)
    assert err.line == text.count("\n") and f"fewer fields ({fields}) than the header (4)" in err.problem


def test_an_empty_field_is_still_a_gap(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("party,date,deployed_warheads,deployed_delivery_vehicles\nUS,2020-09-01,1457,\n")
    by = {f.limit: f for f in evaluate(AG, load_holdings(p, AG)).findings}
    assert by["deployed_delivery_vehicles"].status == "no_data" and by["deployed_warheads"].value == 1457


def test_a_long_csv_row_names_its_line(tmp_path):
    err = _error(tmp_path, "h.csv", "party,date,deployed_warheads\nUS,2020-09-01,1457,12\n")
    assert err.line == 2 and "more fields (4) than the header (3)" in err.problem


@pytest.mark.parametrize("name, text", [
    ("h.csv", "party,date,deployed_warheads\nUS,2020-09-01,1000001\n"),
    ("h.json", '{"party": "US", "date": "2020-09-01", "counts": {"deployed_warheads": 1000001}}'),
    ("h.yaml", "party: US\ndate: 2020-09-01\ncounts: {deployed_warheads: 10000000000000000000000000000000}\n"),
])
def test_counts_beyond_physical_meaning_are_refused(tmp_path, name, text):
    # 10**30 warheads was evaluated as `exceeds`
    err = _error(tmp_path, name, text)
    assert "over the limit of 1,000,000" in err.problem and "ACCORD_MAX_COUNT" in err.problem
    assert err.field == "counts.deployed_warheads" if name != "h.csv" else err.field == "deployed_warheads"


def test_the_count_limit_itself_is_accepted(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("party,date,deployed_warheads\nUS,2020-09-01,1000000\n")
    by = {f.limit: f for f in evaluate(AG, load_holdings(p, AG)).findings}
    assert by["deployed_warheads"].value == 1_000_000


def test_a_huge_csv_count_is_one_short_line(tmp_path):
    err = _error(tmp_path, "h.csv", "party,date,deployed_warheads\nUS,2020-09-01," + "9" * 5000 + "\n")
    assert err.line == 2 and "at most 100 digits" in err.problem


def test_a_csv_field_over_the_csv_modules_limit(tmp_path):
    # _csv.Error: field larger than field limit (131072): a traceback
    err = _error(tmp_path, "h.csv", "party,date,deployed_warheads\nUS,2020-09-01,\"" + "x" * 200_000 + "\"\n")
    assert "malformed CSV" in err.problem


@pytest.mark.parametrize("name, data, line", [
    ("h.csv", b"party,date,deployed_warheads\nUS,2020-09-01,1457\nR\xd0,2020-09-01,1\n", 3),
    ("h.json", b'{"party": "US",\n "date": "2020-09-01",\n "source": "caf\xe9"}', 3),
    ("h.yaml", b"party: US\ndate: 2020-09-01\nsource: caf\xe9\n", 3),
])
def test_non_utf8_names_the_line(tmp_path, name, data, line):
    err = _error(tmp_path, name, data)
    assert err.line == line and "not UTF-8" in err.problem


@pytest.mark.parametrize("snapshot, field", [
    ({"party": "US", "date": "2020-09-01", "source": ["a"], "counts": {"deployed_warheads": 1}}, "source"),
    ({"party": "US", "date": ["2020-09-01"], "counts": {"deployed_warheads": 1}}, "date"),
    ({"party": ["US"], "date": "2020-09-01", "counts": {"deployed_warheads": 1}}, "party"),
    ({"party": "US", "as_of": "2020-09-01", "items": [{"id": "a", "type": "icbm", "status": "deployed",
                                                         "system": ["X"]}]}, "items[0].system"),
    ({"party": "US", "as_of": "2020-09-01", "items": [{"id": "a", "type": "icbm", "status": "deployed",
                                                         "facility": {"f": 1}}]}, "items[0].facility"),
])
def test_lists_where_strings_belong(tmp_path, snapshot, field):
    # a list as source or system was written into the finding's source with str()
    assert _error(tmp_path, "h.json", json.dumps(snapshot)).field == field


def test_a_name_with_a_newline_stays_one_line(tmp_path):
    err = _error(tmp_path, "h.json", json.dumps({"party": "US", "date": "2020-09-01", "counts": {"a\nb": 1}}))
    assert err.field == "counts.a\\nb"


@pytest.mark.parametrize("make", [lambda d: d / "dir.csv", lambda d: d / ("n" * 300 + ".csv"),
                                  lambda d: d / "missing" / "h.csv"])
def test_unreadable_paths(tmp_path, make):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError) as info:
        load_holdings(make(tmp_path), AG)
    assert info.value.problem.startswith("cannot read file: ")


def test_a_holdings_file_over_the_size_limit(tmp_path, monkeypatch):
    from accord import limits

    p = tmp_path / "h.csv"
    p.write_text("party,date,deployed_warheads\nUS,2020-09-01,1457\n")
    monkeypatch.setattr(limits, "MAX_HOLDINGS_BYTES", 20)
    with pytest.raises(InputError) as info:
        load_holdings(p, AG)
    assert "over the limit of 20 bytes (set ACCORD_MAX_HOLDINGS_BYTES" in info.value.problem


def test_json_nesting_over_the_limit_even_where_the_parser_copes(tmp_path):
    # 70 levels: Python's parser is fine with it, the limit is not
    text = '{"party": "US", "date": "2020-09-01", "counts": {"deployed_warheads": 1}, "x": ' + "[" * 70 + "]" * 70 + "}"
    assert "nested too deeply (more than 64 levels deep)" in _error(tmp_path, "h.json", text).problem
