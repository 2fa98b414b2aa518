"""The dashboard the log server serves, over real HTTP: what it says about the log, the latest
declarations (the same findings as ``accord check``), the monitor's findings, and that nothing a
party submits can inject markup into it."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from network_helpers import log_server, make_ledger, submit, wait_for_checkpoint

from accord.app.compliance import check
from accord.app.synth import synth
from accord.ledger.keys import generate_key
from accord.render.output import to_jsonable
from accord.service.dashboard import CSP
from accord.service.monitor import run

BIG = 2_000_000


@pytest.fixture(scope="module")
def keys():
    return generate_key("US"), generate_key("RU"), generate_key("log")


@pytest.fixture(scope="module")
def declarations(tmp_path_factory) -> dict:
    out = {}
    for party in ("US", "RU"):
        folder = tmp_path_factory.mktemp(f"synth-{party}")
        synth(party, dt.date(2020, 9, 1), folder, months=6, seed=3)
        out[party] = folder / "declaration.json"
    return out


def test_the_dashboard_shows_the_log_its_declarations_checked_and_the_monitor(tmp_path, keys, declarations) -> None:
    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    origin = make_ledger(db, us, ru, log)
    with log_server(db, log, max_entry_bytes=BIG, monitor_state=tmp_path / "mon") as srv:
        for key in (us, ru):
            submit(srv.url, key, origin, "declaration", json.loads(declarations[key.name].read_text()))
        submit(srv.url, us, origin, "inspection-report", {"site": "x"})
        wait_for_checkpoint(srv.url, 4)
        assert run(srv.url, tmp_path / "mon", log_key=log.public, once=True).ok
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            page = http.get("/dashboard/")
            data = http.get("/dashboard/", params={"format": "json"}).json()
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    assert data["schema"] == "accord.dashboard/v1"
    assert (data["size"], data["agreement"], data["origin"]) == (4, "newstart-2021", origin)
    assert data["entries"]["by_kind"] == {"declaration": 2, "genesis": 1, "inspection-report": 1}
    assert data["entries"]["by_party"] == {"US": 2, "RU": 1, "(log)": 1}
    assert [e["index"] for e in data["entries"]["recent"]] == [3, 2, 1, 0]  # most recent first
    assert {s["role"] for s in data["checkpoint"]["signers"]} == {"log"}
    # Each party's declaration, checked as `accord check newstart-2021 --data FILE` checks it.
    for found in data["compliance"]:
        expected = check("newstart-2021", declarations[found["party"]])
        assert found["findings"] == to_jsonable(expected.rows())
        assert found["summary"] == expected.footer() and found["error"] is None
    assert sorted(c["party"] for c in data["compliance"]) == ["RU", "US"]
    assert data["monitor"]["schema"] == "accord.monitor/v1" and data["monitor"]["ok"]
    # The page says the same: sizes, the limits with their status, the monitor's verdict.
    html = page.text
    assert "deployed_warheads" in html and "within (synthetic data)" in html and ">ok<" in html


def test_nothing_a_party_submits_becomes_markup(tmp_path, keys) -> None:
    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    origin = make_ledger(db, us, ru, log, agreement="an-agreement-nobody-bundles")
    hostile = "<script>alert(1)</script>"
    with log_server(db, log) as srv:
        submit(srv.url, ru, origin, "notification", {"id": hostile, "kind": "<img src=x onerror=alert(1)>"})
        submit(srv.url, us, origin, "declaration", {"party": "US", "as_of": hostile, "items": []})
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            pages = [http.get(p) for p in ("/dashboard/", "/dashboard/entries", "/dashboard/entries/1",
                                           "/dashboard/entries/2", "/dashboard/entries?kind=notification")]
            missing = http.get("/dashboard/entries/99")
            garbage = http.get("/dashboard/entries/abc", params={"format": "json"})
            huge = http.get("/dashboard/entries/" + "9" * 30)
            odd = http.get("/dashboard/entries", params={"kind": "\x00<", "party": "", "limit": "-3"})
    for page in pages:
        assert page.status_code == 200
        assert "<script>" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text or "&lt;img" in page.text
    # An agreement the server does not know: the declaration cannot be checked, and the page says why.
    assert "cannot be checked against an-agreement-nobody-bundles" in pages[0].text
    assert missing.status_code == 404 and "no entry 99" in missing.text
    assert garbage.status_code == 400 and garbage.json()["schema"] == "accord.service.error/v1"
    assert huge.status_code == 400 and odd.status_code == 200


def test_entries_filter_by_kind_and_party(tmp_path, keys) -> None:
    us, ru, log = keys
    db = f"sqlite:///{tmp_path / 'log.db'}"
    origin = make_ledger(db, us, ru, log)
    with log_server(db, log) as srv:
        for i in range(3):
            submit(srv.url, us, origin, "inspection-report", {"n": i})
            submit(srv.url, ru, origin, "acknowledgement", {"n": i})
        with httpx.Client(base_url=srv.url, timeout=30) as http:
            got = http.get("/dashboard/entries", params={"party": "RU", "format": "json"}).json()
            kind = http.get("/dashboard/entries", params={"kind": "inspection-report", "limit": "2",
                                                          "format": "json"}).json()
            entry = http.get("/dashboard/entries/2", params={"format": "json"}).json()
    assert [(e["index"], e["party"]) for e in got["entries"]["recent"]] == [(6, "RU"), (4, "RU"), (2, "RU")]
    assert [e["index"] for e in kind["entries"]["recent"]] == [5, 3]
    assert entry["payload"] == {"n": 0} and entry["party"] == "RU" and len(entry["signature"]) == 88
