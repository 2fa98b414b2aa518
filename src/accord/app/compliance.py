"""Who complies: check a user's holdings file, or evaluate an agreement over the bundled
record of its treaty family (the timeline).

Both return a :class:`ComplianceResult`: the compliance :class:`~accord.compliance.Report`
(``accord.report/v1``) with its table rows, a title and a one-line summary.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement
from ..compliance import Finding, Report, evaluate
from ..errors import InputError
from ..forces import Holdings, load_holdings
from ..profiles import profile_for
from ._inputs import canonical_caps, canonical_party
from .library import load_agreement

if TYPE_CHECKING:
    import pandas as pd

FINDING_COLUMNS = ("party", "date", "limit", "value", "cap", "headroom", "status", "data_as_of", "source")


@dataclass(frozen=True)
class ComplianceResult:
    """An evaluation and how to show it. ``exceeded`` is true when a binding limit is exceeded.

    The table and CSV add a ``series`` column when findings come from several estimators'
    series, and ``low``/``high`` (the interval of the counted value) when a value is a range."""

    report: Report
    heading: str
    #: Where the agreement stands on the date asked (today without one): ``Agreement.standing``.
    #: A proposal's terms are evaluated as if adopted, so its ``within`` binds nobody: the footer
    #: and JSON say so.
    standing: Any | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        cols = list(FINDING_COLUMNS)
        found = self.report.findings
        if any(f.series for f in found):
            cols.insert(0, "series")
        if any(f.low is not None for f in found):
            at = cols.index("value") + 1
            cols[at:at] = ["low", "high"]
        if any(f.p_exceeds is not None for f in found):
            cols.insert(cols.index("status") + 1, "p_exceeds")
        return tuple(cols)

    @property
    def exceeded(self) -> bool:
        return bool(self.report.exceeded)

    def rows(self) -> list[dict[str, Any]]:
        """One row per finding; the status says when the data are an estimate or synthetic."""
        return [
            {"party": f.party, "date": f.date, "limit": f.limit, "value": f.value, "cap": f.cap,
             "headroom": f.headroom,
             "status": f.status + (" (estimate)" if f.estimate else "")
             + (" (synthetic data)" if f.trace.get("data", {}).get("synthetic") else ""),
             "data_as_of": f.data_as_of, "source": f.source.cite(),
             "series": f.series, "low": f.low,
             "high": f.high, "p_exceeds": f.p_exceeds}
            for f in self.report.findings
        ]

    def to_json(self) -> dict[str, Any]:
        out = self.report.to_json()
        if self.standing is not None:
            out["standing"] = self.standing.to_json()
        return out

    def to_frame(self) -> pd.DataFrame:
        """The report's own DataFrame: one row per finding."""
        return self.report.to_frame()

    def title(self) -> str:
        return self.heading

    def footer(self) -> str:
        """``N findings: 3 within, 1 exceeds …`` (statuses in alphabetical order), then where the
        agreement stands on the date (a proposal's findings bind nobody)."""
        counts = Counter(f.status for f in self.report.findings)
        text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        line = f"{len(self.report.findings)} findings: {text}" if self.report.findings else "No findings."
        if self.standing is None:
            return line
        line += f"\nOn {self.standing.day.isoformat()}: {self.standing.text.rstrip('.')}."
        if self.standing.state == "proposal":
            line += (" Its findings are what its terms would give if it were adopted: a 'within' or 'exceeds' "
                     "binds nobody.")
        return line


def _cap_keys(ag: Agreement) -> dict[str, tuple[str, ...]]:
    """Each limit id, and the parties (or coalition labels) a user may set its cap for."""
    out: dict[str, tuple[str, ...]] = {}
    for lim in ag.limits:
        keys = getattr(lim.spec, "cap_keys", None)
        out[lim.id] = tuple(keys(ag)) if callable(keys) else ag.parties
    return out


@dataclass(frozen=True)
class Question:
    """What a compliance question names, checked and spelled as the agreement spells it: the
    agreement, the party (``None``: every party) and the user's caps."""

    agreement: Agreement
    party: str | None
    caps: Mapping[str, Any]


def resolve(ref: str | Agreement, party: str | None = None, caps: Mapping[str, Any] | None = None) -> Question:
    """The agreement named by ``ref`` with ``party`` and the ``caps`` checked against it. Party
    codes compare without regard to case (``ru`` is RU, ``us+uk+fr`` the coalition US+UK+FR);
    an unknown party is an InputError naming ``--party`` (or ``--cap``) and listing the known ones."""
    ag = ref if isinstance(ref, Agreement) else load_agreement(ref)
    who = None if party is None else canonical_party(party, ag.parties, field="--party",
                                                      where=f"parties of {ag.id}")
    return Question(ag, who, canonical_caps(caps, _cap_keys(ag), agreement=ag.id))


def agreement_for(ref: str, party: str | None = None, caps: Mapping[str, Any] | None = None) -> Agreement:
    """The agreement named by ``ref``, with ``party`` and the ``caps`` limits and parties
    checked against it (an unknown one is an InputError naming ``--party`` or ``--cap``)."""
    return resolve(ref, party, caps).agreement


def check(ref: str, data: str | Path | None = None, *, party: str | None = None, at: _dt.date | None = None,
          caps: Mapping[str, Any] | None = None, series: str | None = None) -> ComplianceResult:
    """The holdings in ``data`` (CSV, JSON or YAML) against the agreement ``ref``: every date
    of the data, or the latest data on ``at``; only ``party`` when given; ``caps`` set
    parameter caps. The figures are labelled ``user`` data (never ``official``).

    Without ``data``, the bundled record of the treaty family that serves the agreement is
    checked the same way (every bundled date, or the latest data on ``at``); a family whose
    record is several estimators' series (the after-2026 estimates: FAS and SIPRI) is evaluated
    series by series, each finding naming its ``series`` (``series`` picks one)."""
    q = resolve(ref, party, caps)
    if data is None:
        return _standing(_bundled(q, at, series, f"{q.agreement.id}: the bundled record"), q.agreement, at)
    if series is not None:
        raise InputError("--series picks one of the bundled estimate series; it does not apply to --data",
                         field="--series")
    return _standing(_evaluate(q, load_holdings(data, q.agreement), at, f"{q.agreement.id}: {data}"), q.agreement, at)


def _standing(result: ComplianceResult, ag: Agreement, day: _dt.date | None) -> ComplianceResult:
    """``result`` with where ``ag`` stands on ``day`` (today without one), where the model says."""
    standing = getattr(ag, "standing", None)
    if not callable(standing):
        return result
    return replace(result, standing=standing(day or _dt.date.today()))


def _evaluate(q: Question, holdings: Holdings, day: _dt.date | None, heading: str) -> ComplianceResult:
    return ComplianceResult(_report(q, holdings, day), heading)


def _report(q: Question, holdings: Holdings, day: _dt.date | None) -> Report:
    return evaluate(q.agreement, holdings, parties=[q.party] if q.party else None, at=day, caps=dict(q.caps))


def bundled_series(ag: Agreement, series: str | None = None) -> dict[str | None, Holdings]:
    """The bundled record of the treaty family that serves ``ag``: ``{None: holdings}`` for a
    family with one record, else each estimator's series by name (only ``series`` when given:
    its full name or first word, without regard to case, e.g. ``fas`` or ``SIPRI``)."""
    profile = profile_for(ag)
    if profile is None:
        raise InputError(f"no bundled data for {ag.id}: no treaty profile serves it "
                         "(use `accord check --data FILE` with your own data)", field="agreement")
    all_series = profile.series
    if all_series is None:
        if series is not None:
            raise InputError(f"the bundled record of {ag.id} has no estimate series (it is one record)",
                             field="--series")
        return {None: profile.holdings()}
    found: dict[str | None, Holdings] = {name: h for name, h in all_series().items()}
    if series is None:
        return found
    name = pick_series(series, [str(k) for k in found])
    return {name: found[name]}


def pick_series(name: str, known: Sequence[str]) -> str:
    """The series in ``known`` that ``name`` names: its full name or its first word, compared
    without regard to case (``fas`` → ``FAS Nuclear Notebook``); else an InputError listing them."""
    wanted = name.strip().casefold()
    hits = [k for k in known if wanted in (k.casefold(), k.split()[0].casefold() if k.split() else "")]
    if len(hits) != 1:
        raise InputError(f"unknown series {name[:60]!r} (series: {', '.join(known)})", field="--series")
    return hits[0]


def _bundled(q: Question, day: _dt.date | None, series: str | None, heading: str) -> ComplianceResult:
    record = bundled_series(q.agreement, series)
    if list(record) == [None]:
        return _evaluate(q, record[None], day, heading)
    limit_rank = {lim.id: i for i, lim in enumerate(q.agreement.limits)}
    party_rank = {p: i for i, p in enumerate([q.party] if q.party else q.agreement.parties)}
    keyed = []
    for s_rank, (name, holdings) in enumerate(record.items()):
        for f in _report(q, holdings, day).findings:
            key = (party_rank.get(f.party, len(party_rank)), f.date, limit_rank.get(f.limit, 0), s_rank)
            keyed.append((key, with_series(f, name)))
    # Each estimator's finding beside the other's: same party, date and limit, series in order.
    keyed.sort(key=lambda k: k[0])
    names = ", ".join(str(n) for n in record)
    report = Report(q.agreement.id, tuple(f for _, f in keyed), q.agreement.title)
    return ComplianceResult(report, f"{heading} ({names})")


def with_series(finding: Finding, name: str | None) -> Finding:
    """``finding`` marked as made from the estimator's series ``name``."""
    if name is None or "series" not in {f.name for f in fields(finding)}:
        return finding
    return replace(finding, series=name)  # type: ignore[call-arg,unused-ignore]


def bundled_holdings_for(ag: Agreement) -> Holdings:
    """The bundled record of the treaty family that serves ``ag`` (for a family of several
    estimate series, its ``holdings()``: see :func:`bundled_series` for each series)."""
    profile = profile_for(ag)
    if profile is None:
        raise InputError(f"no bundled data for {ag.id}: no treaty profile serves it "
                         "(use `accord check --data FILE` with your own data)", field="agreement")
    return profile.holdings()


def timeline(ref: str, *, party: str | None = None, caps: Mapping[str, Any] | None = None,
             series: str | None = None) -> ComplianceResult:
    """The agreement ``ref`` over every bundled exchange and estimate of its treaty family
    (series by series where the record is several estimators' series)."""
    q = resolve(ref, party, caps)
    return _standing(_bundled(q, None, series, f"{q.agreement.id}: the public record"), q.agreement, None)
