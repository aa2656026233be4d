"""widgets/lines.py: lines kept per state are reused for that state only — never for
another text, style, focus, size or theme."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.widgets import Input

from tui_helpers import asynctest
from triage_tui.tui.widgets.bandbar import BandBar
from triage_tui.tui.widgets.lines import KeptText
from triage_tui.tui.widgets.slider import Slider

LEVELS = {n: f"level {n}" for n in range(1, 6)}


class Lines(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Slider("Impact", LEVELS, id="slider")
        yield KeptText(id="text")
        yield BandBar(id="band")


def lines(widget):
    """The finished lines Textual asks the widget for (the whole widget)."""
    return widget.render_lines(Region(0, 0, *widget.region.size))


def drawn(widget) -> list[tuple[str, str]]:
    """The widget's lines as (text, styles) — what reaches the screen."""
    return [(strip.text, "|".join(str(seg.style) for seg in strip)) for strip in lines(widget)]


@asynctest
async def test_a_state_shown_again_reuses_its_lines_and_a_new_one_draws_new_lines() -> None:
    app = Lines()
    async with app.run_test(size=(60, 20)) as pilot:
        slider = app.query_one(Slider)
        slider.value = 3
        await pilot.pause()
        at_three = lines(slider)
        slider.value = 4
        await pilot.pause()
        at_four = drawn(slider)
        assert "4/5" in at_four[0][0] and "level 4" in at_four[2][0]
        slider.value = 3
        await pilot.pause()
        again = lines(slider)
        assert again and all(a is b for a, b in zip(again, at_three, strict=True))  # kept


@asynctest
async def test_the_same_text_in_another_style_is_drawn_again() -> None:
    """Content compares by its text alone: the kept lines must not."""
    app = Lines()
    async with app.run_test(size=(60, 20)) as pilot:
        text = app.query_one(KeptText)
        text.update(Content.styled("Total 6/20", "bold"))
        await pilot.pause()
        bold = drawn(text)
        text.update(Content("Total 6/20"))
        await pilot.pause()
        plain = drawn(text)
        assert bold[0][0] == plain[0][0]
        assert bold[0][1] != plain[0][1]


@asynctest
async def test_focus_size_and_theme_draw_new_lines() -> None:
    app = Lines()
    async with app.run_test(size=(60, 20)) as pilot:
        slider = app.query_one(Slider)
        band = app.query_one(BandBar)
        band.total = 12
        await pilot.pause()
        before, band_before = drawn(slider), drawn(band)
        slider.focus()
        await pilot.pause()
        focused = drawn(slider)
        assert focused != before  # the focus background
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        assert drawn(slider) != focused
        assert drawn(band) != band_before
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        narrow = drawn(slider)
        assert len(narrow[1][0]) < len(focused[1][0])  # the track fits the new width


@asynctest
async def test_a_new_background_behind_draws_new_lines() -> None:
    """The backgrounds behind a widget are part of its lines (padding, blank cells)."""
    app = Lines()
    async with app.run_test(size=(60, 20)) as pilot:
        text = app.query_one(KeptText)
        text.update("Total 6/20")
        await pilot.pause()
        before = drawn(text)
        app.screen.styles.background = "red"
        await pilot.pause()
        after = drawn(text)
        assert after[0][0] == before[0][0] and after != before


@asynctest
async def test_a_new_colour_or_border_draws_new_lines() -> None:
    """Inline styles change neither the classes nor the backgrounds: the resolved style
    and the border are part of the kept lines too."""
    app = Lines()
    async with app.run_test(size=(60, 20)) as pilot:
        slider = app.query_one(Slider)
        before = drawn(slider)
        slider.styles.color = "red"
        await pilot.pause()
        red = drawn(slider)
        assert red != before
        slider.styles.border_left = ("thick", "green")  # as wide as the blank one before
        await pilot.pause()
        assert len(slider.render_lines(Region(0, 0, *slider.region.size))) == len(red)
        assert drawn(slider) != red


@asynctest
async def test_a_theme_differing_only_in_its_primary_colour_draws_new_lines() -> None:
    """The slider's track is drawn in $primary: a theme with other colours for it, and
    the same backgrounds and text, must not get the lines of the one before."""
    from textual.theme import Theme

    app = Lines()
    async with app.run_test(size=(60, 20)) as pilot:
        for name, primary in (("one", "#0000ff"), ("two", "#00ff00")):
            app.register_theme(Theme(name=name, primary=primary, background="#000000",
                                     foreground="#ffffff", dark=True))
        app.theme = "one"
        slider = app.query_one(Slider)
        slider.value = 3
        await pilot.pause()
        one = drawn(slider)
        app.theme = "two"
        await pilot.pause()
        assert drawn(slider) != one
