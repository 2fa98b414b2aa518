"""Where a number comes from.

Every clause, cap and dataset row in accord carries a :class:`Source`: the document, the
article or paragraph, a URL, an optional quote, and how reliable it is. A figure without a
source is never invented; a gap stays a gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Reliability = Literal["official", "secondary", "weak", "estimate", "derived"]
RELIABILITIES: tuple[str, ...] = ("official", "secondary", "weak", "estimate", "derived")


@dataclass(frozen=True)
class Source:
    """A citation: ``document`` (required), ``article``, ``url``, ``quote``, ``reliability``, ``note``."""

    document: str
    article: str | None = None
    url: str | None = None
    quote: str | None = None
    reliability: str = "official"
    note: str | None = None

    def cite(self) -> str:
        """A one-line human citation, e.g. ``New START Treaty, Article II.1(a)``."""
        text = self.document
        if self.article:
            text += f", {self.article}"
        if self.reliability not in ("official",):
            text += f" [{self.reliability}]"
        return text

    def to_json(self) -> dict[str, Any]:
        """The JSON form used in every output contract; empty fields are left out."""
        out: dict[str, Any] = {"document": self.document, "reliability": self.reliability}
        for name in ("article", "url", "quote", "note"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Source:
        return cls(
            document=str(data["document"]),
            article=_opt_str(data.get("article")),
            url=_opt_str(data.get("url")),
            quote=_opt_str(data.get("quote")),
            reliability=str(data.get("reliability", "official")),
            note=_opt_str(data.get("note")),
        )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Sourced:
    """A value with its source (used for dated facts such as signature or entry into force)."""

    value: Any
    source: Source
    extra: Mapping[str, Any] = field(default_factory=dict)
