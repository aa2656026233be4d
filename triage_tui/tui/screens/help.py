"""F1: the keys of the screen you are on, and the whole rubric (levels 1–5, bands, routes).

The keys are not a hand-kept table: they are read from the bindings in force on the
screen below the help (the app's, the screen's, the focused widget's, via Textual's
`active_bindings`) and from the bindings of this app's own widgets on that screen (a
slider's keys while the account field has focus, the table's on the history screen).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from ...domain.rubric import BANDS, DIMENSIONS, ISSUE_TYPES, SIGNALS
from ...domain.settings import Settings

PACKAGE = __name__.split(".")[0]

_KEY_NAMES = {
    "left": "←", "right": "→", "up": "↑", "down": "↓", "slash": "/", "space": "space",
    "delete": "del", "pageup": "page up", "pagedown": "page down",
}

# How a widget's keys are headed in the help (others by their class name).
WIDGET_TITLES = {"Slider": "On a slider", "HistoryTable": "In the table", "FilterInput": "In the filter"}


def key_label(key: str) -> str:
    """A key as the user reads it: F1, ctrl+s, ←."""
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    return _KEY_NAMES.get(key, key)


def _rows(bindings: Iterable[tuple[str, Binding]]) -> list[tuple[str, str]]:
    """(keys, description), the keys of one description joined: "← / h"."""
    by_action: dict[str, list[str]] = {}
    for key, binding in bindings:
        if not binding.description:
            continue
        keys = by_action.setdefault(binding.description, [])
        label = key_label(key)
        if label not in keys:
            keys.append(label)
    return [(" / ".join(keys), description) for description, keys in by_action.items()]


def key_sections(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    """The keys of `screen`, in sections: everywhere, this screen, each of this app's
    widget kinds on it. (Textual's own widgets keep their usual keys: text editing,
    scrolling; they are not repeated here.)"""
    app = screen.app
    everywhere: list[tuple[str, Binding]] = []
    here: list[tuple[str, Binding]] = []
    for key, active in screen.active_bindings.items():
        if active.node is app:
            everywhere.append((key, active.binding))
        elif active.node is screen:
            here.append((key, active.binding))
    sections = [("Everywhere", _rows(everywhere)), ("On this screen", _rows(here))]
    seen: set[type] = set()
    for widget in screen.walk_children():
        cls = type(widget)
        if cls in seen or not cls.__module__.startswith(PACKAGE) or not cls.BINDINGS:
            continue
        seen.add(cls)
        bindings = Binding.make_bindings(cls.BINDINGS)
        sections.append((WIDGET_TITLES.get(cls.__name__, cls.__name__),
                         _rows((b.key, b) for b in bindings)))
    return [(title, rows) for title, rows in sections if rows]


def help_content(settings: Settings, sections: list[tuple[str, list[tuple[str, str]]]]) -> Content:
    fmt = settings.rubric_fmt()
    out: list[Content] = []

    def line(*parts: str | tuple[str, str]) -> None:
        out.append(Content.assemble(*parts))

    line(("Keys", "b $accent"), "  ", ("on this screen, from its bindings", "$text-muted"))
    width = max((len(keys) for _, rows in sections for keys, _ in rows), default=0)
    for title, rows in sections:
        line("")
        line((title, "b"))
        for keys, description in rows:
            line("  ", (keys.ljust(width), "b"), "  ", description)
    line("")
    line(("The rubric", "b $accent"), "  ",
         ("each dimension 1–5; 2 and 4 sit between their neighbours", "$text-muted"))
    for spec in DIMENSIONS.values():
        line("")
        line((spec.label, "b"))
        for level in range(1, 6):
            text = spec.level_text(level, **fmt)
            style = "" if level % 2 else "$text-muted"
            line("  ", (str(level), f"b {style}".strip()), "  ", (text, style))
    line("")
    line(("Bands", "b $accent"), "  ", ("the total of the four, 4–20", "$text-muted"))
    for band in BANDS:
        line("  ", (f"{band.low:>2}–{band.high:<2} {band.label}", f"b ${band.style}"),
             f"  {band.summary}.")
    line("  ", ("If your manager would be surprised to hear it from the customer, "
                "the decision is at least “escalate for support”.", "$text-muted"))
    line("")
    line(("Routes", "b $accent"), "  ", ("by issue type, when escalating", "$text-muted"))
    for key, spec in ISSUE_TYPES.items():
        line("  ", (spec.label, "b"), f" → {settings.route_to(key)}")
        line("    ", (spec.when, "$text-muted"))
    line("")
    line(("Escalation signals", "b $accent"), "  ",
         ("two or more while handling it yourself raise a warning", "$text-muted"))
    for text in SIGNALS.values():
        line(f"  • {text}")
    return Content("\n").join(out)


class HelpScreen(ModalScreen[None]):
    """Keys of the screen below and the rubric. escape, F1 or q closes it."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, settings: Settings, screen: Screen) -> None:
        super().__init__()
        self.settings = settings
        self.sections = key_sections(screen)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog help"):
            yield Label("Help — keys and rubric  (escape to close)", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_content(self.settings, self.sections), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
