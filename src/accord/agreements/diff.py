"""Clause-by-clause comparison of two agreements: the side-by-side a negotiator needs.

:func:`diff` returns one :class:`Difference` per clause field — legal form and adoption,
parties and conditions, dates, the scope, cap, period, legal form and verification of every
limit and freeze, counting rules, and the verification regime — marking which differ.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .model import Agreement, CountingRule, Limit

T = TypeVar("T")


@dataclass(frozen=True)
class Difference:
    """One clause field compared: ``a`` and ``b`` are display strings (``—`` when absent)."""

    section: str
    clause: str
    field: str
    a: str
    b: str

    @property
    def changed(self) -> bool:
        return self.a != self.b

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "clause": self.clause, "field": self.field, "a": self.a, "b": self.b,
                "changed": self.changed}


ABSENT = "—"


def _fmt(value: Any) -> str:
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value) if value else "(none)"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _limit_fields(lim: Limit) -> dict[str, str]:
    """The clause's fields; the kind's own (a cap, a coalition's parties …) come from its rule."""
    out = {"present": "yes", "kind": lim.kind, "scope": _fmt(lim.categories), "cap": lim.cap.describe()}
    out.update(lim.describe().fields)
    out.update({
        "binding from": _fmt(lim.binding.start),
        "binding until": _fmt(lim.binding.end) if lim.binding.end else "agreement expiry",
        "legal form": lim.legal_form,
        "verification": lim.verification,
        "source": lim.source.cite(),
    })
    return out


def _rule_fields(rule: CountingRule) -> dict[str, str]:
    sel = f"type {_fmt(rule.item_types)}; status {_fmt(rule.statuses)}"
    if rule.systems:
        sel += f"; system {_fmt(rule.systems)}"
    count = rule.mode if rule.method.name != "fixed" else f"{rule.method.per_record} per item"
    return {"present": "yes", "selects": sel, "counts": count}


def _keyed(section: str, a: Iterable[T], b: Iterable[T], key: Callable[[T], str],
           fields: Callable[[T], dict[str, str]]) -> list[Difference]:
    amap = {key(x): fields(x) for x in a}
    bmap = {key(x): fields(x) for x in b}
    out = []
    for k in list(dict.fromkeys([*amap, *bmap])):
        fa, fb = amap.get(k, {}), bmap.get(k, {})
        for name in list(dict.fromkeys([*fa, *fb])):
            out.append(Difference(section, k, name, fa.get(name, ABSENT if name != "present" else "no"),
                                  fb.get(name, ABSENT if name != "present" else "no")))
    return out


def diff(a: Agreement, b: Agreement) -> list[Difference]:
    """Every clause field of ``a`` and ``b`` side by side (use ``.changed`` to filter)."""
    out: list[Difference] = []

    def row(section: str, clause: str, field: str, va: Any, vb: Any) -> None:
        out.append(Difference(section, clause, field, _fmt(va), _fmt(vb)))

    row("agreement", "agreement", "title", a.title, b.title)
    row("agreement", "agreement", "legal form", a.legal_form, b.legal_form)
    row("agreement", "agreement", "adopted", a.adopted, b.adopted)
    row("agreement", "agreement", "parties", a.parties, b.parties)
    row("agreement", "agreement", "conditions", [c.text for c in a.conditions], [c.text for c in b.conditions])
    row("agreement", "agreement", "conditions not met",
        [f"{c.id} ({c.outcome.date})" for c in a.conditions if c.failed and c.outcome],
        [f"{c.id} ({c.outcome.date})" for c in b.conditions if c.failed and c.outcome])
    row("agreement", "agreement", "suspensions", [f"{s.party} from {s.start}" for s in a.suspensions],
        [f"{s.party} from {s.start}" for s in b.suspensions])
    dates: tuple[tuple[str, Callable[[Agreement], Any]], ...] = (
        ("signed", lambda x: x.signed.date if x.signed else None),
        ("entry into force", lambda x: x.entry_into_force.date),
        ("expires", lambda x: x.expires.date if x.expires else None),
        ("duration (years)", lambda x: x.duration_years),
        ("extension (max years)", lambda x: x.extension.max_years if x.extension else None),
        ("extension by", lambda x: x.extension.by if x.extension else None),
        ("withdrawal notice (months)", lambda x: x.withdrawal_notice_months),
    )
    for name, get in dates:
        row("dates", "dates", name, get(a), get(b))
    out += _keyed("limits", a.limits, b.limits, lambda x: x.id, _limit_fields)
    out += _keyed("counting", a.counting, b.counting, lambda x: x.category, _rule_fields)
    ra, rb = a.regime, b.regime
    row("verification", "regime", "verification", ra.verification, rb.verification)
    row("verification", "regime", "notification deadline (days)", ra.notification_default_days,
        rb.notification_default_days)
    out += _keyed("verification", ra.data_exchanges, rb.data_exchanges, lambda x: f"exchange {x.id}",
                  lambda x: {"present": "yes", "as of": _fmt([f"{m:02d}-{d:02d}" for m, d in x.as_of])
                             if x.as_of else _fmt(x.as_of_date), "due (days)": str(x.due_days)})
    out += _keyed("verification", ra.notifications, rb.notifications, lambda x: f"notification {x.id}",
                  lambda x: {"present": "yes", "deadline (days)": _fmt(x.deadline_days)})
    out += _keyed("verification", ra.inspections, rb.inspections, lambda x: f"inspection {x.id}",
                  lambda x: {"present": "yes", "quota per year": str(x.quota_per_year),
                             "site types": _fmt(x.site_types)})
    return out


def changed(differences: Sequence[Difference]) -> list[Difference]:
    """Only the clause fields that differ."""
    return [d for d in differences if d.changed]
