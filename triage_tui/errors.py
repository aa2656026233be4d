"""The one error family every layer raises for a problem the user can fix.

The CLI prints any of them as one line on stderr and exits 2; the TUI shows a
notification. Defined apart so the CLI can catch them without importing the store."""


class TriageError(Exception):
    """A user-facing problem, as one line."""
