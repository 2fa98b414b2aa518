"""The profile registry: one package per treaty family, found without being listed anywhere."""

from __future__ import annotations

import pytest

from accord.app.library import load_agreement, load_all
from accord.errors import InputError
from accord.exchange import Action
from accord.profiles import default_profile, get_profile, profile_for, profiles


def test_the_newstart_package_is_discovered_and_is_the_default():
    assert "newstart" in profiles()
    assert default_profile().id == "newstart"
    assert get_profile("newstart").default_agreement == "newstart-2021"


#: The all-warhead agreements count with the estimators' categories: the after-2026 profile and its
#: estimates serve them; everything that counts New START's categories is the New START profile's.
AFTER_2026 = {"us-2026-all-warheads", "ru-2026-coalition", "freeze-all-warheads"}


def test_every_bundled_agreement_is_served_by_a_profile():
    for ag in load_all():
        profile = profile_for(ag)
        expected = "after2026" if ag.id in AFTER_2026 else "newstart"
        assert profile is not None and profile.id == expected, ag.id


def test_a_derived_user_file_is_served_by_its_base_family(tmp_path):
    p = tmp_path / "deeper.yaml"
    p.write_text("id: deeper\nextends: newstart-2021\ntitle: A user's proposal\nlegal_form: proposal\n"
                 "adopted: false\nsource: {document: My note}\n", encoding="utf-8")
    profile = profile_for(load_agreement(str(p)))
    assert profile is not None and profile.id == "newstart"


def test_an_unknown_profile_is_an_input_error_listing_the_known_ones():
    with pytest.raises(InputError, match=r"unknown profile 'nope' .*newstart"):
        get_profile("nope")


def test_the_profile_supplies_what_the_generic_layers_need():
    p = get_profile("newstart")
    assert len(p.holdings()) > 50  # the bundled record: a snapshot per party and date
    assert any(s.system.startswith("Minuteman") for s in p.loadings())  # per-system loadings
    rules = p.exchange_rules
    assert rules is not None and rules.action("bomber_departure") is Action.DEPART
    assert rules.notice[("status_change", "icbm")] == "icbm_status_change"
    assert p.report is not None and p.synthesize is not None
