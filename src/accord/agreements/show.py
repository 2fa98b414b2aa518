"""What an agreement says, and what binds on a date, as a JSON-ready mapping (``accord show``)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .model import Agreement

SCHEMA = "accord.agreement/v1"


def describe(agreement: Agreement, day: _dt.date | None = None) -> dict[str, Any]:
    """The agreement's clauses; with ``day``, where it stands then (:meth:`Agreement.standing`:
    in force, suspended in part, expired, a proposal, an offer that never took effect) and which
    limits bind (a proposal's limits are those that would bind if it were adopted)."""
    a = agreement
    eff = a.effective
    standing = a.standing(day) if day else None
    # legally in force (a proposal's period is only the one it would cover)
    in_force = standing.in_force if standing is not None else None
    binding_ids = {lim.id for lim in a.binding_limits(day)} if day else set()
    proposal = standing is not None and standing.state == "proposal"
    if day is None or standing is None:
        headline = f"{a.id}: {a.legal_form}, effective {eff.start}" + (f" to {eff.end} (exclusive)" if eff.end else "")
        if a.failed_condition is not None:
            headline += " — never took effect (a condition was not met)"
        elif not a.adopted:
            headline += f" — never adopted: {a.adoption_note or 'a proposal'}"
    elif standing.in_force:
        headline = (f"{standing.text} ({a.legal_form}); binding: "
                    + (", ".join(sorted(binding_ids)) or "no limit yet"))
    elif standing.state == "proposal" and binding_ids:
        headline = f"{standing.text}; if adopted, binding: " + ", ".join(sorted(binding_ids))
    else:
        headline = standing.text

    def clause(c: Any) -> dict[str, Any] | None:
        return None if c is None else {"date": c.date.isoformat(), "source": c.source.to_json(), "note": c.note}

    return {
        "schema": SCHEMA,
        "id": a.id,
        "title": a.title,
        "summary": a.summary,
        "legal_form": a.legal_form,
        "adopted": a.adopted,
        "adoption_note": a.adoption_note,
        "parties": list(a.parties),
        "extends": a.extends,
        "source": a.source.to_json(),
        "at": day.isoformat() if day else None,
        "in_force": in_force,
        "standing": standing.to_json() if standing is not None else None,
        "headline": headline,
        "dates": {
            "signed": clause(a.signed),
            "entry_into_force": clause(a.entry_into_force),
            "expires": clause(a.expires),
            "duration_years": a.duration_years,
            "extension": None if a.extension is None else {
                "max_years": a.extension.max_years, "by": a.extension.by, "source": a.extension.source.to_json()},
            "withdrawal_notice_months": a.withdrawal_notice_months,
        },
        "conditions": [
            {"id": c.id, "text": c.text, "source": c.source.to_json(),
             "outcome": None if c.outcome is None else {
                 "status": c.outcome.status, "date": c.outcome.date.isoformat(), "note": c.outcome.note,
                 "source": c.outcome.source.to_json()}}
            for c in a.conditions],
        "suspensions": [s.to_json() for s in a.suspensions],
        "limits": [
            {"id": lim.id, "title": lim.title, "kind": lim.kind, "categories": list(lim.categories),
             "cap": lim.cap.describe(), "cap_detail": lim.cap.to_json(), "rule": lim.describe().to_json(),
             "group": lim.group, "binding": lim.binding.to_json(),
             "binds": (lim.id in binding_ids and bool(in_force)) if day else None,
             "binds_if_adopted": (lim.id in binding_ids) if proposal else None, "legal_form": lim.legal_form,
             "verification": lim.verification, "note": lim.note, "source": lim.source.to_json(),
             "source_cite": lim.source.cite()}
            for lim in a.limits
        ],
        "regime": {
            "verification": a.regime.verification,
            "note": a.regime.note,
            "data_exchanges": [
                {"id": e.id, "title": e.title, "as_of": [f"{m:02d}-{d:02d}" for m, d in e.as_of],
                 "as_of_date": e.as_of_date.isoformat() if e.as_of_date else None, "due_days": e.due_days,
                 "source": e.source.to_json()} for e in a.regime.data_exchanges],
            "notification_deadline_days": a.regime.notification_default_days,
            "notifications": [
                {"id": n.id, "title": n.title, "deadline_days": n.deadline_days, "source": n.source.to_json()}
                for n in a.regime.notifications],
            "inspections": [
                {"id": i.id, "title": i.title, "quota_per_year": i.quota_per_year, "site_types": list(i.site_types),
                 "activities": list(i.activities), "source": i.source.to_json()} for i in a.regime.inspections],
        },
        "categories": [{"id": c.id, "title": c.title, "unit": c.unit, "source": c.source.to_json()}
                       for c in a.categories],
        "vocabulary": a.vocabulary.to_json(),
    }
