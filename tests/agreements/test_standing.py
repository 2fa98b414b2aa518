"""Where an agreement stands on a date: what lapsed and when, the 2025 offer that never took
effect, the 2023 suspension, and proposals that were never in force.

Facts from shared/reference/newstart-facts.md §6 and after-newstart.md: New START (as extended)
expired on 5 February 2026; Russia's offer of 22 September 2025 drew no US response (Kremlin,
5 February 2026); Russia "suspended" the treaty on 21 February 2023 and the US answered with
countermeasures from 1 June 2023.
"""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.app import agreements
from accord.app.library import load_agreement, load_all
from accord.cli import app

D = dt.date
EXPIRY = D(2026, 2, 5)


def test_new_start_expired_on_5_february_2026_and_says_so():
    a = load_agreement("newstart-2021")
    before, after = a.standing(D(2026, 2, 4)), a.standing(D(2026, 12, 2))
    assert before.in_force and before.state == "suspended"  # still in force, Russia's part suspended
    assert after.state == "expired" and not after.in_force
    assert "expired on 2026-02-05" in after.text and "2026-02-04" in after.text  # the last day in force
    assert after.sources and after.sources[0].url  # the extension agreement that set the date


def test_the_original_treaty_says_it_lapsed_in_2021():
    a = load_agreement("newstart")
    assert a.standing(D(2021, 2, 6)).state == "expired" and "term ended on 2021-02-05" in a.standing(D(2021, 2, 6)).text
    assert a.standing(D(2010, 4, 8)).state == "not_yet" and "2011-02-05" in a.standing(D(2010, 4, 8)).text


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31)))
def test_the_2025_offer_is_never_in_force(day):
    a = load_agreement("ru-2025-voluntary")
    s = a.standing(day)
    assert not a.in_force(day) and not s.in_force and a.binding_limits(day) == ()
    assert s.state == "never_took_effect"


def test_the_2025_offer_names_its_unmet_condition_and_source():
    s = load_agreement("ru-2025-voluntary").standing(D(2026, 12, 2))
    assert "never took effect" in s.text and "us_reciprocity" in s.text and "remains unanswered" in s.text
    assert any(src.url == "https://tass.com/politics/2082235" for src in s.sources)


@given(st.dates(min_value=EXPIRY, max_value=D(2040, 12, 31)))
def test_after_expiry_no_bundled_agreement_is_in_force(day):
    # proposals are evaluated as if adopted, but none of them is in force (issue 10 §1)
    assert [a.id for a in load_all() if a.standing(day).in_force] == []


def test_proposals_are_proposals_on_every_date():
    for aid in ("us-2026-all-warheads", "ru-2026-coalition", "freeze-all-warheads", "newstart-bridge-2026"):
        s = load_agreement(aid).standing(D(2026, 6, 1))
        assert s.state == "proposal" and "never in force" in s.text, aid
    bridge = load_agreement("newstart-bridge-2026").standing(D(2026, 6, 1))
    assert "Unconfirmed" in bridge.text  # no primary source was found for the reported bridge


def test_show_newstart_on_1_june_2023_says_what_was_suspended():
    view = agreements.show("newstart-2021", D(2023, 6, 1))
    doc = view.to_json()
    assert doc["in_force"] is True and doc["standing"]["state"] == "suspended"
    by_party = {s["party"]: s for s in doc["standing"]["suspensions"]}
    assert by_party["RU"]["from"] == "2023-02-21"
    assert set(by_party["RU"]["stopped"]) == {"data_exchanges", "notifications", "inspections"}
    assert "quantitative limits" in by_party["RU"]["kept"]
    assert by_party["US"]["from"] == "2023-06-01"  # the US countermeasures began that day
    assert "since 2023-02-21 RU performs no data exchanges, notifications or inspections" in view.footer()
    # the limits still bound: a suspension is not a withdrawal
    assert all(lim["binds"] for lim in doc["limits"])


def test_before_the_suspension_nothing_is_suspended():
    s = load_agreement("newstart-2021").standing(D(2023, 2, 20))
    assert s.state == "in_force" and s.suspensions == ()


def test_cli_show_after_expiry_text_and_json():
    runner = CliRunner()
    r = runner.invoke(app, ["show", "newstart-2021", "--at", "2026-12-02"])
    assert r.exit_code == 0 and "expired on 2026-02-05" in r.output
    r = runner.invoke(app, ["show", "ru-2025-voluntary", "--at", "2026-12-02", "--format", "json"])
    doc = json.loads(r.output)
    assert r.exit_code == 0 and doc["in_force"] is False
    assert doc["standing"]["state"] == "never_took_effect"
    assert not any(lim["binds"] for lim in doc["limits"])
    outcome = next(c["outcome"] for c in doc["conditions"] if c["id"] == "us_reciprocity")
    assert outcome["status"] == "not_met" and outcome["date"] == "2026-02-05"


def test_cli_show_suspension_in_the_table():
    r = CliRunner().invoke(app, ["show", "newstart-2021", "--at", "2023-06-01"])
    assert r.exit_code == 0 and "suspended in part" in r.output and "2023-02-21" in r.output


def test_a_proposal_says_what_would_bind_if_adopted():
    doc = agreements.show("us-2026-all-warheads", D(2026, 6, 1)).to_json()
    assert doc["in_force"] is False and doc["standing"]["state"] == "proposal"
    lim = doc["limits"][0]
    assert lim["binds"] is False and lim["binds_if_adopted"] is True
    assert lim["cap_detail"]["parameter"] is True and lim["cap_detail"]["range"] == {"low": 600, "high": 4309}
