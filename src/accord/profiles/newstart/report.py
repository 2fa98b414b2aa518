"""The New START report: the three central limits over the public record (with the 2018, 2021,
2023 and 2026 markers), the proposals side by side, the 2020 freeze measured with the FAS
estimates, and Russia's 2022 reading of Article II.1(c).

:func:`build` evaluates the library against the bundled record (pure, apart from drawing
charts through the kit) and returns the page's content; ``accord.render`` lays it out.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...agreements.model import Agreement
from ...compliance import Finding, Report, evaluate
from ...forces.estimates import Estimate
from .. import ReportContent, ReportKit, Section
from .data import bundled_holdings

TIMELINE_AGREEMENT = "newstart-2021"
FREEZES = ("us-2020-freeze", "ru-2020-freeze")
DISPUTE = ("newstart-2021", "ru-counting-2022")
DISPUTE_DATE = _dt.date(2022, 3, 1)
DISPUTED_LIMIT = "deployed_and_nondeployed_launchers"
PARTIES = ("US", "RU")
EVENTS = (
    (_dt.date(2018, 2, 5), "limits bind"),
    (_dt.date(2021, 2, 3), "5-year extension"),
    (_dt.date(2023, 2, 21), "RU suspension"),
    (_dt.date(2026, 2, 5), "expiry"),
)
RU_2022_URL = "https://mid.ru/en/foreign_policy/international_safety/1808707"
#: The unit of each central limit (its chart's y axis).
UNITS = {
    "deployed_delivery_vehicles": "deployed missiles and heavy bombers",
    "deployed_warheads": "warheads",
    "deployed_and_nondeployed_launchers": "launchers and heavy bombers",
}


@dataclass(frozen=True)
class Evaluations:
    """Everything the report shows, evaluated once."""

    generated: _dt.date
    agreements: Sequence[Agreement]
    timeline_agreement: Agreement
    timeline: Report
    freezes: dict[str, tuple[Agreement, Report]]
    dispute: dict[str, Report]


def evaluations(load: Callable[[str], Agreement], agreements: Sequence[Agreement], today: _dt.date) -> Evaluations:
    """Evaluate the timeline, the freezes and the 2022 dispute against the bundled record."""
    holdings = bundled_holdings()
    ag = load(TIMELINE_AGREEMENT)
    freezes = {}
    for aid in FREEZES:
        fa = load(aid)
        freezes[aid] = (fa, evaluate(fa, holdings))
    dispute = {aid: evaluate(load(aid), holdings, parties=["US"], at=DISPUTE_DATE) for aid in DISPUTE}
    return Evaluations(today, agreements, ag, evaluate(ag, holdings), freezes, dispute)


def _freeze_findings(ag: Agreement, report: Report) -> list[Finding]:
    ids = {lim.id for lim in ag.limits if lim.group == "freeze"}
    return [f for f in report.findings if f.limit in ids]


def _first_url(f: Finding) -> str:
    for p in f.trace.get("parts", []):
        url = p.get("source", {}).get("url")
        if url:
            return str(url)
    return ""


def _latest_complete(report: Report, party: str, limits: int) -> tuple[_dt.date, list[Finding]] | None:
    by_date: dict[_dt.date, list[Finding]] = {}
    for f in report.where(party=party):
        by_date.setdefault(f.date, []).append(f)
    for day in sorted(by_date, reverse=True):
        fs = by_date[day]
        if len(fs) == limits and all(f.value is not None for f in fs):
            return day, fs
    return None


def _by(f: Finding) -> str:
    span = f.headroom_range
    if span is not None and span[0] != span[1]:  # a range: its margin in words, never the central one's
        return f" ({f.describe_headroom()})"
    return f" by {-f.headroom:,}" if f.headroom is not None and f.headroom < 0 else ""


def _vs(f: Finding) -> str:
    """``value vs cap``, each with its range when it has one."""
    value, cap = f.interval, f.cap_interval
    assert value is not None and cap is not None
    return f"{value.describe()} vs cap {cap.describe()}"


def _probability(p: float) -> str:
    """``= 1``, ``= 0.43``; ``> 0.99`` and ``< 0.01`` for a probability strictly between 0 and 1
    that two digits would round to a certainty the status does not give."""
    if 0.0 < p < 0.01:
        return "< 0.01"
    if 0.99 < p < 1.0:
        return "> 0.99"
    return f"= {p:.2g}"


#: What the ranges of the FAS figures are (datafiles/README.md, "Ranges"), said with each range finding.
RANGE_CAVEAT = "estimates: a range is the precision of the source's wording, not its unstated uncertainty"


def _verdict(f: Finding, value: Estimate, cap: Estimate) -> str:
    """The status and why the two intervals support it: the ends compared, then the margin as an
    interval (:meth:`Finding.describe_headroom`)."""
    if f.status == "exceeds":
        why = f"its low end {value.low:,} is above the cap's high end {cap.high:,}"
    elif f.status == "within":
        why = f"its high end {value.high:,} is at most the cap's low end {cap.low:,}"
    else:
        why = "the ranges overlap, the true count may be on either side"
    return f"{f.status}: {why}; {f.describe_headroom()}"


def freeze_answer(f: Finding) -> str:
    """A freeze finding in one line. On ranges (an estimate with a span, or a cap read from one):
    both intervals, the status they support (``within`` / ``exceeds`` / ``uncertain``), the margin
    as an interval, and the probability of being over the cap with the distribution it assumes —
    never a margin from the central figures alone. On exact figures: the status and its margin."""
    if f.p_exceeds is None:  # value and cap exact
        return f"{_vs(f)}: {f.status}" + _by(f) + (" (estimate)" if f.estimate else "")
    value, cap = f.interval, f.cap_interval
    assert value is not None and cap is not None
    both = ", value and cap independent" if value.is_range and cap.is_range else ""
    return (f"{_vs(f)}: {_verdict(f, value, cap)}; P(over cap) {_probability(f.p_exceeds)} under "
            f"{f.distribution}{both} ({RANGE_CAVEAT})")


def summary_rows(ev: Evaluations) -> list[dict[str, Any]]:
    """The short terminal summary: one row per question and party."""
    rows: list[dict[str, Any]] = []
    caps = " / ".join(lim.cap.describe() for lim in ev.timeline_agreement.limits)
    for party in PARTIES:
        latest = _latest_complete(ev.timeline, party, len(ev.timeline_agreement.limits))
        if latest:
            day, fs = latest
            values = " / ".join(f"{f.value:,}" for f in fs)
            statuses = {f.status for f in fs}
            verdict = "within all three limits" if statuses == {"within"} else ", ".join(sorted(statuses))
            rows.append({"question": "latest complete New START data", "party": party,
                         "answer": f"{verdict}: {values} (caps {caps})", "as_of": day,
                         "source": fs[0].trace["parts"][0].get("source", {}).get("url", "")})
    over = [f for f in ev.timeline.findings if f.status == "exceeds"]
    rows.append({"question": "binding limit exceeded in a bundled exchange", "party": "both",
                 "answer": "none" if not over else "; ".join(f"{f.party} {f.date} {f.limit}" for f in over),
                 "as_of": "2018-02-05 on", "source": f"{TIMELINE_AGREEMENT} timeline"})
    for aid, (fa, report) in ev.freezes.items():
        # every comparison made in the freeze year: an uncertain one is a finding too, never "no figure"
        measured = [f for f in _freeze_findings(fa, report) if f.status in ("within", "exceeds", "uncertain")]
        for party in PARTIES:
            if not any(f.party == party for f in measured):
                capped = [f for f in _freeze_findings(fa, report) if f.party == party and f.cap is not None]
                cap = capped[0].cap_interval if capped else None
                rows.append({"question": f"freeze under FAS estimates ({aid})", "party": party,
                             "answer": "no stockpile figure dated inside the freeze year"
                             + (f" to compare with the cap {cap.describe()} (read from the figure of "
                                f"{capped[0].trace['cap'].get('data_as_of')})" if cap is not None else ""),
                             "as_of": "", "source": "bundled force_estimates.csv"})
        for f in measured:
            assert f.value is not None and f.cap is not None
            rows.append({"question": f"freeze under FAS estimates ({aid})", "party": f.party,
                         "answer": freeze_answer(f), "as_of": f.date, "source": _first_url(f)})
    for f in ev.dispute["ru-counting-2022"].where(limit=DISPUTED_LIMIT):
        rows.append({"question": "Russia's 2022 reading of Article II.1(c)", "party": f.party,
                     "answer": f"{_vs(f)}: {f.status}" + _by(f),
                     "as_of": f.date, "source": RU_2022_URL})
    return rows  # what is in force on the day, for the whole library, the app's report puts first


# ----------------------------------------------------------------------------- sections


def _limits_section(ev: Evaluations, kit: ReportKit, charts: bool) -> Section:
    ag = ev.timeline_agreement
    parts = []
    for lim in ag.limits:
        svg = None
        if charts:
            series = {p: [(f.date, f.value) for f in ev.timeline.where(party=p, limit=lim.id)] for p in ag.parties}
            svg = kit.line_chart(f"{lim.title} ({lim.source.article})", series, lim.cap.value, EVENTS,
                                 y_label=UNITS.get(lim.id, "count"), x_label="date of the data exchange")
        parts.append(f"<h3>{kit.named(lim.title, lim.id)} — cap {kit.text(lim.cap.value)} "
                     f"({kit.source(lim.source)})</h3>" + kit.chart(svg))
    note = ("<p class=\"note\">Lines join the published six-monthly exchanges; a gap means the figure was not "
            "published.\nThe limits bind from 5 February 2018 (Article II.1). Russia \"suspended\" the treaty on "
            "21 February 2023 and\nprovided no data after; the treaty expired on 5 February 2026.</p>\n")
    return Section(f"The three central limits over time: {kit.named(ag.title, ag.id)}", note + "".join(parts))


def _proposals_section(ev: Evaluations, kit: ReportKit) -> Section:
    e = kit.text

    def cell(a: Agreement, what: str) -> str:
        if what == "legal form":
            return e(a.legal_form) + ("" if a.adopted else " <em>(never adopted)</em>")
        if what == "effective":
            return f"{e(a.effective.start)} – {e(a.effective.end) if a.effective.end else 'open'}"
        if what == "central limits":
            lims = [lim for lim in a.limits if lim.group == "limit"]
            return "<br>".join(f"{kit.named(lim.title, lim.id)}: {e(lim.cap.describe())} from {e(lim.binding.start)} "
                               f"({e(lim.legal_form)})" + (" <em>scope widened</em>" if len(lim.categories) > 6 else "")
                               for lim in lims) or "—"
        if what == "freeze":
            fz = [lim for lim in a.limits if lim.group == "freeze"]
            return "<br>".join(f"{e(lim.title)}: cap {e(lim.cap.describe())}, {e(lim.binding.start)} – "
                               f"{e(lim.binding.end)}; verification: {e(lim.verification)}" for lim in fz) or "—"
        if what == "verification":
            r = a.regime
            insp = ", ".join(f"{i.quota_per_year} {i.id.replace('_', ' ')}" for i in r.inspections) or "no inspections"
            ex = "six-monthly data exchange" if any(x.as_of for x in r.data_exchanges) else "no data exchange"
            note = f"; notifications within {r.notification_default_days} days" if r.notification_default_days else ""
            return f"{e(r.verification)}: {e(insp)}; {e(ex)}{e(note)}"
        if what == "conditions":
            return "<br>".join(e(c.text) for c in a.conditions) or "—"
        if what == "source":
            return kit.source(a.source)
        raise KeyError(what)

    rows = [[e(w)] + [cell(a, w) for a in ev.agreements]
            for w in ("legal form", "effective", "central limits", "freeze", "verification", "conditions", "source")]
    intro = ("<p>What each agreement, proposal or interpretation in the library binds, how, and how it would be "
             "verified\n(see <code>accord diff A B</code> for the clause-by-clause comparison).</p>\n")
    return Section("The proposals side by side",
                   intro + kit.table([""] + [kit.named(a.title, a.id) for a in ev.agreements], rows, row_headers=True))


def _freeze_section(ev: Evaluations, kit: ReportKit, charts: bool) -> Section:
    fa, report = ev.freezes[FREEZES[0]]
    freeze = next(lim for lim in fa.limits if lim.group == "freeze")
    svg = None
    if charts:
        series: dict[str, list[tuple[_dt.date, int | None]]] = {}
        for snap in bundled_holdings():
            c = snap.counts.get("nuclear_warheads_all")
            if c is not None:
                series.setdefault(snap.party, []).append((snap.date, c.value))
        caps = {f.party: f.cap for f in report.where(limit=freeze.id) if f.cap is not None}
        assert freeze.binding.end is not None
        svg = kit.band_chart("All nuclear warheads (military stockpile), with a freeze at the 5 Feb 2021 level",
                             series, caps, (freeze.binding.start, freeze.binding.end), "freeze year (hypothetical)",
                             what="stockpile", y_label="warheads (military stockpile)",
                             x_label="date of the estimate")
    rows: list[Finding] = []
    for ag, rep in ev.freezes.values():
        rows += [f for f in _freeze_findings(ag, rep) if f.status != "not_binding"]
    note = ("<p class=\"note\">No cap number for the 2020 freeze was ever made public. Here the cap is each "
            "party's level at the\nstart of the freeze (5 February 2021) under the only public figures for whole "
            "stockpiles: FAS Nuclear Notebook\nestimates (and one official US figure). Changes between estimates "
            "may reflect new information rather than\nchanges in the stockpile — these are estimates, not "
            "exchanged data.</p>\n"
            "<p class=\"note\">Each FAS figure is a range made from its words (\"approximately 4,310\": 4,305–4,315; "
            "\"nearly 4,500\": 4,400–4,500),\nso a cap read from one is a range too; the official US figure is "
            "exact. A finding is <em>within</em> only when\nthe value's high end is at most the cap's low end, "
            "<em>exceeds</em> only when its low end is above the cap's high end,\nand <em>uncertain</em> otherwise; "
            "the headroom is shown as an interval, with the probability of being over the cap\nunder the stated "
            "distribution (value and cap taken as independent). The ranges give only the precision of\nthe "
            "wording: FAS states no uncertainty, and its real uncertainty is larger. The chart shows the central "
            "figures.</p>\n")
    return Section("A freeze on all warheads, measured with the FAS estimates",
                   note + kit.chart(svg) + "\n" + kit.findings_table(rows))


def _dispute_section(ev: Evaluations, kit: ReportKit) -> Section:
    intro = ("<p>The US declared 800 deployed and non-deployed launchers on 1 March 2022. Russia held that 56 "
             "converted\nTrident II launchers, 41 converted B-52H and 4 \"training silos\" remained accountable. "
             "Counting those item\ncounts under that reading:</p>\n")
    titles = {a.id: a.title for a in ev.agreements}
    body = "".join(f"<h3>{kit.named(titles.get(aid), aid)}</h3>" + kit.findings_table(r.where(limit=DISPUTED_LIMIT))
                   for aid, r in ev.dispute.items())
    return Section("Russia's 2022 reading of Article II.1(c)", intro + body)


def _findings_section(ev: Evaluations, kit: ReportKit) -> Section:
    binding = [f for f in ev.timeline.findings if f.status != "not_binding"]
    ag = ev.timeline_agreement
    return Section(f"Every finding since the limits bound: {kit.named(ag.title, ag.id)}",
                   kit.findings_table(binding))


def build(load: Callable[[str], Agreement], agreements: Sequence[Agreement], today: _dt.date, kit: ReportKit,
          *, charts: bool) -> ReportContent:
    """The New START report page (see the module docstring); no charts when ``charts=False``."""
    ev = evaluations(load, agreements, today)
    intro = (f"<p>Generated {kit.text(today)} by accord from the bundled public record (US and Russian aggregate\n"
             "exchange data 2011–2023, the US per-category breakdowns, Russia's 2022 counts, FAS stockpile "
             "estimates).\nGaps in the record stay gaps: a missing figure is shown as \"no data\", never estimated.\n"
             "Every number links to its source; estimates are marked as such and shown as ranges.</p>")
    return ReportContent(
        title="accord — New START and what may follow",
        heading="accord report: New START, its record, and the proposals that followed",
        intro=intro,
        summary=summary_rows(ev),
        sections=[_limits_section(ev, kit, charts), _proposals_section(ev, kit), _freeze_section(ev, kit, charts),
                  _dispute_section(ev, kit), _findings_section(ev, kit)],
    )
