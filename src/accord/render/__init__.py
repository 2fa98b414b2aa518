"""Rendering of results: terminal tables, JSON and CSV (``output``), HTML reports (``html``)."""

from .output import Format, emit, to_jsonable

__all__ = ["Format", "emit", "to_jsonable"]
