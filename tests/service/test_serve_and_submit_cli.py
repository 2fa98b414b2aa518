"""`accord serve` and `accord ledger submit` as a user runs them: the documented flow over real
HTTP, one-line errors with exit code 2, and a server process that stops cleanly on Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from server_helpers import free_port, log_server, wait_until
from typer.testing import CliRunner

from accord.cli import app
from accord.ledger import load_private_key

pytestmark = pytest.mark.slow
runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def setup(tmp_path: Path):
    keys = tmp_path / "keys"
    for name in ("US", "RU", "log", "CN"):
        assert run("ledger", "keygen", name, "--out", keys).exit_code == 0
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    r = run("ledger", "init", db, "--agreement", "test-agreement", "--key", f"US={keys / 'US.pub'}",
            "--key", f"RU={keys / 'RU.pub'}", "--log-key", keys / "log.pub", "--origin", "example.org/cli-test")
    assert r.exit_code == 0, r.output
    payload = tmp_path / "n.json"
    payload.write_text(json.dumps({"item": "A1", "status": "deployed"}))
    return keys, db, payload, tmp_path


def _one_line_error(r, *words: str) -> None:
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.output, r.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_submit_prints_the_index_and_a_resubmission_gets_the_same(setup):
    keys, db, payload, tmp = setup
    with log_server(db, load_private_key(keys / "log.key")) as server:
        r = run("ledger", "submit", server.url, payload, "--key", keys / "US.key", "--kind", "notification",
                "--issued-at", "2026-02-05T00:00:00Z", "--log-key", keys / "log.pub", "--receipt", tmp / "r.json",
                "--format", "json")
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["schema"] == "accord.ledger.submit/v1" and out["index"] == 1 and out["created"] is True
        assert json.loads((tmp / "r.json").read_text())["index"] == 1
        again = run("ledger", "submit", server.url, payload, "--key", keys / "US.key", "--kind", "notification",
                    "--issued-at", "2026-02-05T00:00:00Z", "--format", "json")
        assert json.loads(again.stdout)["index"] == 1 and json.loads(again.stdout)["created"] is False
        table = run("ledger", "submit", server.url, payload, "--key", keys / "RU.key", "--kind", "notification")
        assert table.exit_code == 0 and " 2 " in table.stdout


def test_submit_errors_are_one_line(setup):
    keys, db, payload, tmp = setup
    gone = f"http://127.0.0.1:{free_port()}"
    _one_line_error(run("ledger", "submit", gone, payload, "--key", keys / "US.key", "--kind", "notification"),
                    gone, "cannot reach the log")
    _one_line_error(run("ledger", "submit", "ftp://x", payload, "--key", keys / "US.key", "--kind", "n"),
                    "http:// or https://")
    with log_server(db, load_private_key(keys / "log.key")) as server:
        _one_line_error(run("ledger", "submit", server.url, payload, "--key", keys / "CN.key",
                            "--kind", "notification"), "refused the entry (422)", "unknown party 'CN'")
        _one_line_error(run("ledger", "submit", server.url, payload, "--key", keys / "US.key", "--kind", "notification",
                            "--log-key", keys / "RU.pub"), "not signed by the log key RU")
        _one_line_error(run("ledger", "submit", server.url, payload, "--key", keys / "US.key", "--kind", "notification",
                            "--origin", "example.org/elsewhere"), "signature does not verify")
        _one_line_error(run("ledger", "submit", server.url, tmp / "missing.json", "--key", keys / "US.key",
                            "--kind", "notification"), "missing.json")
        assert httpx.get(f"{server.url}/checkpoint").text.split("\n")[1] == "1"  # nothing was admitted


def test_serve_errors_are_one_line_before_anything_listens(setup):
    keys, db, _payload, tmp = setup
    _one_line_error(run("serve", db, "--log-key", keys / "US.key"), "--log-key", "not this ledger's log key")
    _one_line_error(run("serve", f"sqlite:///{tmp / 'none.db'}", "--log-key", keys / "log.key"), "no ledger here")
    _one_line_error(run("serve", db, "--log-key", keys / "log.key", "--witness", "w=nonsense"), "NAME=VKEY@URL")
    _one_line_error(run("serve", db, "--log-key", keys / "log.key", "--witness", f"w={keys / 'US.pub'}@http://x"),
                    "not a witness's cosignature/v1")
    _one_line_error(run("serve", db, "--log-key", keys / "log.key", "--checkpoint-interval", "0"),
                    "--checkpoint-interval")
    _one_line_error(run("serve", db, "--log-key", keys / "log.key", "--max-entry-bytes", "99999999"),
                    "--max-entry-bytes")
    with log_server(db, load_private_key(keys / "log.key")) as server:
        _one_line_error(run("serve", db, "--log-key", keys / "log.key", "--port", server.port),
                        f"cannot listen on 127.0.0.1:{server.port}")


def test_serve_runs_until_interrupted(setup):
    keys, db, payload, _tmp = setup
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    code = "import sys; from accord.cli import main; sys.argv = ['accord', *sys.argv[1:]]; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", db, "--log-key", str(keys / "log.key"),
                             "--port", "0", "--checkpoint-interval", "0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        assert line.startswith("accord: serving example.org/cli-test at http://127.0.0.1:"), line
        url = line.split(" at ")[1].split("/ ")[0]
        r = run("ledger", "submit", url, payload, "--key", keys / "US.key", "--kind", "notification",
                "--format", "json")
        assert json.loads(r.stdout)["index"] == 1
        wait_until(lambda: httpx.get(f"{url}/checkpoint").text.split("\n")[1] == "2", "the checkpoint")
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    # uvicorn shuts down (lifespan: the writer finishes, stores close), then re-raises the
    # signal as a shell expects: 128 + SIGINT.
    assert proc.returncode == 128 + signal.SIGINT and "Traceback" not in err, err
    assert run("ledger", "audit", db).exit_code == 0


def test_serve_closes_connections_that_send_no_request_in_time(setup):
    """`accord serve` takes at most 1,024 connections at once; anyone could hold them all by
    connecting and sending nothing (or half a request line), locking the parties and the
    witnesses out. A connection without a whole request head within ACCORD_MAX_REQUEST_SECONDS
    is closed (before the 5 s keep-alive timeout would), and the server still answers."""
    import socket
    import time

    keys, db, _payload, _tmp = setup
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ACCORD_MAX_REQUEST_SECONDS": "1"}
    code = "import sys; from accord.cli import main; sys.argv = ['accord', *sys.argv[1:]]; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", db, "--log-key", str(keys / "log.key"),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    idle: list[socket.socket] = []
    try:
        line = proc.stderr.readline()
        url = line.split(" at ")[1].split("/ ")[0]
        port = int(url.rsplit(":", 1)[1])
        for i in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if i % 2:
                s.sendall(b"POST /add-ent")  # half a request line, then nothing
            idle.append(s)
        time.sleep(2.5)
        closed = 0
        for s in idle:
            s.settimeout(1)
            with contextlib.suppress(TimeoutError, ConnectionResetError):  # still open: not closed in time
                closed += s.recv(1024) == b""
        assert closed == len(idle)
        assert httpx.get(f"{url}/checkpoint", timeout=10).status_code == 200
    finally:
        for s in idle:
            s.close()
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
