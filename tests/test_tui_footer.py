"""SteadyFooter: a focus move that leaves the shown keys alone does not rebuild the footer
(a rebuild is a layout pass of the whole screen, paid by the next key); a change of the
shown keys still shows."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from triage_tui.domain.settings import Settings
from triage_tui.tui.app import make_app
from triage_tui.tui.widgets.footer import SteadyFooter
from triage_tui.tui.widgets.slider import Slider

from tui_helpers import asynctest, wait_for

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def keys(footer: SteadyFooter) -> list[Widget]:
    return list(footer.children)


class Loud(Widget, can_focus=True):
    BINDINGS = [Binding("x", "app.bell", "Extra key")]


class Small(App[None]):
    BINDINGS = [Binding("ctrl+s", "bell", "Save")]

    def compose(self) -> ComposeResult:
        yield Input(id="a")
        yield Input(id="b")
        yield Loud(id="loud")
        yield SteadyFooter()


@asynctest
async def test_same_keys_no_rebuild_new_keys_shown() -> None:
    app = Small()
    async with app.run_test(size=(80, 10)) as pilot:
        footer = app.query_one(SteadyFooter)
        await wait_for(pilot, lambda: bool(footer.children))
        before = keys(footer)
        assert [k.description for k in before if hasattr(k, "description")][:1] == ["Save"]
        await pilot.press("tab")  # a → b: the same keys
        await pilot.pause(0.1)
        await pilot.press("a")  # the next key is where a rebuild would land
        await pilot.pause(0.1)
        assert keys(footer) == before
        await pilot.press("tab")  # b → the widget with a shown key
        await wait_for(pilot, lambda: any(getattr(k, "description", "") == "Extra key"
                                          for k in footer.children))
        await pilot.press("shift+tab")  # back: the extra key goes again
        await wait_for(pilot, lambda: not any(getattr(k, "description", "") == "Extra key"
                                              for k in footer.children))


@asynctest
async def test_assess_footer_is_not_rebuilt_between_sliders(tmp_path: Path) -> None:
    app = make_app(db_path=tmp_path / "h.json", settings=Settings(), now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        footer = app.screen.query_one(SteadyFooter)
        await wait_for(pilot, lambda: bool(app.screen.query("#brief")))
        await pilot.pause(0.2)
        before = keys(footer)
        assert before
        for key in ("tab", "3", "tab", "4", "shift+tab", "5"):
            await pilot.press(key)
            await pilot.pause(0.05)
        assert isinstance(app.focused, Slider) and app.focused.value == 5
        assert keys(footer) == before


@pytest.mark.parametrize("width", [84, 90, 98, 100, 109, 110, 120])
@asynctest
async def test_the_palette_hint_never_covers_a_key(tmp_path: Path, width: int) -> None:
    """At any width the assess footer shows its palette hint only beside every key: at
    84–98 columns the hint used to cover the last ones ("f5 To▏^p palette")."""
    app = make_app(db_path=tmp_path / "h.json", settings=Settings())
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        keys = [k for k in app.screen.query("FooterKey") if k.display]
        hint = [k for k in keys if k.has_class("-command-palette")]
        others = [k for k in keys if not k.has_class("-command-palette")]
        assert others
        if hint:
            assert max(k.region.right for k in others) <= hint[0].region.x
        assert bool(hint) == (width >= 100)
