"""History screen (F3) — a placeholder until the history issue replaces it.

The app registers this class as the "history" mode (see `TriageApp.MODES`). The real
screen lists past assessments; "reopen as a new draft" calls `self.app.load_draft(draft)`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class HistoryScreen(Screen[None]):
    """Past assessments (coming soon)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Middle(), Center():
            yield Static(
                "[b]History[/b]\n\nPast assessments will be listed here.\n"
                "Press [b]F2[/b] or [b]escape[/b] to go back to the assessment.",
                classes="placeholder",
            )
        yield Footer(compact=True)
