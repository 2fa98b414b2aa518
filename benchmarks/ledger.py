"""Ledger throughput against raw PyNaCl on the same machine, in one run.

Append and baseline rates are medians of interleaved rounds (the audit: best of its runs), because
the machine may be shared; the whole-run append rate is printed too. The append/sign ratio is the
median over rounds of each append round's rate over the raw signing round run just before it, so
a load that comes and goes moves both sides of each ratio alike.

Measures:
  - raw PyNaCl Ed25519 sign and verify rates over the very statements the ledger stores;
  - batched signed append: payload dict -> Entry (timestamped now) -> RFC 8785 -> sign -> SQLite (WAL, NORMAL),
    1,000 entries per transaction (target: >= 60% of raw signing);
  - full audit, one worker and two worker processes (target: >= 70% of raw verification on
    one core, faster again with two);
  - inclusion proof time and root-after-reopen time from the store built above
    (targets: < 0.5 ms and < 5 ms; the full run builds a one-million-entry store).

With --profile, also where one signed append's time goes: each step of a 1,000-entry batch
timed on its own, by the ledger's own code (mean of rounds, microseconds per entry), beside the
whole sign_and_append; what the steps do not account for is admission's rules and glue.

Usage: python benchmarks/ledger.py [--quick] [--entries N] [--profile]
The last line is one JSON object with every figure and ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import nacl.signing

from accord.ledger import Ledger, PrivateKey, audit, generate_key
from accord.ledger.entries import Entry, SignedEntry, signing_message, utc_now
from accord.ledger.log import _key_history
from accord.ledger.merkle import leaf_hash, verify_inclusion
from accord.ledger.stores._base import EntryTuple, NodeTuple

BATCH = 1000


def payload(i: int) -> dict:
    """A notification-sized payload (about 190 bytes of canonical JSON)."""
    return {"category": "deployed-icbm", "facility": "Malmstrom AFB", "item": f"ICBM-{i:07d}",
            "event": "status-change", "from": "deployed", "to": "non-deployed", "seq": i}


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


class _Recorder:
    """Stands in for the store under a write transaction's node bookkeeping, so that the Merkle
    step is timed without the SQL (which is then timed on its own, with what was recorded)."""

    got: tuple[list[EntryTuple], list[NodeTuple]] = ([], [])

    def _insert(self, entries: list[EntryTuple], nodes: list[NodeTuple]) -> None:
        self.got = (entries, nodes)


def profile_append(ledger: Ledger, key: PrivateKey, scratch: Ledger, rounds: int = 9) -> list[tuple[str, float]]:
    """Microseconds per entry of each step of a batched signed append (``BATCH`` entries),
    mean of ``rounds`` (so the WAL checkpoints a few commits run are spread over all of them);
    each step runs the ledger's own code on its own. ``scratch`` is a second ledger of the same
    store type that takes the SQL steps' rows."""
    steps: dict[str, list[float]] = {}

    @contextlib.contextmanager
    def clock(name: str) -> Iterator[None]:
        t = time.perf_counter()
        yield
        steps.setdefault(name, []).append((time.perf_counter() - t) * 1e6 / BATCH)

    origin = ledger.origin
    sk = nacl.signing.SigningKey(key.seed)
    store = scratch.store
    serial = 10**8
    for _ in range(rounds + 1):  # the first round warms up and is dropped
        serial += 2 * BATCH
        ids = range(serial, serial + BATCH)
        with clock("input: payload dicts (the benchmark's)"):
            loads = [payload(i) for i in ids]
        with clock("input: utc_now() timestamps"):
            stamps = [utc_now() for _ in ids]
        with clock("input: Entry() with validation"):
            entries = [Entry("notification", key.name, s, p) for s, p in zip(stamps, loads, strict=True)]
        with clock("canonicalize: RFC 8785 statement"):
            statements = [e.statement() for e in entries]
        prefix = signing_message(origin, b"")
        messages = [prefix + st for st in statements]
        with clock("(raw PyNaCl SigningKey.sign, for comparison)"):
            for m in messages:
                sk.sign(m)
        with clock("sign: Ed25519 of domain || origin || statement"):
            sigs = [key.sign(prefix + st) for st in statements]
        with clock("SignedEntry objects"):
            for e, g, st in zip(entries, sigs, statements, strict=True):
                SignedEntry(e, g, st)
        with clock("leaf hash: SHA-256(0 || signature || statement)"):
            leaves = [leaf_hash(g + st) for g, st in zip(sigs, statements, strict=True)]
        rows = [(e.kind, e.party, e.issued_at, g + st, leaf)
                for e, g, st, leaf in zip(entries, sigs, statements, leaves, strict=True)]
        with clock("per batch: lock, size, tree frontier, key history"), ledger.store.write() as w:
            _key_history(ledger.info, w.key_rows(), ledger.store.display_url)
        recorder = _Recorder()
        with store.write() as w:
            w._store = recorder  # type: ignore[attr-defined]
            with clock("Merkle: row tuples, completed subtree hashes"):
                w.append(rows)
            w._store = store  # type: ignore[attr-defined]
            found, nodes = recorder.got
            with clock("SQL: INSERT entries (with the replay guard's index)"):
                store._insert(found, [])  # type: ignore[attr-defined]
            with clock("SQL: INSERT interior nodes"):
                store._insert([], nodes)  # type: ignore[attr-defined]
            t = time.perf_counter()
        steps.setdefault("SQL: COMMIT (WAL, with its checkpoints)", []).append((time.perf_counter() - t) * 1e6 / BATCH)
        fresh = [Entry("notification", key.name, utc_now(), payload(i))
                 for i in range(serial + BATCH, serial + 2 * BATCH)]
        with clock("TOTAL: Ledger.sign_and_append"):
            ledger.sign_and_append(key, fresh)
    out = [(name, statistics.fmean(v[1:])) for name, v in steps.items()]
    inside = [v for name, v in out if not name.startswith(("input:", "(raw", "TOTAL"))]
    total = dict(out)["TOTAL: Ledger.sign_and_append"]
    out.insert(len(out) - 1, ("admission rules and glue (TOTAL minus the steps above)", total - sum(inside)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40,000 entries instead of 1,000,000 (about 20 s)")
    parser.add_argument("--entries", type=int, default=None, help="override the store size")
    parser.add_argument("--profile", action="store_true", help="also time each step of one signed append")
    parser.add_argument("--profile-rounds", type=int, default=20, help="batches the profile times (default 20)")
    args = parser.parse_args()
    n = args.entries or (40_000 if args.quick else 1_000_000)
    baseline_n = min(n, 20_000)
    us, ru, log = generate_key("US"), generate_key("RU"), generate_key("log")
    stamp = utc_now()

    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ledger = Ledger.create(url, agreement="bench", parties=[us.public, ru.public], log_key=log.public)

        # Raw PyNaCl over the exact bytes the ledger signs. This machine is shared, so every
        # figure is the best of several interleaved rounds (baseline and subject alike).
        messages = [signing_message(ledger.origin, Entry("notification", "US", stamp, payload(i)).statement())
                    for i in range(baseline_n)]
        sk = nacl.signing.SigningKey(us.seed)
        vk = sk.verify_key
        sigs = [sk.sign(m).signature for m in messages]
        sign_rates: list[float] = []
        verify_rates: list[float] = []

        def baseline(k: int = 4000) -> None:
            t = time.perf_counter()
            for m in messages[:k]:
                sk.sign(m)
            sign_rates.append(rate(k, time.perf_counter() - t))
            t = time.perf_counter()
            for m, s in zip(messages[:k], sigs[:k], strict=False):
                vk.verify(m, s)
            verify_rates.append(rate(k, time.perf_counter() - t))

        # Batched signed append (everything from the payload dict on is timed), in rounds of
        # 4 batches, each round next to a baseline round.
        round_rates = []
        round_ratios = []
        appending = 0.0  # seconds spent appending (the baseline rounds between are not counted)
        appended = 0
        for start in range(0, n, 4 * BATCH):
            baseline(2000)
            t = time.perf_counter()
            stop = min(start + 4 * BATCH, n)
            for s0 in range(start, stop, BATCH):
                batch = range(s0, min(s0 + BATCH, stop))
                ledger.sign_and_append(us, [Entry("notification", "US", utc_now(), payload(i)) for i in batch])
            elapsed = time.perf_counter() - t
            appending += elapsed
            round_rates.append(rate(stop - start, elapsed))
            round_ratios.append(round_rates[-1] / sign_rates[-1])
            appended = stop
        append_total_rate = rate(appended, appending)
        append_rate = statistics.median(round_rates)
        append_ratio = statistics.median(round_ratios)
        profile: list[tuple[str, float]] = []
        if args.profile:
            scratch = Ledger.create(f"sqlite:///{Path(tmp) / 'scratch.db'}", agreement="bench",
                                    parties=[us.public, ru.public], log_key=log.public)
            profile = profile_append(ledger, us, scratch, rounds=max(1, args.profile_rounds))
            scratch.close()
        audited = ledger.size() - 1  # the profile appends more
        ledger.checkpoint(log)
        ledger.close()

        # Full audit, one worker then two (best of a few runs in quick mode).
        audit1, audit2 = [], []
        for _ in range(2 if n <= 50_000 else 1):
            baseline()
            t = time.perf_counter()
            one = audit(url, workers=1)
            audit1.append(rate(audited + 1, time.perf_counter() - t))
            t = time.perf_counter()
            two = audit(url, workers=2)
            audit2.append(rate(audited + 1, time.perf_counter() - t))
            assert one.ok and two.ok, (one.problems[:3], two.problems[:3])
        baseline()
        sign_rate, verify_rate = statistics.median(sign_rates), statistics.median(verify_rates)
        audit1_rate, audit2_rate = max(audit1), max(audit2)
        print(f"raw PyNaCl sign:    {sign_rate:10,.0f} /s")
        print(f"raw PyNaCl verify:  {verify_rate:10,.0f} /s")
        print(f"signed append:      {append_rate:10,.0f} /s  ({append_ratio:.0%} of raw signing; "
              f"{append_total_rate:,.0f} /s over all {appended:,} entries)")
        print(f"audit, 1 worker:    {audit1_rate:10,.0f} /s  ({audit1_rate / verify_rate:.0%} of raw verification)")
        print(f"audit, 2 workers:   {audit2_rate:10,.0f} /s  ({audit2_rate / verify_rate:.0%} of raw verification)")

        # Root after reopening, and inclusion proofs, from the store on disk.
        reopen_ms = []
        for _ in range(20):
            t = time.perf_counter()
            fresh = Ledger.open(url)
            root = fresh.root()
            reopen_ms.append((time.perf_counter() - t) * 1e3)
            fresh.close()
        store = Ledger.open(url).store
        size = store.size()
        rng = random.Random(1)
        picks = [rng.randrange(size) for _ in range(1000)]
        proof_ms = []
        for i in picks:
            t = time.perf_counter()
            proof = store.inclusion_proof(i, size)
            proof_ms.append((time.perf_counter() - t) * 1e3)
        row = store.row(picks[-1])
        verify_inclusion(leaf_hash(row.body), picks[-1], size, proof, root)
        store.close()
        db_bytes = sum(p.stat().st_size for p in Path(tmp).iterdir())
        proof_median = statistics.median(proof_ms)
        reopen_median = statistics.median(reopen_ms)
        print(f"inclusion proof:    {proof_median:10.3f} ms median, {max(proof_ms):.3f} ms max ({size:,}-entry store)")
        print(f"reopen + root:      {reopen_median:10.3f} ms median")
        print(f"database size:      {db_bytes / 2**20:10.1f} MiB")
        if profile:
            print(f"one signed append, step by step (us per entry, {BATCH:,}-entry batches, mean of rounds):")
            for name, us_per in profile:
                print(f"  {name:58s} {us_per:7.2f}")

    result = {
        "benchmark": "accord.ledger",
        "mode": "quick" if args.quick else "full",
        "entries": n,
        "cpus": os.cpu_count(),
        "raw_sign_per_s": round(sign_rate),
        "raw_verify_per_s": round(verify_rate),
        "append_per_s": round(append_rate),
        "append_per_s_whole_run": round(append_total_rate),
        "append_vs_sign": round(append_ratio, 3),
        "audit_1_worker_per_s": round(audit1_rate),
        "audit_1_vs_verify": round(audit1_rate / verify_rate, 3),
        "audit_2_workers_per_s": round(audit2_rate),
        "audit_2_vs_verify": round(audit2_rate / verify_rate, 3),
        "inclusion_proof_ms_median": round(proof_median, 4),
        "root_after_reopen_ms_median": round(reopen_median, 4),
        "store_entries": size,
        "db_mib": round(db_bytes / 2**20, 1),
        "append_profile_us_per_entry": {name: round(v, 3) for name, v in profile},
        "targets_met": {
            "append_ge_60pct_sign": append_ratio >= 0.6,
            "audit_1_ge_70pct_verify": audit1_rate / verify_rate >= 0.7,
            "audit_2_faster_than_1": audit2_rate > audit1_rate,
            "proof_lt_0_5ms": proof_median < 0.5,
            "root_lt_5ms": reopen_median < 5,
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
