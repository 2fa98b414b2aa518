"""docs/after-new-start.md stays true: every command in it runs, with the exit status it says, and
every output it shows is what the command prints.

The tutorial's conventions, which this test reads:

- a ```` ```sh ```` block holds commands, one a line; ``# exits N`` at the end of a line is the
  exit status expected (0 otherwise);
- a ```` ```text ```` block right after a command (or Python) block shows output: each of its lines
  must appear in what the last command of that block printed (whitespace collapsed, since the
  terminal wraps long lines);
- a ```` ```csv ```` block after a paragraph saying "Save this as `NAME`" is written to ``NAME``;
- a ```` ```python ```` block runs as a script.

Everything runs in a fresh directory, in order.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from accord.cli import app

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "after-new-start.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```\n", re.S | re.M)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def blocks(text: str) -> list[tuple[str, str, str]]:
    """``(kind, body, the prose just before it)`` for each fenced block, in order."""
    out, last = [], 0
    for m in FENCE.finditer(text):
        out.append((m.group(1), m.group(2), text[last:m.start()]))
        last = m.end()
    return out


def test_the_tutorial_reads_as_the_test_expects():
    kinds = [k for k, _, _ in blocks(TUTORIAL.read_text(encoding="utf-8"))]
    assert kinds.count("sh") >= 8 and kinds.count("text") >= 6 and "csv" in kinds and "python" in kinds


def test_every_command_in_the_tutorial_runs_and_prints_what_it_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    last_output: str | None = None
    ran = 0
    for kind, body, before in blocks(TUTORIAL.read_text(encoding="utf-8")):
        if kind == "sh":
            for line in body.splitlines():
                command, _, comment = line.partition("#")
                if not command.strip():
                    continue
                words = shlex.split(command)
                assert words[0] == "accord", line
                expected = int(m.group(1)) if (m := re.search(r"exits (\d+)", comment)) else 0
                result = runner.invoke(app, words[1:])
                assert result.exit_code == expected, f"{line}\n{result.output}"
                last_output = result.output
                ran += 1
        elif kind == "text":
            assert last_output is not None, "an output block with no command before it"
            printed = _collapse(last_output)
            for line in body.splitlines():
                if line.strip():
                    assert _collapse(line) in printed, f"not in the output: {line!r}"
            last_output = None  # one output block per command
        elif kind == "csv":
            name = re.findall(r"Save this as `([^`]+)`", before)
            assert name, "a csv block must follow 'Save this as `NAME`'"
            (tmp_path / name[-1]).write_text(body, encoding="utf-8")
        elif kind == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, str(TUTORIAL), "exec"), {"__name__": "tutorial"})
            last_output = out.getvalue()
    assert ran >= 10
    assert (tmp_path / "caps.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (tmp_path / "report" / "index.html").is_file()


def test_the_contents_links_reach_their_sections():
    # GitHub's anchors: the heading in lower case, punctuation dropped, spaces as hyphens.
    text = TUTORIAL.read_text(encoding="utf-8")
    headings = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
                for h in re.findall(r"^## (.+)$", text, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert len(links) == 6 and set(links) <= headings
