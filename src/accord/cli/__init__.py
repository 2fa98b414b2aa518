"""The ``accord`` command line: one Typer app, thin — parse, call the core, render.

Each area registers its own commands from a module of this package:
``agreements`` (list, show, diff, check, timeline, report), ``exchange`` (exchange …, synth),
``ledger`` (ledger …) and ``detect`` (detect …).
"""

from __future__ import annotations

from . import agreements, detect, exchange, ledger
from ._common import new_app

app = new_app(
    "accord: nuclear arms-control agreements as code — what binds, who complies, "
    "and whether cheating would be caught."
)

for _module in (agreements, exchange, ledger, detect):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
