"""The layering in DESIGN.md, enforced: dependencies point inward, peers stay apart, and the
generic packages know nothing of one treaty family.

DESIGN.md: ``cli``, ``service`` -> ``app`` -> ``render``, ``profiles`` -> ``compliance``,
``exchange``, ``ledger``, ``detection`` -> ``agreements``, ``forces`` -> ``periods``,
``sources``, ``errors``. A package imports only from layers below it; peers do not import each
other except where DESIGN.md says so.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "accord"

#: Layer of each top-level package or module; higher numbers are outer layers.
LAYER = {
    "errors": 0, "limits": 0,
    "periods": 1, "sources": 1,
    "agreements": 2, "forces": 2, "zk": 2,
    "compliance": 3, "exchange": 3, "ledger": 3, "detection": 3,
    "render": 4, "profiles": 4,
    "app": 5,
    "cli": 6, "service": 6,
}
#: Imports between peers that DESIGN.md allows: (importer, imported).
PEERS_ALLOWED = {
    ("forces", "agreements"),  # counting applies an agreement's counting rules to records
    ("periods", "sources"), ("sources", "periods"),  # the two leaf helpers may share
    ("limits", "errors"),  # an input over a limit is an InputError
    ("cli", "service"),  # `accord serve`, `witness serve`, `monitor` and `demo` start the HTTP side
}


def _package_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level accord package) for every import of accord in ``path``, absolute or relative."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC)
    depth = len(rel.parts) - 1  # directories below accord/
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "accord" and len(parts) > 1:
                    out.append((node.lineno, parts[1]))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] == "accord":
                    targets = [parts[1]] if len(parts) > 1 else [a.name for a in node.names]
                    out += [(node.lineno, t) for t in targets]
            else:
                up = node.level - 1  # ``from .`` stays in the module's own directory
                if up > depth:
                    continue
                base = list(rel.parts[: depth - up])
                mod = (node.module or "").split(".") if node.module else []
                full = base + mod
                if full:
                    out.append((node.lineno, full[0]))
                else:  # ``from .. import x`` at the accord level
                    out += [(node.lineno, a.name) for a in node.names]
    return out


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] != "__init__.py")


def test_every_package_has_a_layer() -> None:
    """A new top-level package must be placed in DESIGN.md's layering (and here) before use."""
    packages = {_package_of(p) for p in _modules()}
    assert packages <= set(LAYER), f"not in the layering: {sorted(packages - set(LAYER))}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_inward(path: Path) -> None:
    own = _package_of(path)
    bad = []
    for line, target in _imports(path):
        if target == own or target not in LAYER:
            continue
        if LAYER[target] > LAYER[own]:
            bad.append(f"line {line}: {own} (layer {LAYER[own]}) imports outer {target} (layer {LAYER[target]})")
        elif LAYER[target] == LAYER[own] and (own, target) not in PEERS_ALLOWED:
            bad.append(f"line {line}: {own} imports its peer {target}")
    assert not bad, f"{path.relative_to(SRC)}: " + "; ".join(bad)


def test_the_checker_sees_relative_and_absolute_imports(tmp_path: Path) -> None:
    """The import scanner itself: a relative import two levels up is attributed to its package."""
    probe = SRC / "compliance" / "rules" / "_probe_for_layer_test.py"
    probe.write_text("from ...app import x\nfrom accord.cli import y\nfrom ..engine import z\n", encoding="utf-8")
    try:
        assert _imports(probe) == [(1, "app"), (2, "cli"), (3, "compliance")]
    finally:
        probe.unlink()


# ----------------------------------------------------------------------------- treaty-free core

#: The generic packages: nothing in them may name one treaty family's systems or the treaty.
GENERIC = ("agreements", "forces", "compliance", "exchange", "ledger", "detection", "render", "zk")
#: New START identifiers, as words (code, comments and docstrings alike).
NEWSTART_WORDS = re.compile(
    r"icbm|slbm|heavy[ _-]?bomber|minuteman|trident|sarmat|yars|topaz|bulava|sineva|b-52|b-2a?\b|"
    r"new[ _-]?start|newstart|ohio[ -]class|columbia[ -]class|borei|rs-2\d",
    re.IGNORECASE,
)


def _generic_files() -> list[Path]:
    return sorted(p for pkg in GENERIC for p in (SRC / pkg).rglob("*.py"))


def test_generic_packages_name_no_treaty_family() -> None:
    """Everything specific to New START lives in ``accord/profiles/newstart/`` (or in YAML data)."""
    hits = []
    for path in _generic_files():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = NEWSTART_WORDS.search(line)
            if m:
                hits.append(f"{path.relative_to(SRC)}:{n}: {m.group(0)!r}")
    assert not hits, f"{len(hits)} New START identifiers in the generic layers:\n" + "\n".join(hits)


def test_the_identifier_check_can_fail() -> None:
    assert NEWSTART_WORDS.search("deployed_icbms = 1")
    assert NEWSTART_WORDS.search("New START Article II")
    assert not NEWSTART_WORDS.search("deployed delivery vehicles")
