"""Escalations that live, through the real entry point: a fortnight replayed with TRIAGE_NOW
(save, acknowledge late, miss an update, stall, re-score up and down, de-escalate, resolve,
check in), compared with what the method says; refusals are one line, exit 2, and change
nothing; files of the released formats open with the events their records imply."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from triage_tui.cli import main
from triage_tui.domain.escalation import Status
from triage_tui.storage import HistoryStore

DATA = Path(__file__).parent / "data"


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def at(self, when: str) -> Cli:
        self.monkeypatch.setenv("TRIAGE_NOW", when)
        return self

    def run(self, *argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's one line
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *argv: str) -> str:
        code, out, err = self.run(*argv)
        assert code == 0, err
        return out

    def json(self, *argv: str):
        return json.loads(self.ok(*argv, "--json"))

    def refused(self, *argv: str, needle: str) -> str:
        code, out, err = self.run(*argv)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("triage: error: "), err
        assert needle in lines[0], lines[0]
        return lines[0]

    def due(self) -> list[tuple[int, str, str, bool]]:
        return [(d["id"], d["kind"], d["due"], d["overdue"]) for d in self.json("due")]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


def save(cli: Cli, account: str, scores: str, type_: str, *extra: str) -> int:
    impact, value, time, capability = scores.split()
    data = cli.json("assess", "--account", account, "--impact", impact, "--value", value,
                    "--time", time, "--capability", capability, "--type", type_, "--save", *extra)
    return int(data["id"])


def test_a_fortnight_of_one_escalation(cli: Cli, db_file: Path) -> None:
    # Monday 5 January 2026, 09:00 UTC. Product defect, 12/20: escalate for support.
    # Clocks (PRODUCT.md): acknowledgement 4 h; customer update every 3 business days;
    # stalled after 5 business days without progress; check-in 48 h after resolution.
    cli.at("2026-01-05T09:00:00+00:00")
    esc = save(cli, "Acme", "3 3 3 3", "product-defect")
    mine = save(cli, "Beta", "1 1 1 1", "relationship-risk")  # handle it yourself
    shown = cli.json("show", str(esc))
    assert shown["status"] == "escalated" and shown["ack_due"] == "2026-01-05T13:00:00+00:00"
    assert shown["next_update_due"] == "2026-01-08" and shown["trend"] is None
    assert shown["events"] == [{"at": "2026-01-05T09:00:00+00:00", "kind": "created", "text": ""}]
    assert cli.json("show", str(mine))["status"] == "open"

    cli.at("2026-01-05T12:00:00+00:00")
    assert cli.due() == []
    assert cli.run("due", "--exit-code")[0] == 0

    # 15:00: the acknowledgement is two hours late.
    cli.at("2026-01-05T15:00:00+00:00")
    assert cli.due() == [(esc, "ack-overdue", "2026-01-05T13:00:00+00:00", True)]
    code, out, _ = cli.run("due", "--exit-code")
    assert code == 1 and "acknowledgement overdue" in out and f"triage ack {esc}" in out
    cli.refused("ack", str(mine), needle="handled by the CSM")
    cli.refused("ack", "99", needle="#99")
    out = cli.ok("ack", str(esc), "--note", "Engineering on it")
    assert "acknowledged after 6 h" in out
    cli.refused("ack", str(esc), needle="already acknowledged")
    shown = cli.json("show", str(esc))
    assert shown["status"] == "acknowledged" and shown["ack_due"] is None

    # Thursday: the update is due today; Beta is past the two-business-day rule.
    cli.at("2026-01-08T10:00:00+00:00")
    assert cli.due() == [(mine, "escalating-late", "2026-01-08", True),
                         (esc, "update-due", "2026-01-08", False)]
    # Friday: the update was missed.
    cli.at("2026-01-09T10:00:00+00:00")
    assert (esc, "update-overdue", "2026-01-08", True) in cli.due()
    assert cli.run("due", "--exit-code")[0] == 1

    # Tuesday 13th: no progress since Monday's acknowledgement for 5 business days: stalled.
    cli.at("2026-01-13T10:00:00+00:00")
    assert [d for d in cli.due() if d[0] == esc] == [
        (esc, "update-overdue", "2026-01-08", True), (esc, "stalled", "2026-01-12", True)]
    assert cli.json("show", str(esc))["stalled"] is True
    cli.refused("update", str(esc), "--text", "x", "--next", "2026-01-01", needle="in the past")
    cli.refused("update", str(esc), "--text", "x", "--next", "2026-02-30", needle="--next")
    before = db_file.read_bytes()
    cli.refused("update", str(esc), needle="--text")
    assert db_file.read_bytes() == before  # refusals change nothing

    draft = cli.ok("update", str(esc), "--draft")
    assert draft.startswith("Hi Acme team,") and "has picked it up" in draft
    assert db_file.read_bytes() == before  # a draft logs nothing
    cli.at("2026-01-13T10:30:00+00:00")
    cli.ok("update", str(esc), "--text", "Sorry for the silence: fix in test",
           "--next", "2026-01-15")
    shown = cli.json("show", str(esc))
    assert shown["stalled"] is False and shown["next_update_due"] == "2026-01-15"
    assert [d for d in cli.due() if d[0] == esc] == []

    # Re-score up (urgency: a new route must acknowledge), then down a band.
    cli.at("2026-01-13T11:00:00+00:00")
    up = cli.json("rescore", str(esc), "--reason", "Outage spreads", "--impact", "5",
                  "--time", "5")
    assert (up["total"], up["decision"], up["status"], up["trend"]) == (
        16, "escalate-with-urgency", "escalated", "worsening")
    assert up["ack_due"] == "2026-01-13T15:00:00+00:00"
    cli.at("2026-01-13T12:00:00+00:00")
    out = cli.ok("rescore", str(esc), "--reason", "Contained", "--impact", "3", "--time", "3")
    assert "16/20 → 12/20" in out and "moved down a band" in out
    down = cli.json("show", str(esc))
    assert (down["total"], down["status"], down["trend"]) == (12, "escalated", "improving")
    assert "previously 16/20, escalate with urgency, on 2026-01-13" in cli.ok("show", str(esc))
    cli.refused("deescalate", str(mine), "--reason", "x", needle="never escalated")

    cli.at("2026-01-13T13:00:00+00:00")
    cli.ok("deescalate", str(esc), "--reason", "Workaround holds; I take it from here")
    assert cli.json("show", str(esc))["status"] == "de-escalated"
    cli.refused("deescalate", str(esc), "--reason", "again", needle="already de-escalated")

    # Wednesday 14th: resolved; check-in due 48 h later, overdue after.
    cli.at("2026-01-14T09:00:00+00:00")
    cli.ok("resolve", str(esc), "--satisfaction", "4", "--note", "Patched")
    assert cli.due() == [(mine, "escalating-late", "2026-01-08", True),
                         (esc, "checkin-due", "2026-01-16T09:00:00+00:00", False)]
    cli.refused("checkin", str(mine), needle="not resolved yet")
    cli.at("2026-01-17T10:00:00+00:00")
    assert (esc, "checkin-overdue", "2026-01-16T09:00:00+00:00", True) in cli.due()
    cli.ok("checkin", str(esc), "--note", "Happy again")
    assert [d[0] for d in cli.due()] == [mine]
    shown = cli.json("show", str(esc))
    assert shown["status"] == "closed" and shown["satisfaction"] == 4

    timeline = cli.json("timeline", str(esc))
    assert [(e["at"][:16], e["kind"]) for e in timeline] == [
        ("2026-01-05T09:00", "created"), ("2026-01-05T15:00", "acknowledged"),
        ("2026-01-13T10:30", "update"), ("2026-01-13T11:00", "rescored"),
        ("2026-01-13T12:00", "rescored"), ("2026-01-13T13:00", "de-escalated"),
        ("2026-01-14T09:00", "resolved"), ("2026-01-17T10:00", "checked-in")]
    assert timeline[6]["data"] == {"satisfaction": 4} and timeline[6]["text"] == "Patched"
    assert [e["kind"] for e in shown["events"]] == [e["kind"] for e in timeline]
    text = cli.ok("timeline", str(esc))
    assert "12/20 escalate for support → 16/20 escalate with urgency · Outage spreads" in text

    stats = cli.json("stats", "--all")
    assert stats["assessments"] == 2  # two re-scores never count as more escalations
    life = stats["lifecycle"]
    assert life["escalations"] == 1
    [ack] = [r for r in life["ack_by_route"] if r["acknowledged"]]
    assert (ack["issue_type"], ack["median_hours"], ack["late"]) == ("product-defect", 6.0, 1)
    assert (life["updates"], life["updates_on_time"], life["updates_on_time_pct"]) == (1, 0, 0.0)
    assert (life["stalled"], life["stall_rate_pct"]) == (1, 100.0)
    assert (life["de_escalations"], life["rescores_up"], life["rescores_down"]) == (1, 1, 1)
    assert life["median_days_to_resolve"] == 9.0 and life["satisfaction_average"] == 4
    out = cli.ok("stats", "--all")
    assert "stall rate: 100.0 %" in out and "re-scores: 1 up, 1 down" in out


def test_due_text_and_history_status(cli: Cli) -> None:
    cli.at("2026-01-05T09:00:00+00:00")
    assert cli.ok("due") == "nothing due: every escalation is on time\n"
    esc = save(cli, "Acme\x1b[31m", "4 4 4 3", "service-failure")
    cli.at("2026-01-05T14:00:00+00:00")
    out = cli.ok("due")
    assert "\x1b" not in out and "late by 1 h" in out and f"triage ack {esc}" in out
    assert "escalated · ack-overdue" in cli.ok("history")
    assert [a["status"] for a in cli.json("history")] == ["escalated"]


def test_triage_now_must_be_a_date_time(cli: Cli) -> None:
    cli.at("next tuesday")
    cli.refused("due", needle="TRIAGE_NOW")


def test_assess_save_starts_the_clock_at_triage_now(cli: Cli) -> None:
    cli.at("2026-03-02T08:00:00+01:00")
    saved = cli.json("assess", "--account", "Acme", "--impact", "5", "--value", "5", "--time",
                     "5", "--capability", "4", "--type", "executive-intervention", "--save")
    assert saved["status"] == "escalated" and [e["kind"] for e in saved["events"]] == ["created"]
    esc = saved["id"]
    shown = cli.json("show", str(esc))
    assert shown["created_at"] == "2026-03-02T07:00:00+00:00"
    assert shown["status"] == "escalated"
    assert shown["ack_due"] == "2026-03-02T15:00:00+00:00"  # 8 h, same working day
    assert shown["next_update_due"] == "2026-03-03"  # immediately: 1 business day


# ----------------------------------------------------------------------------- migration


@pytest.mark.parametrize("name", ["released-v2.json", "main-v3.json"])
def test_a_file_of_an_earlier_release_opens_with_every_record_and_its_events(
        cli: Cli, db_file: Path, name: str) -> None:
    """tests/data/released-v2.json was written by the release (64db76a, schema 2) through
    its CLI: five assessments, #1 resolved and checked in, #4 resolved, #3 (handled)
    resolved. main-v3.json: the same after main (schema 3) saved #6 and checked in #4."""
    shutil.copy(DATA / name, db_file)
    original = json.loads((DATA / name).read_text())["_default"]
    cli.at("2026-12-10T12:00:00+00:00")
    listed = cli.json("history")
    assert sorted(a["id"] for a in listed) == sorted(int(k) for k in original)
    for a in listed:  # nothing lost: the verdict and the lifecycle as they were
        old = original[str(a["id"])]
        for key in ("account", "total", "decision", "situation", "ask", "satisfaction",
                    "resolution_note"):
            assert a[key] == old.get(key, a[key]), key
    kinds = {a["id"]: [e["kind"] for e in cli.json("timeline", str(a["id"]))] for a in listed}
    status = {a["id"]: a["status"] for a in listed}
    assert kinds[1] == ["created", "resolved", "checked-in"] and status[1] == "closed"
    assert kinds[2] == ["created"] and status[2] == "escalated"
    assert kinds[3] == ["created", "resolved"] and status[3] == "resolved"
    assert status[5] == "escalated"  # raised by the manager-surprise test
    if name == "main-v3.json":
        assert kinds[4] == ["created", "resolved", "checked-in"] and status[4] == "closed"
        assert status[6] == "escalated"
    else:
        assert kinds[4] == ["created", "resolved"] and status[4] == "resolved"
    resolved = cli.json("timeline", "1")[1]
    assert resolved["data"]["satisfaction"] == 4 and resolved["text"] == "Patched"
    assert resolved["at"] == original["1"]["resolved_at"].replace("Z", "+00:00") or \
        resolved["at"][:19] == original["1"]["resolved_at"][:19]
    # The next change writes schema 4 and keeps every record.
    cli.ok("note", "2", "--text", "migrated")
    store = HistoryStore(db_file)
    assert store.count() == len(original)
    assert json.loads(db_file.read_text().partition("\n")[0][len('{"_meta": {"1": '):-2])[
        "schema"] == 4
    assert store.escalation(1).status is Status.CLOSED
    # skipped: the closed ones and #3 (resolved, never escalated: nothing can fall due)
    watched = [2, 4, 5] if name == "released-v2.json" else [2, 5, 6]
    assert [e.id for e in store.escalations(include_closed=False)] == watched


def test_a_schema_1_record_migrates_to_an_escalation(cli: Cli, db_file: Path) -> None:
    doc = {"schema_version": 1, "account": "Initech", "impact": 4, "value": 3, "time": 5,
           "capability": 3, "type": "service-failure", "total": 15,
           "decision": "escalate-with-urgency", "route": "CS leadership + support leadership",
           "warnings": ["no-deadline"], "situation": "Outage", "ask": "", "by": None,
           "comms": "", "signals": [], "manager_surprised": False,
           "open_since": "2025-02-03", "created": "2025-02-05T09:30:00+00:00"}
    db_file.write_text(json.dumps({"_default": {"1": doc}}))
    cli.at("2025-02-05T12:00:00+00:00")
    shown = cli.json("show", "1")
    assert shown["status"] == "escalated" and shown["total"] == 15
    assert shown["events"] == [{"at": "2025-02-05T09:30:00+00:00", "kind": "created", "text": ""}]


def test_the_escalation_commands_exist_in_a_subprocess(db_file: Path, tmp_path: Path) -> None:
    env_now = {"TRIAGE_NOW": "2026-01-05T09:00:00+00:00"}
    import os

    env = {**os.environ, **env_now}
    run = lambda *a: subprocess.run([sys.executable, "-m", "triage_tui", *a],  # noqa: E731
                                    capture_output=True, text=True, env=env)
    assert run("assess", "--account", "Acme", "--impact", "4", "--value", "4", "--time", "4",
               "--capability", "3", "--type", "service-failure", "--save").returncode == 0
    env["TRIAGE_NOW"] = "2026-01-06T09:00:00+00:00"
    done = run("due", "--exit-code")
    assert done.returncode == 1 and "acknowledgement overdue" in done.stdout
    bad = run("note", "1")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
