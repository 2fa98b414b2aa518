"""Replay and reconcile one million notifications over 100,000 items.

Data: one synthetic US database (``accord synth``, 2020-09-01, 50 times the usual activity:
about ten notifications per item in six months) cloned into disjoint copies (identifiers
suffixed) until there are about 100,000 items and a million notifications — cloning instead
of synthesizing at scale keeps the set-up to a few seconds.
The reconciliation must find nothing (every copy is consistent) before its speed counts.

Baseline, in the same run and over the same ordered events: a bare dict-update loop
(``state[item] = status``) — the least work any replay can do.
The last line is one JSON object: events_per_s, baseline_per_s, ratio (ours / baseline).

    python benchmarks/replay.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import time

from accord.app.library import load_agreement
from accord.exchange import Declaration, Item, Notification, reconcile
from accord.exchange.replay import order
from accord.profiles.newstart.exchange_rules import RULES
from accord.profiles.newstart.synth import synthesize


def clone(decl: Declaration, nxt: Declaration, notes: tuple[Notification, ...], copies: int
          ) -> tuple[Declaration, list[Notification], Declaration]:
    """``copies`` disjoint copies of a declaration pair and its notifications."""
    def items(d: Declaration, sfx: str) -> list[Item]:
        return [Item(i.id + sfx, i.type, i.system, i.status, i.facility, i.warheads,
                     i.launcher + sfx if i.launcher else None, i.host + sfx if i.host else None) for i in d.items]

    first: list[Item] = []
    second: list[Item] = []
    events: list[Notification] = []
    for c in range(copies):
        sfx = f"-{c:03d}"
        first += items(decl, sfx)
        second += items(nxt, sfx)
        events += [Notification(n.id + sfx, n.kind, n.party, n.date, n.sent, n.item + sfx, n.type, n.system,
                                n.status, n.from_status, n.facility, n.from_facility,
                                n.launcher + sfx if n.launcher else None, n.host + sfx if n.host else None,
                                n.warheads, n.synthetic) for n in notes]
    mk = lambda d, its: Declaration(d.party, d.as_of, d.agreement, d.facilities, tuple(its), True)  # noqa: E731
    return mk(decl, first), events, mk(nxt, second)


def baseline(decl: Declaration, events: list[Notification]) -> dict[str, str]:
    state = {i.id: i.status for i in decl.items}
    for n in events:
        state[n.item] = n.kind
    return state


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the data")
    args = ap.parse_args()
    t_start = time.perf_counter()
    gc.disable()  # set-up only: a million new objects would trigger many full collections
    agreement = load_agreement("newstart-2021")
    target_items, target_events = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    repeats = 1
    # About 20,000 notifications on the ~2,000 items of one copy: ten per item in six months.
    base = synthesize(agreement, "US", _dt.date(2020, 9, 1), seed=7, activity=50.0)
    copies = max(1, round(target_items / len(base.declaration.items)))
    keep = max(1, target_events // copies)
    # A prefix of the stream (cut between days) with the replayed state as the next
    # declaration when fewer events are wanted than one copy has.
    notes, nxt = base.notifications, base.next_declaration
    if keep < len(notes):
        from accord.exchange import replay

        stop = notes[keep].date
        notes = tuple(n for n in notes if n.date < stop)
        nxt = replay(base.declaration, notes, agreement, at=stop, rules=RULES).declaration()
    decl, events, next_decl = clone(base.declaration, nxt, notes, copies)
    gc.enable()  # the timed part runs with the collector on, as it does for a user
    setup = time.perf_counter() - t_start

    ours, base_t = [], []
    findings: list = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        findings = reconcile(decl, events, next_decl, agreement, rules=RULES)
        ours.append(time.perf_counter() - t0)
        ordered = order(events)
        t0 = time.perf_counter()
        baseline(decl, ordered)
        base_t.append(time.perf_counter() - t0)
    assert not findings, f"consistent data gave {len(findings)} findings, e.g. {findings[0]}"
    n = len(events)
    best, best_base = min(ours), min(base_t)
    print(f"items: {len(decl.items):,}; notifications: {n:,}; copies: {copies}; set-up {setup:.1f} s; "
          f"best of {repeats}")
    print(f"accord replay + reconcile: {best:6.2f} s  ({n / best:,.0f} events/s)")
    print(f"bare dict-update loop:     {best_base:6.2f} s  ({n / best_base:,.0f} events/s)")
    print(f"total run: {time.perf_counter() - t_start:.1f} s")
    print(json.dumps({"benchmark": "replay", "items": len(decl.items), "events": n, "seconds": round(best, 4),
                      "events_per_s": round(n / best), "baseline_per_s": round(n / best_base),
                      "ratio": round(best_base / best, 4)}))


if __name__ == "__main__":
    main()
