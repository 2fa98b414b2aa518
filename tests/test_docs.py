"""The documentation stays true: the CLI reference matches the commands, contracts are documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def generated_cli_reference() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "typer", "accord.cli", "utils", "docs", "--name", "accord"],
        check=True, capture_output=True, text=True,
    )
    return out.stdout


def test_cli_reference_is_current():
    """docs/cli.md is generated: `python -m typer accord.cli utils docs --name accord --output docs/cli.md`."""
    assert (DOCS / "cli.md").read_text().rstrip("\n") == generated_cli_reference().rstrip("\n")


def test_every_schema_id_in_the_code_is_documented():
    src = Path(__file__).resolve().parent.parent / "src" / "accord"
    schemas = set()
    for path in src.rglob("*.py"):
        schemas |= set(re.findall(r"[\"'](accord\.[a-z.]+/v\d+)[\"']", path.read_text()))
    docs = "".join(p.read_text() for p in DOCS.glob("*.md"))
    missing = sorted(s for s in schemas if s not in docs)
    assert not missing, f"undocumented JSON schemas: {missing}"
    assert "accord.report/v1" in schemas
