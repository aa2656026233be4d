"""History screen (F3): every past assessment, newest first, filtered as you type.

The rows load in a worker thread (the first paint never waits for the file). A large
history shows its newest page first (the last lines of the file: only they are parsed,
though the file is still read and checksummed, about 10 ms at 10 000 assessments), then
every row once parsed: filter and sort work meanwhile on what is there and are applied
again when the rest arrives. A store that serves its history in pages (the team server,
``store.pages_history``: a lead's team may have 100 000 escalations), when it holds more
than ``WHOLE_UP_TO``, is read a page at a time, newest first: more as the view nears the last row read, and a filter keystroke asks
the server for the first page of that query (what is loaded is filtered at once
meanwhile); sorting by another column reads it whole. Each row is built once, with
a case-folded haystack of its text, so a filter keystroke is one substring test per row
and the table (a Line-API widget) paints only the visible lines.

Keys: ``/`` filter · enter (in the filter) to the table · enter (on a row) open ·
``s`` sort by the next column · ``S`` (shift+s) reverse the sort · click a header to sort
by it. (``r`` means resolve, on every screen that has it; the history does not use it.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import get_current_worker

from ..widgets.commands import ScreenCommands
from ..widgets.history_table import COLUMNS, HistoryTable
from ...readmodel import (
    PAGE, SORTS, Row, RowPages, filter_rows, load_rows, row_from_assessment, sort_rows,
)
from ..messages import AssessmentChanged, AssessmentDeleted

if TYPE_CHECKING:
    from ...domain.models import Assessment
    from ..app import TriageApp

SORT_ORDER = tuple(c.key for c in COLUMNS)
FIRST_PAGE = 100  # rows shown before the rest of a large history is read (a tall screenful)
# A paged store's history up to this size is read whole all the same (a CSM's own years:
# a filter keystroke then searches memory, no round trip to the server).
WHOLE_UP_TO = 5000
READ_ON_AFTER = 0.15  # seconds a filtered history waits before reading on (typing pauses)
FIRST_PAINT_WAIT = 0.5  # seconds the rest waits at most for the first page to be painted


class FilterInput(Input):
    """The filter: enter or escape go back to the table, keeping the text.

    Both are priority bindings so the focus moves at once: in "/ini Enter Enter" typed
    fast (a script, a quick typist) the second enter reaches the table, not the filter."""

    BINDINGS = [
        Binding("enter", "leave", "To the table", priority=True, id="history.filter-done"),
        Binding("escape", "leave", "To the table", priority=True, show=False,
                id="history.filter-leave"),
    ]

    def action_leave(self) -> None:
        self.screen.set_focus(self.screen.query_one(HistoryTable))


class HistoryScreen(Screen[None]):
    """Past assessments in a table; a filter on top; enter opens one."""

    CSS_PATH = "history.tcss"
    AUTO_FOCUS = "#history-table"
    COMMANDS = {ScreenCommands}

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="history.filter"),
        Binding("s", "sort_next", "Sort", id="history.sort"),
        Binding("S", "sort_reverse", "Reverse", id="history.reverse"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="history.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False  # True once the table shows stored rows (benchmarks wait on it)
        self.complete = False  # True once it shows every stored row (not just the newest)
        self.load_seconds: float | None = None  # opening → first rows shown
        self._all: list[Row] = []  # every row loaded so far, in the current sort order
        self._shown: list[Row] = []
        self._total = 0  # how many the file holds (known before they are all loaded)
        self._query = ""
        self.shown_query = ""  # the filter text whose rows the table shows (benchmarks)
        self._empty_text = ""
        self._sig: tuple[int, ...] | None | bool = False  # file signature of the last load
        self._sort = "date"
        self._reverse = False
        self._resumed = False
        self._pages: RowPages | None = None  # a paged store: the current query's pages
        self._whole = False  # read the paged store whole (sorted by another column)
        self._fetching: RowPages | None = None  # the pages read on (after their last row)
        self._typed_at = 0.0  # when the filter last changed (time.monotonic)

    @property
    def triage(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    # ----------------------------------------------------------------- compose

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filter-row"):
            yield FilterInput(placeholder="/ filter: account or any text (e.g. initech march)",
                        id="history-filter")
            yield Static("", id="history-count")
        yield HistoryTable(now=self.triage.now, id="history-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._table = self.query_one(HistoryTable)
        self._filter = self.query_one("#history-filter", Input)
        self._count = self.query_one("#history-count", Static)
        self._empty_text = "Loading the history…"
        self._table.empty_text = self._empty_text
        self._count.update("loading…")
        self.reload()  # now, not on resume: the read overlaps the screen's first layout

    def on_screen_resume(self) -> None:
        if self._resumed:
            self.reload()  # back from the detail or another screen: has the file changed?
        self._resumed = True

    # ----------------------------------------------------------------- loading

    def reload(self, *, force: bool = False) -> None:
        """Load the rows again if the file changed (a save elsewhere, another process)."""
        self._started = time.perf_counter()
        self._load(force)

    @work(thread=True, exclusive=True, group="history-load")
    def _load(self, force: bool) -> None:
        """First open of a large history: the newest page at once (only the last lines
        of the file are parsed), painted before the rest is parsed, then every row. Later (the file
        changed): every row, swapped in when ready, the old ones shown meanwhile."""
        worker = get_current_worker()
        store = self.triage.store()
        try:
            sig = store.signature()
            if not force and sig == self._sig and (self.complete or self._pages is not None):
                return
            if store.pages_history and not self._whole and store.count() > WHOLE_UP_TO:
                pages = RowPages(store, self._query)
                pages.more(FIRST_PAGE)
                total = store.count()
                if not worker.is_cancelled:
                    self.app.call_from_thread(self._paged, pages, total, sig)
                return
            rows: list[Row] | None = None
            if not self.loaded:
                first = load_rows(store, FIRST_PAGE)
                total = store.count()
                if len(first) >= total:
                    rows = first  # that was all of it
                else:
                    painted = threading.Event()
                    self.app.call_from_thread(self._first_page, first, total, painted)
                    # Let the first page reach the screen before parsing the rest takes
                    # the interpreter (one thread at a time runs Python code).
                    painted.wait(FIRST_PAINT_WAIT)
                    if worker.is_cancelled:
                        return
            order = (self._sort, self._reverse)
            if rows is None:
                rows = load_rows(store)
            if order != ("date", False):  # the file order is already newest first
                rows = sort_rows(rows, *order)
        except Exception as exc:  # StoreError: a corrupt or unreadable file
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._loaded, rows, sig, order)

    def _first_page(self, rows: list[Row], total: int, painted: threading.Event) -> None:
        """The newest rows of a large history, while the rest loads (filter and sort
        work on them; the rest arrives by itself and the query is applied again)."""
        self._all, self._total = sort_rows(rows, self._sort, self._reverse), total
        self._empty_text = "Loading the history…"
        self._apply()
        self.load_seconds = time.perf_counter() - self._started
        self.loaded = True
        self.call_after_refresh(painted.set)

    # ----------------------------------------------------------------- a paged store

    def _paged(self, pages: RowPages, total: int | None, sig: Any) -> None:
        """The first page of the current query (``total``/``sig``: read again, or None)."""
        if pages.query != self._query or self._whole:
            return  # the query changed since (its own page is on its way)
        current = self._table.current
        if total is not None:
            self._total, self._sig = total, sig
        self._pages, self._all = pages, list(pages.rows)
        self._empty_text = "No assessments yet: save one on the assess screen (F2)."
        self._table.more = not pages.done
        if pages.done and not pages.query.strip():  # that was all of it
            self._pages, self.complete = None, True
        self._apply(keep=current.id if current else None)
        if not self.loaded:
            self.load_seconds = time.perf_counter() - self._started
        self.loaded = True

    @work(thread=True, exclusive=True, group="history-page")
    def _page_query(self, query: str) -> None:
        worker = get_current_worker()
        try:
            pages = RowPages(self.triage.store(), query)
            pages.more(FIRST_PAGE)
        except Exception as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._paged, pages, None, None)

    @on(HistoryTable.NeedMore)
    def _need_more(self) -> None:
        pages = self._pages
        if pages is None or pages.done or self._fetching is pages:
            return
        self._fetching = pages
        # Read on once typing pauses (the server answers one read at a time: the next
        # keystroke's would wait behind it).
        wait = READ_ON_AFTER - (time.monotonic() - self._typed_at)
        if wait > 0:
            self.set_timer(wait, lambda: self._read_on(pages))
        else:
            self._more(pages)

    def _read_on(self, pages: RowPages) -> None:
        if pages is self._pages and not self._whole:
            self._more(pages)
        elif self._fetching is pages:
            self._fetching = None

    @work(thread=True, exclusive=True, group="history-more")
    def _more(self, pages: RowPages) -> None:
        try:
            pages.more(PAGE)
        except Exception as exc:
            self.app.call_from_thread(self._more_failed, str(exc))
            return
        self.app.call_from_thread(self._more_loaded, pages)

    def _more_failed(self, message: str) -> None:
        self._fetching = None
        self.notify(message, title="History", severity="error", timeout=10)

    def _more_loaded(self, pages: RowPages) -> None:
        if self._fetching is pages:
            self._fetching = None
        if pages is not self._pages or self._whole:
            return
        self._all = self._shown = list(pages.rows)
        self._table.more = not pages.done
        if pages.done and not pages.query.strip():
            self._pages, self.complete = None, True
        self._table.extend_rows(self._shown)
        self._show_count()

    def _failed(self, message: str) -> None:
        self._pages, self._table.more = None, False
        self._all, self._sig, self._total = [], None, 0
        self._empty_text = f"Cannot read the history: {message}"
        self.complete = True
        self._apply(keep=None)
        self.notify(message, title="History", severity="error", timeout=10)
        self.loaded = True

    def _loaded(self, rows: list[Row], sig: Any, order: tuple[str, bool]) -> None:
        if order != (self._sort, self._reverse):  # the sort changed while loading
            rows = sort_rows(rows, self._sort, self._reverse)
        current = self._table.current
        self._pages, self._table.more = None, False
        self._all, self._sig, self._total = rows, sig, len(rows)
        self._empty_text = "No assessments yet: save one on the assess screen (F2)."
        self.complete = True
        self._apply(keep=current.id if current else None)
        if not self.loaded:
            self.load_seconds = time.perf_counter() - self._started
        self.loaded = True

    # ----------------------------------------------------------------- filter and sort

    def _apply(self, keep: int | None = None, previous: Sequence[Row] | None = None) -> None:
        """Filter the rows (from ``previous`` when the query only grew) and show them."""
        source = self._all if previous is None else previous
        query = self._query.strip()
        pages = self._pages
        if pages is not None and query == pages.query.strip():
            self._shown = self._all  # the server's answer for this query
        else:  # (a paged store: what is loaded, until the server answers)
            self._shown = filter_rows(source, query) if query else self._all
        if not query:
            self._table.empty_text = self._empty_text
        elif pages is not None and query != pages.query.strip():
            self._table.empty_text = f"Looking for “{query}”…"
        elif pages is not None and not pages.done:
            self._table.empty_text = f"Nothing matches “{query}” so far: reading on…"
        elif self.complete or pages is not None:
            self._table.empty_text = f"Nothing matches “{query}”."
        else:
            self._table.empty_text = f"Nothing matches “{query}” so far: reading the rest…"
        self._table.set_rows(self._shown, keep=keep)
        if pages is None or query == pages.query.strip():
            self.shown_query = self._query
        self._show_count()

    def _show_count(self) -> None:
        query = self._query.strip()
        pages = self._pages
        if pages is not None:
            if not query:
                count = f"{self._total:,} assessments"
            else:
                more = "" if pages.done and query == pages.query.strip() else "+"
                count = f"{len(self._shown):,}{more} of {self._total:,}"
        elif not self.complete:
            count = f"{len(self._shown):,} so far…" if query else f"{self._total:,}, loading…"
        elif query:
            count = f"{len(self._shown):,} of {self._total:,}"
        else:
            count = f"{self._total:,} assessments"
        self._count.update(count, layout=False)  # a fixed width: no layout pass per keystroke

    @on(Input.Changed, "#history-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        old, new = self._query, event.value
        self._query = new
        self._typed_at = time.monotonic()
        # Typing on only narrows (each word must match, a longer word matches less):
        # search the rows already shown, not everything again.
        grew = bool(old.strip()) and new.casefold().startswith(old.casefold())
        self._apply(previous=self._shown if grew else None)
        if self._pages is not None:  # a paged store: the server's first page of it
            self._page_query(new)

    def action_focus_filter(self) -> None:
        self.set_focus(self._filter)  # at once, so the next keys land in the filter
        self._filter.cursor_position = len(self._filter.value)

    async def settle(self) -> None:
        """Let the filter finish the keys already sent to it (and apply them), so enter
        typed right after a query opens a row of the filtered table. Waits for the first
        load too (keys sent with F3 arrive before the rows), all of it: enter must open
        the row the complete table puts first."""
        for _ in range(2500):
            if self.complete or (self._pages is not None and self.loaded):
                break
            await asyncio.sleep(0.002)
        for _ in range(100):
            if self._filter._message_queue.empty() and self._query == self._filter.value:
                break
            await asyncio.sleep(0.002)
        else:
            return
        for _ in range(2500):  # a paged store: its answer for that query
            if self._pages is None or self.shown_query == self._query:
                return
            await asyncio.sleep(0.002)

    def set_sort(self, key: str, reverse: bool = False) -> None:
        current = self._table.current
        if self._pages is not None and (key, reverse) != ("date", False):
            self._whole = True  # another order needs every row: read them all
            self.reload(force=True)
        self._sort, self._reverse = key, reverse
        self._all = sort_rows(self._all, key, reverse)
        self._table.set_sort(key, reverse)
        self._apply(keep=current.id if current else None)
        direction = "reversed" if reverse else ("newest first" if key == "date" else "")
        self.notify(f"Sorted by {SORTS[key].label} {direction}".strip() + ".", timeout=2)

    def action_sort_next(self) -> None:
        keys = [k for k in SORT_ORDER if k in SORTS]
        self.set_sort(keys[(keys.index(self._sort) + 1) % len(keys)])

    def action_sort_reverse(self) -> None:
        self.set_sort(self._sort, not self._reverse)

    def action_reload(self) -> None:
        self.reload(force=True)

    @on(HistoryTable.HeaderSelected)
    def _header(self, event: HistoryTable.HeaderSelected) -> None:
        if event.key == self._sort:
            self.set_sort(event.key, not self._reverse)
        else:
            self.set_sort(event.key)

    # ----------------------------------------------------------------- opening a row

    @on(HistoryTable.RowSelected)
    def _open_row(self, event: HistoryTable.RowSelected) -> None:
        self.open_detail(event.row.id)

    def open_detail(self, record_id: int) -> None:
        self._fetch(record_id)

    @work(thread=True, exclusive=True, group="history-open")
    def _fetch(self, record_id: int) -> None:
        try:
            a = self.triage.store().get(record_id)
        except Exception as exc:
            self.app.call_from_thread(self.notify, str(exc), title="History", severity="error")
            return
        self.app.call_from_thread(self._show_detail, a)

    def _show_detail(self, a: Assessment) -> None:
        from .detail import DetailScreen

        self.app.push_screen(DetailScreen(a, rows=self._all if self.complete else None))

    def rows(self) -> list[Row]:
        """Every loaded row (newest first is not guaranteed: the current sort); all of
        them once ``complete``."""
        return self._all

    # ----------------------------------------------------------------- changes from the detail

    @on(AssessmentChanged)
    def _record_changed(self, message: AssessmentChanged) -> None:
        """The detail screen changed an assessment: show it at once (the file is re-read
        on resume)."""
        new = row_from_assessment(message.assessment, message.status)
        self._all = sort_rows([new if r.id == new.id else r for r in self._all],
                              self._sort, self._reverse)
        self._apply(keep=new.id)

    @on(AssessmentDeleted)
    def _record_deleted(self, message: AssessmentDeleted) -> None:
        kept = [r for r in self._all if r.id != message.record_id]
        self._total -= len(self._all) - len(kept)
        self._all = kept
        self._apply(keep=None)

    # ----------------------------------------------------------------- palette

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        commands = [
            ("History: filter", "Focus the filter (/)", self.action_focus_filter),
            ("History: reverse sort", "Reverse the order (S, shift+s)", self.action_sort_reverse),
            ("History: reload", "Read the history file again (ctrl+r)", self.action_reload),
        ]
        for key in SORT_ORDER:
            commands.append((f"History: sort by {SORTS[key].label}", "Sort the table",
                             lambda key=key: self.set_sort(key)))
        if self._table.current is not None:
            commands.append(("History: open the selected assessment", "enter",
                             lambda: self.open_detail(self._table.current.id)))
        return commands

