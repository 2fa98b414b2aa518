"""The report page in a real browser (Playwright driving Debian's chromium) at a phone, a tablet, a
laptop and a wide screen: the page never scrolls sideways, it asks the network for nothing, every
chart has an accessible name, and the charts' text stays legible.

The browser is ``$ACCORD_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on the PATH.
Without Playwright or a browser the tests skip with the reason, unless ``ACCORD_REQUIRE_SERVICES=1``
(set by .ci/run, which installs chromium), where that is a failure.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from accord.app.report import report
from accord.render.charts import MIN_TEXT_PX
from browser_helpers import launch_chromium

WIDTHS = (375, 768, 1400, 1920)
#: The day the report is built for: after New START's expiry, so the page has every section.
TODAY = _dt.date(2026, 12, 2)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the whole module (starting it is the slow part)."""
    with launch_chromium() as b:
        yield b


@pytest.fixture(scope="module")
def report_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The report, with its charts, written once into a temporary directory: its file:// URL."""
    out = tmp_path_factory.mktemp("report")
    return report(out, today=TODAY).path.resolve().as_uri()


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def opened(request: pytest.FixtureRequest, browser: Any, report_url: str) -> Iterator[tuple[Any, list[str]]]:
    """The report open at one viewport width, and every URL the page asked for (any request but the
    page itself is refused, so a test can never reach the network)."""
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    page.goto(report_url, wait_until="load")
    yield page, asked
    context.close()


def test_the_page_never_scrolls_sideways(opened: tuple[Any, list[str]]) -> None:
    page, _ = opened
    width, scroll_width = page.evaluate("[innerWidth, document.scrollingElement.scrollWidth]")
    assert scroll_width <= width
    # What is wider than the screen is a table, inside a box that scrolls by itself.
    outside = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && !e.closest('.scroll'))
        .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40))""")
    assert outside == []
    assert page.evaluate("[...document.querySelectorAll('table')].every(t => t.parentElement.matches('.scroll'))")


def test_the_page_asks_the_network_for_nothing(opened: tuple[Any, list[str]], report_url: str) -> None:
    page, asked = opened
    assert asked == [report_url]
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0


def test_every_chart_has_an_accessible_name(opened: tuple[Any, list[str]]) -> None:
    page, _ = opened
    charts = page.locator("svg, img")
    assert charts.count() >= 4  # the three central limits and the freeze, at least
    named = page.get_by_role("img", name=re.compile(r"\w"))  # the name the browser computes
    assert named.count() == charts.count()
    for label in page.locator("svg").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"):
        assert label and re.search(r"\. [A-Z][a-z]+ chart of .+", label)  # the title, then what is drawn


def test_chart_text_is_legible_and_charts_fit_their_box(opened: tuple[Any, list[str]]) -> None:
    page, _ = opened
    smallest, widest_overflow = page.evaluate("""() => {
        let smallest = Infinity, overflow = 0;
        for (const svg of document.querySelectorAll('svg')) {
            const box = svg.getBoundingClientRect(), parent = svg.parentElement.getBoundingClientRect();
            overflow = Math.max(overflow, box.width - parent.width);
            for (const t of svg.querySelectorAll('text')) {
                const m = t.getScreenCTM();
                smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b));
            }
        }
        return [smallest, overflow];
    }""")
    assert smallest >= MIN_TEXT_PX
    assert widest_overflow <= 0.5
