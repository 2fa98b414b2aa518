"""The bundled public record: New START exchange data, the US breakdowns, Russia's 2022
item counts, FAS stockpile estimates and per-system maximum loadings.

Every row keeps its source URL; gaps in the published record stay missing (no total is
made up for a blank cell). The CSV files live in ``accord/profiles/newstart/datafiles/`` and are described
in its README.md; their derivation from the reference notes is documented there. The FAS estimates
are ranges made from the source's words by the rule every profile shares
(:mod:`accord.profiles._ranges`); the one official US figure stays exact.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ...errors import InputError
from ...forces.estimates import Estimate
from ...forces.holdings import Count, Holdings, ReportedTotal, Snapshot
from ...sources import Source
from .._ranges import RANGE_RULES, expected_range

#: The published aggregate columns and the New START categories each one totals.
NEWSTART_TOTALS: dict[str, tuple[str, frozenset[str]]] = {
    "deployed_icbm_slbm_heavy_bombers": (
        "deployed_delivery_vehicles",
        frozenset({"deployed_icbms", "deployed_slbms", "deployed_heavy_bombers"}),
    ),
    "warheads_on_deployed": (
        "deployed_warheads",
        frozenset({"warheads_on_deployed_icbms", "warheads_on_deployed_slbms",
                   "warheads_for_deployed_heavy_bombers"}),
    ),
    "deployed_and_nondeployed_launchers": (
        "deployed_and_nondeployed_launchers",
        frozenset({"deployed_icbm_launchers", "nondeployed_icbm_launchers", "deployed_slbm_launchers",
                   "nondeployed_slbm_launchers", "deployed_heavy_bombers", "nondeployed_heavy_bombers"}),
    ),
}


def _rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each row of a bundled CSV file (read whole: the files are small)."""
    text = resources.files(__package__).joinpath("datafiles", name).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        yield reader.line_num, row


def _source(document: str, url: str, note: str, reliability: str, line: int, name: str,
            also: tuple[Source, ...] = ()) -> Source:
    return Source(document=document, url=url or None, reliability=reliability,
                  note=note or None, article=f"accord/profiles/newstart/datafiles/{name}, line {line}", also=also)


def _reliability(url: str) -> str:
    # The row's own URL is what we can vouch for, so mark it by who published that page: a
    # government at its own address, a government document copied by another site, or a report.
    if any(h in url for h in ("state.gov", "mid.ru")):
        return "official"
    return "official-copy" if "globalsecurity.org/wmd/library/news/usa" in url else "secondary"


def _aggregate_source(row: dict[str, str], line: int, name: str) -> Source:
    """The row's source (where its figures were read) with its second source, if any, in ``also``."""
    also: tuple[Source, ...] = ()
    if row["also_url"].strip():
        also = (Source(document=row["also_document"], url=row["also_url"], reliability=row["also_reliability"],
                       note=row["also_note"] or None),)
    document = row["source_document"] or "New START aggregate numbers (published exchange data)"
    return _source(document, row["source_url"], row["note"], row["reliability"] or "secondary", line, name, also)


def aggregate_snapshots() -> list[Snapshot]:
    """One snapshot per published aggregate exchange row (totals over the three limits), each
    total citing where its figures were read and, in ``Source.also``, State's own record of the
    exchange where one was found (see datafiles/README.md)."""
    out = []
    name = "newstart_aggregate.csv"
    for line, row in _rows(name):
        totals = []
        src = _aggregate_source(row, line, name)
        for column, (label, cats) in NEWSTART_TOTALS.items():
            value = row[column].strip()
            if value:  # a blank cell is a gap in the record: it stays missing
                totals.append(ReportedTotal(cats, int(value), label, src))
        # A row with every figure blank is kept: it records an exchange whose data are missing
        # (Russia's 1 March 2023 data were "not provided"), which evaluates to no_data.
        out.append(Snapshot(row["party"], _dt.date.fromisoformat(row["as_of_date"]), {}, tuple(totals),
                            origin=f"bundled {name}", note=None if totals else f"no figures: {row['note']}"))
    return out


def breakdown_snapshots() -> list[Snapshot]:
    """US per-category figures (summed over systems where several rows share a category)."""
    name = "newstart_us_breakdown.csv"
    sums: dict[tuple[str, _dt.date, str], list[tuple[int, Source]]] = {}
    for line, row in _rows(name):
        cats = row["accord_categories"].strip()
        if not cats:
            continue
        day = _dt.date.fromisoformat(row["as_of_date"])
        src = _source(f"US New START breakdown: {row['system']}, {row['category']}", row["source_url"],
                      row["note"], _reliability(row["source_url"]), line, name)
        sums.setdefault((row["party"], day, cats), []).append((int(row["value"]), src))
    snaps: dict[tuple[str, _dt.date], Snapshot] = {}
    for (party, day, cats), parts in sums.items():
        value = sum(v for v, _ in parts)
        src = parts[0][1] if len(parts) == 1 else Source(
            document="US New START breakdown, sum over systems: " + " + ".join(
                f"{s.document.split(': ', 1)[-1]} {v}" for v, s in parts),
            url=parts[0][1].url, reliability=parts[0][1].reliability,
            article=", ".join(s.article or "" for _, s in parts))
        if "+" in cats:
            snap = Snapshot(party, day, {}, (ReportedTotal(frozenset(cats.split("+")), value, cats, src),),
                            origin=f"bundled {name}")
        else:
            snap = Snapshot(party, day, {cats: Count(value, src)}, (), origin=f"bundled {name}")
        key = (party, day)
        snaps[key] = snaps[key].merged(snap) if key in snaps else snap
    return list(snaps.values())


def breakdown_rows(party: str, day: _dt.date) -> dict[tuple[str, str], int]:
    """Published per-system counts ``(category, system) → n`` for one party and date (rows that
    count one category; totals over several categories are left out)."""
    out: dict[tuple[str, str], int] = {}
    for _, row in _rows("newstart_us_breakdown.csv"):
        cats = row["accord_categories"].strip()
        if row["party"] == party and row["as_of_date"] == day.isoformat() and cats and "+" not in cats:
            out[(cats, row["system"].strip())] = int(row["value"])
    return out


def ru_2022_claim_snapshots() -> list[Snapshot]:
    """The item counts Russia's March 2022 statement names (56 / 41 / 4 for the US)."""
    name = "ru_2022_counting_claims.csv"
    out = []
    for line, row in _rows(name):
        src = _source("Russian MFA statement on New START data as of 1 March 2022", row["source_url"],
                      row["note"], "official", line, name)
        out.append(Snapshot(row["party"], _dt.date.fromisoformat(row["as_of_date"]),
                            {row["category"]: Count(int(row["value"]), src, "item count named by Russia")},
                            origin=f"bundled {name}"))
    return out


FORCE_ESTIMATES = "force_estimates.csv"


def _estimates_error(line: int, field: str, problem: str) -> InputError:
    return InputError(problem, file=f"accord/profiles/newstart/datafiles/{FORCE_ESTIMATES}", line=line, field=field)


def figure_ranges(row: Mapping[str, str], line: int) -> tuple[Estimate, ...]:
    """The ranges of a ``force_estimates.csv`` row, one per figure of its ``value`` (several
    figures are joined by ``/``, and so are their ``low`` and ``high`` ends); empty for a row
    without a figure (NOT FOUND). Each range is checked: whole numbers, ``low <= value <= high``,
    and exactly what the row's ``range_rule`` gives from the figure (README.md, "Ranges");
    anything else is an InputError naming the line and field."""
    value = row.get("value", "").strip()
    rule = row.get("range_rule", "").strip()
    if not value:
        if rule or row.get("low", "").strip() or row.get("high", "").strip():
            raise _estimates_error(line, "range_rule", "a row without a figure has no range")
        return ()
    if rule not in RANGE_RULES:
        raise _estimates_error(line, "range_rule", f"unknown range rule {rule!r} (known: {', '.join(RANGE_RULES)})")
    cells: dict[str, list[str]] = {}
    for key in ("low", "value", "high"):
        cells[key] = row.get(key, "").strip().split("/")
        if not all(c.isdigit() for c in cells[key]):
            raise _estimates_error(line, key, f"not a whole number (or whole numbers joined by /): {row.get(key)!r}")
    if not len(cells["low"]) == len(cells["value"]) == len(cells["high"]):
        raise _estimates_error(line, "low", "low, value and high must have as many figures (joined by /)")
    out = []
    for low, central, high in zip(*(map(int, cells[k]) for k in ("low", "value", "high")), strict=True):
        if not low <= central <= high:
            raise _estimates_error(line, "low", f"range out of order: {low}, {central}, {high}")
        got = Estimate(low, central, high)
        expected = expected_range(rule, got)
        if got != expected:
            raise _estimates_error(line, "low", f"the range {got.describe()} is not what rule {rule!r} gives "
                                   f"({expected.describe()})")
        out.append(got)
    return tuple(out)


def stockpile_snapshots() -> list[Snapshot]:
    """Whole-stockpile figures: FAS estimates, flagged as estimates, each the range its words give
    (``approximately 4,310`` → 4,305–4,315; ``nearly 4,500`` → 4,400–4,500), and one official US
    figure, exact. Every row's range is checked (:func:`figure_ranges`), those not loaded too."""
    out = []
    for line, row in _rows(FORCE_ESTIMATES):
        spans = figure_ranges(row, line)
        cat = row["accord_category"].strip()
        if not cat or not spans:
            continue
        if len(spans) != 1:
            raise _estimates_error(line, "value", "a row counted in a category must have one figure")
        (span,) = spans
        estimate = row["reliability"] == "estimate"
        notes = [f"dated to the {row['date_precision']} only" if row["date_precision"] != "day" else "",
                 f"range rule: {row['range_rule']}" if span.is_range else "", row["reliability_note"]]
        src = _source(row["source_org"], row["source_url"], "; ".join(n for n in notes if n), row["reliability"],
                      line, FORCE_ESTIMATES)
        out.append(Snapshot(row["party"], _dt.date.fromisoformat(row["as_of_date"]),
                            {cat: Count.of(span, src, row["category"], estimate=estimate)},
                            origin=f"bundled {FORCE_ESTIMATES}"))
    return out


@lru_cache(maxsize=1)
def bundled_holdings() -> Holdings:
    """Every bundled snapshot: aggregates, US breakdowns, Russia's 2022 counts, stockpiles."""
    return Holdings([*aggregate_snapshots(), *breakdown_snapshots(), *ru_2022_claim_snapshots(),
                     *stockpile_snapshots()])


@dataclass(frozen=True)
class SystemLoading:
    """A delivery system's maximum warheads per missile (or weapons per aircraft)."""

    party: str
    system: str
    max_warheads: int
    source: Source


@lru_cache(maxsize=1)
def system_loadings() -> tuple[SystemLoading, ...]:
    """Maximum loadings from force_systems.csv (rows whose value is a plain integer)."""
    name = "force_systems.csv"
    out = []
    for line, row in _rows(name):
        metric = row["metric"].lower()
        if not metric.startswith(("max", "warheads per missile")):
            continue
        value = row["value"].strip()
        if not value.isdigit():  # e.g. "10 heavy or 16 lighter": disputed, not a single number
            continue
        # [W] marks a weak secondary source (an aggregator or repost) in the reference notes;
        # it is still a report by someone other than the government: secondary.
        reliability = "secondary"
        out.append(SystemLoading(row["party"], row["system"], int(value),
                                 _source(f"{row['system']}: {row['metric']}", row["source_url"], row["note"],
                                         reliability, line, name)))
    return tuple(out)


def max_warheads(party: str, system: str) -> SystemLoading | None:
    """The maximum loading of a system, matched case-insensitively by part of its name
    (``Trident II D5`` matches ``Ohio-class SSBN / Trident II D5``); ``None`` when the bundled
    data have none."""
    key = system.strip().lower()
    if not key:
        return None
    for s in system_loadings():
        if s.party == party and key in s.system.lower():
            return s
    return None
