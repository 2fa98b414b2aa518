"""The dashboard in a real browser (Playwright driving Debian's chromium), served by a real log
server: a submitted entry appears, and every page works at a 375 px phone and a 1400 px screen —
it never scrolls sideways (wide tables scroll in their own box) and asks nothing of any other
server.

The browser is ``$ACCORD_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on the PATH.
Without Playwright or a browser the tests skip with the reason, unless ``ACCORD_REQUIRE_SERVICES=1``,
where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from network_helpers import log_server, make_ledger, submit, wait_for_checkpoint

from accord.app.synth import synth
from accord.ledger.keys import generate_key
from accord.service.monitor import run
from browser_helpers import launch_chromium

WIDTHS = (375, 1400)
PAGES = ("/dashboard/", "/dashboard/entries", "/dashboard/entries/1", "/dashboard/entries?party=RU")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the whole module (starting it is the slow part)."""
    with launch_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A log server (SQLite) holding both parties' synthetic declarations and some notifications,
    and a monitor's report for its dashboard."""
    tmp = tmp_path_factory.mktemp("dashboard")
    us, ru, log = generate_key("US"), generate_key("RU"), generate_key("log")
    db = f"sqlite:///{tmp / 'log.db'}"
    origin = make_ledger(db, us, ru, log)
    with log_server(db, log, max_entry_bytes=2_000_000, monitor_state=tmp / "mon") as srv:
        for key in (us, ru):
            out = tmp / key.name
            synth(key.name, dt.date(2020, 9, 1), out, months=6, seed=2)
            submit(srv.url, key, origin, "declaration", json.loads((out / "declaration.json").read_text()))
            for line in (out / "notifications.jsonl").read_text().splitlines()[:20]:
                submit(srv.url, key, origin, "notification", json.loads(line))
        wait_for_checkpoint(srv.url, 43)
        assert run(srv.url, tmp / "mon", log_key=log.public, once=True).ok
        yield {"url": srv.url, "origin": origin, "us": us}


def _open(browser: Any, url: str, width: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    # Anything but this server is refused, so a test can never reach the network.
    page.route(re.compile(rf"^(?!{re.escape(url)}/).*"), lambda route: route.abort())
    return context, page, asked


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def test_every_page_fits_the_screen_and_asks_nothing_elsewhere(browser: Any, network: dict[str, Any],
                                                               width: int) -> None:
    url = network["url"]
    context, page, asked = _open(browser, url, width)
    try:
        for path in PAGES:
            response = page.goto(url + path, wait_until="load")
            assert response is not None and response.status == 200, path
            inner, scroll = page.evaluate("[innerWidth, document.scrollingElement.scrollWidth]")
            assert scroll <= inner, f"{path} scrolls sideways at {width} px"
            outside = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && !e.closest('.scroll'))
                .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40))""")
            assert outside == [], path
            assert page.evaluate(
                "[...document.querySelectorAll('table')].every(t => t.parentElement.matches('.scroll'))")
            assert page.evaluate("performance.getEntriesByType('resource').length") == 0
        assert all(a.startswith(url + "/") for a in asked), [a for a in asked if not a.startswith(url + "/")]
    finally:
        context.close()


def test_a_submitted_entry_appears(browser: Any, network: dict[str, Any]) -> None:
    url = network["url"]
    context, page, _ = _open(browser, url, 375)
    try:
        page.goto(url + "/dashboard/", wait_until="load")
        marker = "US-N-browser-0001"
        assert page.get_by_text(marker).count() == 0
        done = submit(url, network["us"], network["origin"], "notification",
                      {"id": marker, "kind": "movement", "party": "US", "item": "US-ICBM-00001",
                       "date": "2021-01-05"})
        page.reload(wait_until="load")
        recent = page.locator("table", has_text=marker)
        assert recent.count() == 1
        page.get_by_role("link", name=str(done["index"]), exact=True).first.click()
        page.wait_for_load_state("load")
        assert page.url == f"{url}/dashboard/entries/{done['index']}"
        assert page.get_by_role("heading", name=f"Entry {done['index']}").count() == 1
        assert marker in page.locator("pre").inner_text()
    finally:
        context.close()
