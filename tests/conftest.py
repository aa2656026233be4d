"""Shared fixtures. Every test runs with its own data and config dirs: the real user
data directory is never touched (XDG dirs, TRIAGE_DB and TRIAGE_CONFIG all point into
a temporary folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["pg_server"]  # a real throwaway PostgreSQL for the team-server tests


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one and a half workers per core. A Pilot test spends about a third of
    its time asleep (Textual's `wait_for_idle` polls until the app rests), so one worker
    per core leaves the CPUs idle: on the 2-core machine, pytest took 3 min 55 s with 2
    workers, 3 min 19 s with 3 and 3 min 14 s with 4 (one run each, 2026-12-01)."""
    return max(1, round((os.cpu_count() or 1) * 1.5))


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path) -> Iterator[Path]:
    # A MonkeyPatch of its own: a test calling `monkeypatch.undo()` on the `monkeypatch`
    # fixture must not put the real user folders back (it did: notes were written to
    # ~/.cache/triage-tui).
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path / "home"
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            path = home / name.lower()
            path.mkdir(parents=True, exist_ok=True)
            mp.setenv(name, str(path))
        mp.setenv("HOME", str(home))
        mp.setenv("TRIAGE_DB", str(tmp_path / "history.json"))
        config = tmp_path / "config.toml"
        config.write_text("")  # an empty config: the defaults (a TRIAGE_CONFIG that is missing is an error)
        mp.setenv("TRIAGE_CONFIG", str(config))
        yield home


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return Path(os.environ["TRIAGE_DB"])
