"""Per-system holdings from the treaty profiles, as the analyses and scenarios take them.

A profile may bundle per-system holdings (``Profile.systems``: for each party and delivery
system, the deployed launchers, the warheads assigned to them and the most each can carry, each
sourced). The upload capacity reads them as they are; the upload detection scenario takes the
missile legs as :class:`~accord.detection.scenarios.MissileSystem` values. They are gathered here,
in the app layer, so that no profile imports another (a scenario of one family may use the
per-system estimates another family bundles).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any

from ..detection.scenarios import MissileSystem
from ..detection.scenarios.upload import MAX_SYSTEMS
from ..profiles import profiles

#: The legs whose warheads sit on missiles that loading inspections count (bombers carry theirs in storage).
MISSILE_LEGS = ("icbm", "slbm")


def all_system_holdings() -> list[Any]:
    """Every profile's per-system holdings (``Profile.systems``), in profile order."""
    out: list[Any] = []
    for profile in profiles().values():
        if profile.systems is not None:
            out += list(profile.systems())
    return out


def system_holdings(party: str, day: _dt.date | None = None) -> list[Any]:
    """``party``'s per-system holdings: for each system, the latest dated on or before ``day``
    (every system's latest when ``day`` is None), in the order the profile lists them."""
    latest: dict[str, Any] = {}
    for s in all_system_holdings():
        if s.party != party or (day is not None and s.as_of > day):
            continue
        if s.system not in latest or s.as_of >= latest[s.system].as_of:
            latest[s.system] = s
    return list(latest.values())


def _cite(holding: Any) -> str:
    return "; ".join(dict.fromkeys(src.cite() for src in holding.sources)) or "no source"


def missile_systems(party: str, day: _dt.date) -> tuple[list[MissileSystem], list[str]]:
    """``party``'s deployed missile systems on ``day`` for the upload scenario, and sentences
    saying where each figure comes from.

    Deployed missiles are the central estimate of deployed launchers; the declared loading is
    the warheads assigned to the system divided by its missiles, rounded up (a loading below the
    average would invent headroom); the maximum is the sourced maximum loading. Missiles with no
    headroom still dilute the inspectors' random selection, so they stay in; beyond
    ``MAX_SYSTEMS`` systems those without headroom are pooled into one group."""
    systems: list[MissileSystem] = []
    notes: list[str] = []
    for h in system_holdings(party, day):
        if h.leg not in MISSILE_LEGS:
            continue
        if h.launchers is None or h.launchers.central <= 0:
            notes.append(f"{h.system} ({party}, {h.as_of.isoformat()}): the number of deployed missiles was NOT "
                         "FOUND, so they are left out: inspections are taken to select among the other missiles "
                         "(fewer to choose from, so the detection probability is an upper bound).")
            continue
        n = h.launchers.central
        declared = math.ceil(h.warheads.central / n)
        if h.max_per_launcher is not None:
            systems.append(MissileSystem(h.system, n, declared, h.max_per_launcher, _cite(h)))
            notes.append(
                f"{h.launchers.describe()} deployed {h.system} as of {h.as_of.isoformat()}, carrying "
                f"{h.warheads.describe()} warheads: declared loading ⌈{h.warheads.central:,} / {n:,}⌉ = {declared}, "
                f"maximum {h.max_per_launcher} ({_cite(h)}; estimates).")
            continue
        if h.max_warheads is None:
            notes.append(f"{h.system} ({party}): no maximum loading was found; its {n:,} missiles are taken to "
                         "carry no extra warhead.")
            systems.append(MissileSystem(h.system, n, declared, declared, _cite(h)))
            continue
        # Only the leg's total is published: its spare places, S = ceiling − warheads, are spread one
        # a missile (S missiles with one spare place, the rest with none). That leaves the violator the
        # least room to concentrate, so the detection computed is an upper bound for such a leg.
        spare = max(0, h.max_warheads.central - h.warheads.central)
        k = min(n, spare)
        low_load = h.warheads.central // n
        if k:
            systems.append(MissileSystem(f"{h.system}, with a spare place", k, low_load, low_load + 1, _cite(h)))
        if n - k:
            systems.append(MissileSystem(f"{h.system}, full", n - k, low_load, low_load, _cite(h)))
        notes.append(
            f"{h.launchers.describe()} deployed {h.system} as of {h.as_of.isoformat()} carry {h.warheads.describe()} "
            f"warheads and could carry {h.max_warheads.describe()} in all ({_cite(h)}; estimates); loadings by "
            f"type were NOT FOUND, so the {spare:,} spare places are spread one a missile over {k:,} of them "
            f"(an assumption that gives the violator the least room to concentrate: the detection probability "
            f"is then an upper bound).")
    if len(systems) > MAX_SYSTEMS:
        full = [s for s in systems if s.headroom == 0]
        rest = [s for s in systems if s.headroom > 0]
        if full:
            n = sum(s.deployed for s in full)
            pooled = MissileSystem(f"other deployed missiles ({', '.join(s.name for s in full)})", n, 1, 1,
                                   "; ".join(s.source for s in full))
            systems = [*rest, pooled]
            notes.append(f"{len(full)} systems without upload headroom are pooled as {n:,} missiles that "
                         "inspections may select but that carry no extra warheads.")
    return systems, notes


def system_dates(party: str) -> Sequence[_dt.date]:
    """The dates of ``party``'s per-system holdings, sorted (empty when none are bundled)."""
    return sorted({s.as_of for s in all_system_holdings() if s.party == party})
