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
from typing import Any

from ...domain.rubric import BAND_BY_DECISION, CHECKIN_HOURS, Decision, Dimension, IssueType

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

_TEXT_FIELDS = ("situation", "ask", "comms", "resolution_note")
_DIMS = tuple(Dimension)


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
_MONTHS: dict[tuple[int, int, int], str] = {}


def row_from_doc(doc: dict[str, Any]) -> Row:
    """A stored document (the store's JSON form, with its ``id``) → Row.

    Runs 10 000 times when a large history opens: plain lookups only."""
    created = _when(doc["created_at"])
    assert created is not None
    local = created.astimezone()
    account = doc.get("account") or ""
    get = doc.get
    texts = [account, get("situation") or "", get("ask") or "", get("comms") or "",
             get("resolution_note") or ""]
    rationale = get("rationale")
    if rationale:
        texts.extend(v for v in rationale.values() if v)
    # The date is searchable too: "initech march" or "2026-03".
    day = (local.year, local.month, local.day)
    stamp = _MONTHS.get(day)
    if stamp is None:
        stamp = _MONTHS[day] = local.strftime("%Y-%m-%d %B")
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
        scores=tuple(scores.get(k, 1) for k in _DIM_KEYS),  # type: ignore[arg-type]
        hay="\n".join(texts).casefold(),
    )


def row_from_assessment(a: Any) -> Row:
    """A (validated) Assessment → Row, e.g. after the detail screen changed it."""
    return row_from_doc(a.model_dump(mode="json"))


def store_documents(store: Any, limit: int | None = None) -> list[dict[str, Any]]:
    """The store's records as JSON documents, newest first (``limit``: the newest only).

    Reads the store's canonical record lines and parses them with orjson; the lines are
    already migrated to the current schema by the store. Falls back to the public API
    (validated models, slower) if the store's internals change.
    """
    try:
        from ...storage.jsonfile import line_doc, line_id

        with store._mutex:  # noqa: SLF001 - see docstring (asked for a public API)
            data = store._snapshot().data  # noqa: SLF001
            lines = data.tail(limit) if limit is not None else data.lines()
        docs = []
        for line in reversed(lines):
            doc = line_doc(line)
            doc["id"] = line_id(line)
            docs.append(doc)
        return docs
    except (AttributeError, ImportError, TypeError):
        return [a.model_dump(mode="json") for a in store.query(limit=limit)]


def load_rows(store: Any, limit: int | None = None) -> list[Row]:
    """Rows for the history table, newest first."""
    try:
        from ...storage.jsonfile import line_doc, line_id

        with store._mutex:  # noqa: SLF001 - see store_documents
            data = store._snapshot().data  # noqa: SLF001
            lines = data.tail(limit) if limit is not None else data.lines()
    except (AttributeError, ImportError, TypeError):
        return [row_from_doc(doc) for doc in store_documents(store, limit)]
    rows = []
    for line in reversed(lines):
        doc = line_doc(line)
        doc["id"] = line_id(line)
        rows.append(row_from_doc(doc))
    return rows


def file_signature(store: Any) -> tuple[int, ...] | None:
    """Something that changes whenever the history file does (None: no file)."""
    import os

    try:
        st = os.stat(store.path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


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
