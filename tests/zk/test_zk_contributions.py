"""Each record's share of a limit (what `accord zk prove` commits to) adds up to what the
agreement's counting rules count — for every limit of every built-in agreement that counts
items, on synthetic declarations of both parties, and on any subset of their records."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.app.library import load_agreement
from accord.errors import InputError
from accord.forces.contributions import item_contributions, rules_for
from accord.forces.counting import count_items
from accord.forces.items import ItemTable
from accord.profiles.newstart.synth import synthesize

AGREEMENTS = ["newstart", "newstart-2021", "ru-counting-2022"]


@cache
def records(party: str, as_of: str) -> list[dict]:
    decl = synthesize(load_agreement("newstart-2021"), party, dt.date.fromisoformat(as_of), seed=1, months=1)
    return decl.declaration.records()


def _itemized_limits(ag):
    rules = {r.category for r in ag.counting}
    return [lim for lim in ag.limits if lim.categories and set(lim.categories) <= rules]


@pytest.mark.parametrize("agreement", AGREEMENTS)
@pytest.mark.parametrize("party, as_of", [("US", "2020-09-01"), ("RU", "2020-09-01"), ("US", "2022-03-01")])
def test_shares_add_up_to_the_counted_total(agreement: str, party: str, as_of: str) -> None:
    ag = load_agreement(agreement)
    table = ItemTable.from_records(records(party, as_of), vocabulary=ag.vocabulary)
    counts = count_items(ag, table)
    limits = _itemized_limits(ag)
    assert limits
    for lim in limits:
        shares = item_contributions(ag, table, lim.categories)
        assert shares.dtype == np.int64 and (shares >= 0).all()
        assert int(shares.sum()) == sum(counts[c] for c in set(lim.categories)), lim.id


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_shares_of_any_subset_add_up(data: st.DataObject) -> None:
    ag = load_agreement("newstart-2021")
    recs = records("US", "2020-09-01")
    picked = data.draw(st.lists(st.sampled_from(recs), min_size=1, max_size=60, unique_by=lambda r: r["id"]))
    table = ItemTable.from_records(picked, vocabulary=ag.vocabulary)
    counts = count_items(ag, table)
    for lim in _itemized_limits(ag):
        assert int(item_contributions(ag, table, lim.categories).sum()) == sum(counts[c] for c in set(lim.categories))


def test_a_category_no_rule_counts_is_an_input_error() -> None:
    ag = load_agreement("newstart-2021")
    with pytest.raises(InputError, match="no counting rule"):
        rules_for(ag, ["no_such_category"])
