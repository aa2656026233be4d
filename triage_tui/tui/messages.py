"""Messages between screens (as Harlequin's ``messages.py``): a screen says what happened,
the screens that show it react. No screen holds another.

A screen that changed a stored assessment *announces* it (:func:`announce`): every other
screen of the current stack gets its own copy (a message is handled once), and a screen
that lists assessments (the history under a detail) handles it with ``@on(...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import Screen

if TYPE_CHECKING:
    from ..domain.models import Assessment


class AssessmentChanged(Message, bubble=False):
    """A stored assessment changed (resolved, checked in): show the new version."""

    def __init__(self, assessment: Assessment, status: str | None = None) -> None:
        super().__init__()
        self.assessment = assessment
        self.status = status  # the escalation's status, when the sender knows it


class AssessmentDeleted(Message, bubble=False):
    """A stored assessment was deleted."""

    def __init__(self, record_id: int) -> None:
        super().__init__()
        self.record_id = record_id


def announce(sender: Screen[object], make: Callable[[], Message]) -> None:
    """Post a fresh ``make()`` to every screen of the app's current stack but ``sender``."""
    for screen in sender.app.screen_stack:
        if screen is not sender:
            screen.post_message(make())
