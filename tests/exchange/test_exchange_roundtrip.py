"""synth → replay → reconcile finds nothing; files round-trip; replay gives states in between."""

from __future__ import annotations

import datetime as _dt

import pytest
from helpers import agreement, rules, synth

from accord.app.exchange import replay_ledger
from accord.exchange import (
    read_declaration,
    read_notifications,
    reconcile,
    replay,
)
from accord.forces import ItemTable, count_items
from accord.profiles.newstart.synth import synth_files

CASES = [
    ("US", "2020-09-01", 1), ("US", "2020-09-01", 2), ("US", "2020-09-01", 3),
    ("US", "2021-03-01", 4), ("US", "2013-03-01", 5), ("RU", "2020-09-01", 6), ("RU", "2017-09-01", 7),
    # dates whose record counts converted SLBM launchers and training silos (review finding)
    ("US", "2017-09-01", 8), ("US", "2022-03-01", 9),
]


@pytest.mark.parametrize("party,as_of,seed", CASES)
def test_synth_replay_reconcile_finds_nothing(party, as_of, seed):
    r = synth(party, as_of, seed)
    assert len(r.notifications) > 200  # six months of real activity, not an empty stream
    assert reconcile(r.declaration, r.notifications, r.next_declaration, agreement(), rules=rules()) == []


@pytest.mark.parametrize("party,as_of,seed", CASES[:1] + CASES[-1:])
def test_files_round_trip(tmp_path, party, as_of, seed):
    r = synth(party, as_of, seed)
    for name, text in synth_files(r).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ag = agreement()
    decl = read_declaration(tmp_path / "declaration.json", agreement=ag, rules=rules())
    notes = read_notifications(tmp_path / "notifications.jsonl", agreement=ag, rules=rules())
    nxt = read_declaration(tmp_path / "next-declaration.json", agreement=ag, rules=rules())
    assert decl.items == r.declaration.items and nxt.items == r.next_declaration.items
    assert [n.to_json() for n in notes] == [n.to_json() for n in r.notifications]
    assert decl.synthetic and nxt.synthetic and all(n.synthetic for n in notes)
    assert reconcile(decl, notes, nxt, ag, rules=rules()) == []


def test_replay_at_the_next_as_of_is_the_next_declaration():
    r = synth()
    rp = replay(r.declaration, r.notifications, agreement(), at=r.next_declaration.as_of, rules=rules())
    assert sorted(rp.items(), key=lambda i: i.id) == sorted(r.next_declaration.items, key=lambda i: i.id)


def test_replay_at_the_start_is_the_declaration_and_states_between_move_day_by_day():
    r = synth()
    ag = agreement()
    start = r.declaration.as_of
    assert replay(r.declaration, r.notifications, ag, at=start, rules=rules()).items() == list(r.declaration.items)
    # As of a day, exactly the notifications dated before it are applied.
    day = start + _dt.timedelta(days=40)
    rp = replay(r.declaration, r.notifications, ag, at=day, rules=rules())
    assert rp.applied == sum(1 for n in r.notifications if n.date < day)
    # Counting the replayed state uses the agreement's rules like any declaration.
    counts = count_items(ag, ItemTable.from_records(rp.declaration().records()))
    assert counts["deployed_icbms"] == sum(
        1 for i in rp.items() if i.type == "icbm" and i.status == "deployed")


def test_a_missile_taken_out_of_its_silo_is_not_deployed_from_that_day():
    r = synth()
    n = next(n for n in r.notifications if n.kind == "status_change" and n.status == "non_deployed"
             and n.item.startswith("US-ICBM-0"))
    ag = agreement()
    before = replay(r.declaration, r.notifications, ag, at=n.date, rules=rules()).item(n.item)
    after = replay(r.declaration, r.notifications, ag, at=n.date + _dt.timedelta(days=1),
                   rules=rules()).item(n.item)
    assert before.status == "deployed" and before.launcher and before.warheads >= 1
    assert after.status == "non_deployed" and after.launcher is None and after.warheads == 0


def test_ledger_entries_replay_to_no_findings_and_catch_a_forgery():
    r = synth()
    entries = [{"kind": "declaration", "payload": r.declaration.to_json()}]
    entries += [{"kind": "notification", "payload": n.to_json()} for n in r.notifications]
    entries.append({"kind": "declaration", "payload": r.next_declaration.to_json()})
    assert replay_ledger(entries) == []
    forged = dict(entries[5]["payload"], id="US-N-FORGED", item="US-ICBM-99999")
    findings = replay_ledger([*entries[:6], {"kind": "notification", "payload": forged}, *entries[6:]])
    assert [(f.kind, f.notifications) for f in findings] == [("unknown_identifier", ("US-N-FORGED",))]
