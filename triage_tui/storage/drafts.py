"""The unsaved draft of the assess screen, kept privately so nothing typed is lost.

The TUI writes the form here a moment after every change (and when it quits), removes
it when the assessment is saved or the draft discarded, and offers it back at the next
start — after a crash, a closed terminal or a wrong key. One JSON file in the data folder
(``paths.draft_path()``), private (0600) and replaced atomically. A file that cannot be
read as a draft is left alone (never overwritten until the user has a new draft).
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..domain.models import Draft
from .jsonfile import atomic_write

VERSION = 1


def save_draft(path: Path, draft: Draft, *, now: datetime | None = None) -> None:
    """Write ``draft`` to ``path`` (atomic, 0600). Raises OSError when it cannot."""
    moment = now or datetime.now(timezone.utc)
    data = {"version": VERSION, "saved_at": moment.isoformat(),
            "draft": draft.to_dict(json_safe=True)}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Not fsynced: written after every pause in typing; an app crash or a closed
    # terminal keeps it (the system has it), only a power cut may lose the last second.
    atomic_write(path, json.dumps(data, indent=1).encode("utf-8"), durable=False)


def load_draft(path: Path) -> tuple[Draft, datetime | None] | None:
    """The draft kept at ``path`` and when it was written; None when there is none or it
    is not a draft this version can read (it is then left as it is)."""
    try:
        if not path.is_file():
            return None
        data: Any = json.loads(path.read_bytes())
        draft = Draft.validate(data["draft"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    try:
        saved_at: datetime | None = datetime.fromisoformat(data.get("saved_at", ""))
    except (TypeError, ValueError):
        saved_at = None
    return draft, saved_at


def clear_draft(path: Path, *, keep_copy: bool = False) -> None:
    """Forget the kept draft: it was saved, or (``keep_copy``) the user discarded it,
    when one copy is kept beside it (``draft.discarded.json``) in case that was a slip."""
    with suppress(FileNotFoundError):
        if keep_copy:
            os.replace(path, path.with_name(path.stem + ".discarded.json"))
        else:
            os.unlink(path)
