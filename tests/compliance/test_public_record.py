"""The compliance engine against the bundled public record (sources: shared/reference/*.csv)."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.app.library import load_agreement
from accord.compliance import evaluate
from accord.forces import Count, Holdings, ReportedTotal, Snapshot
from accord.profiles.newstart import bundled_holdings

D = dt.date
CENTRAL = ("deployed_delivery_vehicles", "deployed_warheads", "deployed_and_nondeployed_launchers")


@pytest.fixture(scope="module")
def timeline():
    return evaluate(load_agreement("newstart-2021"), bundled_holdings())


def test_every_exchange_since_2018_is_within_all_three_limits(timeline):
    # newstart-facts.md §2.1: both Parties met the limits by 5 Feb 2018 and kept them.
    checked = 0
    for f in timeline.findings:
        if f.date >= D(2018, 2, 5) and f.value is not None:
            assert f.status == "within", f
            assert f.value <= f.cap
            checked += 1
    # US and RU: 9 exchanges each from 2018-02-05 to 2022-03-01 (3 limits); RU 2022-09-01 warheads; US 2023-03-01
    assert checked == 2 * 9 * 3 + 1 + 3


def test_gaps_stay_missing(timeline):
    # Russia did not provide its 1 March 2023 data; only warheads are known for RU 2022-09-01.
    ru_2023 = timeline.where(party="RU", date=D(2023, 3, 1))
    assert {f.status for f in ru_2023} == {"no_data"} and all(f.value is None for f in ru_2023)
    ru_2022 = {f.limit: f for f in timeline.where(party="RU", date=D(2022, 9, 1))}
    assert ru_2022["deployed_warheads"].value == 1549 and ru_2022["deployed_warheads"].headroom == 1
    assert ru_2022["deployed_and_nondeployed_launchers"].status == "no_data"


def test_us_2011_warheads_over_the_cap_yet_not_binding(timeline):
    # Initial exchange: US 1,800 warheads (insidedefense.com; airforcemag cross-check).
    f = timeline.where(party="US", date=D(2011, 2, 5), limit="deployed_warheads")[0]
    assert f.value == 1800 and f.cap == 1550 and f.value > f.cap
    assert f.status == "not_binding"
    assert f.headroom == -250


def test_after_expiry_nothing_binds():
    h = Holdings([Snapshot("US", D(2026, 3, 1), {}, (ReportedTotal(frozenset(load_agreement(
        "newstart").limit("deployed_warheads").categories), 2000, "deployed_warheads"),))])
    r = evaluate(load_agreement("newstart-2021"), h)
    assert {f.status for f in r.findings} == {"not_in_force"}
    assert "expired on 2026-02-05" in r.findings[0].trace["notes"][-1]
    # Russia's 2025 offer was conditional on US reciprocity, which never came: it never took
    # effect, so 2,000 deployed warheads are not "exceeds" under it (it used to say so)
    r2 = evaluate(load_agreement("ru-2025-voluntary"), h)
    f = r2.where(limit="deployed_warheads")[0]
    assert f.status == "not_in_force" and "never took effect" in f.trace["notes"][-1]


def test_newstart_not_in_force_after_2021(timeline):
    r = evaluate(load_agreement("newstart"), bundled_holdings(), parties=["US"], at=D(2021, 2, 6))
    assert {f.status for f in r.findings} == {"not_in_force"}


def test_us_2020_breakdown_reproduces_the_official_totals():
    # State fact sheet of 1 Dec 2020 (globalsecurity copy): 397 MM III + 230 Trident + 12 B-2A + 36 B-52H = 675;
    # 454 ICBM launchers + 280 SLBM launchers + 48 deployed + 18 non-deployed bombers = 800.
    snap = bundled_holdings().get("US", D(2020, 9, 1))
    counts_only = Snapshot("US", snap.date, snap.counts, (), origin="breakdown only")
    r = evaluate(load_agreement("newstart-2021"), Holdings([counts_only]))
    by = {f.limit: f for f in r.findings}
    assert by["deployed_delivery_vehicles"].value == 675
    assert by["deployed_and_nondeployed_launchers"].value == 800
    assert all(p["origin"] == "count" for p in by["deployed_and_nondeployed_launchers"].trace["parts"])
    # test launchers (4) and test heavy bombers (5) are outside the official 800 (documented choice)
    assert snap.counts["test_icbm_launchers"].value == 4 and snap.counts["test_heavy_bombers"].value == 5
    # the warhead total is not broken down by category in the published data
    assert by["deployed_warheads"].status == "no_data"


def test_russias_2022_reading_is_computed_from_the_item_counts():
    # Russian MFA, March 2022: 56 Trident II launchers + 41 B-52H + 4 training silos => "exceeded by 101 units".
    snap = bundled_holdings().get("US", D(2022, 3, 1))
    r = evaluate(load_agreement("ru-counting-2022"), bundled_holdings(), parties=["US"], at=D(2022, 3, 1))
    f = r.where(limit="deployed_and_nondeployed_launchers")[0]
    claimed = sum(snap.counts[c].value for c in ("converted_slbm_launchers", "converted_heavy_bombers",
                                                  "icbm_training_silos"))
    assert f.value == 800 + claimed == 901
    assert f.status == "exceeds" and f.headroom == -101
    origins = {tuple(p["categories"]): p["origin"] for p in f.trace["parts"]}
    assert origins[("converted_slbm_launchers",)] == "count"
    # the same data under the treaty as the US read it: within
    r2 = evaluate(load_agreement("newstart-2021"), bundled_holdings(), parties=["US"], at=D(2022, 3, 1))
    assert r2.where(limit="deployed_and_nondeployed_launchers")[0].status == "within"
    # and the result follows the counts, it is not typed in
    fewer = Holdings([Snapshot("US", D(2022, 3, 1), {**snap.counts, "converted_heavy_bombers": Count(30)},
                               snap.totals)])
    f3 = evaluate(load_agreement("ru-counting-2022"), fewer).where(limit="deployed_and_nondeployed_launchers")[0]
    assert f3.value == 890 and f3.headroom == -90


def test_freeze_cap_defaults_to_the_level_at_the_start_and_can_be_set():
    ag = load_agreement("us-2020-freeze")
    r = evaluate(ag, bundled_holdings(), at=D(2021, 6, 1))
    ru = r.where(party="RU", limit="all_warheads_freeze")[0]
    # FAS: RU stockpile "approximately 4,310" (Mar 2020) and "nearly 4,500" (Apr 2021), ranges by the
    # words (force_estimates.csv): cap 4,305-4,315, value 4,400-4,500. The whole value range is above
    # the whole cap range, so it exceeds whatever the true counts within them, by 85 to 195.
    assert ru.cap == 4310 and ru.value == 4500 and ru.status == "exceeds" and ru.estimate
    assert (ru.cap_low, ru.cap_high, ru.low, ru.high) == (4305, 4315, 4400, 4500)
    assert ru.headroom_range == (-195, -85) and ru.p_exceeds == 1.0 and ru.distribution
    assert ru.trace["cap"]["data_as_of"] == "2020-03-13"
    us = r.where(party="US", limit="all_warheads_freeze")[0]
    # the US value on 1 June 2021 is the baseline itself (FAS, 12 Jan 2021, ~3,800): at the cap
    assert us.cap == 3800 and us.value == 3800 and us.status == "within"
    r2 = evaluate(ag, bundled_holdings(), at=D(2021, 6, 1), caps={"all_warheads_freeze": {"RU": 4600}})
    assert r2.where(party="RU", limit="all_warheads_freeze")[0].status == "within"
    assert r2.where(party="RU", limit="all_warheads_freeze")[0].trace["cap"]["rule"].startswith("set by the user")


def test_findings_carry_clause_and_source(timeline):
    for f in timeline.findings:
        assert f.source.document and f.trace["clause"]["limit"] == f.limit
        for p in f.trace["parts"]:
            assert p["source"]["document"]


def test_findings_carry_the_reliability_of_their_data(timeline):
    # the value's reliability is its weakest part's; no data, no reliability
    for f in timeline.findings:
        labels = {p["source"]["reliability"] for p in f.trace["parts"]}
        assert (f.data_reliability is None) == (not labels)
        assert f.data_reliability in labels | {None}
    r = evaluate(load_agreement("us-2020-freeze"), bundled_holdings(), at=D(2021, 6, 1))
    assert r.where(party="RU", limit="all_warheads_freeze")[0].data_reliability == "estimate"  # FAS
