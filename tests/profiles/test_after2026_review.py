"""Reviewer R2: the after-2026 data checked against the published figures, and the Russian
coalition position evaluated as it is stated — the US, UK and French warheads counted together
against Russia's own.

Published figures pinned here (each with where it was read):
- FAS, "America's Nuclear Weapons Arsenal 2024" (press release of the Nuclear Notebook, 7 May
  2024, https://fas.org/publication/nuclear-weapons-2024/): "a stockpile of approximately 3,708
  warheads ... 1,770 deployed warheads, 1,938 reserved for operational forces ... 1,336 retired
  warheads ... a total inventory of approximately 5,044".
- FAS Nuclear Notebook, Russian nuclear weapons 2024 (abstract,
  https://discovery.researcher.life/article/russian-nuclear-weapons-2024/1c562311bb433b29909995cfe4c923c6):
  "approximately 4,380 nuclear warheads ... a net reduction of approximately 109 from last year's
  estimate" (2023: 4,489).
- FAS Nuclear Notebook, United States nuclear weapons 2022 (10 May 2022, reposted
  https://cndsalisbury.org.uk/news_items/2833-nuclear-notebook): "approximately 3,708 warheads ...
  about 1,744 warheads are deployed, while approximately 1,964 are held in reserve ...
  approximately 1,720 retired warheads ... total inventory of approximately 5,428".
- FAS Nuclear Notebook, Russian nuclear weapons 2022 (Kristensen & Korda, February 2022, as
  reported by TweakTown on 28 February 2022,
  https://www.tweaktown.com/news/84803/heres-how-many-nuclear-warheads-russia-has-stockpiled-for-war/index.html):
  "approximately 4,477 warheads ... around 1,588 ... deployed ... approximately 977 strategic
  warheads, with a further 1,912 nonstrategic warheads ... held in reserves".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib import resources

import pytest

from accord.app.library import load_agreement
from accord.compliance import evaluate
from accord.forces.estimates import Estimate
from accord.profiles.after2026 import FAS, SIPRI, estimate_rows, estimate_series, system_holdings
from accord.profiles.after2026.data import range_of

D = dt.date


def _row(estimator: str, party: str, category: str, day: D):
    (row,) = [r for r in estimate_rows() if (r.estimator, r.party, r.category, r.as_of) == (estimator, party,
                                                                                            category, day)]
    return row


# ----------------------------------------------------------------------------- the data


def test_fas_us_2024_is_dated_by_its_publication_and_cites_the_publisher():
    # the README dates a Notebook by its publication; the 2024 US Notebook appeared on 7 May 2024
    for category, value in (("military_stockpile", 3708), ("deployed", 1770), ("stored", 1938),
                            ("retired", 1336), ("total_inventory", 5044)):
        r = _row(FAS, "US", category, D(2024, 5, 7))
        assert r.value.central == value and r.date_precision == "day"
        assert r.source.url == "https://fas.org/publication/nuclear-weapons-2024/"
    assert not [r for r in estimate_rows() if (r.estimator, r.party, r.as_of) == (FAS, "US", D(2024, 1, 1))]


def test_fas_russia_2024_stockpile_is_the_published_4380():
    r = _row(FAS, "RU", "military_stockpile", D(2024, 1, 1))
    assert r.value == Estimate(4375, 4380, 4385)  # "approximately 4,380"
    # "a net reduction of approximately 109 from last year's estimate"
    assert _row(FAS, "RU", "military_stockpile", D(2023, 1, 1)).value.central - r.value.central == 109
    # the same year's total inventory (5,580) is the larger: the difference is retired warheads
    assert _row(FAS, "RU", "total_inventory", D(2024, 1, 1)).value.central > r.value.central


@pytest.mark.parametrize("party, day, figures", [
    ("US", D(2022, 5, 10), {"military_stockpile": 3708, "deployed": 1744, "stored": 1964, "retired": 1720,
                             "total_inventory": 5428}),
    ("RU", D(2022, 1, 1), {"military_stockpile": 4477, "deployed_strategic": 1588, "stored_strategic": 977,
                             "stored_nonstrategic": 1912}),
])
def test_fas_2022_notebooks_fill_the_gap_between_2021_and_2023(party, day, figures):
    for category, value in figures.items():
        r = _row(FAS, party, category, day)
        assert r.value.central == value and r.value == range_of(r.range_rule, value)
    parts = [figures[k] for k in figures if k not in ("military_stockpile", "total_inventory", "retired")]
    assert sum(parts) == figures["military_stockpile"]  # the Notebook's own parts add up


def test_systems_rows_follow_their_range_rules():
    # every per-system range is what its rule gives, as estimates.csv is checked (README, "From
    # words to ranges"): a "span" is centred on its midpoint, so the Trident launchers — the last
    # declared count (230, 1 September 2020) up to the declared maximum (240) — are "up_to", not a span
    text = resources.files("accord.profiles.after2026").joinpath("datafiles", "systems.csv").read_text("utf-8")
    checked = 0
    for row in csv.DictReader(io.StringIO(text)):
        for prefix in ("launchers_", "warheads_"):
            if not row[f"{prefix}central"]:
                continue
            low, central, high = (int(row[f"{prefix}{k}"]) for k in ("low", "central", "high"))
            rule = row[f"{prefix}rule"]
            expected = range_of(rule, low, high) if rule in ("span", "up_to") else range_of(rule, central)
            assert expected == Estimate(low, central, high), (row["system"], prefix, rule)
            checked += 1
    assert checked >= 18
    (trident,) = [h for h in system_holdings() if h.system == "Trident II D5"]
    assert trident.launchers == Estimate(230, 230, 240)
    assert trident.ceiling == Estimate(230 * 8, 230 * 8, 240 * 8)


def test_a_systems_row_off_its_rule_is_refused(tmp_path, monkeypatch):
    from accord.errors import InputError
    from accord.profiles.after2026 import data

    text = resources.files("accord.profiles.after2026").joinpath("datafiles", "systems.csv").read_text("utf-8")
    bad = text.replace("230,230,240,up_to", "230,230,240,span")
    assert bad != text
    monkeypatch.setattr(data, "_rows", lambda name: _rows_of(bad))
    data.system_holdings.cache_clear()
    try:
        with pytest.raises(InputError) as info:
            data.system_holdings()
        assert info.value.field == "launchers_low" and info.value.line == 3
        assert "is not what rule 'span' gives" in info.value.problem
    finally:
        data.system_holdings.cache_clear()


def _rows_of(text: str):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        yield reader.line_num, row


#: Rows spot-checked by the reviewer against the text where each figure was read (pages stored
#: by the `search` tool; the URL is the page): (estimator, party, date, category, published figure).
CQ_FAS_2019 = "http://library.cqpress.com/cqresearcher/file.php?path=/images/CQ_Researcher/r20200214-worldsnukes-longdesc.html"
DEFCON_RU_2020 = "https://defconwarningsystem.com/2020/03/13/russian-nuclear-forces-2020"
ABSTRACT_RU_2021 = "https://informahealthcare.com/doi/abs/10.1080/00963402.2021.1885869"
SIPRI_2023 = "https://247newsagency.com/opinion/203317.html"  # SIPRI Yearbook 2023 as reported (Rosbalt)
SIPRI_2025 = "https://beautifulchart.com/nuclear-armed-states-in-2025-russia-and-the-u-s-dominate-the-arsenal"
SPOT_CHECKS = [
    # FAS Status of World Nuclear Forces, May 2019 (CQ Researcher's copy of the table)
    (FAS, "RU", D(2019, 5, 1), "deployed_strategic", 1600, CQ_FAS_2019),
    (FAS, "RU", D(2019, 5, 1), "stored", 2730, CQ_FAS_2019),
    (FAS, "RU", D(2019, 5, 1), "retired", 2170, CQ_FAS_2019),
    (FAS, "US", D(2019, 5, 1), "deployed_strategic", 1600, CQ_FAS_2019),
    (FAS, "US", D(2019, 5, 1), "stored", 2050, CQ_FAS_2019),
    (FAS, "US", D(2019, 5, 1), "retired", 2385, CQ_FAS_2019),
    (FAS, "FR", D(2019, 5, 1), "deployed", 280, CQ_FAS_2019),
    (FAS, "FR", D(2019, 5, 1), "stored", 20, CQ_FAS_2019),
    (FAS, "UK", D(2019, 5, 1), "deployed", 120, CQ_FAS_2019),
    (FAS, "UK", D(2019, 5, 1), "stored", 95, CQ_FAS_2019),
    (FAS, "CN", D(2019, 5, 1), "stored", 290, CQ_FAS_2019),
    (FAS, "IL", D(2019, 5, 1), "stored", 80, CQ_FAS_2019),
    # FAS Nuclear Notebook, Russian nuclear forces 2020 and 2021 (abstracts)
    (FAS, "RU", D(2020, 3, 13), "military_stockpile", 4310, DEFCON_RU_2020),
    (FAS, "RU", D(2020, 3, 13), "deployed_strategic", 1570, DEFCON_RU_2020),
    (FAS, "RU", D(2020, 3, 13), "stored_strategic", 870, DEFCON_RU_2020),
    (FAS, "RU", D(2020, 3, 13), "stored_nonstrategic", 1870, DEFCON_RU_2020),
    (FAS, "RU", D(2021, 4, 5), "military_stockpile", 4500, ABSTRACT_RU_2021),
    (FAS, "RU", D(2021, 4, 5), "deployed_strategic", 1600, ABSTRACT_RU_2021),
    (FAS, "RU", D(2021, 4, 5), "stored_strategic", 985, ABSTRACT_RU_2021),
    (FAS, "RU", D(2021, 4, 5), "stored_nonstrategic", 1912, ABSTRACT_RU_2021),
    # SIPRI Yearbook 2023 (January 2023)
    (SIPRI, "US", D(2023, 1, 1), "deployed", 1770, SIPRI_2023),
    (SIPRI, "US", D(2023, 1, 1), "stored", 1938, SIPRI_2023),
    (SIPRI, "US", D(2023, 1, 1), "military_stockpile", 3708, SIPRI_2023),
    (SIPRI, "RU", D(2023, 1, 1), "deployed", 1674, SIPRI_2023),
    (SIPRI, "RU", D(2023, 1, 1), "stored", 2815, SIPRI_2023),
    (SIPRI, "RU", D(2023, 1, 1), "military_stockpile", 4489, SIPRI_2023),
    (SIPRI, "FR", D(2023, 1, 1), "deployed", 280, SIPRI_2023),
    (SIPRI, "UK", D(2023, 1, 1), "deployed", 120, SIPRI_2023),
    # SIPRI Yearbook 2025 (January 2025) totals
    (SIPRI, "RU", D(2025, 1, 1), "total_inventory", 5459, SIPRI_2025),
    (SIPRI, "US", D(2025, 1, 1), "total_inventory", 5177, SIPRI_2025),
    (SIPRI, "CN", D(2025, 1, 1), "total_inventory", 600, SIPRI_2025),
    (SIPRI, "FR", D(2025, 1, 1), "total_inventory", 290, SIPRI_2025),
    (SIPRI, "UK", D(2025, 1, 1), "total_inventory", 225, SIPRI_2025),
    (SIPRI, "IN", D(2025, 1, 1), "total_inventory", 180, SIPRI_2025),
    (SIPRI, "PK", D(2025, 1, 1), "total_inventory", 170, SIPRI_2025),
]


@pytest.mark.parametrize("estimator, party, day, category, published, where", SPOT_CHECKS,
                         ids=[f"{e[:4]}-{p}-{d}-{c}" for e, p, d, c, _, _ in SPOT_CHECKS])
def test_spot_checked_rows_carry_the_published_figure(estimator, party, day, category, published, where):
    r = _row(estimator, party, category, day)
    assert r.value.central == published, where
    assert r.value.low <= published <= r.value.high


# ----------------------------------------------------------------------------- the coalition


def _coalition(series: str, **kw):
    a = load_agreement("ru-2026-coalition")
    return evaluate(a, estimate_series()[series], at=D(2026, 6, 1), **kw).findings


def test_the_coalition_is_weighed_against_russias_own_holding():
    (f,) = _coalition(FAS)
    assert f.party == "US+UK+FR" and f.parties == ("US", "UK", "FR")
    cap = f.trace.cap
    # Russia's military stockpile in the FAS series (May 2025: 4,309, given to the unit)
    assert cap.value == 4309 and cap.data_as_of == D(2025, 5, 1)
    assert {p.party for p in cap.parts} == {"RU"}
    assert "RU" in cap.rule
    # US ~3,700 (3,650-3,750) + UK 225 + France 300 (FAS 2019 deployed 280 + stored 20, the latest
    # FAS figures of its military stockpile) = 4,165 to 4,285: under Russia's 4,309 even at the high end
    assert (f.value, f.low, f.high) == (4225, 4165, 4285)
    assert f.status == "within"


def test_the_coalition_shows_when_only_russia_is_asked_for():
    (f,) = _coalition(SIPRI, parties=["RU"])
    assert f.party == "US+UK+FR" and {p.party for p in f.trace.cap.parts} == {"RU"}


def test_a_set_cap_still_overrides_russias_holding():
    (f,) = _coalition(FAS, caps={"western_warheads": 4000})
    assert f.cap == 4000 and f.status == "exceeds" and f.trace.cap.rule == "set by the user (parameter)"


def test_the_coalition_clause_describes_what_it_is_weighed_against():
    lim = load_agreement("ru-2026-coalition").limit("western_warheads")
    assert lim.cap.holding_of == ("RU",)
    assert lim.cap.describe() == "the holding of RU (parameter)"
    assert lim.cap.to_json()["holding_of"] == ["RU"]
    assert "US+UK+FR" in lim.describe().text and "holding of RU" in lim.describe().text
