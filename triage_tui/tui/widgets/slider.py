"""A small 1–5 slider: a clamped reactive value, a track, and the text of the current level.

Keys: left/right and h/l step by one, 1–5 set the value, home/end jump to the ends.
A click on the track sets the value under the mouse. A listener watches `value` (Textual's
`watch`): the slider posts no message of its own (nothing handled one, and each key paid for
its trip up through the form, the screen and the app).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from .lines import KeptLines


class Slider(KeptLines, Widget, can_focus=True):
    """An integer slider from `minimum` to `maximum` (1–5 by default). Its lines are kept
    per value (see widgets/lines.py): the label and level texts never change."""

    DEFAULT_CSS = """
    Slider {
        height: auto;
        width: 1fr;
        padding: 0 1;
        margin: 0 0 1 0;
        border-left: blank;
    }
    Slider:focus {
        background: $boost;
        border-left: thick $primary;
    }
    """

    # Content styles (theme variables, so every theme looks right).
    TRACK = "$foreground 25%"
    FILLED = "$primary"
    TICK = "$foreground 60%"
    THUMB = "bold $text on $primary"

    BINDINGS = [
        Binding("left,h", "step(-1)", "Lower", show=False, id="slider.lower"),
        Binding("right,l", "step(1)", "Raise", show=False, id="slider.raise"),
        Binding("home", "set_value(1)", "Lowest", show=False, id="slider.lowest"),
        Binding("end", "set_value(5)", "Highest", show=False, id="slider.highest"),
        *(
            Binding(str(n), f"set_value({n})", "Set the value", show=False, id=f"slider.set{n}")
            for n in range(1, 6)
        ),
    ]

    value: reactive[int] = reactive(1, init=False)
    """The current value, always clamped to minimum..maximum."""

    def __init__(
        self,
        label: str,
        levels: Mapping[int, str] | None = None,
        *,
        value: int = 1,
        minimum: int = 1,
        maximum: int = 5,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.label = label
        self.levels = dict(levels or {})
        self.minimum = minimum
        self.maximum = maximum
        self._height_cache: tuple[int, int] = (-1, 0)
        self.set_reactive(Slider.value, self.validate_value(value))

    # ----------------------------------------------------------------- value

    def validate_value(self, value: int) -> int:
        return max(self.minimum, min(self.maximum, int(value)))

    def action_step(self, delta: int) -> None:
        self.value = self.validate_value(self.value + delta)

    def action_set_value(self, value: int) -> None:
        if self.minimum <= value <= self.maximum:
            self.value = value

    # ----------------------------------------------------------------- drawing

    def shown(self) -> int:
        return self.value

    def _positions(self, width: int) -> list[int]:
        """Column of each value on the track."""
        count = self.maximum - self.minimum
        span = max(width - 3, count)
        return [1 + round(i * span / count) for i in range(count + 1)]

    def render(self) -> Content:
        width = max(self.content_size.width, 12)
        value_text = f"{self.value}/{self.maximum}"
        gap = max(1, width - len(self.label) - len(value_text))
        parts: list[str | tuple[str, str]] = [
            (self.label, "bold"),
            " " * gap,
            (value_text, "bold $primary"),
            "\n",
        ]
        positions = self._positions(width)
        thumb_at = positions[self.value - self.minimum]
        column = 0
        for index, pos in enumerate(positions):
            number = self.minimum + index
            bar_style = self.FILLED if pos <= thumb_at else self.TRACK
            if pos - 1 > column:
                parts.append(("━" * (pos - 1 - column), bar_style))
                column = pos - 1
            if number == self.value:
                parts.append((f" {number} ", self.THUMB))
            else:
                parts.append((f" {number} ", self.TICK if number > self.value else self.FILLED))
            column += 3
        if column < width:
            parts.append(("━" * (width - column), self.TRACK))
        level = self.levels.get(self.value)
        if level:
            parts += ["\n", (level, "$text-muted")]
        return Content.assemble(*parts)

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[override]
        """Room for the longest level text: the height never changes with the value, so
        a key press repaints the slider without a new layout (and nothing below jumps)."""
        width = max(width, 1)
        if self._height_cache[0] != width:
            lines = [len(Content(text).wrap(width)) for text in self.levels.values()]
            self._height_cache = (width, 2 + max(lines, default=0))
        return self._height_cache[1]

    # ----------------------------------------------------------------- mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y > 1:
            return
        positions = self._positions(max(self.content_size.width, 12))
        nearest = min(range(len(positions)), key=lambda i: abs(positions[i] - offset.x))
        self.value = self.minimum + nearest
        event.stop()
