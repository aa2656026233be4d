"""The pg_server plugin's CI guard: without PostgreSQL binaries the team-server tests skip
on a developer's machine but FAIL in CI, and TRIAGE_REQUIRE_PG=1 fails a run in which no
PostgreSQL test passed (so .ci/run cannot go green without them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


PG_TEST = "def test_uses_pg(pg_server):\n    assert pg_server.port\n"
PLAIN_TEST = "def test_plain():\n    assert True\n"


def _run_pytest(tmp_path: Path, body: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["pg_server"]\n')
    (tmp_path / "test_it.py").write_text(body)
    tests_dir = Path(__file__).resolve().parent
    base = {k: v for k, v in os.environ.items()
            if k not in ("CI", "TRIAGE_REQUIRE_PG", "TRIAGE_PG_BIN", "PYTEST_XDIST_WORKER")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
        # no third-party plugin autoloaded (hypothesis, snapshots, xdist): pg_server is
        # named by the conftest, and the interpreter starts in a fraction of the time
        env={**base, "PYTHONPATH": str(tests_dir), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **env},
    )


def test_without_binaries_pg_tests_skip_locally_and_fail_in_ci(tmp_path: Path) -> None:
    local = _run_pytest(tmp_path, PG_TEST, TRIAGE_PG_BIN=str(tmp_path / "none"))
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
    ci = _run_pytest(tmp_path, PG_TEST, TRIAGE_PG_BIN=str(tmp_path / "none"), CI="true")
    assert ci.returncode == 1 and "required in CI" in ci.stdout, ci.stdout


def test_require_pg_fails_a_run_where_no_pg_test_passed(tmp_path: Path) -> None:
    plain = _run_pytest(tmp_path, PLAIN_TEST, TRIAGE_REQUIRE_PG="1")
    assert plain.returncode == 1, plain.stdout
    assert "no PostgreSQL test passed" in plain.stdout
    assert _run_pytest(tmp_path, PLAIN_TEST).returncode == 0
