"""Read a party's holdings from a file: CSV, JSON or YAML; aggregate or itemized.

Accepted shapes (docs/agreement-format.md, "Holdings files"):

- CSV, long: ``party,date,category,value[,source]`` — one count per line;
- CSV, wide: ``party,date,<name>,<name>…`` — one snapshot per line;
- JSON/YAML: a snapshot ``{"party", "date" | "as_of", "counts": {name: n}}``, an itemized
  declaration ``{"party", "as_of", "items": [...]}`` (accord.declaration/v1), a list of
  either, or ``{"snapshots": [...]}``.

A *name* is a category id of the agreement, a limit id (a reported total over that limit's
categories) or ``a+b`` (a total over several categories). Unknown names and parties, negative
or non-integer counts and bad dates are InputErrors naming the file, line and field.

Figures read here are the user's: their sources carry reliability ``user`` (a snapshot marked
``"synthetic": true``, such as ``accord synth``'s declarations, ``synthetic``), never
``official``, whatever document the file names.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..agreements.model import Agreement
from ..errors import InputError
from ..sources import Source
from .holdings import Count, Holdings, ReportedTotal, Snapshot
from .items import ItemTable

_META_COLUMNS = {"party", "date", "as_of", "as_of_date", "source", "source_url", "note", "notes"}


def _count(value: Any, *, file: str, line: int | None, field: str) -> int:
    if isinstance(value, str):
        text = value.strip().replace(",", "") if value.strip() else ""
        if not text:
            raise InputError("is empty", file=file, line=line, field=field)
        try:
            value = int(text)
        except ValueError:
            raise InputError(f"count must be a whole number, not {value!r}", file=file, line=line,
                             field=field) from None
    if isinstance(value, float) and value.is_integer():
        raise InputError(f"count must be a whole number written without a decimal point, not {value!r}",
                         file=file, line=line, field=field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"count must be a whole number, not {value!r}", file=file, line=line, field=field)
    if value < 0:
        raise InputError(f"count must not be negative ({value})", file=file, line=line, field=field)
    return value


def _date(value: Any, *, file: str, line: int | None, field: str) -> _dt.date:
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"not an ISO date (YYYY-MM-DD): {value!r}", file=file, line=line, field=field) from None


class _Names:
    """Resolves names in a holdings file against an agreement."""

    def __init__(self, agreement: Agreement):
        self.agreement = agreement
        self.categories = agreement.category_ids
        self.limits = {lim.id: lim for lim in agreement.limits}
        self.seen: dict[tuple[str, _dt.date, str], int | None] = {}

    def party(self, value: Any, *, file: str, line: int | None, field: str) -> str:
        if value not in self.agreement.parties:
            raise InputError(f"unknown party {value!r} (parties of {self.agreement.id}: "
                             f"{', '.join(self.agreement.parties)})", file=file, line=line, field=field)
        return str(value)

    def add(self, party: str, day: _dt.date, name: str, value: int, counts: dict[str, Count],
            totals: list[ReportedTotal], source: Source, *, file: str, line: int | None, field: str) -> None:
        key = (party, day, name)
        if key in self.seen:
            # Two figures for the same thing: which one is right is the user's call, not ours.
            earlier = self.seen[key]
            raise InputError(f"{name} for {party} on {day} is given twice" +
                             (f" (first on line {earlier})" if earlier else ""), file=file, line=line, field=field)
        self.seen[key] = line
        if name in self.categories:
            counts[name] = Count(value, source)
        elif name in self.limits:
            totals.append(ReportedTotal(frozenset(self.limits[name].categories), value, name, source))
        elif "+" in name and all(p in self.categories for p in name.split("+")):
            totals.append(ReportedTotal(frozenset(name.split("+")), value, name, source))
        else:
            raise InputError(f"unknown category or limit {name!r} in agreement {self.agreement.id}",
                             file=file, line=line, field=field)


def load_holdings(path: str | Path, agreement: Agreement) -> Holdings:
    """The holdings in ``path``, with names resolved against ``agreement``."""
    p = Path(path)
    file = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")  # a spreadsheet's CSV export may start with a BOM
    except OSError as err:
        raise InputError(f"cannot read file: {err.strerror or err}", file=file) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=file) from None
    names = _Names(agreement)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _from_csv(text, file, names)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"malformed JSON: {err.msg}", file=file, line=err.lineno) from None
        except RecursionError:
            raise InputError("malformed JSON: nested too deeply", file=file) from None
        except ValueError as err:  # an integer of more than 4,300 digits
            raise InputError(f"malformed JSON: {str(err).split(';')[0]}", file=file) from None
    elif suffix in (".yaml", ".yml"):
        from ..agreements._yaml import load_yaml_text

        data = load_yaml_text(text, file)
    else:
        raise InputError("unknown data format (use .csv, .json, .yaml or .yml)", file=file)
    return _from_data(data, file, names)


def _from_csv(text: str, file: str, names: _Names) -> Holdings:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise InputError("empty CSV file (a header line is required)", file=file, line=1)
    header = [h.strip() for h in reader.fieldnames]
    if "party" not in header:
        raise InputError("CSV needs a 'party' column", file=file, line=1, field="party")
    date_col = next((c for c in ("date", "as_of", "as_of_date") if c in header), None)
    if date_col is None:
        raise InputError("CSV needs a 'date' column", file=file, line=1, field="date")
    long = "category" in header and "value" in header
    snaps: list[Snapshot] = []
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip(): v for k, v in row.items()}
        if None in row or ("" in row and row[""] is not None and any(row.values())):
            raise InputError("row has more fields than the header", file=file, line=line)
        party = names.party((row.get("party") or "").strip(), file=file, line=line, field="party")
        day = _date(row.get(date_col), file=file, line=line, field=date_col)
        src = Source(document=(row.get("source") or f"holdings file {Path(file).name}").strip() or file,
                     url=(row.get("source_url") or None), article=f"line {line}",
                     reliability="user", note=row.get("note") or None)
        counts: dict[str, Count] = {}
        totals: list[ReportedTotal] = []
        if long:
            name = (row.get("category") or "").strip()
            value = _count(row.get("value"), file=file, line=line, field="value")
            names.add(party, day, name, value, counts, totals, src, file=file, line=line, field="category")
        else:
            for column in header:
                if column in _META_COLUMNS or column == "":
                    continue
                cell = row.get(column)
                if cell is None or not str(cell).strip():
                    continue  # a gap stays missing
                value = _count(cell, file=file, line=line, field=column)
                names.add(party, day, column, value, counts, totals, src, file=file, line=line, field=column)
        snaps.append(Snapshot(party, day, counts, tuple(totals), origin=file))
    if not snaps:
        raise InputError("no data rows", file=file)
    return Holdings(snaps)


def _from_data(data: Any, file: str, names: _Names) -> Holdings:
    if isinstance(data, Mapping) and "snapshots" in data:
        data = data["snapshots"]
        prefix = "snapshots"
    else:
        prefix = ""
    entries = data if isinstance(data, list) else [data]
    snaps = []
    for i, entry in enumerate(entries):
        where = f"{prefix}[{i}]" if isinstance(data, list) else prefix
        snaps.append(_snapshot(entry, file, names, where))
    if not snaps:
        raise InputError("no snapshots", file=file)
    return Holdings(snaps)


def _snapshot(entry: Any, file: str, names: _Names, where: str) -> Snapshot:
    def f(name: str) -> str:
        return f"{where}.{name}" if where else name

    if not isinstance(entry, Mapping):
        raise InputError("each snapshot must be an object", file=file, field=where or None)
    line = getattr(entry, "line", None)
    party = names.party(entry.get("party"), file=file, line=line, field=f("party"))
    date_key = next((k for k in ("date", "as_of", "as_of_date") if k in entry), None)
    if date_key is None:
        raise InputError("needs a date (date or as_of)", file=file, line=line, field=f("date"))
    day = _date(entry[date_key], file=file, line=line, field=f(date_key))
    synthetic = entry.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(f"must be true or false, not {synthetic!r}", file=file, line=line, field=f("synthetic"))
    # A user's figures are the user's, never official; generated declarations say so.
    src = Source(document=str(entry.get("source") or f"holdings file {Path(file).name}"),
                 reliability="synthetic" if synthetic else "user")
    counts: dict[str, Count] = {}
    totals: list[ReportedTotal] = []
    raw_counts = entry.get("counts") or {}
    if not isinstance(raw_counts, Mapping):
        raise InputError("must be an object of name: count", file=file, line=line, field=f("counts"))
    for name, value in raw_counts.items():
        key_line = getattr(raw_counts, "key_lines", {}).get(str(name), line)
        n = _count(value, file=file, line=key_line, field=f(f"counts.{name}"))
        names.add(party, day, str(name), n, counts, totals, src, file=file, line=key_line,
                  field=f(f"counts.{name}"))
    items = None
    if "items" in entry:
        if not isinstance(entry["items"], list):
            raise InputError("must be a list of item records", file=file, line=line, field=f("items"))
        vocabulary = names.agreement.vocabulary
        items = ItemTable.from_records(entry["items"], file=file, field=f("items"),
                                       vocabulary=vocabulary if vocabulary.item_types else None)
    if not raw_counts and items is None:
        raise InputError("needs counts or items", file=file, line=line, field=where or None)
    return Snapshot(party, day, counts, tuple(totals), items, origin=file,
                    synthetic=synthetic)
