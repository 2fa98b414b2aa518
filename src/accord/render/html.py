"""HTML pages: one self-contained document (styles inline, charts embedded as data URIs, so it
works offline), and :class:`HtmlKit`, the helpers a profile's report sections write with.

Nothing here knows an agreement: a page is a title, a heading, an introduction, a summary
table and sections, each given as HTML built with the kit (which escapes what it is given).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..compliance import Finding
from ..errors import InputError
from ..sources import Source
from . import charts

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top}
th{background:#f4f4f4;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
.small{font-size:.85em} .rel{color:#a60} img{max-width:100%;display:block;margin:1em 0}
.st{padding:0 .3em;border-radius:3px;white-space:nowrap} .within{background:#d9f2d9} .exceeds{background:#f8caca}
.not_binding{background:#eee} .not_in_force{background:#e5e5f5} .no_data{background:#fff2c6}
.note{background:#f7f7f7;border-left:3px solid #999;padding:.5em 1em}
"""
SUMMARY_COLUMNS = ("question", "party", "answer", "as_of")


class HtmlKit:
    """HTML fragments and charts for report sections (the ``ReportKit`` a profile writes with)."""

    def text(self, value: Any) -> str:
        """``value`` escaped: ``None`` as a dash, integers with thousands separators."""
        if value is None:
            return "—"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return html.escape(str(value))

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

    def image(self, png: bytes | None, alt: str) -> str:
        """An embedded PNG (a data URI); empty when there is no image."""
        if not png:
            return ""
        return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"

    def status(self, f: Finding) -> str:
        est = " (estimate)" if f.estimate else ""
        return f"<span class='st {html.escape(f.status)}'>{self.text(f.status.replace('_', ' '))}{est}</span>"

    def findings_table(self, findings: Sequence[Finding]) -> str:
        """One row per finding: party, date, limit, value, cap, headroom, status, trace and sources."""
        e = self.text
        rows = []
        for f in findings:
            parts = "; ".join(
                f"{e(p['value'])} = {e(', '.join(p['categories']))} ({e(p['origin'])}) {self.source(p.get('source'))}"
                for p in f.trace.get("parts", []))
            notes = " ".join(e(n) for n in f.trace.get("notes", []))
            rows.append(f"<tr><td>{e(f.party)}</td><td>{e(f.date)}</td><td>{e(f.limit)}</td>"
                        f"<td class='n'>{e(f.value)}</td><td class='n'>{e(f.cap)}</td>"
                        f"<td class='n'>{e(f.headroom)}</td><td>{self.status(f)}</td>"
                        f"<td class='small'>{parts} {notes}<br>Clause: {self.source(f.source)}</td></tr>")
        return ("<table><tr><th>party</th><th>date</th><th>limit</th><th>value</th><th>cap</th><th>headroom</th>"
                "<th>status</th><th>trace and sources</th></tr>" + "".join(rows) + "</table>")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *, row_headers: bool = False) -> str:
        """A table of cells that are already HTML; with ``row_headers`` each row's first cell is a header."""
        head = "".join(f"<th>{h}</th>" for h in header)
        body = []
        for row in rows:
            first, rest = (f"<th>{row[0]}</th>", row[1:]) if row_headers and row else ("", row)
            cls = " class='small'" if row_headers else ""
            body.append(f"<tr>{first}" + "".join(f"<td{cls}>{c}</td>" for c in rest) + "</tr>")
        return f"<table><tr>{head}</tr>{''.join(body)}</table>"

    def line_chart(self, title: str, series: charts.Series, cap: int | None,
                   events: Sequence[tuple[_dt.date, str]]) -> bytes:
        return charts.line_chart(title, series, cap, events)

    def band_chart(self, title: str, series: charts.Series, caps: Mapping[str, int],
                   window: tuple[_dt.date, _dt.date], band_label: str, *, what: str = "") -> bytes:
        return charts.band_chart(title, series, caps, window, band_label, what=what)


KIT = HtmlKit()


def page(title: str, heading: str, intro: str, summary: Sequence[Mapping[str, Any]],
         sections: Sequence[tuple[str, str]]) -> str:
    """One HTML document: ``intro`` and each section's body are HTML; ``summary`` rows are
    escaped into the summary table (``question``, ``party``, ``answer``, ``as_of``)."""
    e = KIT.text
    rows = "".join("<tr>" + "".join(f"<td>{e(r.get(c))}</td>" for c in SUMMARY_COLUMNS) + "</tr>" for r in summary)
    body = "\n".join(f"<h2>{t}</h2>\n{h}" for t, h in sections)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{CSS}</style></head><body>
<h1>{e(heading)}</h1>
{intro}
<h2>Summary</h2>
<table><tr><th>question</th><th>party</th><th>answer</th><th>as of</th></tr>{rows}</table>
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
