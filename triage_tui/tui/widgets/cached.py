"""Rendered lines kept by what they show, so a repaint of a state seen before is a look-up.

A slider key press repaints the slider, the total, the band bar and the "why" text. Textual
renders a widget's whole content again on every refresh (wrapping, resolving `$variables`,
building segments): for the slider alone that was most of the key's cost. Pressing left and
right moves between a few states, so the widgets below keep the strips of their last few
states, keyed by what they show plus everything else that shapes the pixels (size, the
widget's visual style, the theme). CSS changes clear the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from itertools import count
from typing import Any

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widgets import Static

from ..repaint import DirectRepaint

_tokens = count()


def content_height(content: Content, width: int) -> int:
    """Lines `content` takes at `width` (no wrapping work when every line fits)."""
    if not width or not content.plain:
        return 0
    lines = content.plain.split("\n")
    if all(cell_len(line) <= width for line in lines):
        return len(lines)
    return len(content.wrap(width))


class CachedLines:
    """Mixin for a Widget whose content depends only on `render_key()`.

    Put it before the widget class: ``class Slider(CachedLines, Widget)``. Two levels:
    the finished lines of a crop (content plus padding, border, background and the app's
    line filters: what the compositor asks for), and the content strips they are made of.
    """

    LINE_CACHE_SIZE = 12

    def render_key(self) -> Hashable:
        """What the content shows (a change of it means a new render)."""
        raise NotImplementedError

    def _cache(self, name: str) -> dict[Hashable, list[Strip]]:
        cache = self.__dict__.get(name)
        if cache is None:
            cache = self.__dict__[name] = {}
        elif len(cache) >= self.LINE_CACHE_SIZE:
            del cache[next(iter(cache))]
        return cache

    def render_lines(self, crop: Region) -> list[Strip]:
        widget: Any = self
        if widget.text_selection is not None:  # selection styles: render as usual
            return super().render_lines(crop)  # type: ignore[misc]
        app = widget.app
        key = (
            self.render_key(), crop, widget.outer_size,
            # The styles of the widget and its ancestors (background, opacity, tint…):
            # each one's key changes whenever one of its styles does.
            tuple(node.styles._cache_key for node in widget.ancestors_with_self),
            app.theme, app.ansi_color, tuple(widget.get_line_filters()),
        )
        lines = self.__dict__.get("_lines_cache", {}).get(key)
        if lines is None:
            lines = super().render_lines(crop)  # type: ignore[misc]
            self._cache("_lines_cache")[key] = lines
        return lines

    def render_line(self, y: int) -> Strip:
        widget: Any = self
        if widget.text_selection is not None:
            return super().render_line(y)  # type: ignore[misc]
        width, height = widget.size
        style = widget.visual_style
        key = (self.render_key(), width, height, style, widget.app.theme)
        strips = self.__dict__.get("_content_cache", {}).get(key)
        if strips is None:
            visual = visualize(widget, widget.render(), markup=widget._render_markup)
            strips = Visual.to_strips(widget, visual, width, height, style)
            self._cache("_content_cache")[key] = strips
        if y < len(strips):
            return strips[y]
        return Strip.blank(width, style.rich_style)

    def notify_style_update(self) -> None:
        self.__dict__.pop("_lines_cache", None)
        self.__dict__.pop("_content_cache", None)
        super().notify_style_update()  # type: ignore[misc]


class PanelText(DirectRepaint, CachedLines, Static):
    """A Static for a live panel: `show(key, build)` renders only when `key` changes, and
    asks for a new layout only when the height changes (a key press is then a repaint)."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._key: Hashable = ("static", next(_tokens))
        self._contents: dict[Hashable, tuple[Content, int, int]] = {}  # content, width, height
        self._shape = (-1, -1)  # (width, height) of what was last shown

    def render_key(self) -> Hashable:
        return self._key

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        self._key = ("static", next(_tokens))
        super().update(content, layout=layout)

    def show(self, key: Hashable, build: Callable[[], Content]) -> None:
        """Show `build()`, unless `key` (what it depends on) is what is shown already."""
        if key == self._key:
            return
        # The content width from the laid-out size (cheaper than `content_region`,
        # which asks the screen for the widget's region).
        width = max(0, self.outer_size.width - self.styles.gutter.width)
        known = self._contents.get(key)
        if known is None or known[1] != width:
            if len(self._contents) >= self.LINE_CACHE_SIZE:
                del self._contents[next(iter(self._contents))]
            content = known[0] if known is not None else build()
            known = self._contents[key] = (content, width, content_height(content, width))
        content, _, height = known
        super().update(content, layout=width == 0 or (width, height) != self._shape)
        self._key = key
        self._shape = (width, height)
