"""The generic HTML scaffolding: escaped, self-contained, written atomically."""

from __future__ import annotations

import datetime as _dt
import os
import stat

import pytest

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


def test_a_page_embeds_its_images_and_loads_nothing_from_the_network():
    png = KIT.line_chart("t", {"US": [(_dt.date(2020, 1, 1), 1), (_dt.date(2021, 1, 1), None)]}, 2,
                         [(_dt.date(2020, 6, 1), "event")])
    assert png.startswith(b"\x89PNG")
    doc = page("T <1>", "H", "<p>intro</p>", [{"question": "q", "party": "US", "answer": "a & b", "as_of": ""}],
               [("S", KIT.image(png, "chart"))])
    assert "<title>T &lt;1&gt;</title>" in doc and "a &amp; b" in doc
    assert doc.count("data:image/png;base64,") == 1 and "http" not in doc


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
