"""The log server over loopback HTTP against in-process appends, in one run on one machine.

Measures:
  - in-process appends of the very entries the parties submit, each its own committed
    transaction with the log's receipt (``Ledger.append_with_receipts([entry])``, SQLite
    ``synchronous=full`` as the server opens it): what one submission costs without HTTP.
    The ratio's target: HTTP >= half of this. Batched appends (1,000 per transaction) are
    shown beside it as the ceiling;
  - entries/s submitted over HTTP by several concurrent parties (``accord serve`` in its own
    process; each party a process of its own with several keep-alive connections and a minimal
    HTTP/1.1 client, entries signed beforehand), and the p50 / p99 latency of one submission
    (request to committed answer);
  - tile reads/s: full hash tiles and entry bundles fetched by concurrent readers;
  - time from a submission's answer to a checkpoint that covers it, cosigned by two witnesses
    (``accord witness serve`` x 2, checkpoint interval 1 s): median and worst of several.

Usage: python benchmarks/server.py [--quick] [--db URL]
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx

from accord.ledger import Ledger, PrivateKey, generate_key
from accord.ledger.cosignature import cosigners, generate_witness_key
from accord.ledger.entries import Entry, SignedEntry, sign_entries, utc_now
from accord.ledger.keys import write_atomic
from accord.ledger.note import Checkpoint, Note
from accord.service.tiles import format_index

ORIGIN = "bench.example/accord-server"


def payload(party: str, i: int) -> dict:
    """A notification-sized payload (about 190 bytes of canonical JSON)."""
    return {"category": "delivery-vehicle", "facility": f"{party}-BASE-07", "item": f"{party}-{i:07d}",
            "event": "status-change", "from": "deployed", "to": "non-deployed", "seq": i}


def signed_entries(key: PrivateKey, n: int, tag: str) -> list[SignedEntry]:
    return sign_entries(key, ORIGIN, [Entry("notification", key.name, utc_now(), payload(f"{key.name}{tag}", i))
                                      for i in range(n)])


def make_ledger(url: str, us: PrivateKey, ru: PrivateKey, log: PrivateKey) -> None:
    Ledger.create(url, agreement="bench", parties=[us.public, ru.public], log_key=log.public,
                  origin=ORIGIN).close()


def in_process(url: str, log: PrivateKey, entries: list[SignedEntry], batch: int) -> float:
    """Entries/s appended with receipts, ``batch`` per transaction."""
    with Ledger.open(url) as ledger:
        t = time.perf_counter()
        for i in range(0, len(entries), batch):
            ledger.append_with_receipts(entries[i:i + batch], log)
        return len(entries) / (time.perf_counter() - t)


# -- a minimal HTTP/1.1 client ---------------------------------------------------------------------
# httpx spends more CPU on one request than the server does on answering it; on a 2-core machine
# the parties' clients would then measure themselves. These few lines speak plain HTTP/1.1 over
# keep-alive connections (requests with Content-Length, answers read by their Content-Length).
async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return int(head.split(b" ", 2)[1]), await reader.readexactly(length)


def _post(body: bytes) -> bytes:
    return (b"POST /add-entry HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def _get(path: str) -> bytes:
    return f"GET /{path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()


def _address(url: str) -> tuple[str, int]:
    host, port = url.split("//")[1].rsplit(":", 1)
    return host, int(port)


# -- the parties: one process each, several connections -----------------------------------------
def _party(url: str, bodies: list[bytes], connections: int, start: float, out: mp.Queue) -> None:
    async def run() -> list[float]:
        latencies: list[float] = []
        todo = list(reversed(bodies))
        streams = [await asyncio.open_connection(*_address(url)) for _ in range(connections)]

        async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while todo:
                body = todo.pop()
                t = time.perf_counter()
                status, answer = await _exchange(reader, writer, _post(body))
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    raise RuntimeError(f"{status}: {answer[:200]!r}")
            writer.close()

        while time.time() < start:
            await asyncio.sleep(0.001)
        await asyncio.gather(*(worker(r, w) for r, w in streams))
        return latencies

    out.put(asyncio.run(run()))


def over_http(url: str, parties: list[list[bytes]], connections: int) -> dict:
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    start = time.time() + 3.0  # every party process imported and connected before the clock starts
    procs = [ctx.Process(target=_party, args=(url, bodies, connections, start, out)) for bodies in parties]
    for p in procs:
        p.start()
    results = [out.get(timeout=1800) for _ in procs]
    end = time.time()
    for p in procs:
        p.join()
    latencies = sorted(x for lat in results for x in lat)
    n = len(latencies)
    return {"entries": n, "rate": n / (end - start), "p50_ms": 1000 * latencies[n // 2],
            "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))]}


def tile_reads(url: str, size: int, seconds: float, readers: int = 16) -> float:
    """Full hash tiles and entry bundles read by ``readers`` connections, reads/s."""
    full = range(size // 256)
    paths = [f"tile/0/{format_index(i)}" for i in full] + [f"tile/entries/{format_index(i)}" for i in full]

    async def run() -> int:
        done = 0
        stop = time.perf_counter() + seconds

        async def reader(k: int) -> None:
            nonlocal done
            r, w = await asyncio.open_connection(*_address(url))
            i = k
            while time.perf_counter() < stop:
                status, _ = await _exchange(r, w, _get(paths[i % len(paths)]))
                assert status == 200
                done += 1
                i += readers
            w.close()

        await asyncio.gather(*(reader(k) for k in range(readers)))
        return done

    t = time.perf_counter()
    n = asyncio.run(run())
    return n / (time.perf_counter() - t)


# -- processes ----------------------------------------------------------------------------------
def _start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    code = "import sys; from accord.cli import main; sys.argv = ['accord', *sys.argv[1:]]; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    if " at http://" not in line:
        proc.kill()
        raise RuntimeError(f"{args[0]} did not start: {line}{proc.stderr.read()}")
    return proc, line.split(" at ")[1].split("/ ")[0].rstrip("/")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()


def checkpoint_latency(url: str, us: PrivateKey, witnesses: list, rounds: int, spacing: float) -> list[float]:
    """Seconds from a submission's answer to a published checkpoint covering it with both
    witnesses' cosignatures; ``spacing`` seconds between one cosigned checkpoint and the next
    submission (over the checkpoint interval: the log was idle; under it: the log waits for the
    interval since its last checkpoint)."""
    keys = [w.public for w in witnesses]
    out = []
    with httpx.Client(timeout=60) as client:
        for i in range(rounds):
            (signed,) = sign_entries(us, ORIGIN, [Entry("notification", "US", utc_now(), payload("W", i))])
            r = client.post(f"{url}/add-entry", content=signed.body)
            answered = time.perf_counter()
            index = r.json()["index"]
            while True:
                note = Note.parse(client.get(f"{url}/checkpoint").text)
                if Checkpoint.from_text(note.text).size > index and len(cosigners(note, keys)) == 2:
                    out.append(time.perf_counter() - answered)
                    break
                if time.perf_counter() - answered > 60:
                    raise RuntimeError("no cosigned checkpoint within 60 s")
                time.sleep(0.005)
            time.sleep(spacing)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer entries (a smoke run)")
    parser.add_argument("--db", help="a store URL for the HTTP runs (default: a SQLite file, synchronous=full)")
    args = parser.parse_args()
    n_http = 1500 if args.quick else 8000
    n_proc = 500 if args.quick else 2000
    party_procs, connections = 2, 8
    rounds = 2 if args.quick else 3
    tmp = Path(tempfile.mkdtemp(prefix="accord-bench-server-"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    us, ru, log = generate_key("US"), generate_key("RU"), generate_key("log")
    keydir = tmp / "keys"
    keydir.mkdir()
    write_atomic(keydir / "log.key", (log.skey + "\n").encode(), mode=0o600)
    result: dict = {"quick": args.quick, "store": "sqlite (synchronous=full)" if not args.db else "given"}

    # 1-2. In-process appends and HTTP submissions, interleaved rounds (the machine may be
    # shared, and an fsync's cost drifts): each round's ratio is HTTP over the in-process round
    # run just before it; the median of the rounds is reported.
    base = f"sqlite:///{tmp / 'inproc.db'}?synchronous=full"
    make_ledger(base, us, ru, log)
    batched = in_process(base, log, signed_entries(us, n_proc * 4, "b"), 1000)
    db = args.db or f"sqlite:///{tmp / 'served.db'}"
    make_ledger(db, us, ru, log)
    server, url = _start(["serve", db, "--log-key", str(keydir / "log.key"), "--port", "0"], env)
    try:
        singles, https = [], []
        for r in range(rounds):
            singles.append(in_process(base, log, signed_entries(us, n_proc, f"a{r}"), 1))
            per = n_http // party_procs
            bodies = [[s.body for s in signed_entries(k, per, f"h{r}")] for k in (us, ru)]
            https.append(over_http(url, bodies, connections))
            print(f"round {r + 1}: in-process one per commit {singles[-1]:,.0f}/s, HTTP {https[-1]['rate']:,.0f}/s "
                  f"(p50 {https[-1]['p50_ms']:.1f} ms, p99 {https[-1]['p99_ms']:.1f} ms)")
        ratios = [h["rate"] / s1 for h, s1 in zip(https, singles, strict=True)]
        single = statistics.median(singles)
        http = {k: statistics.median(h[k] for h in https) for k in ("rate", "p50_ms", "p99_ms")}
        ratio = statistics.median(ratios)
        result.update(inprocess_single_rate=single, inprocess_batched_rate=batched, http_rate=http["rate"],
                      http_entries=sum(h["entries"] for h in https), p50_ms=http["p50_ms"], p99_ms=http["p99_ms"],
                      ratio_http_to_inprocess_single=ratio, ratios_by_round=[round(r, 3) for r in ratios],
                      ratio_http_to_inprocess_batched=http["rate"] / batched,
                      rounds=rounds, parties=party_procs, connections_per_party=connections)
        print(f"in-process append, one entry per commit (with receipt): {single:,.0f} entries/s (median)")
        print(f"in-process append, 1,000 per commit (ceiling):          {batched:,.0f} entries/s")
        print(f"over HTTP, {party_procs} parties x {connections} connections: {http['rate']:,.0f} entries/s "
              f"(p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms); "
              f"{ratio:.2f} x in-process one per commit (target >= 0.5), {http['rate'] / batched:.2f} x batched")
        # 3. Tile reads, once the checkpoint covers everything.
        size = result["http_entries"] + 1
        deadline = time.time() + 120
        while int(httpx.get(f"{url}/checkpoint").text.split("\n")[1]) < size and time.time() < deadline:
            time.sleep(0.05)
        reads = tile_reads(url, size, 3.0 if args.quick else 8.0)
        result["tile_reads_per_s"] = reads
        print(f"tile and bundle reads (full, 16 readers): {reads:,.0f}/s")
    finally:
        _stop(server)

    # 4. Append to a checkpoint cosigned by two witnesses.
    wdb = f"sqlite:///{tmp / 'witnessed.db'}"
    make_ledger(wdb, us, ru, log)
    wkeys = [generate_witness_key("witness.example/us"), generate_witness_key("witness.example/ru")]
    procs, specs = [], []
    try:
        for i, w in enumerate(wkeys):
            write_atomic(keydir / f"w{i}.key", (w.skey + "\n").encode(), mode=0o600)
            proc, wurl = _start(["witness", "serve", "--key", str(keydir / f"w{i}.key"), "--log",
                                 f"{ORIGIN}={log.public.vkey}", "--state", str(tmp / f"w{i}.db"), "--port", "0"], env)
            procs.append(proc)
            specs += ["--witness", f"{w.name}={w.public.vkey}@{wurl}"]
        server, url = _start(["serve", wdb, "--log-key", str(keydir / "log.key"), "--port", "0",
                              "--checkpoint-interval", "1.0", *specs], env)
        procs.append(server)
        time.sleep(1.5)  # the first checkpoint and its cosignatures
        n = 5 if args.quick else 15
        idle = checkpoint_latency(url, us, wkeys, n, 1.5)
        busy = checkpoint_latency(url, us, wkeys, n, 0.3)
        result.update(cosigned_checkpoint_idle_median_s=statistics.median(idle),
                      cosigned_checkpoint_idle_max_s=max(idle),
                      cosigned_checkpoint_busy_median_s=statistics.median(busy),
                      cosigned_checkpoint_busy_max_s=max(busy), checkpoint_interval_s=1.0, witnesses=2)
        print(f"append -> checkpoint cosigned by 2 witnesses (interval 1 s), {n} each: idle log median "
              f"{statistics.median(idle):.3f} s (worst {max(idle):.3f}); a checkpoint 0.3 s before: median "
              f"{statistics.median(busy):.3f} s (worst {max(busy):.3f})")
    finally:
        for p in reversed(procs):
            _stop(p)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
