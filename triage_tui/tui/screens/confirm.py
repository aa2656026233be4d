"""A yes/no question as a typed modal: `ModalScreen[bool]`."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ...domain.text import inert


class ConfirmScreen(ModalScreen[bool]):
    """Ask a question; dismiss with True (yes) or False (no / escape)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
    ]

    def __init__(
        self,
        question: str,
        *,
        title: str = "Are you sure?",
        yes: str = "Yes",
        no: str = "No",
    ) -> None:
        super().__init__()
        self.question = question
        self.title_text = title
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog confirm"):
            # Questions name accounts: plain, inert text (never markup).
            yield Label(Content(inert(self.title_text)), classes="dialog-title")
            yield Static(Content(inert(self.question, keep_newlines=True)), id="question")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes_label} (y)", id="yes", variant="warning")
                yield Button(f"{self.no_label} (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
