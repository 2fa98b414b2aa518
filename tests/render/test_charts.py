"""Charts are inline SVG a page can hold several of: responsive, labelled, accessible, deterministic."""

from __future__ import annotations

import datetime as _dt
import re
import xml.etree.ElementTree as ET

from accord.render import charts

SVG_NS = "{http://www.w3.org/2000/svg}"
SERIES = {"US": [(_dt.date(2011, 2, 5), 882), (_dt.date(2015, 3, 1), None), (_dt.date(2020, 9, 1), 675)],
          "RU": [(_dt.date(2011, 2, 5), 521), (_dt.date(2020, 9, 1), 510)]}
EVENTS = [(_dt.date(2018, 2, 5), "limits bind"), (_dt.date(2026, 2, 5), "expiry")]


def _line(title: str = "Deployed delivery vehicles", **kw: object) -> str:
    return charts.line_chart(title, SERIES, 700, EVENTS, y_label="deployed missiles and heavy bombers", **kw)


def _texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG_NS}text")]


def test_a_chart_is_a_responsive_svg_with_its_alternative_text():
    svg = _line()
    root = ET.fromstring(svg)  # a well-formed document on its own, too (``--chart out.svg``)
    assert root.tag == f"{SVG_NS}svg" and svg.startswith("<svg ")
    assert "width" not in root.attrib and "height" not in root.attrib  # it takes its box's width
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.attrib["viewBox"])
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text == root.attrib["aria-label"]
    # The alternative text says what is drawn: the title, the unit, the parties, the years, the cap, the events.
    for needle in ("Deployed delivery vehicles", "deployed missiles and heavy bombers", "US, RU", "2011–2020",
                   "the cap, 700", "limits bind (2018-02-05)", "expiry (2026-02-05)"):
        assert needle in title.text


def test_text_stays_text_and_both_axes_say_what_they_measure():
    texts = _texts(_line(x_label="date of the data exchange"))
    assert "deployed missiles and heavy bombers" in texts and "date of the data exchange" in texts
    assert "cap 700" in texts and "limits bind" in texts  # as <text>, not glyph paths: searchable and sharp
    ticks = _texts(charts.line_chart("t", {"US": [(_dt.date(2020, 1, 1), 1200), (_dt.date(2021, 1, 1), 1800)]},
                                     1550, [], y_label="warheads"))
    assert any(re.fullmatch(r"1,\d00", t) for t in ticks)  # thousands separated, as in the tables


def test_the_smallest_text_is_legible_at_the_narrowest_width():
    svg = _line()
    width = float(ET.fromstring(svg).attrib["viewBox"].split()[2])
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    assert sizes and min(sizes) * charts.NARROWEST_PX / width >= charts.MIN_TEXT_PX


def test_two_charts_on_one_page_share_no_id_and_every_reference_resolves():
    a, b = _line("one"), charts.band_chart("two", SERIES, {"US": 700, "RU": 600},
                                           (_dt.date(2021, 2, 5), _dt.date(2022, 2, 5)), "freeze year",
                                           y_label="warheads")
    ids_a, ids_b = (set(re.findall(r'\bid="([^"]+)"', s)) for s in (a, b))
    assert ids_a and ids_b and not ids_a & ids_b
    for svg, ids in ((a, ids_a), (b, ids_b)):
        refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
        assert refs and refs <= ids


def test_the_same_data_draw_the_same_bytes():
    assert _line() == _line()


def test_a_band_chart_describes_its_window_and_caps():
    svg = charts.band_chart("Stockpile and a freeze", SERIES, {"US": 3800},
                            (_dt.date(2021, 2, 5), _dt.date(2022, 2, 5)), "freeze year", what="stockpile",
                            y_label="warheads (military stockpile)")
    label = ET.fromstring(svg).attrib["aria-label"]
    assert "freeze year (2021-02-05 to 2022-02-05)" in label and "caps US 3,800" in label
    assert "warheads (military stockpile)" in _texts(svg) and "US stockpile" in _texts(svg)


def test_a_title_with_markup_characters_is_escaped_in_the_label():
    svg = charts.line_chart('A <b> & "c"', {"US": [(_dt.date(2020, 1, 1), 1)]}, None, [], y_label="u")
    root = ET.fromstring(svg)
    assert root.attrib["aria-label"].startswith('A <b> & "c"')
    assert "cap" not in root.attrib["aria-label"]  # no cap drawn, none described


def test_a_range_chart_keeps_both_estimators_and_every_range_in_its_text():
    # SIPRI Yearbook 2023 (January 2023) military stockpiles: US 3,708, RU 4,489 (after-newstart.md);
    # the FAS-style rows are ranges. Nothing is merged: one row each, in the order given.
    rows = [("US (FAS)", "US", 3600, 3700, 3800), ("US (SIPRI)", "US", 3708, 3708, 3708),
            ("RU (SIPRI)", "RU", 4489, 4489, 4489), ("CN (FAS)", "CN", 550, 600, 650)]
    svg = charts.range_chart("Military stockpiles", rows, x_label="warheads (military stockpile)", log=True)
    label = ET.fromstring(svg).attrib["aria-label"]
    assert ("US (FAS) 3,700 (3,600–3,800); US (SIPRI) 3,708; RU (SIPRI) 4,489; CN (FAS) 600 (550–650)"
            in label)
    assert "logarithmic" in label
    texts = _texts(svg)
    assert sorted(t for t in texts if t in {r[0] for r in rows}) == sorted(r[0] for r in rows)
    assert "warheads (military stockpile) (log scale)" in texts and "1,000" in texts
