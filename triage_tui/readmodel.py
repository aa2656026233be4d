"""The read model: one light :class:`Row` per stored assessment, for every list of them.

The history table, the detail screen's "same account, again", the review screen and
``build_review`` all read the same rows. They are built once per load from the store's
records as data (plain JSON documents, never pydantic-validated here): what the table
shows, the sort keys, the four scores, what the review counts (warnings, days open,
satisfaction), the lifecycle (borrowed from :class:`Assessment`, not rewritten) and one
case-folded *haystack* string that the filter searches. A filter keystroke is then one
substring test per row.

The full, validated :class:`Assessment` is fetched from the store only when a row is
opened (``store.get(id)``). No Textual here: the CLI could use it as well as the TUI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from .domain.models import Assessment
from .domain.rubric import (
    BAND_BY_DECISION, ISSUE_TYPES, Decision, Dimension, IssueType, WarningCode,
)
from .domain.text import inert

if TYPE_CHECKING:
    from .domain.settings import Settings
    from .storage import HistoryStore

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


@dataclass(slots=True, kw_only=True)
class Row:
    """One stored assessment, as every list of them needs it (same names as
    :class:`Assessment` where it has the field)."""

    id: int
    created_at: datetime  # UTC
    local: datetime  # created_at in the local time zone (what the table shows)
    account: str  # as stored (typed)
    account_shown: str  # as a terminal may show it: control characters made visible
    account_key: str
    total: int
    decision: Decision
    issue_type: IssueType
    business_days_open: int | None
    warning_codes: tuple[WarningCode, ...]
    resolved_at: datetime | None
    checkin_done_at: datetime | None
    satisfaction: int | None
    scores: tuple[int, int, int, int]  # in Dimension order
    hay: str  # case-folded text the filter searches
    status: str  # the escalation's status (the stored record's marker)

    checkin_due_at = Assessment.checkin_due_at
    followup_pending = Assessment.followup_pending
    followup_overdue = Assessment.followup_overdue

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
_WARNINGS = {w.value: w for w in WarningCode}
_DAYS: dict[tuple[int, int, int], str] = {}  # (y, m, d) → "2026-03-14 March"
_WORDS: dict[tuple[str, str, bool], str] = {}  # (decision, type, resolved) → searchable words


def _table_words(decision: Decision, issue_type: IssueType, resolved: bool) -> str:
    """The words the table shows for a row (and their long forms), so the filter finds
    what the CSM reads: "immediately", "urgency", "defect", "commercial", "resolved"."""
    band = BAND_BY_DECISION[decision]
    return " ".join((
        DECISION_SHORT[decision], band.label, decision.value,
        TYPE_SHORT[issue_type], TYPE_TINY[issue_type], ISSUE_TYPES[issue_type].label,
        issue_type.value, "resolved" if resolved else "open",
    ))
_fromiso = datetime.fromisoformat


def _document_texts(doc: dict[str, Any]) -> list[str]:
    """:func:`triage_tui.storage.store.document_texts` (what the store's text query
    searches), bound on first use: the assess screen imports this module for its labels
    and does not need the storage package (TinyDB, orjson) for its first frames."""
    global _document_texts
    from .storage.store import document_texts

    _document_texts = document_texts
    return document_texts(doc)


def row_from_doc(doc: dict[str, Any]) -> Row:
    """A stored document (the store's JSON form, with its ``id``) → Row.

    Runs 10 000 times when a large history loads (about 5 µs each): plain lookups only."""
    get = doc.get
    created = _fromiso(doc["created_at"])
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    try:
        local = created.astimezone()
    except (OverflowError, ValueError):  # a stored date at the calendar's edge: as stored
        local = created
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
    words_key = (doc["decision"], doc["issue_type"], bool(resolved))
    words = _WORDS.get(words_key)
    if words is None:
        words = _WORDS[words_key] = _table_words(
            _DECISIONS[doc["decision"]], _TYPES[doc["issue_type"]], bool(resolved))
    texts.append(words)
    done = get("checkin_done_at")
    return Row(
        id=int(doc["id"]),
        created_at=created,
        local=local,
        account=account,
        account_shown=inert(account),
        account_key=account_key(account),
        total=doc["total"],
        decision=_DECISIONS[doc["decision"]],
        issue_type=_TYPES[doc["issue_type"]],
        business_days_open=get("business_days_open"),
        warning_codes=tuple([_WARNINGS[w["code"]] for w in get("warnings") or ()]),
        resolved_at=_when(resolved) if resolved else None,
        checkin_done_at=_when(done) if done else None,
        satisfaction=get("satisfaction"),
        scores=tuple([scores.get(k, 1) for k in _DIM_KEYS]),  # type: ignore[arg-type]
        hay="\n".join(texts).casefold(),
        # an assessment not read from the store (no marker) has the lifecycle's word
        status=get("status") or ("resolved" if resolved else "open"),
    )


def row_from_assessment(a: Assessment, status: str | None = None) -> Row:
    """A (validated) Assessment → Row, e.g. after the detail screen changed it;
    ``status``: its escalation's (the stored record's marker)."""
    doc = a.to_dict(json_safe=True)
    if status is not None:
        doc["status"] = status
    return row_from_doc(doc)


def rows_from_docs(documents: Iterable[dict[str, Any]]) -> list[Row]:
    """Stored JSON documents (with their ``id``) → rows, in the same order."""
    from .storage.store import paused_gc

    with paused_gc():
        return [row_from_doc(doc) for doc in documents]


def load_rows(store: HistoryStore, limit: int | None = None) -> list[Row]:
    """Rows for the history table, newest first (``limit``: the newest only), from the
    store's plain documents (:meth:`HistoryStore.documents`, no pydantic)."""
    return rows_from_docs(store.documents(limit))


def term_hints(query: str) -> list[Any]:
    """The filter's words as :class:`~.storage.backend.TermHint` for a store that filters
    on its side: what each word can match besides the texts (the table's words, a day)."""
    import re

    from .storage.backend import TermHint

    months = tuple(datetime(2000, m, 1).strftime("%B").casefold() for m in range(1, 13))
    hints = []
    for term in query.casefold().split():
        kinds = frozenset(
            (d.value, t.value, resolved)
            for d in Decision for t in IssueType for resolved in (False, True)
            if term in _table_words(d, t, resolved).casefold())
        dated = re.fullmatch(r"[0-9-]+", term) is not None or any(term in m for m in months)
        hints.append(TermHint(term, kinds, months if dated else ()))
    return hints


PAGE = 100  # rows read at a time from a store that serves its history in pages
# Rows a filtered read looks through at a time (what it finds is shown): few for the first
# read (a keystroke's answer), twice as many for each next one, up to SCAN.
SCAN_FIRST, SCAN = 200, 800


class RowPages:
    """The history a page at a time, newest first, for a store that serves it so (a team
    server: ``store.pages_history``): the rows matching ``query`` read so far. The store
    filters on its side (:func:`term_hints`), :func:`filter_rows` then exactly, so the
    rows are those the whole history filtered would give, in the same order. A filtered
    read looks through ``SCAN`` rows at a time, so a word that only old rows hold costs
    each read the same (the caller reads on while it needs more).
    (A read through a window costs about 40 µs a row on the server.)"""

    def __init__(self, store: Any, query: str = "") -> None:
        self.store = store
        self.query = query
        self.rows: list[Row] = []
        self.done = False  # every matching row has been read
        self._terms = term_hints(query)
        self._before: tuple[datetime, int] | None = None
        self._scan = SCAN_FIRST

    def more(self, want: int = PAGE) -> list[Row]:
        """Read on until ``want`` more matching rows, the end, or (filtered) ``SCAN``
        rows looked through; returns the rows found."""
        got: list[Row] = []
        size = min(self._scan, SCAN) if self._terms else max(want, PAGE)
        self._scan *= 2
        while len(got) < want and not self.done:
            docs, self._before = self.store.history_page(self._before, size, self._terms)
            self.done = self._before is None
            rows = rows_from_docs(docs)
            got += filter_rows(rows, self.query) if self._terms else rows
            if self._terms:
                break
        self.rows += got
        return got


class DocumentSource(Protocol):
    """The reads :func:`load_review_rows` needs (``HistoryStore`` has them)."""

    def documents(self, limit: int | None = None, since: datetime | None = None
                  ) -> list[dict[str, Any]]: ...

    def followup_documents(self) -> list[dict[str, Any]]: ...


def load_review_rows(source: DocumentSource, since: datetime | None) -> list[Row]:
    """Enough of the history for a review of the period starting at ``since`` (None: all
    of it): the assessments created since then, plus the pending follow-ups of any age
    (the review lists the current ones whatever the period). ``build_review`` over these
    equals ``build_review`` over everything for any period starting at or after
    ``since``; the cost follows the period, not the size of the history."""
    docs = source.documents(since=since)
    if since is not None:
        have = {doc["id"] for doc in docs}
        docs += [doc for doc in source.followup_documents() if doc["id"] not in have]
    return rows_from_docs(docs)


# What the review reads of a stored record (row_from_doc of it gives the row's review
# fields; its filter text is left out).
_REVIEW_KEYS = ("id", "created_at", "account", "total", "decision", "issue_type",
                "business_days_open", "resolved_at", "checkin_done_at", "satisfaction",
                "scores", "status")


class ReviewSource(Protocol):
    """The read :func:`load_review` needs (``HistoryStore`` has it)."""

    def derived(self, name: str, key: str, derive: Callable[[dict[str, Any]], Any],
                since: datetime | None = None) -> tuple[list[Any], list[Any]]: ...


def load_review(source: ReviewSource, now: datetime, since: datetime,
                settings: Settings) -> tuple[list[Row], list[dict[str, Any]]]:
    """The review rows of :func:`load_review_rows` and the :func:`escalation_facts` of the
    escalations created since ``since`` (for ``escalation_review_from_facts``), each
    derived once per stored record and kept by the store for its exact bytes (with the
    time zone of ``now`` and the settings they depend on): a review replays only the
    timelines written since the last one."""
    import orjson

    from .domain.escalation import Escalation
    from .domain.review import FACTS_VERSION, escalation_facts

    tz = now.tzinfo if now.tzinfo is not None else timezone.utc
    # a fixed offset by its offset (UTC is UTC however it was written), a zone by its name
    zone = f"UTC{tz.utcoffset(None)}" if isinstance(tz, timezone) else repr(tz)
    rules = orjson.dumps(settings.to_dict(json_safe=True), option=orjson.OPT_SORT_KEYS)
    key = f"{FACTS_VERSION} {zone} {rules.decode()}"

    def derive(doc: dict[str, Any]) -> list[Any]:
        part = {k: doc[k] for k in _REVIEW_KEYS if k in doc}
        part["warnings"] = [{"code": w["code"]} for w in doc.get("warnings") or ()]
        return [part, escalation_facts(Escalation.from_json(doc), tz, settings)]

    period, older = source.derived("review", key, derive, since)
    rows = rows_from_docs(part for part, _ in (*period, *older))
    return rows, [facts for _, facts in period]


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
_DONE = frozenset({"resolved", "closed"})

SORTS: dict[str, SortSpec] = {
    s.key: s
    for s in (
        SortSpec("id", "#", lambda r: r.id, True),
        SortSpec("date", "date", lambda r: (r.created_at, r.id), True),
        SortSpec("account", "account", lambda r: (r.account_key, -r.created_at.timestamp())),
        SortSpec("total", "total", lambda r: (r.total, r.created_at), True),
        SortSpec("decision", "decision", lambda r: (r.decision.rank, r.created_at), True),
        SortSpec("type", "type", lambda r: (list(IssueType).index(r.issue_type), -r.created_at.timestamp())),
        SortSpec("status", "status", lambda r: (r.status in _DONE, r.status, -r.created_at.timestamp())),
        SortSpec(
            "followup", "follow-up",
            lambda r: (r.checkin_due_at if r.followup_pending() else _FAR, -r.id),
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
        if r.account_key == row.account_key and (r.created_at, r.id) < (row.created_at, row.id)
    ]
    found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return found
