"""The history table: a Line-API widget that draws only the rows on screen.

A ``DataTable`` rebuilt with 10 000 rows on every filter keystroke costs far more than a
frame; this table is fed a plain list of pre-built :class:`Row` objects and renders the
visible window only, so setting a new (filtered or sorted) list costs nothing until
the next paint, and a paint costs the same at 100 or 10 000 rows.

Keys: ↑ ↓ (k j) move, page up / page down, home / end, enter opens the row.
Mouse: click a header to sort by it, click a row to move there, click it again to open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...readmodel import DECISION_SHORT, SORTS, TYPE_SHORT, TYPE_TINY, Row


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # preferred width in cells
    min_width: int = 0  # flexible columns shrink down to this
    flex: bool = False
    right: bool = False
    drop_below: int = 0  # hidden when the table is narrower than this
    narrow_width: int = 0  # its width below NARROW_BELOW columns (0: the same)


NARROW_BELOW = 96  # a table narrower than this uses the narrow widths (80-column terminals)

# The # column stays at 80 columns: two rows of one account on one day are told apart.
COLUMNS: tuple[Column, ...] = (
    Column("id", "#", 5, right=True, narrow_width=4, drop_below=76),
    Column("date", "Date", 10),
    Column("account", "Account", 26, min_width=9, flex=True),
    Column("total", "Total", 7, right=True, narrow_width=6),  # "Total ▼" / "Total▼"
    Column("decision", "Decision", 14, narrow_width=12),  # narrow: no "● " before the word
    Column("type", "Type", 18, min_width=9, flex=True),
    Column("status", "Status", 12, min_width=9, flex=True),  # "acknowledged", "de-escalated"
    Column("followup", "Follow-up", 11),
)
GAP = 1
# The escalation statuses that need more than 9 cells, for a narrow table.
STATUS_TINY = {"acknowledged": "acked", "de-escalated": "de-esc."}


def layout(width: int, columns: Sequence[Column] = COLUMNS) -> list[tuple[Column, int]]:
    """Each shown column with its width, filling ``width`` cells."""
    shown = [c for c in columns if width >= c.drop_below]
    if width < NARROW_BELOW:
        shown = [replace(c, width=c.narrow_width) if c.narrow_width else c for c in shown]
    fixed = sum(c.width for c in shown if not c.flex) + GAP * (len(shown) - 1)
    flex = [c for c in shown if c.flex]
    room = max(0, width - fixed)
    want = sum(c.width for c in flex) or 1
    widths: dict[str, int] = {}
    if room >= want:
        extra = room - want  # the account column takes what is left over
        for c in flex:
            widths[c.key] = c.width + (extra if c.key == flex[0].key else 0)
    else:  # below the preferred widths: each gets its minimum, plus a share of the rest
        spare = max(0, room - sum(c.min_width for c in flex))
        slack = sum(c.width - c.min_width for c in flex) or 1
        given = 0
        for c in flex:
            widths[c.key] = c.min_width + spare * (c.width - c.min_width) // slack
            given += widths[c.key]
        widths[flex[0].key] += max(0, room - given)  # rounding leftovers
    return [(c, widths.get(c.key, c.width)) for c in shown]


class HistoryTable(ScrollView, can_focus=True):
    """Rows of the history, one line each, under a fixed header line."""

    COMPONENT_CLASSES = {
        "history-table--header",
        "history-table--header-sorted",
        "history-table--cursor",
        "history-table--cursor-blur",
        "history-table--muted",
        "history-table--handle-yourself",
        "history-table--escalate-for-support",
        "history-table--escalate-with-urgency",
        "history-table--escalate-immediately",
        "history-table--due",
        "history-table--overdue",
        "history-table--done",
    }

    DEFAULT_CSS = """
    HistoryTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    HistoryTable > .history-table--header {
        text-style: bold;
        color: $text-muted;
        background: $panel;
    }
    HistoryTable > .history-table--header-sorted {
        text-style: bold;
        color: $primary;
        background: $panel;
    }
    HistoryTable > .history-table--cursor-blur {
        background: $primary 20%;
    }
    HistoryTable:focus > .history-table--cursor {
        background: $primary 45%;
        text-style: bold;
    }
    HistoryTable > .history-table--cursor {
        background: $primary 20%;
    }
    HistoryTable > .history-table--muted { color: $text-muted; }
    HistoryTable > .history-table--handle-yourself { color: $success; }
    HistoryTable > .history-table--escalate-for-support { color: $primary; }
    HistoryTable > .history-table--escalate-with-urgency { color: $warning; }
    HistoryTable > .history-table--escalate-immediately { color: $error; text-style: bold; }
    HistoryTable > .history-table--due { color: $warning; text-style: bold; }
    HistoryTable > .history-table--overdue { color: $error; text-style: bold reverse; }
    HistoryTable > .history-table--done { color: $success; }
    """

    BINDINGS = [
        Binding("enter", "select", "Open", id="history.open"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="history.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="history.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="history.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="history.page-down"),
        Binding("home", "first", "First", show=False, id="history.first"),
        Binding("end", "last", "Last", show=False, id="history.last"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class RowSelected(Message):
        """Enter (or a second click) on a row."""

        def __init__(self, table: HistoryTable, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> HistoryTable:
            return self.table

    class NeedMore(Message):
        """The view reached the last rows and ``more`` says others can be read."""

        def __init__(self, table: HistoryTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> HistoryTable:
            return self.table

    class HeaderSelected(Message):
        """A click on a column header."""

        def __init__(self, table: HistoryTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> HistoryTable:
            return self.table

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows: Sequence[Row] = []
        self.sort_key = "date"
        self.sort_reverse = False
        self.empty_text = "No assessments yet."
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._styles: dict[str, Style] = {}
        self._strips: dict[tuple[int, bool, int], Strip] = {}
        self._minute = 0
        self._layout: tuple[int, list[tuple[Column, int]]] | None = None
        self.more = False  # rows after the last can be read (NeedMore when they are near)
        self._asked = False

    # ------------------------------------------------------------------ data

    def set_rows(self, rows: Sequence[Row], *, keep: int | None = None) -> None:
        """Show ``rows`` (already filtered and sorted). ``keep``: the id to keep the
        cursor on if it is still there (else the cursor goes to the top)."""
        self.rows = rows
        self._asked = False
        index = 0
        if keep is not None:
            for i, row in enumerate(rows):
                if row.id == keep:
                    index = i
                    break
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.set_reactive(HistoryTable.cursor, index)
        self._scroll_to_cursor(center=keep is not None)
        self.refresh()

    def extend_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows``: the rows shown, then more after them (the cursor and the
        scroll stay where they are)."""
        self.rows = rows
        self._asked = False
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.refresh()

    @property
    def current(self) -> Row | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def set_sort(self, key: str, reverse: bool) -> None:
        self.sort_key, self.sort_reverse = key, reverse
        self.refresh()

    @property
    def descending(self) -> bool:
        spec = SORTS.get(self.sort_key)
        return spec is not None and spec.newest_first != self.sort_reverse

    def forget(self) -> None:
        """Drop cached lines (rows changed in place, or the clock moved on)."""
        self._strips.clear()
        self.refresh()

    # ------------------------------------------------------------------ cursor

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor(self) -> None:
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self, center: bool = False) -> None:
        body = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if center and not (top <= self.cursor < top + body):
            top = self.cursor - body // 2
        elif self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + body:
            top = self.cursor - body + 1
        top = max(0, min(top, max(0, len(self.rows) + 1 - self.scrollable_content_region.height)))
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=False, force=True, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.scrollable_content_region.height - 2)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.rows) - 1

    async def action_select(self) -> None:
        settle = getattr(self.screen, "settle", None)
        if settle is not None:  # keys typed just before enter are applied first
            await settle()
        row = self.current
        if row is not None:
            self.post_message(self.RowSelected(self, row))

    # ------------------------------------------------------------------ mouse

    def _column_at(self, x: int) -> str | None:
        pos = 0
        for column, width in self._columns():
            if pos <= x < pos + width + GAP:
                return column.key
            pos += width + GAP
        return None

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            key = self._column_at(event.x)
            if key is not None:
                self.post_message(self.HeaderSelected(self, key))
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < len(self.rows):
            if index == self.cursor:
                self.post_message(self.RowSelected(self, self.rows[index]))
            else:
                self.cursor = index

    # ------------------------------------------------------------------ painting

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._strips.clear()
        super().notify_style_update()

    def _on_focus(self, event: events.Focus) -> None:
        self._styles.clear()
        self._strips.clear()
        super()._on_focus(event)

    def _on_blur(self, event: events.Blur) -> None:
        self._styles.clear()
        self._strips.clear()
        super()._on_blur(event)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(
                f"history-table--{name}", partial=True
            )
        return style

    def _columns(self) -> list[tuple[Column, int]]:
        width = self.scrollable_content_region.width
        if self._layout is None or self._layout[0] != width:
            self._layout = (width, layout(width))
        return self._layout[1]

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        self._scroll_to_cursor()

    def _cell(self, text: str, width: int, right: bool) -> str:
        if cell_len(text) > width:
            return set_cell_size(text, width - 1) + "…" if width > 1 else text[:width]
        pad = " " * (width - cell_len(text))
        return pad + text if right else text + pad

    def _cells(self, row: Row, now: datetime, narrow: bool = False, bullet: bool = True
               ) -> dict[str, tuple[str, str | None]]:
        if row.followup_pending():
            if row.followup_overdue(now):
                followup = ("⚑ overdue", "overdue")
            else:
                due = row.checkin_due_at.astimezone() if row.checkin_due_at else None
                followup = (f"⚑ due {due:%m-%d}" if due else "⚑ due", "due")
        elif row.checkin_done_at is not None:
            followup = ("✓ done", "done")
        else:
            followup = ("", None)
        return {
            "id": (str(row.id), "muted"),
            "date": (f"{row.local:%Y-%m-%d}", None),
            "account": (row.account_shown, None),
            "total": (str(row.total), None),
            "decision": (("● " if bullet else "") + DECISION_SHORT[row.decision],
                         row.decision.value),
            "type": ((TYPE_TINY if narrow else TYPE_SHORT)[row.issue_type], "muted"),
            "status": ((STATUS_TINY.get(row.status, row.status) if narrow else row.status),
                       "muted" if row.status in ("resolved", "closed") else None),
            "followup": followup,
        }

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._styles.get("")
        if base is None:
            base = self._styles[""] = self.rich_style
        columns = self._columns()
        if y == 0:
            return self._header(width, base, columns)
        index = int(self.scroll_y) + y - 1
        if self.more and not self._asked and index + self.size.height >= len(self.rows):
            self._asked = True  # once per set of rows
            self.post_message(self.NeedMore(self))
        if index >= len(self.rows):
            if index == 0:
                return Strip([Segment(" " + self.empty_text, base + self._style("muted"))]
                             ).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        row = self.rows[index]
        minute = int(self._now().timestamp() // 60)
        if minute != self._minute:  # "due" turns "overdue" as time passes
            self._minute = minute
            self._strips.clear()
        on_cursor = index == self.cursor
        key = (id(row), on_cursor, width)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 1000:
                self._strips.clear()
            strip = self._strips[key] = self._row_strip(row, on_cursor, width, base, columns)
        return strip

    def _header(self, width: int, base: Style, columns: list[tuple[Column, int]]) -> Strip:
        segments = []
        length = 0
        for i, (column, w) in enumerate(columns):
            label = column.label
            sorted_here = column.key == self.sort_key
            if sorted_here:  # ▼ descending (newest, highest first), ▲ ascending (A→Z)
                arrow = "▼" if self.descending else "▲"
                # the whole label, always: the space goes first when the column is tight
                label += f" {arrow}" if cell_len(label) + 2 <= w else arrow
            style = self._style("header-sorted" if sorted_here else "header")
            gap = " " * GAP if i < len(columns) - 1 else ""
            segments.append(Segment(self._cell(label, w, column.right) + gap, base + style))
            length += w + len(gap)
        return Strip(segments, length).adjust_cell_length(width, base + self._style("header"))

    def _row_strip(self, row: Row, on_cursor: bool, width: int, base: Style,
                   columns: list[tuple[Column, int]]) -> Strip:
        narrow = any(c.key == "type" and w < 16 for c, w in columns)
        bullet = all(w >= 14 for c, w in columns if c.key == "decision")
        cells = self._cells(row, self._now(), narrow, bullet)
        cursor_style = self._style("cursor") if on_cursor else None
        segments = []
        length = 0
        for i, (column, w) in enumerate(columns):
            text, style_name = cells[column.key]
            style = base + self._style(style_name) if style_name else base
            if cursor_style is not None:
                style += cursor_style
            gap = " " * GAP if i < len(columns) - 1 else ""
            segments.append(Segment(self._cell(text, w, column.right) + gap, style))
            length += w + len(gap)
        fill = base + cursor_style if cursor_style else base
        return Strip(segments, length).adjust_cell_length(width, fill)


__all__ = ["COLUMNS", "Column", "HistoryTable", "layout"]
