"""The history screen's data: one light row per stored assessment (no Textual here).

Rows are built once, when the history loads, from the store's records as data (plain
JSON documents, never pydantic-validated here): the cells the table shows, the sort keys,
the four scores (for "same account, again") and one case-folded *haystack* string that
the filter searches. A filter keystroke is then one substring test per row.

The full, validated :class:`Assessment` is fetched from the store only when a row is
opened (``store.get(id)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ...domain.rubric import BAND_BY_DECISION, CHECKIN_HOURS, Decision, Dimension, IssueType

if TYPE_CHECKING:
    from ...storage import HistoryStore

# Short labels for the table (the full ones live in rubric.py).
DECISION_SHORT: dict[Decision, str] = {
    Decision.HANDLE_YOURSELF: "handle it",
    Decision.ESCALATE_FOR_SUPPORT: "for support",
    Decision.ESCALATE_WITH_URGENCY: "with urgency",
    Decision.ESCALATE_IMMEDIATELY: "immediately",
}
TYPE_SHORT: dict[IssueType, str] = {t: t.value.replace("-", " ") for t in IssueType}
TYPE_SHORT[IssueType.EXECUTIVE_INTERVENTION] = "executive"
TYPE_SHORT[IssueType.CROSS_FUNCTIONAL] = "cross-functional"
TYPE_TINY: dict[IssueType, str] = {  # for a narrow type column (80-column terminals)
    IssueType.PRODUCT_DEFECT: "defect",
    IssueType.FEATURE_GAP: "feature gap",
    IssueType.SERVICE_FAILURE: "service",
    IssueType.COMMERCIAL_DISPUTE: "commercial",
    IssueType.RELATIONSHIP_RISK: "relationship",
    IssueType.EXECUTIVE_INTERVENTION: "executive",
    IssueType.CROSS_FUNCTIONAL: "cross-team",
}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _when(text: Any) -> datetime | None:
    if not text:
        return None
    if isinstance(text, datetime):
        return _utc(text)
    return _utc(datetime.fromisoformat(str(text)))


def account_key(name: str) -> str:
    """Accounts compare case- and space-insensitively ("  initech " is "Initech")."""
    return " ".join(name.casefold().split())


@dataclass(slots=True)
class Row:
    """One assessment as the history table needs it."""

    id: int
    created: datetime  # UTC
    local: datetime  # created, in the local time zone (what the table shows)
    account: str
    account_key: str
    total: int
    decision: Decision
    issue_type: IssueType
    resolved: datetime | None
    checkin_done: datetime | None
    satisfaction: int | None
    scores: tuple[int, int, int, int]  # in Dimension order
    hay: str  # case-folded text the filter searches

    @property
    def status(self) -> str:
        return "resolved" if self.resolved is not None else "open"

    @property
    def checkin_due(self) -> datetime | None:
        """When the post-escalation check-in is due (resolved escalations only)."""
        if self.resolved is None or not self.decision.escalates:
            return None
        return self.resolved + timedelta(hours=CHECKIN_HOURS)

    @property
    def followup_pending(self) -> bool:
        return self.checkin_due is not None and self.checkin_done is None

    def followup_overdue(self, now: datetime) -> bool:
        due = self.checkin_due
        return due is not None and self.checkin_done is None and _utc(now) > due

    @property
    def band_label(self) -> str:
        return BAND_BY_DECISION[self.decision].label

    @property
    def style(self) -> str:
        """The band's theme variable name (success / accent / warning / error)."""
        return BAND_BY_DECISION[self.decision].style


_DIM_KEYS = tuple(d.value for d in Dimension)
_DECISIONS = {d.value: d for d in Decision}
_TYPES = {t.value: t for t in IssueType}
_DAYS: dict[tuple[int, int, int], str] = {}  # (y, m, d) → "2026-03-14 March"
_fromiso = datetime.fromisoformat


def _document_texts(doc: dict[str, Any]) -> list[str]:
    """:func:`triage_tui.storage.store.document_texts` (what the store's text query
    searches), bound on first use: the assess screen imports this module for its labels
    and does not need the storage package (TinyDB, orjson) for its first frames."""
    global _document_texts
    from ...storage.store import document_texts

    _document_texts = document_texts
    return document_texts(doc)


def row_from_doc(doc: dict[str, Any]) -> Row:
    """A stored document (the store's JSON form, with its ``id``) → Row.

    Runs 10 000 times when a large history loads (about 5 µs each): plain lookups only."""
    get = doc.get
    created = _fromiso(doc["created_at"])
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    local = created.astimezone()
    account = get("account") or ""
    texts = _document_texts(doc)
    # The date is searchable too: "initech march" or "2026-03".
    day = (local.year, local.month, local.day)
    stamp = _DAYS.get(day)
    if stamp is None:
        stamp = _DAYS[day] = local.strftime("%Y-%m-%d %B")
    texts.append(stamp)
    scores = get("scores") or {}
    resolved = get("resolved_at")
    done = get("checkin_done_at")
    return Row(
        id=int(doc["id"]),
        created=created,
        local=local,
        account=account,
        account_key=account_key(account),
        total=doc["total"],
        decision=_DECISIONS[doc["decision"]],
        issue_type=_TYPES[doc["issue_type"]],
        resolved=_when(resolved) if resolved else None,
        checkin_done=_when(done) if done else None,
        satisfaction=get("satisfaction"),
        scores=tuple([scores.get(k, 1) for k in _DIM_KEYS]),  # type: ignore[arg-type]
        hay="\n".join(texts).casefold(),
    )


def row_from_assessment(a: Any) -> Row:
    """A (validated) Assessment → Row, e.g. after the detail screen changed it."""
    return row_from_doc(a.model_dump(mode="json"))


def load_rows(store: HistoryStore, limit: int | None = None) -> list[Row]:
    """Rows for the history table, newest first (``limit``: the newest only), from the
    store's plain documents (:meth:`HistoryStore.documents`, no pydantic)."""
    from ...storage.store import paused_gc

    with paused_gc():
        return [row_from_doc(doc) for doc in store.documents(limit)]


# ----------------------------------------------------------------------------- filter


def filter_rows(rows: Sequence[Row], query: str) -> list[Row]:
    """Rows whose haystack contains every word of ``query`` (case-insensitive)."""
    terms = query.casefold().split()
    found: Sequence[Row] = rows
    for term in terms:
        found = [r for r in found if term in r.hay]
    return list(found) if found is rows else found  # type: ignore[return-value]


# ----------------------------------------------------------------------------- sorting


@dataclass(frozen=True)
class SortSpec:
    key: str
    label: str
    keyfunc: Callable[[Row], Any]
    newest_first: bool = False  # natural direction is descending


_FAR = datetime.max.replace(tzinfo=timezone.utc)

SORTS: dict[str, SortSpec] = {
    s.key: s
    for s in (
        SortSpec("id", "#", lambda r: r.id, True),
        SortSpec("date", "date", lambda r: (r.created, r.id), True),
        SortSpec("account", "account", lambda r: (r.account_key, -r.created.timestamp())),
        SortSpec("total", "total", lambda r: (r.total, r.created), True),
        SortSpec("decision", "decision", lambda r: (r.decision.rank, r.created), True),
        SortSpec("type", "type", lambda r: (list(IssueType).index(r.issue_type), -r.created.timestamp())),
        SortSpec("status", "status", lambda r: (r.resolved is not None, -r.created.timestamp())),
        SortSpec(
            "followup", "follow-up",
            lambda r: (r.checkin_due if r.followup_pending else _FAR, -r.id),
        ),
    )
}


def sort_rows(rows: Iterable[Row], key: str, reverse: bool = False) -> list[Row]:
    """Rows in the order of column ``key`` (its natural direction, or the reverse)."""
    spec = SORTS[key]
    return sorted(rows, key=spec.keyfunc, reverse=spec.newest_first != reverse)


def earlier_rows(rows: Iterable[Row], row: Row) -> list[Row]:
    """Earlier assessments of the same account, newest first."""
    found = [
        r for r in rows
        if r.account_key == row.account_key and (r.created, r.id) < (row.created, row.id)
    ]
    found.sort(key=lambda r: (r.created, r.id), reverse=True)
    return found
