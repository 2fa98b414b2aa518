"""Fuzzing every file the ledger's commands read, through the CLI runner.

A small valid ledger (SQLite) is built with the commands themselves, and each file it gave a
party is mutated, byte by byte and field by field (tests/fuzzing.py), and handed to the command
that reads it: ``append`` (the payload JSON, the signer key), ``init`` (a party's and the log's
public key), ``verify-bundle`` (the .tlog-proof bundle, a receipt, a public key), ``audit``
(``--trusted`` checkpoint note, ``--cosigner-state``, ``--receipt``) and ``cosign --state``.

Every run must end in exit code 0, 1 or 2 with no exception escaping; anything on stderr is at
most one line, ``error: ...`` (or ``note: ...``); exit 2 prints exactly that one line and
nothing on stdout. A failed command writes nothing: ``append`` leaves the store's size as it was
and writes no receipt, ``init`` creates no database, ``cosign`` neither stores a cosignature nor
touches the state file. A payload that ``append`` accepts must be checkpointed, proved, verified
and exported again (issue 9: a payload accepted by append is readable back). A run that has not
ended after a generous watchdog fails as hung.

Fixed seed (``derandomize``) and a fixed budget of examples per target; set
``ACCORD_FUZZ_EXAMPLES`` for a bigger campaign and ``ACCORD_FUZZ_REPORT=FILE`` to append the
counts (tried, reported as errors, accepted, crashed, hung) to FILE as JSON lines.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.cli import app
from accord.ledger import Ledger
from fuzzing import WATCHDOG_S, Hang, _alarm, _mutate_value, mutants

EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "12"))

runner = CliRunner()
STATS: dict[str, Counter[str]] = {}
_serial = itertools.count()


# ----------------------------------------------------------------------------- the world


@dataclass
class World:
    """A ledger (3 entries, 2 checkpoints, the first cosigned by US and RU, the second by
    nobody yet) and the files its parties hold."""

    dir: Path
    keys: Path
    db: Path  # the SQLite file: read-only for the fuzz (cosign works on copies)
    origin: str
    files: dict[str, bytes]

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    def pub(self, name: str) -> str:
        return str(self.keys / f"{name}.pub")

    def pins(self) -> list[str]:
        return [f"--key={n}={self.pub(n)}" for n in ("US", "RU", "log")]


def ok(*args: Any) -> dict[str, Any]:
    r = runner.invoke(app, ["ledger", *map(str, args), "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def size(url: str) -> int:
    with Ledger.open(url) as ledger:
        return ledger.size()


def signers(db: Path) -> list[list[str]]:
    """The names on each checkpoint's signatures, oldest checkpoint first."""
    with Ledger.open(f"sqlite:///{db}") as ledger:
        return [sorted(s.name for s in note.signatures) for _, note in ledger.checkpoint_notes()]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    d = tmp_path_factory.mktemp("ledger-fuzz")
    keys = d / "keys"
    for name in ("US", "RU", "log"):
        ok("keygen", name, "--out", keys)
    db = d / "ledger.db"
    url = f"sqlite:///{db}"
    origin = ok("init", url, "--agreement", "newstart", "--key", f"US={keys / 'US.pub'}",
                "--key", f"RU={keys / 'RU.pub'}", "--log-key", keys / "log.pub")["origin"]
    payload = json.dumps({"category": "deployed-icbm", "count": 400, "as_of": "2026-01-01",
                          "items": [{"id": "a1", "type": "icbm", "warheads": 3}], "note": "seed"}, indent=1)
    (d / "payload.json").write_text(payload)
    ok("append", url, d / "payload.json", "--key", keys / "US.key", "--kind", "declaration",
       "--receipt", d / "receipt.json", "--log-key", keys / "log.key")
    note = ok("checkpoint", url, "--key", keys / "log.key")["note"]
    (d / "trusted.note").write_text(note)
    for party in ("US", "RU"):
        ok("cosign", url, "--key", keys / f"{party}.key")
    ok("prove", url, "--index", 1, "--out", d / "entry.tlog-proof")
    ok("append", url, d / "payload.json", "--key", keys / "RU.key", "--kind", "notification")
    ok("checkpoint", url, "--key", keys / "log.key")
    files = {
        "payload": payload.encode(),
        "US.key": (keys / "US.key").read_bytes(),
        "US.pub": (keys / "US.pub").read_bytes(),
        "log.pub": (keys / "log.pub").read_bytes(),
        "bundle": (d / "entry.tlog-proof").read_bytes(),
        "receipt": (d / "receipt.json").read_bytes(),
        "note": (d / "trusted.note").read_bytes(),
        "state": (keys / "RU.cosigned").read_bytes(),
    }
    yield World(d, keys, db, origin, files)
    report = os.environ.get("ACCORD_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            for target, c in sorted(STATS.items()):
                f.write(json.dumps({"target": target, "examples_per_target": EXAMPLES, **c}) + "\n")


# ----------------------------------------------------------------------------- the check


def run_cli(target: str, args: list[Any]) -> int:
    """Run ``accord ledger ARGS``; count the outcome under ``target``; fail on a traceback, a
    hang, an exit code other than 0/1/2 or an error that is not one line. The exit code."""
    stats = STATS.setdefault(target, Counter({"tried": 0, "reported": 0, "accepted": 0, "crashed": 0, "hung": 0}))
    stats["tried"] += 1
    argv = ["ledger", *map(str, args)]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_S)
    try:
        r = runner.invoke(app, argv)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    exc = r.exception
    shown = " ".join(a[:200] for a in argv)
    if isinstance(exc, Hang):
        stats["hung"] += 1
        pytest.fail(f"{target}: hung: accord {shown}")
    if exc is not None and not isinstance(exc, SystemExit):
        stats["crashed"] += 1
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        pytest.fail(f"{target}: traceback from accord {shown}:\n{tb}")
    if r.exit_code not in (0, 1, 2):
        stats["crashed"] += 1
        pytest.fail(f"{target}: exit {r.exit_code}: {r.output[-2000:]}")
    err = r.stderr.strip()
    assert "Traceback" not in r.output and "\n" not in err, f"{target}: {err!r}"
    assert not err or err.startswith(("error: ", "note: ")), f"{target}: {err!r}"
    if r.exit_code == 2:
        stats["reported"] += 1
        assert err.startswith("error: ") and not r.stdout.strip(), f"{target}: {r.output!r}"
    else:
        stats["accepted"] += 1
    return r.exit_code


def fresh(world: World, suffix: str, data: bytes) -> Path:
    p = world.dir / f"m{next(_serial)}{suffix}"
    p.write_bytes(data)
    return p


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@st.composite
def leaf_mutant(draw: st.DrawFn, bundle: bytes) -> bytes:
    """The bundle with its entry (the ``extra`` line: signature || RFC 8785 statement) parsed,
    mutated value by value or byte by byte, and re-encoded: the proof then fails, but the
    entry is still read and must not crash the verifier."""
    lines = bundle.split(b"\n")
    leaf = base64.b64decode(lines[1][6:])
    sig, statement = leaf[:64], leaf[64:]
    if draw(st.booleans()):
        body = json.dumps(_mutate_value(draw, json.loads(statement)), separators=(",", ":")).encode()
    else:
        body = draw(mutants(statement, "json"))
    if draw(st.booleans()):
        sig = sig[:draw(st.integers(0, 64))]
    lines[1] = b"extra " + base64.b64encode(sig + body)
    return b"\n".join(lines)


# ----------------------------------------------------------------------------- append


@pytest.fixture(scope="module")
def append_db(world: World) -> str:
    """A copy of the ledger that the append fuzz appends to."""
    db = world.dir / "append.db"
    shutil.copy(world.db, db)
    return f"sqlite:///{db}"


def _readable_back(world: World, url: str, index: int) -> None:
    """An appended entry can be checkpointed, cosigned, proved, verified and exported."""
    ok("checkpoint", url, "--key", world.keys / "log.key")
    ok("cosign", url, "--key", world.keys / "US.key", "--state", world.dir / "append-US.cosigned")
    bundle = world.dir / f"b{next(_serial)}.tlog-proof"
    ok("prove", url, "--index", index, "--out", bundle)
    verified = ok("verify-bundle", bundle, f"--key=log={world.pub('log')}", f"--key=US={world.pub('US')}",
                  "--origin", world.origin)
    assert verified["ok"] is True, verified
    assert len(ok("export", url)["entries"]) == index + 1


def test_append_payload(world: World, append_db: str) -> None:
    @FUZZ
    @given(data=mutants(world.files["payload"], "json"))
    def fuzz(data: bytes) -> None:
        payload = fresh(world, ".json", data)
        receipt = world.dir / f"r{next(_serial)}.json"
        before = size(append_db)
        code = run_cli("append (payload)", ["append", append_db, payload, "--key", world.keys / "US.key",
                                            "--kind", "declaration", "--receipt", receipt,
                                            "--log-key", world.keys / "log.key"])
        after = size(append_db)
        if code == 2:
            assert after == before and not receipt.exists(), "a failed append wrote something"
        else:
            assert code == 0 and after == before + 1 and receipt.exists()
            _readable_back(world, append_db, before)

    fuzz()


def test_append_key(world: World, append_db: str) -> None:
    payload = fresh(world, ".json", world.files["payload"])

    @FUZZ
    @given(data=mutants(world.files["US.key"], "text"))
    def fuzz(data: bytes) -> None:
        key = fresh(world, ".key", data)
        before = size(append_db)
        code = run_cli("append (key)", ["append", append_db, payload, "--key", key, "--kind", "declaration"])
        assert size(append_db) == before + (code == 0), "a failed append wrote something"

    fuzz()


# ----------------------------------------------------------------------------- init


@pytest.mark.parametrize("which", ["US.pub", "log.pub"])
def test_init_key(world: World, which: str) -> None:
    @FUZZ
    @given(data=mutants(world.files[which], "text"))
    def fuzz(data: bytes) -> None:
        key = fresh(world, ".pub", data)
        keys = {"US": world.pub("US"), "log": world.pub("log")}
        keys[which.split(".")[0]] = str(key)
        db = world.dir / f"init{next(_serial)}.db"
        code = run_cli(f"init ({which})", ["init", f"sqlite:///{db}", "--agreement", "newstart",
                                           "--key", f"US={keys['US']}", "--key", f"RU={world.pub('RU')}",
                                           "--log-key", keys["log"]])
        if code == 2:
            assert not db.exists(), "a failed init left a database"

    fuzz()


# ----------------------------------------------------------------------------- verify-bundle


def test_verify_bundle_file(world: World) -> None:
    @FUZZ
    @given(data=st.one_of(mutants(world.files["bundle"], "text"), leaf_mutant(world.files["bundle"])))
    def fuzz(data: bytes) -> None:
        bundle = fresh(world, ".tlog-proof", data)
        run_cli("verify-bundle (bundle)", ["verify-bundle", bundle, *world.pins(), "--origin", world.origin])

    fuzz()


def test_verify_bundle_receipt(world: World) -> None:
    bundle = fresh(world, ".tlog-proof", world.files["bundle"])

    @FUZZ
    @given(data=mutants(world.files["receipt"], "json"))
    def fuzz(data: bytes) -> None:
        receipt = fresh(world, ".json", data)
        run_cli("verify-bundle (receipt)", ["verify-bundle", bundle, *world.pins(), "--origin", world.origin,
                                            "--receipt", receipt])

    fuzz()


@pytest.mark.parametrize("which", ["US.pub", "log.pub"])
def test_verify_bundle_key(world: World, which: str) -> None:
    bundle = fresh(world, ".tlog-proof", world.files["bundle"])
    name = which.split(".")[0]

    @FUZZ
    @given(data=mutants(world.files[which], "text"))
    def fuzz(data: bytes) -> None:
        key = fresh(world, ".pub", data)
        pins = [f"--key={n}={key if n == name else world.pub(n)}" for n in ("US", "RU", "log")]
        run_cli(f"verify-bundle ({which})", ["verify-bundle", bundle, *pins, "--origin", world.origin])

    fuzz()


# ----------------------------------------------------------------------------- audit


@pytest.mark.parametrize("option, seed, kind", [("--trusted", "note", "text"), ("--cosigner-state", "state", "json"),
                                                ("--receipt", "receipt", "json")])
def test_audit_files(world: World, option: str, seed: str, kind: str) -> None:
    before = world.db.read_bytes()

    @FUZZ
    @given(data=mutants(world.files[seed], kind))
    def fuzz(data: bytes) -> None:
        path = fresh(world, ".json" if kind == "json" else ".note", data)
        pins = ["--origin", world.origin] if option == "--cosigner-state" else [*world.pins(), "--origin", world.origin]
        run_cli(f"audit ({option})", ["audit", world.url, *pins, option, path])

    fuzz()
    assert world.db.read_bytes() == before, "the audit changed the store"


# ----------------------------------------------------------------------------- cosign


def test_cosign_state(world: World) -> None:
    @FUZZ
    @given(data=mutants(world.files["state"], "json"))
    def fuzz(data: bytes) -> None:
        db = world.dir / f"cosign{next(_serial)}.db"
        shutil.copy(world.db, db)
        state = fresh(world, ".cosigned", data)
        before = signers(db)
        code = run_cli("cosign (--state)", ["cosign", f"sqlite:///{db}", "--key", world.keys / "RU.key",
                                            "--state", state])
        after = signers(db)
        if code == 0:
            assert "RU" in after[-1] and json.loads(state.read_text())["logs"][world.origin]["size"] == 3
        else:
            assert after == before and state.read_bytes() == data, "a refused cosign wrote something"
        with contextlib.suppress(FileNotFoundError):
            db.unlink()

    fuzz()


# ----------------------------------------------------------------------------- the seeds


def test_the_seeds_are_accepted(world: World) -> None:
    """The fuzz starts from valid files: unmutated, each is accepted."""
    f = world.files
    bundle = fresh(world, ".tlog-proof", f["bundle"])
    receipt = fresh(world, ".json", f["receipt"])
    assert ok("verify-bundle", bundle, *world.pins(), "--origin", world.origin, "--receipt", receipt)["ok"]
    audited = ok("audit", world.url, *world.pins(), "--origin", world.origin,
                 "--trusted", fresh(world, ".note", f["note"]), "--receipt", receipt)
    assert audited["ok"] and audited["trust"]["level"] != "none", audited
    assert ok("audit", world.url, "--cosigner-state", fresh(world, ".json", f["state"]))["ok"]
    db = world.dir / "seed-cosign.db"
    shutil.copy(world.db, db)
    state = fresh(world, ".cosigned", f["state"])
    assert ok("cosign", f"sqlite:///{db}", "--key", world.keys / "RU.key", "--state", state)["size"] == 3
    assert signers(db)[-1] == ["RU", "log"]



# ----------------------------------------------------------------------------- crashes found


def test_a_receipt_field_named_with_a_newline_is_one_line(world: World) -> None:
    """Found by the fuzz: an unknown receipt field called ``"a\\nb"`` was printed raw as the
    error's field, so the error took two lines."""
    bundle = fresh(world, ".tlog-proof", world.files["bundle"])
    receipt = json.loads(world.files["receipt"])
    receipt["a\nb"] = "x"
    path = fresh(world, ".json", json.dumps(receipt).encode())
    for args in (["verify-bundle", bundle, *world.pins(), "--origin", world.origin, "--receipt", path],
                 ["audit", world.url, *world.pins(), "--origin", world.origin, "--receipt", path]):
        r = runner.invoke(app, ["ledger", *map(str, args)])
        assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
        assert r.stderr == f"error: {path}: unknown field 'a\\nb'\n"


@pytest.mark.parametrize("line", [1, 3])
def test_non_ascii_base64_in_a_bundle_is_one_line(world: World, line: int) -> None:
    """Found by the fuzz: a non-ASCII character in the bundle's ``extra`` line or in a proof
    hash raised ValueError (not binascii.Error) out of base64 and crashed verify-bundle."""
    lines = world.files["bundle"].decode().split("\n")
    lines[line] = ("extra " if line == 1 else "") + "é" * 44
    bundle = fresh(world, ".tlog-proof", "\n".join(lines).encode())
    r = runner.invoke(app, ["ledger", "verify-bundle", str(bundle), *world.pins(), "--origin", world.origin])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code == 2 and r.stderr == f"error: {bundle}:{line + 1}: " + (
        "extra is not base64\n" if line == 1 else "proof hash is not base64\n")
