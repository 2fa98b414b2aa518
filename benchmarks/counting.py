"""Count one million itemized records through New START's counting rules.

Baseline, in the same run and on the same data: a bare numpy group-by (one ``bincount`` of
(type, status) cells with and without warhead weights) — the least work any counting can do.
The last line is one JSON object: records_per_s, baseline_per_s, ratio (ours / baseline).

    python benchmarks/counting.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from accord.app.library import load_agreement
from accord.forces import ItemTable, count_items


def make_table(n: int, types: tuple[str, ...], statuses: tuple[str, ...], seed: int = 1) -> ItemTable:
    rng = np.random.default_rng(seed)
    return ItemTable(
        ids=np.empty(0, dtype=object),
        type=rng.integers(0, len(types), n).astype(np.int8),
        status=rng.integers(0, len(statuses), n).astype(np.int8),
        system=rng.integers(0, 8, n).astype(np.int32),
        facility=rng.integers(0, 40, n).astype(np.int32),
        warheads=rng.integers(0, 9, n),
        systems=tuple(f"system-{i}" for i in range(8)),
        facilities=tuple(f"facility-{i}" for i in range(40)),
        types=types,
        statuses=statuses,
    )


def baseline(table: ItemTable) -> tuple[np.ndarray, np.ndarray]:
    key = table.type.astype(np.int64) * len(table.statuses) + table.status
    size = len(table.types) * len(table.statuses)
    return np.bincount(key, minlength=size), np.bincount(key, weights=table.warheads, minlength=size)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    n = 1_000_000
    repeats = 3 if args.quick else 15
    agreement = load_agreement("ru-counting-2022")  # includes a rule that filters by system
    vocabulary = agreement.vocabulary  # the table's codes follow the agreement's vocabulary order
    table = make_table(n, vocabulary.type_ids, vocabulary.status_ids)
    counts = count_items(agreement, table)
    n_cells, w_cells = baseline(table)
    # the two must agree before their speed means anything
    dep = table.types.index("icbm") * len(table.statuses) + table.statuses.index("deployed")
    assert counts["deployed_icbms"] == n_cells[dep] and counts["warheads_on_deployed_icbms"] == w_cells[dep]
    ours = best_of(lambda: count_items(agreement, table), repeats)
    base = best_of(lambda: baseline(table), repeats)
    print(f"records: {n:,}; rules: {len(agreement.counting)}; best of {repeats}")
    print(f"accord count_items: {ours * 1e3:8.2f} ms  ({n / ours:,.0f} records/s)")
    print(f"numpy bincount:     {base * 1e3:8.2f} ms  ({n / base:,.0f} records/s)")
    print(json.dumps({"benchmark": "counting", "records": n, "seconds": round(ours, 6),
                      "records_per_s": round(n / ours), "baseline_per_s": round(n / base),
                      "ratio": round(base / ours, 3)}))


if __name__ == "__main__":
    main()
