"""accord.service — the ledger over HTTP: the log server (C2SP tlog-tiles and ``POST /add-entry``),
the parties' submit client, witnesses (C2SP tlog-witness), monitors and the dashboard.

Layer 6 (beside the CLI): it calls ``app`` and ``ledger``, never the CLI. Modules: ``tiles``
(tlog-tiles paths and bytes, pure), ``config`` (what a server starts with), ``workers`` (the
threads that own store connections), ``log_service`` (admission, checkpoints, witnesses, tiles),
``app`` (the FastAPI app), ``client`` (submit). Importing this package imports none of them.
"""
