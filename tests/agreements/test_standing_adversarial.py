"""Reviewer R2: where each bundled agreement stands around every boundary of the record, and the
new clauses (``conditions[].outcome``, ``suspensions``, a parameter cap's ``range``, a coalition's
``holding_of`` cap) under hostile input.

Dates (shared/reference/newstart-facts.md §6, after-newstart.md): New START signed 8 April 2010, in
force 5 February 2011 for ten years, extended on 3 February 2021 to 5 February 2026 (Article XIV.2
allowed one extension of up to five years); Russia "suspended" it on 21 February 2023 and the US
answered with countermeasures from 1 June 2023; it expired on 5 February 2026. Russia's offer of
22 September 2025 to keep the central limits for a year was never reciprocated.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from minimal_agreement import GOOD, error_of, write

from accord.app.library import load_agreement, load_all

D = dt.date

#: Every boundary of the record, and the day either side of it.
BOUNDARIES = (D(2010, 4, 8), D(2011, 2, 5), D(2018, 2, 5), D(2021, 2, 3), D(2021, 2, 5), D(2023, 2, 21),
              D(2023, 6, 1), D(2025, 9, 22), D(2026, 2, 5), D(2026, 2, 6), D(2026, 8, 5), D(2026, 12, 2),
              D(2027, 2, 5))
AROUND = sorted({d + dt.timedelta(days=k) for d in BOUNDARIES for k in (-1, 0, 1)})

#: What each bundled agreement is on each side of its boundaries: (first day, state) steps.
EXPECTED: dict[str, tuple[tuple[dt.date, str], ...]] = {
    "newstart": ((D(2000, 1, 1), "not_yet"), (D(2011, 2, 5), "in_force"), (D(2021, 2, 5), "expired")),
    "newstart-2021": ((D(2000, 1, 1), "not_yet"), (D(2011, 2, 5), "in_force"), (D(2023, 2, 21), "suspended"),
                      (D(2026, 2, 5), "expired")),
    "ru-counting-2022": ((D(2000, 1, 1), "not_yet"), (D(2011, 2, 5), "in_force"), (D(2023, 2, 21), "suspended"),
                         (D(2026, 2, 5), "expired")),
    "ru-2025-voluntary": ((D(2000, 1, 1), "never_took_effect"),),
    "newstart-bridge-2026": ((D(2000, 1, 1), "proposal"),),
    "us-2026-all-warheads": ((D(2000, 1, 1), "proposal"),),
    "ru-2026-coalition": ((D(2000, 1, 1), "proposal"),),
    "freeze-all-warheads": ((D(2000, 1, 1), "proposal"),),
    "ru-2020-freeze": ((D(2000, 1, 1), "proposal"),),
    "us-2020-freeze": ((D(2000, 1, 1), "proposal"),),
}


def _expected(agreement_id: str, day: dt.date) -> str:
    state = "?"
    for start, s in EXPECTED[agreement_id]:
        if day >= start:
            state = s
    return state


def test_every_bundled_agreement_is_covered():
    assert sorted(EXPECTED) == sorted(a.id for a in load_all())


@pytest.mark.parametrize("day", AROUND, ids=str)
def test_standing_of_every_agreement_around_every_boundary(day):
    for a in load_all():
        s = a.standing(day)
        assert s.state == _expected(a.id, day), (a.id, day, s.text)
        # legally in force exactly when the state says so; never for a proposal or a failed offer
        assert s.in_force == (s.state in ("in_force", "suspended"))
        assert day.isoformat() in s.text and s.sources, (a.id, s.text)
        if s.state in ("proposal", "never_took_effect"):
            assert "never in force" in s.text or "never took effect" in s.text


def test_the_suspension_names_both_parties_and_what_russia_said_it_kept():
    a = load_agreement("newstart-2021")
    assert [x.party for x in a.standing(D(2023, 5, 31)).suspensions] == ["RU"]
    s = a.standing(D(2023, 6, 1))
    assert [x.party for x in s.suspensions] == ["RU", "US"]
    assert "RU performs no data exchanges, notifications or inspections" in s.text
    assert "keeps within the treaty's quantitative limits" in s.text
    # the limits still bind during the suspension (a suspension is not a withdrawal)
    assert {lim.id for lim in a.binding_limits(D(2023, 6, 1))} == {
        "deployed_delivery_vehicles", "deployed_warheads", "deployed_and_nondeployed_launchers"}


def test_the_treaty_as_signed_does_not_claim_new_start_lapsed_in_2021():
    # New START was extended on 3 February 2021 (newstart-2021): the file of the treaty as signed
    # must not tell an analyst on 1 June 2022 that the treaty lapsed; its ten-year term ended.
    s = load_agreement("newstart").standing(D(2022, 6, 1))
    assert s.state == "expired" and not s.in_force
    assert "term ended on 2021-02-05" in s.text
    assert "could be extended by up to 5 years (agreement of the Parties)" in s.text and "this file" in s.text


def test_the_extended_treaty_says_no_further_extension_was_possible():
    s = load_agreement("newstart-2021").standing(D(2026, 12, 2))
    assert s.text.startswith("newstart-2021 expired on 2026-02-05 (in force 2011-02-05 to 2026-02-04)")
    assert "extended" not in s.text  # max_years 0: nothing more to say


def test_a_proposal_whose_period_is_over_speaks_in_the_past():
    # the 2020 freezes would have run to 5 February 2022; on 2 December 2026 that is the past
    s = load_agreement("us-2020-freeze").standing(D(2026, 12, 2))
    assert "would have been in force from 2011-02-05 until 2022-02-05" in s.text
    assert "it would be in force" not in s.text
    during = load_agreement("newstart-bridge-2026").standing(D(2026, 3, 1))
    assert "if adopted it would be in force from 2026-02-05 until 2026-08-05" in during.text


@given(st.dates(min_value=D(2026, 2, 5), max_value=D(2100, 1, 1)))
def test_after_expiry_nothing_bundled_binds(day):
    for a in load_all():
        s = a.standing(day)
        assert not s.in_force and not a.suspended_on(day)
        if a.adopted:
            assert a.binding_limits(day) == ()


# ------------------------------------------------------------------ hostile new clauses

SUSPENDED = GOOD + """\
suspensions:
  - id: ru_stop
    party: RU
    from: 2024-01-01
    stopped: [data_exchanges, inspections]
    text: RU stopped its part
    source: doc
"""


def _second(from_: str, until: str | None = None, party: str = "RU", stopped: str = "[inspections]") -> str:
    extra = f"    until: {until}\n" if until else ""
    return (f"  - id: second\n    party: {party}\n    from: {from_}\n{extra}    stopped: {stopped}\n"
            f"    text: again\n    source: doc\n")


@pytest.mark.parametrize("second", [
    _second("2025-01-01"),                          # inside an open-ended suspension
    _second("2021-01-01", until="2024-06-01"),      # straddles its start
    _second("2024-01-01", until="2024-01-02"),      # same start
])
def test_overlapping_suspensions_of_one_party_are_refused(tmp_path, second):
    p = write(tmp_path, SUSPENDED + second)
    err = error_of(p)
    assert (err.file, err.line, err.field) == (str(p), 26, "suspensions[1].from"), err.one_line()
    assert "overlaps suspension 'ru_stop' of RU" in err.problem


def test_back_to_back_and_other_partys_suspensions_load(tmp_path):
    base = SUSPENDED.replace("from: 2024-01-01", "from: 2024-01-01\n    until: 2025-01-01")
    a = load_agreement(str(write(tmp_path, base + _second("2025-01-01"))))  # until is exclusive
    assert [s.id for s in a.suspensions] == ["ru_stop", "second"]
    b = load_agreement(str(write(tmp_path, SUSPENDED + _second("2024-06-01", party="US"), "b.yaml")))
    assert [s.party for s in b.standing(D(2025, 1, 1)).suspensions] == ["RU", "US"]


@pytest.mark.parametrize("rng, field, problem", [
    ("{low: 5, high: 10000000000000000000000000000000000000}", "limits[0].cap.range.high",
     "above the largest count accord reads"),
    ("{low: 2000000, high: 3000000}", "limits[0].cap.range.low", "above the largest count accord reads"),
    ("{low: 50, high: 60}", "limits[0].cap.range", "the default cap (10) is outside its range (50 to 60)"),
])
def test_a_range_must_be_readable_and_hold_its_default(tmp_path, rng, field, problem):
    p = write(tmp_path, GOOD.replace("cap: 10,", f"cap: {{value: 10, parameter: true, range: {rng}}},"))
    err = error_of(p)
    assert (err.file, err.line, err.field) == (str(p), 14, field), err.one_line()
    assert problem in err.problem, err.one_line()
    assert "\n" not in err.one_line()


def test_a_level_on_cap_may_carry_a_range(tmp_path):
    p = write(tmp_path, GOOD.replace("cap: 10,", "cap: {level_on: 2021-01-01, parameter: true, "
                                     "range: {low: 5, high: 20}},"))
    assert load_agreement(str(p)).limit("cap_things").cap.range == (5, 20)


COALITION = GOOD.replace("parties: [US, RU]", "parties: [US, RU, UK]").replace(
    "  - {id: cap_things, title: Things, categories: [things], cap: 10, source: doc}\n",
    "  - id: allied_things\n"
    "    title: Allied things\n"
    "    kind: coalition\n"
    "    parties: [US, UK]\n"
    "    categories: [things]\n"
    "    cap: {holding_of: [RU]}\n"
    "    source: doc\n")


def test_a_coalition_weighed_against_another_partys_holding_loads(tmp_path):
    cap = load_agreement(str(write(tmp_path, COALITION))).limit("allied_things").cap
    assert cap.holding_of == ("RU",) and cap.describe() == "the holding of RU"


@pytest.mark.parametrize("cap, line, field, problem", [
    ("{holding_of: [CN]}", 19, "limits[0].cap.holding_of", "'CN' is not a party"),
    ("{holding_of: []}", 19, "limits[0].cap.holding_of", "one or more party codes"),
    ("{holding_of: [RU, RU]}", 19, "limits[0].cap.holding_of", "duplicate party"),
    ("{holding_of: {RU: 1}}", 19, "limits[0].cap.holding_of", "one or more party codes"),
    ("{holding_of: [US]}", 19, "limits[0].cap.holding_of", "both a member and the holding"),
    ("{holding_of: [RU], value: 5}", 19, "limits[0].cap", "needs exactly one of"),
    ("{holding_of: [RU], level_on: 2021-01-01}", 19, "limits[0].cap", "needs exactly one of"),
])
def test_bad_holding_of_names_line_field_problem(tmp_path, cap, line, field, problem):
    p = write(tmp_path, COALITION.replace("cap: {holding_of: [RU]}", f"cap: {cap}"))
    err = error_of(p)
    assert (err.file, err.line, err.field) == (str(p), line, field), err.one_line()
    assert problem in err.problem, err.one_line()


@pytest.mark.parametrize("kind", ["limit", "freeze"])
def test_only_a_coalition_may_be_weighed_against_a_holding(tmp_path, kind):
    # a party's own cap set by another party's holding is not a clause any kind evaluates
    p = write(tmp_path, GOOD.replace("cap: 10,", f"kind: {kind}, cap: {{holding_of: [RU]}},"))
    err = error_of(p)
    assert (err.line, err.field) == (14, "limits[0].cap.holding_of"), err.one_line()
    assert "unknown cap field" in err.problem
