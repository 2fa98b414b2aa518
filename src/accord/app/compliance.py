"""Who complies: check a user's holdings file, or evaluate an agreement over the bundled
record of its treaty family (the timeline).

Both return a :class:`ComplianceResult`: the compliance :class:`~accord.compliance.Report`
(``accord.report/v1``) with its table rows, a title and a one-line summary.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement
from ..compliance import Report, evaluate
from ..errors import InputError
from ..forces import Holdings, load_holdings
from ..profiles import profile_for
from .library import load_agreement

if TYPE_CHECKING:
    import pandas as pd

FINDING_COLUMNS = ("party", "date", "limit", "value", "cap", "headroom", "status", "data_as_of", "source")


@dataclass(frozen=True)
class ComplianceResult:
    """An evaluation and how to show it. ``exceeded`` is true when a binding limit is exceeded."""

    report: Report
    heading: str
    columns = FINDING_COLUMNS

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
             "data_as_of": f.data_as_of, "source": f.source.cite()}
            for f in self.report.findings
        ]

    def to_json(self) -> dict[str, Any]:
        return self.report.to_json()

    def to_frame(self) -> pd.DataFrame:
        """The report's own DataFrame: one row per finding."""
        return self.report.to_frame()

    def title(self) -> str:
        return self.heading

    def footer(self) -> str:
        """``N findings: 3 within, 1 exceeds …`` (statuses in alphabetical order)."""
        counts = Counter(f.status for f in self.report.findings)
        text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        return f"{len(self.report.findings)} findings: {text}" if self.report.findings else "No findings."


def agreement_for(ref: str, party: str | None = None, caps: Mapping[str, Any] | None = None) -> Agreement:
    """The agreement named by ``ref``, with ``party`` and the ``caps`` limits and parties
    checked against it (an unknown one is an InputError naming ``--cap``)."""
    ag = load_agreement(ref)
    if party is not None and party not in ag.parties:
        raise InputError(f"unknown party {party!r} (parties of {ag.id}: {', '.join(ag.parties)})", field="--party")
    ids = {lim.id for lim in ag.limits}
    for limit, value in (caps or {}).items():
        if limit not in ids:
            raise InputError(f"unknown limit {limit!r} in {ag.id} (limits: {', '.join(sorted(ids))})", field="--cap")
        for who in value if isinstance(value, Mapping) else ():
            if who not in ag.parties:
                raise InputError(f"unknown party {who!r} in {limit}:{who} (parties of {ag.id}: "
                                 f"{', '.join(ag.parties)})", field="--cap")
    return ag


def _evaluate(ag: Agreement, holdings: Holdings, party: str | None, day: _dt.date | None,
              caps: Mapping[str, Any] | None, heading: str) -> ComplianceResult:
    report = evaluate(ag, holdings, parties=[party] if party else None, at=day, caps=dict(caps or {}))
    return ComplianceResult(report, heading)


def check(ref: str, data: str | Path, *, party: str | None = None, at: _dt.date | None = None,
          caps: Mapping[str, Any] | None = None) -> ComplianceResult:
    """The holdings in ``data`` (CSV, JSON or YAML) against the agreement ``ref``: every date
    of the data, or the latest data on ``at``; only ``party`` when given; ``caps`` set
    parameter caps. The figures are labelled ``user`` data (never ``official``)."""
    ag = agreement_for(ref, party, caps)
    return _evaluate(ag, load_holdings(data, ag), party, at, caps, f"{ag.id}: {data}")


def bundled_holdings_for(ag: Agreement) -> Holdings:
    """The bundled record of the treaty family that ``ag`` belongs to."""
    profile = profile_for(ag)
    if profile is None:
        raise InputError(f"no bundled data for {ag.id}: no treaty profile serves it "
                         "(use `accord check --data FILE` with your own data)", field="agreement")
    return profile.holdings()


def timeline(ref: str, *, party: str | None = None, caps: Mapping[str, Any] | None = None) -> ComplianceResult:
    """The agreement ``ref`` over every bundled exchange and estimate of its treaty family."""
    ag = agreement_for(ref, party, caps)
    return _evaluate(ag, bundled_holdings_for(ag), party, None, caps, f"{ag.id}: the public record")
