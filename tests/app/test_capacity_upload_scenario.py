"""The upload detection scenario for Russia and China, from the per-system estimates the after-2026
profile bundles, passed in by the app layer (the New START profile imports no other profile)."""

from __future__ import annotations

import ast
import datetime as dt
from math import comb
from pathlib import Path

import pytest

import accord.profiles.newstart.scenario_inputs as newstart_inputs
from accord.app.scenario import run_scenario, scenario_context
from accord.errors import InputError


def test_china_upload_detection_by_hand():
    # FAS 2025: about 30 loaded silos, perhaps 24 warheads deployed: declared ⌈24 / 30⌉ = 1 a missile,
    # up to 3 (DF-41, US intelligence community). 20 extra warheads fill 10 missiles to 3; 5
    # inspections draw 5 of the 30 missiles without replacement: P = 1 − C(20, 5) / C(30, 5).
    r = run_scenario("upload", agreement="us-2026-all-warheads", party="cn", warheads=20, inspections=5)
    (s,) = r.values["systems"]
    assert (s["deployed"], s["declared_per_missile"], s["max_per_missile"], s["uploaded_missiles"]) == (30, 1, 3, 10)
    assert r.values["probability_per_year"] == pytest.approx(1 - comb(20, 5) / comb(30, 5))
    assert any("estimates" in a and "⌈24 / 30⌉ = 1" in a for a in r.assumptions)


def test_china_needs_a_quota_where_the_agreement_sets_none():
    with pytest.raises(InputError) as info:
        run_scenario("upload", agreement="us-2026-all-warheads", party="CN", warheads=20)
    assert info.value.field == "inspections"


def test_russia_under_new_start_takes_the_bundled_estimates():
    ctx = scenario_context("newstart-2021", "RU", scenario="upload")
    # No date given: the first date with Russian per-system estimates (FAS 2022), said in the notes.
    assert ctx.as_of == dt.date(2022, 1, 1) and ctx.in_force
    assert any("begin then" in n for n in ctx.system_notes)
    # FAS 2022: about 400 ICBMs carrying 812 warheads, able to carry up to 1,185 in all: 373 spare
    # places, spread one a missile (loadings by type NOT FOUND); SLBM count NOT FOUND: left out.
    by_name = {s.name: s for s in ctx.systems}
    spare = by_name["ICBMs (all types), with a spare place"]
    full = by_name["ICBMs (all types), full"]
    assert (spare.deployed, spare.headroom, full.deployed, full.headroom) == (373, 1, 27, 0)
    assert spare.deployed + full.deployed == 400
    assert any("SLBMs" in n and "NOT FOUND" in n for n in ctx.system_notes)
    r = run_scenario("upload", agreement="newstart-2021", party="ru", warheads=50)
    assert 0 < r.values["probability_per_year"] < 1


def test_an_upload_beyond_the_spare_places_is_refused():
    with pytest.raises(InputError, match="exceed the upload capacity"):
        run_scenario("upload", agreement="newstart-2021", party="RU", warheads=374, as_of="2022-06-01")


def test_a_date_before_the_estimates_is_a_gap_that_names_them():
    with pytest.raises(InputError) as info:
        run_scenario("upload", agreement="newstart-2021", party="RU", warheads=10, as_of="2015-01-01")
    assert "2022-01-01" in info.value.problem and info.value.field == "as_of"


def test_the_us_keeps_its_new_start_breakdown():
    ctx = scenario_context("newstart-2021", "US", "2020-09-01", scenario="upload")
    assert [s.name for s in ctx.systems] == ["Minuteman III", "Trident II D5"]
    assert ctx.systems[0].deployed == 397  # the 1 September 2020 exchange, not the 2025 estimate


def test_the_new_start_profile_imports_no_other_profile():
    tree = ast.parse(Path(newstart_inputs.__file__).read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if "after2026" in m]
