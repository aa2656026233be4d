"""Review screen (F4) — a placeholder until the review issue replaces it.

The app registers this class as the "review" mode (see `TriageApp.MODES`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class ReviewScreen(Screen[None]):
    """The monthly pattern review (coming soon)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Middle(), Center():
            yield Static(
                "[b]Review[/b]\n\nThe monthly pattern review will be shown here.\n"
                "Press [b]F2[/b] or [b]escape[/b] to go back to the assessment.",
                classes="placeholder",
            )
        yield Footer(compact=True)
