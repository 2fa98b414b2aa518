"""The report page: "After New START" first, then the New START record; what is in force on the
day, and why nothing is after the treaty lapsed; estimates side by side, never merged."""

from __future__ import annotations

import datetime as _dt
import re

import pytest

from accord.app import report
from accord.app.library import load_all
from accord.profiles import Analysis, ReportContent, Section

AFTER = _dt.date(2026, 12, 2)  # the day issue 10 was filed: the report then said "ru-2025-voluntary" was in force


@pytest.fixture(scope="module")
def built() -> report.ReportPage:
    return report.build_report(AFTER, charts=False)


def _answers(page: report.ReportPage) -> dict[tuple[str, str], str]:
    return {(r["question"], r["party"]): r["answer"] for r in page.summary_rows()}


def test_after_expiry_nothing_is_in_force_and_the_summary_says_why():
    row = report.in_force_row(load_all(), AFTER)
    assert row["question"] == "in force on 2026-12-02"
    # newstart-facts.md: the treaty expired on 5 February 2026; Russia's 2025 offer was never reciprocated.
    assert row["answer"].startswith("nothing: ")
    assert "newstart-2021 expired on 2026-02-05" in row["answer"]
    assert "ru-2025-voluntary is a conditional offer that never took effect" in row["answer"]
    assert "ru-2025-voluntary," not in row["answer"] and not row["answer"].startswith("ru-2025")


def test_while_the_treaty_was_suspended_it_is_named_in_force_with_the_suspension():
    # Russia "suspended" the treaty on 21 February 2023; it stayed in force until 5 February 2026.
    answer = report.in_force_row(load_all(), _dt.date(2023, 6, 1))["answer"]
    assert "newstart-2021 (suspended in part)" in answer and "ru-2025-voluntary" not in answer
    assert report.in_force_row(load_all(), _dt.date(2026, 2, 4))["answer"].startswith("newstart-2021")


def test_the_report_opens_with_after_new_start_and_the_record_follows(built):
    assert built.profiles == ("after2026", "newstart")
    titles = [s.title for s in built.content.sections]
    after, record = (next(i for i, t in enumerate(titles) if t.startswith(f"Part {n}.")) for n in (1, 2))
    assert after == 0 and "After New START" in titles[after]
    first_part = titles[after + 1:record]
    assert first_part[:3] == ["What binds now", "What is proposed",
                              "Who holds what: five states' warheads, as estimates with ranges"]
    assert any(t.startswith("Cap levels") for t in first_part)
    assert any(t.startswith("Upload capacity") for t in first_part)
    assert "The proposals side by side" in titles[record + 1:]  # the New START part, after
    assert not any(isinstance(s, Analysis) for s in built.content.sections)  # every analysis computed
    # The contents list links to both parts, by the ids the page gives its sections.
    assert f"<a href='#section-{after + 1}'>" in built.html and f"<a href='#section-{record + 1}'>" in built.html
    assert f"<h2 id='section-{record + 1}'>Part 2." in built.html


def test_the_summary_opens_with_what_is_in_force_once(built):
    rows = built.summary_rows()
    assert rows[0]["question"] == "in force on 2026-12-02" and rows[0]["answer"].startswith("nothing")
    assert sum(r["question"].startswith("in force on") for r in rows) == 1


def test_what_binds_now_says_nothing_binds_and_lists_the_suspension(built):
    html = next(s.html for s in built.content.sections if s.title == "What binds now")
    assert "no agreement in the library is in force" in html
    assert "ru-2025-voluntary is a conditional offer that never took effect" in html
    assert "since 2023-02-21 RU performs no data exchanges, notifications or inspections" in html


def test_what_binds_before_expiry_names_the_treaty():
    page = report.build_report(_dt.date(2025, 6, 1), charts=False)
    html = next(s.html for s in page.content.sections if s.title == "What binds now")
    assert "no agreement in the library is in force" not in html
    assert "newstart-2021" in html.split("</p>")[0]  # the lead sentence names what is in force


def test_the_four_proposals_show_their_caps_parties_verification_and_source(built):
    html = next(s.html for s in built.content.sections if s.title == "What is proposed")
    for aid in ("us-2026-all-warheads", "ru-2026-coalition", "freeze-all-warheads", "newstart-bridge-2026"):
        assert f"<span class='id'>{aid}</span>" in html
    assert "US, RU, CN" in html and "RU, US, UK, FR" in html  # parties
    assert "(parameter" in html  # no cap number was published: a parameter, not an invented figure
    assert "limit: cap 1,550" in html  # the bridge keeps the treaty's central limits
    assert "to be negotiated" in html and "[secondary]" in html


def test_holdings_show_both_estimators_side_by_side_never_merged(built):
    html = next(s.html for s in built.content.sections if s.title.startswith("Who holds what"))
    assert "<th>FAS Nuclear Notebook</th><th>SIPRI Yearbook</th>" in html
    us = [row for row in re.findall(r"<tr>(.*?)</tr>", html) if row.startswith("<td>United States</td>")]
    stockpile = next(row for row in us if "<td>military stockpile</td>" in row)
    # FAS 2025: "about 3,700" (a range); SIPRI 2023 table: 3,708 — both kept, each with its own date.
    assert "3,700 (3,650–3,750)" in stockpile and "3,708" in stockpile
    assert "2025-01-13" in stockpile and "2023-01" in stockpile
    for name in ("United States", "Russia", "China", "United Kingdom", "France", "India", "North Korea"):
        assert f"<td>{name}</td>" in html
    rows = _answers(built)
    assert rows[("military stockpile (estimates)", "US")].startswith("FAS 3,700 (3,650–3,750) (2025-01-13); SIPRI")


def test_the_cap_levels_table_has_every_cap_and_each_series(built):
    html = next(s.html for s in built.content.sections if s.title.startswith("Cap levels: a limit on all"))
    for label in ("US (FAS)", "US (SIPRI)", "RU (FAS)", "CN (FAS)"):
        assert f"<th>{label}</th>" in html
    for cap in ("500", "1,550", "4,500"):
        assert f"<strong>{cap}</strong>" in html


def test_a_single_profile_keeps_its_own_heading_and_still_opens_with_what_is_in_force():
    page = report.build_report(AFTER, charts=False, profile="newstart")
    assert page.profiles == ("newstart",) and page.content.heading.startswith("accord report: New START")
    assert page.summary_rows()[0]["question"] == "in force on 2026-12-02"


def test_an_unknown_analysis_is_a_programming_error_not_a_silent_gap():
    content = ReportContent("t", "h", "", [], [Section("a", ""), Analysis("nope", "x")])
    with pytest.raises(ValueError, match="unknown analysis 'nope'"):
        report.resolve(content, AFTER, charts=False)
