"""Writing an analysis chart to a file the user names (``--chart out.svg``)."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..exchange.io import write_atomic


def check_chart_path(path: str | Path, field: str = "--chart") -> Path:
    """``path`` if a chart can be written there: it ends in ``.svg`` and its folder exists (checked
    before any work, so that a bad path costs nothing). Else an InputError naming the file."""
    p = Path(path)
    if p.suffix.lower() != ".svg":
        raise InputError("the chart is SVG: give a file name ending in .svg", file=str(p), field=field)
    if not p.parent.is_dir():
        raise InputError("no such folder to write the chart into", file=str(p), field=field)
    if p.is_dir():
        raise InputError("is a folder, not a file name", file=str(p), field=field)
    return p


def write_chart(path: str | Path, svg: str) -> None:
    """Write the SVG text to ``path`` atomically (a standalone ``.svg``: an XML declaration first)."""
    write_atomic([(check_chart_path(path), '<?xml version="1.0" encoding="utf-8"?>\n' + svg)])
