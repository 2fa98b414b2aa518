"""Findings on estimates given as ranges: ``within`` when the high end is at most the cap,
``exceeds`` when the low end is over it, ``uncertain`` otherwise; the interval and a probability
under a stated distribution carried on the finding; ranges summed end to end; a freeze whose
baseline is a range. The figures are made up for the tests (no source is implied)."""

from __future__ import annotations

import datetime as dt
import math
import textwrap

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from accord.agreements.model import Agreement
from accord.app.library import load_agreement
from accord.compliance import STATUSES, evaluate
from accord.compliance.findings import FRAME_COLUMNS
from accord.compliance.probability import p_exceeds
from accord.compliance.rules.base import compare
from accord.errors import InputError
from accord.forces import Count, Holdings, ReportedTotal, Snapshot
from accord.forces.estimates import Estimate
from accord.sources import Source

D = dt.date
DAY = D(2026, 3, 1)

AGREEMENT = """\
id: ranges
title: An all-warhead agreement for the range tests
parties: [US, RU, CN, UK, FR]
legal_form: proposal
sources:
  doc: {document: A proposal, url: https://example.org/proposal}
source: doc
dates:
  entry_into_force: {date: 2026-02-06, source: doc}
  expires: {date: 2036-02-06, source: doc}
categories:
  - {id: deployed, title: Deployed warheads, unit: warheads, source: doc}
  - {id: stored, title: Stored warheads, unit: warheads, source: doc}
  - {id: tests, title: Nuclear explosive tests, source: doc}
limits:
  - {id: all_warheads, title: All warheads, categories: [deployed, stored], cap: {value: 1000, parameter: true},
     source: doc}
  - {id: allied, title: Allied warheads, kind: coalition, parties: [US, UK, FR], categories: [deployed],
     cap: {value: 2000, parameter: true}, source: doc}
  - {id: no_tests, title: No tests, kind: ban, categories: [tests], source: doc}
freezes:
  - {id: freeze, title: Deployed warheads frozen, categories: [deployed], cap: {level_on: 2026-02-06}, source: doc}
regime:
  verification: none
"""

EST = Source("test estimate", reliability="estimate")


@pytest.fixture(scope="module")
def ag(tmp_path_factory) -> Agreement:
    p = tmp_path_factory.mktemp("ranges") / "ranges.yaml"
    p.write_text(textwrap.dedent(AGREEMENT))
    return load_agreement(str(p))


def snap(party, day=DAY, **counts):
    """Counts given as ints (exact) or (low, central, high) tuples (ranges)."""
    out = {}
    for cat, v in counts.items():
        out[cat] = Count.of(Estimate(*v), EST) if isinstance(v, tuple) else Count(v, EST)
    return Snapshot(party, day, out, origin=f"{party} test data")


def one(ag, holdings, limit, party=None, at=DAY, **kw):
    (f,) = evaluate(ag, holdings, at=at, **kw).where(limit=limit, **({"party": party} if party else {}))
    return f


def all_warheads(ag, deployed, cap, stored=0, **kw):
    return one(ag, Holdings([snap("US", deployed=deployed, stored=stored)]), "all_warheads", "US",
               caps={"all_warheads": cap}, **kw)


# ----------------------------------------------------------------------------- the three statuses


def test_boundaries_of_the_three_statuses(ag):
    # high == cap: within (the whole range is at or under the cap)
    f = all_warheads(ag, (900, 950, 1000), 1000)
    assert (f.status, f.low, f.value, f.high, f.p_exceeds) == ("within", 900, 950, 1000, 0.0)
    # low == cap + 1: exceeds (the whole range is over the cap)
    f = all_warheads(ag, (1001, 1050, 1100), 1000)
    assert (f.status, f.p_exceeds) == ("exceeds", 1.0)
    # low == cap: uncertain (the true count may be exactly the cap, or over it)
    f = all_warheads(ag, (1000, 1050, 1100), 1000)
    assert f.status == "uncertain" and 0 < f.p_exceeds < 1
    # high == cap + 1: uncertain, and very likely within
    f = all_warheads(ag, (900, 950, 1001), 1000)
    assert f.status == "uncertain" and 0 < f.p_exceeds < 0.01
    assert f.distribution == "triangular(low, central, high)"


def test_an_exact_figure_has_no_interval_and_no_probability(ag):
    f = all_warheads(ag, 1001, 1000)
    assert (f.status, f.low, f.high, f.p_exceeds, f.distribution) == ("exceeds", None, None, None, None)
    assert f.headroom == -1 and f.describe_headroom() == "over the cap by 1"
    assert not any("P(over" in n for n in f.trace.get("notes", ()))


def test_the_central_value_alone_never_decides(ag):
    # central 1,190 is 190 over the cap, but the range reaches under it: not "exceeds by 190"
    f = all_warheads(ag, (950, 1190, 1300), 1000)
    assert f.status == "uncertain" and f.headroom == -190  # headroom is the central estimate's
    assert f.headroom_range == (1000 - 1300, 1000 - 950)
    text = f.describe_headroom()
    assert text == "from 300 over to 50 under the cap" and "190" not in text
    notes = " ".join(f.trace["notes"])
    assert "950 to 1,300 (central 1,190)" in notes and "uncertain" in notes
    assert "P(over the cap) = 0.97 under triangular(low, central, high)" in notes  # the example in docs/json.md
    assert "exceeds by" not in notes and "over the cap by 190" not in notes


def test_headroom_in_words_for_each_status(ag):
    assert all_warheads(ag, (1050, 1190, 1250), 1000).describe_headroom() == "over the cap by 50 to 250"
    assert all_warheads(ag, (800, 900, 960), 1000).describe_headroom() == "40 to 200 under the cap"
    assert all_warheads(ag, 1000, 1000).describe_headroom() == "at the cap"
    assert all_warheads(ag, 700, 1000).describe_headroom() == "300 under the cap"


def test_ban_on_a_range(ag):
    h = Holdings([snap("US", tests=(0, 0, 2)), snap("RU", tests=(1, 1, 3)), snap("CN", tests=0)])
    r = evaluate(ag, h, at=DAY)
    assert r.where(party="US", limit="no_tests")[0].status == "uncertain"  # none, or up to two
    assert r.where(party="RU", limit="no_tests")[0].status == "exceeds"
    assert r.where(party="CN", limit="no_tests")[0].status == "within"


# ----------------------------------------------------------------------------- sums of ranges


def test_a_limits_categories_sum_end_to_end(ag):
    f = all_warheads(ag, (400, 450, 500), 1000, stored=(300, 350, 520))
    assert (f.low, f.value, f.high) == (700, 800, 1020)
    assert f.status == "uncertain"
    parts = {p["categories"][0]: p for p in f.trace["parts"]}
    assert (parts["stored"]["low"], parts["stored"]["value"], parts["stored"]["high"]) == (300, 350, 520)
    # an exact part adds nothing to the width
    f = all_warheads(ag, (400, 450, 500), 1000, stored=300)
    assert (f.low, f.value, f.high, f.status) == (700, 750, 800, "within")
    assert "low" not in {p["categories"][0]: p for p in f.trace["parts"]}["stored"]


def test_a_reported_total_with_a_range(ag):
    total = ReportedTotal(frozenset({"deployed", "stored"}), 1100, "all_warheads", EST, range=Estimate(950, 1100, 1250))
    f = one(ag, Holdings([Snapshot("RU", DAY, {}, (total,), origin="t")]), "all_warheads", "RU")
    assert (f.low, f.value, f.high, f.status) == (950, 1100, 1250, "uncertain")


def test_a_coalition_sums_its_members_ranges(ag):
    h = Holdings([snap("US", deployed=(1600, 1700, 1800)), snap("UK", deployed=(100, 120, 130)),
                  snap("FR", deployed=280)])
    f = one(ag, h, "allied")
    assert (f.party, f.low, f.value, f.high) == ("US+UK+FR", 1980, 2100, 2210)
    assert f.status == "uncertain" and 0.5 < f.p_exceeds < 1
    f = one(ag, h, "allied", caps={"allied": 1979})
    assert (f.status, f.p_exceeds) == ("exceeds", 1.0)
    f = one(ag, h, "allied", caps={"allied": 2210})
    assert (f.status, f.p_exceeds) == ("within", 0.0)


# ----------------------------------------------------------------------------- a freeze on a range


def test_a_freeze_whose_baseline_is_a_range(ag):
    base = snap("RU", D(2026, 1, 1), deployed=(1500, 1550, 1600))
    same = snap("RU", deployed=(1500, 1550, 1600))
    f = one(ag, Holdings([base, same]), "freeze", "RU")
    # the same estimate twice cannot tell a stable force from one 100 larger: uncertain, not within
    assert (f.cap, f.cap_low, f.cap_high, f.status) == (1550, 1500, 1600, "uncertain")
    assert f.to_json()["trace"]["cap"]["low"] == 1500 and f.trace["cap"]["high"] == 1600
    # two independent, identical, symmetric ranges: over or under equally likely, ties within the cap
    ties = sum(_pmf(Estimate(1500, 1550, 1600), k) ** 2 for k in range(1500, 1601))
    assert math.isclose(f.p_exceeds, (1 - ties) / 2, rel_tol=1e-9) and f.p_exceeds < 0.5
    assert "value and cap independent" in " ".join(f.trace["notes"])
    # within only when the value's high end is at most the cap's low end
    assert one(ag, Holdings([base, snap("RU", deployed=(1400, 1450, 1500))]), "freeze", "RU").status == "within"
    assert one(ag, Holdings([base, snap("RU", deployed=(1400, 1450, 1501))]), "freeze", "RU").status == "uncertain"
    # exceeds only when the value's low end is above the cap's high end
    over = one(ag, Holdings([base, snap("RU", deployed=(1601, 1650, 1700))]), "freeze", "RU")
    assert (over.status, over.p_exceeds) == ("exceeds", 1.0)
    assert over.describe_headroom() == "over the cap by 1 to 200"


def test_a_freeze_of_an_exact_value_against_a_range_baseline(ag):
    base = snap("RU", D(2026, 1, 1), deployed=(1500, 1550, 1600))
    f = one(ag, Holdings([base, snap("RU", deployed=1550)]), "freeze", "RU")
    assert (f.low, f.high, f.cap_low, f.cap_high, f.status) == (None, None, 1500, 1600, "uncertain")
    # P(C < 1550) for C triangular(1500, 1550, 1600) rounded to whole numbers: F(1549.5)
    assert math.isclose(f.p_exceeds, _tri_cdf(1549.5, 1500, 1550, 1600), rel_tol=1e-12)


def test_p_exceeds_of_two_ranges_by_a_double_sum():
    """P(V > C), V and C independent whole numbers from triangulars, summed by hand."""
    v, c = Estimate(10, 13, 20), Estimate(12, 14, 15)
    by_hand = sum(_pmf(v, i) * _pmf(c, j) for i in range(v.low, v.high + 1) for j in range(c.low, c.high + 1) if i > j)
    assert math.isclose(p_exceeds(v, c), by_hand, rel_tol=1e-12)


# ----------------------------------------------------------------------------- the distribution


def _pmf(e, k):
    """P(the whole number is k): the triangular's mass between k - 1/2 and k + 1/2."""
    return _tri_cdf(k + 0.5, e.low, e.central, e.high) - _tri_cdf(k - 0.5, e.low, e.central, e.high)


def _tri_cdf(x, a, c, b):
    """The triangular CDF written out (not scipy): rising side, then falling side."""
    if x <= a:
        return 0.0
    if x >= b:
        return 1.0
    if x <= c:
        return (x - a) ** 2 / ((b - a) * (c - a))
    return 1 - (b - x) ** 2 / ((b - a) * (b - c))


@pytest.mark.parametrize("low, central, high, cap", [
    (1500, 1550, 1600, 1550), (1500, 1550, 1600, 1520), (1500, 1550, 1600, 1599), (1500, 1500, 1600, 1530),
    (1500, 1600, 1600, 1530), (0, 3, 7, 2), (5000, 5459, 5900, 5500),
])
def test_p_exceeds_against_the_triangular_cdf_by_hand(low, central, high, cap):
    # whole numbers: over the cap means the continuous value rounds to cap + 1 or more
    x = cap + 0.5
    expected = (1 - (x - low) ** 2 / ((high - low) * (central - low)) if x <= central
                else (high - x) ** 2 / ((high - low) * (high - central)))  # the upper tail, written directly
    assert math.isclose(p_exceeds(Estimate(low, central, high), Estimate.exact(cap)), expected, rel_tol=1e-9)


def test_a_symmetric_range_is_even_odds_at_its_centre():
    # 1,500 to 1,600 around 1,550: over 1,550 means 1,551 or more; P = 1 - F(1550.5), just under one half
    p = p_exceeds(Estimate(1500, 1550, 1600), Estimate.exact(1550))
    assert math.isclose(p, (1600 - 1550.5) ** 2 / (100 * 50), rel_tol=1e-12) and 0.49 < p < 0.5


def test_uniform_as_an_option(ag):
    f = all_warheads(ag, (900, 990, 1100), 1000, distribution="uniform")
    assert f.distribution == "uniform(low, high)"
    assert math.isclose(f.p_exceeds, (1100 - 1000.5) / 200, rel_tol=1e-12)  # ignores the central value
    tri = all_warheads(ag, (900, 990, 1100), 1000)
    assert tri.p_exceeds < f.p_exceeds  # the central value under the cap pulls the triangular down


def test_an_unknown_distribution_is_an_input_error(ag):
    with pytest.raises(InputError) as info:
        all_warheads(ag, (900, 990, 1100), 1000, distribution="normal")
    assert info.value.field == "distribution" and "triangular, uniform" in info.value.problem


# ----------------------------------------------------------------------------- invariants

bounds = st.tuples(st.integers(0, 3000), st.integers(0, 3000), st.integers(0, 3000)).map(sorted)
caps = st.integers(0, 3100)


@settings(max_examples=200, deadline=None)
@given(ends=bounds, cap=caps, cap_ends=st.one_of(st.none(), bounds), uniform=st.booleans())
def test_status_and_probability_follow_the_interval(ends, cap, cap_ends, uniform):
    value = Estimate(*ends)
    limit = Estimate(*cap_ends) if cap_ends else Estimate.exact(cap)
    dist = "uniform" if uniform else "triangular"
    status = compare(value, limit)
    assert status == ("within" if value.high <= limit.low else "exceeds" if value.low > limit.high else "uncertain")
    p = p_exceeds(value, limit, dist)
    if not value.is_range and not limit.is_range:
        assert p is None
        return
    assert p is not None and 0.0 <= p <= 1.0
    if status == "within":
        assert p == 0.0
    if status == "exceeds":
        assert p == 1.0


@settings(max_examples=150, deadline=None)
@given(ends=bounds, cap=caps, step=st.integers(1, 500), uniform=st.booleans())
def test_status_and_probability_are_monotone_in_the_cap(ends, cap, step, uniform):
    value = Estimate(*ends)
    assume(value.is_range)
    order = {"exceeds": 0, "uncertain": 1, "within": 2}
    dist = "uniform" if uniform else "triangular"
    lo, hi = Estimate.exact(cap), Estimate.exact(cap + step)
    # a higher cap never makes a verdict worse, nor the probability of being over it larger
    assert order[compare(value, lo)] <= order[compare(value, hi)]
    assert p_exceeds(value, hi, dist) <= p_exceeds(value, lo, dist) + 1e-12
    # and the uncertain band is exactly [low, high - 1]
    assert (compare(value, lo) == "uncertain") == (value.low <= cap < value.high)
    if compare(value, lo) == "uncertain":
        assert 0.0 < p_exceeds(value, lo, dist) < 1.0


@settings(max_examples=60, deadline=None)
@given(us=bounds, uk=bounds, fr=st.integers(0, 3000), cap=st.integers(0, 10_000))
def test_coalition_findings_match_the_summed_interval(tmp_path_factory, us, uk, fr, cap):
    ag = _agreement(tmp_path_factory)
    h = Holdings([snap("US", deployed=tuple(us)), snap("UK", deployed=tuple(uk)), snap("FR", deployed=fr)])
    f = one(ag, h, "allied", caps={"allied": cap})
    total = Estimate(*us) + Estimate(*uk) + Estimate.exact(fr)
    assert f.value == total.central and f.status == compare(total, Estimate.exact(cap))
    assert (f.low, f.high) == ((total.low, total.high) if total.is_range else (None, None))
    assert f.headroom == cap - total.central
    assert f.headroom_range == (cap - total.high, cap - total.low)
    if total.is_range:
        assert 0.0 <= f.p_exceeds <= 1.0 and f.distribution == "triangular(low, central, high)"
        assert (f.p_exceeds == 0.0) == (f.status == "within") and (f.p_exceeds == 1.0) == (f.status == "exceeds")
    else:
        assert f.p_exceeds is None and f.distribution is None


_CACHE: dict[str, Agreement] = {}


def _agreement(factory) -> Agreement:
    if "ag" not in _CACHE:
        p = factory.mktemp("ranges") / "ranges.yaml"
        p.write_text(textwrap.dedent(AGREEMENT))
        _CACHE["ag"] = load_agreement(str(p))
    return _CACHE["ag"]


# ----------------------------------------------------------------------------- outputs


def test_json_and_frame_carry_the_interval(ag):
    h = Holdings([snap("US", deployed=(400, 450, 500), stored=(500, 560, 600)), snap("RU", deployed=300, stored=200)])
    r = evaluate(ag, h, at=DAY, caps={"all_warheads": 1000})
    us = r.where(party="US", limit="all_warheads")[0].to_json()
    assert (us["low"], us["value"], us["high"], us["status"]) == (900, 1010, 1100, "uncertain")
    assert us["distribution"] == "triangular(low, central, high)" and 0 < us["p_exceeds"] < 1
    assert us["series"] is None and us["cap_low"] is None and us["cap_high"] is None
    ru = r.where(party="RU", limit="all_warheads")[0].to_json()
    assert (ru["low"], ru["high"], ru["p_exceeds"], ru["distribution"]) == (None, None, None, None)
    frame = r.to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert {"low", "high", "cap_low", "cap_high", "p_exceeds", "distribution", "series"} <= set(FRAME_COLUMNS)
    row = frame[(frame["party"] == "US") & (frame["limit"] == "all_warheads")].iloc[0]
    assert (row["low"], row["high"], row["status"]) == (900, 1100, "uncertain")
    assert str(frame["low"].dtype) == "Int64" and str(frame["p_exceeds"].dtype) == "Float64"


def test_where_knows_uncertain_and_refuses_a_misspelt_status(ag):
    h = Holdings([snap("US", deployed=(900, 1000, 1100), stored=0), snap("RU", deployed=500, stored=0)])
    r = evaluate(ag, h, at=DAY)
    assert "uncertain" in STATUSES
    assert [f.party for f in r.where(status="uncertain", limit="all_warheads")] == ["US"]
    assert r.uncertain == r.where(status="uncertain") and r.exceeded == ()
    with pytest.raises(ValueError, match="unknown status 'exceed'"):
        r.where(status="exceed")


def test_not_in_force_says_why(ag):
    h = Holdings([snap("US", D(2040, 1, 1), deployed=(900, 1000, 1100), stored=0)])
    f = one(ag, h, "all_warheads", "US", at=D(2040, 1, 1))
    assert f.status == "not_in_force" and f.p_exceeds is None  # nothing is compared when nothing binds
    assert (f.low, f.high) == (900, 1100)  # the data's interval is still shown
    assert f.trace["notes"][-1] == ("ranges expired on 2036-02-06 (in force 2026-02-06 to 2036-02-05): "
                                    "none of its limits binds on 2040-01-01")
