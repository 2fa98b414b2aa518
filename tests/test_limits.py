"""accord.limits: one place for the bounds on inputs, each overridable by ACCORD_MAX_<NAME>."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accord import limits
from accord.errors import InputError

DOCS = Path(__file__).resolve().parent.parent / "docs" / "limits.md"


def test_every_limit_is_a_constant_and_documented():
    table = DOCS.read_text()
    for lim in limits.LIMITS:
        assert getattr(limits, f"MAX_{lim.name}") == lim.value({}) == lim.default
        assert f"`{lim.env}`" in table, lim.env


@pytest.mark.parametrize("raw, value", [("5", 5), (" 12 ", 12), ("1_000", 1000), ("", 64)])
def test_an_override(raw, value):
    assert limits.limit("DEPTH").value({"ACCORD_MAX_DEPTH": raw}) == value


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "1e6", "9" * 30, "5.5"])
def test_a_bad_override_is_an_error_naming_the_variable(raw):
    with pytest.raises(InputError) as info:
        limits.limit("DEPTH").value({"ACCORD_MAX_DEPTH": raw})
    assert info.value.field == "ACCORD_MAX_DEPTH" and "\n" not in info.value.one_line()


def test_integer_digits_cannot_exceed_what_python_converts():
    with pytest.raises(InputError, match="at most 4,300"):
        limits.limit("INT_DIGITS").value({"ACCORD_MAX_INT_DIGITS": "5000"})


def _accord(tmp_path, env, *args):
    code = "import sys; from accord.cli import main; sys.argv = ['accord', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", **env}, timeout=120)


def test_the_environment_sets_a_limit_for_the_command_line(tmp_path):
    (tmp_path / "h.csv").write_text("party,date,deployed_warheads\nUS,2020-09-01,1457\n")
    r = _accord(tmp_path, {"ACCORD_MAX_COUNT": "1000"}, "check", "newstart-2021", "--data", "h.csv")
    assert r.returncode == 2 and r.stderr.strip() == (
        "error: h.csv:2: deployed_warheads: count 1457 is over the limit of 1,000 (set ACCORD_MAX_COUNT to raise it)")
    r = _accord(tmp_path, {"ACCORD_MAX_COUNT": "lots"}, "check", "newstart-2021", "--data", "h.csv")
    assert r.returncode == 2 and r.stderr.strip() == "error: ACCORD_MAX_COUNT: must be a whole number >= 1, not 'lots'"
    assert _accord(tmp_path, {}, "check", "newstart-2021", "--data", "h.csv").returncode == 0


def test_too_deep_measures_without_recursion():
    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    assert limits.too_deep(deep, 64) and not limits.too_deep({"a": [[1]]}, 3) and limits.too_deep({"a": [[1]]}, 2)
