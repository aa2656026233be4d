"""`.ci/run` runs the README's test command and fails unless tests ran and passed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CI_RUN = ROOT / ".ci" / "run"

TESTS = {
    "pass": "def test_ok():\n    assert True\n",
    "fail": "def test_ok():\n    assert True\n\ndef test_bad():\n    assert False\n",
    "skip": "import pytest\n\n@pytest.mark.skip\ndef test_later():\n    pass\n",
    "none": "x = 1\n",
}


def _ci(tmp_path: Path, tests: str, command: str | None = None) -> subprocess.CompletedProcess[str]:
    if not CI_RUN.exists():
        pytest.skip(".ci/run is not shipped in this copy")
    (tmp_path / ".ci").mkdir()
    shutil.copy(CI_RUN, tmp_path / ".ci" / "run")
    (tmp_path / "test_sample.py").write_text(TESTS[tests])
    command = command or f'"{sys.executable}" -m pytest -q -p no:cacheprovider test_sample.py'
    (tmp_path / "README.md").write_text(
        f"# sample\n\n<!-- test-command -->\n```\n{command}\n```\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the sample needs none: a fast start
    return subprocess.run(["bash", str(tmp_path / ".ci" / "run")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_ci_passes_when_tests_pass(tmp_path: Path) -> None:
    proc = _ci(tmp_path, "pass")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ci: 1 tests passed" in proc.stdout


@pytest.mark.parametrize("tests", ["fail", "skip", "none"])
def test_ci_fails_when_a_test_fails_or_none_ran(tmp_path: Path, tests: str) -> None:
    proc = _ci(tmp_path, tests)
    assert proc.returncode != 0, proc.stdout + proc.stderr


def test_ci_fails_when_the_command_runs_no_pytest(tmp_path: Path) -> None:
    proc = _ci(tmp_path, "pass", command="true")
    assert proc.returncode != 0
    assert "ran no pytest" in proc.stderr
