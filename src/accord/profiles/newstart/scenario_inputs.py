"""New START's inputs to the detection scenarios: the bundled record and an agreement's regime
turned into a :class:`accord.detection.scenarios.Context`.

* quotas: the upload scenario's loading inspections are the regime's Type One inspections (each an
  RV inspection of one deployed ICBM or SLBM); the hidden-missiles scenario's site inspections are
  its Type Two inspections. No New START-family agreement sets an authentication quota.
* deployed missile systems (US only): deployed Minuteman III and Trident II D5 from the bundled
  breakdown, maximum loadings from force_systems.csv, declared loadings 1 (Minuteman III) and,
  for Trident, derived from the aggregate where the breakdown allows (else 4, an estimate).
  For another party the app layer (``accord.app.systems``) supplies the missile systems from the
  per-system estimates another profile bundles (``Profile.systems``); this module imports none.
* declared warhead containers: the party's latest stockpile estimate (flagged as an estimate).
* defaults: the upload scenario needs deployed missile systems, bundled for the US only and from
  2013-03-01 on (the first US breakdown by system), so without ``--party`` it runs for the US and
  without ``--as-of`` as of the first date on or after entry into force that has them.

Whatever is missing becomes a :class:`~accord.detection.scenarios.Gap`: the error a user sees
only when a scenario needs that input.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from ...agreements.model import Agreement
from ...detection.scenarios import Context, Figure, Gap, MissileSystem, freeze_excess, hidden_missiles, upload
from .data import bundled_holdings, max_warheads

#: The regime's inspection type behind each scenario quota.
QUOTA_INSPECTIONS = {upload.QUOTA: ("type_one", "Type One inspections"),
                     hidden_missiles.QUOTA: ("type_two", "Type Two inspections")}

#: Where the default "one missile per RV inspection" comes from (flagged as not verified there).
RV_SELECTION_SOURCE = (
    "shared/reference/newstart-facts.md §4.2: inspectors confirm warheads on randomly selected "
    "deployed ICBMs and SLBMs; one missile per Type One inspection is NOT VERIFIED in the treaty text"
)

SENTENCES = {
    upload.INSPECTION_SENTENCE: (
        f"Every Type One inspection is an RV inspection of one randomly selected deployed missile "
        f"({RV_SELECTION_SOURCE}); bomber-base inspections would lower detection."
    ),
    upload.SELECTION_SENTENCE: (
        "Each inspection picks a missile uniformly among all deployed ICBMs and SLBMs "
        "(a base in proportion to its missiles); inspections in one year pick different missiles."
    ),
}

#: The bundled category of a party's whole stockpile (an estimate).
STOCKPILE = "nuclear_warheads_all"

#: The party a scenario runs for when none is given, where the app's default party has no bundled
#: inputs for it: per-system holdings (the upload scenario) are bundled for the US only.
DEFAULT_PARTIES = {upload.NAME: "US"}


def default_party(scenario: str) -> str | None:
    """The party ``scenario`` runs for when none is given (``None``: the app's default)."""
    return DEFAULT_PARTIES.get(scenario)


def default_date(agreement: Agreement, party: str, scenario: str) -> tuple[_dt.date, str] | None:
    """The date ``scenario`` runs as of when none is given, and why, where entry into force has
    no bundled inputs for it: the upload scenario for the US takes the first date on or after entry
    into force with per-system holdings. ``None``: entry into force."""
    if scenario != upload.NAME or party != "US":
        return None
    start = agreement.entry_into_force.date
    if us_missile_systems(start)[0]:
        return None
    for snap in bundled_holdings().for_party(party):
        if snap.date > start and us_missile_systems(snap.date)[0]:
            return snap.date, (
                f"As of {snap.date.isoformat()}: no date was given, and the bundled US per-system holdings "
                f"begin then, after entry into force ({start.isoformat()})."
            )
    return None


def scenario_context(agreement: Agreement, party: str, day: _dt.date) -> Context:
    """The context of every scenario for ``party`` under ``agreement`` as of ``day``."""
    insp = agreement.regime.inspections
    regime = f"verification: {agreement.regime.verification}" + (
        f", inspections: {', '.join(i.id for i in insp)}" if insp else "")
    quotas: dict[str, Figure] = {}
    gaps: dict[str, Gap] = {}
    for key, (inspection_id, label) in QUOTA_INSPECTIONS.items():
        found = agreement.regime.inspection(inspection_id)
        if found is None:
            gaps[key] = Gap("inspections", f"{agreement.id} has no '{inspection_id}' inspections (verification: "
                                           f"{agreement.regime.verification}); give --inspections")
        else:
            quotas[key] = Figure(found.quota_per_year, f"{found.quota_per_year} {found.title} a year "
                                                       f"({found.source.cite()}).", label)
    systems: list[MissileSystem] = []
    notes: list[str] = []
    if party != "US":
        gaps["systems"] = Gap("party", f"the New START record has per-system holdings for the US only, none for "
                                       f"{party}; give the systems explicitly (Python API: "
                                       "systems=[MissileSystem(...)])")
    else:
        systems, notes = us_missile_systems(day)
        if not systems:
            gaps["systems"] = Gap("as_of", f"no bundled US per-system data on or before {day.isoformat()}")
    figures: dict[str, Figure] = {}
    stock = _latest_count(party, day, STOCKPILE)
    if stock is None:
        gaps[freeze_excess.CONTAINERS] = Gap("containers", f"no bundled stockpile estimate for {party} on or before "
                                                           f"{day.isoformat()}; give --containers")
    else:
        figures[freeze_excess.CONTAINERS] = Figure(stock[0], (
            f"Declared warhead containers = {stock[0]}, the stockpile estimate from {_cite(stock[1])} "
            "(an estimate, not a declaration)."))
    return Context(agreement=agreement.id, party=party, as_of=day, in_force=agreement.in_force(day),
                   regime=regime, quotas=quotas, figures=figures, systems=tuple(systems),
                   system_notes=tuple(notes), sentences=dict(SENTENCES), gaps=gaps)


def _latest_count(party: str, day: _dt.date, category: str) -> tuple[int, Any] | None:
    """The latest bundled count of one category on or before ``day``, with its snapshot."""
    for snap in bundled_holdings().before(party, day):
        c = snap.counts.get(category)
        if c is not None:
            return c.value, (snap, c)
    return None


def _latest_total(party: str, day: _dt.date, label: str) -> tuple[int, Any] | None:
    for snap in bundled_holdings().before(party, day):
        for t in snap.totals:
            if t.label == label:
                return t.value, (snap, t)
    return None


def _cite(found: Any) -> str:
    snap, item = found
    src = getattr(item, "source", None)
    where = src.cite() if src is not None else snap.origin
    return f"{where}, as of {snap.date.isoformat()}"


def us_missile_systems(day: _dt.date) -> tuple[list[MissileSystem], list[str]]:
    """US deployed ICBMs and SLBMs from the bundled breakdown, with loadings from
    force_systems.csv; the declared loading per SLBM is derived (and said to be)."""
    notes: list[str] = []
    systems = []
    icbm = _latest_count("US", day, "deployed_icbms")
    slbm = _latest_count("US", day, "deployed_slbms")
    mm3 = max_warheads("US", "Minuteman")
    d5 = max_warheads("US", "Trident")
    if icbm and mm3:
        systems.append(MissileSystem("Minuteman III", icbm[0], 1, mm3.max_warheads,
                                     f"deployed: {_cite(icbm[1])}; maximum: {mm3.source.cite()}"))
        notes.append(
            f"{icbm[0]} deployed Minuteman III ({_cite(icbm[1])}), each declared with 1 warhead "
            f"(force_systems.csv: current warheads per missile, CRS RL33640) and able to carry "
            f"{mm3.max_warheads} ({mm3.source.cite()})."
        )
    if slbm and d5:
        # Declared warheads on SLBMs are not in the bundled data per system: derive an average
        # from the aggregate (warheads on deployed ICBMs+SLBMs) when the breakdown has it.
        wh = _latest_total("US", day, "warheads_on_deployed_icbms+warheads_on_deployed_slbms")
        declared = None
        if wh and icbm and wh[1][0].date == slbm[1][0].date:
            declared = math.ceil((wh[0] - icbm[0]) / slbm[0])
            notes.append(
                f"Declared warheads per Trident II D5 = ⌈({wh[0]} − {icbm[0]}) / {slbm[0]}⌉ = "
                f"{declared}, derived from {_cite(wh[1])} assuming one warhead per Minuteman III."
            )
        if declared is None:
            declared = 4
            notes.append(
                "Declared warheads per Trident II D5 default to 4 (assumption: ≈ 970 SLBM warheads "
                "on ≈ 230 SLBMs, force_systems.csv FAS 2025 estimate and 2020 declaration, rounded "
                "down); pass explicit systems for a different loading."
            )
        systems.append(MissileSystem("Trident II D5", slbm[0], declared, d5.max_warheads,
                                     f"deployed: {_cite(slbm[1])}; maximum: {d5.source.cite()}"))
        notes.append(
            f"{slbm[0]} deployed Trident II D5 ({_cite(slbm[1])}), able to carry "
            f"{d5.max_warheads} ({d5.source.cite()})."
        )
    return systems, notes
