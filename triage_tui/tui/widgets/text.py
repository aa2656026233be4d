"""Changing a line of text without moving the screen.

``Static.update`` asks for a new layout of the whole screen by default (the text might
need another height). A slider key changes hint lines whose height rarely changes, and
a layout of the assess screen costs several frames' worth of work and redraws every
line of the terminal. So: repaint only when the new text wraps to the lines the widget
has now; otherwise update with a layout, as Textual would.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def update_text(static: Static, content: Content | str) -> None:
    """``static.update(content)``, a repaint alone while the height stays the same."""
    size = static.content_size
    if size.width and static.display:
        visual = Content(content) if isinstance(content, str) else content
        if len(visual.wrap(size.width)) == size.height:
            static.update(visual, layout=False)
            return
    static.update(content)
