"""Treaty scenarios: a hypothetical violation evaluated against an agreement's inspections.

Each scenario turns an agreement's verification regime (quotas by inspection type) and a party's
bundled holdings (``accord.forces``) into a :class:`~accord.detection.year.YearModel`, evaluates
it exactly, and reports detection per inspection, per year and within T years, the expected time to
detection, the quota needed for a target confidence, and the violator's best allocation against the
inspector's strategy. Every figure that is not in the agreement or the bundled data is a parameter
with a sourced default, and every default appears as an ``assumptions`` sentence.

* ``upload``: W extra warheads on deployed ICBMs/SLBMs, against reentry-vehicle (RV) inspections of
  randomly selected missiles during Type One inspections.
* ``hidden-missiles``: non-deployed missiles kept beyond the declared number at declared sites,
  against Type Two inspections of those sites.
* ``undeclared-site``: a facility never declared; on-site inspections visit only declared sites, so
  only the yearly probability of discovery by national technical means (a user input) counts.
* ``freeze-excess``: X warheads above a freeze cap hidden among declared warhead containers, against
  sampled authentication of containers.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from . import _check
from .result import Result
from .year import MAX_INSPECTIONS, YearModel, detection_within, year_detection_probability

SCHEMA_SCENARIO = "accord.detect.scenario/v1"
SCENARIOS = ("upload", "hidden-missiles", "undeclared-site", "freeze-excess")

#: Where the default "one missile per RV inspection" comes from (flagged as not verified there).
RV_SELECTION_SOURCE = (
    "shared/reference/newstart-facts.md §4.2: inspectors confirm warheads on randomly selected "
    "deployed ICBMs and SLBMs; one missile per Type One inspection is NOT VERIFIED in the treaty text"
)


@dataclass(frozen=True)
class MissileSystem:
    """A deployed missile type as the upload scenario sees it."""

    name: str
    deployed: int
    declared_per_missile: int
    max_per_missile: int
    source: str

    @property
    def headroom(self) -> int:
        """Extra warheads one missile can take beyond its declared loading."""
        return max(self.max_per_missile - self.declared_per_missile, 0)


# -- agreement and holdings ---------------------------------------------------------------------


def _agreement(ref: str) -> Any:
    from ..agreements import load_agreement

    return load_agreement(ref)


def _as_of(value: str | _dt.date | None, agreement: Any) -> _dt.date:
    from ..periods import parse_date

    if value is None:
        return agreement.entry_into_force.date
    return parse_date(value, field="as_of")


def _quota(agreement: Any, inspection_id: str, override: int | None) -> tuple[int, str]:
    if override is not None:
        k = _check.integer("inspections", override, low=0)
        return k, f"The yearly quota is set to {k} by the user."
    insp = agreement.regime.inspection(inspection_id)
    if insp is None:
        raise InputError(
            f"{agreement.id} has no '{inspection_id}' inspections (verification: "
            f"{agreement.regime.verification}); give --inspections",
            field="inspections",
        )
    return insp.quota_per_year, (
        f"{insp.quota_per_year} {insp.title} a year ({insp.source.cite()})."
    )


def _latest_count(party: str, day: _dt.date, category: str) -> tuple[int, Any] | None:
    """The latest bundled count of one category on or before ``day``, with its snapshot."""
    from ..profiles.newstart import bundled_holdings

    for snap in bundled_holdings().before(party, day):
        c = snap.counts.get(category)
        if c is not None:
            return c.value, (snap, c)
    return None


def _latest_total(party: str, day: _dt.date, label: str) -> tuple[int, Any] | None:
    from ..profiles.newstart import bundled_holdings

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
    from ..profiles.newstart import max_warheads

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


# -- upload -------------------------------------------------------------------------------------


def _upload_allocation(
    systems: list[MissileSystem], warheads: int, order: tuple[int, ...], concentrated: bool
) -> list[int]:
    """Missiles uploaded per system when the violator fills systems in ``order``: concentrated
    loads each missile to its maximum; spread adds one warhead per missile, round after round."""
    uploaded = [0] * len(systems)
    left = warheads
    for s in order:
        sys = systems[s]
        cap = sys.deployed * sys.headroom
        take = min(left, cap)
        if take <= 0:
            continue
        if concentrated:
            uploaded[s] = math.ceil(take / sys.headroom)
        else:
            uploaded[s] = min(take, sys.deployed)
        left -= take
        if left == 0:
            break
    if left > 0:
        raise InputError(
            f"{warheads} extra warheads exceed the upload capacity of the deployed missiles "
            f"({sum(s.deployed * s.headroom for s in systems)})",
            field="warheads",
        )
    return uploaded


def upload_scenario(
    systems: list[MissileSystem],
    warheads: int,
    inspections: int,
    *,
    spread: str = "best",
    item_detection: float = 1.0,
    missiles_per_inspection: int = 1,
    site_probabilities: list[float] | None = None,
) -> tuple[YearModel, list[int], str]:
    """The year model of an upload of ``warheads`` against ``inspections`` RV inspections.

    ``spread``: ``concentrated`` (fill missiles to their maximum, systems in the given order),
    ``spread`` (one extra warhead per missile) or ``best`` (the violator's best response: the
    fill order and loading that minimise the exact yearly detection probability).
    """
    W = _check.integer("warheads", warheads, low=1)
    if spread not in ("best", "concentrated", "spread"):
        raise InputError("must be best, concentrated or spread", field="spread")
    pops = [s.deployed for s in systems]

    def model(uploaded: list[int]) -> YearModel:
        return YearModel.build(
            pops, uploaded, inspections, site_probabilities,
            items_per_inspection=missiles_per_inspection, item_detection=item_detection,
        )

    orders = list(itertools.permutations(range(len(systems))))
    candidates: list[tuple[float, list[int], str]] = []
    loadings = {"best": (True, False), "concentrated": (True,), "spread": (False,)}[spread]
    for concentrated in loadings:
        for order in orders if spread == "best" else orders[:1]:
            try:
                up = _upload_allocation(systems, W, order, concentrated)
            except InputError:
                continue
            p = year_detection_probability(model(up))
            label = ("concentrated" if concentrated else "spread") + " in order " + " → ".join(
                systems[i].name for i in order if up[i] > 0
            )
            candidates.append((p, up, label))
    if not candidates:
        _upload_allocation(systems, W, orders[0], True)  # raises the capacity error
    p, up, label = min(candidates, key=lambda c: c[0])
    return model(up), up, label


# -- reports --------------------------------------------------------------------------------------


def _quota_needed(build: Any, confidence: float, upper: int) -> int | None:
    """Smallest yearly quota k with P(detect in a year) ≥ confidence (None if > upper)."""
    if year_detection_probability(build(upper)) < confidence:
        return None
    lo, hi = -1, upper
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if year_detection_probability(build(max(mid, 0))) >= confidence:
            hi = mid
        else:
            lo = mid
    return max(hi, 0)


def _summary(model: YearModel, years: int) -> dict[str, Any]:
    within = detection_within(model, years)
    p_year = float(within[0])
    k = model.inspections
    per_insp = 1.0 - (1.0 - p_year) ** (1.0 / k) if k > 0 and model.other_detection == 0.0 else None
    return {
        "probability_per_inspection": per_insp,
        "probability_per_year": p_year,
        "probability_within_years": float(within[-1]),
        "within_years_curve": within.tolist(),
        "expected_years_to_detection": math.inf if p_year <= 0 else 1.0 / p_year,
    }


def _mc(model: YearModel, years: int, trials: int | None) -> tuple[dict[str, Any], float | None]:
    if not trials:
        return {}, None
    from .simulate import simulate

    sim = simulate(model, years=years, trials=_check.integer("simulate", trials, low=100), seed=None)
    return {
        "monte_carlo": {
            "trials": sim.trials,
            "probability_per_year": sim.per_year,
            "probability_per_year_se": sim.per_year_se,
            "probability_within_years": float(sim.within[-1]),
            "probability_within_years_se": float(sim.within_se[-1]),
            "method": "monte-carlo",
        }
    }, sim.per_year_se


def evaluate(
    name: str,
    *,
    agreement: str = "newstart-2021",
    party: str = "RU",
    as_of: str | _dt.date | None = None,
    years: int = 5,
    confidence: float = 0.9,
    warheads: int | None = None,
    spread: str = "best",
    missiles: int | None = None,
    sites: int | None = None,
    hiding_sites: int = 1,
    discovery_per_year: float | None = None,
    excess: int | None = None,
    authentications: int | None = None,
    containers: int | None = None,
    item_detection: float = 1.0,
    inspections: int | None = None,
    simulate_trials: int | None = None,
    systems: list[MissileSystem] | None = None,
) -> Result:
    """Evaluate scenario ``name`` (one of :data:`SCENARIOS`) and return a :class:`Result`."""
    if name not in SCENARIOS:
        raise InputError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}", field="scenario")
    T = _check.integer("years", years, low=1, high=200)
    C = _check.probability("confidence", confidence, open_high=True)
    q = _check.probability("item_detection", item_detection)
    ag = _agreement(agreement)
    if party not in ag.parties:
        raise InputError(f"unknown party {party!r} (parties of {ag.id}: {', '.join(ag.parties)})", field="party")
    day = _as_of(as_of, ag)
    base = {"scenario": name, "agreement": ag.id, "party": party, "as_of": day, "years": T,
            "confidence_target": C}
    assumptions: list[str] = []
    if not ag.in_force(day):
        assumptions.append(f"{ag.id} is not in force on {day.isoformat()}; its provisions are applied hypothetically.")
    q_sentence = (
        "An inspected falsified item is always recognised." if q == 1.0
        else f"An inspected falsified item is recognised with probability {q:g}."
    )

    if name == "upload":
        if warheads is None:
            raise InputError("the upload scenario needs --warheads", field="warheads")
        k, quota_sentence = _quota(ag, "type_one", inspections)
        notes: list[str] = []
        if systems is None:
            if party != "US":
                raise InputError(
                    "per-system holdings are bundled for the US only; give the systems explicitly "
                    "(Python API: systems=[MissileSystem(...)])",
                    field="party",
                )
            systems, notes = us_missile_systems(day)
            if not systems:
                raise InputError(f"no bundled US per-system data on or before {day.isoformat()}", field="as_of")
        mdl, uploaded, label = upload_scenario(systems, warheads, k, spread=spread, item_detection=q)
        values = dict(base)
        values.update({
            "warheads": int(warheads),
            "inspections_per_year": k,
            "systems": [
                {"name": s.name, "deployed": s.deployed, "declared_per_missile": s.declared_per_missile,
                 "max_per_missile": s.max_per_missile, "uploaded_missiles": u}
                for s, u in zip(systems, uploaded)
            ],
            "violator_allocation": label,
        })
        values.update(_summary(mdl, T))

        def build(kk: int) -> YearModel:
            return YearModel.build(mdl.populations, mdl.defects, kk, mdl.site_probabilities,
                                   items_per_inspection=1, item_detection=q)

        values["quota_needed"] = _quota_needed(build, C, min(sum(mdl.populations), MAX_INSPECTIONS))
        assumptions += [
            quota_sentence,
            f"Every Type One inspection is an RV inspection of one randomly selected deployed "
            f"missile ({RV_SELECTION_SOURCE}); bomber-base inspections would lower detection.",
            "Each inspection picks a missile uniformly among all deployed ICBMs and SLBMs "
            "(a base in proportion to its missiles); inspections in one year pick different missiles.",
            *notes,
            f"The violator's allocation is its best response among fill orders and loadings: {label}."
            if spread == "best" else f"The violator's allocation is fixed: {label}.",
            q_sentence,
            "The upload stays in place for all years and each year's inspections are independent.",
        ]
        mc, se = _mc(mdl, T, simulate_trials)
        values.update(mc)
        return Result(SCHEMA_SCENARIO, "exact", values, tuple(assumptions))

    if name == "hidden-missiles":
        if missiles is None or sites is None:
            raise InputError(
                "the hidden-missiles scenario needs --missiles and --sites (declared sites open to "
                "Type Two inspection; the bundled data do not list them)",
                field="sites" if missiles is not None else "missiles",
            )
        H = _check.integer("missiles", missiles, low=1)
        S = _check.integer("sites", sites, low=1)
        V = _check.integer("hiding_sites", hiding_sites, low=1, high=S)
        if V > H:
            raise InputError(f"cannot hide {H} missiles at {V} sites", field="hiding_sites")
        k, quota_sentence = _quota(ag, "type_two", inspections)
        mdl = YearModel.build([S], [V], min(k, S), item_detection=q)
        best = YearModel.build([S], [1], min(k, S), item_detection=q)
        values = dict(base)
        values.update({"missiles": H, "sites": S, "hiding_sites": V, "inspections_per_year": k})
        values.update(_summary(mdl, T))
        values["best_response_hiding_sites"] = 1
        values["probability_per_year_best_response"] = year_detection_probability(best)
        values["quota_needed"] = _quota_needed(
            lambda kk: YearModel.build([S], [V], min(kk, S), item_detection=q), C, S
        )
        assumptions += [
            quota_sentence,
            f"Type Two inspections visit distinct declared sites chosen uniformly at random among {S} "
            "(a user input); a visit to a site holding excess missiles finds the discrepancy with the "
            "declared count.",
            q_sentence,
            f"The {H} hidden missiles are kept at {V} of the sites; detection depends only on how many "
            "sites hold them, so the violator's best response is a single site (if it has room).",
        ]
        mc, _ = _mc(mdl, T, simulate_trials)
        values.update(mc)
        return Result(SCHEMA_SCENARIO, "exact", values, tuple(assumptions))

    if name == "undeclared-site":
        if discovery_per_year is None:
            raise InputError("the undeclared-site scenario needs --discovery-per-year", field="discovery_per_year")
        rho = _check.probability("discovery_per_year", discovery_per_year)
        mdl = YearModel.build([1], [1], 0, other_detection=rho)
        values = dict(base)
        values.update({"discovery_per_year": rho, "inspections_per_year": 0})
        values.update(_summary(mdl, T))
        values["quota_needed"] = None
        assumptions += [
            "On-site inspections visit only declared sites, so they never reach an undeclared facility.",
            f"National technical means discover it with probability {rho:g} each year, independently "
            "(a user input, not a sourced figure).",
        ]
        mc, _ = _mc(mdl, T, simulate_trials)
        values.update(mc)
        return Result(SCHEMA_SCENARIO, "exact", values, tuple(assumptions),
                      notes=("No inspection quota helps against an undeclared site.",))

    # freeze-excess
    if excess is None:
        raise InputError("the freeze-excess scenario needs --excess", field="excess")
    X = _check.integer("excess", excess, low=1)
    if authentications is None:
        insp = ag.regime.inspections
        raise InputError(
            f"{ag.id} sets no authentication quota (verification: {ag.regime.verification}"
            + (f", inspections: {', '.join(i.id for i in insp)}" if insp else "")
            + "); give --authentications",
            field="authentications",
        )
    n = _check.integer("authentications", authentications, low=0)
    stock_sentence = None
    if containers is None:
        found = _latest_count(party, day, "nuclear_warheads_all")
        if found is None:
            raise InputError(f"no bundled stockpile estimate for {party} on or before {day.isoformat()}; "
                             "give --containers", field="containers")
        containers = found[0]
        stock_sentence = (
            f"Declared warhead containers = {containers}, the stockpile estimate from {_cite(found[1])} "
            "(an estimate, not a declaration)."
        )
    Nc = _check.integer("containers", containers, low=1)
    if Nc < X:
        raise InputError(f"{X} falsified containers exceed the {Nc} declared", field="excess")
    if n > Nc:
        raise InputError(f"cannot authenticate {n} of {Nc} containers", field="authentications")
    mdl = YearModel.build([Nc], [X], n, item_detection=q)
    values = dict(base)
    values.update({"excess": X, "containers": Nc, "authentications_per_year": n})
    values.update(_summary(mdl, T))
    values["quota_needed"] = _quota_needed(
        lambda kk: YearModel.build([Nc], [X], min(kk, Nc), item_detection=q), C, Nc
    )
    assumptions += [
        f"The {X} warheads above the cap sit in containers declared as something else (e.g. empty), "
        f"one per container, among {Nc} declared containers.",
        f"{n} containers a year are drawn uniformly at random without replacement and authenticated.",
        q_sentence + (" (For a template protocol with k rounds of per-round soundness ½, q = 1 − 2^−k; "
                      "Glaser, Barak & Goldston, Nature 510, 2014.)" if q < 1.0 else ""),
        "Declared containers are not moved to evade the draw once it is announced.",
    ]
    if stock_sentence:
        assumptions.insert(0, stock_sentence)
    mc, _ = _mc(mdl, T, simulate_trials)
    values.update(mc)
    return Result(SCHEMA_SCENARIO, "exact", values, tuple(assumptions))
