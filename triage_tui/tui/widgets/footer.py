"""`SteadyFooter`: Textual's Footer, rebuilt only when the keys it shows change.

Textual's `Footer` rebuilds itself (a recompose: its keys removed and mounted again, so a
layout pass of the whole screen) whenever the screen's bindings may have changed — on
every focus move — even when it would show the same keys. And it does so *after the next
refresh*: on a screen that has gone quiet, that is the next key press. In the assess form,
a slider key pressed after a Tab therefore paid for the footer of the Tab (measured in
tmux at 120×40: about 40% of slider keys took an extra layout pass). The keys the footer
shows are the same for every field of a form (the sliders' and inputs' own bindings are
hidden), so here a focus move that leaves them unchanged changes nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.screen import Screen
from textual.widgets import Footer


def shown_bindings(screen: Screen) -> tuple[Any, ...]:
    """What a footer on `screen` shows: its visible bindings (and the command palette's)."""
    active = screen.active_bindings
    palette = active.get(screen.app.COMMAND_PALETTE_BINDING)
    return (
        tuple((b, enabled, tooltip) for _, b, enabled, tooltip in active.values() if b.show),
        palette[1:] if palette is not None else None,
    )


class SteadyFooter(Footer):
    """A `Footer` that skips the rebuild when the keys it shows did not change."""

    # No keys of its own (Textual merges the inherited ones in all the same): the help
    # screen lists the BINDINGS of this app's widgets, and a footer has nothing to add.
    BINDINGS: ClassVar[list[Any]] = []

    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = shown_bindings(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
