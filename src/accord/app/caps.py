"""Cap levels: what each party holds of an agreement's scope against a range of caps — who is
under, who must cut, by how much, and where an estimate's range straddles the cap.

Each party's holding is its value of the limit's categories (or of a ``scope`` of categories),
counted by the agreement's own rules on the latest data on or before ``at`` — from the bundled
record (each estimator's series separately) or from a user's file — with the interval the data
give (an exact figure is an interval of width 0). A coalition limit gives the coalition's
combined holding (``US+UK+FR``). Against each cap N:

- ``under``: the whole interval is at or under N (``high <= N``): nothing to cut;
- ``must_cut``: even the low end is over N (``low > N``): the cut is ``holding - N``, end by end;
- ``uncertain``: N falls inside the interval (``low <= N < high``): the cut is 0 to ``high - N``
  (central: ``max(0, central - N)``);
- ``no_data``: the data do not value the scope for that party on or before ``at``.

These are the compliance engine's ``within`` / ``exceeds`` / ``uncertain`` for a hypothetical cap:
whether the agreement is in force on ``at`` does not matter here, only what is held.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement, Cap, Limit
from ..compliance import Finding, evaluate
from ..compliance.rules import REGISTRY
from ..errors import InputError
from ..forces import Holdings, load_holdings
from ..forces.estimates import Estimate
from ..periods import Period
from ..sources import Source, weakest
from ._frame import frame
from ._inputs import canonical_parties
from .compliance import bundled_series
from .library import load_agreement

if TYPE_CHECKING:
    import pandas as pd

SCHEMA = "accord.caps/v1"
STATUSES = ("under", "must_cut", "uncertain", "no_data")

#: What each status means, for footers, JSON and documentation.
STATUS_TEXT = {
    "under": "the whole range is at or under the cap",
    "must_cut": "even the low end is over the cap; the cut is holding − cap, end by end",
    "uncertain": "the cap falls inside the range; the cut is 0 to high − cap",
    "no_data": "no data value the scope on or before the date",
}
#: How ``p_over`` names its distribution (as a finding's ``distribution`` does).
DISTRIBUTIONS = {"triangular": "triangular(low, central, high)"}


@dataclass(frozen=True)
class Holding:
    """One party's (or coalition's) holding of the scope, from one series: the interval, the
    date of its data, the weakest reliability of its figures and their sources."""

    party: str
    members: tuple[str, ...]
    series: str | None
    value: Estimate | None
    as_of: _dt.date | None
    reliability: str | None
    sources: tuple[Source, ...]
    note: str | None = None

    @property
    def label(self) -> str:
        """``US``, or ``US (SIPRI)`` when several series are shown (the first word of the series)."""
        return self.party if self.series is None else f"{self.party} ({self.series.split()[0]})"

    def against(self, cap: int) -> Verdict:
        """Where this holding stands against ``cap``."""
        return verdict(self.value, cap)

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party, "parties": list(self.members), "series": self.series,
            "value": self.value.to_json() if self.value is not None else None,
            "as_of": self.as_of.isoformat() if self.as_of else None, "data_reliability": self.reliability,
            "sources": [s.to_json() for s in self.sources], "note": self.note,
        }


@dataclass(frozen=True)
class Verdict:
    """A holding against one cap: the status, the cut needed (``None`` without data) and, for a
    range, the probability that the true holding is over the cap under :data:`DISTRIBUTION`."""

    status: str
    cut: Estimate | None
    p_over: float | None = None

    def describe(self) -> str:
        """``under``, ``cut 2,150 (2,050–2,250)``, ``uncertain (p 0.49): cut 0–150`` or ``no data``."""
        if self.status == "under":
            return "under"
        if self.status == "no_data" or self.cut is None:
            return "no data"
        if self.status == "uncertain":
            p = f" (p {_p(self.p_over)})" if self.p_over is not None else ""
            return f"uncertain{p}: cut {self.cut.low:,}–{self.cut.high:,}"
        return f"cut {self.cut.describe()}"


def _p(p: float) -> str:
    """A probability in two decimals that never rounds an uncertain one to 0 or 1."""
    return "<0.01" if p < 0.005 else ">0.99" if p > 0.995 else f"{p:.2f}"


#: The distribution over an estimate's range behind ``p_over`` (see accord.compliance.probability).
DISTRIBUTION = "triangular"


def verdict(value: Estimate | None, cap: int) -> Verdict:
    """``value`` against ``cap`` (see the module docstring for the statuses and the cut)."""
    if value is None:
        return Verdict("no_data", None)
    p = None
    if value.is_range:
        from ..compliance.probability import p_exceeds

        p = p_exceeds(value, Estimate.exact(cap), DISTRIBUTION)
    if value.high <= cap:
        return Verdict("under", Estimate.exact(0), p)
    if value.low > cap:
        return Verdict("must_cut", Estimate(value.low - cap, value.central - cap, value.high - cap), p)
    return Verdict("uncertain", Estimate(0, max(0, value.central - cap), value.high - cap), p)


#: Columns of the long rows (CSV, DataFrame): one row per holding and cap.
COLUMNS = ("series", "party", "as_of", "low", "central", "high", "cap", "status", "cut_low", "cut_central",
           "cut_high", "p_over", "data_reliability")


@dataclass(frozen=True)
class CapLevels:
    """Holdings of one scope against a range of caps (``accord.caps/v1``)."""

    agreement: Agreement
    limit: Limit
    scope: tuple[str, ...]
    at: _dt.date
    caps: tuple[int, ...]
    holdings: tuple[Holding, ...]
    #: The agreement's own cap of the limit on ``at`` (None: none, or a level-on or unset parameter).
    agreement_cap: int | None
    data: str
    columns = COLUMNS

    @property
    def scope_title(self) -> str:
        """The scope in words: the limit's title, or the categories' titles joined by ``+``."""
        return self.limit.title

    @property
    def unit(self) -> str:
        """The unit of the scope's categories (``warheads``), or ``items`` when they differ."""
        units = {getattr(self.agreement.category(c), "unit", None) or "items" for c in self.scope}
        return units.pop() if len(units) == 1 else "items"

    def rows(self) -> list[dict[str, Any]]:
        """One row per holding and cap."""
        out = []
        for h in self.holdings:
            for cap in self.caps:
                v = h.against(cap)
                out.append({
                    "series": h.series, "party": h.party, "as_of": h.as_of,
                    "low": h.value.low if h.value else None, "central": h.value.central if h.value else None,
                    "high": h.value.high if h.value else None, "cap": cap, "status": v.status,
                    "cut_low": v.cut.low if v.cut else None, "cut_central": v.cut.central if v.cut else None,
                    "cut_high": v.cut.high if v.cut else None, "p_over": v.p_over,
                    "data_reliability": h.reliability,
                })
        return out

    def pivot(self) -> tuple[list[str], list[list[str]]]:
        """The table people read: a header (``cap`` and one column per holding), a first row with
        each holding, then one row per cap with each holding's verdict."""
        header = ["cap", *(h.label for h in self.holdings)]
        first = ["holding", *(h.value.describe() if h.value else "no data" for h in self.holdings)]
        body = [[f"{cap:,}" + (" (agreement)" if cap == self.agreement_cap else ""),
                 *(h.against(cap).describe() for h in self.holdings)] for cap in self.caps]
        return header, [first, *body]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA, "agreement": self.agreement.id, "agreement_title": self.agreement.title,
            "limit": {"id": self.limit.id, "title": self.limit.title, "kind": self.limit.kind},
            "scope": list(self.scope), "unit": self.unit, "at": self.at.isoformat(), "data": self.data,
            "agreement_cap": self.agreement_cap, "caps": list(self.caps),
            "holdings": [h.to_json() for h in self.holdings],
            "rows": [{**r, "as_of": r["as_of"].isoformat() if r["as_of"] else None} for r in self.rows()],
            "statuses": dict(STATUS_TEXT),
            "distribution": DISTRIBUTIONS[DISTRIBUTION],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per holding and cap (columns :data:`COLUMNS`; numbers in nullable integer columns)."""
        df = frame(self.rows(), COLUMNS)
        for col in ("low", "central", "high", "cap", "cut_low", "cut_central", "cut_high"):
            df[col] = df[col].astype("Int64")
        return df

    def title(self) -> str:
        return f"{self.agreement.id}, {self.limit.id}: holdings against caps, as of {self.at.isoformat()}"

    def footer(self) -> str:
        lines = [f"{self.scope_title} ({', '.join(self.scope)}), in {self.unit}; data: {self.data}."]
        lines += [f"{s}: {t}." for s, t in STATUS_TEXT.items() if s != "no_data"]
        if any(h.value is not None and h.value.is_range for h in self.holdings):
            lines.append(f"p: the probability that the holding is over the cap, under {DISTRIBUTIONS[DISTRIBUTION]} "
                         "over the estimate's range.")
        for h in self.holdings:
            if h.value is None:
                lines.append(f"{h.label}: {h.note or 'no data on or before ' + self.at.isoformat()}.")
                continue
            cites = "; ".join(dict.fromkeys(s.cite() for s in h.sources)) or "no source"
            lines.append(f"{h.label}: {h.value.describe()} {self.unit} as of {h.as_of} ({cites}).")
        return "\n".join(lines)

    def chart(self) -> str:
        """The cuts needed at each cap, one line per holding with its range shaded: inline SVG."""
        from ..render.analysis_charts import cap_levels_chart

        return cap_levels_chart(
            # A short title stays legible at 375 px; the scope and agreement are in the text around it.
            f"Cut needed at each cap: {self.agreement.id}, as of {self.at.isoformat()}",
            self.caps,
            [(h.label, h.party, (h.value.low, h.value.central, h.value.high)) for h in self.holdings if h.value],
            agreement_cap=self.agreement_cap, unit=self.unit,
        )


#: The probe's cap: a plain number. The agreement's own cap must not shape the holding: a freeze
#: (a level on a date) read from the very data of the holding is compared as one exact figure by
#: the engine, which would drop the estimate's range, and a ``holding_of`` cap would bring in
#: the parties it is weighed against.
_PROBE_CAP = Cap(value=0)


def _probe(ag: Agreement, limit: Limit, scope: tuple[str, ...]) -> Limit:
    """The limit as a probe: the chosen scope, binding at every date (a hypothetical cap is
    asked about whatever the agreement's dates), counted by the same rule (a coalition stays one),
    under a plain cap (see :data:`_PROBE_CAP`)."""
    title = limit.title if scope == limit.categories else " + ".join(ag.category(c).title for c in scope)
    spec: Any = limit.spec  # a rule: a frozen dataclass, most with a ``cap`` field
    if is_dataclass(spec) and not isinstance(spec, type) and "cap" in {f.name for f in fields(spec)}:
        spec = replace(spec, cap=_PROBE_CAP)
    return replace(limit, title=title, categories=scope, cap=_PROBE_CAP, binding=Period(_dt.date.min, None),
                   spec=spec)


def _scope_limit(ag: Agreement, scope: tuple[str, ...]) -> Limit:
    """A per-party limit over ``scope``, for a scope that is no limit of the agreement."""
    src = Source(f"accord caps: the scope {' + '.join(scope)} of {ag.id}", reliability="user")
    cap = Cap(value=0, parameter=True)
    return Limit("scope", "", "limit", scope, cap, Period(_dt.date.min, None), ag.legal_form, "none", src,
                 spec=REGISTRY.rule("limit")(cap))  # type: ignore[call-arg]


def choose_limit(ag: Agreement, limit: str | None, scope: Sequence[str] | None) -> tuple[Limit, tuple[str, ...]]:
    """The limit asked about and its scope: ``limit`` (an id of ``ag``), or the agreement's only
    limit; ``scope`` replaces its categories (any of ``ag``'s categories). Errors name the option."""
    ids = [lim.id for lim in ag.limits]
    cats: tuple[str, ...] | None = None
    if scope is not None:
        cats = tuple(dict.fromkeys(c.strip() for c in scope if c.strip()))
        unknown = [c for c in cats if c not in ag.category_ids]
        if not cats or unknown:
            raise InputError(f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(repr, unknown))} "
                             f"in {ag.id} (categories: {', '.join(sorted(ag.category_ids))})" if unknown
                             else "give at least one category", field="--scope")
    if limit is None:
        if cats is not None:
            return _scope_limit(ag, cats), cats
        if len(ids) != 1:
            raise InputError(f"{ag.id} has {len(ids)} limits: give --limit (one of {', '.join(ids)}) or --scope",
                             field="--limit")
        limit = ids[0]
    if limit not in ids:
        raise InputError(f"unknown limit {limit!r} in {ag.id} (limits: {', '.join(ids)})", field="--limit")
    chosen = ag.limit(limit)
    return chosen, cats if cats is not None else chosen.categories


def _no_data(f: Finding, day: _dt.date) -> str:
    """Why ``f`` has no value, in the data's terms (the agreement's dates are no reason here: the
    question is hypothetical)."""
    missing = tuple(getattr(f.trace, "missing", ()) or ())
    if f.data_as_of is None:
        return f"no data on or before {day.isoformat()}"
    what = f": no figure for {', '.join(missing)}" if missing else ""
    return f"the data on or before {day.isoformat()} do not value the scope{what}"


def _holdings_of(findings: Iterable[Finding], limit_id: str, series: str | None, day: _dt.date) -> list[Holding]:
    out = []
    for f in findings:
        if f.limit != limit_id:
            continue
        value = None
        if f.value is not None:
            low, high = f.low, f.high
            value = Estimate(f.value, f.value, f.value) if low is None or high is None else Estimate(low, f.value, high)
        parts = getattr(f.trace, "parts", ())
        sources = tuple(dict.fromkeys(p.source for p in parts if p.source is not None))
        out.append(Holding(f.party, tuple(f.parties or (f.party,)), series, value, f.data_as_of,
                           (f.data_reliability or weakest(s.reliability for s in sources)) if value else None,
                           sources, _no_data(f, day) if value is None else None))
    return out


def cap_levels(
    ref: str | Agreement,
    caps: Sequence[int],
    *,
    limit: str | None = None,
    scope: Sequence[str] | None = None,
    parties: Sequence[str] | None = None,
    at: _dt.date | None = None,
    series: str | None = None,
    data: str | Path | None = None,
) -> CapLevels:
    """Each party's holding of ``limit``'s scope (or ``scope``) on ``at`` (default: today; the
    latest data on or before it) against each of ``caps``.

    Holdings come from ``data`` (a holdings file) or the bundled record of the agreement's treaty
    family (every estimator's series, or ``series``). ``parties`` (any case) default to the
    agreement's; others with data may be added (``UK``, ``FR`` under a US–RU–CN cap), each
    counted by the same rules. A coalition limit gives the coalition's combined holding.
    """
    ag = ref if isinstance(ref, Agreement) else load_agreement(ref)
    if not caps:
        raise InputError("give at least one cap", field="--range")
    chosen, cats = choose_limit(ag, limit, scope)
    day = at or _dt.date.today()
    if data is not None:
        if series is not None:
            raise InputError("--series picks one of the bundled estimate series; it does not apply to --data",
                             field="--series")
        record: dict[str | None, Holdings] = {None: load_holdings(data, ag)}
        origin = str(data)
    else:
        record = bundled_series(ag, series)
        origin = "the bundled record" + ("" if list(record) == [None] else f" ({', '.join(map(str, record))})")
    known = list(dict.fromkeys([*ag.parties, *(p for h in record.values() for p in h.parties)]))
    wanted = canonical_parties(parties, known, field="--parties", where=f"parties of {ag.id} or with data")
    if wanted is not None and not wanted:  # an empty list asks about nobody; None asks the default
        raise InputError(f"give at least one party (known: {', '.join(known)})", field="--parties")
    who = tuple(wanted) if wanted else ag.parties
    probe = _probe(ag, chosen, cats)
    # A coalition's cap is weighed against the other parties' own holdings (Russia's, against the
    # US+UK+FR sum): each party asked about that is not a member gets its own row, same scope.
    members = tuple(getattr(chosen.spec, "parties", ())) if chosen.kind == "coalition" else ()
    alone = [p for p in who if p not in members] if members else []
    # The question is hypothetical: the parties asked about join the agreement, and only the probes are evaluated.
    everyone = tuple(dict.fromkeys([*ag.parties, *who]))
    probes = [(replace(ag, parties=everyone, limits=(probe,)), who)]
    if alone:
        single = replace(_scope_limit(ag, cats), title=probe.title)
        probes.insert(0, (replace(ag, parties=everyone, limits=(single,)), tuple(alone)))
    found: list[Holding] = []
    for name, holdings in record.items():
        for asked, parties_asked in probes:
            report = evaluate(asked, holdings, parties=parties_asked, at=day)
            found += _holdings_of(report.findings, asked.limits[0].id, name, day)
    # Each party's series side by side: US (FAS), US (SIPRI), RU (FAS) …; coalitions last.
    rank = {p: i for i, p in enumerate(who)}
    order = {n: i for i, n in enumerate(record)}
    found.sort(key=lambda h: (len(h.members) > 1, rank.get(h.party, len(rank)), order[h.series]))
    own = chosen.cap.value_on(day) if chosen.id != "scope" and cats == chosen.categories else None
    return CapLevels(ag, probe, cats, day, tuple(sorted(set(caps))), tuple(found), own, origin)

