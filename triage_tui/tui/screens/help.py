"""F1: the keys and the whole rubric (levels 1–5, bands, routes), as a modal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...domain.rubric import BANDS, DIMENSIONS, ISSUE_TYPES, SIGNALS
from ...domain.settings import Settings

# The stable key contract (PRODUCT.md), shown here and in the footer.
KEYS: tuple[tuple[str, str], ...] = (
    ("ctrl+s", "save the assessment to the history"),
    ("ctrl+o", "export the brief to a markdown file"),
    ("ctrl+y", "copy the brief to the clipboard"),
    ("ctrl+n", "new assessment (asks if there are unsaved changes)"),
    ("F1", "this help"),
    ("F2", "assess screen"),
    ("F3", "history"),
    ("F4", "review (monthly pattern review)"),
    ("ctrl+p", "command palette (every action, themes)"),
    ("escape", "back / close"),
    ("ctrl+q", "quit"),
    ("tab / shift+tab", "next / previous field (account → customer impact → …)"),
    ("← → / h l", "on a slider: step down / up by one"),
    ("1 – 5", "on a slider: set the value"),
    ("home / end", "on a slider: 1 / 5"),
    ("↑ ↓", "issue type list: choose the type"),
    ("space / enter", "toggle a checkbox or tier"),
)


def help_text(settings: Settings) -> str:
    fmt = settings.rubric_fmt()
    width = max(len(key) for key, _ in KEYS)
    out = ["[b $accent]Keys[/]"]
    out += [f"  [b]{escape(key).ljust(width)}[/b]  {escape(what)}" for key, what in KEYS]
    out.append("")
    out.append("[b $accent]The rubric[/]  [$text-muted]each dimension 1–5; 2 and 4 sit between their neighbours[/]")
    for spec in DIMENSIONS.values():
        out.append("")
        out.append(f"[b]{escape(spec.label)}[/b]")
        for level in range(1, 6):
            text = spec.level_text(level, **fmt)
            style = "" if level % 2 else "$text-muted"
            line = f"  [b]{level}[/b]  {escape(text)}"
            out.append(f"[{style}]{line}[/]" if style else line)
    out.append("")
    out.append("[b $accent]Bands[/]  [$text-muted]the total of the four, 4–20[/]")
    for band in BANDS:
        out.append(
            f"  [b ${band.style}]{band.low:>2}–{band.high:<2} {escape(band.label)}[/]  "
            f"{escape(band.summary)}."
        )
    out.append(
        "  [$text-muted]If your manager would be surprised to hear it from the customer, "
        "the decision is at least “escalate for support”.[/]"
    )
    out.append("")
    out.append("[b $accent]Routes[/]  [$text-muted]by issue type, when escalating[/]")
    for key, spec in ISSUE_TYPES.items():
        out.append(f"  [b]{escape(spec.label)}[/b] → {escape(settings.route_to(key))}")
        out.append(f"    [$text-muted]{escape(spec.when)}[/]")
    out.append("")
    out.append("[b $accent]Escalation signals[/]  [$text-muted]two or more while handling it yourself raise a warning[/]")
    out += [f"  • {escape(text)}" for text in SIGNALS.values()]
    return "\n".join(out)


class HelpScreen(ModalScreen[None]):
    """Keys and rubric. escape, F1 or q closes it."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog help"):
            yield Label("Help — keys and rubric  (escape to close)", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_text(self.settings), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
