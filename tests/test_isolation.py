"""The test suite never touches the real user folders, even when a test undoes its own
monkeypatches (`monkeypatch.undo()` once put the real cache folder back)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from triage_tui import paths


def test_user_folders_stay_in_the_test_folder_after_monkeypatch_undo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIAGE_SOMETHING", "1")
    monkeypatch.undo()
    for folder in (paths.cache_dir(), paths.data_dir(), Path(os.environ["TRIAGE_DB"])):
        assert folder.is_relative_to(tmp_path), folder
