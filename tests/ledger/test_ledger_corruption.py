"""The audit against a damaged store: every corruption that changes data is reported, none
crashes, none runs away — on stores with STRICT tables and on stores made before them.

The campaign itself lives in ledger_campaign.py (run it as a script for the big one)."""

from __future__ import annotations

import contextlib
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
from ledger_campaign import KINDS, build, campaign

from accord.ledger import audit
from accord.ledger.stores import open_store

ENTRIES = 40
SIZE = ENTRIES + 1  # and the genesis


@pytest.mark.parametrize("legacy", [False, True], ids=["strict", "legacy"])
def test_a_campaign_of_random_corruptions_is_reported_without_a_crash(tmp_path: Path, legacy: bool) -> None:
    # Fixed seed, fixed budget: 7 corruptions of each kind.
    totals, by_kind, bad = campaign(tmp_path, entries=ENTRIES, trials=7 * len(KINDS), seed=9, legacy=legacy)
    assert bad == [], bad  # missed, crashed or hung
    assert totals["missed"] == totals["crashed"] == totals["hung"] == 0
    for kind in ("cell-edit", "delete"):  # these nearly always change data
        assert by_kind[kind]["reported"] >= 5, (kind, by_kind[kind])
    assert totals["reported"] + totals["refused"] >= 25, totals


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    root = tmp_path_factory.mktemp("good")
    made = {}
    for legacy in (False, True):
        made[legacy] = root / ("legacy.db" if legacy else "strict.db")
        build(made[legacy], ENTRIES, legacy=legacy)
    return made


def _copy(good: dict[bool, Path], tmp_path: Path, legacy: bool = True) -> Path:
    path = tmp_path / "damaged.db"
    path.write_bytes(good[legacy].read_bytes())
    return path


def _run(path: Path, *statements: str) -> None:
    """As an attacker with the file: triggers off, CHECK constraints ignored."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("PRAGMA ignore_check_constraints = ON")
        for sql in statements:
            conn.execute(sql)
        for _, sql in triggers:
            with contextlib.suppress(sqlite3.DatabaseError):
                conn.execute(sql)


def _plain(table: str) -> tuple[str, ...]:
    """Rebuild ``table`` as a plain table (no types, no keys): any value fits any column."""
    return (f"CREATE TABLE copy AS SELECT * FROM {table}", f"DROP TABLE {table}",
            f"ALTER TABLE copy RENAME TO {table}")


# Each damage: the SQL, and (problem kind, index or None, a word of the detail) it must produce.
DAMAGE = {
    "entry index as text": ((*_plain("entries"), "UPDATE entries SET idx = 'seven' WHERE idx = 7"),
                            ("row", None, "not an integer")),
    "entry index negative": (("INSERT INTO entries SELECT -5, kind, party, '2030-01-01T00:00:00Z', leaf, body "
                              "FROM entries WHERE idx = 3",), ("row", None, "negative")),
    "entry index far out": (("INSERT INTO entries SELECT 4611686018427387904, kind, party, '2030-01-01T00:00:00Z', "
                             "leaf, body FROM entries WHERE idx = 3",), ("row", 2**62, "not audited")),
    "entry index twice": ((*_plain("entries"), "INSERT INTO entries SELECT * FROM entries WHERE idx = 9"),
                          ("row", 9, "second")),
    "kind as blob": (("UPDATE entries SET kind = X'00' WHERE idx = 5",), ("format", 5, "kind")),
    "party as integer": (("UPDATE entries SET party = 7 WHERE idx = 5",), ("format", 5, "party")),
    "issued_at as NULL": ((*_plain("entries"), "UPDATE entries SET issued_at = NULL WHERE idx = 5"),
                          ("format", 5, "issued_at")),
    "leaf as text": (("UPDATE entries SET leaf = 'abc' WHERE idx = 6",), ("leaf", 6, "text")),
    "body as text": (("UPDATE entries SET body = 'not bytes' WHERE idx = 6",), ("format", 6, "text")),
    "body as integer": (("UPDATE entries SET body = 12 WHERE idx = 6",), ("format", 6, "integer")),
    "body text not UTF-8": (("UPDATE entries SET body = CAST(X'FFFE41' AS TEXT) WHERE idx = 6",),
                            ("format", 6, "not UTF-8")),
    "kind text not UTF-8": (("UPDATE entries SET kind = CAST(X'C3' AS TEXT) WHERE idx = 6",), ("format", 6, "kind")),
    "node level as text": (("UPDATE nodes SET level = 'one' WHERE level = 1 AND idx = 2",),
                           ("row", None, "integers")),
    "node level 99": (("INSERT INTO nodes VALUES (99, 0, zeroblob(32))",), ("row", None, "outside any tree")),
    "node index huge": (("INSERT INTO nodes VALUES (1, 9223372036854775807, zeroblob(32))",),
                        ("node", SIZE, "outside a tree")),
    "node hash as text": (("UPDATE nodes SET hash = 'x' WHERE level = 2 AND idx = 1",),
                          ("node", 4, "not a 32-byte hash")),
    "checkpoint size as text": ((*_plain("checkpoints"),
                                 "UPDATE checkpoints SET size = 'big' WHERE size = (SELECT MAX(size) FROM checkpoints)"
                                 ),
                                ("row", None, "not a size")),
    "checkpoint size negative": (("INSERT INTO checkpoints SELECT -1, root, note FROM checkpoints LIMIT 1",),
                                 ("row", None, "not a size")),
    "checkpoint note as blob": (("UPDATE checkpoints SET note = CAST(note AS BLOB)",), ("checkpoint", None, "bytes")),
    "checkpoint note not UTF-8": (("UPDATE checkpoints SET note = CAST(X'FF0A' AS TEXT)",),
                                  ("checkpoint", None, "not UTF-8")),
    "checkpoint root as text": (("UPDATE checkpoints SET root = 'abc'",), ("checkpoint", None, "differ")),
    "cosignature key id as text": (("UPDATE cosignatures SET key_id = 'abcd' WHERE name = 'US'",),
                                   ("row", None, "key id")),
    "cosignature without checkpoint": (("INSERT INTO cosignatures SELECT 3, name, key_id, signature FROM cosignatures "
                                        "LIMIT 1",), ("cosignature", 2, "no checkpoint")),
    "meta value as integer": (("UPDATE meta SET value = 5 WHERE key = 'origin'",), ("genesis", 0, "metadata")),
    "meta row forged": (("INSERT INTO meta VALUES ('extra', 'x')",), ("genesis", 0, "metadata")),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_wrong_typed_negative_or_huge_value_is_reported_where_it_is(good, tmp_path: Path, damage: str) -> None:
    statements, (kind, index, word) = DAMAGE[damage]
    path = _copy(good, tmp_path)
    _run(path, *statements)
    report = audit(f"sqlite:///{path}")
    assert not report.ok
    assert all(p.kind != "audit" for p in report.problems), report.problems
    found = [p for p in report.problems if p.kind == kind and word in p.detail]
    assert found, report.problems
    if index is not None:
        assert any(p.index == index for p in found), found
    assert all(len(p.detail.splitlines()) == 1 and len(p.detail) <= 201 for p in report.problems)


def test_a_row_far_out_of_range_costs_no_memory_for_the_positions_below(good, tmp_path: Path) -> None:
    # Before: the audit made a bytearray for every index position up to the largest stored
    # (32 bytes x 2**62) and a Python loop over them: it ran away.
    path = _copy(good, tmp_path)
    _run(path, "INSERT INTO entries SELECT 4611686018427387904, kind, party, '2030-01-01T00:00:00Z', leaf, body "
               "FROM entries WHERE idx = 3",
         "INSERT INTO nodes VALUES (61, 1, zeroblob(32))",
         "INSERT INTO checkpoints SELECT 4611686018427387905, root, note FROM checkpoints LIMIT 1")
    tracemalloc.start()
    try:
        report = audit(f"sqlite:///{path}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 << 20, peak
    assert report.size == SIZE and not report.ok
    assert {p.kind for p in report.problems} >= {"row", "node", "checkpoint"}


def test_the_problems_kept_are_capped_and_all_are_counted(good, tmp_path: Path) -> None:
    path = _copy(good, tmp_path)
    _run(path, "UPDATE entries SET leaf = zeroblob(32)")
    report = audit(f"sqlite:///{path}", max_problems=5)
    assert len(report.problems) == 5 and [p.index for p in report.problems] == [0, 1, 2, 3, 4]
    assert f"{SIZE} problems found; the first 5 are listed" in report.notes


@pytest.mark.parametrize("legacy", [False, True], ids=["strict", "legacy"])
def test_stores_of_either_schema_open_and_audit(good, legacy: bool) -> None:
    report = audit(f"sqlite:///{good[legacy]}")
    assert report.ok and report.size == SIZE, report.problems
    assert [len(c["signers"]) for c in report.checkpoints] == [3, 3]
    with open_store(str(good[legacy])) as store:
        assert store.integrity_problems() == []


def test_new_sqlite_stores_refuse_wrong_types_and_ranges(good, tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(_copy(good, tmp_path, legacy=False), isolation_level=None)) as conn:
        for sql in ("INSERT INTO nodes VALUES (1, 10000, 'text')",  # STRICT: a BLOB column
                    "INSERT INTO nodes VALUES (1, -1, zeroblob(32))",
                    "INSERT INTO nodes VALUES (64, 0, zeroblob(32))",
                    "INSERT INTO nodes VALUES (1, 10000, zeroblob(31))",
                    "INSERT INTO checkpoints VALUES (-1, zeroblob(32), 'n')",
                    "INSERT INTO cosignatures VALUES (1, 'US', zeroblob(3), zeroblob(64))",
                    "INSERT INTO meta VALUES ('k', X'00')",
                    "INSERT INTO entries VALUES (100, 'x', 'US', '2026-02-05T00:00:00Z', zeroblob(32), X'00')"):
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(sql)


def test_a_changed_schema_is_reported(good, tmp_path: Path) -> None:
    path = _copy(good, tmp_path, legacy=False)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("DROP TRIGGER entries_no_delete")  # the append-only guard, gone
    report = audit(f"sqlite:///{path}")
    assert [(p.kind, p.detail) for p in report.problems] == [
        ("database", "the schema's trigger entries_no_delete is missing")]
