"""One store interface, two backends: a TinyDB file or the team's PostgreSQL server.

    store = open_store(db)   # db: a path (TinyDB file) or a postgresql:// / postgres:// URL

The CLI and the TUI only ever call :func:`open_store` and use what :class:`Store` lists;
neither knows which backend answers. Both raise :class:`~.store.StoreError` (one line)
for every fault. psycopg is imported only when a URL is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Protocol, runtime_checkable

from ..domain.escalation import Escalation, Event
from ..domain.models import Assessment
from ..domain.rubric import Decision
from ..paths import is_server_url

if TYPE_CHECKING:
    from ..domain.review import TeamReview


@dataclass(frozen=True)
class TermHint:
    """One word of the history's filter, for a store that filters before it sends rows
    (a server): the word (case-folded), the (decision, issue_type, resolved) kinds whose
    labels in the table contain it, and the month names (case-folded, January first) if it
    could be part of a day written "2026-03-14 march" (else empty)."""

    text: str
    kinds: frozenset[tuple[str, str, bool]] = frozenset()
    months: tuple[str, ...] = ()


@runtime_checkable
class Store(Protocol):
    """What the CLI and the TUI use of a history, whichever backend keeps it."""

    def exists(self) -> bool: ...
    def count(self) -> int: ...
    def get(self, doc_id: int) -> Assessment: ...
    def all(self) -> list[Assessment]: ...
    def query(self, account: str | None = None, decision: Decision | str | None = None,
              text: str | None = None, limit: int | None = None) -> list[Assessment]: ...
    def documents(self, limit: int | None = None,
                  since: datetime | None = None) -> list[dict[str, Any]]: ...
    def each_document(self) -> Iterator[dict[str, Any]]: ...
    # the history screen: read whole (a file), or a page at a time (a server)
    pages_history: bool
    def history_page(self, before: tuple[datetime, int] | None, limit: int,
                     terms: Iterable[TermHint] = ()
                     ) -> tuple[list[dict[str, Any]], tuple[datetime, int] | None]: ...
    def followup_documents(self) -> list[dict[str, Any]]: ...
    def followups(self) -> list[Assessment]: ...
    def signature(self) -> Any: ...
    def check(self) -> int: ...
    def add(self, a: Assessment) -> Assessment: ...
    def add_many(self, items: Iterable[Assessment]) -> list[Assessment]: ...
    def resolve(self, doc_id: int, satisfaction: int, note: str = "",
                now: datetime | None = None) -> Assessment: ...
    def checkin(self, doc_id: int, now: datetime | None = None, note: str = "") -> Assessment: ...
    def delete(self, doc_id: int) -> None: ...
    # escalations that live: the timeline, its folded state, one event at a time
    def escalation(self, doc_id: int) -> Escalation: ...
    def escalations(self, include_closed: bool = True, since: datetime | None = None,
                    ids: Iterable[int] | None = None) -> list[Escalation]: ...
    def append(self, doc_id: int, event: Event, *, expect: int | None = None,
               assessment: Assessment | None = None) -> Escalation: ...
    # the lead's review: per CSM and accounts shared by CSMs; None unless a team lead
    def team_review(self, now: datetime, period_days: int | None) -> TeamReview | None: ...


def open_store(db: str | os.PathLike[str]) -> Store:
    """The history ``db`` names: a team server for a ``postgresql://`` URL (connects on
    first use), else the TinyDB file at that path (created by the first save)."""
    if is_server_url(db):
        from .team import TeamStore

        return TeamStore(str(db))
    from .store import HistoryStore

    return HistoryStore(Path(db))


def describe_db(db: str | os.PathLike[str]) -> str:
    """How messages name the history: the file's path, or user@host:port/db for a server
    (never the URL: it may hold a password)."""
    if is_server_url(db):
        from .team.connection import describe, where

        info = describe(str(db))
        return f"the team server {info['user']}@{where(info)}"
    return str(db)
