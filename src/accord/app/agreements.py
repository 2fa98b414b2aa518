"""What binds: list the library, show an agreement (on a date), compare two clause by clause.

Each function loads what it needs and returns a result with its JSON contract (``to_json()``),
its table rows and a DataFrame (``to_frame()``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..agreements.diff import Difference, diff
from ..agreements.model import Agreement
from ..agreements.show import describe
from ._frame import frame
from .library import load_agreement, load_all

if TYPE_CHECKING:
    import pandas as pd

LIST_SCHEMA = "accord.agreements/v1"
DIFF_SCHEMA = "accord.diff/v1"


@dataclass(frozen=True)
class AgreementList:
    """The built-in agreements (``accord.agreements/v1``)."""

    agreements: tuple[Agreement, ...]
    columns = ("id", "legal_form", "adopted", "in_force_from", "until", "extends", "title")

    def rows(self) -> list[dict[str, Any]]:
        return [{"id": a.id, "title": a.title, "legal_form": a.legal_form, "adopted": a.adopted,
                 "in_force_from": a.effective.start, "until": a.effective.end, "extends": a.extends}
                for a in self.agreements]

    def to_json(self) -> dict[str, Any]:
        return {"schema": LIST_SCHEMA, "agreements": self.rows()}

    def to_frame(self) -> pd.DataFrame:
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return "Built-in agreements"

    def footer(self) -> None:
        return None


def list_agreements() -> AgreementList:
    """Every agreement in the built-in library."""
    return AgreementList(tuple(load_all()))


@dataclass(frozen=True)
class AgreementView:
    """An agreement, and what binds on ``day`` when one is given (``accord.agreement/v1``)."""

    agreement: Agreement
    day: _dt.date | None
    info: dict[str, Any]
    columns = ("limit", "kind", "cap", "binding", "binds", "legal_form", "verification", "scope", "source")

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"limit": lim["id"], "kind": lim["kind"], "cap": lim["cap"], "scope": ", ".join(lim["categories"]),
             "binding": f"{lim['binding']['start']} – {lim['binding']['end'] or 'expiry'}",
             "binds": "" if self.day is None else ("yes" if lim["binds"] else "no"),
             "legal_form": lim["legal_form"], "verification": lim["verification"], "source": lim["source_cite"]}
            for lim in self.info["limits"]
        ]

    def to_json(self) -> dict[str, Any]:
        return self.info

    def to_frame(self) -> pd.DataFrame:
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return f"{self.agreement.id}: {self.agreement.title}"

    def footer(self) -> str:
        return str(self.info["headline"])


def show(ref: str, day: _dt.date | None = None) -> AgreementView:
    """The agreement named by ``ref`` (a library id or a YAML file) described on ``day``."""
    ag = load_agreement(ref)
    return AgreementView(ag, day, describe(ag, day))


@dataclass(frozen=True)
class AgreementDiff:
    """Two agreements compared clause by clause (``accord.diff/v1``); ``differences`` holds
    only the changed clauses unless every clause was asked for."""

    a: Agreement
    b: Agreement
    differences: tuple[Difference, ...]
    columns = ("section", "clause", "field", "a", "b")

    def rows(self) -> list[dict[str, Any]]:
        return [{"section": d.section, "clause": d.clause, "field": d.field, "a": d.a, "b": d.b}
                for d in self.differences]

    def to_json(self) -> dict[str, Any]:
        return {"schema": DIFF_SCHEMA, "a": self.a.id, "b": self.b.id,
                "differences": [d.to_json() for d in self.differences]}

    def to_frame(self) -> pd.DataFrame:
        return frame(self.rows(), self.columns)

    def title(self) -> str:
        return f"a = {self.a.id}, b = {self.b.id}"

    def footer(self) -> str | None:
        return None if self.differences else "No differences."


def compare(a: str, b: str, *, all_fields: bool = False) -> AgreementDiff:
    """The clauses of ``a`` and ``b`` that differ (every clause with ``all_fields``)."""
    ag_a, ag_b = load_agreement(a), load_agreement(b)
    diffs = diff(ag_a, ag_b)
    return AgreementDiff(ag_a, ag_b, tuple(d for d in diffs if all_fields or d.changed))
