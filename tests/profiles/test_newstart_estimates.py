"""The New START profile's FAS stockpile estimates are ranges by the words-to-ranges rule every
profile shares (accord.profiles._ranges; newstart datafiles/README.md, "Ranges"), the one official
US figure stays exact, and the freeze findings and summary built on them say what the ranges
support: the intervals, the status, the margin as an interval and the probability over the cap
with its distribution, never a margin from the central figures alone.

Figures (force_estimates.csv, each row citing where it was read): FAS Nuclear Notebook, Russia
2020, "approximately 4,310" (defconwarningsystem.com repost of the BAS abstract, 13 Mar 2020);
Russia 2021, "nearly 4,500" (repost of 5 Apr 2021); United States 2021, 3,800 (armsindustry.company
repost, 12 Jan 2021); the US Government's stockpile of 3,750 on 30 Sep 2020 (ru.usembassy.gov,
official).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import io
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.app.library import load_agreement, load_all
from accord.compliance import evaluate
from accord.errors import InputError
from accord.forces.estimates import Estimate
from accord.profiles import _ranges
from accord.profiles.after2026 import data as after2026
from accord.profiles.newstart import report as newstart_report
from accord.profiles.newstart.data import bundled_holdings, figure_ranges, stockpile_snapshots

D = _dt.date


def _csv_rows() -> list[tuple[int, dict[str, str]]]:
    text = resources.files("accord.profiles.newstart").joinpath("datafiles", "force_estimates.csv").read_text(
        encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


ROWS = _csv_rows()


def _rule_from_words(row: dict[str, str]) -> str:
    """The rule the row's own words call for: the official figure exact, "nearly" and "more than"
    as said, and every other estimate approximate (FAS and SIPRI say all their figures are)."""
    if row["reliability"] == "official":
        return "as_published"
    if "nearly" in row["reliability_note"]:
        return "nearly"
    if "more than" in row["reliability_note"]:
        return "more_than"
    return "rounding"


# ----------------------------------------------------------------------------- the file


def test_every_estimate_row_has_the_range_its_words_give():
    checked = 0
    for line, row in ROWS:
        if not row["value"].strip():  # Russia's 2020 retired warheads: NOT FOUND, so no range
            assert not (row["low"] or row["high"] or row["range_rule"]), f"line {line}"
            continue
        rule = _rule_from_words(row)
        assert row["range_rule"] == rule, f"line {line}: {row['category']}"
        for value, low, high in zip(*(row[k].split("/") for k in ("value", "low", "high")), strict=True):
            assert _ranges.range_of(rule, int(value)) == Estimate(int(low), int(value), int(high)), f"line {line}"
            checked += 1
    assert checked == 49  # 43 one-figure rows and the two FAS Status 2019 rows of three figures each


@pytest.mark.parametrize(("party", "category", "value", "span"), [
    ("RU", "military stockpile", "4310", (4305, 4315)),       # "approximately 4,310" (FAS, Mar 2020)
    ("RU", "military stockpile", "4500", (4400, 4500)),       # "nearly 4,500" (FAS, Apr 2021)
    ("US", "military stockpile", "3800", (3750, 3850)),       # ~3,800 (FAS, Jan 2020 and Jan 2021)
    ("US", "retired awaiting dismantlement", "2000", (1500, 2500)),  # ~2,000 (FAS, Jan 2020)
    ("RU", "at heavy bomber bases", "200", (200, 300)),       # "more than 200" (FAS 2025, via CKHQ)
    ("US", "military stockpile", "3708", (3708, 3708)),       # 3,708: given to the unit, exact
])
def test_published_figures_and_their_ranges(party, category, value, span):
    rows = [r for _, r in ROWS if (r["party"], r["category"], r["value"]) == (party, category, value)]
    assert rows and all((int(r["low"]), int(r["high"])) == span for r in rows)


def test_the_official_us_figure_stays_exact():
    (row,) = [r for _, r in ROWS if r["reliability"] == "official"]
    assert (row["value"], row["low"], row["high"], row["range_rule"]) == ("3750", "3750", "3750", "as_published")
    snap = next(s for s in stockpile_snapshots() if (s.party, s.date) == ("US", D(2020, 9, 30)))
    count = snap.counts["nuclear_warheads_all"]
    assert count.value == 3750 and count.range is None and not count.estimate
    assert count.source is not None and count.source.reliability == "official"


def test_stockpile_counts_carry_their_ranges_and_say_which_rule():
    got = {(s.party, s.date): s.counts["nuclear_warheads_all"] for s in stockpile_snapshots()}
    assert got[("RU", D(2021, 4, 5))].estimate_range == Estimate(4400, 4500, 4500)
    assert got[("RU", D(2020, 3, 13))].estimate_range == Estimate(4305, 4310, 4315)
    assert got[("US", D(2021, 1, 12))].estimate_range == Estimate(3750, 3800, 3850)
    source = got[("RU", D(2021, 4, 5))].source
    assert source is not None and source.note is not None and "range rule: nearly" in source.note
    assert source.article == "accord/profiles/newstart/datafiles/force_estimates.csv, line 31"
    assert all(c.estimate for key, c in got.items() if key != ("US", D(2020, 9, 30)))


def test_the_same_estimates_have_the_same_ranges_in_both_profiles():
    # after2026's estimates.csv records the same FAS military-stockpile figures with their ranges;
    # a figure found in both (same party, year and central value) has one range.
    theirs = {(r.party, r.as_of.year, r.value.central): r.value for r in after2026.estimate_rows()
              if r.estimator == after2026.FAS and r.category == "military_stockpile"}
    shared = 0
    for s in stockpile_snapshots():
        c = s.counts["nuclear_warheads_all"]
        key = (s.party, s.date.year, c.value)
        if c.estimate and key in theirs:
            assert c.estimate_range == theirs[key], key
            shared += 1
    assert shared >= 6  # US 2020, 2021, 2024, 2025; RU 2020, 2021, 2025


# ----------------------------------------------------------------------------- the loader's checks


GOOD = {"value": "4500", "low": "4400", "high": "4500", "range_rule": "nearly"}


@pytest.mark.parametrize(("change", "field", "problem"), [
    ({"low": "4450"}, "low", "not what rule 'nearly' gives (4,500 (4,400–4,500))"),
    ({"range_rule": "approx"}, "range_rule", "unknown range rule 'approx'"),
    ({"low": "4600", "high": "4700"}, "low", "range out of order: 4600, 4500, 4700"),
    ({"high": "lots"}, "high", "not a whole number"),
    ({"value": "4500/4310"}, "low", "as many figures"),
    ({"value": "", "low": "", "high": ""}, "range_rule", "a row without a figure has no range"),
])
def test_a_row_whose_range_is_not_its_rules_is_refused_naming_the_line(change, field, problem):
    with pytest.raises(InputError) as info:
        figure_ranges({**GOOD, **change}, 31)
    err = info.value
    assert (err.line, err.field) == (31, field) and problem in err.problem
    assert err.file is not None and err.file.endswith("newstart/datafiles/force_estimates.csv")


@given(st.sampled_from([r for r in _ranges.RANGE_RULES if r not in _ranges.TWO_ENDED]),
       st.integers(min_value=1, max_value=10**7), st.integers(min_value=1, max_value=10**3))
def test_a_row_passes_exactly_when_its_range_is_the_rules(rule, value, shift):
    span = _ranges.range_of(rule, value)
    row = {"value": str(value), "low": str(span.low), "high": str(span.high), "range_rule": rule}
    assert figure_ranges(row, 2) == (span,)
    wider = {**row, "high": str(span.high + shift)}
    with pytest.raises(InputError):
        figure_ranges(wider, 2)


# ----------------------------------------------------------------------------- findings and summary


def _freeze_rows(ev: newstart_report.Evaluations) -> dict[tuple[str, str], str]:
    return {(r["question"], r["party"]): r["answer"] for r in newstart_report.summary_rows(ev)
            if r["question"].startswith("freeze under FAS estimates")}


def test_the_ru_freeze_summary_says_what_the_ranges_support():
    ev = newstart_report.evaluations(load_agreement, load_all(), D(2026, 6, 1))
    rows = _freeze_rows(ev)
    for aid in newstart_report.FREEZES:
        ru = rows[(f"freeze under FAS estimates ({aid})", "RU")]
        # "nearly 4,500" (4,400-4,500) against the level of March 2020, "approximately 4,310"
        # (4,305-4,315): the whole range is over the whole cap, by 85 to 195
        assert ru.startswith("4,500 (4,400–4,500) vs cap 4,310 (4,305–4,315): exceeds")
        assert "its low end 4,400 is above the cap's high end 4,315" in ru
        assert "over the cap by 85 to 195" in ru
        assert "P(over cap) = 1 under triangular(low, central, high), value and cap independent" in ru
        assert "precision of the source's wording" in ru
        assert "by 190" not in ru and "exceeds by" not in ru
        us = rows[(f"freeze under FAS estimates ({aid})", "US")]
        # no US stockpile figure is dated between 5 Feb 2021 and 5 Feb 2022; the cap is FAS's ~3,800
        assert us.startswith("no stockpile figure dated inside the freeze year")
        assert "3,800 (3,750–3,850)" in us and "2021-01-12" in us


def test_an_uncertain_freeze_finding_is_in_the_summary_with_its_probability():
    # a cap of 4,450 (a test parameter) inside "nearly 4,500" (4,400-4,500): uncertain, and still
    # reported — never as "no stockpile figure"
    ev = newstart_report.evaluations(load_agreement, load_all(), D(2026, 6, 1))
    aid = newstart_report.FREEZES[1]
    fa = ev.freezes[aid][0]
    capped = evaluate(fa, bundled_holdings(), caps={"warhead_freeze": {"RU": 4450}})
    rows = _freeze_rows(dataclasses.replace(ev, freezes={aid: (fa, capped)}))
    ru = rows[(f"freeze under FAS estimates ({aid})", "RU")]
    # triangular(4,400, 4,500, 4,500): P(count > 4,450) = 1 - 50.5² / (100 × 100) = 0.745
    assert ru.startswith("4,500 (4,400–4,500) vs cap 4,450: uncertain: the ranges overlap")
    assert "from 50 over to 50 under the cap" in ru and "P(over cap) = 0.74 under triangular" in ru
    assert "independent" not in ru  # the cap is exact: nothing to assume about it
    f = capped.where(party="RU", limit="warhead_freeze", status="uncertain")[0]
    assert f.p_exceeds == pytest.approx(1 - 50.5 ** 2 / 10_000)


def test_an_exact_finding_keeps_its_exact_margin():
    # the official 3,750 against a user's cap of 3,700: exact on both sides, over by 50
    fa = load_agreement("us-2020-freeze")
    holdings = bundled_holdings()
    exact = [s for s in holdings if s.party == "US" and s.date == D(2020, 9, 30)]
    f = evaluate(fa, type(holdings)(exact), caps={"all_warheads_freeze": 3700}, at=D(2021, 6, 1)).where(
        party="US", limit="all_warheads_freeze")[0]
    assert newstart_report.freeze_answer(f) == "3,750 vs cap 3,700: exceeds by 50"


def test_the_freeze_section_explains_the_ranges():
    from accord.app.report import build_report

    page = build_report(D(2026, 6, 1), charts=False, profile="newstart")
    (section,) = [s for s in page.content.sections if s.title.startswith("A freeze on all warheads")]
    assert "4,500 (4,400–4,500)" in section.html and "4,310 (4,305–4,315)" in section.html
    assert "-195 to -85" in section.html.replace("−", "-")  # the headroom as an interval
    assert "P(over cap) = 1.00 under triangular(low, central, high)" in section.html
    assert "its real uncertainty is larger" in section.html
