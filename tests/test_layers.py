"""The layers stay visible: the rules, the store and the CLI never import Textual,
and the wheel ships the brief template and the stylesheet."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "module",
    ["triage_tui.domain.engine", "triage_tui.domain.brief", "triage_tui.domain.review",
     "triage_tui.storage", "triage_tui.cli"],
)
def test_headless_modules_do_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; assert 'textual' not in sys.modules, 'textual imported'"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_cli_assess_does_not_import_textual() -> None:
    code = (
        "import sys; from triage_tui.cli import main; "
        "main(['assess','--account','x','--impact','1','--value','1','--time','1',"
        "'--capability','1','--type','product-defect','--json']); "
        "assert 'textual' not in sys.modules"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_domain_does_not_import_storage_or_ui() -> None:
    for path in (ROOT / "triage_tui" / "domain").glob("*.py"):
        text = path.read_text()
        for forbidden in ("textual", "tinydb", "storage", ".tui", "filelock"):
            assert f"import {forbidden}" not in text and f"from {forbidden}" not in text, (
                f"{path.name} imports {forbidden}"
            )


@pytest.mark.slow
def test_wheel_ships_template_and_stylesheet(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("triage_tui-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "triage_tui/templates/assessment.md.j2" in names
    assert "triage_tui/tui/app.tcss" in names
