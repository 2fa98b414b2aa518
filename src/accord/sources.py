"""Where a number comes from.

Every clause, cap and dataset row in accord carries a :class:`Source`: the document, the
article or paragraph, a URL, an optional quote, and how reliable it is. A figure without a
source is never invented; a gap stays a gap.

Reliability says what a number *is*, from the weakest label to the strongest:

- ``synthetic``: made up by accord (synthetic declarations for tests and demonstrations);
- ``user``: supplied by whoever runs accord (``accord check --data``); accord cannot vouch for it;
- ``estimate``: an analyst's estimate (FAS Nuclear Notebook, SIPRI), with its stated method;
- ``secondary``: a report of the figure by someone other than its author (press, think tanks,
  parliamentary research services, aggregators);
- ``official-copy``: the government's own document, read on another site (a verbatim copy);
- ``official``: the government's own document, read at the government's own address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Reliability = Literal["official", "official-copy", "secondary", "estimate", "synthetic", "user"]

#: Every reliability label, weakest first (the order :func:`weakest` uses).
RELIABILITY_ORDER: tuple[str, ...] = ("synthetic", "user", "estimate", "secondary", "official-copy", "official")

#: Every reliability label, strongest first (the order error messages and docs list them in).
RELIABILITIES: tuple[str, ...] = tuple(reversed(RELIABILITY_ORDER))

#: The label of a source in a user's file that gives none: only a stated label makes a figure official.
UNLABELLED = "user"

_RANK = {label: i for i, label in enumerate(RELIABILITY_ORDER)}


def reliability_rank(label: str) -> int:
    """The rank of a reliability label: 0 for the weakest (``synthetic``), higher is stronger.

    Raises ValueError for a label that is not in :data:`RELIABILITIES` (a programming error:
    the loaders reject unknown labels in user files with an InputError first).
    """
    try:
        return _RANK[label]
    except KeyError:
        raise ValueError(f"unknown reliability {label!r} (allowed: {', '.join(RELIABILITIES)})") from None


def weakest(labels: Iterable[str]) -> str | None:
    """The weakest of some reliability labels, or ``None`` when there are none.

    A value computed from several figures is only as reliable as the weakest of them:
    ``weakest(["official", "estimate"]) == "estimate"``.
    """
    return min(labels, key=reliability_rank, default=None)


@dataclass(frozen=True)
class Source:
    """A citation: ``document`` (required), ``article``, ``url``, ``quote``, ``reliability``, ``note``.

    ``also`` lists further sources of the same figure (a copy of the document on another site, a
    cross-check); the figure's reliability is that of the source itself, never of ``also``.
    """

    document: str
    article: str | None = None
    url: str | None = None
    quote: str | None = None
    reliability: str = "official"
    note: str | None = None
    also: tuple[Source, ...] = ()

    def __post_init__(self) -> None:
        reliability_rank(self.reliability)  # rejects a label outside the vocabulary

    @property
    def rank(self) -> int:
        """The rank of this source's reliability (0 = weakest); see :func:`reliability_rank`."""
        return reliability_rank(self.reliability)

    def cite(self) -> str:
        """A one-line human citation, e.g. ``New START Treaty, Article II.1(a)``."""
        text = self.document
        if self.article:
            text += f", {self.article}"
        if self.reliability != "official":
            text += f" [{self.reliability}]"
        return text

    def to_json(self) -> dict[str, Any]:
        """The JSON form used in every output contract; empty fields are left out."""
        out: dict[str, Any] = {"document": self.document, "reliability": self.reliability}
        for name in ("article", "url", "quote", "note"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.also:
            out["also"] = [s.to_json() for s in self.also]
        return out

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Source:
        """A source from its JSON or YAML mapping (the inverse of :meth:`to_json`)."""
        return cls(
            document=str(data["document"]),
            article=_opt_str(data.get("article")),
            url=_opt_str(data.get("url")),
            quote=_opt_str(data.get("quote")),
            reliability=str(data.get("reliability", "official")),
            note=_opt_str(data.get("note")),
            also=tuple(cls.from_mapping(s) for s in data.get("also") or ()),
        )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Sourced:
    """A value with its source (used for dated facts such as signature or entry into force)."""

    value: Any
    source: Source
    extra: Mapping[str, Any] = field(default_factory=dict)
