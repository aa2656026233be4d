"""The bare baselines for benchmarks/tmux_bench.py, run in tmux like the app.

    python benchmarks/tmux_apps.py first   # Header, Static, Footer
    python benchmarks/tmux_apps.py key     # a key binding updates a label (Static.update)
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static


class Bare(App[None]):
    BINDINGS = [Binding("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Hello")
        yield Footer()


class BareKey(App[None]):
    BINDINGS = [Binding("ctrl+q", "quit", "Quit"), Binding("l", "count", "Count")]
    count = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Count 0", id="label")
        yield Footer()

    def action_count(self) -> None:
        self.count += 1
        self.query_one("#label", Static).update(f"Count {self.count}")


if __name__ == "__main__":
    (Bare if sys.argv[1] == "first" else BareKey)().run()
