"""A command-palette provider for a screen's own actions.

A screen lists its commands in ``palette_commands()`` as (title, help, callback)
and sets ``COMMANDS = {ScreenCommands}``; ctrl+p then offers them next to the app's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenCommands(Provider):
    """Offers ``screen.palette_commands()`` in the command palette."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        source = getattr(self.screen, "palette_commands", None)
        return list(source()) if callable(source) else []

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
