"""Choose where to export the brief: a typed modal, `ModalScreen[Path | None]`."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ExportScreen(ModalScreen["Path | None"]):
    """Ask for a file name (default: a safe name in the current folder).

    Dismisses with the chosen path (relative names resolve against `folder`),
    or None when cancelled. Overwriting is asked about by the caller.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, default_name: str, folder: Path) -> None:
        super().__init__()
        self.default_name = default_name
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog export"):
            yield Label("Export the brief", classes="dialog-title")
            yield Static(f"Markdown file (relative to {self.folder}):", markup=False, classes="hint")
            yield Input(self.default_name, id="export-path")
            yield Static("", id="export-error", classes="validation")
            with Horizontal(classes="buttons"):
                yield Button("Export", id="export", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#export")
    def _submit(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.query_one("#export-error", Static).update("✗ give a file name")
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.folder / path
        self.dismiss(path)

    @on(Input.Changed)
    def _clear_error(self) -> None:
        self.query_one("#export-error", Static).update("")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
