"""The fast repaint path (triage_tui/tui/repaint.py) draws exactly what Textual would.

The assess screen's compositor draws a partial update from only the widgets under the
changed regions, and slider keys hand repaints straight to the screen. These tests play
every update the screen sends to the terminal into a model terminal (a grid of
character + style cells) and compare it with what Textual's own compositor sends, and,
once the app is idle, with a full render of the screen: a wrong or missing cell fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.segment import ControlType, Segment
from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content

from test_tui_assess import NOW, ready
from tui_helpers import asynctest
from triage_tui.domain.settings import Settings
from triage_tui.tui.app import make_app
from triage_tui.tui.repaint import DirtyRegionCompositor, direct_repaints
from triage_tui.tui.widgets.cached import PanelText
from triage_tui.tui.widgets.slider import Slider

Cell = tuple[str, object]


def cells_of(strips) -> list[list[Cell]]:
    lines = []
    for strip in strips:
        line: list[Cell] = []
        for segment in strip:
            for char in segment.text:
                line.append((char, segment.style))
                line.extend([("", segment.style)] * (cell_len(char) - 1))
        lines.append(line)
    return lines


class ModelTerminal:
    """Applies what the app writes (cursor moves and styled text) to a grid of cells."""

    def __init__(self, width: int, height: int) -> None:
        self.lines: list[list[Cell]] = [[(" ", None)] * width for _ in range(height)]

    def play(self, segments: list[Segment]) -> None:
        x = y = 0
        for segment in segments:
            if segment.control:
                for code in segment.control:
                    if code[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = code[1], code[2]
                continue
            if segment.text == "\n":
                continue
            for char in segment.text:
                width = cell_len(char)
                self.lines[y][x] = (char, segment.style)
                for extra in range(1, width):
                    self.lines[y][x + extra] = ("", segment.style)
                x += width


class Recorder:
    """Wraps a screen's compositor and plays every update into model terminals.

    Two checks:
    - each partial update is compared with the one Textual's own compositor makes for
      the same changed regions (both played into their own model terminal);
    - `check()`, once nothing is pending, compares the model terminal with a full render
      of the screen: a repaint that never reached the screen (the direct hand-off's
      job) shows there.
    """

    def __init__(self, screen) -> None:
        self.screen = screen
        self.compositor: DirtyRegionCompositor = screen._compositor
        self.ours: ModelTerminal | None = None
        self.stock: ModelTerminal | None = None
        self.partial = 0
        self.checks = 0
        self.mismatches: list[str] = []
        self._render_update = self.compositor.render_update
        self.compositor.render_update = self.render_update  # type: ignore[method-assign]

    def render_update(self, full=False, screen_stack=None, simplify=False):
        compositor = self.compositor
        regions = set(compositor._dirty_regions)
        stock = None
        if regions and not full and compositor.size.region not in regions:
            # Textual's own partial update for the same changes. Drawn twice, keeping
            # the second: a widget may settle while it is drawn (a scroll bar's first
            # render in a frame can still show its previous thumb), and ours is drawn
            # after it, so both must see the same widgets.
            for _ in range(2):
                stock = Compositor.render_partial_update(compositor)
                compositor._dirty_regions.update(regions)
        update = self._render_update(full=full, screen_stack=screen_stack, simplify=simplify)
        if update is None:
            return update
        width, height = compositor.size
        console = Console(width=width, height=height)
        if isinstance(update, LayoutUpdate) or self.ours is None or self.stock is None:
            self.ours, self.stock = ModelTerminal(width, height), ModelTerminal(width, height)
            stock = update
        elif isinstance(update, ChopsUpdate):
            self.partial += 1
        assert stock is not None
        self.ours.play(list(update.__rich_console__(console, console.options)))
        self.stock.play(list(stock.__rich_console__(console, console.options)))
        self.compare(self.ours.lines, self.stock.lines, f"partial update {self.partial}")
        return update

    def compare(self, got: list[list[Cell]], want: list[list[Cell]], step: str) -> None:
        for y, (line, wanted) in enumerate(zip(got, want)):
            if line != wanted:
                shown = "".join(c for c, _ in line)
                expected = "".join(c for c, _ in wanted)
                self.mismatches.append(f"{step}, line {y}:\n{shown!r}\n{expected!r}")
                return

    def pending(self) -> bool:
        screen = self.screen
        return bool(
            screen._dirty_widgets or self.compositor._dirty_regions
            or screen._layout_required or screen._repaint_required or screen._scroll_required
            or screen.app.animator._animations  # a scroll on its way
            or any(
                w._repaint_required or w._layout_required or w._scroll_required
                for w in screen.walk_children()
            )
        )

    async def settle(self, pilot, step: str) -> None:
        for _ in range(200):
            await pilot.pause()
            if not self.pending():
                return
        raise AssertionError(f"{step}: the screen never settled")

    async def check(self, pilot, step: str) -> None:
        """Compare the terminal with a full render. (Only while the form has not
        scrolled: after a scroll, Textual's own partial updates can leave a line stale
        for a while, so a full render is no reference there.)"""
        await self.settle(pilot, step)
        assert self.ours is not None
        self.checks += 1
        self.compare(self.ours.lines, cells_of(self.compositor.render_strips()), f"after {step}")


@asynctest
async def test_slider_keys_reach_the_screen(db_file: Path) -> None:
    """Every slider key and panel change is on the screen once the app is idle: the
    model terminal matches a full render after each key."""
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        recorder = Recorder(screen)
        screen.refresh()  # start from a full frame
        await recorder.check(pilot, "start")
        steps = [*"Acme", "tab", "right", "right", "5", "h", "l", "1", "end", "home",
                 "tab", "4", "tab", "l", "l", "tab", "5", "3", "shift+tab", "left"]
        for key in steps:
            await pilot.press(key)
            await recorder.check(pilot, key)
    assert recorder.mismatches == [], "\n".join(recorder.mismatches)
    assert recorder.checks == len(steps) + 1 and recorder.partial >= len(steps)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@asynctest
async def test_partial_updates_match_textual(db_file: Path, size) -> None:
    """Through typing, slider keys, a half-visible slider, check boxes, the help
    dialog and the brief preview, every partial update draws what Textual's own
    compositor draws for the same changes."""
    app = make_app(db_path=db_file, settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        screen = await ready(pilot)
        assert isinstance(screen._compositor, DirtyRegionCompositor)
        recorder = Recorder(screen)
        screen.refresh()
        await recorder.settle(pilot, "start")

        async def press(*keys: str) -> None:
            for key in keys:
                await pilot.press(key)
                await recorder.settle(pilot, key)

        await press(*"Acme")
        await press("tab", "right", "right", "5", "h", "tab", "4", "tab", "l", "l")
        await press("tab", "end", "home", "3")
        # a slider half scrolled out of view: only its visible part may be drawn
        form = screen.query_one("#form")
        slider = screen.query_one("#csm_capability", Slider)
        form.scroll_to(y=slider.virtual_region.y + 2, animate=False)
        await recorder.settle(pilot, "scroll")
        await press("left", "right", "5", "1", "l", "h")
        for box in ("#signal-sla-breached", "#signal-senior-requested", "#manager-surprised"):
            screen.query_one(box).focus()  # scrolls the form to it
            await recorder.settle(pilot, f"focus {box}")
            await press("space")
        screen.query_one("#time_sensitivity", Slider).focus()
        await recorder.settle(pilot, "focus a slider")
        await press("5", "4", "5", "1")
        await pilot.press("f1")  # the help dialog over the screen, then back
        await pilot.pause()
        await pilot.press("escape")
        await press("right", "right")
        await pilot.pause(0.3)  # the debounced brief preview
        await recorder.settle(pilot, "preview")

    assert recorder.mismatches == [], "\n".join(recorder.mismatches)
    assert recorder.partial >= 30  # it really compared


class Pair(App[None]):
    """A slider beside a panel text, as on the assess screen."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical():
                yield Slider("Impact", {n: f"level {n}" for n in range(1, 6)}, id="slider")
            with Vertical():
                yield PanelText("one line", id="panel")

    def on_mount(self) -> None:
        self.screen._compositor = DirtyRegionCompositor()


@asynctest
async def test_direct_repaint_keeps_textual_path_for_layout() -> None:
    """A widget that needs a new layout inside `direct_repaints` still gets it."""
    app = Pair()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        panel = app.query_one("#panel", PanelText)
        assert panel.region.height == 1
        with direct_repaints(app.screen):
            panel.show("three", lambda: Content("a\nb\nc"))
        await pilot.pause()
        assert panel.region.height == 3
        assert "a\nb\nc" in str(panel.render())


@asynctest
async def test_slider_changed_arrives_after_the_redraw_and_can_be_prevented() -> None:
    seen: list[int] = []

    class Listening(Pair):
        def on_slider_changed(self, event: Slider.Changed) -> None:
            seen.append(event.value)

    app = Listening()
    async with app.run_test(size=(60, 12)) as pilot:
        slider = app.query_one("#slider", Slider)
        slider.focus()
        await pilot.press("right", "right", "4")
        await pilot.pause()
        assert slider.value == 4
        assert seen and seen[-1] == 4
        count = len(seen)
        with app.prevent(Slider.Changed):
            slider.value = 1
        await pilot.pause()
        assert slider.value == 1 and len(seen) == count


@asynctest
async def test_changed_is_posted_only_where_it_is_handled() -> None:
    from textual import on

    class Decorated(Pair):
        @on(Slider.Changed, "#slider")
        def seen(self, event: Slider.Changed) -> None:
            self.last = event.value

    for app, heard in ((Pair(), False), (Decorated(), True)):
        async with app.run_test(size=(60, 12)) as pilot:
            slider = app.query_one("#slider", Slider)
            assert slider._changed_heard is heard
            slider.focus()
            await pilot.press("5")
            await pilot.pause()
            assert slider.value == 5
            if heard:
                assert app.last == 5
