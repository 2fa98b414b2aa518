"""Every counting method (records, sum of an attribute, fixed per record, per-system table with a
default for systems it does not list) equals a naive per-record count, aliases included."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.app.library import load_agreement
from accord.forces import ItemTable, count_items

VOCAB = """\
id: every-method
item_types:
  - {id: missile, aliases: [rocket]}
  - {id: aircraft, aliases: [plane]}
statuses:
  - {id: active, aliases: [in-service]}
  - {id: stored}
counting_modes:
  - {id: items, method: records}
  - {id: loaded, method: sum, attribute: warheads}
  - {id: three_each, method: fixed, per_record: 3}
  - {id: max_loading, method: table, table: {Alpha: 4, Beta: 10}, default: 2}
"""

AGREEMENT = """\
id: every-method
title: Every counting method
parties: [A]
legal_form: proposal
vocabulary: vocab.yaml
sources:
  doc: {document: A proposal}
source: doc
dates:
  entry_into_force: {date: 2020-01-01, source: doc}
categories:
  - {id: n, title: N, source: doc}
  - {id: loaded, title: Loaded, unit: warheads, source: doc}
  - {id: fixed, title: Fixed, unit: warheads, source: doc}
  - {id: capacity, title: Capacity, unit: warheads, source: doc}
  - {id: capacity_beta_gamma, title: Capacity of two systems, unit: warheads, source: doc}
counting:
  - {category: n, items: {type: missile, status: [active, stored]}, count: items, source: doc}
  - {category: loaded, items: {type: missile, status: active}, count: loaded, source: doc}
  - {category: fixed, items: {type: aircraft, status: active}, count: three_each, source: doc}
  - {category: capacity, items: {type: [missile, aircraft], status: active}, count: max_loading, source: doc}
  - category: capacity_beta_gamma
    items: {type: missile, status: active, system: [Beta, Gamma]}
    count: {max_loading: {default: 5}}
    source: doc
regime:
  verification: none
"""



@pytest.fixture(scope="module")
def ag(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("every-method")
    (tmp / "vocab.yaml").write_text(textwrap.dedent(VOCAB), encoding="utf-8")
    (tmp / "a.yaml").write_text(textwrap.dedent(AGREEMENT), encoding="utf-8")
    return load_agreement(str(tmp / "a.yaml"))


CANON = {"rocket": "missile", "plane": "aircraft", "in-service": "active"}
TABLE = {"Alpha": 4, "Beta": 10}

records = st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["missile", "rocket", "aircraft", "plane"]),
    "status": st.sampled_from(["active", "in-service", "stored"]),
    "system": st.sampled_from(["Alpha", "Beta", "Gamma", "Delta"]),  # Gamma, Delta: not in the table
    "warheads": st.integers(min_value=0, max_value=14),
}), max_size=80)


def naive(recs):
    def sel(types, statuses, systems=None):
        return [r for r in recs if CANON.get(r["type"], r["type"]) in types
                and CANON.get(r["status"], r["status"]) in statuses and (systems is None or r["system"] in systems)]

    return {
        "n": len(sel({"missile"}, {"active", "stored"})),
        "loaded": sum(r["warheads"] for r in sel({"missile"}, {"active"})),
        "fixed": 3 * len(sel({"aircraft"}, {"active"})),
        "capacity": sum(TABLE.get(r["system"], 2) for r in sel({"missile", "aircraft"}, {"active"})),
        "capacity_beta_gamma": sum(TABLE.get(r["system"], 5) for r in sel({"missile"}, {"active"}, {"Beta", "Gamma"})),
    }


@settings(max_examples=150, deadline=None)
@given(recs=records, vocabulary=st.booleans())
def test_every_method_equals_a_naive_count(ag, recs, vocabulary):
    rows = [{**r, "id": f"i{i}"} for i, r in enumerate(recs)]
    table = ItemTable.from_records(rows, vocabulary=ag.vocabulary if vocabulary else None)
    assert count_items(ag, table) == naive(recs)
