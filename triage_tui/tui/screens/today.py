"""Today (F5): everything that needs the CSM now, most urgent first — the ``due`` list.

Each row: the escalation, its account, what is due, how late (or how soon), and the one
key that acts on it (the domain's ``DUE_ACTIONS``). Every action key works on any row
(u update · n note · a ack · e re-score · d de-escalate · v resolve · k check in); enter
opens the escalation's detail. The list loads in a worker from the store's escalations
(closed ones are never read into it) and is read again after every change, when the
screen comes back, and every minute (time passes: a due item becomes overdue).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from ...domain.escalation import DUE_LABELS, DueItem
from ...domain.text import fit, inert
from ..widgets.commands import ScreenCommands
from .act import ACTION_BINDINGS, ACTIONS, EscalationActions, span

if TYPE_CHECKING:
    from ...domain.models import Assessment
    from ..app import TriageApp

REFRESH_SECONDS = 60.0
# Rows shown at most: the most urgent first. A history where thousands are overdue at
# once shows the first ones and says how many more there are (a table of 10 000 rows
# takes seconds to build and nobody works through it from the bottom).
MAX_ROWS = 500


def load_due(store: Any, now: datetime, settings: Any) -> list[DueItem]:
    """The due list (most urgent first) from the store's escalations."""
    from ...domain.escalation import due_items

    return due_items(store.escalations(include_closed=False), now, settings)


def how_late(item: DueItem, now: datetime) -> str:
    """"3 h late", "2 d late", "due today", "in 5 h"."""
    delta = item.late_by(now)
    if delta >= timedelta(0):
        return f"{span(delta)} late"
    if isinstance(item.due, datetime):
        return f"in {span(-delta)}"
    return "due today" if item.due == now.date() else f"due {item.due:%a %d %b}"


class TodayScreen(EscalationActions, Screen[None]):
    """The due list in a table; the action keys act on the highlighted row."""

    CSS_PATH = "today.tcss"
    AUTO_FOCUS = "#today-table"
    COMMANDS = {ScreenCommands}

    BINDINGS = [
        *ACTION_BINDINGS,
        Binding("ctrl+r", "reload", "Reload", show=False, id="today.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False  # True once the table shows stored items (tests, benchmarks)
        self.load_seconds: float | None = None
        self.items: list[DueItem] = []
        self.as_of: datetime | None = None

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading what is due…", id="today-summary")
        yield DataTable(id="today-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.reload()

    def on_resize(self) -> None:
        if self.loaded:
            self._show(self.items, self.as_of)

    # ----------------------------------------------------------------- loading

    def reload(self) -> None:
        self._started = time.perf_counter()
        self._load()

    def action_reload(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="today-load")
    def _load(self) -> None:
        worker = get_current_worker()
        app = self.triage
        now = app.now()
        try:
            items = load_due(app.store(), now, app.settings)
        except Exception as exc:  # StoreError: a corrupt or unreadable file
            if not worker.is_cancelled:
                app.call_from_thread(self._failed, str(exc))
            return
        if not worker.is_cancelled:
            app.call_from_thread(self._loaded, items, now)

    def _failed(self, message: str) -> None:
        self.query_one("#today-summary", Static).update(
            Text(inert(f"Cannot read the history: {message}")))
        self.notify(inert(message), title="Today", severity="error", timeout=10, markup=False)
        self.loaded = True

    def _loaded(self, items: list[DueItem], now: datetime) -> None:
        self._show(items, now)
        if not self.loaded:
            self.load_seconds = time.perf_counter() - self._started
        self.loaded = True
        self.triage.show_overdue(sum(1 for i in items if i.overdue))

    def _show(self, items: list[DueItem], now: datetime | None) -> None:
        self.items, self.as_of = items, now
        table = self.query_one(DataTable)
        current = self.current()
        keep = (current.id, current.kind) if current else None
        old_row = table.cursor_row
        overdue = sum(1 for i in items if i.overdue)
        when = f"{now:%a %d %b %Y %H:%M}" if now else ""
        summary = self.query_one("#today-summary", Static)
        if not items:
            summary.update(f"Nothing needs you now ({when}).")
        else:
            more = (f" · the {MAX_ROWS} most urgent shown" if len(items) > MAX_ROWS else "")
            summary.update(f"{overdue} overdue · {len(items) - overdue} due · as of {when}{more}")
        items = items[:MAX_ROWS]
        colors = self.app.theme_variables
        late, soon = f"bold {colors.get('error', 'red')}", colors.get("warning", "yellow")
        width = self.size.width or 80
        # "#", when, key are fixed; account and what share the rest (2 columns of padding each)
        rest = max(width - 2 * 5 - 6 - 11 - 12 - 2, 30)
        what_width = min(max(label_width(), 20), rest - 12)
        account_width = max(rest - what_width, 10)
        table.clear(columns=True)
        table.add_column("#", key="id")
        table.add_column("Account", key="account")
        table.add_column("What", key="what")
        table.add_column("When", key="when")
        table.add_column("Key", key="key")
        # the same item if it is still due, else the row that took its place
        cursor = max(min(old_row, len(items) - 1), 0)
        for n, item in enumerate(items):
            action = ACTIONS[item.action]
            style = late if item.overdue else soon
            table.add_row(
                Text(f"#{item.id}", justify="right"),
                Text(fit(inert(item.account), account_width), no_wrap=True),
                Text(fit(DUE_LABELS[item.kind], what_width), no_wrap=True),
                Text(how_late(item, now) if now else "", style=style, no_wrap=True),
                Text(f"{action.key} {action.label.lower()}", style="bold", no_wrap=True),
                key=f"{item.id}:{item.kind.value}",
            )
            if keep == (item.id, item.kind):
                cursor = n
        if items:
            table.move_cursor(row=cursor, animate=False)

    def current(self) -> DueItem | None:
        table = self.query_one(DataTable)
        if not self.items or table.row_count == 0:
            return None
        row = table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    # ----------------------------------------------------------------- acting

    def acting_on(self) -> tuple[int, str] | None:
        item = self.current()
        return None if item is None or item.id is None else (item.id, item.account)

    def escalation_changed(self, record_id: int) -> None:
        self.reload()

    @on(DataTable.RowSelected)
    def _open_row(self, event: DataTable.RowSelected) -> None:
        item = self.current()
        if item is not None and item.id is not None:
            self._fetch(item.id)

    @work(thread=True, exclusive=True, group="today-open")
    def _fetch(self, record_id: int) -> None:
        try:
            a = self.triage.store().get(record_id)
        except Exception as exc:
            self.app.call_from_thread(self.notify, inert(str(exc)), title="Today",
                                      severity="error", markup=False)
            return
        self.app.call_from_thread(self._show_detail, a)

    def _show_detail(self, a: Assessment) -> None:
        from .detail import DetailScreen

        self.app.push_screen(DetailScreen(a))

    # ----------------------------------------------------------------- palette

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        commands: list[tuple[str, str, Any]] = [
            ("Today: reload", "Read the due list again (ctrl+r)", self.action_reload)]
        if self.current() is not None:
            for action in ACTIONS.values():
                commands.append((f"Today: {action.verb.lower()}", f"On the selected row ({action.key})",
                                 lambda name=action.name: self.action_act(name)))
        return commands


def label_width() -> int:
    return max(len(label) for label in DUE_LABELS.values())
