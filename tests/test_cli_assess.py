"""`triage assess` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from triage_tui.cli import main

BASE = ["assess", "--account", "Acme Corp", "--impact", "4", "--value", "3", "--time", "4",
        "--capability", "3", "--type", "feature-gap"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage_tui", *args],
        capture_output=True, text=True, cwd=cwd, env=os.environ.copy(), timeout=60,
    )


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_assess_json_through_the_real_entry_point(tmp_path: Path) -> None:
    proc = run(*BASE, "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["account"] == "Acme Corp"
    assert data["scores"] == {"customer_impact": 4, "account_value": 3,
                              "time_sensitivity": 4, "csm_capability": 3}
    assert data["total"] == 14
    assert data["score_decision"] == data["decision"] == "escalate-with-urgency"
    assert data["issue_type"] == "feature-gap"
    # 14-17: CS leadership and the type's team (issue 12)
    assert data["route"]["to"] == "CS leadership and Product management"
    assert data["route"]["teams"] == ["CS leadership", "Product management"]
    assert data["route"]["when"].startswith("When the gap is affecting retention")
    assert {w["code"] for w in data["warnings"]} == {
        "no-specific-ask", "no-customer-comms", "no-deadline", "no-situation"}
    assert all(w["message"] for w in data["warnings"])
    assert "id" not in data  # not saved
    assert data["why"]["text"] and data["what_if"]["down"]["decision"] == "escalate-for-support"


def test_readable_output(capsys) -> None:
    assert main(BASE) == 0
    out = capsys.readouterr().out
    assert "14/20" in out and "Escalate with urgency" in out and "Product management" in out


def test_handle_yourself_has_null_route(capsys) -> None:
    data = run_json(capsys, "assess", "--account", "x", "--impact", "1", "--value", "2",
                    "--time", "1", "--capability", "1", "--type", "product-defect")
    assert data["decision"] == "handle-yourself" and data["route"] is None
    assert data["warnings"] == []


def test_manager_surprise(capsys) -> None:
    data = run_json(capsys, "assess", "--account", "x", "--impact", "2", "--value", "1",
                    "--time", "2", "--capability", "1", "--type", "relationship-risk",
                    "--manager-surprised")
    assert data["score_decision"] == "handle-yourself"
    assert data["decision"] == "escalate-for-support"
    assert data["route"]["to"] == "CS leadership"
    assert "manager-surprise" in {w["code"] for w in data["warnings"]}


def test_signals_and_late(capsys) -> None:
    data = run_json(capsys, "assess", "--account", "x", "--impact", "1", "--value", "1",
                    "--time", "1", "--capability", "1", "--type", "product-defect",
                    "--signal", "health-red", "--signal", "sla-breached",
                    "--open-since", "2020-01-01")
    assert {w["code"] for w in data["warnings"]} == {"signals-converging", "escalating-late"}


@pytest.mark.parametrize(
    ("arr", "strategic", "value"),
    [("9999", "none", 1), ("10000", "none", 3), ("42k", "none", 3), ("50000", "none", 3),
     ("50001", "none", 5), ("5000", "moderate", 3), ("5000", "high", 5), ("1.2m", None, 5)],
)
def test_arr_stands_in_for_value(capsys, arr: str, strategic: str | None, value: int) -> None:
    args = ["assess", "--account", "x", "--impact", "1", "--time", "1", "--capability", "1",
            "--type", "product-defect", "--arr", arr]
    if strategic:
        args += ["--strategic", strategic]
    data = run_json(capsys, *args)
    assert data["scores"]["account_value"] == value
    assert data["rationale"]["account_value"]


def test_explicit_value_overrides_the_arr_helper(capsys) -> None:
    data = run_json(capsys, "assess", "--account", "x", "--impact", "1", "--time", "1",
                    "--capability", "1", "--type", "product-defect", "--arr", "90000",
                    "--value", "2")
    assert data["scores"]["account_value"] == 2


def test_config_changes_currency_bands_and_routes(capsys, tmp_path: Path) -> None:
    Path(os.environ["TRIAGE_CONFIG"]).write_text(
        'currency = "USD"\n[arr_bands]\nlow = 20000\nhigh = 100000\n'
        '[routes]\nfeature-gap = "PM on-call"\n'
    )
    data = run_json(capsys, *BASE[:5], *BASE[7:], "--arr", "60000")
    assert data["scores"]["account_value"] == 3
    assert "USD" in data["rationale"]["account_value"]
    assert data["route"]["to"] == "CS leadership and PM on-call"  # 14/20: with CS leadership
    assert data["route"]["teams"] == ["CS leadership", "PM on-call"]


@pytest.mark.parametrize(
    ("config", "key"),
    [("currency = 3\n", "currency"), ("[arr_bands]\nlow = -5\n", "arr_bands.low"),
     ("colour = 'red'\n", "colour"), ("[late_thresholds]\nescalate-now = 2\n", "late_thresholds"),
     ("currency = \n", "not valid TOML"), ("template = '/nope/x.j2'\n", "template")],
)
def test_bad_config_is_one_line_naming_the_key(config: str, key: str) -> None:
    Path(os.environ["TRIAGE_CONFIG"]).write_text(config)
    proc = run(*BASE)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and "config" in lines[0]


BAD_INPUTS = [
    (["--impact", "0"], "score"),
    (["--impact", "6"], "score"),
    (["--time", "three"], "score"),
    (["--type", "outage"], "--type"),
    (["--by", "2026-13-01"], "date"),
    (["--by", "tomorrow"], "date"),
    (["--open-since", "2026/01/01"], "date"),
    (["--open-since", "2999-01-01"], "future"),
    (["--signal", "angry"], "--signal"),
    (["--arr", "lots"], "ARR"),
    (["--strategic", "very"], "--strategic"),
]


@pytest.mark.parametrize(("extra", "needle"), BAD_INPUTS)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, extra: list[str], needle: str) -> None:
    args = list(BASE)
    flag = extra[0]
    if flag in args:
        i = args.index(flag)
        del args[i:i + 2]
    out = tmp_path / "out"
    out.mkdir()
    proc = run(*args, *extra, "--save", "--export", str(out), cwd=out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0] and "Traceback" not in proc.stderr
    assert list(out.iterdir()) == []  # nothing written, no history created
    assert not Path(os.environ["TRIAGE_DB"]).exists()


@pytest.mark.parametrize("missing", ["--account", "--impact", "--type"])
def test_missing_required_input(missing: str) -> None:
    args = list(BASE)
    i = args.index(missing)
    del args[i:i + 2]
    proc = run(*args)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_blank_account_is_refused() -> None:
    proc = run("assess", "--account", "  ", *BASE[3:])
    assert proc.returncode == 2 and "account" in proc.stderr


# ----------------------------------------------------------------- export


def parse_table_rows(markdown: str) -> int:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    body = False
    rows = 0
    for tok in tokens:
        if tok.type == "tbody_open":
            body = True
        if tok.type == "tr_open" and body:
            rows += 1
        if tok.type == "table_close":
            break
    return rows


def test_export_to_stdout(tmp_path: Path) -> None:
    proc = run(*BASE, "--why-impact", "a | b\nc", "--export", "-", cwd=tmp_path / "home")
    assert proc.returncode == 0
    assert proc.stdout.startswith("## Escalation Assessment: Acme Corp\n")
    assert parse_table_rows(proc.stdout) == 5
    assert not list(tmp_path.glob("**/*.md"))


def test_export_into_a_directory_uses_a_safe_name_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    args = ["assess", "--account", "../../etc/passwd", *BASE[3:]]
    first = run(*args, "--export", str(out), "--json", cwd=tmp_path)
    second = run(*args, "--export", str(out), "--json", cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    paths = [Path(json.loads(p.stdout)["exported_to"]) for p in (first, second)]
    assert paths[0] != paths[1]
    assert all(p.parent == out for p in paths)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    today = date.today().isoformat()
    assert paths[0].name == f"{today}-etc-passwd.md"
    assert paths[0].read_text().startswith("## Escalation Assessment: ../../etc/passwd")


def test_export_refuses_to_overwrite_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    target.write_text("precious")
    proc = run(*BASE, "--export", str(target))
    assert proc.returncode == 2 and "exists" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert target.read_text() == "precious"


@pytest.mark.parametrize("where", ["missing/dir/brief.md", "afile/brief.md", "/proc/brief.md"])
def test_unwritable_export_path(tmp_path: Path, where: str) -> None:
    (tmp_path / "afile").write_text("x")
    proc = run(*BASE, "--export", str(tmp_path / where))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "cannot export" in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("command", [["history"], [*BASE, "--save"], ["stats"]])
def test_a_folder_as_history_file_is_one_line_exit_2(tmp_path: Path, command: list[str]) -> None:
    proc = run("--db", str(tmp_path), *command)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and str(tmp_path) in proc.stderr
    assert "Traceback" not in proc.stderr
