"""The generic HTML scaffolding: escaped, self-contained, written atomically."""

from __future__ import annotations

import datetime as _dt
import os
import re
import stat

import pytest

from accord.compliance import Finding
from accord.errors import InputError
from accord.render.html import KIT, page, write_page
from accord.sources import Source


def test_text_escapes_and_formats_numbers():
    assert KIT.text("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert KIT.text(1550) == "1,550" and KIT.text(None) == "—" and KIT.text(True) == "True"


def test_a_source_links_to_its_url_and_flags_anything_not_official():
    src = Source("Fact sheet", article="para 1", url="https://example.org/a?b=1&c=2", reliability="estimate")
    html = KIT.source(src)
    assert html.startswith("<a href='https://example.org/a?b=1&amp;c=2'>Fact sheet, para 1")
    assert "[estimate]" in html
    assert "[official]" not in KIT.source(Source("Treaty", reliability="official"))


def test_a_page_inlines_its_charts_and_loads_nothing_from_the_network():
    svg = KIT.line_chart("t", {"US": [(_dt.date(2020, 1, 1), 1), (_dt.date(2021, 1, 1), None)]}, 2,
                         [(_dt.date(2020, 6, 1), "event")], y_label="warheads")
    doc = page("T <1>", "H", "<p>intro</p>", [{"question": "q", "party": "US", "answer": "a & b", "as_of": ""}],
               [("S", KIT.chart(svg))])
    assert "<title>T &lt;1&gt;</title>" in doc and "a &amp; b" in doc
    assert doc.count("<svg ") == 1 and "<figure class='chart'><svg " in doc
    # Nothing the browser would fetch: no src=, no stylesheet link, no url() but the chart's own #ids.
    assert not re.search(r"\bsrc=|<link\b|@import", doc)
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", doc))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in doc


def test_every_table_scrolls_in_its_own_box():
    doc = page("T", "H", "", [{"question": "q", "party": "US", "answer": "a", "as_of": ""}],
               [("S", KIT.table(["a", "b"], [["1", "2"]]))])
    assert doc.count("<table>") == 2
    assert doc.count("<div class='scroll' tabindex='0'><table>") == 2  # summary and section table
    assert ".scroll{overflow-x:auto" in doc


def test_a_title_comes_first_with_its_id_small_and_escaped():
    assert KIT.named("Deployed <ICBMs>", "dv") == "Deployed &lt;ICBMs&gt; <span class='id'>dv</span>"
    assert KIT.named(None, "dv") == KIT.named("dv", "dv") == "<span class='id'>dv</span>"


def _finding(**kw):
    base = dict(party="RU", date=_dt.date(2025, 1, 1), limit="all_warheads", title="All warheads", kind="cap",
                value=4309, cap=4000, headroom=-309, status="exceeds", legal_form="proposal",
                verification="none", source=Source("Proposal", reliability="official"), estimate=True)
    base.update(kw)
    return Finding(**base)


def test_an_exact_finding_shows_its_value_and_headroom():
    row = KIT.findings_table([_finding()])
    assert "<td class='n'>4,309</td><td class='n'>4,000</td><td class='n'>-309</td>" in row
    assert "All warheads <span class='id'>all_warheads</span>" in row


def test_a_range_finding_shows_the_interval_and_never_the_central_headroom_alone():
    f = _finding(status="uncertain", value=4000, headroom=0, low=3800, high=4300, p_exceeds=0.42,
                 distribution="triangular(low, central, high)", series="FAS Nuclear Notebook")
    row = KIT.findings_table([f])
    assert "<td class='n'>4,000 (3,800–4,300)</td><td class='n'>4,000</td><td class='n'>-300 to 200</td>" in row
    assert "<span class='st uncertain'>uncertain (estimate)</span>" in row
    assert "P(over cap) = 0.42 under triangular(low, central, high)" in row
    assert "RU<br><span class='small'>FAS Nuclear Notebook</span>" in row


def test_a_cap_read_from_a_range_shows_its_range_and_widens_the_headroom():
    # A freeze at an estimated level: cap 4,380 (4,300–4,450) against an exact 4,309.
    f = _finding(status="uncertain", cap=4380, cap_low=4300, cap_high=4450, headroom=71)
    row = KIT.findings_table([f])
    assert "<td class='n'>4,309</td><td class='n'>4,380 (4,300–4,450)</td><td class='n'>-9 to 141</td>" in row


def test_write_page_replaces_atomically_with_a_shareable_mode(tmp_path):
    path = write_page("<p>one</p>", tmp_path / "out")
    path = write_page("<p>two</p>", tmp_path / "out")
    assert path.read_text(encoding="utf-8") == "<p>two</p>"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["index.html"]


def test_write_page_into_something_that_is_not_a_directory_is_an_input_error(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "taken" / "index.html").mkdir(parents=True)
    for out, problem in ((tmp_path / "file", "exists and is not a directory"),
                         (tmp_path / "file" / "sub", "cannot write"),
                         (tmp_path / "taken", "cannot write")):
        with pytest.raises(InputError) as info:
            write_page("<p>x</p>", out)
        assert info.value.field == "--out" and problem in info.value.problem
        assert str(out) in info.value.one_line()
    assert (tmp_path / "file").read_text() == "x"
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["index.html"]  # no temporary file left
