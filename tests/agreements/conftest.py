"""Collects the per-agreement test cases in ``cases/*.yaml`` (OpenFisca style).

Each case file names an agreement and lists cases: holdings in (the shape of a YAML holdings
file for ``accord check --data``), optional dates, parties and parameter caps, and the findings
expected out. An analyst adds a case without writing Python; docs/agreement-format.md, "Test
cases", describes the format. A malformed file is one failing item naming the file, line and
field (never a crash of the collector); a case whose findings differ fails naming the file,
the case and the field that differs.
"""

from __future__ import annotations

import datetime as _dt
import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import accord
from accord.agreements._yaml import load_yaml_file
from accord.errors import InputError

CASES = Path(__file__).parent / "cases"

#: Keys of a case file and of each case (anything else is a typo worth an error).
FILE_KEYS = ("agreement", "source", "cases")
CASE_KEYS = ("name", "source", "holdings", "at", "parties", "caps", "expect", "complete")
#: Keys that pick out the finding an expectation is about.
FINDING_KEYS = ("party", "date", "limit")


@dataclass(frozen=True)
class Case:
    """One case of a case file: what goes in and the findings expected out."""

    name: str
    file: str
    line: int | None
    agreement: str
    holdings: Any
    at: _dt.date | None
    parties: tuple[str, ...] | None
    caps: Mapping[str, Any] | None
    expect: tuple[Mapping[str, Any], ...]
    complete: bool


class CaseMismatch(AssertionError):
    """A case's findings differ from what it expects (one line: file:line: case: field: problem)."""


def _err(where: Any, key: str | None, problem: str, field: str, file: str) -> InputError:
    lines = getattr(where, "key_lines", {})
    line = lines.get(key, getattr(where, "line", None)) if key else getattr(where, "line", None)
    return InputError(problem, file=file, line=line, field=field)


def _date(value: Any, where: Any, key: str, field: str, file: str) -> _dt.date:
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        raise _err(where, key, f"not an ISO date (YYYY-MM-DD): {value!r}", field, file) from None


def read_case_file(path: Path) -> list[Case]:
    """The cases of one file, validated; any problem is an InputError naming file, line and field."""
    file = str(path)
    doc = load_yaml_file(path)
    if not isinstance(doc, Mapping):
        raise InputError("a case file must be a YAML mapping", file=file, line=1)
    for k in doc:
        if k not in FILE_KEYS:
            raise _err(doc, str(k), f"unknown field (known: {', '.join(FILE_KEYS)})", str(k), file)
    agreement = doc.get("agreement")
    if not isinstance(agreement, str) or not agreement:
        raise _err(doc, "agreement", "is required: a built-in agreement id or a path", "agreement", file)
    if agreement.endswith((".yaml", ".yml")):
        agreement = str((path.parent / agreement).resolve())
    if not doc.get("source"):
        raise _err(doc, "source", "is required: where the expected figures come from", "source", file)
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        raise _err(doc, "cases", "must be a non-empty list of cases", "cases", file)
    out: list[Case] = []
    names: set[str] = set()
    for i, c in enumerate(cases):
        f = f"cases[{i}]"
        if not isinstance(c, Mapping):
            raise _err(doc, "cases", "each case must be a mapping", f, file)
        for k in c:
            if k not in CASE_KEYS:
                raise _err(c, str(k), f"unknown field (known: {', '.join(CASE_KEYS)})", f"{f}.{k}", file)
        name = c.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _err(c, "name", "is required", f"{f}.name", file)
        if name in names:
            raise _err(c, "name", f"duplicate case name {name!r}", f"{f}.name", file)
        names.add(name)
        if "holdings" not in c:
            raise _err(c, None, "is required (the holdings in, as in a YAML holdings file)", f"{f}.holdings", file)
        at = _date(c["at"], c, "at", f"{f}.at", file) if c.get("at") is not None else None
        parties = c.get("parties")
        if parties is not None and (not isinstance(parties, list) or not all(isinstance(p, str) for p in parties)):
            raise _err(c, "parties", "must be a list of party codes", f"{f}.parties", file)
        caps = c.get("caps")
        if caps is not None and not isinstance(caps, Mapping):
            raise _err(c, "caps", "must map limit ids to a cap or to {party: cap}", f"{f}.caps", file)
        expect = c.get("expect")
        if not isinstance(expect, list) or not expect:
            raise _err(c, "expect", "must be a non-empty list of expected findings", f"{f}.expect", file)
        for j, e in enumerate(expect):
            if not isinstance(e, Mapping):
                raise _err(c, "expect", "each expected finding must be a mapping", f"{f}.expect[{j}]", file)
            for k in FINDING_KEYS:
                if e.get(k) is None:
                    raise _err(e, None, f"needs {', '.join(FINDING_KEYS)} to pick out a finding",
                               f"{f}.expect[{j}].{k}", file)
            _date(e["date"], e, "date", f"{f}.expect[{j}].date", file)
        complete = c.get("complete", False)
        if not isinstance(complete, bool):
            raise _err(c, "complete", "must be true or false", f"{f}.complete", file)
        out.append(Case(name.strip(), file, getattr(c, "line", None), agreement, c["holdings"], at,
                        tuple(parties) if parties is not None else None, caps, tuple(expect), complete))
    return out


def _plain(value: Any) -> Any:
    """A JSON-ready copy (dates as ISO strings) of a mapping read from YAML."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, _dt.date) else str(v)))


def _holdings(case: Case, agreement: Any) -> Any:
    # The holdings go through accord.load_holdings, the reader `accord check --data` uses, so a
    # case exercises exactly what a user's file would; errors are mapped back to the case file.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "holdings.json"
        path.write_text(json.dumps(_plain(case.holdings)), encoding="utf-8")
        try:
            return accord.load_holdings(path, agreement)
        except InputError as err:
            raise InputError(err.problem, file=case.file, line=case.line,
                             field=f"holdings.{err.field}" if err.field else "holdings") from None


def run_case(case: Case) -> None:
    """Evaluate one case; raise CaseMismatch naming the first field that differs."""
    agreement = accord.load_agreement(case.agreement)
    report = accord.evaluate(agreement, _holdings(case, agreement), parties=case.parties, at=case.at,
                             caps=_plain(case.caps) if case.caps else None)
    found = {(f["party"], f["date"], f["limit"]): f for f in (x.to_json() for x in report.findings)}
    for j, e in enumerate(case.expect):
        where = f"{case.file}:{getattr(e, 'line', None) or case.line}: case {case.name!r}"
        key = (str(e["party"]), _plain(e["date"]), str(e["limit"]))
        finding = found.get(key)
        if finding is None:
            raise CaseMismatch(f"{where}: expect[{j}]: no finding for party {key[0]}, date {key[1]}, "
                               f"limit {key[2]} (findings: {sorted(found) or 'none'})")
        for field, want in e.items():
            if field in FINDING_KEYS:
                continue
            if field not in finding:
                raise CaseMismatch(f"{where}: expect[{j}].{field}: not a field of a finding "
                                   f"(fields: {', '.join(sorted(finding))})")
            got = finding[field]
            if _plain(want) != got:
                raise CaseMismatch(f"{where}: expect[{j}].{field}: expected {_plain(want)!r}, got {got!r} "
                                   f"({key[0]} {key[1]} {key[2]})")
    if case.complete:
        where = f"{case.file}:{case.line}: case {case.name!r}"
        wanted = {(str(e["party"]), _plain(e["date"]), str(e["limit"])) for e in case.expect}
        extra = sorted(set(found) - wanted)
        if extra:
            raise CaseMismatch(f"{where}: complete: findings not expected: {extra}")


class CaseFile(pytest.File):
    """A YAML case file: one item per case, or one failing item if the file is malformed."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            cases = read_case_file(self.path)
        except InputError as err:
            yield BrokenCaseFile.from_parent(self, name="(case file)", error=err)
            return
        for case in cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)


class CaseItem(pytest.Item):
    """One case: runs it through the public API and compares the findings."""

    def __init__(self, *, case: Case, **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case

    def runtest(self) -> None:
        run_case(self.case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (CaseMismatch, InputError)):
            return str(excinfo.value)  # one line: the file, the case and the field
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, (self.case.line or 1) - 1, f"case: {self.case.name}"


class BrokenCaseFile(pytest.Item):
    """Stands for a case file that cannot be read: fails with its one-line error."""

    def __init__(self, *, error: InputError, **kw: Any) -> None:
        super().__init__(**kw)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return f"malformed case file: {self.error.one_line()}"

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, (self.error.line or 1) - 1, "malformed case file"


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect ``cases/*.yaml`` next to this file."""
    if file_path.suffix in (".yaml", ".yml") and file_path.parent == CASES:
        return CaseFile.from_parent(parent, path=file_path)
    return None
