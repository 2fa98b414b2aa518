"""Vocabularies in YAML: item types, statuses (with aliases) and counting modes are declared, not
coded; the loader validates counting rules against them; counting follows the declared methods."""

from __future__ import annotations

import textwrap

import pytest

from accord.app.library import load_agreement
from accord.errors import InputError
from accord.forces import ItemTable, count_items, count_items_explained

VOCAB = """\
id: fleet
title: A test fleet
item_types:
  - {id: missile, title: Missile}
  - {id: aircraft, title: Aircraft, aliases: [plane]}
statuses:
  - {id: active, title: Active}
  - {id: stored, title: Stored, aliases: [in-store]}
units: [items, warheads]
counting_modes:
  - {id: items, method: records}
  - {id: loaded, method: sum, attribute: warheads}
  - {id: each, method: fixed, per_record: 1}
  - {id: max_loading, method: table, table: {Alpha: 4, Beta: 10}, default: 1}
"""

AGREEMENT = """\
id: fleet-limits
title: Fleet limits
parties: [A, B]
legal_form: proposal
vocabulary: {vocab}
sources:
  doc: {{document: A proposal, url: https://example.org/p}}
source: doc
dates:
  entry_into_force: {{date: 2020-01-01, source: doc}}
categories:
  - {{id: active_missiles, title: Active missiles, source: doc}}
  - {{id: loaded_warheads, title: Warheads loaded, unit: warheads, source: doc}}
  - {{id: capacity, title: Warheads at maximum loading, unit: warheads, source: doc}}
  - {{id: aircraft_warheads, title: Two per aircraft, unit: warheads, source: doc}}
counting:
  - category: active_missiles
    items: {{type: missile, status: active}}
    count: items
    source: doc
  - category: loaded_warheads
    items: {{type: missile, status: [active, stored]}}
    count: loaded
    source: doc
  - category: capacity
    items: {{type: missile, status: active}}
    count: max_loading
    source: doc
  - category: aircraft_warheads
    items: {{type: plane, status: active}}
    count: {{each: 2}}
    source: doc
regime:
  verification: none
"""

RECORDS = [
    {"id": "m1", "type": "missile", "status": "active", "system": "Alpha", "warheads": 3},
    {"id": "m2", "type": "missile", "status": "active", "system": "Beta", "warheads": 6},
    {"id": "m3", "type": "missile", "status": "in-store", "system": "Beta", "warheads": 2},
    {"id": "m4", "type": "missile", "status": "active", "system": "Gamma", "warheads": 0},
    {"id": "a1", "type": "plane", "status": "active", "system": "Delta", "warheads": 0},
]


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


@pytest.fixture
def fleet(tmp_path):
    write(tmp_path, "fleet.yaml", VOCAB)
    return load_agreement(str(write(tmp_path, "a.yaml", AGREEMENT.format(vocab="fleet.yaml"))))


def test_the_bundled_agreements_share_the_newstart_vocabulary():
    for ref in ("newstart", "newstart-2021", "ru-counting-2022", "us-2020-freeze"):
        v = load_agreement(ref).vocabulary
        assert v.id == "newstart"
        assert v.status_id("non-deployed") == "non_deployed"
        assert {m.id: m.method.name for m in v.modes} == {"items": "records", "warheads": "sum", "per_item": "fixed"}
    assert len(load_agreement("newstart").vocabulary.type_ids) == 5


def test_a_vocabulary_file_relative_to_the_agreement(fleet):
    v = fleet.vocabulary
    assert v.type_ids == ("missile", "aircraft") and v.aliases == {"plane": "aircraft", "in-store": "stored"}
    rule = next(r for r in fleet.counting if r.category == "aircraft_warheads")
    assert rule.item_types == ("aircraft",)  # aliases resolve to ids at load time
    assert (rule.mode, rule.method.per_record, rule.per_item) == ("each", 2, 2)


def test_counting_follows_the_declared_methods(fleet):
    table = ItemTable.from_records(RECORDS, vocabulary=fleet.vocabulary)
    assert count_items(fleet, table) == {
        "active_missiles": 3,
        "loaded_warheads": 3 + 6 + 2,
        "capacity": 4 + 10 + 1,  # Gamma is not in the table: its default, 1
        "aircraft_warheads": 2,
    }
    by = {c.category: c for c in count_items_explained(fleet, table)}
    assert by["capacity"].by_system == {"Alpha": 4, "Beta": 10, "Gamma": 1}


def test_a_table_without_vocabulary_counts_aliases_as_their_ids(fleet):
    # built without a vocabulary, the table keeps the spellings it was given
    table = ItemTable.from_records(RECORDS)
    assert "in-store" in table.statuses and "plane" in table.types
    assert count_items(fleet, table)["loaded_warheads"] == 11
    cols = ItemTable.from_columns(type=[r["type"] for r in RECORDS], status=[r["status"] for r in RECORDS],
                                 warheads=[r["warheads"] for r in RECORDS], system=[r["system"] for r in RECORDS],
                                 vocabulary=fleet.vocabulary)
    assert set(cols.statuses) == {"active", "stored"}
    assert count_items(fleet, cols) == count_items(fleet, table)


def test_an_inline_vocabulary(tmp_path):
    inline = "\n" + textwrap.indent(VOCAB, "  ")
    a = load_agreement(str(write(tmp_path, "a.yaml", AGREEMENT.format(vocab=inline))))
    assert a.vocabulary.type_ids == ("missile", "aircraft")


def test_items_outside_the_vocabulary_are_input_errors(fleet):
    with pytest.raises(InputError) as info:
        ItemTable.from_records([{"id": "x", "type": "rocket", "status": "active"}], vocabulary=fleet.vocabulary,
                               file="d.json")
    assert info.value.field == "items[0].type" and "allowed: missile, aircraft" in info.value.problem
    with pytest.raises(InputError, match="unknown status 'parked'"):
        ItemTable.from_columns(type=["missile"], status=["parked"], warheads=[0], vocabulary=fleet.vocabulary)
    with pytest.raises(InputError, match="non-empty string"):
        ItemTable.from_records([{"id": "x", "type": "", "status": "active"}])


@pytest.mark.parametrize(
    "old, new, line, field, problem",
    [
        ("items: {type: missile, status: active}\n    count: items",
         "items: {type: rocket, status: active}\n    count: items", 18, "counting[0].items.type",
         "unknown item type 'rocket' (allowed: missile, aircraft)"),
        ("status: [active, stored]", "status: [active, parked]", 22, "counting[1].items.status",
         "unknown status 'parked'"),
        ("count: loaded", "count: emplaced", 23, "counting[1].count", "unknown counting mode 'emplaced'"),
        ("count: {each: 2}", "count: {each: -2}", 31, "counting[3].count.each.per_record", "non-negative integer"),
        ("vocabulary: fleet.yaml", "vocabulary: nowhere.yaml", 5, "vocabulary", "no vocabulary file"),
        ("vocabulary: fleet.yaml", "vocabulary: no-such-words", 5, "vocabulary", "unknown vocabulary"),
        ("unit: warheads, source: doc}}\n  - {id: capacity", "unit: kilotons, source: doc}}\n  - {id: capacity",
         13, "categories[1].unit", "unknown unit 'kilotons'"),
    ],
)
def test_rules_are_checked_against_the_vocabulary(tmp_path, old, new, line, field, problem):
    write(tmp_path, "fleet.yaml", VOCAB)
    text = AGREEMENT.format(vocab="fleet.yaml").replace(old.replace("{{", "{").replace("}}", "}"),
                                                        new.replace("{{", "{").replace("}}", "}"), 1)
    assert text != AGREEMENT.format(vocab="fleet.yaml")
    p = write(tmp_path, "a.yaml", text)
    with pytest.raises(InputError) as info:
        load_agreement(str(p))
    err = info.value
    assert (err.line, err.field) == (line, field), err.one_line()
    assert err.file == str(p) and problem in err.problem, err.one_line()


@pytest.mark.parametrize(
    "old, new, field, problem",
    [
        ("method: records", "method: tally", "counting_modes[0].method", "unknown counting method 'tally'"),
        ("attribute: warheads", "attribute: yield", "counting_modes[1].attribute", "unknown record attribute"),
        ("  - {id: plane", "  - {id: missile", "item_types[0].id", "duplicate"),
        ("aliases: [in-store]", "aliases: [active]", "statuses[1].aliases", "duplicate id or alias 'active'"),
    ],
)
def test_vocabulary_file_errors(tmp_path, old, new, field, problem):
    text = VOCAB.replace(old, new, 1)
    if old.startswith("  - {id: plane"):  # a second type with an existing id
        text = VOCAB.replace("  - {id: aircraft", "  - {id: missile, title: Again}\n  - {id: aircraft", 1)
        field = "item_types[1].id"
    vocab = write(tmp_path, "fleet.yaml", text)
    with pytest.raises(InputError) as info:
        load_agreement(str(write(tmp_path, "a.yaml", AGREEMENT.format(vocab="fleet.yaml"))))
    err = info.value
    assert err.file == str(vocab) and err.field == field and err.line is not None, err.one_line()
    assert problem in err.problem, err.one_line()
