"""Read a party's holdings from a file: CSV, JSON or YAML; aggregate or itemized.

Accepted shapes (docs/agreement-format.md, "Holdings files"):

- CSV, long: ``party,date,category,value[,source]`` — one count per line; a range adds
  ``low`` and ``high`` columns (``central`` may stand for ``value``);
- CSV, wide: ``party,date,<name>,<name>…`` — one snapshot per line; a range adds the columns
  ``<name>.low`` and ``<name>.high`` beside ``<name>`` (the central value);
- JSON/YAML: a snapshot ``{"party", "date" | "as_of", "counts": {name: n}}`` where ``n`` is a
  count or a range ``{low, central, high}``, an itemized declaration ``{"party", "as_of",
  "items": [...]}`` (accord.declaration/v1), a list of either, or ``{"snapshots": [...]}``.

A range needs all three numbers, ``low <= central <= high``: accord never picks a central value
for a span nor widens an exact figure. An itemized record is one object, so its warheads are an
exact count: a range there is an error.

A *name* is a category id of the agreement, a limit id (a reported total over that limit's
categories) or ``a+b`` (a total over several categories). Unknown names and parties, negative
or non-integer counts, counts over ``MAX_COUNT``, bad dates and a CSV row with fewer or more
fields than its header are InputErrors naming the file, line and field. The file is read within
the limits of :mod:`accord.limits` (size ``MAX_HOLDINGS_BYTES``, nesting, integer digits).

Figures read here are the user's: their sources carry reliability ``user`` (a snapshot marked
``"synthetic": true``, such as ``accord synth``'s declarations, ``synthetic``), never
``official``, whatever document the file names.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import limits
from ..agreements.model import Agreement
from ..errors import InputError
from ..sources import Source
from ._jsonpos import field_name as _field
from ._jsonpos import line_of
from .estimates import Estimate
from .holdings import Count, Holdings, ReportedTotal, Snapshot
from .items import ItemTable

_META_COLUMNS = {"party", "date", "as_of", "as_of_date", "source", "source_url", "note", "notes"}
#: The keys of a range in JSON/YAML, and the suffixes of a range's columns in a wide CSV.
_RANGE_KEYS = ("low", "central", "high")
_WIDE_ENDS = (".low", ".high")
#: A line break as the CSV reader counts lines (it reads the text with ``newline=""``).
_BREAKS = re.compile(r"\r\n?|\n")


def _show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: an error about a value stays one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _count(value: Any, *, file: str, line: int | None, field: str) -> int:
    if isinstance(value, str):
        text = value.strip().replace(",", "") if value.strip() else ""
        if not text:
            raise InputError("is empty", file=file, line=line, field=field)
        # ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and "١٢٣" (which it reads)
        digits = text[1:] if text[:1] in "+-" else text
        if len(text) > limits.MAX_INT_DIGITS + 1 or not (digits.isascii() and digits.isdigit()):
            raise InputError(f"count must be a whole number of at most {limits.MAX_INT_DIGITS} digits, "
                             f"not {_show(value)}", file=file, line=line, field=field)
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        raise InputError(f"count must be a whole number written without a decimal point, not {_show(value)}",
                         file=file, line=line, field=field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"count must be a whole number, not {_show(value)}", file=file, line=line, field=field)
    if value < 0:
        raise InputError(f"count must not be negative ({_show(value)})", file=file, line=line, field=field)
    if value > limits.MAX_COUNT:
        raise InputError(f"count {_show(value)} is over the limit of {limits.MAX_COUNT:,} "
                         "(set ACCORD_MAX_COUNT to raise it)", file=file, line=line, field=field)
    return value


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _span(central: Any, low: Any, high: Any, *, file: str, line: int | None,
          fields: tuple[str, str, str]) -> Estimate:
    """An exact count (``low`` and ``high`` blank) or a range; ``fields`` name the central value,
    the low end and the high end in errors. A range needs all three, in order."""
    if _blank(low) and _blank(high):
        return Estimate.exact(_count(central, file=file, line=line, field=fields[0]))
    if _blank(central):
        raise InputError("a range needs its central value too (accord does not choose one for a span)",
                         file=file, line=line, field=fields[0])
    c = _count(central, file=file, line=line, field=fields[0])
    for end, name, other_name in ((low, fields[1], fields[2]), (high, fields[2], fields[1])):
        if _blank(end):
            raise InputError(f"a range needs both ends ({other_name} is given, this one is not)",
                             file=file, line=line, field=name)
    lo = _count(low, file=file, line=line, field=fields[1])
    hi = _count(high, file=file, line=line, field=fields[2])
    if lo > hi:
        raise InputError(f"low end {lo:,} is above high end {hi:,}", file=file, line=line, field=fields[1])
    if not lo <= c <= hi:
        raise InputError(f"central value {c:,} is outside its range {lo:,} to {hi:,}", file=file, line=line,
                         field=fields[0])
    return Estimate(lo, c, hi)


def _date(value: Any, *, file: str, line: int | None, field: str) -> _dt.date:
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"not an ISO date (YYYY-MM-DD): {_show(value)}", file=file, line=line, field=field)


class _Names:
    """Resolves names in a holdings file against an agreement."""

    def __init__(self, agreement: Agreement):
        self.agreement = agreement
        self.categories = agreement.category_ids
        self.limits = {lim.id: lim for lim in agreement.limits}
        #: What each (party, date) was given for: a category, or the set of categories a total
        #: covers (``a+b``, ``b+a`` and a limit over a and b are one thing), with its line and name.
        self.seen: dict[tuple[str, _dt.date, str | frozenset[str]], tuple[int | None, str]] = {}

    def party(self, value: Any, *, file: str, line: int | None, field: str) -> str:
        if not isinstance(value, str) or value not in self.agreement.parties:
            raise InputError(f"unknown party {_show(value)} (parties of {self.agreement.id}: "
                             f"{', '.join(self.agreement.parties)})", file=file, line=line, field=field)
        return str(value)

    def add(self, party: str, day: _dt.date, name: str, value: Estimate, counts: dict[str, Count],
            totals: list[ReportedTotal], source: Source, *, file: str, line: int | None, field: str) -> None:
        what = self._what(name, file=file, line=line, field=field)
        key = (party, day, what)
        if key in self.seen:
            # Two figures for the same thing: which one is right is the user's call, not ours.
            earlier, first_name = self.seen[key]
            where = ", ".join(([f"first on line {earlier}"] if earlier else []) +
                              ([f"as {first_name}"] if first_name != name else []))
            this = name if len(name) <= 50 else name[:47] + "..."
            raise InputError(f"{this} for {party} on {day} is given twice" + (f" ({where})" if where else ""),
                             file=file, line=line, field=field)
        self.seen[key] = (line, name)
        span = value if value.is_range else None
        if isinstance(what, str):
            counts[name] = Count(value.central, source, range=span)
        else:
            totals.append(ReportedTotal(what, value.central, name, source, range=span))

    def _what(self, name: str, *, file: str, line: int | None, field: str) -> str | frozenset[str]:
        """A category's id, or the categories a total covers (a limit's, or ``a+b``)."""
        if name in self.categories:
            return name
        if name in self.limits:
            return frozenset(self.limits[name].categories)
        parts = name.split("+")
        if len(parts) > 1 and all(p in self.categories for p in parts):
            if len(set(parts)) < len(parts):  # "a+a" is no total over two categories
                raise InputError(f"a category is named twice in the sum {_show(name)}", file=file, line=line,
                                 field=field)
            return frozenset(parts)
        raise InputError(f"unknown category or limit {_show(name)} in agreement {self.agreement.id}",
                         file=file, line=line, field=field)


def load_holdings(path: str | Path, agreement: Agreement) -> Holdings:
    """The holdings in ``path``, with names resolved against ``agreement``."""
    p = Path(path)
    file = str(p)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".json", ".yaml", ".yml"):
        raise InputError("unknown data format (use .csv, .json, .yaml or .yml)", file=file)
    text = limits.read_text(p, "HOLDINGS_BYTES")  # a spreadsheet's CSV export may start with a BOM
    names = _Names(agreement)
    if suffix == ".csv":
        return _from_csv(text, file, names)
    if suffix == ".json":
        data = _parse_json(text, file)
        try:
            return _from_data(data, file, names)
        except InputError as err:
            # json keeps no positions: find the field's line in the text, only now that it is needed
            if err.line is not None or not err.field or err.file != file:
                raise
            raise err.at(line=line_of(text, err.field)) from None
    else:
        from ..agreements._yaml import load_yaml_text

        data = load_yaml_text(text, file)
    return _from_data(data, file, names)


def _parse_json(text: str, file: str) -> Any:
    """The JSON in ``text`` as :func:`limits.parse_json` reads it (which reports every problem in
    one line), except that a key given twice in one object is an error naming its second line:
    json would keep the last silently, where YAML and CSV holdings refuse two figures for one thing."""
    repeated: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) < len(items) and not repeated:  # the first object found with a key twice
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    repeated.append((out, key))
                    break
                seen.add(key)
        return out

    decoder = json.JSONDecoder(parse_int=limits.json_decoder().parse_int, object_pairs_hook=pairs)
    try:
        data = decoder.decode(text)
    except (ValueError, RecursionError):  # bad JSON, an integer too long, nesting too deep
        return limits.parse_json(text, file=file)  # which says so
    if limits.too_deep(data, limits.MAX_DEPTH):
        return limits.parse_json(text, file=file)
    if repeated:
        target, key = repeated[0]
        where = _path_to(data, target)
        field = f"{where}.{_field(key)}" if where else _field(key)
        raise InputError("key is given twice in one object (json would keep the last one, silently)", file=file,
                         line=line_of(text, field), field=field)
    return data


def _path_to(data: Any, target: object) -> str:
    """The field path of the object ``target`` inside ``data`` (``snapshots[1].counts``)."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if value is target:
            return path
        if isinstance(value, dict):
            stack += [(v, f"{path}.{_field(k)}" if path else _field(k)) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return ""


def _from_csv(text: str, file: str, names: _Names) -> Holdings:
    try:
        return _read_csv(csv.DictReader(io.StringIO(text, newline="")), file, names)
    except csv.Error as err:  # a field over the csv module's size limit
        raise InputError(f"malformed CSV: {err}", file=file) from None


def _read_csv(reader: csv.DictReader[str], file: str, names: _Names) -> Holdings:
    if not reader.fieldnames:
        raise InputError("empty CSV file (a header line is required)", file=file, line=1)
    header = [h.strip() for h in reader.fieldnames]
    named: set[str] = set()
    for column in header:
        if column in named:  # a row would keep only the last such column's cell, silently
            raise InputError("column is named twice in the header", file=file, line=1, field=_field(column))
        if column:  # empty names (a spreadsheet's trailing commas) hold nothing that is read
            named.add(column)
    if "party" not in header:
        raise InputError("CSV needs a 'party' column", file=file, line=1, field="party")
    date_col = next((c for c in ("date", "as_of", "as_of_date") if c in header), None)
    if date_col is None:
        raise InputError("CSV needs a 'date' column", file=file, line=1, field="date")
    long = "category" in header and ("value" in header or "central" in header)
    _check_range_columns(header, long, file)
    snaps: list[Snapshot] = []
    for raw in reader:
        line = _first_line(reader.line_num, raw)
        if None in raw or any(v is None for v in raw.values()):
            # A short row would leave its last columns empty: a gap the user did not write.
            extra: list[str] = raw.get(None) or []  # type: ignore[assignment]
            n = sum(v is not None for k, v in raw.items() if k is not None) + len(extra)
            more = "more" if extra else "fewer"
            raise InputError(f"row has {more} fields ({n}) than the header ({len(header)}); "
                             "leave a gap as an empty field", file=file, line=line)
        row = {(k or "").strip(): v for k, v in raw.items()}
        party = names.party((row.get("party") or "").strip(), file=file, line=line, field="party")
        day = _date(row.get(date_col), file=file, line=line, field=date_col)
        src = Source(document=(row.get("source") or f"holdings file {Path(file).name}").strip() or file,
                     url=(row.get("source_url") or None), article=f"line {line}",
                     reliability="user", note=row.get("note") or None)
        counts: dict[str, Count] = {}
        totals: list[ReportedTotal] = []
        if long:
            name = (row.get("category") or "").strip()
            value = _span(_central_cell(row, file, line), row.get("low"), row.get("high"), file=file, line=line,
                          fields=("central" if _blank(row.get("value")) and "central" in row else "value",
                                  "low", "high"))
            names.add(party, day, name, value, counts, totals, src, file=file, line=line, field="category")
        else:
            for column in header:
                if column in _META_COLUMNS or column == "" or column.endswith(_WIDE_ENDS):
                    continue
                cell, low, high = row.get(column), row.get(column + ".low"), row.get(column + ".high")
                if _blank(cell) and _blank(low) and _blank(high):
                    continue  # a gap stays missing
                value = _span(cell, low, high, file=file, line=line,
                              fields=(_field(column), _field(column + ".low"), _field(column + ".high")))
                names.add(party, day, column, value, counts, totals, src, file=file, line=line,
                          field=_field(column))
        snaps.append(Snapshot(party, day, counts, tuple(totals), origin=file))
    if not snaps:
        raise InputError("no data rows", file=file)
    return Holdings(snaps)


def _first_line(last: int, raw: Mapping[str | None, Any]) -> int:
    """The line a CSV record starts on: the reader counts to its last line, past the line breaks
    inside quoted fields (a note over several lines)."""
    cells = [c for k, c in raw.items() if k is not None and isinstance(c, str)] + list(raw.get(None) or [])
    return last - sum(len(_BREAKS.findall(c)) for c in cells)


def _check_range_columns(header: list[str], long: bool, file: str) -> None:
    """A range's columns come in pairs, beside the column of their central value."""
    if long:
        for end, other in (("low", "high"), ("high", "low")):
            if end in header and other not in header:
                raise InputError(f"a '{end}' column needs a '{other}' column (a range has both ends)",
                                 file=file, line=1, field=end)
        return
    columns = set(header)
    for column in header:
        if column.endswith(_WIDE_ENDS):
            base, end = column.rsplit(".", 1)
            other = f"{base}.{'high' if end == 'low' else 'low'}"
            if base not in columns:
                raise InputError(f"a range column needs the column of its central value, {_show(base)}",
                                 file=file, line=1, field=_field(column))
            if other not in columns:
                raise InputError(f"a range column needs its other end, {_show(other)}", file=file, line=1,
                                 field=_field(column))


def _central_cell(row: Mapping[str, Any], file: str, line: int) -> Any:
    """The central value of a long CSV row: ``value``, or ``central`` (both given must agree)."""
    value, central = row.get("value"), row.get("central")
    if not _blank(value) and not _blank(central) and \
            _count(value, file=file, line=line, field="value") != _count(central, file=file, line=line,
                                                                         field="central"):
        raise InputError(f"value {_show(value)} and central {_show(central)} differ: give the central "
                         "value once", file=file, line=line, field="central")
    return central if _blank(value) else value


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


def _range_of(value: Mapping[Any, Any], file: str, line: int | None, where: str) -> Estimate:
    """``{low, central, high}`` from JSON/YAML; each key's own line where the file gives it."""
    lines = getattr(value, "key_lines", {})
    for key in value:
        if key not in _RANGE_KEYS:
            raise InputError("unknown field in a range (a range is {low, central, high})", file=file,
                             line=lines.get(str(key), line), field=f"{where}.{_field(key)}")
    for key in _RANGE_KEYS:
        if value.get(key) is None:
            raise InputError("a range needs low, central and high (accord does not choose one for you)",
                             file=file, line=line, field=f"{where}.{key}")
    try:
        return _span(value["central"], value["low"], value["high"], file=file, line=line,
                     fields=(f"{where}.central", f"{where}.low", f"{where}.high"))
    except InputError as err:  # name the line of the end at fault, where a block mapping spreads them
        key = (err.field or "").rsplit(".", 1)[-1]
        raise InputError(err.problem, file=err.file, line=lines.get(key, err.line), field=err.field) from None


def _item_range_error(err: InputError, records: list[Any], where: str) -> InputError | None:
    """A clearer error when a record's field was refused because it holds a range."""
    field = err.field or ""
    head = f"{where}["
    if not field.startswith(head) or "]." not in field:
        return None
    index, _, key = field[len(head):].partition("].")
    if not index.isdigit() or int(index) >= len(records) or not isinstance(records[int(index)], Mapping):
        return None
    record = records[int(index)]
    value = record.get(key)
    if not isinstance(value, Mapping) or not set(map(str, value)) & set(_RANGE_KEYS):
        return None
    line = record.line_of(key) if hasattr(record, "line_of") else err.line
    return InputError(f"an itemized record is one object, so its {key} is exact, not a range "
                      "(give an estimate as an aggregate count: counts: {name: {low, central, high}})",
                      file=err.file, line=line, field=field)


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
        raise InputError(f"must be true or false, not {_show(synthetic)}", file=file, line=line, field=f("synthetic"))
    # A user's figures are the user's, never official; generated declarations say so.
    document = entry.get("source") or f"holdings file {Path(file).name}"
    if not isinstance(document, str):
        raise InputError(f"must be a string, not {_show(document)}", file=file, line=line, field=f("source"))
    src = Source(document=document, reliability="synthetic" if synthetic else "user")
    counts: dict[str, Count] = {}
    totals: list[ReportedTotal] = []
    raw_counts = entry.get("counts") or {}
    if not isinstance(raw_counts, Mapping):
        raise InputError("must be an object of name: count", file=file, line=line, field=f("counts"))
    for name, value in raw_counts.items():
        key_line = getattr(raw_counts, "key_lines", {}).get(str(name), line)
        where_n = f(f"counts.{_field(name)}")
        n = _range_of(value, file, key_line, where_n) if isinstance(value, Mapping) else \
            Estimate.exact(_count(value, file=file, line=key_line, field=where_n))
        names.add(party, day, str(name), n, counts, totals, src, file=file, line=key_line, field=where_n)
    items = None
    if "items" in entry:
        if not isinstance(entry["items"], list):
            raise InputError("must be a list of item records", file=file, line=line, field=f("items"))
        vocabulary = names.agreement.vocabulary
        try:
            items = ItemTable.from_records(entry["items"], file=file, field=f("items"),
                                           vocabulary=vocabulary if vocabulary.item_types else None)
        except InputError as err:
            raise _item_range_error(err, entry["items"], f("items")) or err from None
    if not raw_counts and items is None:
        raise InputError("needs counts or items", file=file, line=line, field=where or None)
    return Snapshot(party, day, counts, tuple(totals), items, origin=file,
                    synthetic=synthetic)
