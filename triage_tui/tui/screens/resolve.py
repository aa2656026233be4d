"""Mark an assessment resolved: a typed modal, ``ModalScreen[Resolution | None]``.

Satisfaction 1–5 (radio buttons, or the keys 1–5) and an optional note.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ...domain.text import inert

LEGEND = "1 very unhappy · 2 unhappy · 3 neutral · 4 happy · 5 very happy"


@dataclass(frozen=True)
class Resolution:
    satisfaction: int
    note: str


class ResolveScreen(ModalScreen["Resolution | None"]):
    """Ask for the customer's satisfaction (1–5) and a note."""

    CSS_PATH = "history.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="resolve.cancel"),
        Binding("ctrl+s", "submit", "Resolve", id="resolve.submit"),
        # priority: the focus moves at once, so a note typed right after tab lands in it
        Binding("tab", "app.focus_next", "Next", show=False, priority=True, id="resolve.next"),
        Binding("shift+tab", "app.focus_previous", "Previous", show=False, priority=True,
                id="resolve.previous"),
        # priority (resolved as the key arrives, not when it bubbles back): "r 4 tab note"
        # typed fast sets 4 even though the focus has moved on; off in the note field.
        *(
            Binding(str(n), f"satisfaction({n})", f"Satisfaction {n}", show=False,
                    priority=True, id=f"resolve.satisfaction-{n}")
            for n in range(1, 6)
        ),
    ]

    def __init__(self, title: str, satisfaction: int | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.initial = satisfaction

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog resolve"):
            yield Label(Content(inert(self.title_text)), classes="dialog-title")
            yield Static("How satisfied is the customer with the outcome?")
            with RadioSet(id="satisfaction"):
                for n in range(1, 6):
                    yield RadioButton(str(n), value=n == self.initial, id=f"satisfaction-{n}")
            yield Static(LEGEND, id="satisfaction-legend")
            yield Label("Note (optional)", classes="field-label")
            yield Input(placeholder="What was done, what the customer said", id="resolve-note")
            yield Static("", id="resolve-error", classes="validation")
            with Horizontal(classes="buttons"):
                yield Button("Resolve (ctrl+s)", id="resolve", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(RadioSet))  # at once: keys typed fast land here

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "satisfaction":
            return not isinstance(self.focused, Input)  # digits type into the note
        return True

    @property
    def satisfaction(self) -> int | None:
        index = self.query_one(RadioSet).pressed_index
        return index + 1 if index >= 0 else None

    def action_satisfaction(self, n: int) -> None:
        self.query_one(f"#satisfaction-{n}", RadioButton).value = True
        self.query_one("#resolve-error", Static).update("")

    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self.query_one("#resolve-error", Static).update("")

    @on(Input.Submitted)
    @on(Button.Pressed, "#resolve")
    def action_submit(self) -> None:
        satisfaction = self.satisfaction
        if satisfaction is None:
            self.query_one("#resolve-error", Static).update("✗ choose a satisfaction from 1 to 5")
            self.query_one(RadioSet).focus()
            return
        note = self.query_one("#resolve-note", Input).value.strip()
        self.dismiss(Resolution(satisfaction, note))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
