"""Write a result as a Rich table, JSON or CSV on standard output.

Every command takes ``--format table|json|csv``. The JSON is the command's documented contract
(see docs/json.md); CSV and the table show the same rows. Nothing here computes anything.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import enum
import io
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Protocol, TextIO


class Format(enum.StrEnum):
    """An output format: a table for people, JSON (the contract) or CSV."""

    table = "table"
    json = "json"
    csv = "csv"


def to_jsonable(value: Any) -> Any:
    """Plain JSON types from accord values: dates as ISO strings, Fractions as ``"a/b"``,
    numpy scalars and arrays as numbers and lists, dataclasses via ``to_json()`` or their fields."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_jsonable(to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return to_jsonable(tolist())
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def _cell(value: Any) -> str:
    value = to_jsonable(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def emit(
    fmt: Format | str,
    *,
    json_obj: Any,
    rows: Iterable[Mapping[str, Any]] = (),
    columns: Sequence[str] | None = None,
    title: str | None = None,
    footer: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Write ``json_obj`` (JSON) or ``rows`` (table, CSV) to ``out`` (standard output).

    ``columns`` fixes the column order for the table and CSV; by default the keys of the first
    row. ``footer`` is printed under the table only (assumptions, notes).
    """
    out = out or sys.stdout
    fmt = Format(fmt)
    if fmt is Format.json:
        out.write(json.dumps(to_jsonable(json_obj), indent=2, ensure_ascii=False) + "\n")
        return
    rows = list(rows)
    cols = list(columns) if columns else (list(rows[0].keys()) if rows else [])
    if fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in cols])
        out.write(buf.getvalue())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in cols))
    probe = Console(file=out)
    # In a pipe Rich assumes 80 columns and wraps every cell; a wide table reads better there.
    console = Console(file=out, width=probe.width if probe.is_terminal else 180)
    console.print(table)
    if footer:
        console.print(footer, markup=False, highlight=False)


class Tabular(Protocol):
    """A result the CLI can print in every format: its JSON contract (``to_json()``), its rows
    and column order for the table and CSV, a table title and a footer (``None``: none)."""

    @property
    def columns(self) -> Sequence[str]: ...

    def to_json(self) -> Any: ...

    def rows(self) -> list[dict[str, Any]]: ...

    def title(self) -> str | None: ...

    def footer(self) -> str | None: ...


def emit_result(fmt: Format | str, result: Tabular, *, out: TextIO | None = None) -> None:
    """Write a result (see :class:`Tabular`) as a table, JSON or CSV."""
    emit(fmt, json_obj=result.to_json(), rows=result.rows(), columns=result.columns, title=result.title(),
         footer=result.footer(), out=out)
