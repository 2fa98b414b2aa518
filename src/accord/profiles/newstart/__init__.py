"""The New START profile: the bundled record of the 2011-2023 data exchanges and everything else
that only makes sense for New START's categories."""

from .data import SystemLoading, bundled_holdings, max_warheads, system_loadings

__all__ = ["SystemLoading", "bundled_holdings", "max_warheads", "system_loadings"]
