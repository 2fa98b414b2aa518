"""HTML pages: one self-contained document (styles inline, charts inline as SVG, so it works
offline and loads nothing), and :class:`HtmlKit`, the helpers a profile's report sections write with.

Nothing here knows an agreement: a page is a title, a heading, an introduction, a summary
table and sections, each given as HTML built with the kit (which escapes what it is given).

The page is laid out for any width from a 375 px phone to a 1920 px screen: a viewport meta tag,
every table in a box that scrolls horizontally by itself (so a wide table never widens the page),
long words and links allowed to break, and charts as inline SVG that scale to their box.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..compliance import Finding
from ..errors import InputError
from ..forces.estimates import Estimate
from ..sources import Source
from . import charts

CSS = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45;overflow-wrap:break-word}
h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em} h3{font-size:1.1em}
.scroll{overflow-x:auto;max-width:100%;margin:1em 0}
.scroll:focus{outline:2px solid #1f5fa8;outline-offset:2px}
table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top;overflow-wrap:normal}
td.small{min-width:12em} td.wide{min-width:18em}
th{background:#f4f4f4;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.small{font-size:.85em} .rel{color:#a60} .id{color:#666;font-size:.8em;font-family:ui-monospace,monospace}
.st{padding:0 .3em;border-radius:3px;white-space:nowrap} .within{background:#d9f2d9} .exceeds{background:#f8caca}
.uncertain{background:#fde2b8} .not_binding{background:#eee} .not_in_force{background:#e5e5f5}
.no_data{background:#fff2c6}
.note{background:#f7f7f7;border-left:3px solid #999;padding:.5em 1em}
figure.chart{margin:1em 0;max-width:40rem}
figure.chart svg{display:block;width:100%;height:auto}
code{overflow-wrap:anywhere}
"""
SUMMARY_COLUMNS = ("question", "party", "answer", "as_of")


class HtmlKit:
    """HTML fragments and charts for report sections (the ``ReportKit`` a profile writes with)."""

    def text(self, value: Any) -> str:
        """``value`` escaped: ``None`` as a dash, integers with thousands separators, an
        :class:`Estimate` as ``central (low–high)``."""
        if value is None:
            return "—"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        if isinstance(value, Estimate):
            return html.escape(value.describe())
        return html.escape(str(value))

    def named(self, title: str | None, ident: str) -> str:
        """A human title with its id in small type after it (just the id when there is no title)."""
        if not title or title == ident:
            return f"<span class='id'>{self.text(ident)}</span>"
        return f"{self.text(title)} <span class='id'>{self.text(ident)}</span>"

    def source(self, source: Source | Mapping[str, Any] | None) -> str:
        """A citation linked to its URL, with its reliability unless ``official``."""
        if source is None:
            return ""
        s = source.to_json() if isinstance(source, Source) else source
        text = self.text(s.get("document", "")) + (f", {self.text(s['article'])}" if s.get("article") else "")
        rel = s.get("reliability")
        if rel and rel != "official":
            text += f" <span class='rel'>[{self.text(rel)}]</span>"
        if s.get("url"):
            return f"<a href='{html.escape(str(s['url']))}'>{text}</a>"
        return text

    def chart(self, svg: str | None) -> str:
        """A chart drawn by :meth:`line_chart` or :meth:`band_chart` (inline SVG that carries its
        own alternative text) in a figure box; empty when there is no chart."""
        if not svg:
            return ""
        return f"<figure class='chart'>{svg}</figure>"

    def status(self, f: Finding) -> str:
        """The status as a coloured label; for an ``uncertain`` finding, with the probability that
        the true value is over the cap and the distribution it assumes, when the finding has one."""
        est = " (estimate)" if f.estimate else ""
        label = f"<span class='st {html.escape(f.status)}'>{self.text(f.status.replace('_', ' '))}{est}</span>"
        if f.p_exceeds is not None:
            label += (f"<br><span class='small'>P(over cap) = {f.p_exceeds:.2f}"
                      + (f" under {self.text(f.distribution)}" if f.distribution else "") + "</span>")
        return label

    def interval(self, f: Finding) -> tuple[str, str, str]:
        """The value, cap and headroom cells. A value (or a cap) read from a range shows as
        ``central (low–high)``, and the headroom as its interval over both ranges (``cap low −
        value high`` to ``cap high − value low``): never the central value's margin alone."""
        value, cap = f.interval, f.cap_interval
        span = f.headroom_range
        if span is None or span[0] == span[1]:
            headroom = self.text(f.headroom)
        else:
            headroom = f"{self.text(span[0])} to {self.text(span[1])}"
        return self.text(value), self.text(cap), headroom

    def findings_table(self, findings: Sequence[Finding]) -> str:
        """One row per finding: party (and estimator series), date, limit (title and id), value
        (with its interval), cap, headroom, status, trace and sources."""
        e = self.text
        rows = []
        for f in findings:
            parts = "; ".join(
                f"{e(p['value'])} = {e(', '.join(p['categories']))} ({e(p['origin'])}) {self.source(p.get('source'))}"
                for p in f.trace.get("parts", []))
            notes = " ".join(e(n) for n in f.trace.get("notes", []))
            party = e(f.party) + (f"<br><span class='small'>{e(f.series)}</span>" if f.series else "")
            value, cap, headroom = self.interval(f)
            rows.append(f"<tr><td>{party}</td><td class='n'>{e(f.date)}</td><td>{self.named(f.title, f.limit)}</td>"
                        f"<td class='n'>{value}</td><td class='n'>{cap}</td>"
                        f"<td class='n'>{headroom}</td><td>{self.status(f)}</td>"
                        f"<td class='small wide'>{parts} {notes}<br>Clause: {self.source(f.source)}</td></tr>")
        return self.scroll(
            "<table><thead><tr><th>party</th><th>date</th><th>limit</th><th>value</th><th>cap</th>"
            "<th>headroom</th><th>status</th><th>trace and sources</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *, row_headers: bool = False,
              numeric: Sequence[int] = ()) -> str:
        """A table of cells that are already HTML, in a box that scrolls horizontally when the table
        is wider than the page; with ``row_headers`` each row's first cell is a header; columns whose
        index is in ``numeric`` are right-aligned."""
        head = "".join(f"<th>{h}</th>" for h in header)
        body = []
        for row in rows:
            first, rest = (f"<th>{row[0]}</th>", row[1:]) if row_headers and row else ("", row)
            offset = 1 if row_headers and row else 0
            cells = []
            for i, c in enumerate(rest, start=offset):
                cls = " ".join(x for x in ("small" if row_headers else "", "n" if i in numeric else "") if x)
                cells.append(f"<td class='{cls}'>{c}</td>" if cls else f"<td>{c}</td>")
            body.append(f"<tr>{first}{''.join(cells)}</tr>")
        return self.scroll(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")

    def scroll(self, inner: str) -> str:
        """``inner`` (a table) in a box that scrolls horizontally by itself, focusable so that a
        keyboard can scroll it too."""
        return f"<div class='scroll' tabindex='0'>{inner}</div>"

    def line_chart(self, title: str, series: charts.Series, cap: int | None,
                   events: Sequence[tuple[_dt.date, str]], *, y_label: str,
                   x_label: str = "date of the figures") -> str:
        return charts.line_chart(title, series, cap, events, y_label=y_label, x_label=x_label)

    def band_chart(self, title: str, series: charts.Series, caps: Mapping[str, int],
                   window: tuple[_dt.date, _dt.date], band_label: str, *, what: str = "", y_label: str,
                   x_label: str = "date of the figures") -> str:
        return charts.band_chart(title, series, caps, window, band_label, what=what, y_label=y_label,
                                 x_label=x_label)

    def range_chart(self, title: str, rows: Sequence[tuple[str, str, int, int, int]], *, x_label: str,
                    log: bool = False) -> str:
        return charts.range_chart(title, rows, x_label=x_label, log=log)


KIT = HtmlKit()


def page(title: str, heading: str, intro: str, summary: Sequence[Mapping[str, Any]],
         sections: Sequence[tuple[str, str]]) -> str:
    """One HTML document: ``intro``, each section's title and body are HTML; ``summary`` rows are
    escaped into the summary table (``question``, ``party``, ``answer``, ``as_of``). The n-th
    section's heading (from 1) has the id ``section-n``, for links from the introduction."""
    e = KIT.text
    rows = "".join("<tr>" + "".join(f"<td>{e(r.get(c))}</td>" for c in SUMMARY_COLUMNS) + "</tr>" for r in summary)
    body = "\n".join(f"<h2 id='section-{n}'>{t}</h2>\n{h}" for n, (t, h) in enumerate(sections, start=1))
    summary_table = KIT.scroll("<table><thead><tr><th>question</th><th>party</th><th>answer</th><th>as of</th></tr>"
                               f"</thead><tbody>{rows}</tbody></table>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{CSS}</style></head><body>
<h1>{e(heading)}</h1>
{intro}
<h2>Summary</h2>
{summary_table}
{body}
</body></html>
"""


def write_page(text: str, out: str | Path, name: str = "index.html") -> Path:
    """Write ``out/name`` atomically (a temporary file renamed into place); returns its path.
    A directory that cannot be made or written is an InputError naming it (field ``--out``)."""
    out_dir = Path(out)
    target = out_dir / name
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("exists and is not a directory", file=str(out_dir), field="--out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(out_dir), field="--out") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(target), field="--out") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
