"""The layers stay visible: the rules, the store and the CLI never import Textual, the
import contracts hold, and the wheel ships the brief template and the stylesheets."""

from __future__ import annotations

import re
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


# Each module of a layer, imported on its own in a fresh interpreter, must not load a
# module of a layer above it (nor Textual). One subprocess per layer: it names the first
# module that breaks the rule. Imports made lazily inside functions are what the
# import-linter contracts (pyproject.toml, run below and by the README's test command)
# catch; this checks what a real import actually loads.
_FORBIDDEN = {
    "triage_tui.domain": ("triage_tui.storage", "triage_tui.tui", "triage_tui.cli", "triage_tui.readmodel",
                          "triage_tui.reports", "textual", "tinydb", "filelock"),
    "triage_tui.storage": ("triage_tui.tui", "triage_tui.cli", "triage_tui.reports", "triage_tui.readmodel",
                           "textual"),
}
_CHECK = """
import importlib, pkgutil, sys
package, forbidden = sys.argv[1], tuple(sys.argv[2:])
names = [m.name for m in pkgutil.walk_packages(importlib.import_module(package).__path__,
                                               package + ".")]
assert names, "no modules found in " + package
for name in names:
    importlib.import_module(name)
    bad = [f for f in forbidden if f in sys.modules]
    assert not bad, f"{name} imports {bad[0]}"
print(len(names))
"""


@pytest.mark.parametrize("package", sorted(_FORBIDDEN))
def test_layer_imports_nothing_above_it(package: str) -> None:
    proc = subprocess.run([sys.executable, "-c", _CHECK, package, *_FORBIDDEN[package]],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr.strip().splitlines()[-1]
    assert int(proc.stdout) >= 3  # it really looked at the modules


def test_import_contracts_hold() -> None:
    """The import-linter contracts in pyproject.toml (also run by the README's test command)."""
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), "import-linter is part of the test extras: pip install '.[test]'"
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    kept = re.search(r"Contracts: (\d+) kept, 0 broken", proc.stdout)
    assert kept and int(kept.group(1)) >= 5, proc.stdout[-2000:]


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
    assert {"triage_tui/tui/screens/history.tcss", "triage_tui/tui/screens/review.tcss"} <= names
