"""The "After New START" part of the report: what binds now (nothing, and why), what is proposed
(the four agreements on the table, each with its caps, parties, verification and source), what
the five nuclear-weapon states hold (the FAS and SIPRI estimates side by side, with their
ranges; four other states for context), and — computed by the app layer, which this profile
asks for with :class:`~accord.profiles.Analysis` — the cap-level tables and the upload capacity.

:func:`build` is pure apart from drawing charts through the kit; it shows published figures
only: a category an estimator gives no figure for stays a dash, never a sum made here.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

from ...agreements.model import Agreement
from .. import Analysis, ReportContent, ReportKit, Section
from .data import ESTIMATORS, FAS, SCOPES, SIPRI, EstimateRow, estimate_rows

#: The agreements on the table after the treaty lapsed, in the order the report shows them.
PROPOSED = ("us-2026-all-warheads", "ru-2026-coalition", "freeze-all-warheads", "newstart-bridge-2026")
#: The five nuclear-weapon states of the NPT, then the four others, shown for context.
FIVE = ("US", "RU", "CN", "UK", "FR")
CONTEXT = ("IN", "PK", "IL", "KP")
NAMES = {"US": "United States", "RU": "Russia", "CN": "China", "UK": "United Kingdom", "FR": "France",
         "IN": "India", "PK": "Pakistan", "IL": "Israel", "KP": "North Korea"}
#: The estimators' categories the holdings table shows, broadest first (data.SCOPES keys).
SHOWN = ("total_inventory", "military_stockpile", "deployed", "deployed_strategic", "deployed_nonstrategic",
         "stored", "stored_and_retired", "retired")
#: The caps the cap-level tables try (warheads): from below China's estimate to above Russia's.
ALL_WARHEAD_CAPS = (500, 1000, 1550, 2000, 2500, 3000, 3500, 4000, 4500)
COALITION_CAPS = (2000, 3000, 3500, 4000, 4500, 5000)
#: The caps upload capacity is compared with: New START's deployed-warhead cap.
UPLOAD_CAPS = (1550,)
STATE_WORDS = {"in_force": "in force", "suspended": "in force, suspended in part", "expired": "expired",
               "not_yet": "not yet in force", "proposal": "proposal, never in force",
               "never_took_effect": "offer that never took effect"}


def latest(rows: Sequence[EstimateRow], day: _dt.date) -> dict[tuple[str, str, str], EstimateRow]:
    """The latest figure on or before ``day`` for each (estimator, party, category)."""
    out: dict[tuple[str, str, str], EstimateRow] = {}
    for r in sorted(rows, key=lambda r: r.as_of):
        if r.as_of <= day:
            out[(r.estimator, r.party, r.category)] = r
    return out


def _short(estimator: str) -> str:
    return estimator.split()[0]


# ----------------------------------------------------------------------------- what binds


def _binds_section(agreements: Sequence[Agreement], today: _dt.date, kit: ReportKit) -> Section:
    e = kit.text
    standings = [(a, a.standing(today)) for a in agreements]
    in_force = [a for a, s in standings if s.in_force]
    if in_force:
        lead = (f"<p>On {e(today)} in force: " + ", ".join(kit.named(a.title, a.id) for a in in_force)
                + ".</p>")
    else:
        expired = [s for _, s in standings if s.state == "expired" and s.effective.end is not None]
        last = max((s.effective.end for s in expired if s.effective.end is not None), default=None)
        why = [s for s in expired if s.effective.end == last] + [s for _, s in standings
                                                                  if s.state == "never_took_effect"]
        lead = (f"<p><strong>On {e(today)} no agreement in the library is in force.</strong> What lapsed last, "
                "and what never took effect:</p><ul>" + "".join(f"<li>{e(s.text)}.</li>" for s in why)
                + "</ul><p>Everything said since is a position or a report, not an agreement (next "
                "section). Every agreement's standing on the day:</p>")
    rows = []
    for a, s in standings:
        rows.append([kit.named(a.title, a.id), e(a.legal_form.replace("_", " ")),
                     e(STATE_WORDS.get(s.state, s.state)), e(s.text),
                     "<br>".join(kit.source(src) for src in s.sources)])
    table = kit.table(["agreement", "legal form", f"standing on {e(today)}", "in words", "sources"], rows)
    seen: set[tuple[str, str, _dt.date]] = set()
    history = []
    for a in agreements:  # a suspension an extension or a reading inherits is listed once, under the first
        for sp in a.suspensions:
            if (sp.id, sp.party, sp.start) not in seen:
                seen.add((sp.id, sp.party, sp.start))
                history.append(f"<li>{kit.named(a.title, a.id)}: {e(sp.describe())}"
                               + (f" (until {e(sp.end)})" if sp.end else "") + f". {kit.source(sp.source)}</li>")
    regime = ("<h3>Suspensions while in force</h3><p>The limits still bound; the verification regime was not "
              "performed (<code>accord show ID --at DATE</code> says so for any day):</p><ul>"
              + "".join(history) + "</ul>") if history else ""
    return Section("What binds now", lead + table + regime)


# ----------------------------------------------------------------------------- proposed


def _proposed_section(load: Callable[[str], Agreement], today: _dt.date, kit: ReportKit) -> Section:
    e = kit.text
    proposals = [load(aid) for aid in PROPOSED]

    def cell(a: Agreement, what: str) -> str:
        if what == "stated as":
            return e(a.legal_form.replace("_", " ")) + (f"<br><span class='small'>{e(a.adoption_note)}</span>"
                                                        if a.adoption_note else "")
        if what == "parties":
            return e(", ".join(a.parties))
        if what == "limits and caps":
            return "<br>".join(f"{kit.named(lim.title, lim.id)}: {e(lim.describe().text)}"
                               + (f"<br><span class='small'>{e(lim.note)}</span>" if lim.note else "")
                               for lim in a.limits) or "—"
        if what == "verification":
            return e(a.regime.verification.replace("_", " ")) + (f": {e(a.regime.note)}" if a.regime.note else "")
        if what == "conditions":
            return "<br>".join(e(c.text) for c in a.conditions) or "—"
        if what == "in words":
            return e(a.summary or "")
        if what == "source":
            return kit.source(a.source)
        raise KeyError(what)

    whats = ("stated as", "parties", "limits and caps", "verification", "conditions", "in words", "source")
    rows = [[e(w)] + [cell(a, w) for a in proposals] for w in whats]
    intro = ("<p>What has been put forward since the treaty expired, each modelled as an agreement so it can "
             "be checked against the estimates. None has a text: a cap nobody published is a "
             "<em>parameter</em> (its default and documented range are in the clause), never a number made up "
             "here. Compare any two clause by clause with <code>accord diff A B</code>.</p>")
    return Section("What is proposed",
                   intro + kit.table([""] + [kit.named(a.title, a.id) for a in proposals], rows, row_headers=True))


# ----------------------------------------------------------------------------- holdings


def _cell(row: EstimateRow | None, newest: _dt.date | None, kit: ReportKit) -> str:
    if row is None:
        return "—"
    digits = {"day": 10, "month": 7, "year": 4}.get(row.date_precision, 10)  # a date only as precise as published
    when = kit.text(row.as_of.isoformat()[:digits])
    if newest is not None and row.as_of.year < newest.year - 1:  # the estimator has not repeated it since
        when = f"<strong>{when} (older: this estimator's latest is {newest.year})</strong>"
    return f"{kit.text(row.value)}<br><span class='small'>{when}, {kit.source(row.source)}</span>"


def _holdings_table(parties: Sequence[str], found: dict[tuple[str, str, str], EstimateRow], kit: ReportKit) -> str:
    newest: dict[tuple[str, str], _dt.date] = {}
    for (est, party, _), r in found.items():
        newest[(est, party)] = max(r.as_of, newest.get((est, party), r.as_of))
    rows = []
    for party in parties:
        for cat in SHOWN:
            cells = [(found.get((est, party, cat)), newest.get((est, party))) for est in ESTIMATORS]
            if any(c for c, _ in cells):
                rows.append([kit.text(NAMES.get(party, party)), kit.text(SCOPES[cat][0]),
                             *(_cell(c, n, kit) for c, n in cells)])
    return kit.table(["state", "category", *(kit.text(est) for est in ESTIMATORS)], rows)


def _holdings_section(today: _dt.date, kit: ReportKit, charts: bool) -> Section:
    found = latest(estimate_rows(), today)
    svg = None
    if charts:
        bars = []
        for party in FIVE:
            for est in ESTIMATORS:
                r = found.get((est, party, "military_stockpile"))
                if r is not None:
                    bars.append((f"{party} ({_short(est)}, {r.as_of.year})", party, r.value.low, r.value.central,
                                 r.value.high))
        svg = kit.range_chart("Military stockpiles (deployed and stored warheads) as each estimator last "
                              "published them",
                              bars, x_label="warheads (military stockpile)", log=True)
    intro = (f"<p>The latest published estimate on or before {kit.text(today)} in each category, from the two "
             f"public estimators side by side — the {kit.text(FAS)} (Federation of American Scientists) and "
             f"the {kit.text(SIPRI)} — never merged, never picked between. A figure the source gives as "
             "\"approximately\" N, \"about\" N or a span is a range (low–high, the central value first; the "
             "rule is in the data's README); an exact figure has none. A dash: that estimator published no "
             "figure in that category. Military stockpile = deployed + stored; total inventory adds retired "
             "warheads awaiting dismantlement. Where an estimator's latest edition gives deployed and stored warheads "
             "but no stockpile total, the chart shows its last published total (the year is on each bar) and the "
             "cap-level tables below count the newer parts together, by the agreement's own rules.</p>")
    body = (intro + kit.chart(svg) + _holdings_table(FIVE, found, kit)
            + "<h3>For context: India, Pakistan, Israel, North Korea</h3>" + _holdings_table(CONTEXT, found, kit))
    return Section("Who holds what: five states' warheads, as estimates with ranges", body)


def holdings_rows(today: _dt.date) -> list[dict[str, Any]]:
    """Summary rows: each of the five states' latest military stockpile, per estimator."""
    found = latest(estimate_rows(), today)
    out = []
    for party in FIVE:
        got = [(est, found.get((est, party, "military_stockpile"))) for est in ESTIMATORS]
        shown = [f"{_short(est)} {r.value.describe()} ({r.as_of.isoformat()})" for est, r in got if r is not None]
        urls = [r.source.url for _, r in got if r is not None and r.source.url]
        out.append({"question": "military stockpile (estimates)", "party": party,
                    "answer": "; ".join(shown) or "no military-stockpile figure", "as_of": today,
                    "source": urls[0] if urls else "bundled estimates.csv"})
    return out


# ----------------------------------------------------------------------------- analyses


def _analyses(today: _dt.date) -> list[Analysis]:
    caps = Analysis(
        "caps", "Cap levels: a limit on all warheads of the US, Russia and China",
        {"agreement": "us-2026-all-warheads", "limit": "all_warheads", "caps": ALL_WARHEAD_CAPS, "at": today},
        intro=("<p>No cap number was published for the US aim. For each cap, who is under it and who must cut, "
               "and by how much, with each estimator's figures separately. <em>Uncertain</em>: the cap lies inside "
               "the estimate's range. Try another cap with <code>accord caps us-2026-all-warheads --range "
               "500:4500:250</code>.</p>"))
    coalition = Analysis(
        "caps", "Cap levels: US, UK and French warheads counted together (the Russian position)",
        {"agreement": "ru-2026-coalition", "caps": COALITION_CAPS, "at": today},
        intro=("<p>Russia's position is that British and French warheads be counted with the United States'. "
               "The three together against a range of caps, beside Russia's own holding of the same scope "
               "(deployed and stored warheads), each estimator separately.</p>"))
    upload = Analysis(
        "capacity", "Upload capacity: how many warheads each side could add, and how fast",
        {"caps": UPLOAD_CAPS, "at": today},
        intro=("<p>Deployed missiles and bombers × their maximum loading − the warheads they carry now, bounded "
               "by the warheads in reserve; the time it would take at the sourced rates, and when each side would "
               "pass New START's 1,550. Published analysts' estimates are the cross-check.</p>"))
    return [caps, coalition, upload]


def build(load: Callable[[str], Agreement], agreements: Sequence[Agreement], today: _dt.date, kit: ReportKit,
          *, charts: bool) -> ReportContent:
    """The "After New START" part of the report (see the module docstring)."""
    proposals = [load(aid) for aid in PROPOSED]
    summary = [{"question": "proposed since New START expired", "party": "all",
                "answer": "; ".join(f"{a.id} ({a.standing(today).state.replace('_', ' ')}; verification: "
                                    f"{a.regime.verification.replace('_', ' ')})" for a in proposals),
                "as_of": today, "source": "built-in library"}]
    summary += holdings_rows(today)
    intro = (f"<p>What binds, who holds what and what the proposals on the table would mean, as of "
             f"{kit.text(today)}: the built-in library's agreements and the two public estimators' figures "
             "(estimates, not declarations: nothing has been exchanged since February 2023).</p>")
    sections: list[Section | Analysis] = [
        _binds_section(agreements, today, kit),
        _proposed_section(load, today, kit),
        _holdings_section(today, kit, charts),
        *_analyses(today),
    ]
    return ReportContent(
        title="accord — after New START",
        heading="After New START: what binds, who holds what, what is proposed",
        intro=intro, summary=summary, sections=sections,
    )
