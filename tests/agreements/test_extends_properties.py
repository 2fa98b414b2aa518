"""Properties of ``extends`` derivation (a pure function of two mappings)."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.agreements import build_agreement, derive, load_agreement

BASE = load_agreement("newstart")
LIMIT_IDS = [lim.id for lim in BASE.limits]
CATEGORY_IDS = [c.id for c in BASE.categories]


def snapshot(mapping):
    return copy.deepcopy(dict(mapping))


def test_empty_derivation_keeps_every_clause():
    child = {"id": "same", "extends": "newstart"}
    derived = build_agreement(derive(BASE.raw, child))
    assert derived.id == "same"
    assert derived.limits == BASE.limits
    assert derived.counting == BASE.counting
    assert derived.regime == BASE.regime
    assert derived.effective == BASE.effective


@settings(max_examples=60, deadline=None)
@given(
    limit=st.sampled_from(LIMIT_IDS),
    cap=st.integers(min_value=0, max_value=10_000),
)
def test_overriding_one_cap_changes_only_that_cap(limit, cap):
    before = snapshot(BASE.raw)
    child = {"id": "variant", "extends": "newstart", "limits": [{"id": limit, "cap": cap}]}
    derived = build_agreement(derive(BASE.raw, child))
    assert snapshot(BASE.raw) == before  # the base is never modified
    for lim, orig in zip(derived.limits, BASE.limits):
        assert lim.id == orig.id
        if lim.id == limit:
            assert lim.cap.value == cap
            assert (lim.categories, lim.binding, lim.source) == (orig.categories, orig.binding, orig.source)
        else:
            assert lim == orig


@settings(max_examples=40, deadline=None)
@given(removed=st.sets(st.sampled_from(LIMIT_IDS)), scope=st.lists(st.sampled_from(CATEGORY_IDS), min_size=1,
                                                                    max_size=4, unique=True))
def test_remove_and_add_limits(removed, scope):
    child = {
        "id": "variant",
        "extends": "newstart",
        "remove": {"limits": sorted(removed)},
        "limits": [{"id": "extra", "title": "Extra", "categories": scope, "cap": 1,
                    "source": {"ref": "fact_sheet"}}],
    }
    derived = build_agreement(derive(BASE.raw, child))
    ids = [lim.id for lim in derived.limits]
    assert ids == [i for i in LIMIT_IDS if i not in removed] + ["extra"]
    assert derived.limit("extra").categories == tuple(scope)


@settings(max_examples=30, deadline=None)
@given(years=st.integers(min_value=1, max_value=30))
def test_derivation_is_deterministic_and_chains(years):
    expires = BASE.entry_into_force.date.replace(year=BASE.entry_into_force.date.year + years)
    child = {"id": "c1", "extends": "newstart", "dates": {"expires": {"date": expires, "source": "fact_sheet"}}}
    one = build_agreement(derive(BASE.raw, child))
    two = build_agreement(derive(BASE.raw, child))
    assert one == two
    assert one.effective.end == expires
    grandchild = {"id": "c2", "extends": "c1", "legal_form": "proposal"}
    g = build_agreement(derive(one.raw, grandchild))
    assert g.effective.end == expires and g.legal_form == "proposal"
    assert g.limits == one.limits
