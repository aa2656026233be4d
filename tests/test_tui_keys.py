"""Global keys sent in one burst (as a tmux script or a fast typist sends them) act in
order: escape closes what is open before the F-key that follows it switches screens."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

from textual import events
from textual.screen import ModalScreen

from triage_tui.domain.settings import Settings
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments
from triage_tui.tui.app import make_app
from triage_tui.tui.screens.detail import DetailScreen
from triage_tui.tui.screens.history import HistoryScreen
from triage_tui.tui.screens.review import ReviewScreen

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def burst(app, *keys: str) -> None:
    """Queue keys back to back, without waiting between them."""
    for key in keys:
        app._driver.send_message(events.Key(key, key if len(key) == 1 else None))


async def settle(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("timed out")


def test_escape_then_f4_from_help(tmp_path: Path) -> None:
    async def run() -> None:
        app = make_app(db_path=tmp_path / "h.json", settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("f1")
            await settle(pilot, lambda: isinstance(app.screen, ModalScreen))
            burst(app, "escape", "f4")
            await settle(pilot, lambda: isinstance(app.screen, ReviewScreen))
            assert app.current_mode == "review"

    asyncio.run(run())


def test_f3_closes_an_open_dialog(tmp_path: Path) -> None:
    async def run() -> None:
        app = make_app(db_path=tmp_path / "h.json", settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("f1")
            await settle(pilot, lambda: isinstance(app.screen, ModalScreen))
            await pilot.press("f3")
            await settle(pilot, lambda: isinstance(app.screen, HistoryScreen))

    asyncio.run(run())


def test_history_detail_escape_f4_in_one_burst(tmp_path: Path) -> None:
    db = tmp_path / "demo.json"
    HistoryStore(db).add_many(demo_assessments(30, NOW, seed=3))

    async def run() -> None:
        app = make_app(db_path=db, settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=(100, 30)) as pilot:
            burst(app, "f3")
            await settle(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.loaded)
            burst(app, "enter")
            await settle(pilot, lambda: isinstance(app.screen, DetailScreen))
            burst(app, "escape", "f4")
            await settle(pilot, lambda: isinstance(app.screen, ReviewScreen))
            await pilot.press("f3")
            await settle(pilot, lambda: isinstance(app.screen, HistoryScreen))  # detail closed

    asyncio.run(run())
