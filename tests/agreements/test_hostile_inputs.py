"""Hostile and sloppy agreement files: each is one error naming file, line and field (exit 2 in
the CLI), never a traceback, a hang or a silent choice."""

from __future__ import annotations

import pytest
from minimal_agreement import GOOD, error_of, write
from typer.testing import CliRunner

from accord.app.library import load_agreement
from accord.cli import app
from accord.limits import MAX_ALIAS_NODES, MAX_DEPTH

# ----------------------------------------------------------------------------- YAML bombs


def test_deep_nesting_is_an_error_not_a_recursion_error(tmp_path):
    p = write(tmp_path, GOOD + "summary: " + "[" * 5000 + "]" * 5000 + "\n")
    err = error_of(p)
    assert err.file == str(p) and err.line == 17 and f"more than {MAX_DEPTH} levels" in err.problem
    block = "".join("  " * i + f"k{i}:\n" for i in range(3 * MAX_DEPTH)) + "  " * 3 * MAX_DEPTH + "v: 1\n"
    assert f"more than {MAX_DEPTH} levels" in error_of(write(tmp_path, block, "b.yaml")).problem


def test_billion_laughs_is_refused_before_anything_walks_it(tmp_path):
    lines = ["      - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"      - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = GOOD.replace("  - {id: cap_things, title: Things, categories: [things], cap: 10, source: doc}\n",
                        "  - id: cap_things\n    categories: [things]\n    source: doc\n    cap:\n"
                        + "\n".join(lines) + "\n")
    p = write(tmp_path, text)
    result = CliRunner().invoke(app, ["show", str(p)])  # used to print a 10**9-item list: a hang
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes" in result.output
    assert f"{p}:22:" in result.output  # the line of a5, whose aliases cross 10**5 nodes


def test_an_alias_inside_its_own_node(tmp_path):
    err = error_of(write(tmp_path, GOOD.replace("parties: [US, RU]", "parties: &p [US, *p]")))
    assert err.line == 3 and "alias *p refers to the node that contains it" in err.problem


def test_a_few_aliases_still_work(tmp_path):
    text = GOOD.replace("sources:\n  doc: {document: A document, url: https://example.org/doc}",
                        "sources:\n  doc: &doc {document: A document, url: https://example.org/doc}\n"
                        "  copy: *doc")
    assert load_agreement(str(write(tmp_path, text))).limit("cap_things").cap.value == 10


def test_a_huge_number_is_one_short_line(tmp_path):
    err = error_of(write(tmp_path, GOOD.replace("cap: 10", "cap: " + "9" * 5000)))
    assert err.line == 14 and "digits" in err.problem and len(err.one_line()) < 400


# ----------------------------------------------------------------------------- sources


@pytest.mark.parametrize(
    "old, new, line, field, problem",
    [
        # a misspelt reliability used to be dropped, leaving the label `official`
        ("url: https://example.org/doc}", "url: https://example.org/doc, reliabilty: estimate}", 6,
         "sources.doc.reliabilty", "unknown source field"),
        ("cap: 10, source: doc}", "cap: 10, source: {ref: doc, articel: II}}", 14, "limits[0].source.articel",
         "unknown source field"),
        ("cap: 10, source: doc}", "cap: 10, source: {ref: [doc]}}", 14, "limits[0].source.ref", "must be a string"),
        ("cap: 10, source: doc}", "cap: 10, source: {document: [a, b]}}", 14, "limits[0].source.document",
         "must be a string"),
    ],
)
def test_source_fields_are_checked(tmp_path, old, new, line, field, problem):
    assert old in GOOD
    err = error_of(write(tmp_path, GOOD.replace(old, new)))
    assert (err.line, err.field) == (line, field) and problem in err.problem


def test_a_vocabulary_source_with_a_misspelt_field(tmp_path):
    text = GOOD + "vocabulary: {source: {document: x, reliabilty: estimate}}\n"
    err = error_of(write(tmp_path, text))
    assert err.field == "vocabulary.source.reliabilty" and "unknown source field" in err.problem


# ----------------------------------------------------------------------------- dated values


@pytest.mark.parametrize("second", ["'2025-01-01'", "2025-01-01 00:00:00"])
def test_one_date_twice_in_dated_values(tmp_path, second):
    # two YAML keys, one date: the later used to win silently
    err = error_of(write(tmp_path, GOOD.replace("cap: 10", f"cap: {{values: {{2025-01-01: 5, {second}: 10}}}}")))
    assert (err.line, err.field) == (14, "limits[0].cap.values.2025-01-01") and "given twice" in err.problem


def test_the_first_dated_value_error_points_at_the_earliest_date(tmp_path):
    text = GOOD.replace("cap: 10", "cap:\n      values:\n        2025-01-01: 5\n        2021-01-01: null")
    text = text.replace("  - {id: cap_things, title: Things, categories: [things], cap:",
                        "  - id: cap_things\n    title: Things\n    categories: [things]\n    source: doc\n    cap:")
    text = text.replace("        2021-01-01: null, source: doc}", "        2021-01-01: null")
    err = error_of(write(tmp_path, text))
    assert err.line == 21 and "first dated value must be a number" in err.problem


# ----------------------------------------------------------------------------- issue 9: bounded inputs


def test_a_control_character_is_one_line_naming_the_line(tmp_path):
    # PyYAML's ReaderError printed two lines (`in "<unicode string>", position 440`)
    p = write(tmp_path, GOOD + "summary: a\x01b\n")
    result = CliRunner().invoke(app, ["show", str(p)])
    err = result.stderr.strip()
    assert result.exit_code == 2 and "\n" not in err
    assert f"{p}:17: malformed YAML: character #x0001 is not allowed" in err


def test_a_key_with_a_control_character_is_one_line(tmp_path):
    # the key became the error's field, and its newline split the error in two
    result = CliRunner().invoke(app, ["show", str(write(tmp_path, GOOD + '"a\\nb": 1\n'))])
    err = result.stderr.strip()
    assert result.exit_code == 2 and "\n" not in err and "control characters" in err


@pytest.mark.parametrize("ref", ["a" * 300 + ".yaml", "dir/" + "b" * 300 + ".yaml", "a\x00b.yaml"])
def test_a_name_the_system_refuses_is_no_such_file(tmp_path, ref):
    # is_file() raised OSError(ENAMETOOLONG): a traceback
    result = CliRunner().invoke(app, ["show", ref])
    assert result.exit_code == 2
    assert "no agreement file" in result.stderr and "\n" not in result.stderr.strip()
    assert len(result.stderr) < 200  # the name is cut


def test_a_directory_is_no_agreement_file(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    assert "no agreement file" in error_of(tmp_path / "x.yaml").problem


def test_non_utf8_names_the_line(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_bytes(GOOD.encode() + b"summary: caf\xe9\n")
    err = error_of(p)
    assert err.line == 17 and "not UTF-8" in err.problem


@pytest.mark.parametrize("old, new, field", [
    ("date: 2020-01-01", "date: [2020-01-01]", "dates.entry_into_force.date"),
    ("date: 2030-01-01", "date: {y: 2030}", "dates.expires.date"),
])
def test_a_list_where_a_date_belongs_names_no_python_type(tmp_path, old, new, field):
    # was "not an ISO date (YYYY-MM-DD): [datetime.date(2020, 1, 1)]"
    err = error_of(write(tmp_path, GOOD.replace(old, new)))
    assert err.field == field and "must be a date" in err.problem and "datetime" not in err.problem


@pytest.mark.parametrize("old, new, field", [
    ("title: A minimal agreement", "title: [a, b]", "title"),
    ("legal_form: treaty", "legal_form: [treaty]", "legal_form"),
    ("verification: none", "verification: [none]", "regime.verification"),
    ("cap: 10,", "cap: 10, kind: [limit],", "limits[0].kind"),
    ("title: Things, source", "unit: [x], title: Things, source", "categories[0].unit"),
])
def test_lists_where_strings_belong(tmp_path, old, new, field):
    assert old in GOOD
    err = error_of(write(tmp_path, GOOD.replace(old, new)))
    assert err.field == field and "string" in err.problem


def test_integers_over_the_digit_limit(tmp_path, monkeypatch):
    from accord import limits

    err = error_of(write(tmp_path, GOOD.replace("cap: 10", "cap: " + "9" * (limits.MAX_INT_DIGITS + 1))))
    assert err.line == 14 and f"more than {limits.MAX_INT_DIGITS} digits" in err.problem
    monkeypatch.setattr(limits, "MAX_INT_DIGITS", 3)
    err = error_of(write(tmp_path, GOOD.replace("cap: 10", "cap: 0x1000"), "hex.yaml"))
    assert "more than 3 digits" in err.problem  # 4096: the value counts, not the spelling


def test_nesting_over_the_depth_limit(tmp_path, monkeypatch):
    from accord import limits

    monkeypatch.setattr(limits, "MAX_DEPTH", 5)
    err = error_of(write(tmp_path, GOOD + "summary: [[[[[[x]]]]]]\n"))
    assert err.line == 17 and "nested too deeply (more than 5 levels deep)" in err.problem


def test_an_agreement_over_the_size_limit(tmp_path, monkeypatch):
    from accord import limits

    p = write(tmp_path, GOOD)
    monkeypatch.setattr(limits, "MAX_AGREEMENT_BYTES", 100)
    err = error_of(p)
    assert err.file == str(p) and "over the limit of 100 bytes" in err.problem
    assert "ACCORD_MAX_AGREEMENT_BYTES" in err.problem


def test_a_vocabulary_over_its_size_limit(tmp_path, monkeypatch):
    from accord import limits

    (tmp_path / "v.yaml").write_text("id: v\nitem_types: [{id: t, title: T}]\n" + "# padding\n" * 50)
    p = write(tmp_path, GOOD + "vocabulary: v.yaml\n")
    monkeypatch.setattr(limits, "MAX_VOCABULARY_BYTES", 100)
    err = error_of(p)
    assert err.file == str(tmp_path / "v.yaml") and "ACCORD_MAX_VOCABULARY_BYTES" in err.problem
