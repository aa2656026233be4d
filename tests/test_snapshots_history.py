"""Snapshots of the history, detail and review screens at 80×24 and 120×40.

A fixed demo history (fixed seed, fixed `now`) in a temp DB, a frozen clock, UTC as the
local time zone, and no cursor blink: the snapshots never drift.
Update with: pytest tests/test_snapshots_history.py --snapshot-update
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from triage_tui.domain.settings import Settings
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments
from triage_tui.tui.app import make_app

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo_app(tmp_path: Path, utc):
    db = tmp_path / "demo.json"
    HistoryStore(db).add_many(demo_assessments(60, NOW, seed=20251))
    app = make_app(db_path=db, settings=Settings(), now=lambda: NOW)
    return app


async def _settle(pilot, attribute: str = "loaded") -> None:
    for _ in range(1000):
        if getattr(pilot.app.screen, attribute, False):
            break
        await pilot.pause(0.01)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def _history(pilot) -> None:
    pilot.app.cursor_blink = False
    await pilot.press("f3")
    await _settle(pilot)


async def _history_filtered(pilot) -> None:
    await _history(pilot)
    await pilot.press("slash", *"globex", "enter", "down")
    await _settle(pilot)


async def _detail(pilot) -> None:
    await _history(pilot)
    await pilot.press("slash", *"initech", "enter", "enter")
    for _ in range(1000):
        if pilot.app.screen.__class__.__name__ == "DetailScreen":
            break
        await pilot.pause(0.01)
    await pilot.pause(0.2)
    await _settle(pilot, "is_mounted")


async def _review(pilot) -> None:
    pilot.app.cursor_blink = False
    await pilot.press("f4")
    await _settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_screen(snap_compare, demo_app, size) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=_history)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_filtered(snap_compare, demo_app, size) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=_history_filtered)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail_screen(snap_compare, demo_app, size) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=_detail)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review_screen(snap_compare, demo_app, size) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=_review)
