"""The bundled after-2026 estimates: every figure sourced and labelled an estimate, ranges in
order and made by the documented rule, FAS and SIPRI kept apart, and the figures adding up to
the totals the estimators published (quoted from shared/reference/after-newstart.md and the
sources cited in datafiles/sources.csv)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.app.library import load_agreement
from accord.compliance import evaluate
from accord.forces.estimates import Estimate
from accord.profiles import get_profile
from accord.profiles.after2026 import (
    FAS,
    SIPRI,
    estimate_rows,
    estimate_series,
    published_upload_estimates,
    system_holdings,
    upload_rates,
)
from accord.profiles.after2026.data import CATEGORIES, PARTIES, days_of, place_value, range_of

D = dt.date


def _sum(estimator: str, day: D, category: str, *, exclude: tuple[str, ...] = (), span_end: str = "central") -> int:
    """The sum of the central figures (of a published span, its ``span_end``)."""
    rows = [r for r in estimate_rows()
            if (r.estimator, r.as_of, r.category) == (estimator, day, category) and r.party not in exclude]
    assert len({r.party for r in rows}) == len(rows), "one figure per party"
    return sum(getattr(r.value, span_end if r.range_rule == "span" else "central") for r in rows)


def _figure(estimator: str, party: str, day: D, category: str) -> Estimate:
    (row,) = [r for r in estimate_rows() if (r.estimator, r.party, r.as_of, r.category) == (estimator, party, day,
                                                                                             category)]
    return row.value


# ----------------------------------------------------------------------------- every row


def test_every_row_is_sourced_and_an_estimate():
    rows = estimate_rows()
    assert len(rows) > 200
    for r in rows:
        assert r.source.document and r.source.url and r.source.url.startswith("http"), r
        assert r.source.reliability == "estimate", r
        assert r.source.article and "estimates.csv, line" in r.source.article
        assert r.value.low <= r.value.central <= r.value.high


def test_every_party_appears_in_both_series():
    for estimator in (FAS, SIPRI):
        assert {r.party for r in estimate_rows() if r.estimator == estimator} == set(PARTIES)


def test_sipri_and_fas_are_two_series_never_merged():
    series = estimate_series()
    assert list(series) == [FAS, SIPRI]
    for name, holdings in series.items():
        for snap in holdings:
            sources = [c.source for c in snap.counts.values()] + [t.source for t in snap.totals]
            assert sources and all(s is not None for s in sources)
            word = "SIPRI" if name == SIPRI else "FAS"
            assert all(word in s.document for s in sources if s is not None), (name, snap.party, snap.date)
            assert snap.origin.startswith(name)
    # the two estimators disagree in places, and both figures are kept: the US total inventory
    # of early 2025 is 5,277 in FAS's Status of World Nuclear Forces and 5,177 in SIPRI's Yearbook
    assert _figure(FAS, "US", D(2025, 1, 1), "total_inventory").central == 5277
    assert _figure(SIPRI, "US", D(2025, 1, 1), "total_inventory").central == 5177


def test_approximate_figures_are_ranges_in_the_holdings():
    snap = estimate_series()[FAS].get("US", D(2025, 1, 13))
    assert snap is not None and snap.estimate
    stockpile = next(t for t in snap.totals if t.label == "military stockpile")
    # "approximately 3,700" (FAS 2025): 3,650-3,750 by the rounding rule
    assert stockpile.estimate_range == Estimate(3650, 3700, 3750)
    retired = snap.counts["retired_warheads"]
    assert retired.value == 1477 and retired.range is None  # a figure given to the unit stays exact


# ----------------------------------------------------------------------------- the range rule


@pytest.mark.parametrize("rule, value, expected", [
    ("rounding", 3700, (3650, 3700, 3750)),   # "approximately 3,700"
    ("rounding", 1770, (1765, 1770, 1775)),   # "about 1,770"
    ("rounding", 600, (550, 600, 650)),       # "approximately 600"
    ("rounding", 5177, (5177, 5177, 5177)),   # given to the unit: no span is implied
    ("nearly", 4500, (4400, 4500, 4500)),     # "nearly 4,500"
    ("more_than", 200, (200, 200, 300)),      # "more than 200"
    ("perhaps", 24, (0, 24, 24)),             # "perhaps 24 deployed"
])
def test_words_become_ranges_by_the_documented_rule(rule, value, expected):
    assert range_of(rule, value) == Estimate(*expected)


def test_a_span_keeps_its_ends_and_takes_the_midpoint():
    assert range_of("span", 130, 140) == Estimate(130, 135, 140)  # SIPRI 2019, India "130-140"


@given(st.integers(min_value=1, max_value=100_000), st.sampled_from(["rounding", "nearly", "more_than", "perhaps"]))
def test_every_rule_gives_an_ordered_range_around_the_figure(value, rule):
    r = range_of(rule, value)
    assert r.low <= r.central == value <= r.high
    assert r.high - r.low <= max(place_value(value), value)


def test_every_row_range_is_what_its_rule_gives():
    for r in estimate_rows():
        expected = (range_of("span", r.value.low, r.value.high) if r.range_rule == "span"
                    else range_of(r.range_rule, r.value.central))
        assert r.value == expected, r


# ----------------------------------------------------------------------------- published totals


def test_sipri_2025_world_total_is_the_sum_of_the_nine():
    # SIPRI Yearbook 2025: "the total global inventory of an estimated 12,241 warheads in January 2025"
    assert _sum(SIPRI, D(2025, 1, 1), "total_inventory") == 12241


def test_sipri_2024_columns_add_up_to_the_published_totals():
    # SIPRI Yearbook 2024 table: deployed 3,904, stored 5,681, retired 2,536, total 12,121
    day = D(2024, 1, 1)
    assert _sum(SIPRI, day, "total_inventory") == 12121
    assert _sum(SIPRI, day, "deployed") == 3904
    assert _sum(SIPRI, day, "stored") == 5681
    assert _sum(SIPRI, day, "retired") == 2536


def test_sipri_2023_and_2022_columns_add_up():
    # SIPRI Yearbook 2023: deployed 3,844, stored 5,732, military stockpile 9,576, total 12,512
    day = D(2023, 1, 1)
    assert (_sum(SIPRI, day, "deployed"), _sum(SIPRI, day, "stored")) == (3844, 5732)
    assert (_sum(SIPRI, day, "military_stockpile"), _sum(SIPRI, day, "total_inventory")) == (9576, 12512)
    # SIPRI Yearbook 2022: deployed 3,732, stored 5,708, retired 3,265, total 12,705
    day = D(2022, 1, 1)
    assert (_sum(SIPRI, day, "deployed"), _sum(SIPRI, day, "stored")) == (3732, 5708)
    assert (_sum(SIPRI, day, "retired"), _sum(SIPRI, day, "total_inventory")) == (3265, 12705)


def test_sipri_2020_and_2019_totals_leave_out_north_korea():
    # SIPRI 2020: 13,400 in all, 3,720 deployed; North Korea's [30-40] is not in the totals
    day = D(2020, 1, 1)
    assert _sum(SIPRI, day, "total_inventory", exclude=("KP",)) == 13400
    assert _sum(SIPRI, day, "deployed") == 3720
    # SIPRI 2019: 13,865, "Total figures include the highest estimate when a range is given"
    assert _sum(SIPRI, D(2019, 1, 1), "total_inventory", exclude=("KP",), span_end="high") == 13865
    assert _sum(SIPRI, D(2019, 1, 1), "deployed") == 3750


def test_sipri_2021_totals_differ_from_the_published_world_total_by_one():
    # the nine figures add up to 13,081; SIPRI published 13,080 (documented in datafiles/README.md)
    assert _sum(SIPRI, D(2021, 1, 1), "total_inventory", exclude=("KP",)) == 13081
    assert _sum(SIPRI, D(2021, 1, 1), "deployed") == 3825  # SIPRI: 3,825 deployed


def test_fas_2025_world_total_is_the_sum_of_the_nine():
    # FAS Status of World Nuclear Forces 2025: "around 12,331 nuclear warheads"
    assert _sum(FAS, D(2025, 1, 1), "total_inventory") == 12331


@pytest.mark.parametrize("party, day, parts, whole, total", [
    # FAS US 2025: 1,770 deployed + 1,930 reserve = 3,700; + 1,477 retired = 5,177
    ("US", D(2025, 1, 13), ("deployed", "stored"), 3700, 5177),
    # FAS Russia 2025: 1,718 + 1,114 + 1,477 = 4,309; + 1,150 retired = 5,459
    ("RU", D(2025, 5, 1), ("deployed_strategic", "stored_strategic", "stored_nonstrategic"), 4309, 5459),
    # FAS US 2024: 1,770 + 1,938 = 3,708; + 1,336 = 5,044
    ("US", D(2024, 5, 7), ("deployed", "stored"), 3708, 5044),
])
def test_fas_notebook_parts_add_up_to_its_stockpile_and_inventory(party, day, parts, whole, total):
    assert sum(_figure(FAS, party, day, c).central for c in parts) == whole
    assert _figure(FAS, party, day, "military_stockpile").central == whole
    assert whole + _figure(FAS, party, day, "retired").central == total
    assert _figure(FAS, party, day, "total_inventory").central == total


def test_fas_russia_2021_parts_fall_in_nearly_4500():
    # "nearly 4,500": 1,600 + 985 + 1,912 = 4,497
    parts = sum(_figure(FAS, "RU", D(2021, 4, 5), c).central
                for c in ("deployed_strategic", "stored_strategic", "stored_nonstrategic"))
    stockpile = _figure(FAS, "RU", D(2021, 4, 5), "military_stockpile")
    assert parts == 4497 and stockpile.low <= parts <= stockpile.high


# ----------------------------------------------------------------------------- evaluation


def test_the_us_aim_evaluates_each_series_with_ranges():
    aim = load_agreement("us-2026-all-warheads")
    seen = defaultdict(dict)
    for name, holdings in estimate_series().items():
        report = evaluate(aim, holdings, at=D(2026, 6, 1), caps={"all_warheads": 2000})
        for f in report.findings:
            seen[name][f.party] = f
    assert set(seen[FAS]) == set(seen[SIPRI]) == {"US", "RU", "CN"}
    assert seen[FAS]["US"].value == 3700 and seen[FAS]["US"].status == "exceeds"
    assert seen[FAS]["RU"].value == 4309 and seen[FAS]["CN"].status == "within"
    # SIPRI has no Chinese military stockpile for 2025 (only a total): its latest is January 2024's 500
    assert seen[SIPRI]["CN"].value == 500 and seen[SIPRI]["CN"].data_as_of == D(2024, 1, 1)


def test_the_coalition_sums_the_three_in_each_series():
    coalition = load_agreement("ru-2026-coalition")
    report = evaluate(coalition, estimate_series()[SIPRI], at=D(2026, 6, 1), caps={"western_warheads": 4309})
    (f,) = report.findings
    # SIPRI: US 3,700 (2025) + UK 225 + FR 290 (2024) = 4,215
    assert f.party == "US+UK+FR" and f.value == 4215


def test_the_profile_hands_out_series_systems_rates_and_estimates():
    p = get_profile("after2026")
    assert p.series is not None and set(p.series()) == {FAS, SIPRI}
    assert len(p.holdings()) == 0  # no single record: a question names its series
    assert p.systems is not None and {s.party for s in p.systems()} == {"US", "RU", "CN"}
    assert p.upload_rates is not None and p.upload_estimates is not None
    assert p.vocabularies == ("allwarheads",)


def test_the_agreements_use_the_contract_category_ids():
    for aid in ("us-2026-all-warheads", "ru-2026-coalition", "freeze-all-warheads"):
        assert tuple(c.id for c in load_agreement(aid).categories) == CATEGORIES


# ----------------------------------------------------------------------------- systems and upload


def test_every_system_is_sourced():
    for s in system_holdings():
        assert s.sources and all(src.url for src in s.sources), s
        assert s.leg in ("icbm", "slbm", "bomber")


def test_us_ceilings_from_published_loadings():
    us = {s.system: s for s in system_holdings() if s.party == "US"}
    # Minuteman III: 400 missiles, "can carry up to three warheads" (Cartwright 2010)
    assert us["Minuteman III"].ceiling == Estimate.exact(1200)
    # Trident II D5: 230 (declared 2020) to 240 (declared maximum) missiles x 8 ("up to eight", the Navy)
    assert us["Trident II D5"].ceiling == Estimate(1840, 1840, 1920)
    # bombers: 46 B-52H x 20 ALCMs + 19 B-2A x 16 bombs (FAS 2025)
    assert us["B-52H and B-2A bombers"].ceiling == Estimate.exact(46 * 20 + 19 * 16)


def test_russian_and_chinese_systems_say_what_was_not_found():
    ru = [s for s in system_holdings() if s.party == "RU" and s.as_of == D(2025, 5, 1)]
    assert {s.leg for s in ru} == {"icbm", "slbm", "bomber"}
    bombers = next(s for s in ru if s.leg == "bomber")
    assert bombers.ceiling is None and bombers.note and "NOT FOUND" in bombers.note
    # FAS 2025: ~870 warheads on ICBMs, ~640 on SLBMs, more than 200 at bomber bases
    assert sorted(s.warheads.central for s in ru) == [200, 640, 870]
    cn = [s for s in system_holdings() if s.party == "CN"]
    assert cn and all(s.ceiling is not None for s in cn)


def test_upload_rates_are_sourced_and_follow_the_phrase_convention():
    rates = upload_rates()
    assert {(r.party, r.leg) for r in rates} >= {("RU", "bomber"), ("RU", "icbm"), ("US", "slbm")}
    for r in rates:
        assert r.source.url and r.days == days_of(r.phrase)
    assert days_of("months") == Estimate(30, 105, 365)


def test_published_upload_estimates_for_the_cross_check():
    levels = {(p.party, p.kind): p for p in published_upload_estimates()}
    # Gottemoeller via Forbes: the US from 1,550 to "more than 3,500"; Russia to "as many as 2,550"
    assert levels[("US", "level")].value.low == 3500 and levels[("US", "level")].baseline == 1550
    assert levels[("RU", "level")].value == Estimate.exact(2550)
    assert all(p.source.url for p in published_upload_estimates())
