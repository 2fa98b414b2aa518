"""A monitor's state directory: what it pinned, what it verified, and its copy of the log.

::

    DIR/state.json      accord.monitor.state/v1: the pinned log (origin, log key), its URL, the
                        last verified checkpoint note, and the last view each witness showed
    DIR/mirror.db       a SQLite ledger holding every verified entry, admitted by the ledger's
                        own rules, and the log-signed checkpoints it matched
                        (`accord ledger audit DIR/mirror.db` re-checks it from scratch)
    DIR/report.json     the last check's report (accord.monitor/v1), for a dashboard
    DIR/evidence/       one folder per split view: evidence.json and both signed notes
    DIR/lock            held while a monitor runs, so two never share one state

Durability: entries are committed to the mirror (a SQLite transaction) before ``state.json``
records the checkpoint they were verified against, and ``state.json`` is replaced atomically
(temporary file, fsync, rename). A crash in between leaves entries in the mirror beyond the
recorded checkpoint; they were checked against a log-signed root before they were committed,
and the next check re-covers them with the next checkpoint.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ledger.keys import PublicKey, write_atomic
from ..ledger.note import Checkpoint, Note
from ..ledger.receipts import read_small_text
from .monitor_core import SeenCheckpoint, SplitView

__all__ = ["STATE_SCHEMA", "MonitorState", "read_peer_view", "save_evidence"]

STATE_SCHEMA = "accord.monitor.state/v1"
_MAX_STATE_BYTES = 1 << 20


def _stamp() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seen_to_json(seen: SeenCheckpoint | None) -> dict[str, Any] | None:
    return None if seen is None else seen.to_json()


def _seen_from_json(obj: Any, where: str) -> SeenCheckpoint | None:
    if obj is None:
        return None
    try:
        text = obj["note"]
        note = Note.parse(text, file=where)
        return SeenCheckpoint(str(obj.get("source", "state")), text, Checkpoint.from_text(note.text, file=where))
    except (KeyError, TypeError) as exc:
        raise InputError(f"not a monitor state file ({STATE_SCHEMA}): {exc}", file=where) from None


@dataclass
class MonitorState:
    """The pinned log and what was verified of it (see the module docstring)."""

    directory: Path
    url: str
    origin: str | None
    log_key: PublicKey
    verified: SeenCheckpoint | None = None
    witnesses: dict[str, dict[str, Any]] = field(default_factory=dict)
    checked_at: str | None = None

    @property
    def path(self) -> Path:
        return self.directory / "state.json"

    @property
    def mirror_path(self) -> Path:
        return self.directory / "mirror.db"

    @property
    def mirror_url(self) -> str:
        return f"sqlite:///{self.mirror_path}"

    def to_json(self) -> dict[str, Any]:
        return {"schema": STATE_SCHEMA, "url": self.url, "origin": self.origin, "log_key": self.log_key.vkey,
                "verified": _seen_to_json(self.verified), "witnesses": self.witnesses,
                "checked_at": self.checked_at}

    def save(self) -> None:
        """Write ``state.json`` atomically."""
        self.checked_at = _stamp()
        data = (json.dumps(self.to_json(), indent=2) + "\n").encode()
        try:
            write_atomic(self.path, data, mode=0o644)
        except OSError as exc:
            raise InputError(f"cannot write the monitor state: {exc.strerror or exc}", file=str(self.path)) from None

    @classmethod
    def open(cls, directory: str | Path, *, url: str, log_key: PublicKey | None, origin: str | None) -> MonitorState:
        """The state in ``directory``, created (with the folder) when there is none.

        A new state needs ``log_key`` — the monitor trusts no key on first use; an existing one
        is pinned to its key and origin, and a different ``log_key`` or ``origin`` is an
        :class:`InputError` (a monitor's state belongs to one log). A new ``url`` is recorded
        (the same log may move)."""
        directory = Path(directory)
        path = directory / "state.json"
        if not path.exists():
            if log_key is None:
                raise InputError("a new monitor state needs the log's verifier key (vkey text or .pub file): the "
                                 "monitor trusts no key on first use", field="--log-key")
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"cannot create: {exc.strerror or exc}", file=str(directory), field="--state") \
                    from None
            state = cls(directory, url, origin, log_key)
            state.save()
            return state
        where = str(path)
        obj = _read_state(path)
        pinned = PublicKey.parse(str(obj.get("log_key", "")), file=where, field="log_key")
        if log_key is not None and log_key != pinned:
            raise InputError(f"this state is pinned to the log key {pinned.name}+{pinned.id.hex()}, not "
                             f"{log_key.name}+{log_key.id.hex()} (use another --state for another log)",
                             field="--log-key")
        stored_origin = obj.get("origin")
        if origin is not None and stored_origin is not None and origin != stored_origin:
            raise InputError(f"this state is pinned to the origin {stored_origin!r}, not {origin!r}",
                             field="--origin")
        witnesses = obj.get("witnesses") or {}
        if not isinstance(witnesses, dict):
            raise InputError("witnesses must be an object", file=where, field="witnesses")
        return cls(directory, url, stored_origin or origin, pinned, _seen_from_json(obj.get("verified"), where),
                   witnesses, obj.get("checked_at"))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold ``DIR/lock`` (an exclusive, advisory lock) for the duration; :class:`InputError`
        when another monitor holds it."""
        import fcntl

        fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError("another monitor is running on this state", file=str(self.directory),
                                 field="--state") from None
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def write_report(self, report: dict[str, Any]) -> None:
        """Replace ``report.json`` atomically (what a dashboard reads)."""
        write_atomic(self.directory / "report.json", (json.dumps(report, indent=2) + "\n").encode())


def save_evidence(directory: Path, split: SplitView) -> Path:
    """Write a split view's evidence to a new folder under ``directory/evidence``:
    ``evidence.json`` (accord.monitor.evidence/v1) and both signed notes verbatim, as served
    (``first.note``, ``second.note``); returns the folder."""
    base = directory / "evidence"
    base.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = base / f"{stamp}-{split.kind}"
    folder.mkdir()
    write_atomic(folder / "first.note", split.first.text.encode())
    write_atomic(folder / "second.note", split.second.text.encode())
    write_atomic(folder / "evidence.json", (json.dumps(split.to_json(), indent=2) + "\n").encode())
    return folder


def _read_state(path: Path) -> dict[str, Any]:
    """A monitor's ``state.json`` as a JSON object, bounded in size; :class:`InputError` naming
    the file when it is not one."""
    text = read_small_text(path, "monitor state", _MAX_STATE_BYTES)
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InputError(f"not a monitor state file ({STATE_SCHEMA})", file=str(path)) from None
    if not isinstance(obj, dict) or obj.get("schema") != STATE_SCHEMA:
        raise InputError(f"not a monitor state file ({STATE_SCHEMA})", file=str(path), field="schema")
    return obj


def read_peer_view(directory: str | Path) -> SeenCheckpoint | None:
    """The checkpoint another monitor last verified (its ``state.json``), or ``None`` when it
    has verified none yet; :class:`InputError` naming the file when it is not a monitor state."""
    path = Path(directory) / "state.json"
    where = str(path)
    obj = _read_state(path)
    seen = _seen_from_json(obj.get("verified"), where)
    if seen is None:
        return None
    return SeenCheckpoint(f"peer {directory}", seen.text, seen.checkpoint)


def root_b64(root: bytes) -> str:
    return base64.b64encode(root).decode()
