"""`Deferred`: the idea of Textual's `Lazy` (textual.lazy), timed for a real terminal.

Like `Lazy`, it stands in for a widget in `compose` and mounts it just after the first
frame. `Lazy` mounts after the first *refresh*; but a refresh is not always a frame the
terminal gets: Textual (8.2) draws a screen mounted during its start-up `batch_update`
inside the batch (when the assess screen was a listed mode: see TriageApp.MODES), and
that frame was thrown away, the next coming only after the lazily mounted widgets were
built (measured in tmux at 120×40: the first screen took 1.6–2× a bare app's). Here the
app tells the placeholders when its first frame has been shown (`App.on_ready`): the
widgets are mounted after the refresh that follows.
"""

from __future__ import annotations

from textual.widget import Widget


class Deferred(Widget):
    """Mount `widget` in place of this placeholder once the app's first frame is shown."""

    DEFAULT_CSS = """
    Deferred {
        display: none;
    }
    """

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def on_mount(self) -> None:
        if getattr(self.app, "first_frame_shown", True):
            self.start()  # a screen made later: its first refresh is a shown one

    def start(self) -> None:
        """Mount the widget after the next refresh."""
        self.call_after_refresh(self._mount)

    async def _mount(self) -> None:
        parent = self.parent
        if isinstance(parent, Widget) and self.is_attached:
            await parent.mount(self.widget, after=self)
            await self.remove()
