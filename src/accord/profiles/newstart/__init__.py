"""The New START profile: the bundled record of the 2011-2023 data exchanges and everything else
that only makes sense for New START's categories — synthetic-data targets and generator,
per-system loadings, the exchange vocabulary of its Protocol database and the report's sections."""

from .. import Profile
from .data import SystemLoading, bundled_holdings, max_warheads, system_loadings
from .exchange_rules import RULES
from .report import build as build_report
from .synth import synthesize

PROFILE = Profile(
    id="newstart",
    title="New START (2010-2026): the treaty, its extension, the 2020 freeze proposals, "
          "Russia's 2022 reading and 2025 offer",
    agreements=("newstart", "newstart-2021", "us-2020-freeze", "ru-2020-freeze", "ru-counting-2022",
                "ru-2025-voluntary", "newstart-bridge-2026"),
    default_agreement="newstart-2021",
    holdings=bundled_holdings,
    vocabularies=("newstart",),
    exchange_rules=RULES,
    loadings=system_loadings,
    report=build_report,
    synthesize=synthesize,
    default=True,
)

__all__ = ["PROFILE", "SystemLoading", "bundled_holdings", "max_warheads", "system_loadings"]
