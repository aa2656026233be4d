"""Widgets that keep the lines they drew, per state shown.

Textual draws a widget's lines again after every refresh. On the assess screen a slider
key changes several small widgets at once (the slider, the total, the band bar, the
decision, route and warnings texts), and drawing their lines again (wrapping the text,
resolving its styles, then padding, border and background line by line) was most of a
slider key's frame. Each of them shows one of few states — a slider one of five values,
the band bar one of 17 totals, the decision one of four bands — and moving a slider back
and forth brings the same states back. So these widgets keep the finished lines of their
last states and hand them to Textual again (`render_lines`, public API, with Textual's
`LRUCache`); a state not kept is drawn by Textual as usual.

Lines are kept under everything they depend on: what the widget shows (`shown()`), the
part asked for and the size, the CSS classes, the resolved style (`visual_style`: colours
and text style, focus included), the backgrounds behind it, the border and padding, and
the theme. A widget whose lines depend on anything else (border titles, opacity, tint, an
animation) must not use this.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object  # a mixin: a Widget subclass here would bring Widget's CSS in again

KEPT = 64  # states (a slider has 5 per style, the band bar 17, the verdict's texts a few dozen)


class KeptLines(_Base):
    """Mixin for a widget that keeps its drawn lines per state (see the module doc):
    ``class MyWidget(KeptLines, Widget)`` with a ``shown()``."""

    def shown(self) -> Hashable:
        """What the widget shows (equal values, equal lines at the same size and style)."""
        raise NotImplementedError

    def render_lines(self, crop: Region) -> list[Strip]:
        try:
            kept = self._kept_lines
        except AttributeError:
            kept = self._kept_lines = LRUCache[Hashable, list[Strip]](KEPT)
        styles = self.styles
        key = (self.shown(), crop, self.size, self.classes, self.visual_style,
               self.background_colors, styles.border, styles.padding, self.app.theme)
        lines = kept.get(key)
        if lines is None:
            lines = kept[key] = super().render_lines(crop)
        return lines


class KeptText(KeptLines, Static):
    """A `Static` that keeps its drawn lines per content (the verdict's short texts)."""

    def shown(self) -> Hashable:
        content = self.content
        if isinstance(content, Content):  # its == compares the text alone, not the styles
            return content.plain, tuple(content.spans)
        return content
