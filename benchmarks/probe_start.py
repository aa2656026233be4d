"""Start one app headless and print the seconds from process start to its first frame.

    python benchmarks/probe_start.py bare|triage [DB]

`bare` is the baseline: a Textual app with a Header, a Static and a Footer.
Run by benchmarks/bench.py in fresh processes, alternating the two.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def bare_app():
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Bare(App):
        BINDINGS = [("ctrl+q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello")
            yield Footer()

    return Bare()


def triage_app(db: Path):
    from triage_tui.domain.settings import Settings
    from triage_tui.tui.app import make_app

    return make_app(db_path=db, settings=Settings())


def main() -> None:
    kind = sys.argv[1]
    db = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/nonexistent/history.json")
    app = bare_app() if kind == "bare" else triage_app(db)
    marks: dict[str, float] = {}

    class Probe(type(app)):  # type: ignore[misc]
        def on_ready(self) -> None:
            # Textual's Ready: the first screen has been laid out and its first frame
            # drawn (what Posting logs as "started in N ms").
            marks["ready"] = time.perf_counter() - T0

    app.__class__ = Probe

    async def settled(pilot) -> None:
        await pilot.pause()  # every deferred mount done, nothing left to draw
        marks["settled"] = time.perf_counter() - T0
        pilot.app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=settled)
    print(f"{marks['ready']:.6f} {marks['settled']:.6f}", flush=True)


if __name__ == "__main__":
    main()
