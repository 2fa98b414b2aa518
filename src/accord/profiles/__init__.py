"""Treaty families: one package per family, holding everything specific to it (bundled data and
its columns, synthetic-data targets, per-system loadings, report sections, scenario inputs)."""
