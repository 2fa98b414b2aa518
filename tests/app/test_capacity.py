"""Upload capacity (accord.app.capacity): spare places on deployed launchers, the reserve that bounds
an upload, the time to pass a cap, and the cross-check with the analysts' published estimates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.app.capacity import SCHEMA, _days_to, upload_capacity
from accord.errors import InputError
from accord.forces.estimates import Estimate

AT = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def weapons():
    return upload_capacity(at=AT, bombers="weapons")


@pytest.fixture(scope="module")
def one_each():
    return upload_capacity(at=AT, bombers="one", caps=[2000, 3500])


def party(result, code):
    return next(p for p in result.parties if p.party == code)


def system(p, leg):
    return next(s for s in p.systems if s.leg == leg)


# -- the ceilings, cross-checked by hand against the reference notes -----------------------------


def test_us_ceilings_are_launchers_times_maximum_loading(weapons):
    # force-estimates.md §3, "Derived US theoretical ceilings": Minuteman III 400 × 3 = 1,200;
    # Trident 240 deployed SLBMs × 8 = 1,920; bombers 46 B-52H × 20 + 19 B-2A × 16 = 1,224.
    us = party(weapons, "US")
    assert system(us, "icbm").ceiling == Estimate.exact(400 * 3)
    trident = system(us, "slbm")
    assert trident.ceiling is not None and trident.ceiling.high == 240 * 8
    assert trident.ceiling.low == 230 * 8  # 230 deployed SLBMs declared on 1 September 2020
    assert system(us, "bomber").ceiling == Estimate.exact(46 * 20 + 19 * 16)


def test_spare_places_are_ceiling_minus_deployed_end_by_end(weapons):
    # Trident: 1,840–1,920 places, ~970 (965–975) warheads on them (FAS 2025): the least spare is
    # the least ceiling less the most deployed.
    trident = system(party(weapons, "US"), "slbm")
    assert trident.spare == Estimate(1840 - 975, 1840 - 970, 1920 - 965)
    mm3 = system(party(weapons, "US"), "icbm")
    assert mm3.spare == Estimate.exact(1200 - 400)


def test_the_us_upload_is_bound_by_its_reserve_and_comes_close_to_3500(weapons):
    # FAS 2025: about 1,930 warheads stored (reserve), fewer than the ~2,600 spare places, so the
    # reserve binds; from New START's 1,550 that gives 1,550 + 1,930 = 3,480, beside Gottemoeller's
    # "more than 3,500".
    us = party(weapons, "US")
    assert us.bound == "reserve" and us.reserve is not None
    assert us.reserve.value == Estimate(1925, 1930, 1935) and us.reserve.upper_bound
    assert us.added == us.reserve.value
    level = next(c for c in us.checks if c.kind == "level")
    assert level.published.low == 3500 and level.baseline == 1550
    assert level.computed == Estimate(1550 + 1925, 1550 + 1930, 1550 + 1935)
    assert "20 (1%) below" in level.close
    assert any("reserve binds" in r for r in level.reasons)


def test_counting_each_bomber_as_one_adds_nothing_for_bombers(one_each, weapons):
    us1, usw = party(one_each, "US"), party(weapons, "US")
    bombers = system(us1, "bomber")
    assert bombers.counted_spare == Estimate.exact(0) and bombers.counted_now == Estimate.exact(65)
    # Missiles only: 800 + 870 spare places, under the reserve: the launchers bind.
    assert us1.spare.central == 800 + 870 and us1.bound == "launchers"
    assert us1.added.central < usw.added.central
    level = next(c for c in us1.checks if c.kind == "level")
    assert any("bomber weapons as loaded" in r and "3,480" in r for r in level.reasons)


def test_a_ceiling_not_found_adds_nothing_and_says_so(weapons):
    ru = party(weapons, "RU")
    assert system(ru, "bomber").ceiling is None and system(ru, "bomber").spare is None
    assert any("NOT FOUND" in n and "lower bound" in n for n in ru.notes)
    # Russia: ICBMs 1,185 − 870 and SLBMs 800 − 640 (FAS 2022 ceilings, FAS 2025 warheads).
    assert ru.spare.central == (1185 - 870) + (800 - 640)
    # The reserve (1,114 stored strategic warheads, FAS 2025) does not bind.
    assert ru.reserve is not None and ru.reserve.value == Estimate.exact(1114) and ru.bound == "launchers"


# -- time ------------------------------------------------------------------------------------------


def test_days_to_pass_a_cap_by_hand():
    # Two legs loading in parallel: 100 warheads over 10 days and 100 over 20 days load 15 a day
    # until day 10 (150 loaded), then 5 a day.
    legs = [(100, 10.0), (100, 20.0)]
    assert _days_to(legs, 0, None, 99) == pytest.approx(100 / 15)
    assert _days_to(legs, 0, None, 149) == pytest.approx(10.0)
    assert _days_to(legs, 0, None, 174) == pytest.approx(15.0)
    assert _days_to(legs, 0, 120, 149) is None  # the reserve runs out at 120
    assert _days_to(legs, 200, None, 150) == 0.0  # already over
    assert _days_to(legs, 0, None, 200) is None  # 200 loaded is not over 200


@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 2000)), min_size=1, max_size=3),
       st.integers(0, 3000), st.integers(0, 6000), st.integers(1, 3000))
def test_a_higher_cap_is_passed_no_sooner(legs, now, cap, more):
    lg = [(a, float(t)) for a, t in legs]
    first, later = _days_to(lg, now, None, cap), _days_to(lg, now, None, cap + more)
    if later is not None:
        assert first is not None and first <= later + 1e-9
    total = sum(a for a, _ in legs)
    assert (first is None) == (now + total <= cap)


def test_cap_times_are_ordered_and_1550_is_always_asked(one_each):
    assert one_each.caps == (1550, 2000, 3500)
    for p in one_each.parties:
        for c in p.caps:
            ends = [x for x in (c.low, c.central, c.high) if x is not None]
            assert ends == sorted(ends)
    us = party(one_each, "US")
    by_cap = {c.cap: c for c in us.caps}
    assert by_cap[3500].status == "never"  # 1,435 + 1,670 < 3,500 with bombers counted one each
    assert by_cap[2000].status == "reachable" and by_cap[2000].high <= 365  # "weeks to months"
    cn = party(one_each, "CN")
    assert {c.status for c in cn.caps} == {"no_rate"}


# -- the contract ------------------------------------------------------------------------------------


def test_json_rows_frame_and_chart(one_each):
    doc = one_each.to_json()
    assert doc["schema"] == SCHEMA == "accord.capacity/v1" and doc["bombers"] == "one"
    assert [p["party"] for p in doc["parties"]] == ["US", "RU", "CN"]
    us = doc["parties"][0]
    assert set(us) >= {"counted_now", "spare", "reserve", "added", "level", "bound", "caps", "cross_checks", "systems"}
    df = one_each.to_frame()
    assert list(df.columns) == list(one_each.columns) and "days_to_exceed_3500_high" in df.columns
    totals = df[df["system"] == "all systems"]
    assert totals["party"].tolist() == ["US", "RU", "CN"]
    svg = one_each.chart()
    alt = svg[svg.index("<title>") + 7:svg.index("</title>")]
    assert "US: 1,435 now" in alt and "caps 1,550, 2,000, 3,500" in alt


def test_parties_any_case_and_errors():
    assert [p.party for p in upload_capacity(parties=["ru"], at=AT).parties] == ["RU"]
    with pytest.raises(InputError, match="unknown party 'uk'") as info:
        upload_capacity(parties=["uk"], at=AT)
    assert info.value.field == "--parties"
    with pytest.raises(InputError) as info:
        upload_capacity(at=dt.date(2010, 1, 1))
    assert info.value.field == "--at"
    with pytest.raises(InputError) as info:
        upload_capacity(bombers="all", at=AT)
    assert info.value.field == "--bombers"
