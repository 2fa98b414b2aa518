"""The bundled estimates after New START: what the nine nuclear-armed states hold, as the two
public estimators (the FAS Nuclear Notebook and Status of World Nuclear Forces; the SIPRI
Yearbook) publish it, with ranges; per-system holdings and maximum loadings for the United
States, Russia and China; sourced upload-rate assumptions; and analysts' published upload
estimates.

The CSV files live in ``accord/profiles/after2026/datafiles/`` and are described, with every
source and the rule that turns "approximately N" into a range, in its README.md. Every figure
cites a row of ``sources.csv``; a figure nobody published is left out (NOT FOUND), never filled.
The two estimators are kept apart: :func:`estimate_series` returns one Holdings per estimator.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ...errors import InputError
from ...forces.estimates import Estimate
from ...forces.holdings import Count, Holdings, ReportedTotal, Snapshot
from ...sources import Source
from .._ranges import RANGE_RULES as RANGE_RULES
from .._ranges import place_value as place_value
from .._ranges import range_of as range_of

FAS = "FAS Nuclear Notebook"
SIPRI = "SIPRI Yearbook"
#: The estimators, in the order their series are listed.
ESTIMATORS = (FAS, SIPRI)
#: Every party with bundled estimates: the five NPT nuclear-weapon states, then four for context.
PARTIES = ("US", "RU", "CN", "UK", "FR", "IN", "PK", "IL", "KP")

DS, DN = "deployed_strategic_warheads", "deployed_nonstrategic_warheads"
SS, SN = "stored_strategic_warheads", "stored_nonstrategic_warheads"
RETIRED = "retired_warheads"
#: The all-warhead vocabulary's categories (agreements/library/vocabularies/allwarheads.yaml).
CATEGORIES = (DS, DN, SS, SN, RETIRED)

#: The estimators' categories (the ``category`` column) and the accord categories each covers:
#: one category is a count, several a published total over them.
SCOPES: dict[str, tuple[str, frozenset[str]]] = {
    "deployed_strategic": ("deployed strategic", frozenset({DS})),
    "deployed_nonstrategic": ("deployed non-strategic", frozenset({DN})),
    "stored_strategic": ("stored (reserve) strategic", frozenset({SS})),
    "stored_nonstrategic": ("stored (reserve) non-strategic", frozenset({SN})),
    "retired": ("retired, awaiting dismantlement", frozenset({RETIRED})),
    "deployed": ("deployed", frozenset({DS, DN})),
    "stored": ("stored (reserve)", frozenset({SS, SN})),
    "stored_and_retired": ("stored and retired ('other warheads')", frozenset({SS, SN, RETIRED})),
    "military_stockpile": ("military stockpile", frozenset({DS, DN, SS, SN})),
    "total_inventory": ("total inventory", frozenset(CATEGORIES)),
}

# RANGE_RULES, place_value and range_of (README.md, "From words to ranges") are the rule every
# profile shares, in accord.profiles._ranges; they are imported above under their own names.
_DIR = "accord/profiles/after2026/datafiles"


def _rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each row of a bundled CSV file."""
    text = resources.files(__package__).joinpath("datafiles", name).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        yield reader.line_num, row


def _fail(name: str, line: int, field: str, problem: str) -> InputError:
    return InputError(problem, file=f"{_DIR}/{name}", line=line, field=field)


def _int(name: str, line: int, row: Mapping[str, str], key: str) -> int:
    try:
        return int(row[key])
    except (KeyError, ValueError):
        raise _fail(name, line, key, f"not a whole number: {row.get(key)!r}") from None


def _date(name: str, line: int, row: Mapping[str, str], key: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(row[key])
    except (KeyError, ValueError):
        raise _fail(name, line, key, f"not an ISO date: {row.get(key)!r}") from None


@cache
def sources() -> dict[str, Source]:
    """The documents the bundled figures were read in (``sources.csv``), by id."""
    name = "sources.csv"
    out: dict[str, Source] = {}
    for line, row in _rows(name):
        if row["id"] in out:
            raise _fail(name, line, "id", f"duplicate source id {row['id']!r}")
        note = "; ".join(x for x in (f"read in: {row['read_in']}" if row["read_in"] else "", row["note"]) if x)
        out[row["id"]] = Source(row["document"], url=row["url"] or None, quote=row["quote"] or None,
                                reliability=row["reliability"], note=note or None)
    return out


def _cite(name: str, line: int, row: Mapping[str, str], key: str, extra: str = "") -> Source:
    """The source a row names in ``key`` (ids joined by ``|``: the first cites, the others are
    ``also``), located at the row's line."""
    ids = [i for i in row[key].split("|") if i]
    known = sources()
    if not ids:
        raise _fail(name, line, key, "every figure needs a source id (sources.csv)")
    for i in ids:
        if i not in known:
            raise _fail(name, line, key, f"unknown source id {i!r} (define it in sources.csv)")
    first = known[ids[0]]
    note = "; ".join(x for x in (extra, first.note) if x)
    return Source(first.document, article=f"{_DIR}/{name}, line {line}", url=first.url, quote=first.quote,
                  reliability=first.reliability, note=note or None, also=tuple(known[i] for i in ids[1:]))


def _check_rule(name: str, line: int, prefix: str, rule: str, value: Estimate) -> None:
    """The range is what its rule gives from the published figure (README, "From words to ranges")."""
    if rule not in RANGE_RULES:
        raise _fail(name, line, f"{prefix}rule", f"unknown range rule {rule!r} (known: {', '.join(RANGE_RULES)})")
    two_ends = rule in ("span", "up_to")
    expected = range_of(rule, value.low, value.high) if two_ends else range_of(rule, value.central)
    if expected != value:
        raise _fail(name, line, f"{prefix}low", f"the range {value.describe()} is not what rule {rule!r} gives "
                    f"({expected.describe()})")


def _estimate(name: str, line: int, row: Mapping[str, str], prefix: str = "") -> Estimate:
    """The row's ``low``/``central``/``high`` (with ``prefix``), checked against its rule."""
    low, central, high = (_int(name, line, row, f"{prefix}{k}") for k in ("low", "central", "high"))
    if not low <= central <= high:
        raise _fail(name, line, f"{prefix}low", f"range out of order: {low}, {central}, {high}")
    return Estimate(low, central, high)


# ----------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class EstimateRow:
    """One published figure: an estimator's estimate of one party's holding in one category."""

    estimator: str
    party: str
    as_of: _dt.date
    date_precision: str  # day, month or year
    category: str  # a key of SCOPES
    value: Estimate
    range_rule: str
    source: Source
    note: str | None = None

    @property
    def categories(self) -> frozenset[str]:
        """The accord categories the figure covers."""
        return SCOPES[self.category][1]

    @property
    def label(self) -> str:
        return SCOPES[self.category][0]


@cache
def estimate_rows() -> tuple[EstimateRow, ...]:
    """Every row of ``estimates.csv``, validated: a known estimator, party, category and range
    rule, a range in order that its rule reproduces, and a source."""
    name = "estimates.csv"
    out = []
    for line, row in _rows(name):
        for key, allowed in (("estimator", ESTIMATORS), ("party", PARTIES), ("category", tuple(SCOPES)),
                             ("range_rule", RANGE_RULES), ("date_precision", ("day", "month", "year"))):
            if row[key] not in allowed:
                raise _fail(name, line, key, f"unknown {key} {row[key]!r} (allowed: {', '.join(allowed)})")
        value = _estimate(name, line, row)
        rule = row["range_rule"]
        _check_rule(name, line, "", rule, value)
        extra = [f"range rule: {rule}" if value.is_range else ""]
        if row["date_precision"] != "day":
            extra.append(f"dated to the {row['date_precision']} only")
        extra.append(row["note"])
        src = _cite(name, line, row, "source", "; ".join(x for x in extra if x))
        if src.reliability != "estimate":
            raise _fail(name, line, "source", f"an estimate's source must be labelled estimate, not {src.reliability}")
        out.append(EstimateRow(row["estimator"], row["party"], _date(name, line, row, "as_of_date"),
                               row["date_precision"], row["category"], value, rule, src, row["note"] or None))
    return tuple(out)


def _snapshot(estimator: str, rows: list[EstimateRow]) -> Snapshot:
    counts: dict[str, Count] = {}
    totals: list[ReportedTotal] = []
    for r in rows:
        span = r.value if r.value.is_range else None
        if len(r.categories) == 1:
            (cat,) = r.categories
            counts[cat] = Count(r.value.central, r.source, f"{estimator}: {r.label}", True, span)
        else:
            totals.append(ReportedTotal(r.categories, r.value.central, r.label, r.source, True, span))
    first = rows[0]
    return Snapshot(first.party, first.as_of, counts, tuple(totals), origin=f"{estimator} (bundled estimates.csv)")


@cache
def estimate_series() -> dict[str, Holdings]:
    """One Holdings per estimator — ``"FAS Nuclear Notebook"`` and ``"SIPRI Yearbook"`` — never
    merged: every count and total is an estimate with its range and its row's source."""
    grouped: dict[tuple[str, str, _dt.date], list[EstimateRow]] = {}
    for r in estimate_rows():
        grouped.setdefault((r.estimator, r.party, r.as_of), []).append(r)
    out: dict[str, Holdings] = {}
    for estimator in ESTIMATORS:
        snaps = [_snapshot(estimator, rows) for (e, _, _), rows in grouped.items() if e == estimator]
        out[estimator] = Holdings(snaps)
    return out


def no_single_record() -> Holdings:
    """The after-2026 record is several estimators' series: there is no one record to pick, so
    this is empty (questions name a series; see :func:`estimate_series`)."""
    return Holdings()


# ----------------------------------------------------------------------------- systems


@dataclass(frozen=True)
class SystemHolding:
    """A delivery system's (or a whole leg's) holding as of a date: deployed missiles or aircraft
    (``launchers``), the warheads assigned to them now, and its maximum loading — per launcher
    (``max_per_launcher``), or as a published total for the leg (``max_warheads``) where the
    types are not broken down. ``None`` is a figure not found. ``sources`` cite each figure."""

    party: str
    system: str
    leg: str  # icbm, slbm or bomber
    as_of: _dt.date
    launchers: Estimate | None
    warheads: Estimate
    max_per_launcher: int | None
    sources: tuple[Source, ...]
    note: str | None = None
    max_warheads: Estimate | None = None

    @property
    def ceiling(self) -> Estimate | None:
        """The most warheads the system could carry: launchers × maximum per launcher, else the
        published maximum for the leg; ``None`` when neither is known."""
        if self.max_per_launcher is not None and self.launchers is not None:
            return self.launchers.scaled(self.max_per_launcher)
        return self.max_warheads


LEGS = ("icbm", "slbm", "bomber")


@cache
def system_holdings() -> tuple[SystemHolding, ...]:
    """Per-system holdings and maximum loadings (``systems.csv``) for the US, Russia and China."""
    name = "systems.csv"
    out = []
    for line, row in _rows(name):
        if row["leg"] not in LEGS:
            raise _fail(name, line, "leg", f"unknown leg {row['leg']!r} (allowed: {', '.join(LEGS)})")
        srcs: list[Source] = []
        launchers = None
        if row["launchers_central"]:
            launchers = _estimate(name, line, row, "launchers_")
            _check_rule(name, line, "launchers_", row["launchers_rule"], launchers)
            srcs.append(_cite(name, line, row, "launchers_source", "deployed missiles or aircraft"))
        warheads = _estimate(name, line, row, "warheads_")
        _check_rule(name, line, "warheads_", row["warheads_rule"], warheads)
        srcs.append(_cite(name, line, row, "warheads_source", "warheads assigned"))
        per = _int(name, line, row, "max_per_launcher") if row["max_per_launcher"] else None
        if per is not None:
            srcs.append(_cite(name, line, row, "loading_source", "maximum warheads per missile or aircraft"))
        maximum = None
        if row["max_warheads_central"]:
            maximum = _estimate(name, line, row, "max_warheads_")
            srcs.append(_cite(name, line, row, "max_warheads_source", "maximum warheads for the leg"))
        out.append(SystemHolding(row["party"], row["system"], row["leg"], _date(name, line, row, "as_of_date"),
                                 launchers, warheads, per, tuple(srcs), row["note"] or None, maximum))
    return tuple(out)


# ----------------------------------------------------------------------------- upload


@dataclass(frozen=True)
class UploadRate:
    """How long a party would take to upload a leg fully, in days (a range), as a source
    phrases it (``phrase``: "hours", "months", "weeks to months" …; README.md, "From words to
    days"). The rate per day is the leg's upload capacity divided by ``days``."""

    party: str
    leg: str
    phrase: str
    days: Estimate
    source: Source
    note: str | None = None


#: How a duration's words become days: (low, high) in days; the central value is the
#: geometric mean of the ends, rounded (README.md, "From words to days").
DURATION_WORDS: dict[str, tuple[int, int]] = {
    "hours": (1, 1),
    "weeks": (7, 30),
    "months": (30, 365),
    "weeks to months": (7, 365),
    "years": (365, 1825),
}


def days_of(phrase: str) -> Estimate:
    """The days a duration phrase stands for (:data:`DURATION_WORDS`)."""
    low, high = DURATION_WORDS[phrase]
    return Estimate(low, round(math.sqrt(low * high)), high)


@cache
def upload_rates() -> tuple[UploadRate, ...]:
    """The upload-rate assumptions (``upload_rates.csv``), each with its source and phrase."""
    name = "upload_rates.csv"
    out = []
    for line, row in _rows(name):
        if row["phrase"] not in DURATION_WORDS:
            raise _fail(name, line, "phrase", f"unknown phrase {row['phrase']!r} (known: {', '.join(DURATION_WORDS)})")
        days = Estimate(*(_int(name, line, row, f"days_{k}") for k in ("low", "central", "high")))
        if days != days_of(row["phrase"]):
            raise _fail(name, line, "days_low", f"days {days.describe()} are not what {row['phrase']!r} gives")
        out.append(UploadRate(row["party"], row["leg"], row["phrase"], days,
                              _cite(name, line, row, "source", row["note"]), row["note"] or None))
    return tuple(out)


@dataclass(frozen=True)
class PublishedUpload:
    """An analyst's published estimate of what an upload would give (the cross-check): a level
    of deployed strategic warheads (``kind`` ``level``, from ``baseline`` where stated), a
    factor (``factor``: 2 = double) or a percentage increase (``increase_percent``)."""

    party: str
    kind: str
    phrase: str
    value: Estimate
    source: Source
    baseline: int | None = None
    note: str | None = None


@cache
def published_upload_estimates() -> tuple[PublishedUpload, ...]:
    """Published upload estimates (``published_upload.csv``), e.g. the US to more than 3,500."""
    name = "published_upload.csv"
    out = []
    for line, row in _rows(name):
        if row["kind"] not in ("level", "factor", "increase_percent"):
            raise _fail(name, line, "kind", f"unknown kind {row['kind']!r}")
        out.append(PublishedUpload(row["party"], row["kind"], row["phrase"], _estimate(name, line, row),
                                   _cite(name, line, row, "source", row["note"]),
                                   _int(name, line, row, "baseline") if row["baseline"] else None,
                                   row["note"] or None))
    return tuple(out)
