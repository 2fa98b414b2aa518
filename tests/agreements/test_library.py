"""The built-in library: every number as in shared/reference/newstart-facts.md."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.app.library import library_ids, load_agreement, load_all

D = dt.date


def test_library_has_the_ten_agreements():
    assert set(library_ids()) >= {
        "newstart", "newstart-2021", "us-2020-freeze", "ru-2020-freeze", "ru-2025-voluntary", "ru-counting-2022",
        "newstart-bridge-2026", "us-2026-all-warheads", "ru-2026-coalition", "freeze-all-warheads"}


def test_newstart_central_limits_as_in_article_ii():
    # newstart-facts.md §2.1 (State fact sheet md139900): 700 / 1,550 / 800 from 5 Feb 2018.
    a = load_agreement("newstart")
    caps = {lim.id: lim.cap.value for lim in a.limits}
    assert caps == {"deployed_delivery_vehicles": 700, "deployed_warheads": 1550,
                    "deployed_and_nondeployed_launchers": 800}
    assert {lim.binding.start for lim in a.limits} == {D(2018, 2, 5)}
    assert all(lim.legal_form == "treaty" for lim in a.limits)


def test_newstart_dates_duration_and_extension():
    a = load_agreement("newstart")
    assert a.signed and a.signed.date == D(2010, 4, 8)
    assert a.entry_into_force.date == D(2011, 2, 5)
    assert a.duration_years == 10
    assert a.expires and a.expires.date == D(2021, 2, 5)
    assert a.extension and a.extension.max_years == 5


def test_newstart_regime_numbers():
    # §3.2: six-month updates as of 1 March and 1 September, due within 30 days; changes within 5 days;
    # §4.1: 10 Type One + 8 Type Two inspections a year.
    r = load_agreement("newstart").regime
    six = next(e for e in r.data_exchanges if e.id == "six_monthly")
    assert six.as_of == ((3, 1), (9, 1)) and six.due_days == 30
    initial = next(e for e in r.data_exchanges if e.id == "initial")
    assert initial.due_days == 45
    assert r.notification_default_days == 5
    assert r.notification_deadline("change_in_data") == 5
    assert {i.id: i.quota_per_year for i in r.inspections} == {"type_one": 10, "type_two": 8}
    assert "icbm_base" in r.inspection("type_one").site_types
    assert "storage_facility" in r.inspection("type_two").site_types


@pytest.mark.parametrize(
    "agreement, day, in_force",
    [
        ("newstart", D(2011, 2, 4), False),
        ("newstart", D(2011, 2, 5), True),
        ("newstart", D(2021, 2, 4), True),
        ("newstart", D(2021, 2, 6), False),  # the issue: not in force on 2021-02-06
        ("newstart-2021", D(2021, 2, 6), True),
        ("newstart-2021", D(2026, 2, 4), True),
        ("newstart-2021", D(2026, 2, 5), False),
        ("newstart-2021", D(2026, 2, 6), False),  # the issue: not in force on 2026-02-06
        # Russia's offer was never reciprocated: it never took effect (after-newstart.md; Kremlin, 5 Feb 2026)
        ("ru-2025-voluntary", D(2026, 2, 5), False),
        ("ru-2025-voluntary", D(2026, 12, 2), False),
        ("ru-2025-voluntary", D(2027, 2, 5), False),
    ],
)
def test_in_force(agreement, day, in_force):
    assert load_agreement(agreement).in_force(day) is in_force


def test_binding_limits_on_a_date():
    a = load_agreement("newstart-2021")
    assert a.binding_limits(D(2017, 9, 1)) == ()
    assert {lim.id for lim in a.binding_limits(D(2020, 9, 1))} == {
        "deployed_delivery_vehicles", "deployed_warheads", "deployed_and_nondeployed_launchers"}
    assert a.binding_limits(D(2026, 3, 1)) == ()


def test_freeze_proposals_have_parameter_caps_and_their_verification():
    us = load_agreement("us-2020-freeze")
    ru = load_agreement("ru-2020-freeze")
    uf = us.limit("all_warheads_freeze")
    rf = ru.limit("warhead_freeze")
    for f in (uf, rf):
        assert f.kind == "freeze" and f.cap.parameter and f.cap.value is None
        assert f.cap.level_on == D(2021, 2, 5)
        assert (f.binding.start, f.binding.end) == (D(2021, 2, 5), D(2022, 2, 5))
        assert f.legal_form == "political_commitment"
    assert uf.verification == "to_be_negotiated"
    assert rf.verification == "none"
    assert not us.adopted and not ru.adopted
    assert us.legal_form == ru.legal_form == "proposal"
    # both extend the treaty by one year
    assert us.expires.date == ru.expires.date == D(2022, 2, 5)
    assert ru.conditions and "additional demands" in ru.conditions[0].text


def test_ru_2025_offer_is_political_conditional_and_unverified():
    a = load_agreement("ru-2025-voluntary")
    # an offer of a political commitment, never adopted: its limits keep the form they would have had
    assert a.legal_form == "proposal" and not a.adopted
    assert all(lim.legal_form == "political_commitment" for lim in a.limits)
    assert a.effective.start == D(2026, 2, 5) and a.effective.end == D(2027, 2, 5)
    assert a.regime.verification == "none"
    assert a.regime.inspections == () and a.regime.data_exchanges == ()
    assert {lim.cap.value for lim in a.limits} == {700, 1550, 800}
    assert all(lim.verification == "none" for lim in a.limits)
    assert len(a.conditions) == 2


def test_ru_counting_2022_widens_only_the_launcher_limit():
    base = load_agreement("newstart-2021")
    ru = load_agreement("ru-counting-2022")
    widened = set(ru.limit("deployed_and_nondeployed_launchers").categories) - set(
        base.limit("deployed_and_nondeployed_launchers").categories)
    assert widened == {"converted_slbm_launchers", "converted_heavy_bombers", "icbm_training_silos"}
    for lid in ("deployed_delivery_vehicles", "deployed_warheads"):
        assert ru.limit(lid).categories == base.limit(lid).categories
    assert ru.legal_form == "interpretation"


@pytest.mark.parametrize("agreement", [a.id for a in load_all()])
def test_every_clause_has_a_source(agreement):
    a = load_agreement(agreement)
    assert a.source.document
    clauses = [*a.categories, *a.counting, *a.limits, *a.regime.data_exchanges, *a.regime.notifications,
               *a.regime.inspections, *a.conditions, a.entry_into_force]
    for c in clauses:
        assert c.source.document, c
        assert c.source.url or c.source.article, c
