"""Rendering of results: terminal tables, JSON and CSV (``output``), HTML pages and the kit a
profile's report sections write with (``html``), charts (``charts``, all matplotlib set-up).

Generic: nothing here names an agreement; a treaty profile supplies a report's sections.
"""

from .output import Format, Tabular, emit, emit_result, to_jsonable

__all__ = ["Format", "Tabular", "emit", "emit_result", "to_jsonable"]
