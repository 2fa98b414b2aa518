"""Counting itemized records under New START's Article III rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.app.library import load_agreement
from accord.errors import InputError
from accord.forces import ItemTable, count_items, count_items_explained

NEWSTART = load_agreement("newstart")
RU2022 = load_agreement("ru-counting-2022")
VOCABULARY = NEWSTART.vocabulary
ITEM_TYPES = VOCABULARY.type_ids
ITEM_STATUSES = VOCABULARY.status_ids

records = st.lists(
    st.fixed_dictionaries({
        "type": st.sampled_from(ITEM_TYPES),
        "status": st.sampled_from(ITEM_STATUSES),
        "warheads": st.integers(min_value=0, max_value=12),
        "system": st.sampled_from(["Minuteman III", "Trident II D5", "B-52H", "B-2A", "RS-24"]),
    }),
    max_size=60,
)


def with_ids(recs):
    return [{**r, "id": f"item-{i}"} for i, r in enumerate(recs)]


def naive(agreement, recs):
    """An independent, obvious count: loop over records for each rule."""
    out = {}
    for rule in agreement.counting:
        sel = [r for r in recs if r["type"] in rule.item_types and r["status"] in rule.statuses
               and (rule.systems is None or r["system"] in rule.systems)]
        if rule.mode == "items":
            out[rule.category] = len(sel)
        elif rule.mode == "warheads":
            out[rule.category] = sum(r["warheads"] for r in sel)
        else:
            out[rule.category] = rule.per_item * len(sel)
    return out


@settings(max_examples=150, deadline=None)
@given(recs=records)
def test_vectorized_counting_equals_the_obvious_loop(recs):
    table = ItemTable.from_records(with_ids(recs))
    assert count_items(NEWSTART, table) == naive(NEWSTART, recs)
    assert count_items(RU2022, table) == naive(RU2022, recs)


@settings(max_examples=100, deadline=None)
@given(recs=records)
def test_counting_invariants(recs):
    c = count_items(NEWSTART, ItemTable.from_records(with_ids(recs)))
    # one warhead per deployed heavy bomber, whatever it carries (Article III.2(c))
    assert c["warheads_for_deployed_heavy_bombers"] == c["deployed_heavy_bombers"]
    # test, training, converted and eliminated items count toward none of the three limits
    accountable = [r for r in recs if r["status"] in ("deployed", "non_deployed")]
    again = count_items(NEWSTART, ItemTable.from_records(with_ids(accountable)))
    for cat in ("deployed_icbms", "deployed_slbms", "deployed_heavy_bombers", "warheads_on_deployed_icbms",
                "deployed_icbm_launchers", "nondeployed_icbm_launchers", "deployed_slbm_launchers",
                "nondeployed_slbm_launchers", "nondeployed_heavy_bombers"):
        assert again[cat] == c[cat]
    # warheads on non-deployed missiles are never counted
    assert c["warheads_on_deployed_icbms"] == sum(
        r["warheads"] for r in recs if r["type"] == "icbm" and r["status"] == "deployed")


@settings(max_examples=60, deadline=None)
@given(recs=records)
def test_columnar_and_record_construction_agree(recs):
    a = ItemTable.from_records(with_ids(recs))
    b = ItemTable.from_columns(type=[r["type"] for r in recs], status=[r["status"] for r in recs],
                               warheads=[r["warheads"] for r in recs], system=[r["system"] for r in recs])
    assert count_items(NEWSTART, a) == count_items(NEWSTART, b)


def test_converted_b52h_rule_selects_by_system():
    recs = with_ids([
        {"type": "heavy_bomber", "status": "converted", "system": "B-52H", "warheads": 0},
        {"type": "heavy_bomber", "status": "converted", "system": "B-1B", "warheads": 0},
    ])
    table = ItemTable.from_records(recs)
    assert count_items(NEWSTART, table)["converted_heavy_bombers"] == 2
    assert count_items(RU2022, table)["converted_heavy_bombers"] == 1


def test_explained_counts_break_down_by_system():
    recs = with_ids([
        {"type": "slbm", "status": "deployed", "system": "Trident II D5", "warheads": 4},
        {"type": "slbm", "status": "deployed", "system": "Trident II D5", "warheads": 5},
        {"type": "icbm", "status": "deployed", "system": "Minuteman III", "warheads": 1},
    ])
    by = {c.category: c for c in count_items_explained(NEWSTART, ItemTable.from_records(recs))}
    assert by["warheads_on_deployed_slbms"].value == 9
    assert by["warheads_on_deployed_slbms"].by_system == {"Trident II D5": 9}
    assert by["deployed_slbms"].records == 2


@pytest.mark.parametrize(
    "record, field, problem",
    [
        ({"id": "a", "type": "cruise_missile", "status": "deployed"}, "items[0].type", "unknown item type"),
        ({"id": "a", "type": "icbm", "status": "parked"}, "items[0].status", "unknown status"),
        ({"id": "a", "type": "icbm", "status": "deployed", "warheads": -1}, "items[0].warheads", ">= 0"),
        ({"id": "a", "type": "icbm", "status": "deployed", "warheads": 1.5}, "items[0].warheads", "integer"),
        ({"type": "icbm", "status": "deployed"}, "items[0].id", "non-empty string id"),
    ],
)
def test_bad_records_are_input_errors(record, field, problem):
    with pytest.raises(InputError) as info:
        ItemTable.from_records([record], vocabulary=VOCABULARY, file="decl.json")
    assert info.value.field == field and problem in info.value.problem and info.value.file == "decl.json"


def test_duplicate_item_id():
    with pytest.raises(InputError, match="duplicate item id 'x'"):
        ItemTable.from_records([{"id": "x", "type": "icbm", "status": "deployed"}] * 2)


def test_a_million_records_count_exactly():
    # Correctness at scale (speed is measured in benchmarks/counting.py, not asserted here).
    n = 1_000_000
    rng = np.random.default_rng(7)
    t = rng.integers(0, len(ITEM_TYPES), n).astype(np.int8)
    s = rng.integers(0, len(ITEM_STATUSES), n).astype(np.int8)
    w = rng.integers(0, 9, n)
    table = ItemTable(ids=np.empty(0, dtype=object), type=t, status=s, system=np.zeros(n, dtype=np.int32),
                      facility=np.zeros(n, dtype=np.int32), warheads=w, systems=("",), facilities=("",),
                      types=ITEM_TYPES, statuses=ITEM_STATUSES)
    c = count_items(NEWSTART, table)
    icbm, slbm = ITEM_TYPES.index("icbm"), ITEM_TYPES.index("slbm")
    dep = ITEM_STATUSES.index("deployed")
    assert c["deployed_icbms"] == int(((t == icbm) & (s == dep)).sum())
    assert c["warheads_on_deployed_slbms"] == int(w[(t == slbm) & (s == dep)].sum())
