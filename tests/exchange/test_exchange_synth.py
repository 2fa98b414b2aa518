"""Synthetic databases reproduce the published figures, honestly and reproducibly."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import subprocess
import sys

import pytest
from helpers import agreement, synth

from accord.errors import InputError
from accord.forces import ItemTable, count_items
from accord.profiles.newstart import bundled_holdings
from accord.profiles.newstart.synth import synth_files, synthesize
from accord.profiles.newstart.targets import targets


def counts(decl):
    return count_items(agreement(), ItemTable.from_records(decl.records()))


def limit_totals(decl):
    c = counts(decl)
    return {lim.id: sum(c.get(x, 0) for x in lim.categories) for lim in agreement().limits}


def test_us_2020_09_01_matches_the_published_aggregates_and_breakdown():
    r = synth("US", "2020-09-01", 1)
    assert limit_totals(r.declaration) == {"deployed_delivery_vehicles": 675, "deployed_warheads": 1457,
                                           "deployed_and_nondeployed_launchers": 800}
    c = counts(r.declaration)
    published = bundled_holdings().get("US", _dt.date(2020, 9, 1)).counts
    for cat in ("deployed_icbms", "nondeployed_icbms", "deployed_slbms", "nondeployed_slbms",
                "nondeployed_icbm_launchers", "nondeployed_slbm_launchers", "test_icbm_launchers",
                "deployed_heavy_bombers", "nondeployed_heavy_bombers", "test_heavy_bombers",
                "converted_heavy_bombers"):
        assert c[cat] == published[cat].value, cat
    assert c["deployed_icbms"] == 397 and c["deployed_heavy_bombers"] == 48
    by_system = {}
    for i in r.declaration.items:
        if i.type == "heavy_bomber" and i.status == "deployed":
            by_system[i.system] = by_system.get(i.system, 0) + 1
    assert by_system == {"B-52H": 36, "B-2A": 12}


@pytest.mark.parametrize("party,as_of", [("US", "2011-09-01"), ("US", "2018-02-05"), ("US", "2023-03-01"),
                                         ("RU", "2011-02-05"), ("RU", "2020-09-01"), ("RU", "2022-03-01")])
def test_every_supported_date_matches_its_three_published_totals(party, as_of):
    r = synthesize(agreement(), party, _dt.date.fromisoformat(as_of), seed=0, months=1)
    published = targets(agreement(), party, _dt.date.fromisoformat(as_of)).published
    assert limit_totals(r.declaration) == dict(published)
    assert any("Assumed" in n for n in r.declaration.notes)  # the record does not fix the split


def test_warheads_are_spread_within_each_systems_maximum_loading():
    r = synth("US", "2020-09-01", 2)
    loads = {}
    for i in r.declaration.items:
        if i.type in ("icbm", "slbm") and i.status == "deployed":
            loads.setdefault(i.system, []).append(i.warheads)
        else:
            assert i.warheads == 0
    assert max(loads["Minuteman III"]) <= 3 and min(loads["Minuteman III"]) >= 1
    assert max(loads["Trident II D5"]) <= 8 and min(loads["Trident II D5"]) >= 1
    assert len(set(loads["Trident II D5"])) > 3  # spread, not one loading for all


def test_every_file_says_synthetic_and_the_same_seed_gives_the_same_bytes():
    a = synth_files(synthesize(agreement(), "US", _dt.date(2020, 9, 1), seed=11))
    b = synth_files(synthesize(agreement(), "US", _dt.date(2020, 9, 1), seed=11))
    c = synth_files(synthesize(agreement(), "US", _dt.date(2020, 9, 1), seed=12))
    assert a == b and a["notifications.jsonl"] != c["notifications.jsonl"]
    assert '"synthetic": true' in a["declaration.json"] and '"synthetic": true' in a["next-declaration.json"]
    assert all('"synthetic": true' in line for line in a["notifications.jsonl"].splitlines())


_SYNTH_DIGEST = """
import datetime, hashlib
from accord.app.library import load_agreement
from accord.profiles.newstart.synth import synth_files, synthesize
files = synth_files(synthesize(load_agreement("newstart-2021"), "RU", datetime.date(2022, 3, 1), seed=0, months=1))
print(hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest())
"""


def test_the_same_seed_gives_the_same_bytes_in_every_process():
    # Russia publishes totals only, so synth splits each total among its categories (a set);
    # the split (counts, not only the wording) must not follow Python's per-process hash seed.
    digests = set()
    for hash_seed in ("0", "1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", _SYNTH_DIGEST], env=env, capture_output=True, text=True,
                             check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1, digests
    assert hashlib.sha256(b"").hexdigest() not in digests


def test_ids_are_unique_and_facilities_are_declared():
    r = synth("US", "2020-09-01", 3)
    ids = [i.id for i in r.declaration.items]
    assert len(ids) == len(set(ids))
    facilities = r.declaration.facility_ids()
    assert all(i.facility in facilities for i in r.declaration.items + r.next_declaration.items)
    names = {f.name for f in r.declaration.facilities}
    assert {"F.E. Warren AFB", "Malmstrom AFB", "Naval Submarine Base Kings Bay", "Whiteman AFB",
            "Barksdale AFB"} <= names


def test_the_activity_covers_the_kinds_of_change_the_protocol_notifies():
    kinds = set()
    for seed in (1, 2, 3):
        kinds |= {n.kind for n in synth("US", "2020-09-01", seed).notifications}
    assert {"new_item", "movement", "status_change", "elimination", "bomber_departure", "bomber_return",
            "warhead_update"} <= kinds


def test_scale_multiplies_items_and_events():
    one = synthesize(agreement(), "US", _dt.date(2020, 9, 1), seed=5)
    three = synthesize(agreement(), "US", _dt.date(2020, 9, 1), seed=5, scale=3)
    assert limit_totals(three.declaration) == {k: 3 * v for k, v in limit_totals(one.declaration).items()}
    assert len(three.notifications) > 2 * len(one.notifications)
    assert any("3 times the published figures" in n for n in three.declaration.notes)


@pytest.mark.parametrize("party,as_of,words", [
    ("US", "2016-03-01", "no published total for deployed_and_nondeployed_launchers"),
    ("US", "2022-09-01", "no published total"),
    ("US", "2020-09-02", "no published data"),
    ("CN", "2020-09-01", "knows the systems of"),
])
def test_unsupported_party_or_date_is_refused(party, as_of, words):
    with pytest.raises(InputError, match=words):
        synthesize(agreement(), party, _dt.date.fromisoformat(as_of))
