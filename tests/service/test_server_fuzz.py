"""The log server's HTTP API fuzzed: from its own OpenAPI description (schemathesis), and with
mutations of a validly signed entry (hypothesis). No request gets a 500; every error is the JSON
error object; nothing a refused request sent is left in the ledger."""

from __future__ import annotations

import uuid

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_helpers import create_ledger, log_server, new_keys

from accord.ledger import Ledger, audit
from accord.ledger.entries import Entry, sign_entry

pytestmark = pytest.mark.slow

_STATE: dict[str, object] = {}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    keys = new_keys()
    db = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'ledger.db'}"
    origin = create_ledger(db, keys)
    with Ledger.open(db) as ledger:  # a few entries, so tiles and bundles exist
        ledger.sign_and_append(keys.us, [Entry("notification", "US", "2026-02-05T00:00:00Z", {"i": i})
                                         for i in range(300)])
    with log_server(db, keys.log) as server:
        _STATE.update(db=db, keys=keys, origin=origin, url=server.url)
        yield server
    assert audit(db).ok


def _operations(url: str) -> list:
    spec = schemathesis.openapi.from_url(f"{url}/openapi.json")
    return [result.ok() for result in spec.get_all_operations()]


def test_no_request_from_the_openapi_description_gets_a_server_error(served):
    """Every operation the server describes, with requests generated from that description
    (schemathesis' strategies driven by hypothesis). Its parameters are free strings and its
    body free bytes, so schemathesis has no "invalid" request to make (its negative mode is
    unsatisfiable here): the path and body fuzz below go further."""
    operations = _operations(served.url)
    assert {op.path for op in operations} >= {"/checkpoint", "/add-entry", "/tile/{level}/{index}"}
    for op in operations:
        _fuzz(op, served.url)


_PATH_PARTS = st.one_of(
    st.sampled_from(["tile", "entries", "accord", "0", "1", "63", "64", "000", "x001", "x000", "255", ".p", ".p/",
                     "..", ".", "", "%2F", "%00", "x", "-1", "99999999999999999999999", "\u00e9", "add-entry"]),
    st.text(max_size=12),
)


@given(parts=st.lists(_PATH_PARTS, min_size=1, max_size=7), method=st.sampled_from(["GET", "POST", "HEAD"]))
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_path_gets_a_server_error(served, parts, method):
    path = "/".join(parts)
    try:
        r = httpx.request(method, f"{served.url}/{path}", timeout=60)
    except httpx.InvalidURL:
        return  # not a request a client can send
    assert r.status_code < 500, (method, path, r.text[:300])
    if r.status_code >= 400 and method != "HEAD":
        assert r.json()["schema"] == "accord.service.error/v1"


def _fuzz(op, url: str) -> None:
    @given(case=op.as_strategy())
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        before = _size()
        response = case.call(base_url=url, timeout=60)
        assert response.status_code < 500, (op.method, case.formatted_path, response.text[:300])
        if response.status_code >= 400:
            body = response.json()
            assert body["schema"] == "accord.service.error/v1" and body["status"] == response.status_code
            assert "\n" not in body["error"]
        if op.method.upper() == "POST":
            created = response.status_code == 200 and response.json()["created"]
            assert _size() == before + created

    check()


def _size() -> int:
    with Ledger.open(str(_STATE["db"])) as ledger:
        return ledger.size()


@given(data=st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_mutated_signed_entry_is_refused_and_leaves_nothing(served, data):
    keys, origin = _STATE["keys"], str(_STATE["origin"])
    body = bytearray(sign_entry(keys.ru, origin, Entry("notification", "RU", "2026-02-05T00:00:00Z",
                                                         {"id": uuid.uuid4().hex, "n": [1, 2, {"a": None}]})).body)
    how = data.draw(st.sampled_from(["flip", "cut", "insert", "swap"]))
    if how == "flip":
        pos = data.draw(st.integers(0, len(body) - 1))
        body[pos] ^= 1 << data.draw(st.integers(0, 7))
    elif how == "cut":
        body = body[:data.draw(st.integers(0, len(body) - 1))]
    elif how == "insert":
        pos = data.draw(st.integers(0, len(body)))
        body[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    else:
        a, b = data.draw(st.integers(64, len(body) - 1)), data.draw(st.integers(64, len(body) - 1))
        if body[a] == body[b]:
            return
        body[a], body[b] = body[b], body[a]
    before = _size()
    r = httpx.post(f"{_STATE['url']}/add-entry", content=bytes(body), timeout=60)
    assert r.status_code in (400, 422), r.text
    assert r.json()["schema"] == "accord.service.error/v1"
    assert _size() == before
