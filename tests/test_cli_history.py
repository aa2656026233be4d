"""The history commands through the real entry point: assess --save, history, show, export,
resolve, followups, checkin, stats, recover, demo — and bad input that changes nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from triage_tui.cli import main
from triage_tui.domain.engine import assess
from triage_tui.domain.models import Draft, Scores
from triage_tui.paths import data_dir
from triage_tui.storage import HistoryStore

NOW = datetime.now(timezone.utc)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def save(capsys: pytest.CaptureFixture[str], account: str, scores: str = "4 4 4 3",
         type_: str = "service-failure", *extra: str) -> int:
    impact, value, time, capability = scores.split()
    data = run_json(capsys, "assess", "--account", account, "--impact", impact, "--value", value,
                    "--time", time, "--capability", capability, "--type", type_, "--save",
                    "--json", *extra)
    assert isinstance(data, dict)
    return int(data["id"])


def one_error_line(err: str, *needles: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("triage: error: ")
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


# ----------------------------------------------------------------------------- save & browse


def test_assess_save_prints_the_id_and_the_record_round_trips(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    code, out, err = run(capsys, "assess", "--account", "Acme", "--impact", "4", "--value", "4",
                         "--time", "4", "--capability", "3", "--type", "service-failure",
                         "--ask", "An engineer", "--save")
    assert code == 0, err
    assert out.startswith("#1 Acme: 15/20")
    assert f"saved as #1 in {db_file}" in out
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
    shown = run_json(capsys, "show", "1", "--json")
    assert isinstance(shown, dict)
    assert shown["id"] == 1 and shown["account"] == "Acme" and shown["total"] == 15
    assert shown["scores"] == {"customer_impact": 4, "account_value": 4,
                               "time_sensitivity": 4, "csm_capability": 3}
    assert shown["decision"] == "escalate-with-urgency"
    assert shown["route"]["to"] == "CS leadership and support leadership"
    assert shown["route"]["teams"] == ["CS leadership", "Support leadership"]
    assert shown["status"] == "escalated" and shown["ask"] == "An engineer"


def test_history_json_is_newest_first_with_filters(capsys: pytest.CaptureFixture[str]) -> None:
    save(capsys, "Northwind", "1 1 1 1", "feature-gap")
    save(capsys, "Globex", "4 4 4 3")
    save(capsys, "northwind EU", "5 5 5 5", "executive-intervention")
    save(capsys, "Initech", "3 3 3 3", "product-defect")

    def ids(*argv: str) -> list[int]:
        data = run_json(capsys, "history", "--json", *argv)
        assert isinstance(data, list)
        return [item["id"] for item in data]

    assert ids() == [4, 3, 2, 1]
    assert ids("--limit", "2") == [4, 3]
    assert ids("--account", "NORTH") == [3, 1]
    assert ids("--decision", "handle-yourself") == [1]
    assert ids("--decision", "escalate-immediately", "--account", "north") == [3]
    assert ids("--account", "nobody") == []
    first = run_json(capsys, "history", "--json", "--limit", "1")
    assert isinstance(first, list)
    for key in ("id", "account", "scores", "total", "score_decision", "decision",
                "issue_type", "route", "warnings", "status", "created_at"):
        assert key in first[0]


def test_db_flag_works_before_and_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_file: Path
) -> None:
    other = tmp_path / "other.json"
    run(capsys, "--db", str(other), "assess", "--account", "A", "--impact", "1", "--value", "1",
        "--time", "1", "--capability", "1", "--type", "feature-gap", "--save")
    run(capsys, "assess", "--account", "B", "--impact", "1", "--value", "1", "--time", "1",
        "--capability", "1", "--type", "feature-gap", "--save", "--db", str(other))
    assert not db_file.exists()
    data = run_json(capsys, "history", "--json", "--db", str(other))
    assert isinstance(data, list) and [d["account"] for d in data] == ["B", "A"]
    data = run_json(capsys, "--db", str(other), "history", "--json")
    assert isinstance(data, list) and len(data) == 2


def test_readable_history_table(capsys: pytest.CaptureFixture[str], db_file: Path) -> None:
    save(capsys, "Acme\x1b[31m Corp", "4 4 4 3")
    save(capsys, "Beta", "1 1 1 1", "feature-gap")
    code, out, err = run(capsys, "history")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "DATE", "ACCOUNT", "SCORE", "DECISION", "TYPE", "STATUS"]
    assert lines[1].split()[0] == "2" and "Beta" in lines[1] and "4/20" in lines[1]
    assert "15/20" in lines[2] and "with urgency" in lines[2] and "escalated" in lines[2]
    assert "\x1b" not in out  # user text cannot drive the terminal
    assert str(db_file) in lines[-1]


def test_empty_or_missing_history(capsys: pytest.CaptureFixture[str], db_file: Path) -> None:
    code, out, _ = run(capsys, "history")
    assert code == 0 and "no assessments yet" in out
    assert run_json(capsys, "history", "--json") == []
    assert run_json(capsys, "followups", "--json") == []
    stats = run_json(capsys, "stats", "--json")
    assert isinstance(stats, dict) and stats["assessments"] == 0
    assert not db_file.exists()  # reading never creates the file


def test_show_prints_summary_status_and_brief(capsys: pytest.CaptureFixture[str]) -> None:
    save(capsys, "Acme", "4 4 4 3", "service-failure", "--situation", "Third SLA breach")
    code, out, _ = run(capsys, "show", "1")
    assert code == 0
    assert out.startswith("#1 Acme: 15/20")
    assert "status: escalated" in out
    assert "## Escalation Assessment: Acme" in out and "### Scoring" in out
    assert "Third SLA breach" in out


def test_export_to_stdout_file_and_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    save(capsys, "../../Acme", "4 4 4 3")
    code, out, _ = run(capsys, "export", "1")
    assert code == 0 and out.startswith("## Escalation Assessment:")
    code, out, _ = run(capsys, "export", "1", "-")
    assert code == 0 and "### Decision" in out
    target = tmp_path / "brief.md"
    code, out, _ = run(capsys, "export", "1", str(target))
    assert code == 0 and target.read_text("utf-8").startswith("## Escalation Assessment:")
    code, _, err = run(capsys, "export", "1", str(target))  # never overwritten silently
    assert code == 2
    one_error_line(err, "already exists")
    folder = tmp_path / "briefs"
    folder.mkdir()
    code, out, _ = run(capsys, "export", "1", str(folder))
    written = list(folder.iterdir())
    assert code == 0 and len(written) == 1 and written[0].name.endswith("-acme.md")


def test_lifecycle_resolve_followups_checkin(capsys: pytest.CaptureFixture[str]) -> None:
    esc = save(capsys, "Acme", "4 4 4 3")
    handled = save(capsys, "Beta", "1 1 1 1", "feature-gap")
    code, out, _ = run(capsys, "resolve", str(esc), "--satisfaction", "4", "--note", "fixed")
    assert code == 0 and "satisfaction 4/5" in out and f"triage checkin {esc}" in out
    resolved = run_json(capsys, "show", str(esc), "--json")
    assert isinstance(resolved, dict)
    assert resolved["status"] == "resolved" and resolved["satisfaction"] == 4
    assert resolved["resolution_note"] == "fixed" and resolved["resolved_at"]
    assert resolved["checkin_due_at"]
    run(capsys, "resolve", str(handled), "--satisfaction", "5")

    pending = run_json(capsys, "followups", "--json")
    assert isinstance(pending, list)
    assert [p["id"] for p in pending] == [esc]  # handle-yourself needs no check-in
    assert pending[0]["checkin_overdue"] is False
    code, out, _ = run(capsys, "followups")
    assert code == 0 and "Acme" in out and "due in" in out

    code, out, _ = run(capsys, "checkin", str(esc))
    assert code == 0 and "check-in done" in out
    assert run_json(capsys, "followups", "--json") == []
    code, out, _ = run(capsys, "checkin", str(esc))
    assert code == 0 and "already done" in out


def test_overdue_followups(capsys: pytest.CaptureFixture[str], db_file: Path) -> None:
    store = HistoryStore(db_file)
    a = store.add(assess(Draft(account="Late Co", scores=Scores(customer_impact=5, account_value=5,
                                                                   time_sensitivity=4,
                                                                   csm_capability=4)),
                         now=NOW - timedelta(days=5)))
    store.resolve(a.id or 0, 3, now=NOW - timedelta(hours=50))
    pending = run_json(capsys, "followups", "--json")
    assert isinstance(pending, list) and pending[0]["checkin_overdue"] is True
    code, out, _ = run(capsys, "followups")
    assert "overdue by" in out
    code, out, _ = run(capsys, "history")
    assert "resolved · checkin-overdue" in out


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["show", "42"], "#42"),
        (["show", "42", "--json"], "#42"),
        (["export", "42"], "#42"),
        (["resolve", "42", "--satisfaction", "3"], "#42"),
        (["checkin", "42"], "#42"),
        (["checkin", "1"], "not resolved"),
        (["resolve", "1", "--satisfaction", "0"], "satisfaction"),
        (["resolve", "1", "--satisfaction", "6"], "satisfaction"),
        (["resolve", "1"], "--satisfaction"),
        (["show", "abc"], "ID"),
        (["history", "--decision", "panic"], "--decision"),
        (["history", "--limit", "0"], "--limit"),
        (["stats", "--days", "-3"], "--days"),
        (["assess", "--account", "X", "--impact", "6", "--value", "1", "--time", "1",
          "--capability", "1", "--type", "feature-gap", "--save"], "score"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    save(capsys, "Acme", "4 4 4 3")
    before = db_file.read_bytes()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    assert code == 2
    one_error_line(err, needle)
    assert db_file.read_bytes() == before


def test_a_bad_export_path_saves_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_file: Path
) -> None:
    code, _, err = run(capsys, "assess", "--account", "Acme", "--impact", "4", "--value", "4",
                       "--time", "4", "--capability", "3", "--type", "service-failure",
                       "--save", "--export", str(tmp_path / "missing" / "brief.md"))
    assert code == 2
    one_error_line(err, "does not exist")
    assert not db_file.exists()


# ----------------------------------------------------------------------------- corrupt files

COMMANDS = [
    ["history"], ["history", "--json"], ["history", "--limit", "20"], ["show", "1"],
    ["export", "1"], ["resolve", "1", "--satisfaction", "3"], ["followups"], ["checkin", "1"],
    ["stats"], ["stats", "--json"],
    ["assess", "--account", "A", "--impact", "1", "--value", "1", "--time", "1",
     "--capability", "1", "--type", "feature-gap", "--save"],
]


@pytest.mark.parametrize("content", [b"{not json", b'{"_default": {"1": {"who": "else"}}}',
                                     b"[]", b'{"people": {}}'])
def test_every_command_refuses_a_corrupt_or_foreign_file(
    content: bytes, capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    db_file.write_bytes(content)
    for argv in COMMANDS:
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        one_error_line(err, str(db_file), "triage recover")
        assert db_file.read_bytes() == content


def test_recover_moves_the_file_aside_and_a_new_history_starts(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    content = b"\x00\x01 definitely not a history"
    db_file.write_bytes(content)
    code, out, _ = run(capsys, "recover")
    assert code == 0 and "moved" in out
    kept = list(db_file.parent.glob("history.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert str(kept[0]) in out
    assert save(capsys, "Fresh", "1 1 1 1", "feature-gap") == 1
    code, out, _ = run(capsys, "recover")
    assert code == 0 and "healthy" in out
    db_file.unlink()
    code, out, _ = run(capsys, "recover")
    assert code == 0 and "nothing to recover" in out


def test_cli_subprocess_corrupt_file_no_traceback(db_file: Path) -> None:
    db_file.write_bytes(b'{"_default": {"1": {"account": 5}}}')
    result = subprocess.run([sys.executable, "-m", "triage_tui", "history"],
                            capture_output=True, text=True, env=os.environ.copy())
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    one_error_line(result.stderr, str(db_file))
    assert db_file.read_bytes() == b'{"_default": {"1": {"account": 5}}}'


# ----------------------------------------------------------------------------- stats & demo


def test_stats(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        save(capsys, "Repeat Co", "4 4 4 3")
    save(capsys, "Calm Co", "1 1 1 1", "feature-gap")
    run(capsys, "resolve", "1", "--satisfaction", "2")
    data = run_json(capsys, "stats", "--json")
    assert isinstance(data, dict)
    assert data["assessments"] == 3 and data["escalations"] == 2
    assert {c["key"]: c["count"] for c in data["by_decision"]}["escalate-with-urgency"] == 2
    assert {c["key"]: c["count"] for c in data["by_issue_type"]}["feature-gap"] == 1
    assert [r["account"] for r in data["repeat_accounts"]] == ["Repeat Co"]
    assert data["satisfaction"]["average"] == 2.0
    assert len(data["followups"]) == 1
    assert [row["decision"] for row in data["calibration"]] == [
        "escalate-for-support", "escalate-with-urgency", "escalate-immediately"]
    assert run_json(capsys, "stats", "--json", "--days", "30")["assessments"] == 3  # type: ignore[index]
    code, out, _ = run(capsys, "stats")
    assert code == 0
    for heading in ("By decision", "By issue type", "Accounts escalating repeatedly",
                    "Time to escalate", "Time to resolve", "Satisfaction", "Calibration",
                    "Follow-ups due"):
        assert heading in out


def test_demo_fills_a_separate_file(capsys: pytest.CaptureFixture[str], db_file: Path) -> None:
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    demo = data_dir() / "demo.json"
    assert demo.exists() and not db_file.exists()
    assert "60 demo assessments" in out and str(demo) in out
    history = run_json(capsys, "--demo", "history", "--json")
    assert isinstance(history, list) and len(history) == 60
    assert len(run_json(capsys, "--demo", "followups", "--json")) >= 2  # type: ignore[arg-type]
    code, _, err = run(capsys, "demo")  # it already has records
    assert code == 2
    one_error_line(err, "--force")
    before = demo.read_bytes()
    code, out, _ = run(capsys, "demo", "--force", "--count", "12", "--seed", "4")
    assert code == 0 and "kept the previous file" in out
    kept = list(demo.parent.glob("demo.json.replaced-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == before
    assert HistoryStore(demo).count() == 12
    assert not db_file.exists()


def test_demo_to_an_explicit_file_and_demo_flag_conflicts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "sample.json"
    code, _, err = run(capsys, "demo", "--db", str(target), "--count", "5")
    assert code == 0, err
    assert HistoryStore(target).count() == 5
    code, _, err = run(capsys, "--demo", "--db", str(target), "history")
    assert code == 2
    one_error_line(err, "--demo")


def test_demo_flag_fills_the_demo_file_on_first_use(capsys: pytest.CaptureFixture[str]) -> None:
    stats = run_json(capsys, "--demo", "stats", "--json", "--all")
    assert isinstance(stats, dict) and stats["assessments"] == 60
    assert stats["repeat_accounts"]
