"""Synthetic, reproducible Protocol databases: a declaration whose counts under the
agreement's rules equal the published figures, six months of activity, and the declaration
that follows from it.

Honesty rules (docs/exchange.md, "Synthetic data"): every file says ``"synthetic": true``;
every assumption the published record does not fix is written into the declarations'
``notes``; a party or date the bundled data cannot support is refused (InputError). The
same party, date, months, seed and scale always give the same files.

The activity is illustrative, not a record: ICBM maintenance rotations (missile out of its
silo, to storage, a spare emplaced), SLBM exchanges at patrol turnarounds, submarines
off-loading for refit and loading out for patrol (patrols themselves are not notifiable),
heavy bombers abroad for more than 24 hours and back, bombers in and out of repair, new
SLBMs entering accountability, eliminations, the odd bomber conversion, and warhead loading
changes reported with the six-monthly update. Rates are in :data:`RATES`. The next declaration is this simulation's
own state (kept apart from :mod:`.replay`, so that reconciling the two tests the replay).
"""

from __future__ import annotations

import datetime as _dt
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...agreements.model import Agreement
from ...errors import InputError
from ...exchange.deadlines import deadline_days, next_update_due
from ...exchange.model import Declaration, Facility, Item, Notification
from ...exchange.rules import Action
from ...forces.counting import count_items
from ...forces.items import ItemTable
from ...periods import add_months
from .exchange_rules import RULES
from .targets import SYSTEMS, Targets, _apportion, targets

_BREAKDOWN_URL = "https://www.exchangemonitor.com/latest-new-start-release-breaks-icbm-slbm-bomber-types-2/?printmode=1"

#: Public operating bases (names and roles from the bundled US breakdown notes, 2017) and
#: the weights used to spread items among them (the 2017 per-base deployed counts).
US_BASES: tuple[tuple[str, str, str, float, str], ...] = (
    ("US-ICBM-WARREN", "icbm_base", "F.E. Warren AFB", 136, "icbm"),
    ("US-ICBM-MALMSTROM", "icbm_base", "Malmstrom AFB", 133, "icbm"),
    ("US-ICBM-MINOT", "icbm_base", "Minot AFB (ICBM wing)", 136, "icbm"),
    ("US-SUB-KINGSBAY", "submarine_base", "Naval Submarine Base Kings Bay", 100, "slbm"),
    ("US-SUB-BANGOR", "submarine_base", "Naval Base Kitsap-Bangor (Silverdale)", 120, "slbm"),
    ("US-AIR-WHITEMAN", "air_base", "Whiteman AFB", 1, "B-2A"),
    ("US-AIR-BARKSDALE", "air_base", "Barksdale AFB", 1, "B-52H"),
    ("US-AIR-MINOT", "air_base", "Minot AFB (bomber wing)", 1, "B-52H"),
)
#: Facilities every synthetic database has, with invented names (their real names and
#: locations are not in the bundled data).
OTHER_FACILITIES: tuple[tuple[str, str, str], ...] = (
    ("ICBM-STORAGE", "storage_facility", "ICBM storage facility (invented name)"),
    ("ICBM-TEST", "test_range", "ICBM test range (invented name)"),
    ("HB-TEST", "test_range", "Heavy bomber test facility (invented name)"),
    ("HB-REPAIR", "repair_facility", "Heavy bomber repair facility (invented name)"),
    ("CE", "conversion_or_elimination_facility", "Conversion or elimination facility (invented name)"),
)
RU_BASES = (("icbm_base", "icbm", 6), ("submarine_base", "slbm", 2), ("air_base", "heavy_bomber", 2))
TUBES_PER_HULL = {"US": 20, "RU": 16}  # US: 14 Ohio-class x 20 (force_systems.csv); RU: Borei, 16

#: Activity starts per month at scale 1 (illustrative rates, not published figures).
RATES: dict[str, float] = {
    "icbm_rotation": 4.0,
    "slbm_exchange": 6.0,
    "hull_swap": 0.5,
    "bomber_abroad": 3.0,
    "bomber_repair": 1.0,
    "bomber_back": 1.0,
    "new_slbm": 1.0,
    "elimination": 1.0,
    "conversion": 0.1,
    "warhead_change": 3.0,
}


@dataclass(frozen=True)
class SynthResult:
    """What :func:`synthesize` made: the two declarations, the notifications between them,
    the targets it matched and the notes (assumptions) it wrote into every file."""

    declaration: Declaration
    notifications: tuple[Notification, ...]
    next_declaration: Declaration
    targets: Targets
    notes: tuple[str, ...]

    @property
    def published(self) -> Mapping[str, int]:
        """The published totals per limit that the declaration reproduces."""
        return self.targets.published

    @property
    def published_counts(self) -> Mapping[str, int]:
        """The published per-category counts that the declaration reproduces."""
        return self.targets.published_counts


class _Draws:
    """Uniform draws from a seeded numpy Generator, taken in batches (a numpy call per draw
    would cost more than the event it decides)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.buf: list[float] = []
        self.pos = 0

    def u(self) -> float:
        if self.pos >= len(self.buf):
            self.buf = self.rng.random(65536).tolist()
            self.pos = 0
        self.pos += 1
        return self.buf[self.pos - 1]

    def below(self, n: int) -> int:
        return int(self.u() * n)

    def between(self, lo: int, hi: int) -> int:
        """A whole number in ``[lo, hi]``."""
        return lo + int(self.u() * (hi - lo + 1))


class _Pool:
    """A set of item ids with O(1) add, remove and random pick."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}

    def add(self, iid: str) -> None:
        if iid not in self.pos:
            self.pos[iid] = len(self.ids)
            self.ids.append(iid)

    def discard(self, iid: str) -> None:
        i = self.pos.pop(iid, None)
        if i is None:
            return
        last = self.ids.pop()
        if last != iid:
            self.ids[i] = last
            self.pos[last] = i

    def pick(self, draws: _Draws) -> str | None:
        return self.ids[draws.below(len(self.ids))] if self.ids else None

    def __len__(self) -> int:
        return len(self.ids)


def spread_warheads(n: int, total: int, cap: int, draws: _Draws) -> list[int]:
    """``n`` loadings in ``[1, cap]`` summing to ``total``, spread at random."""
    if n == 0:
        return []
    if not n <= total <= n * cap:
        raise ValueError(f"cannot put {total} warheads on {n} missiles of at most {cap}")
    w = [1] * n
    extra = total - n
    free = [i for i in range(n) if w[i] < cap]
    while extra:
        i = free[draws.below(len(free))]
        w[i] += 1
        extra -= 1
        if w[i] == cap:
            free.remove(i)
    return w


class _World:
    """The synthetic force and its simulation: items, pools of ready items, events."""

    def __init__(self, agreement: Agreement, tg: Targets, scale: int, draws: _Draws) -> None:
        self.agreement = agreement
        self.party = tg.party
        self.tg = tg
        self.scale = scale
        self.draws = draws
        self.facilities: list[Facility] = []
        self.items: dict[str, dict[str, Any]] = {}
        self.pools: dict[tuple[Any, ...], _Pool] = {}
        self.busy: set[str] = set()
        self.notes_out: list[Notification] = []
        self.heap: list[tuple[int, int, Callable[..., None], tuple[Any, ...]]] = []
        self.seq = 0
        self.counters: dict[str, int] = {}
        self.sent_cache: dict[tuple[str, str], int] = {}
        self.bases: dict[str, list[tuple[str, float]]] = {}  # role -> [(facility id, weight)]
        self.hulls: dict[str, list[str]] = {}  # hull id -> tube ids
        self.hull_base: dict[str, str] = {}
        self.tube_missile: dict[str, str] = {}  # launcher id -> the missile in it
        self.dates: dict[int, _dt.date] = {}

    # --- ids and pools ------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{self.party}-{prefix}-{n:06d}" if self.scale > 1 else f"{self.party}-{prefix}-{n:05d}"

    def pool(self, *key: Any) -> _Pool:
        p = self.pools.get(key)
        if p is None:
            p = self.pools[key] = _Pool()
        return p

    def index(self, iid: str) -> None:
        it = self.items[iid]
        t, st = it["type"], it["status"]
        self.pool(t, st, it["facility"]).add(iid)
        self.pool(t, st, "*").add(iid)

    def unindex(self, iid: str) -> None:
        it = self.items[iid]
        t, st = it["type"], it["status"]
        self.pools[(t, st, it["facility"])].discard(iid)
        self.pools[(t, st, "*")].discard(iid)

    def add_item(self, prefix: str, type_: str, system: str, status: str, facility: str, **extra: Any) -> str:
        iid = self.new_id(prefix)
        self.items[iid] = {"type": type_, "system": system, "status": status, "facility": facility,
                           "warheads": 0, "launcher": None, "host": None, "abroad": False, **extra}
        self.index(iid)
        return iid

    def pick(self, type_: str, status: str, facility: str = "*") -> str | None:
        """A random item of a type and status (at a facility), not busy in another activity."""
        p = self.pools.get((type_, status, facility))
        if not p:
            return None
        for _ in range(8):  # a few tries, then give up: busy items are a small minority
            iid = p.pick(self.draws)
            if iid is not None and iid not in self.busy:
                return iid
        return None

    # --- events -------------------------------------------------------------------------
    def date(self, day: int) -> _dt.date:
        d = self.dates.get(day)
        if d is None:
            d = self.dates[day] = _dt.date.fromordinal(day)
        return d

    def at(self, day: int, fn: Callable[..., None], *args: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (day, self.seq, fn, args))

    def notify(self, kind: str, day: int, iid: str, **fields: Any) -> None:
        """Record a notification, sent within the agreement's deadline for its kind."""
        it = self.items[iid]
        date = self.date(day)
        if RULES.action(kind) is Action.WARHEADS:
            due = next_update_due(self.agreement, date)
            sent = due if due is not None else date
        else:
            key = (kind, it["type"])
            limit = self.sent_cache.get(key)
            if limit is None:
                d = deadline_days(self.agreement, kind, it["type"], RULES)
                limit = self.sent_cache[key] = 0 if d is None else d
            sent = self.date(day + self.draws.between(0, limit))
        self.notes_out.append(Notification(
            id=f"{self.party}-N-{len(self.notes_out) + 1:07d}", kind=kind, party=self.party, date=date,
            sent=sent, item=iid, synthetic=True, **fields))

    def set(self, iid: str, **changes: Any) -> None:
        it = self.items[iid]
        if "launcher" in changes and changes["launcher"] != it["launcher"]:
            if it["launcher"] is not None:
                self.tube_missile.pop(it["launcher"], None)
            if changes["launcher"] is not None:
                self.tube_missile[changes["launcher"]] = iid
        # Pools are keyed by type, status and facility: re-index only when those change.
        reindex = ("status" in changes and changes["status"] != it["status"]) or (
            "facility" in changes and changes["facility"] != it["facility"])
        if reindex:
            self.unindex(iid)
        it.update(changes)
        if reindex and it["status"] != "eliminated":
            self.index(iid)

    # --- state changes that notify ------------------------------------------------------
    def move(self, day: int, iid: str, to: str) -> None:
        frm = self.items[iid]["facility"]
        self.set(iid, facility=to)
        self.notify("movement", day, iid, facility=to, from_facility=frm)

    def status(self, day: int, iid: str, new: str, launcher: str | None = None) -> None:
        it = self.items[iid]
        old = it["status"]
        changes: dict[str, Any] = {"status": new}
        if it["type"] in ("icbm", "slbm"):
            changes["launcher"] = launcher if new == "deployed" else None
            if new != "deployed":
                changes["warheads"] = 0
        self.set(iid, **changes)
        self.notify("status_change", day, iid, status=new, from_status=old,
                    launcher=launcher if new == "deployed" else None)

    def load(self, day: int, missile: str, launcher: str, warheads: int) -> None:
        self.status(day, missile, "deployed", launcher)
        self.status(day, launcher, "deployed")
        self.set(missile, warheads=warheads)
        self.notify("warhead_update", day, missile, warheads=warheads)

    def unload(self, day: int, missile: str) -> tuple[str, int]:
        it = self.items[missile]
        launcher, w = it["launcher"], it["warheads"]
        self.status(day, missile, "non_deployed")
        self.status(day, launcher, "non_deployed")
        return launcher, w


def _build(w: _World, tg: Targets) -> None:
    """Facilities and items matching the targets (times the scale)."""
    party, k, draws = w.party, w.scale, w.draws
    strata = {(s.type, s.system, s.status): s.count * k for s in tg.strata}
    sys_of = SYSTEMS[party]

    def base_list(role: str) -> list[tuple[str, float]]:
        return w.bases.get(role, [])

    if party == "US":
        for fid, ftype, name, weight, role in US_BASES:
            w.facilities.append(Facility(fid, ftype, name, _BREAKDOWN_URL,
                                         "operating base named in the published US breakdown notes"))
            w.bases.setdefault(role, []).append((fid, weight))
    else:
        for ftype, role, n in RU_BASES:
            for j in range(1, n + 1):
                fid = f"{party}-{ftype.split('_')[0].upper()}-{j}"
                w.facilities.append(Facility(fid, ftype, f"{party} {ftype.replace('_', ' ')} {j} (invented name)"))
                w.bases.setdefault(role, []).append((fid, 1.0))
        w.bases[sys_of["heavy_bomber"][0]] = w.bases["heavy_bomber"]
    for suffix, ftype, name in OTHER_FACILITIES:
        w.facilities.append(Facility(f"{party}-{suffix}", ftype, name))
    storage, icbm_test, hb_test, repair = (f"{party}-ICBM-STORAGE", f"{party}-ICBM-TEST", f"{party}-HB-TEST",
                                           f"{party}-HB-REPAIR")

    def spread(n: int, role: str) -> list[str]:
        bases = base_list(role)
        out: list[str] = []
        for (fid, _), m in zip(bases, _apportion(n, [b[1] for b in bases]), strict=True):
            out.extend([fid] * m)
        return out

    # ICBM silos: deployed ones hold a deployed ICBM; test launchers sit at the test range.
    icbm_sys = sys_of["icbm"][0]
    n_dep = strata.get(("icbm", icbm_sys, "deployed"), 0)
    n_silo = n_dep + strata.get(("icbm_launcher", icbm_sys, "non_deployed"), 0)
    silo_base = spread(n_silo, "icbm")
    order = list(range(n_silo))
    draws.rng.shuffle(order)
    loads = spread_warheads(n_dep, tg.warheads[icbm_sys] * k, tg.max_loading[icbm_sys], draws)
    for j, i in enumerate(order):
        base = silo_base[i]
        if j < n_dep:
            silo = w.add_item("ICBM-L", "icbm_launcher", icbm_sys, "deployed", base)
            m = w.add_item("ICBM", "icbm", icbm_sys, "deployed", base)
            w.set(m, launcher=silo, warheads=loads[j])
        else:
            w.add_item("ICBM-L", "icbm_launcher", icbm_sys, "non_deployed", base)
    for _ in range(strata.get(("icbm_launcher", icbm_sys, "test"), 0)):
        w.add_item("ICBM-L", "icbm_launcher", icbm_sys, "test", icbm_test)
    for _ in range(strata.get(("icbm", icbm_sys, "non_deployed"), 0)):
        w.add_item("ICBM", "icbm", icbm_sys, "non_deployed", storage)

    # SLBM tubes on hulls of 20 (16); loaded hulls first, so a few hulls are empty (refit).
    slbm_sys = sys_of["slbm"][0]
    per = TUBES_PER_HULL[party]
    n_dep = strata.get(("slbm", slbm_sys, "deployed"), 0)
    n_tube = n_dep + strata.get(("slbm_launcher", slbm_sys, "non_deployed"), 0)
    n_hull = -(-n_tube // per)
    hull_base = spread(n_hull, "slbm")
    loads = spread_warheads(n_dep, tg.warheads[slbm_sys] * k, tg.max_loading[slbm_sys], draws)
    t = 0
    for h in range(n_hull):
        hull = f"{party}-SSBN-{h + 1:03d}"
        base = hull_base[h]
        w.hull_base[hull] = base
        w.hulls[hull] = []
        for _ in range(min(per, n_tube - h * per)):
            if t < n_dep:
                tube = w.add_item("SLBM-L", "slbm_launcher", slbm_sys, "deployed", base, host=hull)
                m = w.add_item("SLBM", "slbm", slbm_sys, "deployed", base)
                w.set(m, launcher=tube, warheads=loads[t])
            else:
                tube = w.add_item("SLBM-L", "slbm_launcher", slbm_sys, "non_deployed", base, host=hull)
            w.hulls[hull].append(tube)
            t += 1
    for _ in range(strata.get(("slbm_launcher", slbm_sys, "test"), 0)):
        w.add_item("SLBM-L", "slbm_launcher", slbm_sys, "test", icbm_test)
    n_spare = strata.get(("slbm", slbm_sys, "non_deployed"), 0)
    for base in spread(n_spare, "slbm"):
        w.add_item("SLBM", "slbm", slbm_sys, "non_deployed", base)
    # Launchers the record counts as converted or turned into training silos (US 1 Sep 2017:
    # 56 SLBM tubes deactivated; Russia's March 2022 statement: 56 tubes and 4 training silos).
    for base in spread(strata.get(("slbm_launcher", slbm_sys, "converted"), 0), "slbm"):
        w.add_item("SLBM-L", "slbm_launcher", slbm_sys, "converted", base)
    for _ in range(strata.get(("icbm_launcher", icbm_sys, "training"), 0)):
        w.add_item("ICBM-L", "icbm_launcher", icbm_sys, "training", icbm_test)

    # Heavy bombers: deployed and converted at their air bases, non-deployed in repair,
    # test bombers at the test facility.
    for hb_sys in sys_of["heavy_bomber"]:
        for status in ("deployed", "converted", "non_deployed", "test"):
            n = strata.get(("heavy_bomber", hb_sys, status), 0)
            places = (spread(n, hb_sys) if status in ("deployed", "converted")
                      else [repair if status == "non_deployed" else hb_test] * n)
            for fac in places:
                w.add_item("HB", "heavy_bomber", hb_sys, status, fac)


# --- activities ---------------------------------------------------------------------------

def _icbm_rotation(w: _World, day: int) -> None:
    m = w.pick("icbm", "deployed")
    if m is None:
        return
    base = w.items[m]["facility"]
    w.busy.add(m)
    silo, warheads = w.unload(day, m)
    w.busy.add(silo)
    w.at(day + w.draws.between(1, 3), _icbm_to_storage, m)
    w.at(day + w.draws.between(5, 40), _icbm_emplace, silo, base, warheads)


def _icbm_to_storage(w: _World, day: int, m: str) -> None:
    w.move(day, m, f"{w.party}-ICBM-STORAGE")
    w.busy.discard(m)


def _icbm_emplace(w: _World, day: int, silo: str, base: str, warheads: int) -> None:
    spare = w.pick("icbm", "non_deployed", f"{w.party}-ICBM-STORAGE")
    if spare is None:
        w.busy.discard(silo)
        return
    w.busy.add(spare)
    w.move(day, spare, base)
    w.at(day + w.draws.between(1, 3), _icbm_load, spare, silo, warheads)


def _icbm_load(w: _World, day: int, m: str, silo: str, warheads: int) -> None:
    w.load(day, m, silo, warheads)
    w.busy.discard(m)
    w.busy.discard(silo)


def _slbm_exchange(w: _World, day: int) -> None:
    m = w.pick("slbm", "deployed")
    if m is None:
        return
    base = w.items[m]["facility"]
    tube, warheads = w.unload(day, m)
    w.busy.add(tube)
    w.at(day + w.draws.between(1, 4), _slbm_reload, tube, base, warheads)


def _slbm_reload(w: _World, day: int, tube: str, base: str, warheads: int) -> None:
    spare = w.pick("slbm", "non_deployed", base)
    if spare is not None:
        w.load(day, spare, tube, warheads)
    w.busy.discard(tube)


def _random_hull(w: _World, wanted: Callable[[list[str]], bool]) -> str | None:
    """A hull whose tubes satisfy ``wanted`` (a few random tries)."""
    hulls = list(w.hulls)
    for _ in range(8):
        hull = hulls[w.draws.below(len(hulls))] if hulls else None
        if hull and wanted(w.hulls[hull]):
            return hull
    return None


def _hull_swap(w: _World, day: int) -> None:
    """One submarine off-loads for refit and an empty one loads out for patrol, with the
    same loadings, so that the force stays about level (as the US force did)."""
    items, busy = w.items, w.busy

    def loaded(tubes: list[str]) -> bool:
        return bool(sum(items[t]["status"] == "deployed" and t not in busy for t in tubes) * 4 >= 3 * len(tubes))

    def empty(tubes: list[str]) -> bool:
        return all(items[t]["status"] == "non_deployed" and t not in busy for t in tubes)

    full, idle = _random_hull(w, loaded), _random_hull(w, empty)
    if full is None or idle is None:
        return
    loads = []
    for tube in w.hulls[full]:
        m = w.tube_missile.get(tube)
        if m is not None and tube not in busy:
            loads.append(items[m]["warheads"])
            busy.add(tube)
            w.at(day + w.draws.between(0, 2), _tube_offload, tube)
    base = w.hull_base[idle]
    start = day + w.draws.between(3, 10)
    for tube, warheads in zip(w.hulls[idle], loads, strict=False):
        busy.add(tube)
        w.at(start + w.draws.between(0, 2), _tube_load, tube, base, warheads)


def _tube_offload(w: _World, day: int, tube: str) -> None:
    m = w.tube_missile.get(tube)
    if m is not None:
        w.unload(day, m)
    w.busy.discard(tube)


def _tube_load(w: _World, day: int, tube: str, base: str, warheads: int) -> None:
    spare = w.pick("slbm", "non_deployed", base)
    if spare is not None and w.items[tube]["status"] == "non_deployed":
        w.load(day, spare, tube, warheads)
    w.busy.discard(tube)


def _bomber_abroad(w: _World, day: int) -> None:
    b = w.pick("heavy_bomber", "deployed")
    if b is None:
        return
    w.busy.add(b)
    w.items[b]["abroad"] = True
    w.notify("bomber_departure", day, b)
    w.at(day + w.draws.between(2, 21), _bomber_home, b)


def _bomber_home(w: _World, day: int, b: str) -> None:
    w.items[b]["abroad"] = False
    w.notify("bomber_return", day, b)
    w.busy.discard(b)


def _bomber_repair(w: _World, day: int) -> None:
    b = w.pick("heavy_bomber", "deployed")
    if b is None:
        return
    home = w.items[b]["facility"]
    w.busy.add(b)
    w.move(day, b, f"{w.party}-HB-REPAIR")
    w.status(day, b, "non_deployed")
    w.at(day + w.draws.between(20, 90), _bomber_return_from_repair, b, home)


def _bomber_return_from_repair(w: _World, day: int, b: str, home: str) -> None:
    w.move(day, b, home)
    w.status(day, b, "deployed")
    w.busy.discard(b)


def _bomber_back(w: _World, day: int) -> None:
    b = w.pick("heavy_bomber", "non_deployed", f"{w.party}-HB-REPAIR")
    if b is None:
        return
    bases = w.bases.get(w.items[b]["system"]) or w.bases.get("heavy_bomber") or []
    if not bases:
        return
    _bomber_return_from_repair(w, day, b, bases[w.draws.below(len(bases))][0])


def _new_slbm(w: _World, day: int) -> None:
    bases = w.bases.get("slbm", [])
    if not bases:
        return
    base = bases[w.draws.below(len(bases))][0]
    system = SYSTEMS[w.party]["slbm"][0]
    m = w.add_item("SLBM", "slbm", system, "non_deployed", base)
    w.notify("new_item", day, m, type="slbm", system=system, status="non_deployed", facility=base)


def _elimination(w: _World, day: int) -> None:
    kind = "icbm" if w.draws.u() < 0.5 else "slbm"
    m = w.pick(kind, "non_deployed")
    if m is None:
        return
    w.busy.add(m)
    w.move(day, m, f"{w.party}-CE")
    w.at(day + w.draws.between(1, 10), _eliminate, m)


def _eliminate(w: _World, day: int, m: str) -> None:
    w.set(m, status="eliminated", warheads=0, launcher=None)
    w.notify("elimination", day, m)
    w.busy.discard(m)


def _conversion(w: _World, day: int) -> None:
    b = w.pick("heavy_bomber", "non_deployed", f"{w.party}-HB-REPAIR")
    if b is None:
        return
    w.set(b, status="converted")
    w.notify("conversion", day, b, status="converted")


def _warhead_change(w: _World, day: int) -> None:
    m = w.pick("slbm", "deployed")
    if m is None:
        return
    cap = w.tg.max_loading[w.items[m]["system"]]
    old = w.items[m]["warheads"]
    new = min(cap, max(1, old + (1 if w.draws.u() < 0.5 else -1)))
    if new != old:
        w.set(m, warheads=new)
        w.notify("warhead_update", day, m, warheads=new)


ACTIVITIES: dict[str, Callable[[_World, int], None]] = {
    "icbm_rotation": _icbm_rotation, "slbm_exchange": _slbm_exchange, "hull_swap": _hull_swap,
    "bomber_abroad": _bomber_abroad, "bomber_repair": _bomber_repair,
    "bomber_back": _bomber_back, "new_slbm": _new_slbm, "elimination": _elimination,
    "conversion": _conversion, "warhead_change": _warhead_change,
}


def _declaration(w: _World, day: _dt.date, notes: tuple[str, ...], agreement_id: str) -> Declaration:
    items = tuple(Item(iid, it["type"], it["system"], it["status"], it["facility"], it["warheads"],
                       it["launcher"], it["host"])
                  for iid, it in w.items.items() if it["status"] != "eliminated")
    return Declaration(w.party, day, agreement_id, tuple(w.facilities), items, True, notes)


def synthesize(
    agreement: Agreement,
    party: str,
    as_of: _dt.date,
    *,
    months: int = 6,
    seed: int = 0,
    scale: int = 1,
    activity: float = 1.0,
) -> SynthResult:
    """A synthetic declaration of ``party`` as of ``as_of`` matching the bundled published
    figures under ``agreement``'s counting rules (times ``scale``), ``months`` of activity
    (rates times ``scale`` times ``activity``) and the declaration that follows.

    Raises InputError for a party or date the bundled data cannot support, or bad options.
    """
    if months < 1 or months > 60:
        raise InputError(f"months must be between 1 and 60, not {months}", field="--months")
    if scale < 1:
        raise InputError(f"scale must be a whole number >= 1, not {scale}", field="--scale")
    if activity < 0:
        raise InputError(f"activity must be >= 0, not {activity}", field="activity")
    tg = targets(agreement, party, as_of)
    rng = np.random.default_rng(seed)
    draws = _Draws(rng)
    w = _World(agreement, tg, scale, draws)
    _build(w, tg)
    end = add_months(as_of, months)

    notes = [
        f"SYNTHETIC DATA made by accord synth (party {party}, as of {as_of.isoformat()}, seed {seed}, "
        f"scale {scale}): not any party's declaration. Identifiers, facility assignments, loadings "
        "and activity are invented.",
        ("Counts under the agreement's rules equal the published figures: "
         + ", ".join(f"{k} {v:,}" for k, v in tg.published.items())
         + (", and the published per-category counts " + ", ".join(f"{k} {v:,}" for k, v in tg.published_counts.items())
            if tg.published_counts else "")
         + "." if scale == 1 else f"Counts are {scale} times the published figures (--scale {scale})."),
        "Published figures from: " + "; ".join(tg.sources),
        *("Assumed: " + a for a in tg.assumptions),
    ]
    decl = _declaration(w, as_of, tuple(notes), agreement.id)
    _check_counts(agreement, decl, tg, scale)

    start, stop = as_of.toordinal(), end.toordinal()
    for name, rate in RATES.items():
        n = int(rng.poisson(rate * months * scale * activity))
        for d in sorted(rng.integers(start, stop, size=n).tolist()):
            w.at(d, ACTIVITIES[name])
    heap = w.heap
    while heap:
        day, _, fn, args = heapq.heappop(heap)
        if day >= stop:
            break  # follow-ups after the period end do not happen in it
        fn(w, day, *args)
    next_notes = (
        notes[0],
        f"The state after {months} month(s) of synthetic activity from {as_of.isoformat()} "
        "(the notifications file); not matched to any later published exchange.",
        *notes[2:],
    )
    next_decl = _declaration(w, end, next_notes, agreement.id)
    return SynthResult(decl, tuple(w.notes_out), next_decl, tg, tuple(notes))


def _check_counts(agreement: Agreement, decl: Declaration, tg: Targets, scale: int) -> None:
    """The built database must reproduce the targets under the counting rules (a bug if not)."""
    counts = count_items(agreement, ItemTable.from_records(decl.records()))
    for lim in agreement.limits:
        if lim.id in tg.published:
            got = sum(counts.get(c, 0) for c in lim.categories)
            if got != tg.published[lim.id] * scale:
                raise AssertionError(f"synth built {got} for {lim.id}, target {tg.published[lim.id] * scale}")
    for cat, value in tg.published_counts.items():
        if counts.get(cat, 0) != value * scale:
            raise AssertionError(f"synth built {counts.get(cat)} for {cat}, target {value * scale}")


def synth_files(result: SynthResult) -> dict[str, str]:
    """File name → text of the three files synth writes."""
    from ...exchange.io import dump_declaration, dump_notifications

    return {
        "declaration.json": dump_declaration(result.declaration),
        "notifications.jsonl": dump_notifications(result.notifications),
        "next-declaration.json": dump_declaration(result.next_declaration),
    }
