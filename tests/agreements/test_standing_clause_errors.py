"""Bad ``conditions[].outcome``, ``suspensions`` and cap ``range`` clauses: one error naming the
file, line, field and problem; a good one loads and changes where the agreement stands."""

from __future__ import annotations

import datetime as dt

import pytest
from minimal_agreement import GOOD, error_of, write

from accord.app.library import load_agreement

OFFER = GOOD + """\
conditions:
  - id: reciprocity
    text: Only if the other side does the same.
    source: doc
    outcome:
      status: not_met
      date: 2021-06-01
      source: doc
      note: no answer came
"""

SUSPENDED = GOOD + """\
suspensions:
  - id: ru_stop
    party: RU
    from: 2024-01-01
    stopped: [data_exchanges, inspections]
    kept: within the limits
    text: RU stopped its part
    source: doc
"""


def test_an_unmet_condition_means_the_agreement_never_takes_effect(tmp_path):
    a = load_agreement(str(write(tmp_path, OFFER)))
    assert not a.in_force(dt.date(2025, 1, 1))
    s = a.standing(dt.date(2025, 1, 1))
    assert s.state == "never_took_effect" and "no answer came" in s.text


def test_a_met_condition_changes_nothing(tmp_path):
    a = load_agreement(str(write(tmp_path, OFFER.replace("status: not_met", "status: met"))))
    assert a.in_force(dt.date(2025, 1, 1)) and a.standing(dt.date(2025, 1, 1)).state == "in_force"


def test_a_suspension_loads_and_applies_only_in_its_period(tmp_path):
    a = load_agreement(str(write(tmp_path, SUSPENDED)))
    assert a.standing(dt.date(2023, 12, 31)).state == "in_force"
    s = a.standing(dt.date(2025, 1, 1))
    assert s.state == "suspended" and s.in_force and s.suspensions[0].party == "RU"
    assert "RU performs no data exchanges or inspections, while saying it keeps within the limits" in s.text


@pytest.mark.parametrize(
    "text, old, new, line, field, problem",
    [
        (OFFER, "status: not_met", "status: maybe", 22, "conditions[0].outcome.status", "unknown outcome 'maybe'"),
        (OFFER, "      date: 2021-06-01\n", "", 22, "conditions[0].outcome.date", "is required"),
        (OFFER, "      source: doc\n      note", "      note", 22, "conditions[0].outcome.source",
         "every clause needs a source"),
        (OFFER, "note: no answer came", "because: no answer came", 25, "conditions[0].outcome.because",
         "unknown field"),
        (OFFER, "    outcome:", "    result: 1\n    outcome:", 21, "conditions[0].result", "unknown field"),
        (SUSPENDED, "party: RU", "party: CN", 19, "suspensions[0].party", "'CN' is not a party"),
        (SUSPENDED, "from: 2024-01-01", "from: 2031-01-01", 20, "suspensions[0].from",
         "outside the agreement's period"),
        (SUSPENDED, "from: 2024-01-01", "from: 2024-01-01\n    until: 2023-01-01", 21, "suspensions[0].until",
         "is not after from"),
        (SUSPENDED, "from: 2024-01-01", "from: 2024-01-01\n    until: 2031-01-01", 21, "suspensions[0].until",
         "after the agreement ends"),
        (SUSPENDED, "stopped: [data_exchanges, inspections]", "stopped: [telemetry]", 21, "suspensions[0].stopped",
         "unknown value 'telemetry'"),
        (SUSPENDED, "stopped: [data_exchanges, inspections]", "stopped: []", 21, "suspensions[0].stopped",
         "needs at least one"),
        (SUSPENDED, "kept: within the limits", "kept: within the limits\n    reason: war", 23,
         "suspensions[0].reason", "unknown field"),
        (GOOD, "cap: 10,", "cap: {value: 10, range: {low: 5, high: 20}},", 14, "limits[0].cap.range",
         "add parameter: true"),
        (GOOD, "cap: 10,", "cap: {value: 10, parameter: true, range: {low: 20, high: 5}},", 14,
         "limits[0].cap.range.low", "low (20) is above high (5)"),
        (GOOD, "cap: 10,", "cap: {value: 10, parameter: true, range: [5, 20]},", 14, "limits[0].cap.range",
         "must be {low: N, high: N}"),
        (GOOD, "cap: 10,", "cap: {value: 10, parameter: true, range: {low: -1, high: 5}},", 14,
         "limits[0].cap.range.low", "must be >= 0"),
    ],
)
def test_bad_new_clauses_name_line_field_problem(tmp_path, text, old, new, line, field, problem):
    assert old in text
    p = write(tmp_path, text.replace(old, new, 1))
    err = error_of(p)
    assert err.file == str(p)
    assert (err.line, err.field) == (line, field), err.one_line()
    assert problem in err.problem, err.one_line()


def test_a_parameter_range_is_kept_and_described(tmp_path):
    p = write(tmp_path, GOOD.replace("cap: 10,", "cap: {value: 10, parameter: true, range: {low: 5, high: 2000}},"))
    cap = load_agreement(str(p)).limit("cap_things").cap
    assert cap.range == (5, 2000) and cap.to_json()["range"] == {"low": 5, "high": 2000}
    assert cap.describe() == "10 (parameter; range 5–2,000)"


def test_a_child_can_remove_its_bases_suspensions(tmp_path):
    write(tmp_path, SUSPENDED, "base.yaml")
    child = write(tmp_path, """\
        id: child
        extends: base.yaml
        title: After the base
        legal_form: proposal
        adopted: false
        source: {document: My note}
        dates:
          entry_into_force: {date: 2030-01-01, source: {document: My note}}
          expires: {date: 2031-01-01, source: {document: My note}}
        remove:
          suspensions: [ru_stop]
        """, "child.yaml")
    assert load_agreement(str(child)).suspensions == ()
