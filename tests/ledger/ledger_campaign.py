"""A corruption campaign against a SQLite ledger: damage a copy of a good store in one random
way, audit it, and sort the outcome.

Corruptions (drawn with a seeded ``random.Random``, so a run is reproducible):

- ``byte-flip``: one byte of the database file XORed with a random non-zero value;
- ``cell-edit``: one stored value changed within its type (a bit of a blob, a character of a
  text, an integer moved);
- ``type-swap``: one stored value replaced by one of another type (text, blob, integer, real,
  NULL, a negative or a 64-bit extreme);
- ``delete``: one row removed;
- ``row-swap``: one column exchanged between two rows of a table;
- ``forged-row``: a row added (a copy under a new key, random bytes with their own leaf hash,
  a key far out of range);
- ``truncate``: the file cut short.

SQL corruptions run as an attacker with database access would: the append-only triggers and
the CHECK constraints are switched off (a ``STRICT`` table still refuses a value of the wrong
type: such a trial changes nothing). Whether a corruption *changed data* is decided by a
logical dump of every table and the schema, read by full scans, compared with the good
store's: a flip in free space or in an index changes no data.

Outcomes: ``reported`` (the audit says NOT OK, or the checkpoints it lists — sizes, roots,
signers — differ from the good store's: a deleted cosignature leaves a valid ledger with fewer
signers, which only a verifier who trusts a cosigner policy can call a failure), ``refused``
(a one-line :class:`InputError`: the file is no longer a database), ``unchanged-ok`` /
``unchanged-reported`` (no data changed), ``missed`` (data changed, the audit saw nothing),
``crashed`` (any other exception, or an ``audit`` problem: the audit's own failure) and
``hung`` (``--alarm`` seconds passed).

Run as a script for the big campaign (the suite runs a small one,
tests/ledger/test_ledger_corruption.py)::

    python tests/ledger/ledger_campaign.py --entries 2000 --trials 10000 --minutes 10 --jobs 2
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from accord.errors import InputError
from accord.ledger import CosignerState, Ledger, PrivateKey, audit, commit, cosign_ledger
from accord.ledger.entries import Entry
from accord.ledger.stores.sqlite import LEGACY_SCHEMA

KINDS = ("byte-flip", "cell-edit", "type-swap", "delete", "row-swap", "forged-row", "truncate")
OUTCOMES = ("reported", "refused", "unchanged-ok", "unchanged-reported", "missed", "crashed", "hung")
TABLES = {  # table: its key columns
    "meta": ("key",),
    "entries": ("idx",),
    "nodes": ("level", "idx"),
    "checkpoints": ("size",),
    "cosignatures": ("size", "name", "key_id"),
}
COLUMNS = {
    "meta": ("key", "value"),
    "entries": ("idx", "kind", "party", "issued_at", "leaf", "body"),
    "nodes": ("level", "idx", "hash"),
    "checkpoints": ("size", "root", "note"),
    "cosignatures": ("size", "name", "key_id", "signature"),
}


def _key(name: str, seed: int) -> PrivateKey:
    return PrivateKey(name, hashlib.sha256(f"{name}/{seed}".encode()).digest())


def build(path: Path, entries: int, *, legacy: bool = False, seed: int = 0) -> None:
    """A good ledger of ``entries`` entries after the genesis at ``path``: two parties and a log
    key, a key rotation, a commitment and an opening, two checkpoints, each cosigned by both
    parties. ``legacy``: in the tables of stores made before STRICT tables."""
    us, ru, log = _key("US", seed), _key("RU", seed), _key("log", seed)
    ru2 = _key("RU", seed + 1)
    made = path.with_suffix(".new.db") if legacy else path
    stamp = iter(f"2026-02-05T{h:02d}:{m:02d}:{s:02d}.{u:06d}Z"
                 for h in range(24) for m in range(60) for s in range(60) for u in range(0, 1000000, 250000))
    with Ledger.create(f"sqlite:///{made}", agreement="campaign", parties=[us.public, ru.public],
                       log_key=log.public, origin=f"accord.ledger/campaign/{seed}",
                       issued_at=next(stamp)) as ledger:
        escrow = commit([{"category": "icbm", "id": f"I-{i}"} for i in range(4)])
        (ci,) = ledger.sign_and_append(us, [Entry("commitment", "US", next(stamp), escrow.commitment.to_json())])
        ledger.sign_and_append(us, [Entry("opening", "US", next(stamp), {
            "commitment": ci, "openings": [o.to_json() for o in escrow.open([1, 2])]})])
        rng = random.Random(seed)
        rotated = False
        n = 2
        while n < entries:
            step = min(100, max(1, entries // 8))
            batch = min(step, entries - n)
            party = (us, ru2 if rotated else ru)[n // step % 2]
            ledger.sign_and_append(party, [
                Entry("declaration", party.name, next(stamp),
                      {"n": n + i, "x": rng.random(), "big": 1e16 * (1 + (n + i) % 3),
                       "tag": f"t{rng.randrange(10**6)}"})
                for i in range(batch)])
            n += batch
            if not rotated and n >= entries // 3:
                ledger.sign_and_append(ru, [Entry("key-rotation", "RU", next(stamp), {"key": ru2.public.vkey})])
                rotated = True
                n += 1
            if n >= entries // 2 and not ledger.checkpoint_notes():
                _checkpoint(ledger, log, us, ru2 if rotated else ru)
        _checkpoint(ledger, log, us, ru2 if rotated else ru)
    if legacy:
        _to_legacy(made, path)


def _checkpoint(ledger: Ledger, log: PrivateKey, *cosigners: PrivateKey) -> None:
    ledger.checkpoint(log)
    for key in cosigners:
        cosign_ledger(ledger, key, CosignerState({}))


def _to_legacy(new: Path, path: Path) -> None:
    """Copy every row of ``new`` into a store with the tables made before STRICT tables."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for stmt in LEGACY_SCHEMA.split(";\n"):
            if stmt.strip():
                conn.execute(stmt)
        conn.execute("ATTACH DATABASE ? AS new", (str(new),))
        for table in TABLES:
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM new.{table}")
        conn.execute("DETACH DATABASE new")
        conn.execute("PRAGMA journal_mode = WAL")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{new}{suffix}").unlink(missing_ok=True)


def dump(path: Path) -> Any:
    """Every row of every table and the schema, by full scans, with each value's type; an
    unreadable file dumps as the error's text."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            conn.text_factory = bytes
            schema = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"), key=repr)
            tables = {}
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                rows = conn.execute(f'SELECT * FROM "{name.decode()}" NOT INDEXED').fetchall()
                tables[name] = sorted((tuple((type(v).__name__, v) for v in r) for r in rows), key=repr)
            return schema, sorted(tables.items(), key=repr)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        return f"unreadable: {exc}"


class _Unlocked:
    """A connection with the append-only triggers dropped and CHECK constraints ignored;
    the triggers come back on exit."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.triggers = self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in self.triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        self.conn.execute("PRAGMA ignore_check_constraints = ON")

    def close(self) -> None:
        for _, sql in self.triggers:
            with contextlib.suppress(sqlite3.DatabaseError):
                self.conn.execute(sql)
        self.conn.close()


def _other_type(rng: random.Random, value: Any) -> Any:
    choices: list[Any] = [None, 0, -1, 2**63 - 1, -(2**63), 42, 1.5, 1e300, "text", "", b"", b"\x00" * 32,
                          rng.randbytes(rng.randrange(1, 80)), "ab\u00e9" * rng.randrange(1, 30)]
    if isinstance(value, bytes):
        choices += [value.hex(), value.decode("latin-1")]
    elif isinstance(value, str):
        choices += [value.encode(), value.encode() + b"\xff"]
    elif isinstance(value, int):
        choices += [str(value), float(value), -value - 1]
    return rng.choice([c for c in choices if type(c) is not type(value)] or choices)


def _edited(rng: random.Random, value: Any) -> Any:
    if isinstance(value, bytes) and value:
        b = bytearray(value)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b)
    if isinstance(value, str) and value:
        i = rng.randrange(len(value))
        return value[:i] + rng.choice("0aZ-{}\"\\ \u00e9\n") + value[i + 1:]
    if isinstance(value, int):
        return value + rng.choice([1, -1, 2, 1 << rng.randrange(62)])
    return _other_type(rng, value)


def corrupt(path: Path, rng: random.Random, kind: str) -> str:
    """Damage the store at ``path`` in one random way of ``kind``; returns what was done
    (``refused: ...`` when the database refused the change)."""
    if kind == "byte-flip":
        raw = bytearray(path.read_bytes())
        at = rng.randrange(len(raw))
        raw[at] ^= rng.randrange(1, 256)
        path.write_bytes(bytes(raw))
        return f"byte {at} flipped"
    if kind == "truncate":
        raw = path.read_bytes()
        cut = rng.randrange(len(raw)) if rng.random() < 0.5 else rng.randrange(len(raw) // 4096 + 1) * 4096
        path.write_bytes(raw[:cut])
        return f"cut to {cut} bytes"
    table = rng.choice(list(TABLES))
    keys, columns = TABLES[table], COLUMNS[table]
    where = " AND ".join(f"{k} = ?" for k in keys)
    db = _Unlocked(path)
    try:
        rows = db.conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
        if not rows:
            return "no rows"
        row = rng.choice(rows)
        key = tuple(row[columns.index(k)] for k in keys)
        column = rng.randrange(len(columns))
        if kind in ("cell-edit", "type-swap"):
            value = (_edited if kind == "cell-edit" else _other_type)(rng, row[column])
            db.conn.execute(f"UPDATE {table} SET {columns[column]} = ? WHERE {where}", (value, *key))
            return f"{table} {key!r:.60}: {columns[column]} set to {value!r:.60}"
        if kind == "delete":
            db.conn.execute(f"DELETE FROM {table} WHERE {where}", key)
            return f"{table} {key!r:.60} deleted"
        if kind == "row-swap":
            other = rng.choice(rows)
            okey = tuple(other[columns.index(k)] for k in keys)
            if okey == key:
                return "the same row twice"
            # A column that is not the key when there is one (moving keys is what delete and
            # forged-row do), through a temporary value of its type: a unique column cannot
            # hold one value twice, even for a moment.
            column = rng.choice([c for c in range(len(columns)) if columns[c] not in keys] or [column])
            col = columns[column]
            temp = {bytes: rng.randbytes(32), str: f"temp-{rng.random()}", int: -rng.randrange(1, 2**40)}.get(
                type(row[column]))
            db.conn.execute("BEGIN")
            db.conn.execute(f"UPDATE {table} SET {col} = ? WHERE {where}", (temp, *key))
            db.conn.execute(f"UPDATE {table} SET {col} = ? WHERE {where}", (row[column], *okey))
            db.conn.execute(f"UPDATE {table} SET {col} = ? WHERE {where}", (other[column], *key))
            db.conn.execute("COMMIT")
            return f"{table}: {col} of {key!r:.40} and {okey!r:.40} swapped"
        # forged-row: a copy under a new key, or random bytes that hash to their own leaf
        forged = list(row)
        new_key = rng.choice([max(r[columns.index(keys[-1])] for r in rows) if table != "meta" else "zzz", -1,
                              2**62, 2**63 - 1, "x", 10**6])
        if isinstance(new_key, int) and table != "meta" and new_key == max(r[columns.index(keys[-1])] for r in rows):
            new_key += 1
        forged[columns.index(keys[-1])] = new_key
        if table == "entries" and rng.random() < 0.5:
            body = rng.randbytes(64) + b'{"issued_at":"2026-02-05T00:00:00Z","kind":"x","party":"US","payload":{}}'
            forged[4], forged[5] = hashlib.sha256(b"\x00" + body).digest(), body
            forged[3] = "2026-02-05T00:00:00Z"
        db.conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        forged)
        return f"{table}: forged row {tuple(forged)!r:.80}"
    except sqlite3.DatabaseError as exc:
        with contextlib.suppress(sqlite3.DatabaseError):
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
        return f"refused: {exc}"
    finally:
        db.close()


def _summary(report: Any) -> Any:
    return [(c["size"], c["root"], tuple(c["signers"])) for c in report.checkpoints]


def trial(good: Path, good_dump: Any, good_summary: Any, work: Path, seed: int, kind: str) -> tuple[str, str]:
    """One corruption of a copy of ``good`` at ``work`` and its audit: (outcome, what was done)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(good, work)
    rng = random.Random(seed)
    done = corrupt(work, rng, kind)
    changed = dump(work) != good_dump
    try:
        report = audit(f"sqlite:///{work}")
    except InputError as err:
        if len(err.one_line().splitlines()) != 1:
            return "crashed", f"{done}; error of several lines: {err.one_line()!r:.200}"
        return ("refused" if changed else "unchanged-reported"), f"{done}; {err.one_line()[:200]}"
    except Exception as exc:
        return "crashed", f"{done}; {exc.__class__.__name__}: {exc}"
    if any(p.kind == "audit" for p in report.problems):
        return "crashed", f"{done}; {report.problems[0].detail}"
    seen = not report.ok or _summary(report) != good_summary
    if not changed:
        return ("unchanged-reported" if seen else "unchanged-ok"), done
    return ("reported" if seen else "missed"), done


def campaign(root: Path, *, entries: int, trials: int, seed: int, legacy: bool,
             alarm: int = 0, deadline: float | None = None) -> tuple[Counter[str], dict[str, Counter[str]], list[str]]:
    """Run ``trials`` corruptions (fewer if ``deadline``, a ``time.monotonic()`` value, passes)
    of a ledger of ``entries`` entries. Returns the outcome counts, per corruption kind, and
    the descriptions of every missed or crashed trial."""
    import time

    good = root / ("legacy.db" if legacy else "good.db")
    if not good.exists():
        build(good, entries, legacy=legacy, seed=seed)
    good_dump = dump(good)
    base = audit(f"sqlite:///{good}")
    assert base.ok, base.problems
    good_summary = _summary(base)
    work = root / f"work-{os.getpid()}.db"
    totals: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    bad: list[str] = []
    rng = random.Random(seed)
    for n in range(trials):
        if deadline is not None and time.monotonic() > deadline:
            break
        kind = KINDS[n % len(KINDS)]
        trial_seed = rng.randrange(2**32)
        if alarm:
            import signal

            def timeout(*_: Any) -> None:
                raise TimeoutError

            signal.signal(signal.SIGALRM, timeout)
            signal.alarm(alarm)
        try:
            outcome, done = trial(good, good_dump, good_summary, work, trial_seed, kind)
        except TimeoutError:
            outcome, done = "hung", f"seed {trial_seed}"
        finally:
            if alarm:
                signal.alarm(0)
        totals[outcome] += 1
        by_kind[kind][outcome] += 1
        if outcome in ("missed", "crashed", "hung"):
            bad.append(f"{kind} seed {trial_seed}: {outcome}: {done}")
    return totals, by_kind, bad


def _table(totals: Counter[str], by_kind: dict[str, Counter[str]]) -> str:
    head = f"{'corruption':<12}{'tried':>7}" + "".join(f"{o:>20}" for o in OUTCOMES)
    lines = [head]
    for kind, counts in [*by_kind.items(), ("all", totals)]:
        lines.append(f"{kind:<12}{sum(counts.values()):>7}" + "".join(f"{counts[o]:>20}" for o in OUTCOMES))
    return "\n".join(lines)


Outcome = tuple[Counter[str], dict[str, Counter[str]], list[str]]


def _worker(job: tuple[str, int, int, int, bool, int, float]) -> Outcome:
    import resource
    import time

    root, entries, trials, seed, legacy, alarm, minutes = job
    limit = 4 << 30  # a runaway allocation fails (and is counted) instead of taking the machine
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return campaign(Path(root), entries=entries, trials=trials, seed=seed, legacy=legacy, alarm=alarm,
                    deadline=time.monotonic() + 60 * minutes)


def main() -> None:
    import argparse
    import json
    import tempfile
    import time
    from concurrent.futures import ProcessPoolExecutor

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=10000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--alarm", type=int, default=60, help="seconds after which one audit counts as hung")
    args = parser.parse_args()
    started = time.monotonic()
    totals: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    bad: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for j in range(args.jobs):
            root = Path(tmp) / f"job{j}"
            root.mkdir()
            # Half the jobs on stores with STRICT tables, half on the tables made before them.
            jobs.append((str(root), args.entries, -(-args.trials // args.jobs), args.seed + j, j % 2 == 1,
                         args.alarm, args.minutes))
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for t, k, b in pool.map(_worker, jobs):
                totals.update(t)
                for kind in KINDS:
                    by_kind[kind].update(k[kind])
                bad.extend(b)
    print(f"corruption campaign: {args.entries} entries, seed {args.seed}, {args.jobs} jobs, "
          f"{time.monotonic() - started:.0f} s")
    print(_table(totals, by_kind))
    for line in bad[:50]:
        print(line)
    print(json.dumps({"entries": args.entries, "tried": sum(totals.values()), **totals}))


if __name__ == "__main__":
    main()
