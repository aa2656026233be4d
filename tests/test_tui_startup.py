"""How the app starts: what it does (and does not do) before its first frame.

The first screen is timed in tmux by benchmarks/tmux_bench.py; these tests hold the
decisions that made it fast, so a change that undoes one fails here, not only there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from textual import events

from tui_helpers import asynctest, wait_for
from triage_tui import cli
from triage_tui.domain.settings import Settings
from triage_tui.tui import app as app_module
from triage_tui.tui.app import TriageApp, make_app
from triage_tui.tui.screens.assess import AssessScreen
from triage_tui.tui.screens.history import HistoryScreen
from triage_tui.tui.widgets.footer import SteadyFooter

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


class Recording(AssessScreen):
    """The assess screen, noting every widget that received focus."""

    def __init__(self) -> None:
        super().__init__()
        self.focused_in_turn: list[str] = []

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.focused_in_turn.append(event.widget.id or type(event.widget).__name__)


class RecordingApp(TriageApp):
    def get_default_screen(self) -> Recording:
        return Recording()


@asynctest
async def test_only_the_account_field_is_focused_at_start(db_file: Path) -> None:
    """No automatic focus of the form's scroll container first (each focus change of
    the form restyled all of it before the first frame)."""
    app = RecordingApp(db_path=db_file, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.first_frame_shown)
        await pilot.pause()
        assert app.screen.focused_in_turn == ["account"]


@pytest.mark.parametrize(("size", "compact", "palette"), [
    ((120, 40), False, True), ((100, 30), True, True), ((80, 24), True, False),
])
@asynctest
async def test_the_footer_is_built_for_the_terminal_width(
    db_file: Path, size: tuple[int, int], compact: bool, palette: bool
) -> None:
    """The footer starts as the width wants it (a change on the first resize restyled and
    rebuilt it before the first frame), and still follows a resize."""
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    built: list[tuple[bool, bool]] = []

    original = SteadyFooter.on_mount

    def on_mount(footer: SteadyFooter) -> None:
        built.append((footer.compact, footer.show_command_palette))
        original(footer)

    SteadyFooter.on_mount = on_mount  # type: ignore[method-assign]
    try:
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: app.first_frame_shown)
            footer = app.screen.query_one(SteadyFooter)
            assert built == [(compact, palette)]
            assert (footer.compact, footer.show_command_palette) == (compact, palette)
            await pilot.resize_terminal(130, 40)
            await wait_for(pilot, lambda: not footer.compact)
            assert footer.show_command_palette
    finally:
        SteadyFooter.on_mount = original  # type: ignore[method-assign]


@asynctest
async def test_the_assess_mode_is_the_default_screen_and_f2_comes_back_to_it(db_file: Path) -> None:
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.first_frame_shown)
        first = app.screen
        assert isinstance(first, AssessScreen) and app.current_mode == "assess"
        await pilot.press(*"Acme")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.current_mode == "assess")
        assert app.screen is first
        assert first.read_form().account == "Acme"


def test_the_cli_starts_the_app_without_the_cycle_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """`triage` runs the app with the collector off until the first frame (TriageApp turns
    it on), and it is on again once the app has ended, whatever happened."""
    seen: list[bool] = []

    class Fake:
        sub_title = ""

        def run(self) -> None:
            seen.append(gc.isenabled())
            raise RuntimeError("the app failed")

    monkeypatch.setattr(app_module, "make_app", lambda **_: Fake())
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        cli.run_tui(Path("unused.json"), Settings())
    assert seen == [False]
    assert gc.isenabled()


class _Collections:
    """Records the collector's passes, once `listen()` was called (gc.callbacks)."""

    def __init__(self) -> None:
        self.passes: list[int] = []

    def listen(self) -> None:
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "stop":
            self.passes.append(info["generation"])


@contextmanager
def _collector_off() -> Iterator[_Collections]:
    """The collector off, as cli.run_tui leaves it; afterwards on again, the callback gone
    and the test process's objects (frozen with the app's) unfrozen."""
    collections = _Collections()
    gc.disable()
    try:
        yield collections
    finally:
        if collections in gc.callbacks:
            gc.callbacks.remove(collections)
        gc.unfreeze()
        gc.enable()


@pytest.mark.parametrize("input_goes_on", [False, True])
@asynctest
async def test_the_app_collects_garbage_between_keys(
    db_file: Path, monkeypatch: pytest.MonkeyPatch, input_goes_on: bool
) -> None:
    """Started by the CLI (collector off): after the first frame what exists is frozen and
    the collector stays off during input; it runs once input pauses — or, while input goes
    on, once enough new objects piled up."""
    monkeypatch.setattr(app_module, "GC_QUIET_SECONDS", 0.05)
    monkeypatch.setattr(app_module, "GC_LEAST_NEW_OBJECTS", 1)
    if input_goes_on:
        monkeypatch.setattr(app_module, "GC_MOST_NEW_OBJECTS", 1)
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    frozen = gc.get_freeze_count()
    with _collector_off() as collections:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.first_frame_shown)
            await wait_for(pilot, lambda: gc.get_freeze_count() > frozen)
            assert not gc.isenabled()
            collections.listen()
            if input_goes_on:
                app._last_input = float("inf")  # input never pauses
            await wait_for(pilot, lambda: bool(collections.passes))
            assert not gc.isenabled()


@pytest.mark.parametrize(("new_objects", "input_goes_on", "passes"), [
    (0, False, []),  # nothing new
    (app_module.GC_LEAST_NEW_OBJECTS - 1, False, []),  # an idle app's timers: no reason
    (app_module.GC_LEAST_NEW_OBJECTS, False, [1]),  # input paused, garbage to look at
    (app_module.GC_MOST_NEW_OBJECTS - 1, True, []),  # typing: wait for the pause
    (app_module.GC_MOST_NEW_OBJECTS, True, [1]),  # typing on and on: collect anyway
])
def test_when_a_pass_runs(db_file: Path, monkeypatch: pytest.MonkeyPatch,
                          new_objects: int, input_goes_on: bool, passes: list[int]) -> None:
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    ran: list[int] = []
    monkeypatch.setattr(app_module.gc, "get_count", lambda: (new_objects, 0, 0))
    monkeypatch.setattr(app_module.gc, "collect", ran.append)
    app._last_input = float("inf") if input_goes_on else 0.0
    app._collect_garbage()
    assert ran == passes


def test_every_tenth_pass_is_a_full_one(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    ran: list[int] = []
    monkeypatch.setattr(app_module.gc, "get_count", lambda: (app_module.GC_LEAST_NEW_OBJECTS, 0, 0))
    monkeypatch.setattr(app_module.gc, "collect", ran.append)
    for _ in range(2 * app_module.GC_FULL_EVERY):
        app._collect_garbage()
    assert ran == ([1] * (app_module.GC_FULL_EVERY - 1) + [2]) * 2


@asynctest
async def test_a_started_collector_is_left_alone(db_file: Path) -> None:
    """Outside the CLI (tests, the screenshots) the collector was never off: it stays on
    and nothing is frozen."""
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    frozen = gc.get_freeze_count()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.first_frame_shown)
        await wait_for(pilot, lambda: bool(app.screen.query("#situation, #brief")))
        await pilot.pause(0.1)
        assert gc.isenabled() and gc.get_freeze_count() == frozen


@asynctest
async def test_ctrl_q_while_the_lower_form_mounts_quits_cleanly(db_file: Path) -> None:
    """The lower form comes just after the first frame; ctrl+q typed in that moment used
    to read it before its fields existed, or remove them before it heard its Mount event
    (a crash, exit code 1). Quit at a few moments across that window."""
    import asyncio

    for ms in (5, 15, 25, 35, 45, 60):
        app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.first_frame_shown)
            await asyncio.sleep(ms / 1000)
            await pilot.press("ctrl+q")
        assert app.return_code == 0, ms
