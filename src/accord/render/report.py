"""``accord report``: the main job — a self-contained HTML report of the public record.

:func:`build_report` evaluates the built-in agreements against the bundled data (pure);
:func:`write_report` writes ``index.html`` with every chart embedded as a data URI, so the
page works offline. Every number in it links to its source.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..agreements import Agreement, load_agreement, load_all
from ..compliance import Finding, Report, evaluate
from ..profiles.newstart import bundled_holdings
from ..sources import Source

TIMELINE_AGREEMENT = "newstart-2021"
EVENTS = (
    (_dt.date(2018, 2, 5), "limits bind"),
    (_dt.date(2021, 2, 3), "5-year extension"),
    (_dt.date(2023, 2, 21), "RU suspension"),
    (_dt.date(2026, 2, 5), "expiry"),
)


@dataclass
class ReportData:
    """Everything the report shows, computed once."""

    generated: _dt.date
    agreements: list[Agreement]
    timeline: Report
    freezes: dict[str, Report]
    dispute: dict[str, Report]
    charts: dict[str, bytes] = field(default_factory=dict)

    def summary_rows(self) -> list[dict[str, Any]]:
        """The short terminal summary: one row per question and party."""
        rows: list[dict[str, Any]] = []
        for party in ("US", "RU"):
            latest = _latest_complete(self.timeline, party)
            if latest:
                day, fs = latest
                values = " / ".join(f"{f.value:,}" for f in fs)
                statuses = {f.status for f in fs}
                verdict = "within all three limits" if statuses == {"within"} else ", ".join(sorted(statuses))
                rows.append({"question": "latest complete New START data", "party": party,
                             "answer": f"{verdict}: {values} (caps 700 / 1,550 / 800)", "as_of": day,
                             "source": fs[0].trace["parts"][0].get("source", {}).get("url", "")})
        over = [f for f in self.timeline.findings if f.status == "exceeds"]
        rows.append({"question": "binding limit exceeded in a bundled exchange", "party": "both",
                     "answer": "none" if not over else "; ".join(f"{f.party} {f.date} {f.limit}" for f in over),
                     "as_of": "2018-02-05 on", "source": "newstart-2021 timeline"})
        for aid, report in self.freezes.items():
            for party in ("US", "RU"):
                if not any(f.kind == "freeze" and f.status in ("within", "exceeds") for f in report.where(party=party)):
                    rows.append({"question": f"freeze under FAS estimates ({aid})", "party": party,
                                 "answer": "no stockpile figure dated inside the freeze year", "as_of": "",
                                 "source": "bundled force_estimates.csv"})
            for f in report.findings:
                if f.kind == "freeze" and f.status in ("within", "exceeds"):
                    rows.append({"question": f"freeze under FAS estimates ({aid})", "party": f.party,
                                 "answer": f"{f.value:,} vs cap {f.cap:,}: {f.status}"
                                 + (f" by {-f.headroom:,}" if f.headroom is not None and f.headroom < 0 else "")
                                 + (" (estimate)" if f.estimate else ""),
                                 "as_of": f.date, "source": _first_url(f)})
        for f in self.dispute["ru-counting-2022"].where(limit="deployed_and_nondeployed_launchers"):
            rows.append({"question": "Russia's 2022 reading of Article II.1(c)", "party": f.party,
                         "answer": f"{f.value:,} vs cap {f.cap:,}: {f.status}"
                         + (f" by {-f.headroom:,}" if f.headroom is not None and f.headroom < 0 else ""),
                         "as_of": f.date, "source": "https://mid.ru/en/foreign_policy/international_safety/1808707"})
        today = self.generated
        in_force = [a.id for a in self.agreements if a.adopted and a.in_force(today)]
        rows.append({"question": f"in force on {today}", "party": "both",
                     "answer": ", ".join(in_force) or "nothing", "as_of": today, "source": "built-in library"})
        return rows


def _first_url(f: Finding) -> str:
    for p in f.trace.get("parts", []):
        url = p.get("source", {}).get("url")
        if url:
            return str(url)
    return ""


def _latest_complete(report: Report, party: str) -> tuple[_dt.date, list[Finding]] | None:
    by_date: dict[_dt.date, list[Finding]] = {}
    for f in report.where(party=party):
        by_date.setdefault(f.date, []).append(f)
    for day in sorted(by_date, reverse=True):
        fs = by_date[day]
        if len(fs) == 3 and all(f.value is not None for f in fs):
            return day, fs
    return None


def build_report(today: _dt.date | None = None, *, charts: bool = True) -> ReportData:
    """Evaluate the library against the bundled record; draw the charts unless ``charts=False``."""
    holdings = bundled_holdings()
    agreements = load_all()
    timeline = evaluate(load_agreement(TIMELINE_AGREEMENT), holdings)
    freezes = {aid: evaluate(load_agreement(aid), holdings) for aid in ("us-2020-freeze", "ru-2020-freeze")}
    day = _dt.date(2022, 3, 1)
    dispute = {aid: evaluate(load_agreement(aid), holdings, parties=["US"], at=day)
               for aid in ("newstart-2021", "ru-counting-2022")}
    data = ReportData(today or _dt.date.today(), agreements, timeline, freezes, dispute)
    if charts:
        _draw(data)
    return data


def _draw(data: ReportData) -> None:
    from .charts import freeze_chart, limit_chart

    ag = load_agreement(TIMELINE_AGREEMENT)
    for lim in ag.limits:
        series = {p: [(f.date, f.value) for f in data.timeline.where(party=p, limit=lim.id)] for p in ag.parties}
        data.charts[lim.id] = limit_chart(f"{lim.title} ({lim.source.article})", series, lim.cap.value, EVENTS)
    freeze = data.freezes["us-2020-freeze"]
    fl = load_agreement("us-2020-freeze").limit("all_warheads_freeze")
    series = {}
    caps = {}
    for snap in bundled_holdings():
        c = snap.counts.get("nuclear_warheads_all")
        if c is not None:
            series.setdefault(snap.party, []).append((snap.date, c.value))
    for f in freeze.where(limit="all_warheads_freeze"):
        if f.cap is not None:
            caps[f.party] = f.cap
    assert fl.binding.end is not None
    data.charts["freeze"] = freeze_chart(series, caps, (fl.binding.start, fl.binding.end))


# ----------------------------------------------------------------------------- HTML


def _e(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape(str(value))


def _src(source: Source | dict[str, Any] | None) -> str:
    if source is None:
        return ""
    s = source.to_json() if isinstance(source, Source) else source
    text = _e(s.get("document", "")) + (f", {_e(s['article'])}" if s.get("article") else "")
    rel = s.get("reliability")
    if rel and rel != "official":
        text += f" <span class='rel'>[{_e(rel)}]</span>"
    if s.get("url"):
        return f"<a href='{html.escape(str(s['url']))}'>{text}</a>"
    return text


def _img(png: bytes | None, alt: str) -> str:
    if not png:
        return ""
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def _status(f: Finding) -> str:
    est = " (estimate)" if f.estimate else ""
    return f"<span class='st {f.status}'>{f.status.replace('_', ' ')}{est}</span>"


def _findings_table(findings: list[Finding] | tuple[Finding, ...]) -> str:
    rows = []
    for f in findings:
        parts = "; ".join(
            f"{_e(p['value'])} = {_e(', '.join(p['categories']))} ({_e(p['origin'])}) {_src(p.get('source'))}"
            for p in f.trace.get("parts", []))
        notes = " ".join(_e(n) for n in f.trace.get("notes", []))
        rows.append(f"<tr><td>{_e(f.party)}</td><td>{_e(f.date)}</td><td>{_e(f.limit)}</td><td class='n'>{_e(f.value)}</td>"
                    f"<td class='n'>{_e(f.cap)}</td><td class='n'>{_e(f.headroom)}</td><td>{_status(f)}</td>"
                    f"<td class='small'>{parts} {notes}<br>Clause: {_src(f.source)}</td></tr>")
    return ("<table><tr><th>party</th><th>date</th><th>limit</th><th>value</th><th>cap</th><th>headroom</th>"
            "<th>status</th><th>trace and sources</th></tr>" + "".join(rows) + "</table>")


def _proposals_table(agreements: list[Agreement]) -> str:
    def cell(a: Agreement, what: str) -> str:
        if what == "legal form":
            return _e(a.legal_form) + ("" if a.adopted else " <em>(never adopted)</em>")
        if what == "effective":
            return f"{_e(a.effective.start)} – {_e(a.effective.end) if a.effective.end else 'open'}"
        if what == "central limits":
            lims = [lim for lim in a.limits if lim.kind == "limit"]
            return "<br>".join(f"{_e(lim.id)}: {_e(lim.cap.describe())} from {_e(lim.binding.start)} "
                               f"({_e(lim.legal_form)})" + (" <em>scope widened</em>" if len(lim.categories) > 6 else "")
                               for lim in lims) or "—"
        if what == "freeze":
            fz = [lim for lim in a.limits if lim.kind == "freeze"]
            return "<br>".join(f"{_e(lim.title)}: cap {_e(lim.cap.describe())}, {_e(lim.binding.start)} – "
                               f"{_e(lim.binding.end)}; verification: {_e(lim.verification)}" for lim in fz) or "—"
        if what == "verification":
            r = a.regime
            insp = ", ".join(f"{i.quota_per_year} {i.id.replace('_', ' ')}" for i in r.inspections) or "no inspections"
            ex = "six-monthly data exchange" if any(e.as_of for e in r.data_exchanges) else "no data exchange"
            note = f"; notifications within {r.notification_default_days} days" if r.notification_default_days else ""
            return f"{_e(r.verification)}: {_e(insp)}; {_e(ex)}{_e(note)}"
        if what == "conditions":
            return "<br>".join(_e(c.text) for c in a.conditions) or "—"
        if what == "source":
            return _src(a.source)
        raise KeyError(what)

    head = "".join(f"<th>{_e(a.id)}</th>" for a in agreements)
    body = "".join(
        f"<tr><th>{_e(w)}</th>" + "".join(f"<td class='small'>{cell(a, w)}</td>" for a in agreements) + "</tr>"
        for w in ("legal form", "effective", "central limits", "freeze", "verification", "conditions", "source"))
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em} td,th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top}
th{background:#f4f4f4;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
.small{font-size:.85em} .rel{color:#a60} img{max-width:100%;display:block;margin:1em 0}
.st{padding:0 .3em;border-radius:3px;white-space:nowrap} .within{background:#d9f2d9} .exceeds{background:#f8caca}
.not_binding{background:#eee} .not_in_force{background:#e5e5f5} .no_data{background:#fff2c6}
.note{background:#f7f7f7;border-left:3px solid #999;padding:.5em 1em}
"""


def render_html(data: ReportData) -> str:
    """The report as one HTML document (no external resources)."""
    summary = "".join(
        f"<tr><td>{_e(r['question'])}</td><td>{_e(r['party'])}</td><td>{_e(r['answer'])}</td><td>{_e(r['as_of'])}</td></tr>"
        for r in data.summary_rows())
    ag = load_agreement(TIMELINE_AGREEMENT)
    charts = "".join(
        f"<h3>{_e(lim.title)} — cap {_e(lim.cap.value)} ({_src(lim.source)})</h3>{_img(data.charts.get(lim.id), lim.title)}"
        for lim in ag.limits)
    binding = [f for f in data.timeline.findings if f.status != "not_binding"]
    freeze_rows: list[Finding] = []
    for report in data.freezes.values():
        freeze_rows += [f for f in report.findings if f.kind == "freeze" and f.status != "not_binding"]
    dispute = "".join(
        f"<h3>{_e(aid)}</h3>" + _findings_table(r.where(limit="deployed_and_nondeployed_launchers"))
        for aid, r in data.dispute.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>accord — New START and what may follow</title>
<style>{CSS}</style></head><body>
<h1>accord report: New START, its record, and the proposals that followed</h1>
<p>Generated {_e(data.generated)} by accord from the bundled public record (US and Russian aggregate
exchange data 2011–2023, the US per-category breakdowns, Russia's 2022 counts, FAS stockpile estimates).
Gaps in the record stay gaps: a missing figure is shown as "no data", never estimated.
Every number links to its source; estimates are marked as such.</p>
<h2>Summary</h2>
<table><tr><th>question</th><th>party</th><th>answer</th><th>as of</th></tr>{summary}</table>
<h2>The three central limits over time ({_e(ag.id)})</h2>
<p class="note">Lines join the published six-monthly exchanges; a gap means the figure was not published.
The limits bind from 5 February 2018 (Article II.1). Russia "suspended" the treaty on 21 February 2023 and
provided no data after; the treaty expired on 5 February 2026.</p>
{charts}
<h2>The proposals side by side</h2>
<p>What each agreement, proposal or interpretation in the library binds, how, and how it would be verified
(see <code>accord diff A B</code> for the clause-by-clause comparison).</p>
{_proposals_table(data.agreements)}
<h2>A freeze on all warheads, measured with the FAS estimates</h2>
<p class="note">No cap number for the 2020 freeze was ever made public. Here the cap is each party's level at the
start of the freeze (5 February 2021) under the only public figures for whole stockpiles: FAS Nuclear Notebook
estimates (and one official US figure). Changes between estimates may reflect new information rather than
changes in the stockpile — these are estimates, not exchanged data.</p>
{_img(data.charts.get("freeze"), "freeze")}
{_findings_table(freeze_rows)}
<h2>Russia's 2022 reading of Article II.1(c)</h2>
<p>The US declared 800 deployed and non-deployed launchers on 1 March 2022. Russia held that 56 converted
Trident II launchers, 41 converted B-52H and 4 "training silos" remained accountable. Counting those item
counts under that reading:</p>
{dispute}
<h2>Every finding since the limits bound ({_e(ag.id)})</h2>
{_findings_table(binding)}
</body></html>
"""


def write_report(data: ReportData, out: str | Path) -> Path:
    """Write ``out/index.html`` atomically (a temporary file renamed into place)."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    text = render_html(data)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".index.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
