"""Issue 12 through the real entry point: routes by band, decision words, the wording the
CLI prints (capitals, plurals), one review period, and the demo history saying so."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from triage_tui.cli import main
from triage_tui.domain.engine import assess
from triage_tui.domain.models import Draft, Scores
from triage_tui.domain.rubric import REVIEW_PERIOD_DAYS
from triage_tui.storage import HistoryStore

NOW = datetime.now(timezone.utc)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assess_args(scores: str, type_: str, *extra: str) -> list[str]:
    impact, value, time, capability = scores.split()
    return ["assess", "--account", "Acme", "--impact", impact, "--value", value, "--time", time,
            "--capability", capability, "--type", type_, *extra]


@pytest.mark.parametrize(
    ("scores", "type_", "to", "teams"),
    [
        ("3 3 3 3", "product-defect", "Engineering via support platform", ["Engineering"]),
        ("4 4 3 3", "product-defect", "CS leadership and Engineering via support platform",
         ["CS leadership", "Engineering"]),
        ("5 5 5 5", "product-defect",
         "CS leadership, the CRO (if needed) and Engineering via support platform, same day",
         ["CS leadership", "CRO", "Engineering"]),
        ("5 5 4 4", "relationship-risk", "CS leadership and the CRO (if needed), same day",
         ["CS leadership", "CRO"]),
        ("5 5 4 4", "executive-intervention",
         "The CRO or CEO office (via CS leadership), same day",
         ["CS leadership", "CRO or CEO office"]),
        ("4 4 4 4", "commercial-dispute", "CS leadership and finance",
         ["CS leadership", "Finance"]),
    ],
)
def test_route_json_by_band(capsys, scores, type_, to, teams) -> None:
    code, out, err = run(capsys, *assess_args(scores, type_, "--json"))
    assert code == 0, err
    route = json.loads(out)["route"]
    assert route["to"] == to and route["teams"] == teams
    assert route["when"][0] == "W"  # the seed's text, capitalised as written


def test_manager_surprise_raise_routes_like_the_raised_band(capsys) -> None:
    code, out, _ = run(capsys, *assess_args("2 2 2 1", "cross-functional", "--manager-surprised",
                                            "--json"))
    data = json.loads(out)
    assert data["decision"] == "escalate-for-support"
    assert data["route"] == {
        "to": "The relevant team leads",
        "when": "When the resolution requires coordinated action across teams the CSM does "
        "not control",
        "teams": ["Relevant team leads"],
    }
    message = {w["code"]: w["message"] for w in data["warnings"]}["manager-surprise"]
    assert "raised from “handle it yourself” (score 7) to “escalate for support”" in message


def test_suggested_deadline_is_separate_and_no_deadline_still_warns(capsys) -> None:
    code, out, _ = run(capsys, *assess_args("3 3 3 3", "feature-gap", "--json"))
    data = json.loads(out)
    assert data["by"] is None and data["suggested_by"]
    assert "no-deadline" in {w["code"] for w in data["warnings"]}


def test_readable_route_keeps_its_capitals(capsys) -> None:
    code, out, _ = run(capsys, *assess_args("5 5 5 5", "product-defect"))
    assert code == 0
    assert ("  route to: CS leadership, the CRO (if needed) and Engineering via support "
            "platform, same day (when the issue cannot be resolved through standard support "
            "channels within SLA)\n") in out
    assert "within sla" not in out


def test_account_value_reason_reads_well(capsys) -> None:
    args = ["assess", "--account", "x", "--impact", "1", "--time", "1", "--capability", "1",
            "--type", "product-defect", "--arr", "5000", "--strategic", "none", "--json"]
    code, out, _ = run(capsys, *args)
    assert json.loads(out)["rationale"]["account_value"] == "EUR 5,000 ARR, not strategic (suggested 1)"


# ----------------------------------------------------------------------------- history words


def _save(capsys, scores: str, account: str) -> None:
    impact, value, time, capability = scores.split()
    code, _, err = run(capsys, "assess", "--account", account, "--impact", impact, "--value",
                       value, "--time", time, "--capability", capability, "--type",
                       "product-defect", "--save")
    assert code == 0, err


@pytest.mark.parametrize(
    ("word", "accounts"),
    [("immediately", ["Fire"]), ("escalate-immediately", ["Fire"]), ("urgency", ["Hot"]),
     ("with urgency", ["Hot"]), ("support", ["Warm"]), ("for-support", ["Warm"]),
     ("yourself", ["Calm"]), ("handle yourself", ["Calm"]), ("Escalate immediately", ["Fire"])],
)
def test_history_decision_takes_the_word_the_table_prints(capsys, word, accounts) -> None:
    for scores, account in (("1 1 1 1", "Calm"), ("3 3 3 3", "Warm"), ("4 4 3 3", "Hot"),
                            ("5 5 5 5", "Fire")):
        _save(capsys, scores, account)
    code, out, err = run(capsys, "history", "--decision", word, "--json")
    assert code == 0, err
    assert [a["account"] for a in json.loads(out)] == accounts
    code, out, _ = run(capsys, "history", "--decision", word)
    assert code == 0 and "1 of 4" in out


@pytest.mark.parametrize(("word", "needle"), [("escalate", "could mean"), ("panic", "unknown")])
def test_history_decision_ambiguous_or_unknown_is_one_line_exit_2(capsys, word, needle) -> None:
    code, out, err = run(capsys, "history", "--decision", word)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--decision" in lines[0] and needle in lines[0]


# ----------------------------------------------------------------------------- plurals, period


def test_plurals_in_stats_recover_and_demo(capsys, db_file: Path, tmp_path: Path) -> None:
    _save(capsys, "3 3 3 3", "Solo")
    code, out, _ = run(capsys, "stats")
    assert code == 0
    first = out.splitlines()[0]
    assert "1 assessment," in first and "1 escalation," in first
    assert "escalations" not in first and "assessments" not in first
    assert "(1 escalation with an open date)" not in out  # no open date: that line says so
    code, out, _ = run(capsys, "recover")
    assert "(1 assessment)" in out
    code, out, _ = run(capsys, "demo", "--db", str(tmp_path / "d.json"), "--count", "1")
    assert code == 0 and "wrote 1 demo assessment to" in out


def test_stats_and_the_review_screen_share_one_default_period(capsys, db_file: Path) -> None:
    from triage_tui.tui.screens.review import DEFAULT_PERIOD, PERIODS

    assert REVIEW_PERIOD_DAYS == 30  # the seed's "review monthly"
    assert next(days for key, _, days in PERIODS if key == DEFAULT_PERIOD) == REVIEW_PERIOD_DAYS
    assert PERIODS[0][0] == DEFAULT_PERIOD  # the screen's tabs start on their first
    store = HistoryStore(db_file)
    old = NOW - timedelta(days=REVIEW_PERIOD_DAYS + 10)
    store.add(assess(Draft(account="Old", scores=Scores(customer_impact=5)), now=old))
    _save(capsys, "3 3 3 3", "New")
    code, out, _ = run(capsys, "stats", "--json")
    data = json.loads(out)
    assert data["period_days"] == REVIEW_PERIOD_DAYS and data["assessments"] == 1
    code, out, _ = run(capsys, "stats", "--all", "--json")
    assert json.loads(out)["assessments"] == 2 and json.loads(out)["period_days"] is None
    code, out, _ = run(capsys, "stats")
    assert out.startswith("The monthly review (last 30 days): 1 assessment,")
    code, _, err = run(capsys, "stats", "--all", "--days", "5")
    assert code == 2 and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- demo


@pytest.mark.parametrize("command", [["history"], ["stats", "--json"], ["followups", "--json"]])
def test_demo_flag_says_it_is_the_demo_history(capsys, command) -> None:
    code, out, err = run(capsys, "--demo", *command)
    assert code == 0
    assert "demo history" in err and len(err.strip().splitlines()) == 1
    if "--json" in command:
        json.loads(out)  # stdout stays clean JSON


def test_without_demo_nothing_is_said(capsys, db_file: Path) -> None:
    code, _, err = run(capsys, "history")
    assert code == 0 and err == ""


def test_demo_tui_subtitle(monkeypatch) -> None:
    import triage_tui.tui.app as app_module

    seen = {}

    class Fake:
        sub_title = "escalation triage"

        def run(self) -> None:
            seen["sub_title"] = self.sub_title

    monkeypatch.setattr(app_module, "make_app", lambda **kw: Fake())
    assert main(["--demo"]) == 0
    assert "demo history" in seen["sub_title"]
