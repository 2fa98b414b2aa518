"""Findings on ranges pushed to their edges: the probability checked against independent
computations (scipy's triangular, a double sum written out, a simulation), numbers at the edges
of floating point, ranges so wide that a sum over every whole number would take minutes, a freeze
compared with its own baseline, and every output (JSON, frame, notes) free of NaN, of a
probability rounded to a certainty, and of "over the cap by N" read from a central value. The
figures are made up for the tests (no source is implied)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import textwrap
import time

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from accord.app.library import load_agreement
from accord.compliance import evaluate
from accord.compliance.probability import p_exceeds
from accord.compliance.rules.base import compare
from accord.errors import InputError
from accord.forces import Count, Holdings, Snapshot
from accord.forces.estimates import Estimate
from accord.sources import Source

D = dt.date
FREEZE_DAY = D(2026, 2, 6)
DAY = D(2026, 3, 1)
EST = Source("test estimate", reliability="estimate")

AGREEMENT = """\
id: adversarial
title: Ranges at their edges
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
  - {id: total, title: All warheads, categories: [deployed, stored], cap: {value: 1000, parameter: true}, source: doc}
  - {id: allied, title: Allied warheads, kind: coalition, parties: [US, UK, FR], categories: [deployed],
     cap: {value: 2000, parameter: true}, source: doc}
  - {id: allied_frozen, title: Allied warheads frozen, kind: coalition, parties: [US, UK, FR],
     categories: [deployed], cap: {level_on: 2026-02-06}, source: doc}
  - {id: no_tests, title: No tests, kind: ban, categories: [tests], source: doc}
freezes:
  - {id: freeze, title: All warheads frozen, categories: [deployed, stored], cap: {level_on: 2026-02-06}, source: doc}
regime:
  verification: none
"""


@pytest.fixture(scope="module")
def ag(tmp_path_factory):
    p = tmp_path_factory.mktemp("adversarial") / "adversarial.yaml"
    p.write_text(textwrap.dedent(AGREEMENT))
    return load_agreement(str(p))


_AG: list = []


def _ag(factory):
    if not _AG:
        p = factory.mktemp("adversarial") / "adversarial.yaml"
        p.write_text(textwrap.dedent(AGREEMENT))
        _AG.append(load_agreement(str(p)))
    return _AG[0]


def snap(party, day=DAY, **counts):
    """Counts given as ints (exact) or (low, central, high) tuples (ranges)."""
    return Snapshot(party, day, {c: Count.of(Estimate(*v), EST) if isinstance(v, tuple) else Count(v, EST)
                                 for c, v in counts.items()}, origin=f"{party} test data")


def one(ag, holdings, limit, party=None, at=DAY, **kw):
    (f,) = evaluate(ag, holdings, at=at, **kw).where(limit=limit, **({"party": party} if party else {}))
    return f


# ----------------------------------------------------------------------------- independent computations


def _scipy_over(e: Estimate, cap: int) -> float:
    """P(round(X) > cap) for X triangular over ``e``, by scipy (a separate implementation)."""
    width = e.high - e.low
    return float(stats.triang((e.central - e.low) / width, loc=e.low, scale=width).sf(cap + 0.5))


ESTIMATES = [Estimate(0, 0, 1), Estimate(0, 1, 1), Estimate(0, 1, 2), Estimate(1500, 1500, 1600),
             Estimate(1500, 1600, 1600), Estimate(1500, 1550, 1600), Estimate(5000, 5459, 5900),
             Estimate(3, 4, 1000), Estimate(0, 999, 1000)]


@pytest.mark.parametrize("e", ESTIMATES, ids=str)
def test_p_exceeds_agrees_with_scipy_at_every_cap_in_the_range(e):
    for cap in range(e.low - 1, e.high + 1, max(1, (e.high - e.low) // 50)):
        assert math.isclose(p_exceeds(e, Estimate.exact(cap)), _scipy_over(e, cap), rel_tol=1e-9, abs_tol=1e-15)


def test_p_exceeds_agrees_with_a_simulation():
    # a million draws of the continuous triangular, rounded to whole numbers
    rng = np.random.default_rng(20260205)
    for e, cap in [(Estimate(1500, 1550, 1600), 1560), (Estimate(900, 1190, 1300), 1000),
                   (Estimate(0, 0, 10), 2)]:
        draws = np.rint(rng.triangular(e.low, e.central, e.high, 1_000_000))
        share = float(np.mean(draws > cap))
        assert abs(p_exceeds(e, Estimate.exact(cap)) - share) < 5 * math.sqrt(share * (1 - share) / 1e6) + 1e-6


def _pmf(e, k):
    return _tri_cdf(k + 0.5, e) - _tri_cdf(k - 0.5, e)


def _tri_cdf(x, e):
    a, c, b = e.low, e.central, e.high
    if x <= a:
        return 0.0
    if x >= b:
        return 1.0
    return (x - a) ** 2 / ((b - a) * (c - a)) if x <= c else 1 - (b - x) ** 2 / ((b - a) * (b - c))


@pytest.mark.parametrize("v, c", [
    (Estimate(10, 13, 20), Estimate(12, 14, 15)), (Estimate(0, 0, 5), Estimate(0, 5, 5)),
    (Estimate(100, 150, 200), Estimate(100, 150, 200)), (Estimate(7, 7, 7), Estimate(0, 3, 9)),
    (Estimate(0, 4, 9), Estimate(2, 2, 2)), (Estimate(50, 60, 61), Estimate(0, 55, 60)),
])
def test_p_exceeds_of_two_ranges_by_a_double_sum(v, c):
    vals = range(v.low, v.high + 1)
    pv = {i: (_pmf(v, i) if v.is_range else 1.0) for i in vals}
    pc = {j: (_pmf(c, j) if c.is_range else 1.0) for j in range(c.low, c.high + 1)}
    by_hand = sum(pv[i] * pc[j] for i in pv for j in pc if i > j)
    assert math.isclose(p_exceeds(v, c), by_hand, rel_tol=1e-9, abs_tol=1e-15)


# ----------------------------------------------------------------------------- floating point


@settings(max_examples=200, deadline=None)
@given(low=st.integers(0, 60), width=st.integers(1, 60), at=st.floats(0, 1), cap=st.integers(-5, 130),
       cap_width=st.integers(0, 30), shift=st.integers(0, 10**18), uniform=st.booleans())
def test_the_probability_depends_only_on_differences(low, width, at, cap, cap_width, shift, uniform):
    # counts far from zero (a raised ACCORD_MAX_COUNT, or a sum of many counts) lose the half in
    # k + 0.5 once turned into floats; the answer must not change when everything moves together
    e = Estimate(low, low + round(at * width), low + width)
    c = Estimate(cap, cap + cap_width // 2, cap + cap_width)
    dist = "uniform" if uniform else "triangular"
    moved = Estimate(e.low + shift, e.central + shift, e.high + shift)
    moved_cap = Estimate(c.low + shift, c.central + shift, c.high + shift)
    near, far = p_exceeds(e, c, dist), p_exceeds(moved, moved_cap, dist)
    assert near is not None and far is not None
    assert math.isclose(near, far, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("width", [10**6, 10**8, 10**9, 10**12])
def test_uncertain_is_strictly_between_0_and_1_however_wide_the_range(width):
    # one whole number at either end of the range: a probability of about 1/width² from certainty
    for e, cap in [(Estimate(0, 0, width), width - 1), (Estimate(0, width, width), 0),
                   (Estimate(0, width // 2, width), width - 1), (Estimate(0, width // 2, width), 0)]:
        assert compare(e, Estimate.exact(cap)) == "uncertain"
        for dist in ("triangular", "uniform"):
            p = p_exceeds(e, Estimate.exact(cap), dist)
            assert 0.0 < p < 1.0, (e, cap, dist, p)
    # the small tail is computed directly, not as 1 - (1 - tail)
    tail = p_exceeds(Estimate(0, 0, 10**6), Estimate.exact(10**6 - 1))
    assert math.isclose(tail, 0.5**2 / 10**12, rel_tol=1e-9)


def test_a_range_cap_as_wide_as_the_count_limit_allows_is_quick():
    # a freeze baseline summed over categories and parties can span millions of whole numbers;
    # summing a probability over each of them took seconds per finding (minutes per file)
    wide = Estimate(0, 5_000_000, 10_000_000)
    started = time.perf_counter()
    p = p_exceeds(wide, wide)
    assert time.perf_counter() - started < 2.0
    # identical independent symmetric ranges: (1 - P(tie)) / 2, P(tie) = sum of pmf² ≈ 4 / (3 width)
    assert math.isclose(p, (1 - 4 / (3 * 10_000_000)) / 2, rel_tol=1e-8)
    assert 0.0 < p_exceeds(Estimate(0, 0, 10**9), Estimate(10**9 - 1, 10**9, 10**9)) < 1e-15


@pytest.mark.parametrize("v, c", [
    (Estimate(0, 60_000, 200_000), Estimate(10_000, 150_000, 300_000)),
    (Estimate(0, 0, 150_000), Estimate(0, 150_000, 150_000)),
    (Estimate(12_345, 50_000, 250_001), Estimate(0, 1, 260_000)),
])
def test_wide_range_caps_agree_with_the_exact_sum(v, c):
    # the exact sum over every whole number of the cap's range, done here with numpy
    k = np.arange(c.low, c.high + 1, dtype=np.float64)
    cw, vw = c.high - c.low, v.high - v.low
    cap_cdf = stats.triang((c.central - c.low) / cw, loc=c.low, scale=cw).cdf
    mass = cap_cdf(k + 0.5) - cap_cdf(k - 0.5)
    over = stats.triang((v.central - v.low) / vw, loc=v.low, scale=vw).sf(k + 0.5)
    assert math.isclose(p_exceeds(v, c), float(np.dot(mass, over)), rel_tol=1e-7)


# ----------------------------------------------------------------------------- monotone


bounds = st.tuples(st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000)).map(sorted)


@settings(max_examples=200, deadline=None)
@given(v=bounds, c=bounds, step=st.integers(1, 300), uniform=st.booleans())
def test_a_larger_value_is_never_less_likely_over_and_a_larger_cap_never_more(v, c, step, uniform):
    value, cap = Estimate(*v), Estimate(*c)
    assume(value.is_range or cap.is_range)
    dist = "uniform" if uniform else "triangular"
    p = p_exceeds(value, cap, dist)
    up = Estimate(value.low + step, value.central + step, value.high + step)
    cap_up = Estimate(cap.low + step, cap.central + step, cap.high + step)
    assert p_exceeds(up, cap, dist) >= p - 1e-12
    assert p_exceeds(value, cap_up, dist) <= p + 1e-12
    status = compare(value, cap)
    assert (p == 0.0) == (status == "within") and (p == 1.0) == (status == "exceeds")


# ----------------------------------------------------------------------------- a freeze and its own baseline


def test_a_freeze_compared_with_its_own_baseline_is_at_the_cap(ag):
    # the level on the freeze date IS the cap: the same estimate on both sides is one number,
    # whatever the true count in its range — not two independent guesses that may differ
    base = snap("RU", FREEZE_DAY, deployed=(1500, 1550, 1600), stored=(2400, 2500, 2600))
    for at in (FREEZE_DAY, DAY):  # on the freeze date, and later with no newer data
        f = one(ag, Holdings([base]), "freeze", "RU", at=at)
        assert (f.status, f.value, f.cap, f.headroom) == ("within", 4050, 4050, 0)
        assert f.describe_headroom() == "at the cap"
        assert f.p_exceeds is None and f.distribution is None
        assert (f.low, f.high, f.cap_low, f.cap_high) == (None, None, None, None)
        # still an estimate: its ranges stay in the trace
        assert f.trace["cap"]["low"] == 3900 and {p["categories"][0]: p["low"] for p in f.trace["parts"]} == \
            {"deployed": 1500, "stored": 2400}
        assert any("the baseline itself" in n for n in f.trace["notes"])
    # newer data, even the same figures from the same source, are a second estimate: uncertain
    later = snap("RU", DAY, deployed=(1500, 1550, 1600), stored=(2400, 2500, 2600))
    f = one(ag, Holdings([base, later]), "freeze", "RU")
    assert f.status == "uncertain" and 0 < f.p_exceeds < 0.5 and (f.cap_low, f.cap_high) == (3900, 4200)


def test_a_coalition_compared_with_its_own_baseline_is_at_the_cap(ag):
    h = [snap("US", FREEZE_DAY, deployed=(1600, 1700, 1800)), snap("UK", FREEZE_DAY, deployed=(100, 120, 130)),
         snap("FR", FREEZE_DAY, deployed=280)]
    f = one(ag, Holdings(h), "allied_frozen")
    assert (f.status, f.value, f.cap, f.p_exceeds, f.describe_headroom()) == ("within", 2100, 2100, None, "at the cap")
    # one member with newer data: the sum is no longer the baseline itself
    f = one(ag, Holdings([*h, snap("UK", DAY, deployed=(100, 120, 130))]), "allied_frozen")
    assert f.status == "uncertain" and (f.cap_low, f.cap_high) == (1980, 2210)


# ----------------------------------------------------------------------------- what the finding says


def _p_in_notes(f) -> str:
    (note,) = [n for n in f.trace["notes"] if "P(over the cap)" in n]
    return re.search(r"P\(over the cap\) (\S+ \S+)", note).group(1)


@pytest.mark.parametrize("deployed, cap", [((999, 1_000_000, 1_000_000), 999), ((0, 0, 1_000_000), 999_999),
                                           ((1000, 1100, 1101), 1000), ((900, 901, 1001), 1000)])
def test_the_note_never_rounds_an_uncertain_probability_to_a_certainty(ag, deployed, cap):
    f = one(ag, Holdings([snap("US", deployed=deployed, stored=0)]), "total", "US", caps={"total": cap})
    assert f.status == "uncertain" and 0 < f.p_exceeds < 1
    said = _p_in_notes(f)
    assert said not in ("= 1", "= 0", "= 1.0", "= 0.0"), said
    if f.p_exceeds > 0.999:
        assert said == "> 0.999"


def test_coalition_members_carry_their_ranges(ag):
    h = Holdings([snap("US", deployed=(1600, 1700, 1800)), snap("UK", deployed=(100, 120, 130)),
                  snap("FR", deployed=280)])
    members = {m["party"]: m for m in one(ag, h, "allied").to_json()["trace"]["members"]}
    assert (members["US"]["low"], members["US"]["value"], members["US"]["high"]) == (1600, 1700, 1800)
    assert (members["UK"]["low"], members["UK"]["high"]) == (100, 130)
    assert "low" not in members["FR"] and members["FR"]["value"] == 280


ends = st.tuples(st.integers(0, 1500), st.integers(0, 1500), st.integers(0, 1500)).map(sorted)
figure = st.one_of(st.integers(0, 1500), ends.map(tuple))


@settings(max_examples=120, deadline=None)
@given(us=figure, uk=figure, fr=figure, stored=figure, tests=figure, base=figure, cap=st.integers(0, 4000),
       uniform=st.booleans())
def test_every_output_is_finite_and_never_states_a_central_excess_alone(tmp_path_factory, us, uk, fr, stored, tests,
                                                                         base, cap, uniform):
    ag = _ag(tmp_path_factory)
    h = Holdings([snap("US", FREEZE_DAY, deployed=base, stored=0), snap("UK", FREEZE_DAY, deployed=1),
                  snap("FR", FREEZE_DAY, deployed=2),
                  snap("US", deployed=us, stored=stored, tests=tests), snap("UK", deployed=uk, stored=0, tests=0),
                  snap("FR", deployed=fr, stored=0, tests=0)])
    r = evaluate(ag, h, caps={"total": cap, "allied": cap}, distribution="uniform" if uniform else "triangular")
    text = json.dumps(r.to_json(), allow_nan=False)  # NaN or inf would not be JSON
    assert "NaN" not in text and "Infinity" not in text
    frame = r.to_frame()
    assert frame["p_exceeds"].dropna().between(0, 1).all()
    for f in r.findings:
        if f.status not in ("within", "exceeds", "uncertain"):
            continue
        value, limit = f.interval, f.cap_interval
        assert f.status == compare(value, limit)
        assert (f.p_exceeds is None) == (f.low is None and f.cap_low is None)
        if f.status == "uncertain":
            assert 0 < f.p_exceeds < 1
            words = f.describe_headroom() + " ".join(f.trace["notes"])
            if f.headroom is not None and f.headroom < 0:  # the central value over the cap
                assert not re.search(rf"over the cap by {-f.headroom:,}(?! to)", words), words
            assert "exceeds by" not in words


@pytest.mark.parametrize("cap", [1000.7, float("nan"), float("inf"), True, -5, "1000"])
def test_a_cap_the_user_sets_is_a_whole_number_or_an_input_error(ag, cap):
    # 1000.7 was read as 1000 and True as 1, silently; NaN was a traceback
    h = Holdings([snap("US", deployed=(900, 1000, 1100), stored=0)])
    for caps in ({"total": cap}, {"total": {"US": cap}}):
        with pytest.raises(InputError) as info:
            evaluate(ag, h, at=DAY, caps=caps)
        assert info.value.field == "caps" and "whole number" in info.value.problem, info.value.one_line()
    assert one(ag, h, "total", "US", caps={"total": np.int64(1000)}).cap == 1000  # a numpy integer is one
