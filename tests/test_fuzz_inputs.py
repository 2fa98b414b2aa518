"""Fuzzing every file-reading command outside the ledger, through the CLI runner.

Valid files (an agreement, a vocabulary, holdings as CSV, JSON and YAML, a declaration, its
notifications and the next declaration) are mutated, byte by byte and value by value, and each
mutant is handed to the command that reads it: ``show`` and ``check`` on an agreement YAML,
``check --data`` on holdings, ``exchange replay`` and ``exchange reconcile`` on declarations and
notifications. Every run must end in exit code 0, 1 or 2, with no exception escaping; exit 2
must print exactly one line ``error: ...`` and write nothing (``replay --out``). A run that has
not ended after a generous watchdog (it is a hang detector, not a speed test) fails as hung.

Fixed seed (``derandomize``) and a fixed budget of examples per reader; set
``ACCORD_FUZZ_EXAMPLES`` to run a bigger campaign and ``ACCORD_FUZZ_REPORT=FILE`` to append
the counts (tried, reported as errors, accepted, crashed, hung) to FILE as JSON lines.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from accord.cli import app
from fuzzing import WATCHDOG_S, Hang, _alarm, mutants

EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "20"))
LIBRARY = Path(__file__).resolve().parents[1] / "src" / "accord" / "agreements" / "library"

runner = CliRunner()
STATS: dict[str, Counter[str]] = {}
_serial = itertools.count()


# ----------------------------------------------------------------------------- seed files


def _seeds(tmp: Path) -> dict[str, bytes]:
    """Small valid files of every kind, built from accord's own synthetic exchange data."""
    out = tmp / "synth"
    r = runner.invoke(app, ["synth", "-p", "US", "--as-of", "2020-09-01", "-o", str(out), "--months", "1"])
    assert r.exit_code == 0, r.output
    lines = (out / "notifications.jsonl").read_text().splitlines()[:8]
    notes = [json.loads(x) for x in lines]
    keep = {n["item"] for n in notes}
    decl = json.loads((out / "declaration.json").read_text())
    nxt = json.loads((out / "next-declaration.json").read_text())
    for d in (decl, nxt):
        linked = {i.get("launcher") for i in d["items"] if i["id"] in keep} | {
            i["id"] for i in d["items"] if i.get("launcher") in keep}
        d["items"] = [i for i in d["items"] if i["id"] in keep | linked][:12]
        d["notes"] = d["notes"][:1]
    vocabulary = (LIBRARY / "vocabularies" / "newstart.yaml").read_text()
    agreement = (LIBRARY / "newstart.yaml").read_text().replace("vocabulary: newstart ", "vocabulary: vocab.yaml ")
    assert "vocabulary: vocab.yaml" in agreement
    return {
        "agreement": agreement.encode(),
        "derived": (LIBRARY / "us-2020-freeze.yaml").read_bytes(),
        "vocabulary": vocabulary.encode(),
        "holdings.csv": b"party,date,deployed_delivery_vehicles,deployed_warheads,deployed_and_nondeployed_launchers\n"
                        b"US,2020-09-01,675,1457,800\nRU,2020-09-01,510,1447,764\n",
        "holdings-long.csv": b"party,date,category,value,source\nUS,2020-09-01,deployed_icbms,397,fact sheet\n"
                             b"US,2020-09-01,deployed_warheads,1457,fact sheet\n",
        "holdings.json": json.dumps({"snapshots": [
            {"party": "US", "date": "2020-09-01", "counts": {"deployed_warheads": 1457, "deployed_icbms": 397}},
            {"party": "RU", "as_of": "2020-09-01", "counts": {"deployed_delivery_vehicles": 510}},
            {"party": "US", "as_of": "2021-03-01", "items": decl["items"][:4]}]}).encode(),
        "holdings.yaml": b"- party: US\n  date: 2020-09-01\n  counts: {deployed_warheads: 1457, deployed_icbms: 397}\n"
                         b"- party: RU\n  as_of: 2021-03-01\n  source: a fact sheet\n  items:\n"
                         b"    - {id: a1, type: icbm, status: deployed, system: X, facility: f1, warheads: 3}\n"
                         b"    - {id: a2, type: icbm_launcher, status: deployed, facility: f1}\n",
        "declaration": json.dumps(decl, indent=1).encode(),
        "notifications": ("\n".join(json.dumps(n) for n in notes) + "\n").encode(),
        "next": json.dumps(nxt, indent=1).encode(),
    }


#: A small agreement that counts with the vocabulary in ``vocab.yaml`` beside it, and its data.
MINI = """\
id: mini
title: A small agreement counting items
parties: [US, RU]
legal_form: treaty
vocabulary: vocab.yaml
sources:
  doc: {document: A document}
source: doc
dates:
  entry_into_force: {date: 2020-01-01, source: doc}
categories:
  - {id: missiles, title: Deployed missiles, source: doc}
  - {id: warheads, title: Stored warheads, unit: warheads, source: doc}
counting:
  - {category: missiles, items: {type: icbm, status: deployed}, count: items, source: doc}
  - {category: warheads, items: {type: [icbm, slbm], status: non-deployed}, count: warheads, source: doc}
limits:
  - {id: cap, title: Missiles, categories: [missiles], cap: 10, source: doc}
regime: {verification: none}
"""
MINI_DATA = """\
party: US
as_of: 2020-06-01
items:
  - {id: a, type: icbm, status: deployed, warheads: 1}
  - {id: b, type: slbm, status: non_deployed, warheads: 4}
"""


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _seeds(tmp_path_factory.mktemp("fuzz-seeds"))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, seeds: dict[str, bytes]) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("fuzz")
    for name in ("declaration", "next"):
        (d / f"{name}.json").write_bytes(seeds[name])
    (d / "notifications.jsonl").write_bytes(seeds["notifications"])
    (d / "vocab.yaml").write_bytes(seeds["vocabulary"])
    (d / "agreement.yaml").write_bytes(seeds["agreement"])
    yield d
    report = os.environ.get("ACCORD_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            for target, c in sorted(STATS.items()):
                f.write(json.dumps({"target": target, "examples_per_reader": EXAMPLES, **c}) + "\n")




# ----------------------------------------------------------------------------- the check



def run_cli(target: str, args: list[str], must_not_exist: Path | None = None) -> None:
    """Run ``accord ARGS``; count the outcome under ``target``; fail on a traceback, a hang, a
    multi-line error or a file written by a failed run."""
    stats = STATS.setdefault(target, Counter({"tried": 0, "reported": 0, "accepted": 0, "crashed": 0, "hung": 0}))
    stats["tried"] += 1
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_S)
    try:
        r = runner.invoke(app, args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    exc = r.exception
    if isinstance(exc, Hang):
        stats["hung"] += 1
        pytest.fail(f"{target}: hung: accord {' '.join(args)}")
    if exc is not None and not isinstance(exc, SystemExit):
        stats["crashed"] += 1
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        pytest.fail(f"{target}: traceback from accord {' '.join(args)}:\n{tb}")
    if r.exit_code not in (0, 1, 2):
        stats["crashed"] += 1
        pytest.fail(f"{target}: exit {r.exit_code}: {r.output[-2000:]}")
    if r.exit_code == 2:
        stats["reported"] += 1
        err = r.stderr.strip()
        assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, f"{target}: {err!r}"
        if must_not_exist is not None:
            assert not must_not_exist.exists(), f"{target}: a failed run wrote {must_not_exist}"
    else:
        stats["accepted"] += 1


def fresh(work: Path, suffix: str, data: bytes) -> Path:
    """A new file for each mutant (the agreement loader caches by path)."""
    p = work / f"m{next(_serial)}{suffix}"
    p.write_bytes(data)
    return p


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------------- the readers


@pytest.mark.parametrize("seed", ["agreement", "derived"])
def test_agreement_files(seeds: dict[str, bytes], work: Path, seed: str) -> None:
    @FUZZ
    @given(data=mutants(seeds[seed], "yaml"))
    def fuzz(data: bytes) -> None:
        p = fresh(work, ".yaml", data)
        run_cli(f"show {seed}.yaml", ["show", str(p), "--at", "2020-09-01", "--format", "json"])

    fuzz()


def test_vocabulary_files(seeds: dict[str, bytes], work: Path) -> None:
    holdings = fresh(work, ".yaml", MINI_DATA.encode())

    @FUZZ
    @given(data=mutants(seeds["vocabulary"], "yaml"))
    def fuzz(data: bytes) -> None:
        d = work / f"v{next(_serial)}"
        d.mkdir()
        (d / "vocab.yaml").write_bytes(data)
        (d / "agreement.yaml").write_text(MINI)
        run_cli("check (vocabulary)", ["check", str(d / "agreement.yaml"), "--data", str(holdings)])

    fuzz()


@pytest.mark.parametrize("seed, kind", [("holdings.csv", "csv"), ("holdings-long.csv", "csv"),
                                        ("holdings.json", "json"), ("holdings.yaml", "yaml")])
def test_holdings_files(seeds: dict[str, bytes], work: Path, seed: str, kind: str) -> None:
    suffix = Path(seed).suffix

    @FUZZ
    @given(data=mutants(seeds[seed], kind))
    def fuzz(data: bytes) -> None:
        p = fresh(work, suffix, data)
        run_cli(f"check --data {seed}", ["check", "newstart-2021", "--data", str(p), "--format", "json"])

    fuzz()


@pytest.mark.parametrize("which", ["declaration", "notifications", "next"])
def test_exchange_files(seeds: dict[str, bytes], work: Path, which: str) -> None:
    kind = "jsonl" if which == "notifications" else "json"
    files = {"declaration": work / "declaration.json", "notifications": work / "notifications.jsonl",
             "next": work / "next.json"}

    @FUZZ
    @given(data=mutants(seeds[which], kind))
    def fuzz(data: bytes) -> None:
        these = dict(files)
        these[which] = fresh(work, ".jsonl" if kind == "jsonl" else ".json", data)
        if which == "next":
            run_cli("exchange reconcile (next declaration)",
                    ["exchange", "reconcile", str(these["declaration"]), str(these["notifications"]),
                     str(these["next"]), "--format", "json"])
            return
        out = work / f"out{next(_serial)}.json"
        run_cli(f"exchange replay ({which})",
                ["exchange", "replay", str(these["declaration"]), str(these["notifications"]), "--at", "2020-10-01",
                 "--out", str(out), "--format", "json"], must_not_exist=out)
        run_cli(f"exchange reconcile ({which})",
                ["exchange", "reconcile", str(these["declaration"]), str(these["notifications"]),
                 str(files["next"]), "--format", "json"])

    fuzz()


def test_the_seeds_are_accepted(seeds: dict[str, bytes], work: Path) -> None:
    """The fuzz starts from valid files: unmutated, each is read without an error."""
    for seed, suffix in (("holdings.csv", ".csv"), ("holdings-long.csv", ".csv"), ("holdings.json", ".json"),
                         ("holdings.yaml", ".yaml")):
        r = runner.invoke(app, ["check", "newstart-2021", "--data", str(fresh(work, suffix, seeds[seed]))])
        assert r.exit_code in (0, 1), (seed, r.output)
    for seed in ("agreement", "derived"):
        r = runner.invoke(app, ["show", str(fresh(work, ".yaml", seeds[seed]))])
        assert r.exit_code == 0, (seed, r.output)
    d = work / "mini"
    d.mkdir()
    (d / "vocab.yaml").write_bytes(seeds["vocabulary"])
    (d / "agreement.yaml").write_text(MINI)
    r = runner.invoke(app, ["check", str(d / "agreement.yaml"), "--data", str(fresh(work, ".yaml", MINI_DATA.encode())),
                            "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output)["findings"][0]["value"] == 1, r.output
    r = runner.invoke(app, ["exchange", "reconcile", str(work / "declaration.json"), str(work / "notifications.jsonl"),
                            str(work / "next.json")])
    assert r.exit_code in (0, 1), r.output
