"""The ``accord`` command line: one Typer app, thin — parse, call the core, render.

Each area registers its own commands from a module of this package:
``agreements`` (list, show, diff, check, timeline, report), ``exchange`` (exchange …, synth),
``ledger`` (ledger …) and ``detect`` (detect …).
"""

from __future__ import annotations

from . import agreements, analysis, demo, detect, exchange, ledger, monitor, service, witness, zk
from ._common import add_version_option, new_app

app = new_app(
    "accord: nuclear arms-control agreements as code — what binds, who complies, "
    "and whether cheating would be caught."
)

for _module in (agreements, analysis, exchange, ledger, detect, service, monitor, witness, zk, demo):
    _module.register(app)
add_version_option(app)


def main() -> None:
    """Console-script entry point."""
    app()
