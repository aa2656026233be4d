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


def test_slider_keys_in_one_burst_land_on_the_focused_slider(tmp_path: Path) -> None:
    """Tab is a priority key and moves focus at once; each slider key must still act on
    the slider that had focus when it was sent (the app's workaround for Textual
    issue #6605)."""
    from triage_tui.tui.widgets.slider import Slider

    async def run() -> None:
        app = make_app(db_path=tmp_path / "h.json", settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, lambda: bool(app.screen.query("#situation")))
            # after account value, two tab stops of its helper (ARR, strategic tier)
            for key in ("tab", "5", "tab", "l", "l", "l", "tab", "tab", "tab", "4", "tab", "h", "3"):
                app.post_message(events.Key(key, key if len(key) == 1 else None))
            sliders = list(app.screen.query(Slider))
            await settle(pilot, lambda: sliders[3].value == 3)
            await pilot.pause()
            assert [s.value for s in sliders] == [5, 4, 4, 3]
            assert "16/20" in str(app.screen.query_one("#total").render())

    asyncio.run(run())
