"""The lead's per-CSM table on the review screen: one row per CSM of the team review
(:class:`~triage_tui.domain.review.CsmFigures`), the same figures as ``triage stats``.

Sorted by escalations (most first) to start with; ``s`` sorts by the next column, ``S``
reverses, a click on a header sorts by it (again: reversed). Names sort A→Z, figures
highest first; a CSM without a figure (no acknowledgement, nothing rated) sorts last
either way. The CSM keeps the cursor across sorts and reloads; the cursor shows while
the table has focus.

Usernames are data: every cell is a ``Text`` built from the value (control characters
shown inert), never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from ...domain.review import CsmFigures
from ...domain.text import display_width, fit, inert, pad


@dataclass(frozen=True)
class TeamColumn:
    key: str
    label: str  # 110 columns and wider
    short: str  # narrower (80-column terminals)
    value: Callable[[CsmFigures], Any]  # what it sorts by (None: sorts last)
    numeric: bool = True


def _updates_pct(c: CsmFigures) -> float | None:
    return c.updates_on_time_pct


COLUMNS: tuple[TeamColumn, ...] = (
    TeamColumn("csm", "CSM", "CSM", lambda c: c.csm.casefold(), numeric=False),
    TeamColumn("escalations", "Escalations", "Esc.", lambda c: c.escalations),
    TeamColumn("ack", "Ack median", "Ack", lambda c: c.median_hours_to_ack),
    TeamColumn("late", "Late acks", "Late", lambda c: c.acks_late),
    TeamColumn("updates", "Updates on time", "On time", _updates_pct),
    TeamColumn("stalls", "Stalls", "Stalls", lambda c: c.stalled),
    TeamColumn("satisfaction", "Satisfaction", "Satisf.", lambda c: c.satisfaction_average),
)
KEYS = tuple(c.key for c in COLUMNS)
DEFAULT_SORT = "escalations"
WIDE_LABELS_AT = 96  # the table's own width
CSM_WIDTH = 24  # a longer username is cut with "…"


def sort_csms(csms: Sequence[CsmFigures], key: str, reverse: bool = False) -> list[CsmFigures]:
    """``csms`` in the column's order: names A→Z, figures highest first (``reverse``: the
    other way); rows without the figure last; ties by name."""
    column = COLUMNS[KEYS.index(key)]
    by_name = sorted(csms, key=lambda c: (c.csm.casefold(), c.csm))
    if key == "csm":
        return by_name[::-1] if reverse else by_name
    have = [c for c in by_name if column.value(c) is not None]
    missing = [c for c in by_name if column.value(c) is None]
    have.sort(key=column.value, reverse=not reverse)  # stable: ties stay A→Z
    return have + missing


def cells(c: CsmFigures, styles: dict[str, str]) -> list[Text]:
    """One row's cells (``styles``: "warning", "error", "success" → a Rich style)."""
    warn = styles["warning"]
    ack = "—" if c.median_hours_to_ack is None else f"{c.median_hours_to_ack:.1f} h"
    due = c.updates + c.updates_missed
    if due:
        pct = "" if c.updates_on_time_pct is None else f" {c.updates_on_time_pct:.0f}%"
        updates = Text(f"{c.updates_on_time}/{due}{pct}", justify="right",
                       style=warn if c.updates_on_time < due else "")
    else:
        updates = Text("—", justify="right")
    if c.satisfaction_average is None:
        satisfaction = Text("—", justify="right")
    else:
        level = c.satisfaction_average
        style = styles["success"] if level >= 4 else (warn if level >= 3 else styles["error"])
        satisfaction = Text.assemble((f"{level:.1f}", f"bold {style}"),
                                     f"/5 ({c.satisfaction_rated})", justify="right")
    return [
        Text(fit(inert(c.csm), CSM_WIDTH), style="bold", no_wrap=True),
        Text(str(c.escalations), justify="right"),
        Text(ack, justify="right"),
        Text(str(c.acks_late), justify="right", style=f"bold {warn}" if c.acks_late else ""),
        updates,
        Text(str(c.stalled), justify="right", style=f"bold {warn}" if c.stalled else ""),
        satisfaction,
    ]


class TeamTable(DataTable):
    """Per CSM: escalations, time to acknowledge, updates on time, stalls, satisfaction."""

    BINDINGS = [
        Binding("s", "sort_next", "Sort", id="team.sort"),
        Binding("S", "sort_reverse", "Reverse", id="team.reverse"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.show_cursor = False  # the cursor shows while the table has focus (t or tab)
        self.csms: list[CsmFigures] = []  # as shown, in order
        self.sort_key = DEFAULT_SORT
        self.sort_reverse = False

    def show(self, csms: Sequence[CsmFigures]) -> None:
        """Show these CSMs' figures in the current order, the cursor on the same CSM."""
        current = self.current()
        old_row = self.cursor_row
        self.csms = sort_csms(csms, self.sort_key, self.sort_reverse)
        colors = self.app.theme_variables
        styles = {name: colors.get(name, fallback)
                  for name, fallback in (("warning", "yellow"), ("error", "red"),
                                         ("success", "green"))}
        wide = (self.size.width or self.app.size.width) >= WIDE_LABELS_AT
        rows = [cells(c, styles) for c in self.csms]
        self.clear(columns=True)
        for n, column in enumerate(COLUMNS):
            label = column.label if wide else column.short
            if column.key == self.sort_key:  # ▼ the first row is the highest (or A)
                down = self.sort_reverse == (column.key == "csm")
                label += " ▼" if down else " ▲"
            if column.numeric:  # over right-aligned figures, the label is right-aligned too
                label = pad(label, max([display_width(label), *(r[n].cell_len for r in rows)]),
                            right=True)
            self.add_column(Text(label), key=column.key)
        cursor = min(max(old_row, 0), max(len(self.csms) - 1, 0))
        for n, (c, row) in enumerate(zip(self.csms, rows)):
            self.add_row(*row, key=c.csm)
            if current is not None and c.csm == current.csm:
                cursor = n
        if self.csms:
            self.move_cursor(row=cursor, animate=False)

    def on_focus(self) -> None:
        self.show_cursor = True

    def on_blur(self) -> None:
        self.show_cursor = False

    def current(self) -> CsmFigures | None:
        row = self.cursor_row
        return self.csms[row] if self.csms and 0 <= row < len(self.csms) else None

    def set_sort(self, key: str, reverse: bool = False) -> None:
        self.sort_key, self.sort_reverse = key, reverse
        self.show(self.csms)

    def action_sort_next(self) -> None:
        self.set_sort(KEYS[(KEYS.index(self.sort_key) + 1) % len(KEYS)])

    def action_sort_reverse(self) -> None:
        self.set_sort(self.sort_key, not self.sort_reverse)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        self.set_sort(key, not self.sort_reverse if key == self.sort_key else False)
