"""Cap levels (accord.app.caps): each party's holding against a range of caps."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.app.caps import SCHEMA, CapLevels, cap_levels, verdict
from accord.errors import InputError
from accord.forces.estimates import Estimate

D = dt.date


@st.composite
def estimates(draw):
    a, b, c = sorted(draw(st.lists(st.integers(0, 20_000), min_size=3, max_size=3)))
    return Estimate(a, b, c)


# -- one holding against one cap ---------------------------------------------------------------


def test_the_three_statuses_at_their_boundaries():
    span = Estimate(1500, 1550, 1600)
    assert verdict(span, 1600).status == "under"  # high == cap: at the cap is under it
    assert verdict(span, 1599).status == "uncertain"
    assert verdict(span, 1500).status == "uncertain"  # low == cap: the true value may be over
    assert verdict(span, 1499).status == "must_cut"  # low == cap + 1
    assert verdict(span, 1499).cut == Estimate(1, 51, 101)
    assert verdict(span, 1550).cut == Estimate(0, 0, 50)
    assert verdict(None, 1000).status == "no_data"


def test_an_exact_figure_is_never_uncertain():
    # US deployed warheads on 1 September 2020, 1,457 (State Department fact sheet of 1 December 2020).
    us = Estimate.exact(1457)
    assert verdict(us, 1456).status == "must_cut" and verdict(us, 1456).cut == Estimate.exact(1)
    assert verdict(us, 1457).status == "under" and verdict(us, 1457).p_over is None


@given(estimates(), st.integers(0, 20_000))
def test_verdict_agrees_with_the_interval(span, cap):
    v = verdict(span, cap)
    expected = "under" if span.high <= cap else "must_cut" if span.low > cap else "uncertain"
    assert v.status == expected
    assert v.cut is not None
    # The cut is what each end must lose to reach the cap, never negative.
    assert (v.cut.low, v.cut.high) == (max(0, span.low - cap), max(0, span.high - cap))
    assert v.cut.central == max(0, span.central - cap)
    if span.is_range:
        assert v.p_over is not None and 0.0 <= v.p_over <= 1.0
        assert (v.p_over == 0.0) == (expected == "under") and (v.p_over == 1.0) == (expected == "must_cut")


@given(estimates(), st.integers(0, 20_000), st.integers(1, 5_000))
def test_a_higher_cap_never_asks_for_more(span, cap, more):
    order = {"must_cut": 2, "uncertain": 1, "under": 0}
    lower, higher = verdict(span, cap), verdict(span, cap + more)
    assert order[higher.status] <= order[lower.status]
    assert higher.cut is not None and lower.cut is not None
    assert higher.cut.high <= lower.cut.high and higher.cut.central <= lower.cut.central


# -- the bundled record and user files -----------------------------------------------------------


def test_bundled_record_against_caps_cross_checked_by_hand():
    # 1 September 2020 exchange (US Department of State fact sheet of 1 December 2020): deployed
    # warheads US 1,457, RU 1,447. At 1,400 the US must cut 57 and Russia 47; at 1,450 only the US (7).
    r = cap_levels("newstart-2021", [1400, 1450, 1500], limit="deployed_warheads", at=D(2020, 9, 1))
    assert isinstance(r, CapLevels) and r.agreement_cap == 1550
    got = {(row["party"], row["cap"]): (row["status"], row["cut_central"]) for row in r.rows()}
    assert got == {
        ("US", 1400): ("must_cut", 57), ("US", 1450): ("must_cut", 7), ("US", 1500): ("under", 0),
        ("RU", 1400): ("must_cut", 47), ("RU", 1450): ("under", 0), ("RU", 1500): ("under", 0),
    }
    assert {h.as_of for h in r.holdings} == {D(2020, 9, 1)}
    assert all(h.reliability == "official-copy" and h.sources for h in r.holdings)


def test_the_date_picks_the_latest_data_on_or_before_it():
    r = cap_levels("newstart-2021", [1000], limit="deployed_warheads", parties=["ru"], at=D(2021, 1, 1))
    (h,) = r.holdings
    assert (h.party, h.as_of, h.value) == ("RU", D(2020, 9, 1), Estimate.exact(1447))


def test_a_scope_of_categories_instead_of_a_limit():
    # FAS Nuclear Notebook estimates of whole stockpiles, 2020 (force_estimates.csv): US "approximately
    # 3,800" (13 Jan 2020) and RU "approximately 4,310" (Mar 2020), ranges 3,750-3,850 and 4,305-4,315.
    r = cap_levels("us-2020-freeze", [3800, 4000], scope=["nuclear_warheads_all"], parties=["US", "RU"],
                   at=D(2020, 9, 1))
    got = {(row["party"], row["cap"]): (row["status"], row["cut_low"], row["cut_central"], row["cut_high"])
           for row in r.rows()}
    # a cap of 3,800 lies inside the US range: uncertain (0 to 50 to cut), not "under" from the central figure
    assert got == {("US", 3800): ("uncertain", 0, 0, 50), ("US", 4000): ("under", 0, 0, 0),
                   ("RU", 3800): ("must_cut", 505, 510, 515), ("RU", 4000): ("must_cut", 305, 310, 315)}
    # triangular(3,750, 3,800, 3,850): P(count > 3,800) = 49.5² / (100 × 50)
    assert next(row["p_over"] for row in r.rows() if row["cap"] == 3800 and row["party"] == "US") \
        == pytest.approx(49.5 ** 2 / 5000)
    assert r.agreement_cap is None and r.scope == ("nuclear_warheads_all",)


def test_a_range_in_a_users_file_gives_uncertain_with_its_interval(tmp_path):
    data = tmp_path / "h.csv"
    data.write_text("party,date,category,value,low,high\nUS,2025-01-01,deployed_warheads,1700,1600,1800\n")
    r = cap_levels("newstart-2021", [1550, 1650, 1800], limit="deployed_warheads", parties=["US"],
                   at=D(2025, 6, 1), data=data)
    rows = {row["cap"]: row for row in r.rows()}
    assert (rows[1550]["status"], rows[1550]["cut_low"], rows[1550]["cut_high"]) == ("must_cut", 50, 250)
    assert (rows[1650]["status"], rows[1650]["cut_low"], rows[1650]["cut_high"]) == ("uncertain", 0, 150)
    assert 0 < rows[1650]["p_over"] < 1 and rows[1800]["status"] == "under"
    assert r.holdings[0].reliability == "user"


COALITION = """\
id: allied
title: A coalition limit
parties: [US, RU, UK, FR]
legal_form: proposal
sources:
  doc: {document: A coalition test}
source: doc
dates:
  entry_into_force: {date: 2030-01-01, source: doc}
categories:
  - {id: warheads, title: Warheads, unit: warheads, source: doc}
limits:
  - id: allied_warheads
    title: Allied warheads
    kind: coalition
    parties: [US, UK, FR]
    categories: [warheads]
    cap: 2000
    source: doc
regime:
  verification: none
"""


def test_a_coalition_is_one_combined_holding(tmp_path):
    ag = tmp_path / "allied.yaml"
    ag.write_text(COALITION)
    data = tmp_path / "h.csv"
    data.write_text("party,date,category,value,low,high\nUS,2025-01-01,warheads,1700,1600,1800\n"
                    "UK,2025-01-01,warheads,120,,\nFR,2025-01-01,warheads,280,,\n")
    # Not in force until 2030: the question is what the cap would mean, so the date does not matter.
    r = cap_levels(str(ag), [2000, 2100, 2200], parties=["us", "uk", "fr"], at=D(2025, 6, 1), data=data)
    (h,) = r.holdings
    assert (h.party, h.members, h.value) == ("US+UK+FR", ("US", "UK", "FR"), Estimate(2000, 2100, 2200))
    assert [row["status"] for row in r.rows()] == ["uncertain", "uncertain", "under"]  # 2,000–2,200


def test_json_frame_and_pivot_carry_the_same_figures():
    r = cap_levels("newstart-2021", [1400, 1500], limit="deployed_warheads", at=D(2020, 9, 1))
    doc = r.to_json()
    assert doc["schema"] == SCHEMA == "accord.caps/v1"
    assert doc["caps"] == [1400, 1500] and doc["unit"] == "warheads" and doc["at"] == "2020-09-01"
    assert [h["value"] for h in doc["holdings"]] == [{"low": 1457, "central": 1457, "high": 1457},
                                                      {"low": 1447, "central": 1447, "high": 1447}]
    df = r.to_frame()
    assert list(df.columns) == list(r.columns) and len(df) == 4
    assert str(df["cut_central"].dtype) == "Int64" and df["cut_central"].tolist() == [57, 0, 47, 0]
    header, body = r.pivot()
    assert header == ["cap", "US", "RU"]
    assert body == [["holding", "1,457", "1,447"], ["1,400", "cut 57", "cut 47"], ["1,500", "under", "under"]]


def test_the_chart_is_svg_with_alt_text_and_units():
    r = cap_levels("newstart-2021", [1000, 1250, 1500], limit="deployed_warheads", at=D(2020, 9, 1))
    svg = r.chart()
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg
    alt = svg[svg.index("<title>") + 7:svg.index("</title>")]
    assert "US holds 1,457" in alt and "RU holds 1,447" in alt and "cut 457 at 1,000" in alt
    assert "cap (warheads)" in svg and "cut needed (warheads)" in svg


@pytest.mark.parametrize("kwargs, field, words", [
    ({}, "--limit", "has 3 limits"),
    ({"limit": "nope"}, "--limit", "unknown limit 'nope'"),
    ({"scope": ["nope"]}, "--scope", "unknown category 'nope'"),
    ({"limit": "deployed_warheads", "parties": ["CN"]}, "--parties", "unknown party 'CN'"),
    ({"limit": "deployed_warheads", "series": "fas"}, "--series", "has no estimate series"),
])
def test_bad_questions_are_one_line_errors(kwargs, field, words):
    with pytest.raises(InputError) as info:
        cap_levels("newstart-2021", [1000], at=D(2020, 9, 1), **kwargs)
    assert info.value.field == field and words in info.value.problem
