"""Choose where to export the brief: a typed modal, `ModalScreen[Path | None]`."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
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
        # A path that cannot be written keeps the dialog open, with the reason here.
        if path.is_dir():
            self._error(f"{path} is a folder: add a file name")
            return
        if not path.parent.is_dir():
            self._error(f"folder {path.parent} does not exist")
            return
        self.dismiss(path)

    def _error(self, message: str) -> None:
        from textual.content import Content

        self.query_one("#export-error", Static).update(Content(f"✗ {message}"))
        self.query_one("#export-path", Input).focus()

    @on(Input.Changed)
    def _clear_error(self) -> None:
        self.query_one("#export-error", Static).update("")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def export_brief_flow(
    screen: Screen[Any], account: str, day: date, render: Callable[[], str]
) -> None:
    """The whole export: ask where (a safe default name in the current folder), ask
    before overwriting an existing file, then render and write in a worker and notify.
    Shared by the assess and detail screens."""
    from ...export import ExportError, resolve_target, write_brief
    from .confirm import ConfirmScreen

    app = screen.app

    def write(path: Path, overwrite: bool) -> None:
        try:
            written = write_brief(render(), path, account, day, overwrite=overwrite)
        except ExportError as exc:
            app.call_from_thread(screen.notify, str(exc), title="Not exported",
                                 severity="error", timeout=10)
        except Exception as exc:  # a broken user template
            app.call_from_thread(screen.notify, f"Cannot render the brief: {exc}",
                                 title="Not exported", severity="error", timeout=10)
        else:
            app.call_from_thread(screen.notify, f"Brief written to {written}", title="Exported")

    def start(path: Path, overwrite: bool) -> None:
        screen.run_worker(partial(write, path, overwrite), thread=True, group="export")

    def chosen(path: Path | None) -> None:
        if path is None:
            return
        if not path.is_file():
            start(path, False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                start(path, True)

        app.push_screen(
            ConfirmScreen(f"{path.name} already exists in {path.parent}.\nOverwrite it?",
                          title="Overwrite file?", yes="Overwrite", no="Cancel"),
            callback=answered,
        )

    # Like the CLI given a folder: the next free name ("-2", "-3"…), never one to overwrite.
    folder = Path.cwd()
    suggested = resolve_target(folder, account, day).name
    app.push_screen(ExportScreen(suggested, folder), callback=chosen)
