"""The app shell: modes (assess / history / review), global keys, help, palette, theme.

Startup is a feature: this module imports only what the first frame needs. The
history store, Jinja2 and the Markdown widget are imported later, inside the
functions and workers that use them.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from functools import partial
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from ..domain.settings import Settings
from ..domain.text import inert

if TYPE_CHECKING:
    from ..domain.models import Draft
    from .screens.assess import AssessScreen

TITLE = "triage"
SUB_TITLE = "escalation triage"


def _current_time() -> datetime:
    from ..config import current_time

    return current_time()


def _assess_screen() -> Screen[Any]:
    from .screens.assess import AssessScreen

    return AssessScreen()


def _history_screen() -> Screen[Any]:
    from .screens.history import HistoryScreen

    return HistoryScreen()


def _review_screen() -> Screen[Any]:
    from .screens.review import ReviewScreen

    return ReviewScreen()


def _today_screen() -> Screen[Any]:
    from .screens.today import TodayScreen

    return TodayScreen()


# The cyclic garbage collector, when the CLI started the app without it (cli.run_tui):
# it runs between keys, not during them. A slider key allocates thousands of objects, so
# the automatic collector ran 1-2 times per key (0.2-0.8 ms of a ~7 ms key, measured in
# tmux); here it runs once input has paused this long, or after this many new objects
# (a long burst of typing), and a full pass every tenth time. An idle app's few new
# objects (fewer than Python's own first threshold) wait: no passes while nothing happens.
GC_QUIET_SECONDS = 0.5
GC_LEAST_NEW_OBJECTS = 700
GC_MOST_NEW_OBJECTS = 50_000
GC_FULL_EVERY = 10


OVERDUE_REFRESH_SECONDS = 60.0  # time passes: a due item becomes overdue on its own


class TriageApp(App[None]):
    """The escalation triage app. Build it with `make_app`."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere work too
    TITLE = TITLE
    SUB_TITLE = SUB_TITLE

    # The assess mode is the one the app starts in, and its screen is the app's default
    # screen (`get_default_screen`); the mode is added to these in `on_mount`, so F2 can
    # come back to it. A mode listed here from the start would be mounted while Textual
    # still holds the start-up batch open (it waits for that screen's mount): its first
    # layout and frame were drawn inside the batch, thrown away, and drawn again after it
    # (~25 ms before the first frame at 120x40, a CSS reparse included).
    MODES = {
        "history": _history_screen,
        "review": _review_screen,
        "today": _today_screen,
    }
    DEFAULT_MODE = "assess"

    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help", priority=True),
        Binding("f2", "switch_mode('assess')", "Assess", id="app.assess", priority=True),
        Binding("f3", "switch_mode('history')", "History", id="app.history", priority=True),
        Binding("f4", "switch_mode('review')", "Review", id="app.review", priority=True),
        Binding("f5", "switch_mode('today')", "Today", id="app.today", priority=True),
        Binding("escape", "back", "Back", id="app.back"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        db_path: Path | str,
        settings: Settings,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        # a history file's path, or the team server's postgresql:// URL (kept as it is)
        from ..paths import is_server_url

        self.db_path = db_path if is_server_url(db_path) else Path(db_path)
        self.settings = settings
        # config.current_time: $TRIAGE_NOW when set (every screen reads "now" here)
        self.now: Callable[[], datetime] = now or _current_time
        self.overdue: int | None = None  # overdue items (the badge in every header)
        self._today: tuple[Any, float, Any] | None = None
        self._store: Any = None
        self._store_lock = threading.Lock()
        self.first_frame_shown = False  # see on_ready
        self.assess: AssessScreen | None = None  # the assess mode's screen, once mounted
        self._quit_after_save = False  # ctrl+q pressed while a save was in flight
        self._last_input = 0.0  # time.monotonic() of the last key or mouse event
        self._collections = 0  # passes of the collector run by _collect_garbage
        self._saved_theme = self._load_state().get("theme")
        if isinstance(self._saved_theme, str) and self._saved_theme in self.available_themes:
            self.theme = self._saved_theme

    # ----------------------------------------------------------------- keys

    async def on_event(self, event: events.Event) -> None:
        """Run the binding of a key on arrival, against the focus it was typed into.

        Workaround for https://github.com/Textualize/textual/issues/6605 (see also #1009
        and the open PR #6631): Textual resolves a non-priority binding only when its key
        has bubbled back up to the app, against whatever has focus *then*. In a burst
        ("tab 5 tab l" on the sliders, "r 4" on the detail screen, "escape F4"; a tmux
        script or a fast typist) a priority key handled in between has already moved focus
        or changed screens, and the key would act on the wrong widget. For a focused
        widget that is not a text field (text fields keep Textual's path so typing stays
        in order), and for escape, the binding in force is run at once, looked up with
        the public `active_bindings`.
        """
        if isinstance(event, events.InputEvent):
            self._last_input = time.monotonic()  # see _collect_garbage
        if isinstance(event, events.Key) and not event.is_forwarded and (
            event.key == "escape"
            or (
                self.focused is not None
                and not self._is_text_field(self.focused)
                and not isinstance(self.screen, ModalScreen)
            )
        ):
            active = self.screen.active_bindings.get(event.key)
            if active is not None and active.enabled:
                if await self.run_action(active.binding.action, active.node):
                    return
        await super().on_event(event)

    def get_driver_class(self) -> Any:
        from .driver import tolerate_invalid_input

        return tolerate_invalid_input(super().get_driver_class())

    # ----------------------------------------------------------------- user text is data

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification of the app (screens and widgets call this one too) is shown
        as plain, inert text: messages carry user text (account names, notes, error
        messages naming a file), which is never parsed as Textual markup (a
        ``[@click=app.quit]`` in an account name is just text) and whose control
        characters are shown, not sent to the terminal. ``markup`` is ignored on purpose."""
        super().notify(
            inert(message, keep_newlines=True),
            title=inert(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_input_changed(self, event: Any) -> None:
        """A text field never holds a control character (a paste can carry ESC, and a
        field draws its value as it is): it becomes its visible picture (``␛``), what the
        user then sees is what is saved. Undecodable pasted bytes (lone surrogates, which
        could be neither drawn nor saved) become ``�`` the same way."""
        shown = inert(event.value)
        if shown != event.value:
            event.input.value = shown

    def on_text_area_changed(self, event: Any) -> None:
        """The same for multi-line fields (line breaks and tabs are kept)."""
        area = event.text_area
        text = area.text
        shown = field_text(text)
        if shown != text:
            cursor = area.cursor_location
            area.text = shown
            area.cursor_location = cursor

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's title and sub-title, with control characters made visible."""
        return super().format_title(inert(title), inert(sub_title))

    @staticmethod
    def _is_text_field(widget: object) -> bool:
        from textual.widgets import Input, TextArea  # TextArea: not before the first frame

        return isinstance(widget, (Input, TextArea))

    # ----------------------------------------------------------------- lifecycle

    def get_default_screen(self) -> Screen[Any]:
        return _assess_screen()

    def on_mount(self) -> None:
        self.add_mode("assess", _assess_screen)  # already started, with the default screen
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.base_sub_title = self.sub_title  # the badge is added to it
        self.set_interval(OVERDUE_REFRESH_SECONDS, self.refresh_overdue)

    # ----------------------------------------------------------------- the overdue badge

    def refresh_overdue(self) -> None:
        """Count the overdue items again (after a change; every minute), in a worker."""
        self._count_overdue()

    @work(thread=True, exclusive=True, group="app-overdue")
    def _count_overdue(self) -> None:
        from .screens.today import load_due

        try:
            items = load_due(self.store(), self.now(), self.settings)
        except Exception:  # a store problem: the screens say so; the badge keeps its count
            return
        self.call_from_thread(self.show_overdue, sum(1 for i in items if i.overdue))

    def show_overdue(self, count: int) -> None:
        """The header's sub-title carries the count (every screen has that header)."""
        self.overdue = count
        badge = f"⚑ {count} overdue (F5)" if count else ""
        self.sub_title = " · ".join(p for p in (self.base_sub_title, badge) if p)

    def on_ready(self) -> None:
        """The start-up batch is over: show the first frame, then build what it did not
        need (see `widgets/deferred.py`)."""
        from .widgets.deferred import Deferred

        self.first_frame_shown = True
        self.call_after_refresh(self._collect_garbage_between_keys)
        self.screen.refresh()
        for placeholder in self.screen.query(Deferred):
            placeholder.start()
        self.call_after_refresh(self.refresh_overdue)  # after the first frame
        if self.assess is not None:  # after the form is complete: a kept draft is offered
            self.call_after_refresh(self.assess.offer_kept_draft)

    def _collect_garbage_between_keys(self) -> None:
        """After the first frame (the collector is off since the start, see cli.run_tui):
        what exists by now lives as long as the app, so it is frozen (`gc.freeze`: left
        out of every later pass), and from now on the collector runs when input pauses
        (`_collect_garbage`). A test's app, started with the collector on, keeps it."""
        if gc.isenabled():
            return
        gc.freeze()
        self.set_interval(GC_QUIET_SECONDS, self._collect_garbage, name="garbage")

    def _collect_garbage(self) -> None:
        new_objects = gc.get_count()[0]
        quiet = time.monotonic() - self._last_input >= GC_QUIET_SECONDS
        if new_objects >= GC_LEAST_NEW_OBJECTS and (quiet or new_objects >= GC_MOST_NEW_OBJECTS):
            self._collections += 1
            gc.collect(2 if self._collections % GC_FULL_EVERY == 0 else 1)

    def today(self):  # -> date
        """The local date, read from the clock at most once a second (it is asked on
        every slider key, where the clock and time-zone lookup were a visible cost)."""
        tick = time.monotonic()
        cached = self._today
        if cached is None or cached[0] is not self.now or tick >= cached[1]:
            cached = self._today = (self.now, tick + 1.0, self.now().astimezone().date())
        return cached[2]

    # ----------------------------------------------------------------- the store

    def store(self) -> Any:
        """The history store (a file or the team server), opened on first use (call from a
        worker thread)."""
        with self._store_lock:
            if self._store is None:
                from ..storage.backend import open_store

                self._store = open_store(self.db_path)
            return self._store

    # ----------------------------------------------------------------- theme (UI state)

    @staticmethod
    def _state_file() -> Path:
        from ..paths import state_path

        return state_path()

    def _load_state(self) -> dict[str, Any]:
        try:
            data = json.loads(self._state_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _remember_theme(self, theme: Any) -> None:
        name = getattr(theme, "name", None)
        if not name or name == self._saved_theme:
            return
        self._saved_theme = name
        state = self._load_state()
        state["theme"] = name
        path = self._state_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            self.notify(f"Could not remember the theme: {exc}", severity="warning")

    # ----------------------------------------------------------------- navigation

    @property
    def assess_screen(self) -> AssessScreen:
        if self.assess is None:
            raise LookupError("the assess screen is not open")
        return self.assess

    def load_draft(self, draft: Draft) -> None:
        """Open `draft` on the assess screen as a new, unsaved assessment."""

        def load() -> None:
            self.assess_screen.load_draft(draft)

        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.switch_mode("assess")
        self.call_after_refresh(load)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.settings, self.screen))

    async def action_quit(self) -> None:
        """ctrl+q: never loses what was typed.

        A save still in flight (another process may hold the history's lock) is waited
        for, with a note; if it fails the app stays open with the draft. Unsaved changes
        are asked about (the draft is kept privately either way and offered back at the
        next start)."""
        assess = self.assess
        if assess is None:
            self.exit()
            return
        if any(w.group == "save" and w.is_running for w in assess.workers):
            assess.autosave(force=True)  # kept now, whatever the save does
            if not self._quit_after_save:
                self._quit_after_save = True
                self.notify("Saving… the app closes when the assessment is saved.",
                            title="Quit", timeout=30)
            return
        assess.recompute()
        assess.autosave(force=True)
        if not assess.dirty:
            self.exit()
            return
        from .screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            return  # already asking

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen(
                "This assessment has unsaved changes.\nQuit anyway? The draft is kept "
                "and offered back the next time you start triage.",
                title="Quit", yes="Quit", no="Keep editing",
            ),
            callback=answered,
        )

    def save_finished(self) -> None:
        """The assess screen's save is over (saved or not): a quit waiting for it closes
        the app once it is saved; if it failed, the app stays open with the draft."""
        if not self._quit_after_save:
            return
        self._quit_after_save = False
        if self.assess is not None and not self.assess.dirty:
            self.exit()
        else:
            if self.assess is not None:
                self.assess.autosave(force=True)
            self.notify("Not quitting: the assessment was not saved. The draft is kept; "
                        "ctrl+q again to quit anyway.", title="Quit", severity="warning",
                        timeout=15)

    def action_back(self) -> None:
        if isinstance(self.screen, ModalScreen):
            self.screen.dismiss()
        elif self.current_mode != "assess":
            self.switch_mode("assess")

    async def action_switch_mode(self, mode: str) -> None:
        """F2/F3/F4 work from anywhere: a dialog that is open is closed (cancelled) first."""
        while isinstance(self.screen, ModalScreen):
            self.screen.dismiss(None)
        await super().action_switch_mode(mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        modal = isinstance(self.screen, ModalScreen)
        if action == "switch_mode":
            return parameters[0] != self.current_mode
        if action == "back":
            return modal or self.current_mode != "assess"
        return True


    # ----------------------------------------------------------------- palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from .screens.assess import AssessScreen

        if isinstance(screen, AssessScreen):
            yield SystemCommand("Save", "Save this assessment to the history (ctrl+s)", screen.action_save)
            yield SystemCommand("Export brief", "Write the brief to a markdown file (ctrl+o)", screen.action_export)
            yield SystemCommand("Copy brief", "Copy the markdown brief to the clipboard (ctrl+y)", screen.action_copy_brief)
            yield SystemCommand("New assessment", "Start over with every score at 1 (ctrl+n)", screen.action_new)
        modes = (
            ("assess", "Assess", "Score a situation and decide (F2)"),
            ("history", "History", "Browse past assessments (F3)"),
            ("review", "Review", "The monthly pattern review (F4)"),
            ("today", "Today", "What needs you now, most urgent first (F5)"),
        )
        for mode, title, help_text in modes:
            if mode != self.current_mode:
                yield SystemCommand(title, help_text, partial(self.switch_mode, mode))
        yield SystemCommand("Help", "Keys and the scoring rubric (F1)", self.action_help)
        yield from super().get_system_commands(screen)


def field_text(text: str) -> str:
    """``text`` as a multi-line form field may hold it: controls made visible, except
    line breaks and tabs."""
    return "\t".join(inert(part, keep_newlines=True) for part in text.split("\t"))


def make_app(
    db_path: Path | str,
    settings: Settings,
    *,
    now: Callable[[], datetime] | None = None,
) -> TriageApp:
    """The one factory for the CLI, the tests, the screenshots and the benchmarks."""
    return TriageApp(db_path=db_path, settings=settings, now=now)
