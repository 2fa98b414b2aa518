"""Upload capacity: how many warheads each party could add to its deployed forces by loading its
deployed missiles and aircraft to their maximum, how long that would take, when it would pass a
cap, and how the result compares with the analysts' published estimates.

For each party and delivery system (the profiles' per-system holdings, all estimates):

- **spare places** = deployed launchers × maximum loading − warheads deployed now (or the
  published maximum of a whole leg, where the types are not broken down), end by end
  (``low = ceiling.low − deployed.high``, never below 0); a system whose maximum loading was not
  found adds nothing (and says so);
- **reserve**: an upload loads stored warheads, so it cannot exceed the stored (reserve) warheads
  of the estimates (stored strategic warheads where the estimator gives them, else all stored
  warheads — an upper bound, since non-strategic ones may not fit — else the military stockpile
  less the deployed warheads);
- **could add** = the lesser of the two, end by end (``bound`` says which binds);
- **level** after the upload = the lesser of the counted ceiling (each system's ceiling, never
  below what it carries now) and what is counted now plus the reserve, end by end. It is not
  "now + could add" end by end: the spare places' range pairs the low ceiling with the *most*
  deployed, so adding it to the least deployed would claim more than the launchers carry.

Counting: ``bombers="one"`` counts each deployed bomber as one warhead, as New START did, so
loading bombers adds nothing counted (the published estimates start from New START's 1,550);
``bombers="weapons"`` counts the weapons assigned to bombers, as the estimators do.

Time: each leg (ICBMs, SLBMs, bombers) uploads in parallel at a constant rate, its spare places
over the sourced time to upload the leg (``UploadRate.days``); the reserve is drawn as it goes.
The time to pass a cap N is the first day the counted warheads exceed N. Its range runs from the
earliest case (the high ends of the warheads deployed, the ceilings and the reserve, with the
shortest times) to the latest (the low ends, the longest times); each case is one consistent
reading of the estimates, so it never loads more than that case's ceiling. ``None`` at the
latest end means the cap may never be passed.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..forces import Holdings
from ..forces.estimates import Estimate
from ..profiles import profiles
from ..sources import Source
from ._frame import frame
from ._inputs import canonical_parties
from .compliance import pick_series
from .systems import all_system_holdings, system_dates, system_holdings

if TYPE_CHECKING:
    import pandas as pd

SCHEMA = "accord.capacity/v1"
#: New START's central limit on deployed warheads (Article II.1(b)): always asked about.
NEWSTART_WARHEADS = 1550
BOMBER_COUNTING = ("one", "weapons")
LEGS = ("icbm", "slbm", "bomber")
LEG_TITLES = {"icbm": "ICBMs", "slbm": "SLBMs", "bomber": "bombers"}

#: The all-warhead vocabulary's stored categories (agreements/library/vocabularies/allwarheads.yaml).
SS, SN = "stored_strategic_warheads", "stored_nonstrategic_warheads"
DS, DN = "deployed_strategic_warheads", "deployed_nonstrategic_warheads"


def _spare(ceiling: Estimate, held: Estimate) -> Estimate:
    """``ceiling − held`` end by end (the low end against the most held), never below 0."""
    return Estimate(max(0, ceiling.low - held.high), max(0, ceiling.central - held.central),
                    max(0, ceiling.high - held.low))


def _least(a: Estimate, b: Estimate) -> Estimate:
    return Estimate(min(a.low, b.low), min(a.central, b.central), min(a.high, b.high))


def _sum(values: Sequence[Estimate]) -> Estimate:
    out = Estimate.exact(0)
    for v in values:
        out = out + v
    return out


@dataclass(frozen=True)
class Rate:
    """The sourced time to upload one leg fully, in days."""

    phrase: str
    days: Estimate
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "days": self.days.to_json(), "source": self.source.to_json()}


@dataclass(frozen=True)
class SystemCapacity:
    """One delivery system: what it holds now, what it could carry, what could be added and what of
    that counts (``counted``: nothing for bombers counted one each)."""

    party: str
    system: str
    leg: str
    as_of: _dt.date
    launchers: Estimate | None
    max_per_launcher: int | None
    deployed: Estimate
    counted_now: Estimate
    ceiling: Estimate | None
    spare: Estimate | None
    counted_spare: Estimate
    rate: Rate | None
    sources: tuple[Source, ...]
    note: str | None
    #: Whether loading the system counts (False for a bomber counted as one warhead).
    counts_load: bool = True

    @property
    def counted_ceiling(self) -> Estimate:
        """What the system counts after a full upload: its ceiling, never below what it carries now,
        where loading it counts; else what it counts now (a bomber counted as one, a ceiling NOT FOUND)."""
        if self.ceiling is None or not self.counts_load:
            return self.counted_now
        c, h = self.ceiling, self.deployed
        return Estimate(max(c.low, h.low), max(c.central, h.central), max(c.high, h.high))

    def spare_in_case(self, end: str) -> int:
        """The counted spare places in one consistent case (``low``, ``central`` or ``high``: that
        end of both the ceiling and the warheads deployed)."""
        if self.ceiling is None or not self.counts_load:
            return 0
        return max(0, int(getattr(self.ceiling, end)) - int(getattr(self.deployed, end)))

    def to_json(self) -> dict[str, Any]:
        def js(e: Estimate | None) -> dict[str, int] | None:
            return e.to_json() if e is not None else None

        return {"party": self.party, "system": self.system, "leg": self.leg, "as_of": self.as_of.isoformat(),
                "launchers": js(self.launchers), "max_per_launcher": self.max_per_launcher,
                "deployed": js(self.deployed), "counted_now": js(self.counted_now), "ceiling": js(self.ceiling),
                "spare": js(self.spare), "counted_spare": js(self.counted_spare),
                "rate": self.rate.to_json() if self.rate else None,
                "sources": [s.to_json() for s in self.sources], "note": self.note}


@dataclass(frozen=True)
class Reserve:
    """The stored warheads an upload can draw on: the value, what it covers, and where it is from."""

    value: Estimate
    scope: str
    as_of: _dt.date
    series: str
    sources: tuple[Source, ...]
    upper_bound: bool

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value.to_json(), "scope": self.scope, "as_of": self.as_of.isoformat(),
                "series": self.series, "upper_bound": self.upper_bound,
                "sources": [s.to_json() for s in self.sources]}


@dataclass(frozen=True)
class CapTime:
    """When a party's counted warheads would pass ``cap``: days from the start of the upload
    (``low``: the earliest case, ``high``: the latest; ``None``: never in that case) and a status:
    ``already_over`` (even the low end is over now), ``reachable``, ``may_never`` (passed in the
    earliest case only), ``never`` (not even in the earliest case) or ``no_rate`` (no sourced rate)."""

    cap: int
    status: str
    low: float | None
    central: float | None
    high: float | None

    def describe(self) -> str:
        if self.status == "already_over":
            return "already over"
        if self.status == "never":
            return "never (ceiling below the cap)"
        if self.status == "no_rate":
            return "no sourced rate"
        if self.status == "may_never":
            return f"from {describe_days(self.low)}, or never"
        return _days_range(self.low, self.central, self.high)

    def to_json(self) -> dict[str, Any]:
        return {"cap": self.cap, "status": self.status, "days": {"low": self.low, "central": self.central,
                                                                  "high": self.high}}


@dataclass(frozen=True)
class CrossCheck:
    """A published upload estimate beside the computed figure: how close, and why."""

    party: str
    kind: str
    phrase: str
    published: Estimate
    baseline: int | None
    computed: Estimate
    what: str
    close: str
    reasons: tuple[str, ...]
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "kind": self.kind, "phrase": self.phrase, "published": self.published.to_json(),
                "baseline": self.baseline, "computed": self.computed.to_json(), "what": self.what,
                "close": self.close, "reasons": list(self.reasons), "source": self.source.to_json()}


@dataclass(frozen=True)
class PartyCapacity:
    """A party's upload capacity: counted warheads now, spare places, reserve, what could be added,
    the level that would reach, the time to add it, and the time to pass each cap."""

    party: str
    as_of: _dt.date
    systems: tuple[SystemCapacity, ...]
    counted_now: Estimate
    spare: Estimate
    reserve: Reserve | None
    added: Estimate
    bound: str
    days_to_add: Estimate | None
    caps: tuple[CapTime, ...]
    checks: tuple[CrossCheck, ...]
    notes: tuple[str, ...]

    @property
    def ceiling(self) -> Estimate:
        """What the deployed launchers could count once full: the systems' counted ceilings, summed."""
        return _sum([s.counted_ceiling for s in self.systems])

    @property
    def level(self) -> Estimate:
        """Counted warheads after a full upload: the launchers' ceiling, or what is counted now
        plus the reserve where that is less, end by end (see the module docstring)."""
        if self.reserve is None:
            return self.ceiling
        return _least(self.ceiling, self.counted_now + self.reserve.value)

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "as_of": self.as_of.isoformat(), "counted_now": self.counted_now.to_json(),
                "spare": self.spare.to_json(), "reserve": self.reserve.to_json() if self.reserve else None,
                "added": self.added.to_json(), "level": self.level.to_json(), "ceiling": self.ceiling.to_json(),
                "bound": self.bound,
                "days_to_add": self.days_to_add.to_json() if self.days_to_add else None,
                "caps": [c.to_json() for c in self.caps], "cross_checks": [c.to_json() for c in self.checks],
                "systems": [s.to_json() for s in self.systems], "notes": list(self.notes)}


def describe_days(days: float | None) -> str:
    """``1 day``, ``51 days``, ``6.1 months``, ``2.2 years`` (``never`` for None)."""
    if days is None:
        return "never"
    if days < 61:
        n = math.ceil(days)
        return f"{n} day" + ("" if n == 1 else "s")
    if days < 730:
        return f"{days / 30.44:.1f} months"
    return f"{days / 365.25:.1f} years"


def _days_range(low: float | None, central: float | None, high: float | None) -> str:
    text = describe_days(central)
    if low != high:
        text += f" ({describe_days(low)} to {describe_days(high)})"
    return text


COLUMNS = ("party", "system", "leg", "as_of", "launchers", "max_per_launcher", "deployed_low", "deployed_central",
           "deployed_high", "ceiling_low", "ceiling_central", "ceiling_high", "added_low", "added_central",
           "added_high", "days_low", "days_central", "days_high", "bound")


@dataclass(frozen=True)
class UploadCapacity:
    """Upload capacity of each party (``accord.capacity/v1``)."""

    at: _dt.date
    bombers: str
    caps: tuple[int, ...]
    parties: tuple[PartyCapacity, ...]
    #: The parties asked about with no per-system holdings on or before ``at``, each with the date
    #: of its earliest (None: none bundled): named, never silently dropped.
    missing: tuple[tuple[str, _dt.date | None], ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (*COLUMNS, *(f"days_to_exceed_{c}_{end}" for c in self.caps for end in ("low", "central", "high")))

    def rows(self) -> list[dict[str, Any]]:
        """One row per system, then one ``all systems`` row per party (with the reserve bound and
        the time to pass each cap); counted figures follow the bomber counting."""
        out: list[dict[str, Any]] = []
        for p in self.parties:
            for s in p.systems:
                out.append({
                    "party": s.party, "system": s.system, "leg": s.leg, "as_of": s.as_of,
                    "launchers": s.launchers.describe() if s.launchers else None,
                    "max_per_launcher": s.max_per_launcher, **_ends("deployed", s.counted_now),
                    **_ends("ceiling", s.counted_ceiling if s.spare else None),
                    **_ends("added", s.counted_spare if s.spare else None),
                    **_ends("days", s.rate.days if s.rate else None), "bound": None})
            row: dict[str, Any] = {
                "party": p.party, "system": "all systems", "leg": None, "as_of": p.as_of, "launchers": None,
                "max_per_launcher": None, **_ends("deployed", p.counted_now), **_ends("ceiling", p.level),
                **_ends("added", p.added), **_ends("days", p.days_to_add), "bound": p.bound}
            for c in p.caps:
                row.update({f"days_to_exceed_{c.cap}_low": c.low, f"days_to_exceed_{c.cap}_central": c.central,
                            f"days_to_exceed_{c.cap}_high": c.high})
            out.append(row)
        return out

    def pivot(self) -> tuple[list[str], list[list[str]]]:
        """The table people read: per system, then per party, counted now, ceiling, could add, time to add
        and the time to pass each cap."""
        header = ["party", "system", "now", "ceiling", "could add", "time to add",
                  *(f"passes {c:,} in" for c in self.caps)]
        body: list[list[str]] = []
        blank = [""] * len(self.caps)
        for p in self.parties:
            for s in p.systems:
                body.append([s.party, s.system, s.counted_now.describe(), _ceiling_text(s),
                             s.counted_spare.describe() if s.spare else "not found",
                             f"{s.rate.phrase}: " + _days_range(s.rate.days.low, s.rate.days.central, s.rate.days.high)
                             if s.rate else "no sourced rate", *blank])
            body.append([p.party, f"all ({p.bound} bound)", p.counted_now.describe(), p.level.describe(),
                         p.added.describe(),
                         _days_range(p.days_to_add.low, p.days_to_add.central, p.days_to_add.high)
                         if p.days_to_add else "no sourced rate", *(c.describe() for c in p.caps)])
        return header, body

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "at": self.at.isoformat(), "bombers": self.bombers,
                "counting": BOMBER_TEXT[self.bombers], "caps": list(self.caps),
                "parties": [p.to_json() for p in self.parties],
                "no_data": [{"party": m, "earliest": d.isoformat() if d else None} for m, d in self.missing]}

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (columns :attr:`columns`)."""
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return f"Upload capacity as of {self.at.isoformat()} (bombers counted: {self.bombers})"

    def footer(self) -> str:
        lines = [f"Counting: {BOMBER_TEXT[self.bombers]}",
                 "could add = the lesser of the spare places on deployed launchers and the reserve; a party's "
                 "ceiling = its level after a full upload: the launchers' ceiling, or counted now + the reserve where "
                 "that is less (each end: the low ends together, the high ends together); every leg uploads in "
                 "parallel at its sourced rate, until the reserve runs out."]
        for m, first in self.missing:
            lines.append(f"{m}: no per-system holdings on or before {self.at.isoformat()}"
                         + (f" (the earliest are of {first.isoformat()})." if first else "."))
        for p in self.parties:
            if p.reserve is not None:
                r = p.reserve
                lines.append(f"{p.party}: reserve {r.value.describe()} ({r.scope}, {r.series}, as of {r.as_of}"
                             + ("; an upper bound" if r.upper_bound else "") + ").")
            for c in p.checks:
                lines.append(f"{p.party}: published {c.phrase} {_published(c)} ({c.source.cite()}); computed "
                             f"{c.computed.describe()} {c.what}: {c.close}. Why: {' '.join(c.reasons)}")
            lines += [f"{p.party}: {n}" for n in p.notes]
        return "\n".join(lines)

    def chart(self) -> str:
        """Counted warheads now, the reserve-bound ceiling and the launchers' ceiling per party,
        against the caps: inline SVG."""
        from ..render.analysis_charts import capacity_chart

        bars = [(p.party, _t(p.counted_now), _t(p.level), _t(p.ceiling)) for p in self.parties]
        return capacity_chart(f"Upload capacity: deployed warheads now and after a full upload, as of "
                              f"{self.at.isoformat()}", bars, self.caps,
                              counting="each bomber counted as one warhead" if self.bombers == "one"
                              else "bomber weapons counted")


def _ceiling_text(s: SystemCapacity) -> str:
    """The counted ceiling of a system; for a bomber counted as one, what it could carry besides."""
    if s.ceiling is None:
        return "not found"
    if not s.counts_load:
        return f"{s.counted_ceiling.describe()} (carries up to {s.ceiling.describe()})"
    return s.counted_ceiling.describe()


def _t(e: Estimate) -> tuple[int, int, int]:
    return e.low, e.central, e.high


def _ends(prefix: str, e: Estimate | None) -> dict[str, int | None]:
    return {f"{prefix}_low": e.low if e else None, f"{prefix}_central": e.central if e else None,
            f"{prefix}_high": e.high if e else None}


def _published(c: CrossCheck) -> str:
    v = c.published
    if c.kind == "factor":
        return f"×{v.describe()}"
    if c.kind == "increase_percent":
        return f"+{v.describe()}%"
    return v.describe() + (f" from {c.baseline:,}" if c.baseline is not None else "")


BOMBER_SHORT = {"one": "each bomber as one warhead", "weapons": "bomber weapons as loaded"}
BOMBER_TEXT = {
    "one": "each deployed bomber counts as one warhead (New START's rule), so loading bombers adds nothing counted",
    "weapons": "bomber weapons count as the estimators count them (weapons at the bomber bases)",
}


# ----------------------------------------------------------------------------- inputs


def _rates(party: str) -> dict[str, Rate]:
    out: dict[str, Rate] = {}
    for profile in profiles().values():
        if profile.upload_rates is None:
            continue
        for r in profile.upload_rates():
            if r.party == party and r.leg not in out:
                out[r.leg] = Rate(r.phrase, r.days, r.source)
    return out


def _published_estimates(party: str) -> list[Any]:
    out: list[Any] = []
    for profile in profiles().values():
        if profile.upload_estimates is not None:
            out += [e for e in profile.upload_estimates() if e.party == party]
    return out


def _series() -> dict[str, Holdings]:
    out: dict[str, Holdings] = {}
    for profile in profiles().values():
        if profile.series is not None:
            out.update(profile.series())
    return out


def reserve_of(holdings: Holdings, series: str, party: str, day: _dt.date) -> Reserve | None:
    """The stored warheads of ``party`` in the latest estimate on or before ``day`` that gives them:
    stored strategic warheads, else all stored warheads (an upper bound: non-strategic ones may
    not fit strategic launchers), else the military stockpile less the deployed warheads."""
    for snap in holdings.before(party, day):
        count = snap.counts.get(SS)
        if count is not None:
            return Reserve(count.estimate_range, "stored strategic warheads", snap.date, series,
                           (count.source,) if count.source else (), False)
        totals = {t.categories: t for t in snap.totals}
        stored = totals.get(frozenset({SS, SN}))
        if stored is not None:
            return Reserve(stored.estimate_range, "all stored warheads, strategic and non-strategic", snap.date,
                           series, (stored.source,) if stored.source else (), True)
        stock, deployed = totals.get(frozenset({DS, DN, SS, SN})), totals.get(frozenset({DS, DN}))
        if stock is not None and deployed is not None:
            value = _spare(stock.estimate_range, deployed.estimate_range)
            srcs = tuple(s for s in (stock.source, deployed.source) if s is not None)
            return Reserve(value, "military stockpile less deployed warheads (derived)", snap.date, series, srcs,
                           True)
    return None


# ----------------------------------------------------------------------------- time


def _days_to(legs: Sequence[tuple[int, float]], now: int, reserve: int | None, cap: int) -> float | None:
    """Days until ``now`` plus the warheads loaded exceeds ``cap``, each leg ``(spare, days)``
    loading at a constant rate in parallel, all drawing on ``reserve``; None if never."""
    need = cap + 1 - now
    if need <= 0:
        return 0.0
    legs = [(a, t) for a, t in legs if a > 0]
    total = sum(a for a, _ in legs)
    if min(total, reserve if reserve is not None else total) < need:
        return None
    # W(t) = Σ a · min(1, t / T): piecewise linear, increasing; walk its breakpoints.
    done, t0 = 0.0, 0.0
    for t in sorted({t for _, t in legs}):
        rate = sum(a / T for a, T in legs if t <= T)  # the legs still loading through (t0, t]
        reach = done + rate * (t - t0)
        if reach >= need:
            return t0 + (need - done) / rate
        done, t0 = reach, t
    return None  # pragma: no cover - total >= need is reached at the last breakpoint


#: The cases of a time range: (the end of the estimates, the end of the sourced times) — the
#: earliest case takes the high ends with the shortest times, the latest the low ends with the longest.
CASES = (("high", "low"), ("central", "central"), ("low", "high"))


def _cap_time(cap: int, now: Estimate, legs: Sequence[tuple[Sequence[SystemCapacity], Estimate]],
              reserve: Estimate | None) -> CapTime:
    """When the counted warheads pass ``cap``: each leg ``(systems, days)`` loads its spare places
    of the case (:meth:`SystemCapacity.spare_in_case`) over that case's days, all drawing on the
    case's reserve."""
    if now.low > cap:
        return CapTime(cap, "already_over", 0.0, 0.0, 0.0)
    if not legs:
        return CapTime(cap, "no_rate", None, None, None)

    def case(end: str, days_end: str) -> float | None:
        r = getattr(reserve, end) if reserve is not None else None
        loads = [(sum(s.spare_in_case(end) for s in systems), float(getattr(d, days_end))) for systems, d in legs]
        return _days_to(loads, getattr(now, end), r, cap)

    early, central, late = (case(end, days_end) for end, days_end in CASES)
    if early is None:
        return CapTime(cap, "never", None, None, None)
    return CapTime(cap, "reachable" if late is not None else "may_never", early, central, late)


# ----------------------------------------------------------------------------- the use case


def _system(h: Any, bombers: str, rates: dict[str, Rate]) -> SystemCapacity:
    ceiling: Estimate | None = h.ceiling
    spare = _spare(ceiling, h.warheads) if ceiling is not None else None
    one_each = h.leg == "bomber" and bombers == "one"  # loading them adds nothing counted
    if one_each:
        counted_now = h.launchers if h.launchers is not None else Estimate.exact(0)
        counted_spare = Estimate.exact(0)
    else:
        counted_now = h.warheads
        counted_spare = spare if spare is not None else Estimate.exact(0)
    return SystemCapacity(h.party, h.system, h.leg, h.as_of, h.launchers, h.max_per_launcher, h.warheads,
                          counted_now, ceiling, spare, counted_spare, rates.get(h.leg), tuple(h.sources), h.note,
                          counts_load=not one_each)


def _party(party: str, day: _dt.date, bombers: str, caps: Sequence[int], series: tuple[str, Holdings] | None
           ) -> PartyCapacity | None:
    holdings = system_holdings(party, day)
    if not holdings:
        return None
    rates = _rates(party)
    systems = tuple(_system(h, bombers, rates) for h in holdings)
    counted_now = _sum([s.counted_now for s in systems])
    spare = _sum([s.counted_spare for s in systems])
    reserve = reserve_of(series[1], series[0], party, day) if series is not None else None
    notes: list[str] = []
    if reserve is None:
        added, bound = spare, "launchers"
        notes.append("no reserve estimate found: the upload is bounded by the launchers only")
    else:
        added = _least(spare, reserve.value)
        bound = "reserve" if reserve.value.central < spare.central else "launchers"
    missing = [s.system for s in systems if s.ceiling is None and not (s.leg == "bomber" and bombers == "one")]
    if missing:
        notes.append(f"maximum loading NOT FOUND for {', '.join(missing)}: nothing is added for "
                     f"{'it' if len(missing) == 1 else 'them'}, so the ceiling is a lower bound")
    if bombers == "one" and any(s.leg == "bomber" and s.launchers is None for s in systems):
        notes.append("the number of deployed bombers was not found: they count 0")
    # Each leg loads its counted spare places at its own sourced rate, all legs drawing on one reserve.
    by_leg: dict[str, list[SystemCapacity]] = {}
    for s in systems:
        by_leg.setdefault(s.leg, []).append(s)
    legs: list[tuple[Sequence[SystemCapacity], Estimate]] = []
    unrated = []
    for leg, members in by_leg.items():
        leg_spare = _sum([s.counted_spare for s in members])
        if leg_spare.high == 0:
            continue
        rate = rates.get(leg)
        if rate is None:
            unrated.append(LEG_TITLES.get(leg, leg))
            continue
        legs.append((members, rate.days))
    if unrated:
        notes.append(f"no sourced upload rate for {', '.join(unrated)}: left out of the timing")
    cap_times = tuple(_cap_time(c, counted_now, legs, reserve.value if reserve else None) for c in caps)
    result = PartyCapacity(party, max(s.as_of for s in systems), systems, counted_now, spare, reserve, added, bound,
                           None, cap_times, (), tuple(notes))
    if legs:
        result = replace(result, days_to_add=_days_to_add(result, legs))
    return replace(result, checks=tuple(_cross_check(e, result, bombers) for e in _published_estimates(party)))


def _days_to_add(p: PartyCapacity, legs: Sequence[tuple[Sequence[SystemCapacity], Estimate]]) -> Estimate:
    """Whole days (rounded up) until each case has loaded what it can add (``level − now`` of the
    case): the slowest leg where the launchers bind, sooner where the reserve runs out first. The
    ends are the least and the most of the cases."""
    days = []
    for end, days_end in CASES:
        loads = [(sum(s.spare_in_case(end) for s in systems), float(getattr(d, days_end))) for systems, d in legs]
        adds = getattr(p.level, end) - getattr(p.counted_now, end)
        t = _days_to(loads, 0, None, adds - 1)
        # None: the unrated legs' places are in the level but nobody said how fast they load
        days.append(math.ceil(t) if t is not None else max(math.ceil(float(getattr(d, days_end))) for _, d in legs))
    return Estimate(min(days), min(max(days[1], min(days)), max(days)), max(days))


def _percent(part: Estimate, whole: Estimate) -> Estimate:
    """``100 · part / whole`` as a range (the low end over the most held now), rounded; a whole
    whose low end is 0 is taken from 1 at that end (a share of nothing has no upper bound)."""
    def pc(a: int, b: int) -> int:
        return round(100 * a / b) if b else 0

    return Estimate(pc(part.low, whole.high), pc(part.central, whole.central), pc(part.high, max(1, whole.low)))


def _close(computed: Estimate, published: Estimate) -> str:
    """How close a computed range comes to a published one, in words."""
    if computed.low <= published.high and published.low <= computed.high:
        return "within the published range"
    diff = computed.central - published.central
    pct = 100 * diff / published.central if published.central else float("inf")
    return f"{abs(diff):,} ({abs(pct):.0f}%) {'above' if diff > 0 else 'below'} the published figure"


def _cross_check(e: Any, p: PartyCapacity, bombers: str) -> CrossCheck:
    now, spare, added, reserve, systems = p.counted_now, p.spare, p.added, p.reserve, p.systems
    reasons: list[str] = []
    if reserve is not None and reserve.value.central < spare.central:
        reasons.append(f"The reserve binds: {reserve.value.describe()} stored warheads ({reserve.scope}, "
                       f"{reserve.series}) are fewer than the {spare.describe()} spare places on deployed launchers.")
    elif reserve is not None:
        reasons.append(f"The launchers bind: {spare.describe()} spare places, fewer than the "
                       f"{reserve.value.describe()} stored warheads ({reserve.scope}, {reserve.series}).")
    if reserve is not None and reserve.upper_bound:
        reasons.append("The reserve counted includes non-strategic warheads: an upper bound.")
    missing = [s.system for s in systems if s.ceiling is None and not (s.leg == "bomber" and bombers == "one")]
    if missing:
        reasons.append(f"No maximum loading was found for {', '.join(missing)}: nothing is added for them.")
    if bombers == "one":
        reasons.append("Bombers count as one warhead each (as under New START), so loading them adds nothing.")
    else:
        reasons.append("Bomber weapons count as loaded, as the estimators count them (New START counted one a bomber).")
    reasons.append("Only launchers deployed now are loaded (no empty silos or tubes, no new missiles).")
    if e.kind == "level" and e.baseline is not None:
        computed = Estimate(e.baseline + added.low, e.baseline + added.central, e.baseline + added.high)
        what = f"({e.baseline:,} + what could be added)"
        reasons.append(f"The published figure starts from {e.baseline:,}; the bundled per-system holdings count "
                       f"{now.describe()} now, so the increase is compared: published "
                       f"{e.value.central - e.baseline:,}, computed {added.describe()}.")
    elif e.kind == "level":
        computed, what = p.level, "(the level after a full upload)"
    elif e.kind == "factor":
        # "Could double": the level after the upload over the level now, compared in per cent (×2 = 200%):
        # 100 + the increase, whose ends pair the least added with the most held now (never now's
        # low end with the level's, which would claim more than the launchers carry).
        up = _percent(added, now)
        computed = Estimate(100 + up.low, 100 + up.central, 100 + up.high)
        what = "% of the level now, after the upload"
        return CrossCheck(e.party, e.kind, e.phrase, e.value, e.baseline, computed, what,
                          _close(computed, e.value.scaled(100)), tuple(reasons), e.source)
    else:  # increase_percent
        computed, what = _percent(added, now), "% increase"
    return CrossCheck(e.party, e.kind, e.phrase, e.value, e.baseline, computed, what, _close(computed, e.value),
                      tuple(reasons), e.source)


def _with_other(p: PartyCapacity, alt: PartyCapacity | None, other: str) -> PartyCapacity:
    if alt is None:
        return p
    checks = tuple(replace(c, reasons=(*c.reasons, f"Counted with {BOMBER_SHORT[other]}, the computed figure is "
                                                   f"{a.computed.describe()} {a.what}: {a.close}."))
                   for c, a in zip(p.checks, alt.checks, strict=True))
    return replace(p, checks=checks)


def upload_capacity(
    *,
    parties: Sequence[str] | None = None,
    caps: Sequence[int] = (),
    at: _dt.date | None = None,
    bombers: str = "one",
    series: str | None = None,
) -> UploadCapacity:
    """The upload capacity of ``parties`` (any case; default: every party with bundled per-system
    holdings) as of ``at`` (default today: the latest per-system data on or before it), with the
    time to pass New START's 1,550 and each of ``caps``; the reserve from the estimator ``series``
    (default: the first, the FAS Nuclear Notebook, whose per-system figures these are)."""
    if bombers not in BOMBER_COUNTING:
        raise InputError(f"must be one of {', '.join(BOMBER_COUNTING)}, not {bombers!r}", field="--bombers")
    day = at or _dt.date.today()
    known = list(dict.fromkeys(s.party for s in all_system_holdings()))
    if not known:
        raise InputError("no treaty profile bundles per-system holdings", field="--parties")
    wanted = canonical_parties(parties, known, field="--parties", where="parties with bundled per-system holdings")
    if wanted is not None and not wanted:  # an empty list asks about nobody; None asks the default
        raise InputError(f"give at least one party (known: {', '.join(known)})", field="--parties")
    record = _series()
    chosen: tuple[str, Holdings] | None = None
    if record:
        name = pick_series(series, list(record)) if series is not None else next(iter(record))
        chosen = (name, record[name])
    elif series is not None:
        raise InputError("no bundled estimate series", field="--series")
    all_caps = tuple(sorted({NEWSTART_WARHEADS, *caps}))
    found = [_party(p, day, bombers, all_caps, chosen) for p in (wanted or known)]
    # The cross-check also says what the other bomber counting would give: the published figures
    # start from New START's counting, the estimators' holdings count bomber weapons.
    other = "weapons" if bombers == "one" else "one"
    result = tuple(_with_other(p, _party(p.party, day, other, all_caps, chosen), other)
                   for p in found if p is not None)
    if not result:
        raise InputError(f"no per-system holdings on or before {day.isoformat()} for "
                         f"{', '.join(wanted or known)}", field="--at")
    missing = tuple((p, min(system_dates(p), default=None)) for p, f in zip(wanted or known, found, strict=True)
                    if f is None)
    return UploadCapacity(day, bombers, all_caps, result, missing)


#: The use case under the name the report's analyses use (``Analysis("capacity", …)``).
capacity = upload_capacity
