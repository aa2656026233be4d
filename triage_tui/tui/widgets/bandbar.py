"""The score band drawn on the 4–20 scale, each band in its theme colour."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ...domain.rubric import TOTAL_MAX, TOTAL_MIN, band_for_total
from .lines import KeptLines


class BandBar(KeptLines, Widget):
    """Two lines: the 4–20 scale coloured by band, and a marker under the total (kept per
    total: see widgets/lines.py)."""

    total: reactive[int] = reactive(TOTAL_MIN)
    """The total to mark (a change repaints; the size never changes)."""

    def __init__(self, total: int = TOTAL_MIN, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(BandBar.total, total)

    def shown(self) -> int:
        return self.total

    def render(self) -> Content:
        width = max(self.content_size.width, 20)
        count = TOTAL_MAX - TOTAL_MIN + 1
        left, right = f"{TOTAL_MIN} ", f" {TOTAL_MAX}"
        cell = max(1, (width - len(left) - len(right)) // count)
        parts: list[tuple[str, str] | str] = [(left, "$text-muted")]
        for total in range(TOTAL_MIN, TOTAL_MAX + 1):
            style = f"${band_for_total(total).style}"
            if total == self.total:
                parts.append(("█" * cell, f"bold {style}"))
            elif total < self.total:
                parts.append(("▆" * cell, style))
            else:
                parts.append(("▁" * cell, f"{style} 60%"))
        parts.append((right, "$text-muted"))
        position = len(left) + (self.total - TOTAL_MIN) * cell + (cell - 1) // 2
        label = f"▲ {self.total}"
        if position + len(label) > width:
            label = f"{self.total} ▲"
            position = max(0, position - len(label) + 1)
        style = f"bold ${band_for_total(self.total).style}"
        under = Content.assemble(" " * position, (label, style))
        return Content("\n").join([Content.assemble(*parts), under])
