"""``accord synth``: a SYNTHETIC itemized database from a treaty family's generator, written
to a directory (declaration, notifications, next declaration), with what it matched."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agreements.model import Agreement
from ..errors import InputError
from ..exchange.io import dump_declaration, dump_notifications, write_atomic
from ..profiles import SynthOutput, profile_for
from ._frame import frame
from ._inputs import canonical_party
from .exchange import category_counts, default_agreement_id
from .library import load_agreement

if TYPE_CHECKING:
    import pandas as pd

SYNTH_SCHEMA = "accord.synth/v1"
FILES = ("declaration.json", "notifications.jsonl", "next-declaration.json")


@dataclass(frozen=True)
class SynthSummary:
    """What synth wrote (``accord.synth/v1``): the files, and each limit as published, as
    counted in the declaration and as counted in the next one."""

    output: SynthOutput
    agreement: Agreement
    party: str
    as_of: _dt.date
    months: int
    seed: int
    scale: int
    files: dict[str, Path]
    columns = ("limit", "published", "declaration", "next_declaration")

    def rows(self) -> list[dict[str, Any]]:
        first = category_counts(self.agreement, self.output.declaration)
        second = category_counts(self.agreement, self.output.next_declaration)
        return [{"limit": lim.id, "published": self.output.published.get(lim.id),
                 "declaration": sum(first.get(c, 0) for c in lim.categories),
                 "next_declaration": sum(second.get(c, 0) for c in lim.categories)}
                for lim in self.agreement.limits]

    def to_json(self) -> dict[str, Any]:
        out = self.output
        return {"schema": SYNTH_SCHEMA, "synthetic": True, "party": self.party, "as_of": self.as_of,
                "next_as_of": out.next_declaration.as_of, "seed": self.seed, "scale": self.scale,
                "months": self.months, "agreement": self.agreement.id,
                "files": {name: str(path) for name, path in self.files.items()},
                "items": len(out.declaration.items), "notifications": len(out.notifications),
                "limits": self.rows(), "published_counts": dict(out.published_counts), "notes": list(out.notes)}

    def to_frame(self) -> pd.DataFrame:
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return f"SYNTHETIC {self.party} database as of {self.as_of} → {self.files[FILES[0]].parent}"

    def footer(self) -> str:
        out = self.output
        return "\n".join([f"{len(out.declaration.items):,} items, {len(out.notifications):,} notifications "
                          f"to {out.next_declaration.as_of}.", *out.notes[1:]])


def synth(party: str, as_of: _dt.date, out: str | Path, *, months: int = 6, seed: int = 0, scale: int = 1,
          agreement: str | None = None) -> SynthSummary:
    """Make the synthetic database of ``party`` as of ``as_of`` with the generator of the
    agreement's treaty family and write its three files into ``out`` (atomically)."""
    ag = load_agreement(agreement or default_agreement_id())
    party = canonical_party(party, ag.parties, field="--party", where=f"parties of {ag.id}")  # us → US
    profile = profile_for(ag)
    if profile is None or profile.synthesize is None:
        raise InputError(f"no synthetic-data generator for {ag.id} (no treaty profile with one serves it)",
                         field="--agreement")
    if seed < 0:  # the generators' random streams take no negative seed
        raise InputError(f"seed must be a whole number >= 0, not {seed}", field="--seed")
    directory = Path(out)
    if directory.exists() and not directory.is_dir():  # before the (slow) generation
        raise InputError("exists and is not a directory", file=str(directory), field="--out")
    result = profile.synthesize(ag, party, as_of, months=months, seed=seed, scale=scale)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create: {exc.strerror or exc}", file=str(directory), field="--out") from None
    texts = dict(zip(FILES, (dump_declaration(result.declaration), dump_notifications(result.notifications),
                             dump_declaration(result.next_declaration)), strict=True))
    write_atomic([(directory / name, text) for name, text in texts.items()])
    return SynthSummary(result, ag, party, as_of, months, seed, scale, {name: directory / name for name in FILES})
