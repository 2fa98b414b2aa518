"""``accord demo network --exit``: the whole network on 127.0.0.1 from one command (SQLite)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.ledger import audit


def test_the_demo_runs_the_network_and_says_what_the_monitor_found(tmp_path) -> None:
    result = CliRunner().invoke(cli_app, ["demo", "network", "--dir", str(tmp_path / "net"), "--exit",
                                          "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["schema"] == "accord.demo.network/v1" and out["synthetic"] is True
    assert set(out["urls"]) >= {"log", "dashboard", "witness US", "witness RU"}
    assert all(u.startswith("http://127.0.0.1:") for k, u in out["urls"].items() if k != "monitor state")
    submitted = out["submitted"]
    assert {p: v["entries"]["declaration"] for p, v in submitted.items()} == {"US": 2, "RU": 2}
    total = 1 + sum(sum(v["entries"].values()) for v in submitted.values())
    assert out["checkpoint"]["size"] == total
    assert out["checkpoint"]["cosigned_by"] == ["witness-RU", "witness-US"]
    monitor = out["monitor"]
    assert monitor["ok"] and monitor["size"] == total and monitor["findings"] == []
    assert monitor["exchange"]["detail"] == "0 reconciliation findings"
    assert [w["status"] for w in monitor["witnesses"]] == ["consistent", "consistent"]
    net = tmp_path / "net"
    assert {p.name for p in (net / "keys").iterdir()} >= {"US.key", "RU.pub", "log.pub", "witness-US.pub"}
    assert audit(f"sqlite:///{net / 'log.db'}").ok
    assert "accord demo: checkpoint of size" in result.stderr


def test_the_demo_refuses_a_folder_that_is_not_empty(tmp_path) -> None:
    (tmp_path / "something").write_text("x")
    result = CliRunner().invoke(cli_app, ["demo", "network", "--dir", str(tmp_path), "--exit"])
    assert result.exit_code == 2
    assert "--dir: exists and is not an empty folder" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["something"]


def test_the_demo_serves_until_ctrl_c_then_stops_cleanly(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    import httpx

    proc = subprocess.Popen([sys.executable, "-c", "from accord.cli import main; main()", "demo", "network",
                             "--dir", str(tmp_path / "net"), "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while not any("running" in line for line in lines):
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
            assert time.monotonic() < deadline
        state = json.loads((tmp_path / "net" / "monitor" / "state.json").read_text())
        log_url = state["url"]
        assert httpx.get(log_url + "/checkpoint", timeout=10).status_code == 200  # still serving
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert json.loads(out)["schema"] == "accord.demo.network/v1"
    assert "Traceback" not in err
    try:
        httpx.get(log_url + "/checkpoint", timeout=2)
        stopped = False
    except httpx.HTTPError:
        stopped = True
    assert stopped
