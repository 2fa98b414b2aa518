"""Properties of ``extends`` derivation (a pure function of two mappings) and of the rule that a
derived clause owns its provenance."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accord
from accord.agreements import derive
from accord.errors import InputError
from accord.sources import Source

BASE = accord.load_agreement("newstart")
LIMIT_IDS = [lim.id for lim in BASE.limits]
CATEGORY_IDS = [c.id for c in BASE.categories]
ORIGINAL = {lim.id: lim for lim in BASE.limits}
ORIGINAL_RAW = {lim["id"]: lim for lim in BASE.raw["limits"]}
MINE = {"document": "A proposal of mine", "article": "para 1"}
_names = itertools.count()


def snapshot(mapping):
    return copy.deepcopy(dict(mapping))


def build(child: dict[str, Any], *bases: dict[str, Any]) -> accord.Agreement:
    """The agreement ``child`` derives, loaded the way a user's file is (``accord.load_agreement``);
    ``bases`` are files it extends by id (written beside it as ``<id>.yaml``)."""
    with tempfile.TemporaryDirectory() as tmp:
        for base in bases:
            (Path(tmp) / f"{base['id']}.yaml").write_text(json.dumps(base, default=str), encoding="utf-8")
        path = Path(tmp) / f"derived-{next(_names)}.yaml"  # a new name: loads are cached by path
        path.write_text(json.dumps(child, default=str), encoding="utf-8")  # JSON is YAML
        return accord.load_agreement(path)


def provenance_error(child: dict[str, Any]) -> InputError:
    with pytest.raises(InputError) as info:
        derive(BASE.raw, child)
    return info.value


def own(**fields: Any) -> dict[str, Any]:
    """A derived file's top level with its own source and legal form."""
    return {"extends": "newstart", "legal_form": "proposal", "source": MINE, **fields}


def test_empty_derivation_keeps_every_clause():
    child = {"id": "same", "extends": "newstart", "legal_form": "treaty", "source": MINE}
    derived = build(child)
    assert derived.id == "same"
    assert derived.limits == BASE.limits
    assert derived.counting == BASE.counting
    assert derived.regime == BASE.regime
    assert derived.effective == BASE.effective


# Each example below loads a derived file through the public API (about 0.1 s): fewer examples.
@settings(max_examples=25, deadline=None)
@given(
    limit=st.sampled_from(LIMIT_IDS),
    cap=st.integers(min_value=0, max_value=10_000),
)
def test_overriding_one_cap_changes_only_that_cap(limit, cap):
    before = snapshot(BASE.raw)
    child = own(id="variant", limits=[{"id": limit, "cap": cap, "legal_form": "proposal", "source": MINE}])
    derived = build(child)
    assert snapshot(BASE.raw) == before  # the base is never modified
    for lim, orig in zip(derived.limits, BASE.limits, strict=True):
        assert lim.id == orig.id
        if lim.id == limit:
            assert lim.cap.value == cap
            assert (lim.categories, lim.binding) == (orig.categories, orig.binding)
            # the changed clause cites the child's source, whole, and states the child's legal form
            assert (lim.source, lim.legal_form) == (Source(**MINE, reliability="user"), "proposal")
        else:
            assert lim == orig


@settings(max_examples=20, deadline=None)
@given(removed=st.sets(st.sampled_from(LIMIT_IDS)), scope=st.lists(st.sampled_from(CATEGORY_IDS), min_size=1,
                                                                    max_size=4, unique=True))
def test_remove_and_add_limits(removed, scope):
    child = own(
        id="variant",
        remove={"limits": sorted(removed)},
        limits=[{"id": "extra", "title": "Extra", "categories": scope, "cap": 1, "source": {"ref": "fact_sheet"}}],
    )
    derived = build(child)
    ids = [lim.id for lim in derived.limits]
    assert ids == [i for i in LIMIT_IDS if i not in removed] + ["extra"]
    assert derived.limit("extra").categories == tuple(scope)


@settings(max_examples=10, deadline=None)
@given(years=st.integers(min_value=1, max_value=30))
def test_derivation_is_deterministic_and_chains(years):
    expires = BASE.entry_into_force.date.replace(year=BASE.entry_into_force.date.year + years)
    child = {"id": "c1", "extends": "newstart", "legal_form": "treaty", "source": MINE,
             "dates": {"expires": {"date": expires, "source": "fact_sheet"}}}
    one = build(child)
    assert one == replace(build(child), path=one.path)
    assert derive(BASE.raw, child) == derive(BASE.raw, child)
    assert one.effective.end == expires
    grandchild = {"id": "c2", "extends": "c1.yaml", "legal_form": "proposal", "source": MINE}
    g = build(grandchild, child)
    assert g.effective.end == expires and g.legal_form == "proposal"
    assert g.limits == one.limits


# ----------------------------------------------------------------------------- provenance


@settings(max_examples=60, deadline=None)
@given(limit=st.sampled_from(LIMIT_IDS), cap=st.integers(min_value=0, max_value=10_000),
       missing=st.sampled_from(["source", "legal_form"]))
def test_a_changed_limit_must_give_its_own_source_and_legal_form(limit, cap, missing):
    clause = {"id": limit, "cap": cap, "legal_form": "proposal", "source": MINE}
    del clause[missing]
    child = own(id="variant", limits=[clause])
    if cap == ORIGINAL[limit].cap.value:
        derive(BASE.raw, child)  # restating the base's cap changes nothing: nothing to cite
        return
    err = provenance_error(child)
    assert err.field == f"limits[{LIMIT_IDS.index(limit)}].{missing}"
    assert limit in err.problem and "cap" in err.problem and f"inherits the base's {missing}" in err.problem


# One change to each kind of clause of the base, and the field its missing source is reported at.
CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"categories": [{"id": "deployed_icbms", "title": "Land-based missiles"}]}, "categories[0].source"),
    ({"counting": [{"category": "deployed_icbms", "count": "warheads"}]}, "counting[0].source"),
    ({"limits": [{"id": "deployed_warheads", "from": dt.date(2019, 1, 1), "legal_form": "proposal"}]},
     "limits[1].source"),
    ({"limits": [{"id": "deployed_warheads", "verification": "none", "source": MINE}]}, "limits[1].legal_form"),
    ({"dates": {"extension": {"max_years": 10}}}, "dates.extension.source"),
    ({"regime": {"notification_deadline_days": 2}}, "regime.source"),
    ({"remove": {"regime.inspections": ["type_two"]}}, "regime.source"),
    ({"regime": {"inspections": [{"id": "type_one", "quota_per_year": 20}]}}, "regime.inspections[0].source"),
]


@pytest.mark.parametrize(("change", "field"), CHANGES, ids=[f for _, f in CHANGES])
def test_every_changed_clause_needs_its_own_source(change, field):
    err = provenance_error(own(id="variant", **change))
    assert err.field == field and "inherits the base's" in err.problem


@pytest.mark.parametrize("missing", ["source", "legal_form"])
def test_the_derived_agreement_itself_needs_its_own_source_and_legal_form(missing):
    child = own(id="variant", title="Another agreement")
    del child[missing]
    err = provenance_error(child)
    assert err.field == missing and "the derived agreement" in err.problem


@settings(max_examples=40, deadline=None)
@given(limit=st.sampled_from(LIMIT_IDS), note=st.text(min_size=1, max_size=20),
       legal_form=st.sampled_from(["treaty", "proposal", "interpretation", "political_commitment"]))
def test_changing_only_provenance_fields_needs_nothing_new(limit, note, legal_form):
    child = own(id="variant", limits=[{"id": limit, "note": note, "legal_form": legal_form}])
    merged = derive(BASE.raw, child)
    lim = next(x for x in merged["limits"] if x["id"] == limit)
    assert lim["source"] == ORIGINAL_RAW[limit]["source"] and lim["legal_form"] == legal_form



@settings(max_examples=20, deadline=None)
@given(document=st.text(alphabet=st.characters(min_codepoint=65, max_codepoint=122), min_size=1, max_size=30),
       limit=st.sampled_from(LIMIT_IDS))
def test_a_source_is_replaced_whole(document, limit):
    # a clause's own source: nothing of the base's (URL, article, reliability) survives
    child = own(id="variant", limits=[{"id": limit, "cap": 1, "legal_form": "proposal",
                                       "source": {"document": document}}])
    lim = next(x for x in derive(BASE.raw, child)["limits"] if x["id"] == limit)
    assert dict(lim["source"]) == {"document": document}
    # a named source redefined by the child: every clause citing it cites the new document only
    named = own(id="variant", sources={"fact_sheet": {"document": document, "reliability": "secondary"}})
    assert dict(derive(BASE.raw, named)["sources"]["fact_sheet"]) == {"document": document,
                                                                       "reliability": "secondary"}
    cited = build(named).limit(limit).source
    assert (cited.document, cited.url, cited.reliability) == (document, None, "secondary")


def test_a_new_clause_cites_what_it_chooses():
    # a clause the base does not have is not inherited from anything: the loader asks for its source
    child = own(id="variant", limits=[{"id": "extra", "title": "Extra", "categories": ["deployed_icbms"],
                                        "cap": 1, "source": {"ref": "fact_sheet", "article": "Article II.1(a)"}}])
    assert build(child).limit("extra").source.url == BASE.source.url


# ----------------------------------------------------------------------------- slipping a change past the rule


@pytest.mark.parametrize("child_id", [None, "newstart"])
def test_a_derived_agreement_has_its_own_id(child_id):
    # without one it was reported as `newstart`, under the treaty's title, source and legal form
    child = {"extends": "newstart", "limits": [{"id": "deployed_warheads", "cap": 1000, "legal_form": "proposal",
                                                "source": MINE}]}
    if child_id is not None:
        child["id"] = child_id
    err = provenance_error(child)
    assert err.field == "id" and "needs its own id" in err.problem


@settings(max_examples=30, deadline=None)
@given(limit=st.sampled_from(LIMIT_IDS), cap=st.integers(min_value=0, max_value=10_000),
       named=st.booleans())
def test_restating_the_base_source_word_for_word_is_inheriting_it(limit, cap, named):
    # the case: a 1,000 cap credited to the 2010 fact sheet, now by copying its citation
    base_source = ORIGINAL_RAW[limit]["source"]
    source = base_source if not named or not isinstance(base_source, str) else {"ref": base_source}
    child = own(id="variant", limits=[{"id": limit, "cap": cap, "legal_form": "proposal", "source": source}])
    if cap == ORIGINAL[limit].cap.value:
        derive(BASE.raw, child)  # nothing changed: nothing to cite
        return
    err = provenance_error(child)
    assert err.field == f"limits[{LIMIT_IDS.index(limit)}].source" and "cites the base's source" in err.problem
    # the same document with the article that says it is the clause's own citation
    fixed = own(id="variant", limits=[{"id": limit, "cap": cap, "legal_form": "proposal",
                                       "source": {"ref": "fact_sheet", "article": "my reading of Article II"}}])
    assert build(fixed).limit(limit).cap.value == cap


@pytest.mark.parametrize("missing", ["source", "legal_form"])
def test_removing_a_clause_and_adding_it_back_changed_is_changing_it(missing):
    original = dict(ORIGINAL_RAW["deployed_warheads"])
    again = {**original, "cap": 1000, "legal_form": "proposal", "source": MINE}
    del again[missing]
    child = own(id="variant", remove={"limits": ["deployed_warheads"]}, limits=[again])
    err = provenance_error(child)
    assert err.field == f"limits[2].{missing}" and f"inherits the base's {missing}" in err.problem
    # the same clause put back unchanged owes nothing
    same = own(id="variant", remove={"limits": ["deployed_warheads"]}, limits=[original])
    assert build(same).limit("deployed_warheads").source == ORIGINAL["deployed_warheads"].source
