"""Review of the cap-level and upload-capacity analyses (reviewer R5): what a demanding analyst
would check by hand, and what an adversary would try.

The figures are the bundled after-2026 estimates (src/accord/profiles/after2026/datafiles/*.csv),
recomputed here from the published words: FAS "approximately 3,700" US warheads in the military
stockpile (13 January 2025) is 3,650–3,750 under the data's rounding rule; SIPRI 2025 gives the
US 1,770 deployed and 1,930 stored (3,690–3,710 together).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord import limits
from accord.app._inputs import parse_cap_range
from accord.app.capacity import upload_capacity
from accord.app.caps import cap_levels
from accord.app.compliance import check
from accord.errors import InputError
from accord.forces.estimates import Estimate

D = dt.date
TODAY = D(2026, 12, 2)


def holdings_by_label(result):
    return {h.label: h for h in result.holdings}


# -- caps: a holding is what the data say, whatever the agreement's own cap ----------------------------


@pytest.mark.parametrize("agreement, limit", [("us-2026-all-warheads", "all_warheads"),
                                              ("freeze-all-warheads", None)])
def test_a_holding_keeps_its_range_whatever_the_agreements_cap(agreement, limit):
    # Both agreements cap each party at its own level on 5 February 2026 (a freeze): the data of
    # that date are the holding's data too. The question "what would a cap of N mean" must still
    # see the estimate's range, never the central figure alone.
    r = cap_levels(agreement, [3700], limit=limit, parties=["US"], at=TODAY)
    got = holdings_by_label(r)
    assert got["US (FAS)"].value == Estimate(3650, 3700, 3750)  # FAS: "approximately 3,700"
    assert got["US (SIPRI)"].value == Estimate(3690, 3700, 3710)  # SIPRI: ~1,770 + ~1,930
    fas = next(row for row in r.rows() if row["series"] == "FAS Nuclear Notebook")
    assert (fas["status"], fas["cut_low"], fas["cut_high"]) == ("uncertain", 0, 50)
    assert 0 < fas["p_over"] < 1


def test_no_data_says_no_data_not_that_the_agreement_does_not_bind():
    # Nothing is bundled before 2019; the cap question is hypothetical, so the agreement's dates
    # are no reason to give: the reason is the missing data.
    r = cap_levels("us-2026-all-warheads", [1000], parties=["US"], series="fas", at=D(1990, 1, 1))
    (h,) = r.holdings
    assert h.value is None and h.note is not None
    assert "no data" in h.note and "1990-01-01" in h.note and "binds" not in h.note


def test_a_coalition_is_shown_only_when_a_member_is_asked_about():
    # ru-2026-coalition weighs US+UK+FR against Russia. Asked about Russia alone, the answer is
    # Russia's holding; asked about a member, the coalition's.
    ru = cap_levels("ru-2026-coalition", [4000], parties=["ru"], series="fas", at=TODAY)
    assert [h.party for h in ru.holdings] == ["RU"]
    us = cap_levels("ru-2026-coalition", [4000], parties=["us"], series="fas", at=TODAY)
    assert [h.party for h in us.holdings] == ["US+UK+FR"]
    both = cap_levels("ru-2026-coalition", [4000], series="fas", at=TODAY)
    assert [h.party for h in both.holdings] == ["RU", "US+UK+FR"]


def test_a_coalitions_holding_is_the_sum_of_its_members_end_to_end():
    # SIPRI: US 3,690–3,710 (2025); UK 120 ± 5 deployed + 105 stored (2024); France 275–285 deployed
    # + 5–15 stored (2024): 4,190–4,240, central 3,700 + 225 + 290 = 4,215.
    r = cap_levels("ru-2026-coalition", [4215], parties=["US"], series="sipri", at=TODAY)
    (h,) = r.holdings
    assert h.value == Estimate(3690 + 115 + 105 + 275 + 5, 4215, 3710 + 125 + 105 + 285 + 15)
    (row,) = r.rows()
    assert row["status"] == "uncertain" and (row["cut_low"], row["cut_central"], row["cut_high"]) == (0, 0, 25)


@pytest.mark.parametrize("cap, status, cut", [
    (3649, "must_cut", (1, 51, 101)),  # one under the low end: even the low end is over
    (3650, "uncertain", (0, 50, 100)),  # at the low end: the true value may be exactly the cap
    (3700, "uncertain", (0, 0, 50)),
    (3749, "uncertain", (0, 0, 1)),
    (3750, "under", (0, 0, 0)),  # at the high end: the whole range is at or under the cap
])
def test_cuts_at_the_interval_boundaries_of_a_bundled_estimate(cap, status, cut):
    r = cap_levels("us-2026-all-warheads", [cap], parties=["us"], series="FAS", at=TODAY)
    (row,) = r.rows()
    assert (row["status"], (row["cut_low"], row["cut_central"], row["cut_high"])) == (status, cut)


def test_parties_outside_the_agreement_are_counted_by_its_rules():
    # The UK is no party to the US aim; with --parties it is counted over the same scope.
    # SIPRI January 2024: 120 deployed (115–125) + 105 stored = 225 (220–230).
    r = cap_levels("us-2026-all-warheads", [200, 230], parties=["uk"], series="sipri", at=TODAY)
    (h,) = r.holdings
    assert (h.party, h.value, h.as_of) == ("UK", Estimate(220, 225, 230), D(2024, 1, 1))
    assert [row["status"] for row in r.rows()] == ["must_cut", "under"]


def test_duplicate_and_mixed_case_parties_are_one_each():
    r = cap_levels("us-2026-all-warheads", [1000], parties=["us", "US", "Us", "cn"], series="fas", at=TODAY)
    assert [h.party for h in r.holdings] == ["US", "CN"]


@pytest.mark.parametrize("parties", [[], ["", " "]])
def test_an_empty_list_of_parties_is_an_error_not_every_party(parties):
    with pytest.raises(InputError) as info:
        cap_levels("us-2026-all-warheads", [1000], parties=parties, at=TODAY)
    assert info.value.field == "--parties"


@pytest.mark.parametrize("spec", [str(limits.MAX_COUNT + 1), f"0:{10**30}:{10**28}", "9" * 40])
def test_a_cap_beyond_any_count_is_refused(spec):
    # No holding can exceed the largest count a holdings file may give (ACCORD_MAX_COUNT): a cap
    # above it answers nothing, and a 40-digit one broke the chart with a traceback.
    with pytest.raises(InputError) as info:
        parse_cap_range(spec)
    assert info.value.field == "--range" and f"{limits.MAX_COUNT:,}" in info.value.problem


def test_the_largest_cap_allowed_still_draws():
    r = cap_levels("us-2026-all-warheads", parse_cap_range(f"0:{limits.MAX_COUNT}:{limits.MAX_COUNT}"),
                   parties=["us"], series="fas", at=TODAY)
    assert "<title>" in r.chart()


# -- capacity: every number recomputed by hand ---------------------------------------------------------


@pytest.fixture(scope="module")
def one_each():
    return upload_capacity(at=TODAY, bombers="one", caps=[2000])


@pytest.fixture(scope="module")
def weapons():
    return upload_capacity(at=TODAY, bombers="weapons", caps=[2000])


def party(result, code):
    return next(p for p in result.parties if p.party == code)


def row(result, party_code, system):
    return next(r for r in result.rows() if r["party"] == party_code and r["system"] == system)


def ends(r, prefix):
    return r[f"{prefix}_low"], r[f"{prefix}_central"], r[f"{prefix}_high"]


def test_a_systems_ceiling_is_what_its_launchers_carry(weapons):
    # Trident II D5: 230–240 missiles (230 declared 1 Sep 2020, 240 the declared maximum) × 8 =
    # 1,840–1,920; the bombers' 1,224 (46 B-52H × 20 + 19 B-2A × 16) is one figure. The ceiling does
    # not depend on how many warheads are deployed now, so the deployed range must not widen it.
    assert ends(row(weapons, "US", "Trident II D5"), "ceiling") == (1840, 1840, 1920)
    assert ends(row(weapons, "US", "B-52H and B-2A bombers"), "ceiling") == (1224, 1224, 1224)
    # Russia's ICBMs: "can carry up to 1,185 warheads" (FAS 2022), one figure.
    assert ends(row(weapons, "RU", "ICBMs (all types)"), "ceiling") == (1185, 1185, 1185)


def test_a_partys_level_after_the_upload_never_exceeds_its_launchers(one_each, weapons):
    # China: about 30 (25–35) loaded silos × 3 warheads (DF-41) = 75–105, whatever is deployed now
    # ("perhaps 24"). The level after a full upload was 51–129: above what 35 silos can carry.
    cn = party(one_each, "CN")
    assert cn.level == Estimate(75, 90, 105)
    assert ends(row(one_each, "CN", "all systems"), "ceiling") == (75, 90, 105)
    # The US, bombers one each: 400 × 3 + 1,840–1,920 + 65 bombers = 3,105–3,185 (the launchers bind).
    assert party(one_each, "US").level == Estimate(3105, 3105, 3185)
    # The US, bomber weapons counted: the reserve binds, so the level is what is deployed now plus
    # the reserve, 1,670 (1,615–1,725) + 1,930 (1,925–1,935).
    assert party(weapons, "US").level == Estimate(1615 + 1925, 3600, 1725 + 1935)
    # Russia, bombers one each: 1,185 + 800 + 65 (60–70) bombers.
    assert party(one_each, "RU").level == Estimate(2045, 2050, 2055)


def counted_ceiling(s, bombers):
    """What a system can count after a full upload: its launchers' ceiling where it is loaded (never
    below what it carries now), else what it counts now (a bomber counted as one, a ceiling NOT FOUND)."""
    if s.ceiling is None or (s.leg == "bomber" and bombers == "one"):
        return s.counted_now
    c, h = s.ceiling, s.deployed
    return Estimate(max(c.low, h.low), max(c.central, h.central), max(c.high, h.high))


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["one", "weapons"]), st.dates(D(2022, 1, 1), D(2030, 1, 1)))
def test_level_lies_between_now_and_the_ceiling_and_within_the_reserve(bombers, day):
    result = upload_capacity(at=day, bombers=bombers)
    for p in result.parties:
        ceiling = Estimate.exact(0)
        for s in p.systems:
            ceiling = ceiling + counted_ceiling(s, bombers)
        for end in ("low", "central", "high"):
            level, now = getattr(p.level, end), getattr(p.counted_now, end)
            assert now <= level <= getattr(ceiling, end), (p.party, end)
            if p.reserve is not None:
                assert level <= now + getattr(p.reserve.value, end), (p.party, end)


def test_times_to_pass_1550_and_a_cap_by_hand(one_each):
    # US, bombers one each: 1,435 (1,430–1,440) counted now; the ICBMs add 800 (400 × 3 − 400) and
    # the SLBMs 1,840 − 970 = 870, each leg over "weeks to months" (7, 51, 365 days). Each case is one
    # reading of the estimates: the earliest takes the high ends (1,440 deployed, 240 × 8 − 975 = 945
    # spare) with 7 days, the latest the low ends (1,430; 1,840 − 965 = 875) with 365 days.
    # To pass 1,550: 116 more at 1,670 / 51 a day (3.54 days); 111 at 1,745 / 7 (0.45); 121 at
    # 1,675 / 365 (26.4 days).
    us = {c.cap: c for c in party(one_each, "US").caps}
    assert (us[1550].low, us[1550].central, us[1550].high) == pytest.approx(
        (111 / (1745 / 7), 116 / (1670 / 51), 121 / (1675 / 365)))
    # A cap of 2,000: 566 more (central) → 17.3 days; latest 571 at 4.59 a day → 124 days.
    assert (us[2000].central, us[2000].high) == pytest.approx((566 / (1670 / 51), 571 / (1675 / 365)))
    # Russia counts 1,560–1,590 now with bombers one each: over 1,550 even at the low end.
    assert {c.cap: c.status for c in party(one_each, "RU").caps}[1550] == "already_over"


def test_the_time_to_add_stops_when_the_reserve_runs_out(one_each, weapons):
    # Bombers counted one each, the launchers bind: every leg loads to the full, the slowest
    # "weeks to months" (7, 51, 365 days).
    assert party(one_each, "US").days_to_add == Estimate(7, 51, 365)
    # Bomber weapons counted: the ~1,930 stored warheads run out before the 2,594 spare places are
    # filled. All three legs load in parallel over the same time, so the reserve is gone after
    # 51 × 1,930 / 2,594 = 37.9 days (central); earliest 7 × 1,935 / (800 + 945 + 874) = 5.2 days,
    # latest 365 × 1,925 / (800 + 875 + 974) = 265.2 days — whole days, rounded up.
    assert party(weapons, "US").days_to_add == Estimate(6, 38, 266)


def test_a_cap_above_the_ceiling_is_never_passed():
    # The US launchers carry 3,105–3,185 counted warheads (bombers one each). A cap of 3,190 cannot be
    # passed in any case; pairing the most deployed now (1,440) with the widest spare places (1,755)
    # would have claimed 3,195 and "from 1 day, or never".
    r = upload_capacity(at=TODAY, bombers="one", caps=[3185, 3190], parties=["us"])
    times = {c.cap: c for c in r.parties[0].caps}
    assert times[3190].status == "never"
    assert times[3185].status == "never"  # exceeding 3,185 needs 3,186


def test_parties_without_data_on_the_date_are_named_not_dropped():
    # Per-system holdings start in 2022 for Russia, 2025 for the US and China.
    r = upload_capacity(at=D(2023, 1, 1))
    assert [p.party for p in r.parties] == ["RU"]
    assert {m for m, _ in r.missing} == {"US", "CN"}
    assert "US" in r.footer() and "no per-system holdings on or before 2023-01-01" in r.footer()
    assert {m["party"] for m in r.to_json()["no_data"]} == {"US", "CN"}


# -- check without --data: what a proposal's findings mean ---------------------------------------------


def test_a_proposals_findings_say_it_binds_nothing():
    # us-2026-all-warheads is a stated aim: its terms are evaluated as if adopted, and the result
    # must say so, or "6 within" reads as compliance with something in force.
    result = check("us-2026-all-warheads", at=TODAY)
    footer = result.footer()
    assert "proposal" in footer and "never in force" in footer
    assert result.to_json()["standing"]["state"] == "proposal"
    expired = check("newstart-2021", at=TODAY)
    assert "expired on 2026-02-05" in expired.footer()


# -- the Python API's core entry point ------------------------------------------------------------------


def test_the_core_evaluate_takes_party_codes_in_any_case():
    import accord

    ag = accord.load_agreement("newstart-2021")
    holdings = accord.bundled_holdings()
    upper = accord.evaluate(ag, holdings, parties=["US"], at=D(2020, 9, 1))
    lower = accord.evaluate(ag, holdings, parties=["us"], at=D(2020, 9, 1))
    assert len(upper.findings) == 3  # deployed launchers, deployed warheads, all launchers
    assert [(f.party, f.value) for f in lower.findings] == [(f.party, f.value) for f in upper.findings]
    with pytest.raises(InputError):  # an unknown party is an error, never an empty report
        accord.evaluate(ag, holdings, parties=["XX"], at=D(2020, 9, 1))
