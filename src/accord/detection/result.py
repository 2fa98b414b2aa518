"""The common result record of every detection analysis.

A :class:`Result` is what the CLI prints and what the JSON contracts document: a schema id,
the figures, how they were obtained (``method``), the standard error where the method is
Monte Carlo, and the assumptions in plain sentences. Numbers without their assumptions are
not reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The values ``method`` may take. ``exact``: closed form or exact arithmetic;
#: ``markov-chain``: Brook–Evans chain (numerically converged); ``integral-equation``: Nyström
#: solution of the ARL integral equation; ``lp``: linear programming; ``monte-carlo``: simulation,
#: always with a standard error.
METHODS: tuple[str, ...] = ("exact", "markov-chain", "integral-equation", "lp", "monte-carlo")


@dataclass(frozen=True)
class Result:
    """One analysis result.

    ``values`` holds the figures (the JSON contract's fields); ``assumptions`` the sentences a
    reader needs to judge them; ``standard_error`` is set exactly when ``method`` is
    ``monte-carlo`` (the standard error of the headline figure).
    """

    schema: str
    method: str
    values: Mapping[str, Any]
    assumptions: tuple[str, ...] = ()
    standard_error: float | None = None
    trials: int | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; expected one of {METHODS}")
        if self.method == "monte-carlo" and self.standard_error is None:
            raise ValueError("a monte-carlo result needs its standard error")

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def to_json(self) -> dict[str, Any]:
        """The documented JSON object: ``schema``, the values, ``method``, ``standard_error``
        (Monte Carlo only), ``trials`` (Monte Carlo only) and ``assumptions``."""
        out: dict[str, Any] = {"schema": self.schema}
        out.update(self.values)
        out["method"] = self.method
        if self.standard_error is not None:
            out["standard_error"] = self.standard_error
        if self.trials is not None:
            out["trials"] = self.trials
        if self.notes:
            out["notes"] = list(self.notes)
        out["assumptions"] = list(self.assumptions)
        return out

    def footer(self) -> str:
        """The assumptions (and notes) as lines to print under a table."""
        lines = [f"method: {self.method}"]
        if self.standard_error is not None:
            lines[0] += f" (standard error {self.standard_error:.3g}, {self.trials} trials)"
        lines += [f"assumption: {a}" for a in self.assumptions]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
