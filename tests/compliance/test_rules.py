"""Limit kinds as plug-ins: a registry of one module per kind; a three-party coalition, a ban and
a phase-in with dated caps, evaluated; each kind's load errors name file, line and field."""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.agreements.diff import diff
from accord.agreements.load import load_agreement as core_load
from accord.agreements.model import Cap, Description
from accord.agreements.show import describe
from accord.app.library import load_agreement
from accord.compliance import REGISTRY, evaluate
from accord.compliance.findings import FRAME_COLUMNS, CapTrace
from accord.compliance.rules import PartyRule
from accord.errors import InputError
from accord.forces import Count, Holdings, Snapshot
from accord.sources import Source

D = dt.date

AGREEMENT = """\
id: five
title: A three-party agreement
parties: [US, UK, FR]
legal_form: proposal
sources:
  doc: {document: A proposal, url: https://example.org/proposal}
source: doc
dates:
  entry_into_force: {date: 2020-01-01, source: doc}
categories:
  - {id: warheads, title: Warheads, unit: warheads, source: doc}
  - {id: tests, title: Nuclear explosive tests, source: doc}
limits:
  - id: allied_warheads
    title: Allied warheads
    kind: coalition
    parties: [US, UK, FR]
    categories: [warheads]
    cap: 1000
    source: doc
  - id: no_tests
    title: No nuclear tests
    kind: ban
    categories: [tests]
    source: doc
  - id: phase_in
    title: Warheads, phased in
    categories: [warheads]
    cap: {values: {2022-01-01: 800, 2030-01-01: 500, 2035-01-01: null}}
    source: doc
regime:
  verification: none
"""


def write(tmp_path, text, name="a.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


@pytest.fixture
def five(tmp_path):
    return load_agreement(str(write(tmp_path, AGREEMENT)))


def snap(party, day, **counts):
    src = Source("test figures", reliability="estimate" if party == "FR" else "official")
    return Snapshot(party, day, {c: Count(v, src) for c, v in counts.items()}, origin=f"{party} data")


def test_the_registry_finds_one_module_per_kind():
    assert set(REGISTRY.kinds()) >= {"limit", "freeze", "ban", "coalition"}
    assert REGISTRY.default_kind("limits") == "limit" and REGISTRY.default_kind("freezes") == "freeze"


def test_three_party_coalition_sums_each_members_latest_data(five):
    h = Holdings([snap("US", D(2024, 3, 1), warheads=500), snap("UK", D(2024, 1, 1), warheads=225),
                  snap("FR", D(2023, 6, 1), warheads=290)])
    f = evaluate(five, h, at=D(2024, 6, 1)).where(limit="allied_warheads")
    assert len(f) == 1  # one finding for the coalition, not one per member
    f = f[0]
    assert (f.party, f.parties) == ("US+UK+FR", ("US", "UK", "FR"))
    assert (f.value, f.cap, f.headroom, f.status) == (1015, 1000, -15, "exceeds")
    assert f.data_as_of == D(2023, 6, 1)  # the oldest of the members' data
    assert f.data_reliability == "estimate"  # FR's figure is an estimate: the weakest part
    assert [m["party"] for m in f.trace["members"]] == ["US", "UK", "FR"]
    assert {p["party"]: p["value"] for p in f.trace["parts"]} == {"US": 500, "UK": 225, "FR": 290}
    assert f.to_json()["party"] == "US+UK+FR"


def test_coalition_without_a_members_data_is_no_data(five):
    h = Holdings([snap("US", D(2024, 3, 1), warheads=500), snap("UK", D(2024, 1, 1), warheads=225)])
    f = evaluate(five, h, at=D(2024, 6, 1)).where(limit="allied_warheads")[0]
    assert f.status == "no_data" and f.value is None
    assert "FR" in " ".join(f.trace["notes"])


def test_coalition_timeline_has_one_row_per_member_date(five):
    h = Holdings([snap("US", D(2024, 3, 1), warheads=500), snap("UK", D(2024, 1, 1), warheads=225),
                  snap("FR", D(2023, 6, 1), warheads=290), snap("US", D(2024, 9, 1), warheads=400)])
    rows = evaluate(five, h).where(limit="allied_warheads")
    assert [f.date for f in rows] == [D(2023, 6, 1), D(2024, 1, 1), D(2024, 3, 1), D(2024, 9, 1)]
    assert [f.status for f in rows] == ["no_data", "no_data", "exceeds", "within"]
    assert rows[-1].value == 400 + 225 + 290
    # coalition rows follow every single party's rows
    report = evaluate(five, h)
    assert report.findings[-1].party == "US+UK+FR"


def test_coalition_cap_is_a_parameter_by_label(five):
    h = Holdings([snap(p, D(2024, 1, 1), warheads=300) for p in ("US", "UK", "FR")])
    f = evaluate(five, h, at=D(2024, 1, 1), caps={"allied_warheads": {"US+UK+FR": 950}}).where(
        limit="allied_warheads")[0]
    assert (f.cap, f.status) == (950, "within")
    assert f.trace["cap"]["rule"].startswith("set by the user")


def test_a_coalition_only_for_the_parties_asked_about(five):
    h = Holdings([snap(p, D(2024, 1, 1), warheads=300) for p in ("US", "UK", "FR")])
    assert evaluate(five, h, parties=["UK"]).where(limit="allied_warheads")
    five_us_only = evaluate(five, h, parties=["US"])
    assert {f.party for f in five_us_only.findings} == {"US", "US+UK+FR"}


def test_a_ban_is_exceeded_by_one(five):
    h = Holdings([snap("US", D(2024, 1, 1), tests=0), snap("UK", D(2024, 1, 1), tests=1)])
    r = evaluate(five, h, at=D(2024, 1, 1))
    assert r.where(party="US", limit="no_tests")[0].status == "within"
    uk = r.where(party="UK", limit="no_tests")[0]
    assert (uk.cap, uk.headroom, uk.status, uk.kind) == (0, -1, "exceeds", "ban")
    assert uk.trace["cap"] == {"rule": "ban", "value": 0}


def test_phase_in_takes_the_cap_of_the_findings_date(five):
    h = Holdings([snap("US", day, warheads=700) for day in (D(2021, 1, 1), D(2025, 1, 1), D(2031, 1, 1),
                                                            D(2036, 1, 1))])
    rows = {f.date: f for f in evaluate(five, h, parties=["US"]).where(limit="phase_in")}
    assert rows[D(2021, 1, 1)].status == "not_binding"  # before the first step
    assert (rows[D(2025, 1, 1)].cap, rows[D(2025, 1, 1)].status) == (800, "within")
    assert (rows[D(2031, 1, 1)].cap, rows[D(2031, 1, 1)].status) == (500, "exceeds")
    assert rows[D(2031, 1, 1)].trace["cap"] == {"rule": "dated", "value": 500, "from": "2030-01-01"}
    assert rows[D(2036, 1, 1)].status == "not_binding" and rows[D(2036, 1, 1)].cap is None  # null ends it
    assert [lim.id for lim in five.binding_limits(D(2036, 1, 1))] == ["allied_warheads", "no_tests"]


def test_show_and_diff_describe_each_kind(five, tmp_path):
    limits = {lim["id"]: lim for lim in describe(five)["limits"]}
    assert limits["phase_in"]["cap"] == "800 from 2022-01-01; 500 from 2030-01-01; ends 2035-01-01"
    assert limits["phase_in"]["cap_detail"]["values"][2] == {"from": "2035-01-01", "value": None}
    assert limits["allied_warheads"]["rule"]["parties"] == "US+UK+FR"
    assert limits["no_tests"]["rule"]["text"].startswith("ban")
    text = AGREEMENT.replace("2030-01-01: 500", "2030-01-01: 400").replace("    parties: [US, UK, FR]\n",
                                                                           "    parties: [US, UK]\n")
    other = load_agreement(str(write(tmp_path, text, "b.yaml")))
    changed = {(d.clause, d.field): (d.a, d.b) for d in diff(five, other) if d.changed}
    assert changed[("phase_in", "cap")] == ("800 from 2022-01-01; 500 from 2030-01-01; ends 2035-01-01",
                                           "800 from 2022-01-01; 400 from 2030-01-01; ends 2035-01-01")
    assert changed[("allied_warheads", "parties")] == ("US+UK+FR", "US+UK")


def test_report_to_frame_has_one_row_per_finding(five):
    h = Holdings([snap(p, D(2024, 1, 1), warheads=300, tests=0) for p in ("US", "UK", "FR")])
    r = evaluate(five, h)
    frame = r.to_frame()
    assert len(frame) == len(r.findings) and tuple(frame.columns) == FRAME_COLUMNS
    row = frame[frame["party"] == "US+UK+FR"].iloc[0]
    assert (row["value"], row["cap"], row["status"], row["kind"]) == (900, 1000, "within", "coalition")
    assert r.to_json()["findings"][0]["data_reliability"] == "official"


# ----------------------------------------------------------------------------- load errors


@pytest.mark.parametrize(
    "old, new, line, field, problem",
    [
        # coalition
        ("    parties: [US, UK, FR]\n", "    parties: [US, DE]\n", 17, "limits[0].parties", "'DE' is not a party"),
        ("    parties: [US, UK, FR]\n", "    parties: [US]\n", 17, "limits[0].parties", "at least 2 parties"),
        ("    parties: [US, UK, FR]\n", "", 14, "limits[0].parties", "is required"),
        ("    cap: 1000\n", "    cap: {level_on: soon}\n", 19, "limits[0].cap.level_on", "not an ISO date"),
        # ban
        ("    kind: ban\n", "    kind: ban\n    cap: 0\n", 24, "limits[1].cap", "a ban has no cap"),
        ("    kind: ban\n", "    kind: ban\n    parties: [US]\n", 24, "limits[1].parties", "unknown field"),
        # limit, dated values
        ("2030-01-01: 500", "2030-01-01: -5", 29, "limits[2].cap.values.2030-01-01", "must be >= 0"),
        ("{2022-01-01: 800", "{2022-01-01: null", 29, "limits[2].cap.values", "first dated value must be a number"),
        ("cap: {values: {2022-01-01: 800, 2030-01-01: 500, 2035-01-01: null}}", "cap: {values: {}, parameter: true}",
         29, "limits[2].cap.values", "must map dates"),
        ("cap: {values:", "cap: {level_on: 2022-01-01, values:", 29, "limits[2].cap", "exactly one of"),
        # any kind
        ("    kind: ban\n", "    kind: quota\n", 23, "limits[1].kind", "unknown kind 'quota'"),
    ],
)
def test_each_kinds_errors_name_file_line_field(tmp_path, old, new, line, field, problem):
    assert old in AGREEMENT
    p = write(tmp_path, AGREEMENT.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load_agreement(str(p))
    err = info.value
    assert (err.file, err.line, err.field) == (str(p), line, field), err.one_line()
    assert problem in err.problem, err.one_line()


def test_a_freeze_level_on_a_bad_date(tmp_path):
    text = AGREEMENT + ("freezes:\n"
                        "  - {id: f, title: F, categories: [warheads], cap: {level_on: 2021-02-30}, source: doc}\n")
    with pytest.raises(InputError) as info:
        load_agreement(str(write(tmp_path, text)))
    assert info.value.line == 34 and "day is out of range" in info.value.problem


def test_a_freeze_without_a_cap(tmp_path):
    text = AGREEMENT + "freezes:\n  - {id: f, title: F, categories: [warheads], source: doc}\n"
    with pytest.raises(InputError) as info:
        load_agreement(str(write(tmp_path, text)))
    assert (info.value.line, info.value.field) == (34, "freezes[0].cap") and "is required" in info.value.problem


# ----------------------------------------------------------------------------- invariants

counts = st.integers(min_value=0, max_value=5000)


@settings(max_examples=60, deadline=None)
@given(us=counts, uk=counts, fr=counts, tests=st.lists(counts, min_size=3, max_size=3))
def test_invariants(tmp_path_factory, us, uk, fr, tests):
    five = _five(tmp_path_factory)
    values = {"US": us, "UK": uk, "FR": fr}
    h = Holdings([snap(p, D(2024, 1, 1), warheads=v, tests=t) for (p, v), t in zip(values.items(), tests,
                                                                                   strict=True)])
    r = evaluate(five, h, at=D(2024, 1, 1))
    for f in r.findings:
        # headroom = cap - value, whenever both are known
        assert f.headroom == (f.cap - f.value if f.cap is not None and f.value is not None else None)
        assert f.status == ("exceeds" if f.value > f.cap else "within")
    # a ban is exceeded exactly when the value is above 0
    for f in r.where(limit="no_tests"):
        assert (f.status == "exceeds") == (f.value > 0)
    # the coalition's value is the sum of its members'
    coalition = r.where(limit="allied_warheads")[0]
    assert coalition.value == us + uk + fr == sum(m["value"] for m in coalition.trace["members"])


_CACHE: dict[str, object] = {}


def _five(factory):
    if "five" not in _CACHE:
        _CACHE["five"] = load_agreement(str(write(factory.mktemp("five"), AGREEMENT)))
    return _CACHE["five"]


# ----------------------------------------------------------------------------- a new kind


def test_a_new_kind_is_one_class_that_the_loader_and_engine_use(tmp_path):
    """What a module in compliance/rules/ would hold: parse, evaluate (via PartyRule), describe."""
    @dataclass(frozen=True)
    class Half(PartyRule):
        """At most half of a number given as ``of:``."""

        kind: ClassVar[str] = "half"
        keys: ClassVar[frozenset[str]] = frozenset({"of"})
        of: int = 0
        cap: Cap = field(default_factory=Cap)

        @classmethod
        def parse(cls, clause):
            clause.check_keys(cls.keys)
            of = clause.data.get("of")
            if not isinstance(of, int):
                raise clause.error("of", "must be an integer")
            return cls(of, Cap(value=of // 2))

        def cap_for(self, limit, ctx, party, day):
            return CapTrace("half", self.of // 2)

        def describe(self):
            return Description(f"half of {self.of}", (("of", str(self.of)),), {"of": self.of})

    text = AGREEMENT.replace("    kind: ban\n", "    kind: half\n    of: 3\n", 1)
    p = write(tmp_path, text)
    with pytest.raises(InputError, match="unknown kind 'half'"):
        load_agreement(str(p))
    a = core_load(str(p), kinds=REGISTRY.with_rules(Half))
    h = Holdings([snap("US", D(2024, 1, 1), tests=2)])
    f = evaluate(a, h, at=D(2024, 1, 1)).where(party="US", limit="no_tests")[0]
    assert (f.kind, f.cap, f.status, f.trace["clause"]["rule"]) == ("half", 1, "exceeds", "half of 3")
    bad = write(tmp_path, text.replace("of: 3", "of: many"), "bad.yaml")
    with pytest.raises(InputError) as info:
        core_load(str(bad), kinds=REGISTRY.with_rules(Half))
    assert (info.value.line, info.value.field) == (24, "limits[1].of")


def test_a_parameter_cap_with_a_dated_default(tmp_path):
    text = AGREEMENT.replace("cap: {values: {2022-01-01: 800, 2030-01-01: 500, 2035-01-01: null}}",
                             "cap: {values: {2022-01-01: 800, 2030-01-01: 500}, parameter: true}")
    a = load_agreement(str(write(tmp_path, text)))
    h = Holdings([snap("US", D(2031, 1, 1), warheads=600)])
    assert evaluate(a, h, parties=["US"]).where(limit="phase_in")[0].cap == 500  # the dated default
    f = evaluate(a, h, parties=["US"], caps={"phase_in": 650}).where(limit="phase_in")[0]
    assert (f.cap, f.status) == (650, "within")
    assert a.limit("phase_in").cap.describe() == "800 from 2022-01-01; 500 from 2030-01-01 (parameter)"


@pytest.mark.parametrize(
    ("caps", "problem"),
    [
        # a coalition has one cap, set by its label: a member's code used to be ignored silently
        ({"allied_warheads": {"US": 2000}}, "allied_warheads has no cap for 'US' (set it for: US+UK+FR)"),
        ({"phase_in": {"XX": 2000}}, "phase_in has no cap for 'XX' (set it for: US, UK, FR)"),
        ({"nope": 3}, "unknown limit 'nope'"),
    ],
)
def test_a_cap_set_for_nobody_is_an_error_not_ignored(five, caps, problem):
    h = Holdings([snap(p, D(2024, 1, 1), warheads=400) for p in ("US", "UK", "FR")])
    with pytest.raises(InputError) as info:
        evaluate(five, h, at=D(2024, 1, 1), caps=caps)
    assert problem in info.value.problem and info.value.field == "caps"


def test_a_freeze_on_an_estimated_baseline_is_only_as_reliable_as_the_estimate(tmp_path):
    """Official data against a cap read from an estimate: the finding's data are an estimate."""
    text = AGREEMENT + ("freezes:\n"
                        "  - {id: f, title: F, categories: [warheads], cap: {level_on: 2021-01-01}, source: doc}\n")
    ag = load_agreement(str(write(tmp_path, text)))
    holdings = Holdings([snap("FR", D(2021, 1, 1), warheads=290),  # FR figures are estimates
                         Snapshot("FR", D(2022, 1, 1), {"warheads": Count(280, Source("gov", reliability="official"))},
                                  origin="FR data")])
    (f,) = evaluate(ag, holdings, parties=["FR"], at=D(2022, 6, 1)).where(limit="f")
    assert (f.value, f.cap, f.status) == (280, 290, "within")
    assert f.trace["parts"][0]["source"]["reliability"] == "official"
    assert f.data_reliability == "estimate"
