"""The YAML test cases in cases/: every bundled agreement has one, and a broken case file is one
clear failure, never a crash of the collector."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

import accord

HERE = Path(__file__).parent
CASE_FILES = sorted((HERE / "cases").glob("*.yaml"))


def test_every_bundled_agreement_has_a_case_file_citing_its_figures():
    covered = set()
    for path in CASE_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["source"].strip(), f"{path.name}: say where the expected figures come from"
        covered.add(doc["agreement"])
    assert set(accord.library_ids()) <= covered


def run_cases(files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run pytest on a folder holding this collector and the given case files."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(HERE / "conftest.py", root / "conftest.py")
        (root / "cases").mkdir()
        for name, text in files.items():
            (root / "cases" / name).write_text(text, encoding="utf-8")
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               str(root)], capture_output=True, text=True, cwd=root, timeout=120)


GOOD = """\
agreement: newstart
source: "State fact sheet of 1 Dec 2020 (data as of 1 Sep 2020)"
cases:
  - name: within
    holdings:
      - {party: US, date: 2020-09-01, counts: {deployed_warheads: 1457}}
    expect:
      - {party: US, date: 2020-09-01, limit: deployed_warheads, value: 1457, status: within}
"""


@pytest.mark.parametrize(("text", "where"), [
    ("agreement: newstart\nsource: x\ncases: [\n", "bad.yaml:"),                       # not YAML
    ("agreement: newstart\nsource: x\ncases:\n  - name: a\n    holdings: []\n    expect: 3\n",
     "bad.yaml:6: cases[0].expect"),                                                      # wrong shape
    ("agreement: newstart\nsource: x\ncasez: []\n", "bad.yaml:3: casez: unknown field"),  # a typo
])
def test_a_malformed_case_file_is_one_clear_failure(text, where):
    result = run_cases({"good.yaml": GOOD, "bad.yaml": text})
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 failed, 1 passed" in out, out
    assert "malformed case file: " in out and where in out, out
    assert "INTERNALERROR" not in out and "Traceback" not in out, out


def test_a_wrong_expectation_names_the_file_the_case_and_the_field():
    result = run_cases({"good.yaml": GOOD.replace("value: 1457", "value: 1456")})
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "good.yaml:8: case 'within': expect[0].value: expected 1456, got 1457" in out, out
