"""What a synthetic database must reproduce: the bundled published figures for a party and
date, completed by stated assumptions where the record has gaps.

The published record fixes the three New START totals for most exchange dates, and per
category counts for the US on some dates (all of them on 1 September 2020). Everything else
a database needs — how the totals split between ICBMs, SLBMs and bombers, how many
non-deployed missiles there are, how many warheads sit on ICBMs versus SLBMs — is an
assumption, and each one made is returned in :attr:`Targets.assumptions` so that synth can
write it into every file. A party and date without all three published totals is refused.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass

from ...agreements.model import Agreement
from ...errors import InputError
from .data import breakdown_rows, bundled_holdings, max_warheads

Var = tuple[str, str]  # (item type, status) or (missile type, "warheads")

#: The date whose US breakdown is complete; its proportions complete other US dates.
US_REFERENCE_DATE = _dt.date(2020, 9, 1)
#: Russia publishes no breakdown. These shares are ASSUMPTIONS (not published figures),
#: written into every synthetic file that uses them.
RU_ASSUMED_SHARES: dict[Var, float] = {
    ("icbm", "deployed"): 0.60, ("slbm", "deployed"): 0.30, ("heavy_bomber", "deployed"): 0.10,
    ("icbm_launcher", "non_deployed"): 0.50, ("slbm_launcher", "non_deployed"): 0.30,
    ("heavy_bomber", "non_deployed"): 0.20,
    ("icbm", "non_deployed"): 0.30, ("slbm", "non_deployed"): 0.30,  # per deployed missile
}
#: System names per party and item type. Russian per-system counts are not published, so
#: Russian items carry a generic name and the largest bundled loading of that type.
SYSTEMS: dict[str, dict[str, tuple[str, ...]]] = {
    "US": {"icbm": ("Minuteman III",), "slbm": ("Trident II D5",), "heavy_bomber": ("B-52H", "B-2A")},
    "RU": {"icbm": ("ICBM (type not published)",), "slbm": ("SLBM (type not published)",),
           "heavy_bomber": ("heavy bomber (type not published)",)},
}
_RU_LOADING_FROM = {"icbm": ("Yars", "Voevoda"), "slbm": ("Bulava", "Sineva")}
#: US ICBMs carry one warhead each today (CRS RL33640, 2018, force_systems.csv); the rest of
#: the published missile warheads then sit on SLBMs. An assumption for any given date.
US_ICBM_LOADING = 1
_LAUNCHER_MISSILE = {"icbm_launcher": "icbm", "slbm_launcher": "slbm"}
_MISSILE_LAUNCHER = {v: k for k, v in _LAUNCHER_MISSILE.items()}


@dataclass(frozen=True)
class Stratum:
    """``count`` items of one type, system and status."""

    type: str
    system: str
    status: str
    count: int


@dataclass(frozen=True)
class Targets:
    """What the synthetic database reproduces.

    ``strata`` are item counts; ``warheads`` the warheads on deployed missiles per system;
    ``max_loading`` each missile system's maximum; ``published`` the published totals per
    limit and ``published_counts`` the published per-category counts it must match;
    ``assumptions`` every choice the record did not fix.
    """

    party: str
    as_of: _dt.date
    strata: tuple[Stratum, ...]
    warheads: Mapping[str, int]
    max_loading: Mapping[str, int]
    published: Mapping[str, int]
    published_counts: Mapping[str, int]
    assumptions: tuple[str, ...]
    sources: tuple[str, ...]


def _rule_vars(agreement: Agreement) -> dict[str, tuple[Var, int]]:
    """Category → (variable, coefficient), for single-type, single-status rules."""
    out: dict[str, tuple[Var, int]] = {}
    for rule in agreement.counting:
        if len(rule.item_types) != 1 or len(rule.statuses) != 1 or rule.systems:
            continue
        t, s = rule.item_types[0], rule.statuses[0]
        if rule.mode == "warheads":
            out[rule.category] = ((t, "warheads"), 1)
            continue
        if t in _LAUNCHER_MISSILE and s == "deployed":
            t = _LAUNCHER_MISSILE[t]  # a deployed launcher holds exactly one deployed missile
        out[rule.category] = ((t, s), rule.per_item if rule.mode == "per_item" else 1)
    return out


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Whole numbers summing to ``total`` in proportion to ``weights`` (largest remainder)."""
    if total < 0:
        raise ValueError("negative total")
    s = sum(weights)
    if s <= 0:
        weights, s = [1.0] * len(weights), float(len(weights))
    raw = [total * w / s for w in weights]
    base = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: (base[i] - raw[i], i))[: total - sum(base)]:
        base[i] += 1
    return base


def system_rows(party: str, day: _dt.date) -> dict[tuple[str, str], int]:
    """Published per-system counts ``(category, system) → n`` from the bundled US breakdown."""
    return breakdown_rows(party, day)


def targets(agreement: Agreement, party: str, as_of: _dt.date) -> Targets:
    """The counts a synthetic database of ``party`` as of ``as_of`` must have.

    Raises InputError when the bundled data lack one of the three published totals for that
    party and date, or when the totals cannot be met (e.g. more warheads than the systems'
    maximum loadings allow).
    """
    if party not in SYSTEMS:
        raise InputError(f"synth knows the systems of {', '.join(SYSTEMS)} only, not {party!r}", field="--party")
    holdings = bundled_holdings()
    snap = holdings.get(party, as_of)
    limits = {lim.id: lim for lim in agreement.limits}
    published = {t.label: t.value for t in (snap.totals if snap else ()) if t.label in limits}
    missing = [lid for lid in limits if lid not in published]
    if snap is None or missing:
        dates = [s.date.isoformat() for s in holdings.for_party(party)
                 if all(lid in {t.label for t in s.totals} for lid in limits)]
        what = "no published data" if snap is None else "no published total for " + ", ".join(missing)
        raise InputError(f"the bundled data have {what} for {party} as of {as_of.isoformat()}; synth can "
                         f"match {party} on: {', '.join(dates) or 'no date'}", field="--as-of")
    assumptions: list[str] = []
    sources = sorted({t.source.url for t in snap.totals if t.source and t.source.url})
    rv = _rule_vars(agreement)

    known: dict[Var, int] = {}
    published_counts: dict[str, int] = {}
    for cat, count in snap.counts.items():
        if cat in rv and not count.estimate:
            var, coef = rv[cat]
            if var in known and known[var] != count.value // coef:
                raise InputError(f"the bundled counts for {party} {as_of} disagree on {var}", field="--as-of")
            known[var] = count.value // coef
            published_counts[cat] = count.value
    constraints: list[tuple[dict[Var, int], int]] = []
    for t in snap.totals:
        if not all(c in rv for c in t.categories):
            continue
        terms: dict[Var, int] = {}
        for c in sorted(t.categories):  # a set: sorted, so the split does not follow the hash seed
            var, coef = rv[c]
            terms[var] = terms.get(var, 0) + coef
        constraints.append((terms, t.value))

    # Reference proportions for whatever the totals leave open.
    if party == "US":
        ref_snap = holdings.get("US", US_REFERENCE_DATE)
        ref: dict[Var, float] = {}
        for cat, count in (ref_snap.counts.items() if ref_snap else ()):
            if cat in rv:
                ref[rv[cat][0]] = float(count.value)
        ref_label = f"the US breakdown of {US_REFERENCE_DATE.isoformat()}"
    else:
        ref = dict(RU_ASSUMED_SHARES)
        ref_label = "assumed shares, as Russia publishes no breakdown (RU_ASSUMED_SHARES)"
        assumptions.append("RU_ASSUMED_SHARES (not published figures): " + ", ".join(
            f"{t} {s} {w:.0%}" for (t, s), w in RU_ASSUMED_SHARES.items())
            + " (non-deployed missiles: per deployed missile)")

    # Solve: a constraint with one unknown fixes it; otherwise split what is left by the
    # reference proportions, narrowest constraints first, warhead constraints last.
    def unknown(terms: Mapping[Var, int]) -> list[Var]:
        return [v for v in terms if v not in known]

    progress = True
    while progress:
        progress = False
        for terms, value in constraints:
            left = unknown(terms)
            if len(left) == 1:
                rest = value - sum(known[v] * c for v, c in terms.items() if v in known)
                v = left[0]
                if rest < 0 or rest % terms[v]:
                    raise InputError(f"the published figures for {party} {as_of} are inconsistent ({v})",
                                     field="--as-of")
                known[v] = rest // terms[v]
                progress = True
        if progress:
            continue
        open_ = [(any(v[1] == "warheads" for v in unknown(t)), len(unknown(t)), i)
                 for i, (t, _) in enumerate(constraints) if len(unknown(t)) > 1]
        for has_w, _, i in sorted(open_):
            if has_w:
                break
            terms, value = constraints[i]
            left = unknown(terms)
            rest = value - sum(known[v] * c for v, c in terms.items() if v in known)
            if rest < 0:
                raise InputError(f"the published figures for {party} {as_of} are inconsistent", field="--as-of")
            shares = _apportion(rest, [ref.get(v, 0.0) for v in left])
            for v, n in zip(left, shares, strict=True):
                known[v] = n // terms[v]
            assumptions.append(f"split of {rest} among {', '.join(f'{t} {s}' for t, s in left)} "
                               f"in proportion to {ref_label}")
            progress = True
            break

    # Warheads: what the warhead total leaves after the bombers, split between systems.
    loading = _loadings(party)
    for terms, value in constraints:
        left = unknown(terms)
        if not left or any(v[1] != "warheads" for v in left):
            continue
        rest = value - sum(known[v] * c for v, c in terms.items() if v in known)
        dep = {v: known.get((v[0], "deployed"), 0) for v in left}
        lo = {v: dep[v] for v in left}  # a deployed missile carries at least one warhead
        hi = {v: dep[v] * loading[v[0]][1] for v in left}
        if not sum(lo.values()) <= rest <= sum(hi.values()):
            raise InputError(f"{rest} warheads on {sum(dep.values())} deployed missiles of {party} "
                             f"cannot be spread within the systems' maximum loadings", field="--as-of")
        if party == "US" and ("icbm", "warheads") in left:
            w_i = US_ICBM_LOADING * dep[("icbm", "warheads")]
            others = [v for v in left if v != ("icbm", "warheads")]
            w_i = max(rest - sum(hi[v] for v in others), min(w_i, rest - sum(lo[v] for v in others)))
            known[("icbm", "warheads")] = w_i
            for v, n in zip(others, _apportion(rest - w_i, [hi[v] for v in others]), strict=True):
                known[v] = n
            assumptions.append(f"warheads on ICBMs assumed {w_i} ({US_ICBM_LOADING} per deployed Minuteman III "
                               "where possible, CRS RL33640 via force_systems.csv); the rest on SLBMs")
        else:
            for v, n in zip(left, _apportion(rest, [hi[v] for v in left]), strict=True):
                known[v] = n
            assumptions.append(f"{rest} missile warheads split in proportion to maximum loading capacity")

    # Non-deployed missiles are outside every limit; fill them from the reference ratio.
    for mt in ("icbm", "slbm"):
        var = (mt, "non_deployed")
        if var not in known:
            n_dep = known.get((mt, "deployed"), 0)
            if party == "US" and ref.get((mt, "deployed")):
                n = round(n_dep * ref.get(var, 0.0) / ref[(mt, "deployed")])
            else:
                n = round(n_dep * ref.get(var, 0.0))
            known[var] = n
            assumptions.append(f"{n} non-deployed {mt.upper()}s (not published for this date; "
                               f"from {ref_label})")
    leftover = [v for terms, _ in constraints for v in terms if v not in known]
    if leftover:
        raise InputError(f"cannot fix {leftover} for {party} {as_of} from the bundled data", field="--as-of")

    strata = _strata(party, as_of, known, assumptions)
    warheads: dict[str, int] = {}
    max_loading: dict[str, int] = {}
    for mt in ("icbm", "slbm"):
        system = SYSTEMS[party][mt][0]
        warheads[system] = known.get((mt, "warheads"), 0)
        max_loading[system] = loading[mt][1]
        assumptions.append(f"{system}: at most {loading[mt][1]} warheads per missile ({loading[mt][0]})")
    for terms, value in constraints:  # every published total must hold exactly
        got = sum(known.get(v, 0) * c for v, c in terms.items())
        assert got == value, (terms, value, got)
    return Targets(party, as_of, strata, warheads, max_loading, published, published_counts,
                   tuple(assumptions), tuple(sources))


def _loadings(party: str) -> dict[str, tuple[str, int]]:
    """Missile type → (where the figure comes from, max warheads per missile)."""
    out: dict[str, tuple[str, int]] = {}
    for mt in ("icbm", "slbm"):
        names = (SYSTEMS[party][mt][0],) if party == "US" else _RU_LOADING_FROM[mt]
        found = [s for s in (max_warheads(party, n) for n in names) if s is not None]
        if not found:
            raise InputError(f"no bundled maximum loading for {party} {mt.upper()}s", field="--party")
        best = max(found, key=lambda s: s.max_warheads)
        label = f"{best.system}, {best.source.url or best.source.document}"
        if party != "US":
            label = f"largest bundled loading of a {party} {mt.upper()}: " + label
        out[mt] = (label, best.max_warheads)
    return out


def _strata(party: str, as_of: _dt.date, known: Mapping[Var, int], assumptions: list[str]) -> tuple[Stratum, ...]:
    """Counts per (type, system, status), splitting heavy bombers between systems."""
    out: list[Stratum] = []
    rows = system_rows(party, as_of) if party == "US" else {}
    ref_rows = system_rows(party, US_REFERENCE_DATE) if party == "US" else {}
    for (t, s), n in sorted(known.items()):
        if s == "warheads":
            continue
        if s == "deployed" and t in _MISSILE_LAUNCHER:  # deployed launchers = deployed missiles
            out.append(Stratum(_MISSILE_LAUNCHER[t], SYSTEMS[party][t][0], "deployed", n))
        if t in _LAUNCHER_MISSILE:
            out.append(Stratum(t, SYSTEMS[party][_LAUNCHER_MISSILE[t]][0], s, n))
            continue
        systems = SYSTEMS[party][t]
        if len(systems) == 1:
            out.append(Stratum(t, systems[0], s, n))
            continue
        cat = {"deployed": "deployed_heavy_bombers", "non_deployed": "nondeployed_heavy_bombers",
               "test": "test_heavy_bombers", "converted": "converted_heavy_bombers"}.get(s, "")
        given = [rows.get((cat, sy)) for sy in systems]
        if all(g is not None for g in given) and sum(given) == n:  # type: ignore[arg-type]
            split = [int(g) for g in given]  # type: ignore[arg-type]
        else:
            split = _apportion(n, [float(ref_rows.get((cat, sy), 0)) for sy in systems])
            if n:
                assumptions.append(f"{n} {s} heavy bombers split {'/'.join(systems)} as "
                                   f"{'/'.join(map(str, split))} after the US breakdown of {US_REFERENCE_DATE}")
        out.extend(Stratum(t, sy, s, k) for sy, k in zip(systems, split, strict=True) if k)
    return tuple(st for st in out if st.count)
