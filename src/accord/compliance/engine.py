"""WHO COMPLIES: ``evaluate(agreement, holdings)`` → a :class:`Report` of findings (pure).

For each limit of the agreement its rule (``Limit.spec``, one module per kind in
:mod:`.rules`) gives findings: for each party (or coalition) and date, the value counted under
the agreement's rules, the cap, the headroom and a status:

- ``not_in_force`` — the agreement is not in force on that date (checked first);
- ``not_binding`` — in force, but the limit does not bind yet (or any more);
- ``no_data`` — the data do not cover every category of the limit (or a freeze baseline);
- ``exceeds`` / ``within`` — value above the cap, or not;
- ``uncertain`` — the value (or the cap) is a range and the cap lies inside it: ``within`` needs
  the range's high end at or under the cap, ``exceeds`` its low end over it. Such findings carry
  the interval and ``p_exceeds``, the probability of being over the cap under a stated
  distribution (:mod:`.probability`).

How a value is made is in :mod:`.valuation`; the trace of each finding says which parts made it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from numbers import Integral

from ..agreements.model import Agreement
from ..errors import InputError
from ..forces.holdings import Holdings
from .findings import SCHEMA, STATUSES, Finding, Part, Report
from .probability import DEFAULT_DISTRIBUTION, DISTRIBUTIONS
from .rules.base import Context, Rule
from .valuation import Valuation, snapshot_parts, value_of

__all__ = ["SCHEMA", "STATUSES", "Finding", "Part", "Report", "Valuation", "evaluate", "snapshot_parts", "value_of"]


def evaluate(
    agreement: Agreement,
    holdings: Holdings,
    *,
    parties: Iterable[str] | None = None,
    at: _dt.date | None = None,
    caps: Mapping[str, int | Mapping[str, int]] | None = None,
    distribution: str = DEFAULT_DISTRIBUTION,
) -> Report:
    """Findings for each (party, date, limit), ordered by party (as asked, coalitions last),
    date and the limit's place in the agreement.

    Dates are every snapshot date of the party (skipping snapshots that say nothing about a
    limit nor any limit of its kind), or only ``at``, evaluated for each limit on the latest
    snapshot on or before ``at`` that has data for it (``data_as_of`` says which). ``caps``
    sets parameter caps: ``{limit_id: n}`` or ``{limit_id: {party: n}}``; an unknown limit, or a
    party the limit does not cap (a coalition's cap is set by its label, ``US+UK+FR``), is an
    InputError rather than a cap silently left unset, and so is a cap that is not a whole
    number >= 0. ``distribution`` (``triangular`` or
    ``uniform``) is the one ``p_exceeds`` is computed under for ranges. The agreement and
    holdings are not modified.
    """
    if distribution not in DISTRIBUTIONS:
        raise InputError(f"unknown distribution {distribution!r} (known: {', '.join(DISTRIBUTIONS)})",
                         field="distribution")
    _check_caps(agreement, caps or {})
    wanted = tuple(parties) if parties is not None else agreement.parties
    members = _members(agreement, wanted)
    ctx = Context(agreement, holdings, members, at, caps or {}, distribution)
    rank = {p: i for i, p in enumerate(members)}
    keyed: list[tuple[int, _dt.date, int, Finding]] = []
    for index, limit in enumerate(agreement.limits):
        rule = limit.spec
        if not isinstance(rule, Rule):
            raise TypeError(f"limit {limit.id!r} was not loaded with the compliance rules "
                            "(use accord.app.library.load_agreement)")
        keyed += [(rank.get(f.party, len(rank)), f.date, index, f) for f in rule.evaluate(limit, ctx)]
    keyed.sort(key=lambda k: k[:3])
    return Report(agreement.id, tuple(k[3] for k in keyed), agreement.title)


def _check_caps(agreement: Agreement, caps: Mapping[str, int | Mapping[str, int]]) -> None:
    """Each cap the user sets names a limit, and a party (or coalition) that limit caps: a cap
    set for nobody would leave the agreement's standing while the user believes it replaced."""
    limits = {lim.id: lim for lim in agreement.limits}
    for lid, given in caps.items():
        limit = limits.get(lid)
        if limit is None:
            raise InputError(f"unknown limit {lid!r} in {agreement.id} (limits: {', '.join(limits)})",
                             field="caps")
        if isinstance(given, Mapping):
            rule = limit.spec
            keys = rule.cap_keys(agreement) if isinstance(rule, Rule) else agreement.parties
            for key in given:
                if key not in keys:
                    raise InputError(f"{lid} has no cap for {key!r} (set it for: {', '.join(keys)})", field="caps")
        for value in given.values() if isinstance(given, Mapping) else (given,):
            if value is not None and not _whole(value):
                raise InputError(f"the cap of {lid} must be a whole number >= 0, not {value!r:.40}", field="caps")


def _whole(value: object) -> bool:
    """An int (or a numpy integer) >= 0, not a bool: int() would read 1000.7 as 1000 and True as
    1, silently, and fail on NaN with a traceback."""
    return not isinstance(value, bool) and isinstance(value, Integral) and int(value) >= 0


def _members(agreement: Agreement, wanted: Iterable[str]) -> tuple[str, ...]:
    """The agreement's parties asked for, in the agreement's spelling: codes match in any case; a
    code that is not a party is an InputError listing the parties (never an empty report)."""
    by_fold = {p.casefold(): p for p in agreement.parties}
    found = []
    for p in wanted:
        key = p.strip().casefold() if isinstance(p, str) else None
        if key is None or key not in by_fold:
            raise InputError(f"unknown party {p!r:.60} (parties of {agreement.id}: {', '.join(agreement.parties)})",
                             field="parties")
        found.append(by_fold[key])
    return tuple(dict.fromkeys(found))
