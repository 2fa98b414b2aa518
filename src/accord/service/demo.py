"""``accord demo network``: a log, two parties' witnesses and a monitor on 127.0.0.1, and six
months of SYNTHETIC exchanges submitted over HTTP by both parties.

:class:`Network` starts, each on a free port of 127.0.0.1 and in a thread of this process:

- a witness per party (C2SP tlog-witness, :mod:`accord.service.witness`), its state in
  ``DIR/witness-<PARTY>.db``;
- the log server (:mod:`accord.service.app`) over a ledger created for ``newstart-2021``
  between US and RU with a separate log key, asking both witnesses to cosign every checkpoint,
  with the dashboard showing the monitor's findings;

then :meth:`Network.submit_synthetic` has each party — from its own thread, with its own key —
sign and submit what ``accord synth`` generates for it (a declaration, six months of
notifications, the next declaration) through ``POST /add-entry``; :meth:`Network.wait_cosigned`
waits for a checkpoint covering everything, cosigned by both witnesses; :meth:`Network.monitor`
checks the log from outside (``accord monitor``), comparing the witnesses' views.

Keys are written to ``DIR/keys`` (the parties', the log's and the witnesses'), so the same
network can be driven with the CLI (``accord ledger submit``, ``accord monitor``) while it runs.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ledger.cosignature import WitnessSigner, cosigners, generate_witness_key
from ..ledger.keys import PrivateKey, generate_key, write_atomic
from ..ledger.note import Checkpoint, Note
from .monitor import MonitorReport, WitnessSpec

__all__ = ["AGREEMENT", "DEMO_SCHEMA", "DemoResult", "Network", "ServerThread", "WitnessProcess", "free_port",
           "run_demo"]

DEMO_SCHEMA = "accord.demo.network/v1"
AGREEMENT = "newstart-2021"
PARTIES = ("US", "RU")
#: A six-month itemized declaration is ~315 KB: over the 65,535 bytes of a tlog-tiles entry, so
#: the demo's log accepts entries up to this (served at /accord/entries/ with 32-bit lengths).
MAX_ENTRY_BYTES = 2 * 1024 * 1024


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """An ASGI app served by uvicorn on 127.0.0.1 in a daemon thread (lifespan on)."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> ServerThread:
        import uvicorn

        from .connections import BoundedH11Protocol

        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                access_log=False, http=BoundedH11Protocol)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"uvicorn-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise InputError(f"the server on 127.0.0.1:{self.port} did not start", field="port")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(30)
        self._server = self._thread = None


class WitnessProcess:
    """A witness run as its own process (``accord witness serve``) on a fixed port of 127.0.0.1:
    a party's witness on another machine, which can be killed outright (SIGKILL) and restarted."""

    def __init__(self, key_file: Path, origin: str, log_pub: Path, state: Path, port: int | None = None) -> None:
        self.args = ["--key", str(key_file), "--log", f"{origin}={log_pub}", "--state", str(state)]
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: Any = None

    def start(self, timeout: float = 60.0) -> WitnessProcess:
        import subprocess
        import sys

        import httpx

        code = "from accord.cli import main; main()"
        self._proc = subprocess.Popen([sys.executable, "-c", code, "witness", "serve", *self.args,
                                       "--port", str(self.port)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise InputError(f"the witness on 127.0.0.1:{self.port} did not start", field="port")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything (a power cut, as far as the witness knows)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(30)
            self._proc = None

    def stop(self) -> None:
        import subprocess

        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:  # it would not stop: kill it
                self._proc.kill()
                self._proc.wait(30)
            self._proc = None


@dataclass(frozen=True)
class Submission:
    """What one party submitted: entries by kind, and how long it took."""

    party: str
    by_kind: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class DemoResult:
    """What ``accord demo network`` did (``accord.demo.network/v1``)."""

    directory: Path
    urls: dict[str, str]
    origin: str
    submissions: tuple[Submission, ...]
    size: int
    root: str
    cosigned_by: tuple[str, ...]
    monitor: MonitorReport
    columns = ("what", "value")

    def to_json(self) -> dict[str, Any]:
        return {"schema": DEMO_SCHEMA, "synthetic": True, "directory": str(self.directory), "urls": self.urls,
                "origin": self.origin, "agreement": AGREEMENT,
                "submitted": {s.party: {"entries": s.by_kind, "seconds": round(s.seconds, 3)}
                              for s in self.submissions},
                "checkpoint": {"size": self.size, "root": self.root, "cosigned_by": list(self.cosigned_by)},
                "monitor": self.monitor.to_json()}

    def rows(self) -> list[dict[str, Any]]:
        rows = [{"what": name, "value": url} for name, url in self.urls.items()]
        for s in self.submissions:
            kinds = ", ".join(f"{n:,} {k}" for k, n in s.by_kind.items())
            rows.append({"what": f"submitted by {s.party}", "value": f"{kinds} in {s.seconds:.1f} s"})
        rows.append({"what": "checkpoint", "value": f"size {self.size:,}, root {self.root}"})
        rows.append({"what": "cosigned by", "value": ", ".join(self.cosigned_by)})
        rows.append({"what": "monitor", "value": self.monitor.summary()})
        rows.append({"what": "monitor saw cosigners", "value": ", ".join(self.monitor.cosigners) or "none"})
        for view in self.monitor.witnesses:
            rows.append({"what": f"monitor: {view['source']}", "value": f"size {view.get('size')}: {view['status']}"})
        for r in self.monitor.rows():
            rows.append({"what": f"monitor {r['severity']}", "value": f"{r['kind']}: {r['detail']}"})
        rows.append({"what": "files", "value": str(self.directory)})
        return rows

    def title(self) -> str:
        return f"accord network on 127.0.0.1 — {self.origin} (SYNTHETIC data)"

    def footer(self) -> str:
        return (f"Keys are in {self.directory / 'keys'}: try `accord ledger submit`, `accord monitor` or the "
                "dashboard while it runs. The exchanges are synthetic (accord synth).")


@dataclass
class _Keys:
    parties: dict[str, PrivateKey]
    log: PrivateKey
    witnesses: dict[str, WitnessSigner]


def _write_keys(directory: Path, keys: _Keys) -> None:
    folder = directory / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    for key in [*keys.parties.values(), keys.log]:
        write_atomic(folder / f"{key.name}.key", (key.skey + "\n").encode(), mode=0o600)
        write_atomic(folder / f"{key.name}.pub", (key.public.vkey + "\n").encode())
    for party, signer in keys.witnesses.items():
        write_atomic(folder / f"witness-{party}.key", (signer.skey + "\n").encode(), mode=0o600)
        write_atomic(folder / f"witness-{party}.pub", (signer.public.vkey + "\n").encode())


@dataclass
class Network:
    """The demo network (see the module docstring); use as a context manager."""

    directory: Path
    db: str | None = None
    checkpoint_interval: float = 0.2
    #: Parties whose witness runs as its own process (:class:`WitnessProcess`), not a thread.
    witness_processes: tuple[str, ...] = ()
    keys: _Keys = field(init=False)
    origin: str = field(init=False, default="")
    log: ServerThread | None = field(init=False, default=None)
    witnesses: dict[str, ServerThread | WitnessProcess] = field(init=False, default_factory=dict)

    @property
    def monitor_dir(self) -> Path:
        return self.directory / "monitor"

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.directory / 'log.db'}"

    @property
    def log_url(self) -> str:
        assert self.log is not None
        return self.log.url

    def urls(self) -> dict[str, str]:
        out = {"log": self.log_url + "/", "dashboard": self.log_url + "/dashboard/",
               "checkpoint": self.log_url + "/checkpoint"}
        out.update({f"witness {p}": s.url + "/" for p, s in self.witnesses.items()})
        out["monitor state"] = str(self.monitor_dir)
        return out

    def witness_specs(self) -> list[WitnessSpec]:
        return [WitnessSpec(s.url, self.keys.witnesses[p].public) for p, s in self.witnesses.items()]

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Network:
        """Make the keys and the ledger, start both witnesses and the log server."""
        from ..ledger import Ledger

        self.directory.mkdir(parents=True, exist_ok=True)
        self.keys = _Keys({p: generate_key(p) for p in PARTIES}, generate_key("log"),
                          {p: generate_witness_key(f"witness-{p}") for p in PARTIES})
        _write_keys(self.directory, self.keys)
        with Ledger.create(self.db_url, agreement=AGREEMENT, parties=[k.public for k in self.keys.parties.values()],
                           log_key=self.keys.log.public) as ledger:
            self.origin = ledger.origin
        try:
            for party in PARTIES:
                self.witnesses[party] = self._witness(party).start()
            self.log = ServerThread(self._log_app()).start()
        except BaseException:
            self.stop()
            raise
        return self

    def _witness(self, party: str, port: int | None = None) -> ServerThread | WitnessProcess:
        state = self.directory / f"witness-{party}.db"
        if party in self.witness_processes:
            keys = self.directory / "keys"
            return WitnessProcess(keys / f"witness-{party}.key", self.origin, keys / "log.pub", state, port)
        from .witness import create_witness_app

        return ServerThread(create_witness_app(self.keys.witnesses[party], {self.origin: [self.keys.log.public]},
                                               state), port)

    def _log_app(self) -> Any:
        from .app import create_log_app
        from .config import LogConfig, WitnessConfig, durable_url

        witnesses = tuple(WitnessConfig(self.keys.witnesses[p].public, s.url) for p, s in self.witnesses.items())
        config = LogConfig(durable_url(self.db_url), self.keys.log, checkpoint_interval=self.checkpoint_interval,
                           witnesses=witnesses, max_entry_bytes=MAX_ENTRY_BYTES)
        return create_log_app(config, monitor_state=self.monitor_dir)

    def kill_witness(self, party: str) -> None:
        """Kill a party's witness outright (SIGKILL when it runs as a process; a thread is stopped)."""
        server = self.witnesses[party]
        if isinstance(server, WitnessProcess):
            server.kill()
        else:
            server.stop()

    def restart_witness(self, party: str) -> None:
        """Start a party's (stopped or killed) witness again, on the same port and state file."""
        old = self.witnesses[party]
        old.stop()
        self.witnesses[party] = self._witness(party, old.port).start()

    def stop(self) -> None:
        """Stop the log server, then the witnesses."""
        if self.log is not None:
            self.log.stop()
        for server in self.witnesses.values():
            server.stop()

    def __enter__(self) -> Network:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the parties do -------------------------------------------------------------
    def submit_synthetic(self, *, as_of: _dt.date = _dt.date(2020, 9, 1), months: int = 6, seed: int = 1,
                         progress: Callable[[str], None] | None = None) -> tuple[Submission, ...]:
        """Each party, in its own thread and with its own key, submits over HTTP what
        ``accord synth`` makes for it: its declaration, its notifications in order, its next
        declaration."""
        import json

        from ..app.synth import synth

        plans: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for party in PARTIES:
            out = self.directory / "synth" / party
            synth(party, as_of, out, months=months, seed=seed)
            notes = [json.loads(line) for line in (out / "notifications.jsonl").read_text(encoding="utf-8")
                     .splitlines() if line.strip()]
            plans[party] = [("declaration", json.loads((out / "declaration.json").read_text(encoding="utf-8"))),
                            *(("notification", n) for n in notes),
                            ("declaration", json.loads((out / "next-declaration.json").read_text(encoding="utf-8")))]
        with ThreadPoolExecutor(len(PARTIES)) as pool:
            futures = [pool.submit(self._submit_plan, party, plans[party], progress) for party in PARTIES]
            return tuple(f.result() for f in futures)

    def _submit_plan(self, party: str, plan: Sequence[tuple[str, dict[str, Any]]],
                     progress: Callable[[str], None] | None) -> Submission:
        import httpx

        from .client import submit

        key = self.keys.parties[party]
        counts: dict[str, int] = {}
        start = time.perf_counter()
        with httpx.Client(timeout=60) as http:
            for kind, payload in plan:
                submit(self.log_url, key, kind, payload, origin=self.origin, log_key=self.keys.log.public,
                       client=http)
                counts[kind] = counts.get(kind, 0) + 1
        if progress is not None:
            progress(f"{party} submitted {sum(counts.values()):,} entries")
        return Submission(party, counts, time.perf_counter() - start)

    def wait_cosigned(self, size: int | None = None, *, timeout: float = 60.0) -> tuple[Checkpoint, str, list[str]]:
        """The log's checkpoint once it covers ``size`` entries (default: the ledger's size now)
        and carries a valid cosignature of every witness."""
        import httpx

        from ..ledger import Ledger

        if size is None:
            with Ledger.open(self.db_url) as ledger:
                size = ledger.size()
        keys = [w.public for w in self.keys.witnesses.values()]
        deadline = time.monotonic() + timeout
        last = ""
        with httpx.Client(timeout=10) as http:
            while True:
                r = http.get(f"{self.log_url}/checkpoint")
                if r.status_code == 200:
                    last = r.text
                    note = Note.parse(last)
                    cp = Checkpoint.from_text(note.text)
                    signed = sorted(cosigners(note, keys))
                    if cp.size >= size and len(signed) == len(keys) and note.signed_by(self.keys.log.public):
                        return cp, last, signed
                if time.monotonic() > deadline:
                    raise InputError(f"no checkpoint of size {size} cosigned by every witness within {timeout:g} s "
                                     f"(last: {last.splitlines()[1:2]})", file=self.log_url)
                time.sleep(0.05)

    def monitor(self) -> MonitorReport:
        """One check of the log from outside, with both witnesses' views."""
        from .monitor import run

        return run(self.log_url, self.monitor_dir, log_key=self.keys.log.public, witnesses=self.witness_specs(),
                   once=True)

    @contextmanager
    def following(self, interval: float = 2.0) -> Iterator[list[MonitorReport]]:
        """A monitor following the log in a thread while the block runs (its reports in the list)."""
        from .monitor import run

        reports: list[MonitorReport] = []
        stop = threading.Event()

        def loop() -> None:
            with suppress(InputError):
                run(self.log_url, self.monitor_dir, witnesses=self.witness_specs(), once=False, interval=interval,
                    on_report=reports.append, should_stop=stop.is_set)

        thread = threading.Thread(target=loop, name="accord-monitor", daemon=True)
        thread.start()
        try:
            yield reports
        finally:
            stop.set()
            thread.join(30)


def run_demo(directory: Path, *, db: str | None = None, as_of: _dt.date = _dt.date(2020, 9, 1), months: int = 6,
             seed: int = 1, progress: Callable[[str], None] | None = None,
             keep_running: Callable[[Network, DemoResult], None] | None = None) -> DemoResult:
    """Start the network, have both parties submit, wait for both cosignatures, monitor it;
    ``keep_running(network, result)`` is called while it still runs (the CLI waits there for
    Ctrl-C). Everything is stopped before returning."""
    say = progress or (lambda _m: None)
    with Network(directory, db) as net:
        say(f"log {net.log_url}/ with witnesses {', '.join(s.url for s in net.witnesses.values())}")
        submissions = net.submit_synthetic(as_of=as_of, months=months, seed=seed, progress=say)
        cp, _text, signed = net.wait_cosigned()
        say(f"checkpoint of size {cp.size:,} cosigned by {', '.join(signed)}")
        report = net.monitor()
        import base64

        result = DemoResult(directory, net.urls(), net.origin, submissions, cp.size,
                            base64.b64encode(cp.root).decode(), tuple(signed), report)
        if keep_running is not None:
            keep_running(net, result)
        return result
