"""Snapshots of the Today screen (F5) and its update dialog at 80×24 and 120×40.

The small history of test_tui_today (every kind of due item, one closed escalation) in a
temp DB, a frozen clock (Wednesday 2026-01-07 12:00), UTC and no cursor blink.
Update with: pytest tests/test_snapshots_today.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_tui_today import NOW, build_history, utc  # noqa: F401 (fixture)
from triage_tui.domain.settings import Settings
from triage_tui.tui.app import make_app

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def today_app(tmp_path: Path, utc):  # noqa: F811
    db = tmp_path / "history.json"
    build_history(db)
    return make_app(db_path=db, settings=Settings(), now=lambda: NOW)


async def _settle(pilot, condition) -> None:
    for _ in range(1000):
        if condition():
            break
        await pilot.pause(0.01)
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def _today(pilot) -> None:
    pilot.app.cursor_blink = False
    await pilot.press("f5")
    await _settle(pilot, lambda: getattr(pilot.app.screen, "loaded", False)
                  and pilot.app.overdue is not None)


async def _update_dialog(pilot) -> None:
    await _today(pilot)
    await pilot.press("down", "down", "down", "down", "u")  # #1 Acme, the update due today
    await _settle(pilot, lambda: type(pilot.app.screen).__name__ == "EventDialog")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_today_screen(snap_compare, today_app, size) -> None:
    assert snap_compare(today_app, terminal_size=size, run_before=_today)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_update_dialog(snap_compare, today_app, size) -> None:
    assert snap_compare(today_app, terminal_size=size, run_before=_update_dialog)


async def _rescore_dialog(pilot) -> None:
    await _today(pilot)
    await pilot.press("e", *"CEO called")  # #2 Globex, past the two-business-day rule
    await _settle(pilot, lambda: type(pilot.app.screen).__name__ == "RescoreDialog")
    pilot.app.screen.query_one("#score-customer_impact").value = "4"
    await pilot.pause()


def test_rescore_dialog_80x24(snap_compare, today_app) -> None:
    assert snap_compare(today_app, terminal_size=(80, 24), run_before=_rescore_dialog)
