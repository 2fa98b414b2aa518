"""Provenance: reliability labels that say what a number is, derived clauses that cite their own
source, and the bundled exchanges cited to the State Department's record where it was found."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

import accord
from accord.errors import InputError
from accord.sources import RELIABILITIES, RELIABILITY_ORDER, Source, reliability_rank, weakest

#: Where a government publishes its own documents (a source read there may be labelled official).
GOVERNMENT_DOMAINS = ("state.gov", "osd.mil", "mid.ru", "kremlin.ru", "usembassy.gov", "usmission.gov")


def is_government(url: str | None) -> bool:
    """Whether ``url`` is at one of :data:`GOVERNMENT_DOMAINS` (or a subdomain of one)."""
    host = urlparse(url or "").hostname or ""
    return any(host == d or host.endswith(f".{d}") for d in GOVERNMENT_DOMAINS)


def sources_of(a: accord.Agreement) -> list[Source]:
    """Every source an agreement cites."""
    dated = [a.signed, a.entry_into_force, a.expires, a.withdrawal]
    clauses = [*a.categories, *a.counting, *a.limits, *a.regime.data_exchanges, *a.regime.notifications,
               *a.regime.inspections, *a.conditions, *(d for d in dated if d is not None)]
    out = [a.source, *(c.source for c in clauses)]
    if a.extension is not None:
        out.append(a.extension.source)
    if a.regime.source is not None:
        out.append(a.regime.source)
    return out


# ----------------------------------------------------------------------------- labels


def test_labels_weakest_first():
    assert RELIABILITY_ORDER == ("synthetic", "user", "estimate", "secondary", "official-copy", "official")
    assert set(RELIABILITIES) == set(RELIABILITY_ORDER)
    assert [reliability_rank(r) for r in RELIABILITY_ORDER] == list(range(len(RELIABILITY_ORDER)))
    assert weakest(["official", "estimate", "official-copy"]) == "estimate"
    assert weakest([]) is None


@given(st.lists(st.sampled_from(RELIABILITY_ORDER), min_size=1))
def test_weakest_is_the_minimum_rank_and_ignores_order(labels):
    w = weakest(labels)
    assert w in labels
    assert all(reliability_rank(w) <= reliability_rank(x) for x in labels)
    assert weakest(reversed(labels)) == w and weakest([*labels, w]) == w


@pytest.mark.parametrize("old", ["weak", "derived", "Official", ""])
def test_an_unknown_label_is_refused(old):
    with pytest.raises(ValueError, match="unknown reliability"):
        Source("a document", reliability=old)


def test_a_source_ranks_and_serializes_its_second_sources():
    copy = Source("State fact sheet, copy", url="https://www.globalsecurity.org/x", reliability="official-copy")
    s = Source("A report", reliability="secondary", also=(copy,))
    assert s.rank < copy.rank
    assert s.to_json()["also"] == [copy.to_json()]
    assert Source.from_mapping(s.to_json()) == s


# ----------------------------------------------------------------------------- the library


@pytest.mark.parametrize("agreement", accord.library_ids())
def test_official_means_read_at_a_government_address(agreement):
    for s in sources_of(accord.load_agreement(agreement)):
        assert s.reliability in RELIABILITIES, s
        if s.reliability == "official":
            assert is_government(s.url), f"{s.document} is labelled official but read at {s.url}"
        if s.reliability == "official-copy":
            assert s.url and not is_government(s.url), f"{s.document}: a copy is read on another site"


DERIVED = [a for a in accord.library_ids() if accord.load_agreement(a).extends]


@pytest.mark.parametrize("agreement", DERIVED)
def test_a_derived_clause_that_differs_cites_its_own_source(agreement):
    a = accord.load_agreement(agreement)
    base = accord.load_agreement(a.extends)
    assert a.source != base.source and a.legal_form  # the derived agreement is its own document
    for lim in a.limits:
        if lim.id not in {b.id for b in base.limits}:
            continue
        orig = base.limit(lim.id)
        if (lim.cap, lim.categories, lim.binding, lim.verification, lim.kind) != (
                orig.cap, orig.categories, orig.binding, orig.verification, orig.kind):
            assert lim.source != orig.source, f"{agreement}: {lim.id} credits its base's source"


def test_ru_2025_limits_cite_the_offer_not_the_2010_fact_sheet():
    a = accord.load_agreement("ru-2025-voluntary")
    for lim in a.limits:
        assert "Putin" in lim.source.document and lim.legal_form == "political_commitment"
        assert "Article II.1" in (lim.source.note or "")  # the number is still the treaty's


def _load_text(text: str) -> accord.Agreement:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "newstart-1000.yaml"
        path.write_text(text, encoding="utf-8")
        return accord.load_agreement(path)


README_EXAMPLE = """\
id: newstart-1000
extends: newstart-2021
title: New START with 1,000 deployed warheads
legal_form: proposal
adopted: false
source: {document: "My proposal"}
limits:
  - id: deployed_warheads
    cap: 1000
    legal_form: proposal
    source: {document: "My proposal", article: "para 1"}
"""


def test_the_readme_example_states_its_own_provenance():
    a = _load_text(README_EXAMPLE)
    lim = a.limit("deployed_warheads")
    assert (lim.cap.value, lim.legal_form, lim.source.document, lim.source.url) == (1000, "proposal", "My proposal",
                                                                                    None)


def test_a_deeper_cut_that_inherits_the_treaty_form_is_refused():
    # the issue: a 1,000 cap credited to the 2010 fact sheet and called a treaty limit
    text = README_EXAMPLE.replace("    legal_form: proposal\n", "")
    with pytest.raises(InputError) as info:
        _load_text(text)
    err = info.value
    assert err.file and err.file.endswith("newstart-1000.yaml") and err.line == 9
    assert err.field == "limits[1].legal_form" and "deployed_warheads" in err.problem


# ----------------------------------------------------------------------------- the bundled record


def _aggregate_sources() -> dict[tuple[str, str], Source]:
    out = {}
    for snap in accord.bundled_holdings():
        for total in snap.totals:
            if total.source and "newstart_aggregate.csv" in (total.source.article or ""):
                out[(snap.party, snap.date.isoformat())] = total.source
    return out


def test_every_bundled_exchange_says_where_its_figures_were_read():
    sources = _aggregate_sources()
    assert len(sources) >= 45
    for (party, day), s in sources.items():
        assert s.url and s.document and s.reliability in ("official", "official-copy", "secondary"), (party, day)
        assert (s.reliability == "official") == is_government(s.url), (party, day, s.url)


def test_primary_documents_where_found():
    sources = _aggregate_sources()
    # figures read in the governments' own documents
    assert "state.gov" in sources[("US", "2023-03-01")].url and sources[("US", "2023-03-01")].reliability == "official"
    assert "mid.ru" in sources[("RU", "2022-03-01")].url and sources[("RU", "2022-03-01")].reliability == "official"
    # a verbatim copy of the State fact sheet of 1 December 2020
    assert sources[("US", "2020-09-01")].reliability == "official-copy"
    # State's own charts of February 2011 - September 2020 are cited beside the copy, as official
    for day in ("2011-02-05", "2015-09-01", "2020-09-01"):
        (chart,) = sources[("RU", day)].also
        assert chart.reliability == "official" and is_government(chart.url) and "not read" in (chart.note or "")


def test_user_data_is_never_labelled_official():
    agreement = accord.load_agreement("newstart")
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "mine.csv"
        csv_path.write_text("party,date,deployed_warheads\nUS,2020-09-01,1457\n", encoding="utf-8")
        json_path = Path(tmp) / "mine.json"
        json_path.write_text(json.dumps({"party": "US", "date": "2020-09-01",
                                         "counts": {"deployed_warheads": 1457}}), encoding="utf-8")
        for path in (csv_path, json_path):
            for snap in accord.load_holdings(path, agreement):
                for total in snap.totals:
                    assert total.source is not None and total.source.reliability == "user"


def test_a_source_that_states_no_reliability_is_the_users_never_official(tmp_path):
    """Only a stated label makes a figure official: a user's clause citing "My proposal" is `user`."""
    p = tmp_path / "mine.yaml"
    p.write_text("id: mine\nextends: newstart-2021\ntitle: Mine\nlegal_form: proposal\nadopted: false\n"
                 "source: {document: My proposal}\nlimits:\n  - id: deployed_warheads\n    cap: 1000\n"
                 "    legal_form: proposal\n    source: {document: My proposal, article: para 1}\n", encoding="utf-8")
    ag = accord.load_agreement(str(p))
    assert ag.source.reliability == "user"
    assert ag.limit("deployed_warheads").source.reliability == "user"
    assert ag.limit("deployed_delivery_vehicles").source.reliability == "official"  # inherited, labelled


def test_every_source_in_the_library_states_its_reliability():
    """The `user` default must never apply to the built-in library: each source says what it is."""
    import yaml

    from accord.agreements.load import LIBRARY

    def inline_sources(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "source" and isinstance(v, dict) and "ref" not in v:
                    yield path + ".source", v
                yield from inline_sources(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from inline_sources(v, f"{path}[{i}]")

    unlabelled = []
    for f in sorted(LIBRARY.rglob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        named = [(f"sources.{n}", s) for n, s in (data.get("sources") or {}).items()]
        for where, s in [*named, *inline_sources(data, "")]:
            if "reliability" not in s:
                unlabelled.append(f"{f.name}: {where}")
    assert not unlabelled
