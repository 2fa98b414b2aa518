"""Bad agreement files: one line naming file, line, field and problem; exit 2 in the CLI."""

from __future__ import annotations

import pytest
from minimal_agreement import GOOD, error_of, write
from typer.testing import CliRunner

from accord.app.library import load_agreement
from accord.cli import app
from accord.errors import InputError


def test_the_minimal_file_loads(tmp_path):
    a = load_agreement(str(write(tmp_path, GOOD)))
    assert a.limit("cap_things").cap.value == 10


@pytest.mark.parametrize(
    "old, new, line, field, problem",
    [
        ("cap: 10", "cap: -3", 14, "limits[0].cap", "must be >= 0"),
        ("cap: 10", "cap: 2.5", 14, "limits[0].cap", "non-negative integer"),
        ("categories: [things], cap", "categories: [thingz], cap", 14, "limits[0].categories",
         "limit over undefined category 'thingz'"),
        ("legal_form: treaty", "legal_form: pact", 4, "legal_form", "unknown legal form 'pact'"),
        ("expires: {date: 2030-01-01", "expires: {date: 2019-01-01", 10, "dates.expires",
         "on or before entry into force"),
        ("source: doc}\nlimits", "}\nlimits", 12, "categories[0].source", "every clause needs a source"),
        ("verification: none", "verification: trust", 16, "regime.verification", "unknown verification"),
    ],
)
def test_errors_name_line_field_problem(tmp_path, old, new, line, field, problem):
    assert old in GOOD
    p = write(tmp_path, GOOD.replace(old, new, 1))
    err = error_of(p)
    assert err.file == str(p)
    assert err.line == line, err.one_line()
    assert err.field == field, err.one_line()
    if problem:
        assert problem in err.problem


def test_duplicate_category_id(tmp_path):
    p = write(tmp_path, GOOD.replace("  - {id: things, title: Things, source: doc}\n",
                                     "  - {id: things, title: Things, source: doc}\n"
                                     "  - {id: things, title: Again, source: doc}\n"))
    err = error_of(p)
    assert err.line == 13 and err.field == "categories[1].id" and "duplicate id 'things'" in err.problem


def test_duplicate_limit_id_across_limits_and_freezes(tmp_path):
    p = write(tmp_path, GOOD + "freezes:\n  - {id: cap_things, title: F, categories: [things], cap: 5, source: doc}\n")
    err = error_of(p)
    assert err.line == 18 and err.field == "freezes[0].id" and "duplicate id 'cap_things'" in err.problem


def test_malformed_yaml(tmp_path):
    p = write(tmp_path, GOOD.replace("parties: [US, RU]", "parties: [US, RU"))
    err = error_of(p)
    assert err.file == str(p) and err.line is not None and "malformed YAML" in err.problem


def test_duplicate_yaml_key(tmp_path):
    p = write(tmp_path, GOOD + "title: again\n")
    err = error_of(p)
    assert err.line == 17 and "duplicate key 'title'" in err.problem


def test_extends_cycle(tmp_path):
    write(tmp_path, "id: a\nextends: b.yaml\n", "a.yaml")
    write(tmp_path, "id: b\nextends: a.yaml\n", "b.yaml")
    err = error_of(tmp_path / "a.yaml")
    assert "extends cycle" in err.problem and err.field == "extends"


def test_unknown_base_agreement(tmp_path):
    p = write(tmp_path, "id: x\nextends: no-such-treaty\n")
    err = error_of(p)
    assert err.line == 2 and err.field == "extends" and "unknown agreement 'no-such-treaty'" in err.problem


def test_error_in_derived_file_names_the_derived_file(tmp_path):
    p = write(tmp_path, "id: strict\nextends: newstart\nlimits:\n  - id: deployed_warheads\n    cap: -1\n"
                        "    legal_form: proposal\n    source: {document: A stricter cap}\n"
                        "legal_form: proposal\nsource: {document: A stricter cap}\n")
    err = error_of(p)
    assert err.file == str(p) and err.line == 5 and err.field == "limits[1].cap"


def test_unknown_agreement_id():
    with pytest.raises(InputError, match="unknown agreement 'nope'"):
        load_agreement("nope")


def test_cli_prints_one_line_and_exits_2(tmp_path):
    p = write(tmp_path, GOOD.replace("cap: 10", "cap: -3"))
    result = CliRunner().invoke(app, ["show", str(p)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == [f"error: {p}:14: limits[0].cap: must be >= 0, not -3"]
    assert "Traceback" not in result.output


def test_impossible_date_names_its_line(tmp_path):
    p = write(tmp_path, "id: x\nextends: newstart\nlimits:\n  - id: deployed_warheads\n    from: 2019-13-45\n")
    err = error_of(p)
    assert (err.line, err.field) == (5, "from") and "month must be in 1..12" in err.problem


def test_two_items_with_one_id_in_a_derived_file(tmp_path):
    p = write(tmp_path, "id: x\nextends: newstart\nlimits:\n"
                        "  - {id: extra, title: E, categories: [deployed_icbms], cap: 100, source: fact_sheet}\n"
                        "  - {id: extra, title: E, categories: [deployed_slbms], cap: 200, source: fact_sheet}\n")
    err = error_of(p)
    assert err.line == 5 and "duplicate id 'extra'" in err.problem
