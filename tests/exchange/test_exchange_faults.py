"""Each injected fault yields exactly the expected finding (hypothesis property tests).

The faults are injected into consistent synthetic data (synth → replay → reconcile finds
nothing, see test_exchange_roundtrip.py), so whatever reconcile finds is the fault's doing.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt

from helpers import agreement, rules, synth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.exchange import Declaration, Notification, reconcile
from accord.exchange.deadlines import deadline

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.sampled_from([1, 2, 3])

# Which item fields each notification kind sets (docs/exchange.md, "Replay").
SETS = {"new_item": {"type", "system", "status", "facility", "launcher", "host", "warheads"},
        "movement": {"facility"}, "status_change": {"status"}, "conversion": {"status"},
        "elimination": {"status"}, "warhead_update": {"warheads"}}
MISSILE = ("icbm", "slbm")


def kinds(findings):
    return sorted(f.kind for f in findings)


def run(r, notes=None, nxt=None):
    return reconcile(r.declaration, r.notifications if notes is None else notes,
                     r.next_declaration if nxt is None else nxt, agreement(), rules=rules())


def fields_set(n: Notification, item_type: str) -> set[str]:
    out = set(SETS.get(n.kind, ()))
    if n.kind in ("status_change", "conversion", "elimination") and item_type in MISSILE:
        out |= {"launcher", "warheads"}
    if n.facility is not None:
        out.add("facility")
    return out


@SETTINGS
@given(seed=SEEDS, data=st.data())
def test_a_dropped_notification_is_found(seed, data):
    r = synth("US", "2020-09-01", seed)
    notes = list(r.notifications)
    types = {i.id: i.type for i in r.declaration.items + r.next_declaration.items}
    types.update({n.item: n.type for n in notes if n.kind == "new_item"})
    last = {n.item: k for k, n in enumerate(notes)}  # the item's last notification
    # Bomber trips abroad are not part of a declaration: dropping one shows only when the
    # next trip is notified (tested below).
    candidates = [k for k in last.values() if not notes[k].kind.startswith("bomber_")]
    k = data.draw(st.sampled_from(candidates))
    dropped = notes[k]
    findings = run(r, notes[:k] + notes[k + 1:])
    assert all(dropped.item in f.items for f in findings)
    itype = types[dropped.item]
    if dropped.kind == "new_item":
        assert kinds(findings) == ["unnotified_item"]
        return
    if dropped.kind == "elimination":
        assert kinds(findings) == ["missing_item"]
        return
    changed = fields_set(dropped, itype)
    item_fields = changed - {"warheads"}
    earlier = set()
    for n in notes[:k]:
        if n.item == dropped.item:
            earlier |= fields_set(n, itype)
    expected = []
    replayed_item = next((i for i in r.declaration.items if i.id == dropped.item), None)
    if item_fields:
        expected.append("missing_change" if item_fields & earlier else "unnotified_change")
    before = _warheads_before(r, notes[:k], dropped.item, replayed_item)
    after = next(i.warheads for i in r.next_declaration.items if i.id == dropped.item)
    if "warheads" in changed and before != after:
        expected.append("warhead_mismatch")
    assert kinds(findings) == sorted(expected)


def _warheads_before(r, notes, item_id, initial):
    w = initial.warheads if initial else 0
    for n in notes:
        if n.item != item_id:
            continue
        if n.kind == "warhead_update" or (n.kind == "new_item" and n.warheads is not None):
            w = n.warheads or 0
        elif n.kind in ("status_change", "conversion", "elimination") and (n.status != "deployed"):
            w = 0
    return w


def test_a_dropped_bomber_departure_makes_its_return_impossible():
    r = synth("US", "2020-09-01", 1)
    notes = list(r.notifications)
    k = next(k for k, n in enumerate(notes) if n.kind == "bomber_departure"
             and any(m.kind == "bomber_return" and m.item == n.item for m in notes[k:]))
    findings = run(r, notes[:k] + notes[k + 1:])
    ret = next(m for m in notes[k:] if m.kind == "bomber_return" and m.item == notes[k].item)
    assert [(f.kind, f.notifications) for f in findings] == [("impossible_transition", (ret.id,))]
    assert "without having departed" in findings[0].detail


@SETTINGS
@given(seed=SEEDS, data=st.data(), delta=st.sampled_from([-1, 1, 2]))
def test_an_altered_warhead_count_is_a_mismatch_at_that_base(seed, data, delta):
    r = synth("US", "2020-09-01", seed)
    items = list(r.next_declaration.items)
    deployed = [k for k, i in enumerate(items) if i.type in MISSILE and i.status == "deployed"
                and i.warheads + delta >= 1]
    k = data.draw(st.sampled_from(deployed))
    victim = items[k]
    items[k] = dataclasses.replace(victim, warheads=victim.warheads + delta)
    findings = run(r, nxt=dataclasses.replace(r.next_declaration, items=tuple(items)))
    assert len(findings) == 1
    f = findings[0]
    assert (f.kind, f.facility, f.items) == ("warhead_mismatch", victim.facility, (victim.id,))
    assert f.values["declared"] - f.values["replayed"] == delta


@SETTINGS
@given(seed=SEEDS, data=st.data(), days=st.integers(1, 60))
def test_a_late_notification_is_found_with_its_days_late(seed, data, days):
    r = synth("US", "2020-09-01", seed)
    notes = list(r.notifications)
    types = {i.id: i.type for i in r.declaration.items}
    k = data.draw(st.integers(0, len(notes) - 1))
    n = notes[k]
    due = deadline(agreement(), n.kind, types.get(n.item, n.type), n.date, rules())
    notes[k] = dataclasses.replace(n, sent=due + _dt.timedelta(days=days))
    findings = run(r, notes)
    assert [(f.kind, f.notifications, f.values["days_late"]) for f in findings] == [
        ("late_notification", (n.id,), days)]


@SETTINGS
@given(seed=SEEDS, data=st.data(), serial=st.integers(0, 10**6))
def test_a_forged_identifier_is_unknown(seed, data, serial):
    r = synth("US", "2020-09-01", seed)
    notes = list(r.notifications)
    k = data.draw(st.integers(0, len(notes)))
    day = notes[min(k, len(notes) - 1)].date
    forged = Notification(id="US-N-X", kind="movement", party="US", date=day, sent=day,
                          item=f"US-ICBM-F{serial}", facility="US-ICBM-STORAGE")
    findings = run(r, [*notes[:k], forged, *notes[k:]])
    assert [(f.kind, f.items, f.notifications) for f in findings] == [
        ("unknown_identifier", (forged.item,), ("US-N-X",))]


def test_a_forged_identifier_in_place_of_a_real_one_also_leaves_the_change_unnotified():
    r = synth("US", "2020-09-01", 1)
    notes = list(r.notifications)
    last = {n.item: k for k, n in enumerate(notes)}
    k = next(k for k in last.values() if notes[k].kind == "movement")
    real = notes[k]
    notes[k] = dataclasses.replace(real, item="US-ICBM-FORGED")
    assert sorted((f.kind, f.items) for f in run(r, notes)) == [
        ("unknown_identifier", ("US-ICBM-FORGED",)), ("unnotified_change", (real.item,))]


@SETTINGS
@given(seed=SEEDS, data=st.data(), later=st.integers(0, 30))
def test_an_eliminated_item_that_moves_is_an_impossible_transition(seed, data, later):
    r = synth("US", "2020-09-01", seed)
    notes = list(r.notifications)
    end = r.next_declaration.as_of
    eliminations = [n for n in notes if n.kind == "elimination" and n.date + _dt.timedelta(days=later) < end]
    e = data.draw(st.sampled_from(eliminations))
    day = e.date + _dt.timedelta(days=later)
    ghost = Notification(id="US-N-GHOST", kind="movement", party="US", date=day, sent=day, item=e.item,
                         facility="US-ICBM-STORAGE")
    findings = run(r, [*notes, ghost])
    assert [(f.kind, f.items, f.notifications) for f in findings] == [
        ("impossible_transition", (e.item,), ("US-N-GHOST",))]
    assert "eliminated" in findings[0].detail


def test_an_undeclared_item_is_unnotified_and_a_dropped_one_is_missing():
    r = synth("US", "2020-09-01", 2)
    items = list(r.next_declaration.items)
    extra = dataclasses.replace(items[0], id="US-ICBM-EXTRA", launcher=None, status="non_deployed", warheads=0)
    nxt: Declaration = dataclasses.replace(r.next_declaration, items=tuple([*items[1:], extra]))
    got = sorted((f.kind, f.items) for f in run(r, nxt=nxt))
    assert got == sorted([("unnotified_item", ("US-ICBM-EXTRA",)), ("missing_item", (items[0].id,))])


def test_a_duplicate_and_an_out_of_period_notification_are_found():
    r = synth("US", "2020-09-01", 3)
    notes = list(r.notifications)
    early = dataclasses.replace(notes[0], id="US-N-EARLY", date=r.declaration.as_of - _dt.timedelta(days=3),
                                sent=r.declaration.as_of - _dt.timedelta(days=1))
    found = run(r, [*notes, notes[-1], early])
    assert sorted((f.kind, f.notifications) for f in found) == [
        ("duplicate_notification", (notes[-1].id,)), ("outside_period", ("US-N-EARLY",))]
