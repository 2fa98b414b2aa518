"""Every error a user can cause on the command line is one line on stderr, exit 2, nothing on
standard output: it names the option (``--at: …``), never ``<input>``, never an exception class
(``FileNotFoundError``), never Python internals (``q_sample() missing 2 required positional
arguments``) or the wording of the libraries underneath (``Input should be a valid integer``).
Issue 9 §3 "Error texts"."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app

#: What must never reach a user: a traceback, the old placeholder, an exception class name, an
#: errno, a Python call signature complaint, or pydantic's and click's own wording.
INTERNALS = re.compile(
    r"Traceback|<input>|\b[A-Z]\w*(Error|Exception)\b|Errno|\w+\(\) (missing|got|takes)|positional argument"
    r"|keyword argument|NoneType|has no attribute|Input should be|Value error,|Invalid value for|Try '"
)

GRID = "--grid missiles=627 --grid uploaded=10 --grid inspections=1:3"

# (command line, what the one line starts with, words it contains)
CASES = [
    # a command-line value: the option, no "<input>:"
    ("show newstart --at foo", "error: --at: not an ISO date", ()),
    ("timeline newstart --party XX", "error: --party: unknown party 'XX'", ()),
    ("exchange replay decl.json notes.jsonl --at 2020-02-30", "error: --at: not an ISO date", ()),
    ("detect sample -N 10 -r 20 -n 5", "error: --defects: must be at most 10", ()),
    ("detect sample -N 10 -r 2 -n 5 --item-detection 2", "error: --item-detection: must be a probability", ()),
    ("detect cusum-threshold --k 0.5 --false-alarm-per-year 2 --observations-per-year 12",
     "error: --false-alarm-per-year: must be a probability", ()),
    ("detect game recursive --periods -3 --inspections 1", "error: --periods: must be at least 1", ()),
    ("detect game allocation --values 1,2 --detection 0.5 --quota 1", "error: --detection: ", ()),
    ("detect scenario upload --warheads 10 --as-of 2021-13-01", "error: --as-of: not an ISO date", ()),
    ("detect scenario upload --warheads 10 --party XX", "error: --party: unknown party 'XX'", ()),
    ("detect scenario upload", "error: --warheads: the upload scenario needs --warheads", ()),
    # usage mistakes: one line, in our words
    ("detect sample -N x -r 1 -n 1", "error: --population: not a whole number: 'x'", ()),
    ("detect scenario upload --warheads 10 --simulate 1e11", "error: --simulate: not a whole number: '1e11'", ()),
    ("detect balance --sigma lots", "error: --sigma: not a number: 'lots'", ()),
    ("detect sample -r 1 -n 1", "error: --population: missing: this option is required", ("--help",)),
    ("detect game matrix", "error: payoffs: missing: this argument is required", ()),
    ("detect sample -N 3 -r 1 -n 1 --bogus", "error: No such option: --bogus", ("accord detect sample --help",)),
    ("detect teleport", "error: No such command 'teleport'", ()),
    ("teleport", "error: No such command 'teleport'", ()),
    ("detect sample -N 3 -r 1 -n 1 --format xml", "error: --format: 'xml' is not one of", ()),
    # files: the system's words
    ("check newstart --data missing.csv", "error: missing.csv: ", ("No such file or directory",)),
    ("exchange replay missing.json missing.jsonl --at 2020-01-01", "error: missing.json: ",
     ("No such file or directory",)),
    ("detect game matrix missing.csv", "error: missing.csv: cannot read: No such file or directory", ()),
    ("ledger init sqlite:///l.db --agreement newstart --key US=missing.pub",
     "error: missing.pub: cannot read key file: No such file or directory", ()),
    ("ledger append sqlite:///l.db payload.json --key missing.key --kind declaration",
     "error: missing.key: cannot read key file: No such file or directory", ()),
    ("ledger verify-bundle missing.tlog-proof --key log=missing.pub --origin o", "error: missing",
     ("No such file or directory",)),
    # sweeps: the grid variable as the user wrote it, never the question's signature
    ("detect sweep sample --grid defects=1",
     "error: --grid: the sample question needs population and sample: give --grid population=VALUES", ()),
    ("detect sweep sample --grid population=10 --grid defects=1 --grid sample=2 --grid foo=1",
     "error: --grid foo: the sample question takes no 'foo'", ()),
    ("detect sweep sample --grid population=10 --grid defects=2 --grid sample=1.5",
     "error: --grid sample: must be a whole number", ()),
    ("detect sweep cusum --grid k=0.5 --grid h=-1", "error: --grid h: must be > 0", ()),
    ("detect sweep sample --grid population=10 --grid defects=1 --grid sample=2 --workers 0",
     "error: --workers: must be at least 1", ()),
    ("detect sweep scenario upload --grid inspections=1:3",
     "error: --grid: the upload scenario needs warheads: give --grid warheads=VALUES", ()),
    ("detect sweep scenario upload --grid warheads=10 --grid teleport=1",
     "error: --grid teleport: the upload scenario takes no 'teleport'", ()),
    # plots: checked before any work, in one line
    (f"detect sweep upload {GRID} --plot out.txt", "error: --plot: out.txt: a plot is written as", ("'.txt'",)),
    (f"detect sweep upload {GRID} --plot nowhere/out.png", "error: --plot: nowhere/out.png: ",
     ("No such file or directory",)),
    (f"detect sweep upload {GRID} --plot out.png --x teleport", "error: --x: 'teleport' is not a grid variable", ()),
    (f"detect sweep upload {GRID} --plot out.png --y teleport", "error: --y: 'teleport' is not an output", ()),
    (f"detect sweep upload {GRID} --hue uploaded", "error: --hue: --x and --hue choose the axes of --plot", ()),
    (f"detect sweep upload {GRID} --cdf-plot cdf.svgx", "error: --cdf-plot: cdf.svgx: a plot is written as", ()),
    ("detect sweep cusum --grid k=0.5 --grid h=4 --cdf-plot cdf.png",
     "error: --cdf-plot: needs the sample or upload question", ()),
]


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "payload.json").write_text('{"a": 1}\n')
    (tmp_path / "decl.json").write_text("{}\n")
    (tmp_path / "notes.jsonl").write_text("")
    return tmp_path


@pytest.mark.parametrize(("line", "start", "words"), CASES, ids=[c[0][:60] for c in CASES])
def test_a_bad_command_line_is_one_clear_line(workdir: Path, line: str, start: str, words: tuple[str, ...]):
    before = sorted(p.name for p in workdir.iterdir())
    res = CliRunner().invoke(app, shlex.split(line), prog_name="accord")
    err = res.stderr
    assert res.exit_code == 2, (line, res.exit_code, err, res.exception)
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(start), err
    for w in words:
        assert w in err, (w, err)
    assert not INTERNALS.search(err), err
    assert res.stdout == "", res.stdout  # nothing half-written on standard output …
    assert sorted(p.name for p in workdir.iterdir()) == before  # … nor on disk


def test_help_without_arguments_is_still_the_usage_screen():
    """The one-line conversion leaves click's no-arguments help alone."""
    res = CliRunner().invoke(app, ["detect"])
    assert "Usage:" in res.output and "sweep" in res.output


def test_an_error_about_a_name_with_a_line_break_is_still_one_line():
    """A file or field named with a line break (or any control character) is escaped, so every
    error accord prints is one line whatever the input held."""
    from accord.errors import InputError

    err = InputError("bad\nvalue", file="a\nb.yaml", line=3, field="key\twith\x85breaks\u2028")
    assert err.one_line() == "a\\nb.yaml:3: key\\twith\\x85breaks\\u2028: bad\\nvalue"
    assert len(str(err).splitlines()) == 1
