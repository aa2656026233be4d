"""HistoryStore: the assessment history in one TinyDB JSON file, safe to share.

- Every change is one read-modify-write under a cross-process lock (``<file>.lock``,
  the ``filelock`` package), reading the file afresh each time: two app or CLI processes
  never lose each other's records. Ids are ours (``next_id`` in the ``_meta`` table), never
  TinyDB's cached counter, and never reused after a delete.
- Writes are atomic and private (see :mod:`.jsonfile`). A failed write leaves the previous
  file intact and says so.
- A corrupt or foreign file is never written to: every operation raises
  :class:`CorruptStoreError` naming the file; :meth:`HistoryStore.recover` moves it aside
  byte-for-byte and the history starts fresh. A missing file is an empty history; the file
  is created by the first save.
- Reads need no lock (a reader sees the old or the new file). The store keeps what it read
  and re-reads only when the file changed on disk (device, inode, size, mtime_ns, ctime_ns:
  an edit that keeps the length still changes them).
- A file is trusted only once validated in full: every record present in full (nothing
  invented for a missing field), migrated and checked by pydantic, ids unique. That is
  noted outside the file (:mod:`.trust`), so the next process trusts the same file without
  validating it again; a file not exactly as noted (or written by someone else, whatever
  its checksum says) is validated afresh. Anything but a regular file is refused before it
  is opened; a symlinked file is followed (read, locked and written at its target).
- Large tables and the pattern review read :meth:`HistoryStore.documents` or
  :meth:`HistoryStore.each_document` instead: the records as plain JSON, no pydantic. That
  is safe because every record the store keeps was validated (or written by this store
  from an :class:`Assessment`).
- The review over a period reads :meth:`HistoryStore.derived`: a value derived once per
  record (its review row and escalation facts) and kept outside the file for the record's
  exact bytes, so ``stats`` replays only the timelines written since the last one.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import gc
import hashlib
import json
import os
import types
import typing
import shlex
import stat as stat_mod
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import orjson

from ..domain.escalation import (
    Escalation,
    EscalationError,
    Event,
    Status,
    checkin_event,
    checkin_refused,
    legacy_events,
    resolve_event,
)
from ..domain.models import SCHEMA_VERSION, Assessment
from ..domain.rubric import Decision
from ..errors import TriageError
from .jsonfile import (
    APP,
    EMPTY_BODY,
    NotAsNoted,
    META_TABLE,
    RECORDS_TABLE,
    BODY_PREFIX,
    SEP,
    AtomicJSONStorage,
    Canonical,
    Chunks,
    body_append,
    body_crc,
    body_from_lines,
    body_get,
    body_remove,
    body_replace,
    decode_canonical,
    decode_head,
    encode,
    encode_head,
    fsync_dir,
    line_doc,
    line_id,
    record_line,
    read_body,
    remove_stale_temps,
)
from .migrations import MigrationError, doc_version, migrate, with_markers
from .trust import TrustNotes

LOCK_TIMEOUT = 10.0  # seconds a writer waits for another process's save
T = TypeVar("T")


class StoreError(TriageError):
    """A history problem, as one line that names the file."""


class CorruptStoreError(StoreError):
    """The file is not a triage-tui history (corrupt or foreign): it is never written to."""


class UnknownIdError(StoreError):
    """No assessment with that id."""


class StaleEditError(StoreError):
    """The escalation changed since the caller read it (``append(..., expect=N)``)."""


# How a record starts when nothing can fall due for it any more (closed, or resolved
# without ever having been escalated): see migrations.with_markers.
QUIET_PREFIX = b'{"watch":false,'
CLOSED_PREFIX = QUIET_PREFIX  # (the name the first API commit used)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector around a bulk read.

    Parsing 10 000 records allocates some 200 000 dicts and lists; each allocation burst
    triggers a collection that rescans everything still alive, which took 35-40 % of
    :meth:`HistoryStore.documents` (and as much again of building table rows from them).
    Nothing read here forms a cycle, so nothing is lost by collecting afterwards.
    Safe to nest and to use from several threads: the collector is turned back on by
    the caller that found it on (overlapping threads may get it back early: slower,
    never wrong), and a collector someone else turned off stays off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _utc(moment: datetime) -> datetime:
    """In UTC, for ordering. A stored date at the very edge of the calendar (0001-01-01 with
    an offset east of UTC, 9999-12-31 west of it) has no UTC form: it sorts first or last."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=timezone.utc)


def stored_doc(a: Assessment, doc_id: int) -> dict[str, Any]:
    """What the file keeps for one assessment: the record's JSON dump, with its id."""
    data = a.to_dict(json_safe=True)
    data["id"] = doc_id
    return data


def record_doc(a: Assessment, doc_id: int, events: Iterable[Event] | None = None
               ) -> dict[str, Any]:
    """What the file keeps for one escalation (schema 4): its markers ``watch`` and
    ``status`` first (folded from the timeline), the assessment's JSON dump with its id, and the ``events``. Without
    ``events``, the timeline the assessment's lifecycle implies (created; resolved;
    checked in)."""
    doc = stored_doc(a, doc_id)
    if events is None:
        timeline = legacy_events(doc)
    else:
        timeline = [e.to_json() for e in events]
    esc = Escalation.from_json({"id": doc_id, "account": a.account, "events": timeline})
    return with_markers({**doc, "events": timeline}, esc.state)


def synced(a: Assessment, esc: Escalation) -> Assessment:
    """``a`` with its lifecycle fields (resolved_at, satisfaction, resolution_note,
    checkin_done_at) as the timeline says, for the history table and the review."""
    s = esc.state
    note = next((e.text for e in reversed(esc.events) if e.kind.value == "resolved"), "")
    if (a.resolved_at, a.satisfaction, a.resolution_note, a.checkin_done_at) == (
            s.resolved_at, s.satisfaction, note, s.closed_at):
        return a
    return replace(a, resolved_at=s.resolved_at, satisfaction=s.satisfaction,
                   resolution_note=note, checkin_done_at=s.closed_at)


def _validate(doc: dict[str, Any]) -> Assessment:
    """A stored document → Assessment, checked by pydantic (imported on first use)."""
    return Assessment.validate(doc)


def _followup_spans(data: Canonical) -> list[tuple[int, int]]:
    """The spans of the lines that may be a pending follow-up (resolved, check-in not
    done): a byte test, so the others are never parsed. Callers check the parsed record
    (the decision cannot be tested on bytes: the what-if texts hold decisions too)."""
    return data.spans_with(b'"checkin_done_at":null', without=b'"resolved_at":null')


_MISSING = object()


def _spans_ok(data: Canonical, spans: Any) -> bool:
    """``spans`` (kept for this very file) are record lines of ``data``."""
    if not isinstance(spans, list):
        return False
    body, end = data.body, data.records_end()
    try:
        return all(body[start : start + 1] == b'"' and (stop == end or body[stop : stop + 2] == SEP)
                   for start, stop in spans)
    except (TypeError, ValueError):
        return False


def _pending(doc: dict[str, Any]) -> bool:
    """A resolved escalation whose check-in is not done (a stored document)."""
    return bool(doc.get("resolved_at")) and doc.get("checkin_done_at") is None \
        and Decision(doc["decision"]).escalates


def _line_key(line: bytes) -> tuple[datetime, int]:
    """File order: oldest first by created_at, then id."""
    return (_utc(datetime.fromisoformat(line_doc(line)["created_at"])), line_id(line))


@dataclass
class _Snapshot:
    sig: tuple[int, ...] | None  # None: no file
    data: Canonical  # the records in canonical form (built in memory for other files)
    _index: dict[int, tuple[int, int]] | None = None
    verified: bool = True  # False: trusted on its noted identity, its checksum not computed
    written: dict[int, bytes] = dataclasses.field(default_factory=dict)  # by this process
    kept: dict[str, list[tuple[int, int]]] = dataclasses.field(default_factory=dict)

    def line(self, doc_id: int) -> bytes | None:
        """One record line by id: one this process just wrote, else from an index of the
        body built on first use (one pass over the line starts), instead of a search
        through the body for each id."""
        if doc_id in self.written:
            return self.written[doc_id]
        if self._index is None:
            body = self.data.body
            self._index = {int(body[start + 1 : body.index(b'"', start + 1)]): (start, end)
                           for start, end in self.data.spans()}
        span = self._index.get(doc_id)
        return None if span is None else self.data.body[span[0] : span[1]]

    def spans_since(self, since: datetime) -> list[tuple[int, int]]:
        """The spans of the records created at or after ``since`` (the body is in time
        order: a bisection over the bytes parses about 14 records of 10 000, and the older
        lines are never visited)."""
        data, target = self.data, _utc(since)
        body = data.body
        lo, hi = len(BODY_PREFIX), data.records_end()  # lo: always the start of a line
        while lo < hi:
            start, end = data.line_at((lo + hi) // 2)
            if _line_key(body[start:end])[0] < target:
                lo = min(end + len(SEP), hi)
            else:
                hi = start
        return list(data.spans(lo))

    @property
    def next_id(self) -> int:
        return int(self.data.meta.get("next_id", 1))

    @property
    def count(self) -> int:
        return int(self.data.meta.get("count", 0))


def _empty() -> _Snapshot:
    return _Snapshot(None, Canonical(meta={"next_id": 1, "count": 0}, body=EMPTY_BODY))


def _sig(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class HistoryStore:
    """The history file. Cheap to create (no I/O here); safe across processes."""

    def __init__(self, path: str | os.PathLike[str], *, notes: Path | None = None) -> None:
        """``notes``: where validated files are noted (default: the user cache folder)."""
        self.path = Path(path)
        if notes is None:
            from ..paths import cache_dir

            notes = cache_dir()
        self._notes = TrustNotes(notes)
        self._snap: _Snapshot | None = None
        self._models: dict[bytes, Assessment] = {}
        self._escalations: dict[bytes, Escalation] = {}
        self._written: dict[int, bytes] = {}  # the lines of the write under way, by id
        self._mutex = threading.RLock()

    @property
    def lock_path(self) -> Path:
        """``<file>.lock`` next to the real file (a symlinked history shares its target's lock)."""
        real = self._real()
        return real.with_name(real.name + ".lock")

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    # ------------------------------------------------------------------ messages

    def _recover_hint(self) -> str:
        return f"run 'triage recover --db {shlex.quote(str(self.path))}' to move it aside and start afresh"

    def _corrupt(self, reason: str) -> CorruptStoreError:
        return CorruptStoreError(
            f"history file {self.path} {reason}; it was left untouched: {self._recover_hint()}"
        )

    def _newer(self, version: int) -> StoreError:
        return StoreError(
            f"history file {self.path} was written by a newer triage-tui (schema {version}; "
            f"this version reads up to {SCHEMA_VERSION}): upgrade triage-tui to use it"
        )

    # ------------------------------------------------------------------ reading

    def _real(self) -> Path:
        """The file the path names (a symlink followed): what is read, written and locked."""
        return Path(os.path.realpath(self.path))

    def _stat(self) -> os.stat_result | None:
        """The file's status (a symlink followed), or None if there is none. Anything but
        a regular file is refused before it is opened: a FIFO would block, /dev/zero
        never end."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read history file {self.path}: {exc.strerror or exc}") from None
        if not stat_mod.S_ISREG(st.st_mode):
            raise StoreError(
                f"history file {self.path} is {_kind(st)}, not a regular file: "
                "give the path of a history file (or of a new one) with --db"
            )
        return st

    def _read_file(self) -> tuple[tuple[int, ...], bytes, bytes] | None:
        """(signature, first line, rest) of the file, or None if there is none. The
        signature is the one of the content read (a file changed in place meanwhile is
        read again)."""
        for _ in range(3):
            if self._stat() is None:
                return None
            try:  # O_NONBLOCK: a file swapped for a FIFO after the stat cannot hang us
                fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise StoreError(f"cannot read history file {self.path}: {exc.strerror or exc}") from None
            with os.fdopen(fd, "rb") as handle:
                before = os.fstat(fd)
                if not stat_mod.S_ISREG(before.st_mode):
                    raise StoreError(f"history file {self.path} is {_kind(before)}, not a regular file")
                try:  # the rest in one exact allocation, or mapped (a large file, see read_body)
                    first = os.pread(fd, 4096, 0)
                    head = first[: first.find(b"\n") + 1]  # b"" if not our layout
                    rest = read_body(fd, len(head), before.st_size, _sig(before))
                except OSError as exc:
                    raise StoreError(
                        f"cannot read history file {self.path}: {exc.strerror or exc}"
                    ) from None
                if _sig(os.fstat(fd)) == _sig(before):
                    return _sig(before), head, rest
        raise StoreError(f"history file {self.path} kept changing while it was read; try again")

    def _snapshot(self, *, fresh: bool = False, locked: bool = False) -> _Snapshot:
        """The records as on disk now, re-read only if the file changed.

        ``locked`` (writers): also compare the checksum in the file's first line (the body's
        checksum, when not verified yet, is checked by the write: see :meth:`_write`).
        ``fresh``: read and validate the whole file, whatever was noted about it."""
        snap = self._snap
        if snap is not None and not fresh:
            st = self._stat()
            current = None if st is None else _sig(st)
            if current == snap.sig and (
                not locked or current is None or self._head_crc() == snap.data.meta.get("crc32")
            ):
                return snap
        snap = self._load(trust_notes=not fresh, verify=fresh)
        if len(self._models) > 2 * snap.count + 64:
            self._models.clear()
        if len(self._escalations) > 2 * snap.count + 64:
            self._escalations.clear()
        self._snap = snap
        return snap

    def _head_crc(self) -> str | None:
        try:
            with open(self.path, "rb") as handle:
                meta = decode_head(handle.readline(4096))
        except OSError:
            return None
        return meta.get("crc32") if meta else None

    def _load(self, trust_notes: bool, verify: bool = True) -> _Snapshot:
        """Read the file. Its records are trusted only when they were validated: noted for
        this exact file (see :mod:`.trust`) and matching the noted checksum. Otherwise the
        whole file is validated (and noted for the next read).

        ``verify=False`` (a reader): a file in our layout whose identity is exactly the
        noted one (device, inode, size, mtime_ns, ctime_ns: any write changes them) and
        whose first line carries the noted checksum is not checksummed again, which would
        cost a pass over the whole file on every command. A writer (``verify=True``)
        checks the checksum before carrying it forward; a foreign file's noted copy (a
        file in the cache folder, not the history) is always checked."""
        st = self._stat()
        if st is None:
            return _empty()
        real = self._real()
        noted = self._notes.lookup(real, _sig(st)) if trust_notes else None
        if noted is not None and noted[1] is not None:  # a foreign file's validated records
            checked = verify or not noted[2]  # a sealed copy is as written: no checksum
            canon = self._trusted(*noted[1], noted[0], checked)
            if canon is not None:
                if not noted[2]:  # (noted by an earlier version, or changed but intact)
                    self._notes.seal(real, noted[3])
                return _Snapshot(_sig(st), canon, verified=checked)
        found = self._read_file()
        if found is None:
            return _empty()
        sig, head, rest = found
        if noted is not None and noted[1] is None and sig == _sig(st):
            canon = self._trusted(head, rest, noted[0], verify)
            if canon is not None:
                return _Snapshot(sig, canon, verified=verify)
        if not head and not rest:
            return _Snapshot(sig, _empty().data)  # an empty file is an empty TinyDB
        canon, own = self._validate_file(head + rest[:])
        self._notes.note(real, sig, canon.meta["crc32"],
                         None if own else [encode_head(canon.meta), canon.body])
        return _Snapshot(sig, canon)

    @staticmethod
    def _trusted(head: bytes, body: bytes, crc32: str, verify: bool = True) -> Canonical | None:
        canon = decode_canonical(head, body, verify)
        if canon is None or canon.meta.get("crc32") != crc32 \
                or canon.meta.get("schema") != SCHEMA_VERSION \
                or not isinstance(canon.meta.get("next_id"), int) \
                or not isinstance(canon.meta.get("count"), int):
            return None
        return canon

    def _validate_file(self, data: bytes) -> tuple[Canonical, bool]:
        """Any file not known to be valid: parse it all, check the layout, migrate and
        validate every record. Returns the records in our layout, and whether the file is
        already exactly that (else the next save rewrites it)."""
        raw = self._parse(data)
        if not isinstance(raw, dict):
            raise self._corrupt(f"is not a TinyDB file (its top level is {_json_kind(raw)})")
        others = sorted(set(raw) - {RECORDS_TABLE, META_TABLE})
        if others:
            raise self._corrupt(f"is not a triage-tui history (it has a table {others[0]!r})")
        next_id = 1
        if META_TABLE in raw:
            meta = raw[META_TABLE]
            info = meta.get("1") if isinstance(meta, dict) else None
            if not isinstance(info, dict) or info.get("app") != APP:
                raise self._corrupt("is not a triage-tui history (unknown _meta table)")
            if isinstance(info.get("schema"), int) and info["schema"] > SCHEMA_VERSION:
                raise self._newer(info["schema"])
            if isinstance(info.get("next_id"), int):
                next_id = info["next_id"]
        table = raw.get(RECORDS_TABLE, {})
        if not isinstance(table, dict):
            raise self._corrupt(
                f"is not a TinyDB file (its _default table is {_json_kind(table)}, not an object)")
        keyed = []
        for key, doc in table.items():
            if not (key.isascii() and key.isdigit() and key == str(int(key)) and int(key) > 0):
                raise self._corrupt(f"is not a TinyDB file (record key {key!r} is not a document id)")
            if not isinstance(doc, dict):
                raise self._corrupt(f"has a record {key} that is not an object")
            version = doc_version(doc)
            if version is not None and version > SCHEMA_VERSION:
                raise self._newer(version)
            try:
                doc = migrate(doc)
            except MigrationError as exc:
                raise self._corrupt(f"has a record {key} that is not an assessment ({exc})") from None
            doc = {**doc, "id": int(key)}
            model = self._checked(doc)
            doc = with_markers(doc, self._timeline(doc).state)
            keyed.append(((_utc(model.created_at), model.id or 0), doc))
        keyed.sort(key=lambda item: item[0])
        lines = []
        for _, doc in keyed:
            try:
                lines.append(record_line(doc["id"], doc))
            except orjson.JSONEncodeError as exc:  # e.g. a number beyond 64 bits
                raise self._corrupt(f"has a record {doc['id']} that cannot be kept ({exc})") from None
        next_id = max([next_id, *(doc["id"] + 1 for _, doc in keyed)])
        meta, chunks = encode(
            body_from_lines(lines),
            {"schema": SCHEMA_VERSION, "next_id": next_id, "count": len(lines)},
        )
        content = b"".join(chunks)
        return Canonical(meta, content[len(chunks[0]):], lines), content == data

    def _parse(self, data: bytes) -> Any:
        """The whole file as JSON; a key given twice in one object (two records with one
        id: JSON parsers keep the last and lose the other) makes the file corrupt."""

        def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            obj = dict(pairs)
            if len(obj) != len(pairs):
                seen: set[str] = set()
                raise _Duplicate(next(k for k, _ in pairs if k in seen or seen.add(k)))  # type: ignore[func-returns-value]
            return obj

        def constant(name: str) -> Any:
            raise ValueError(f"{name} is not JSON")

        try:
            with paused_gc():
                return json.loads(data, object_pairs_hook=unique, parse_constant=constant)
        except _Duplicate as dup:
            raise self._corrupt(
                f"has the key {dup.key!r} twice in one object (two records with one id?)"
            ) from None
        except UnicodeDecodeError:
            raise self._corrupt("is not valid JSON (it is not UTF-8 text)") from None
        except (ValueError, RecursionError) as exc:
            raise self._corrupt(f"is not valid JSON ({str(exc) or type(exc).__name__})") from None

    def _checked(self, doc: dict[str, Any]) -> Assessment:
        """A stored document → Assessment: every field present (nothing is invented for a
        missing one) and valid. Anything else makes the file corrupt, naming the record."""
        from pydantic import ValidationError

        missing = _missing_field(doc, Assessment)
        if missing is not None:
            raise self._corrupt(f"has a record {doc.get('id')} without the field {missing!r}")
        try:
            return _validate(doc)
        except (ValidationError, ValueError, TypeError) as exc:
            detail = _first_error(exc) if isinstance(exc, ValidationError) else str(exc)
            raise self._corrupt(
                f"has a record {doc.get('id')} that is not a valid assessment ({detail})"
            ) from None

    def _timeline(self, doc: dict[str, Any]) -> Escalation:
        """A stored document's escalation (its timeline checked event by event)."""
        if not isinstance(doc.get("events"), list):
            raise self._corrupt(f"has a record {doc.get('id')} without the field 'events'")
        try:
            return Escalation.from_json(doc)
        except (EscalationError, KeyError, TypeError) as exc:
            raise self._corrupt(
                f"has a record {doc.get('id')} with an invalid timeline ({exc})") from None

    def _escalation(self, line: bytes) -> Escalation:
        return self._parsed(line, self._escalations, self._timeline)

    def _model(self, line: bytes) -> Assessment:
        return self._parsed(line, self._models, self._checked)

    def _parsed(self, line: bytes, cache: dict[bytes, Any], build: Callable[[dict[str, Any]], Any]) -> Any:
        """``build`` of a record line's document (with its id), cached per line."""
        value = cache.get(line)
        if value is None:
            doc_id = line_id(line)
            try:
                doc = line_doc(line)
            except orjson.JSONDecodeError as exc:
                raise self._corrupt(f"has a record {doc_id} that is not JSON ({exc})") from None
            value = cache[line] = build({**doc, "id": doc_id})
        return value

    # ------------------------------------------------------------------ public reads

    def exists(self) -> bool:
        return self.path.exists()

    def count(self) -> int:
        with self._mutex:
            return self._snapshot().count

    def get(self, doc_id: int) -> Assessment:
        """One assessment; UnknownIdError if there is none with that id."""
        with self._mutex:
            line = self._snapshot().line(doc_id)
            if line is None:
                raise UnknownIdError(f"no assessment #{doc_id} in {self.path}")
            return self._model(line)

    def escalation(self, doc_id: int) -> Escalation:
        """One escalation (its timeline and folded state); UnknownIdError if none."""
        with self._mutex:
            line = self._snapshot().line(doc_id)
            if line is None:
                raise UnknownIdError(f"no assessment #{doc_id} in {self.path}")
            return self._escalation(line)

    def escalations(self, include_closed: bool = True, since: datetime | None = None,
                    ids: Iterable[int] | None = None) -> list[Escalation]:
        """Every escalation, oldest first. ``include_closed=False`` (for ``due`` and the Today
        screen) skips those for which nothing can fall due any more — closed, or resolved
        without ever having been escalated — on their raw bytes (the ``watch`` marker that
        starts each record), without parsing them. ``since``: only those created at or after it (the
        file is in time order: the older ones are never parsed). ``ids``: those only (an
        unknown id is left out)."""
        with self._mutex:
            snap = self._snapshot()
            if ids is not None:
                lines = [snap.line(i) for i in sorted(set(ids))]
                return [self._escalation(line) for line in lines if line is not None]
            body = snap.data.body

            def watched(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
                return [(start, end) for start, end in spans if not body.startswith(
                    QUIET_PREFIX, body.find(b'": ', start, end) + 3)]

            if since is not None:
                spans = snap.spans_since(since)
                spans = spans if include_closed else watched(spans)
            elif include_closed:
                spans = list(snap.data.spans())
            else:  # found once per file (a pass over every record's first bytes)
                spans = self._kept_spans(snap, "watch", lambda: watched(snap.data.spans()))
            with paused_gc():
                return [self._escalation(body[start:end]) for start, end in spans]

    def all(self) -> list[Assessment]:
        """Every assessment, newest first."""
        return self.query()

    def query(
        self,
        account: str | None = None,
        decision: Decision | str | None = None,
        text: str | None = None,
        limit: int | None = None,
    ) -> list[Assessment]:
        """Newest first. ``account``: case-insensitive substring of the account name;
        ``text``: case-insensitive substring of the account or any text the CSM wrote."""
        with self._mutex:
            data = self._snapshot().data
            filters = _Filters(account, decision, text)
            if not filters.active:
                lines = data.tail(limit) if limit is not None else data.lines()
                return [self._model(line) for line in reversed(lines)]
            found: list[Assessment] = []
            for line in reversed(data.lines()):
                if limit is not None and len(found) >= limit:
                    break
                if filters.maybe(line) and filters.match(line_doc(line)):
                    found.append(self._model(line))
            return found

    def documents(self, limit: int | None = None, since: datetime | None = None
                  ) -> list[dict[str, Any]]:
        """Every record as a plain JSON document with its ``"id"``, newest first.
        ``limit``: the newest only, found from the end of the file (O(limit));
        ``since``: only those created at or after it (the file is in time order: the
        records before it are never parsed).

        The fast read for large tables and the pattern review: orjson only, no pydantic
        (about 9 µs a record against 90 µs for :meth:`all`). The documents can be trusted
        as :class:`Assessment` dumps of the current schema: a file whose checksum matches
        was written by this store from :class:`Assessment` objects, and any other file was
        migrated and validated record by record when it was read (see :meth:`_load`).
        Each call returns new dicts: the caller may keep or change them."""
        with self._mutex:
            snap = self._snapshot()
            data = snap.data
            if since is None:
                lines = data.tail(limit) if limit is not None else data.lines()
            else:
                spans = snap.spans_since(since)
                if limit is not None:
                    spans = spans[max(0, len(spans) - limit):]
                lines = [data.body[start:end] for start, end in spans]
        return self._documents(lines)

    # The history screen reads a file whole (it is read and parsed at once anyway).
    pages_history = False

    def history_page(self, before: tuple[datetime, int] | None, limit: int,
                     terms: Iterable[Any] = ()
                     ) -> tuple[list[dict[str, Any]], tuple[datetime, int] | None]:
        """The store interface's page of the history (see the team server's): the next
        ``limit`` documents created before ``before`` (created_at, id), newest first, and
        the key to read on from (None: the last); ``terms`` are not used here (the
        caller filters)."""
        docs = self.documents()
        if before is not None:
            at, doc_id = _utc(before[0]), int(before[1])
            docs = [d for d in docs if (_utc(datetime.fromisoformat(d["created_at"])),
                                        d["id"]) < (at, doc_id)]
        page = docs[:max(0, limit)]
        last = page[-1] if page and len(docs) > len(page) else None
        return page, (None if last is None else
                      (_utc(datetime.fromisoformat(last["created_at"])), last["id"]))

    def followup_documents(self) -> list[dict[str, Any]]:
        """The documents of :meth:`followups` (any age), newest first, without pydantic."""
        with self._mutex:
            lines = self._pending_lines()
        return self._documents(lines)

    def _pending_lines(self) -> list[bytes]:
        """The lines of pending follow-ups (see :meth:`_pending_spans`), found once per
        file identity (see :meth:`_kept_spans`)."""
        snap = self._snapshot()
        body = snap.data.body
        return [body[start:end] for start, end in
                self._kept_spans(snap, "pending", lambda: self._pending_spans(snap.data))]

    def _pending_spans(self, data: Canonical) -> list[tuple[int, int]]:
        """The spans of the pending follow-ups: a byte test, then each candidate parsed (and
        dropped) on its own, so a large history never has all its candidates parsed at once."""
        body = data.body
        try:
            return [(start, end) for start, end in _followup_spans(data)
                    if _pending(line_doc(body[start:end]))]
        except (orjson.JSONDecodeError, ValueError, KeyError) as exc:
            raise self._corrupt(f"has a record that is not an assessment ({exc})") from None

    def derived(self, name: str, key: str, derive: Callable[[dict[str, Any]], Any],
                since: datetime | None = None) -> tuple[list[Any], list[Any]]:
        """``derive(document)`` for the records of ``documents(since=since)`` (newest
        first), and (with a ``since``) for the older pending follow-ups of
        :meth:`followup_documents` (newest first): the same records in the same order.

        Each value is kept outside the history (next to the notes, see :class:`TrustNotes`)
        for the record's exact bytes and ``key``, which must name everything else the
        values depend on (settings, time zone, a version of ``derive``): the next call
        derives only the records written since, and a value is never used for other bytes
        or under another key. The values must be JSON."""
        with self._mutex:
            snap = self._snapshot()
            real = self._real()
            spans = list(snap.data.spans()) if since is None else snap.spans_since(since)
            pending = [] if since is None else self._kept_spans(
                snap, "pending", lambda: self._pending_spans(snap.data))
        body = snap.data.body
        first = spans[0][0] if spans else snap.data.records_end()
        older = [span for span in pending if span[0] < first]
        values: dict[str, Any] = {}
        kept = self._notes.derived(real, name)
        if kept is not None and kept[0].get("key") == key:  # {digest: value}
            with suppress(orjson.JSONDecodeError):
                loaded = orjson.loads(kept[1])
                values = loaded if isinstance(loaded, dict) else {}
        out: list[Any] = []
        used: dict[str, Any] = {}
        made = 0
        blake2b = hashlib.blake2b
        with paused_gc():
            for start, end in [*reversed(spans), *reversed(older)]:
                line = body[start:end]
                digest = blake2b(line, digest_size=16).hexdigest()
                value = values.get(digest, _MISSING)
                if value is _MISSING:
                    value = derive(self._doc(line))
                    made += 1
                used[digest] = value
                out.append(value)
        if made or len(values) > 2 * len(used) + 64:
            # what this call used, and what was kept before while that stays small
            keep = {**values, **used} if len(values) + made <= 2 * len(used) + 64 else used
            self._notes.keep(real, name, {"key": key}, orjson.dumps(keep))
        return out[: len(spans)], out[len(spans) :]

    def _kept_spans(self, snap: _Snapshot, kind: str,
                    find: Callable[[], list[tuple[int, int]]]) -> list[tuple[int, int]]:
        """``find()`` (some of the file's record spans: a pass over the whole file), found
        once for the file's exact identity (its signature and checksum) and kept outside
        the history; the process keeps it with the snapshot too."""
        if kind in snap.kept:
            return snap.kept[kind]
        if not snap.sig:  # no file (or no identity to key it by)
            snap.kept[kind] = find()
            return snap.kept[kind]
        real = self._real()
        identity = [list(snap.sig), snap.data.meta.get("crc32")]
        table: dict[str, Any] = {}
        kept = self._notes.derived(real, "spans")
        if kept is not None and kept[0].get("file") == identity:
            with suppress(orjson.JSONDecodeError):
                loaded = orjson.loads(kept[1])
                table = loaded if isinstance(loaded, dict) else {}
        spans = table.get(kind)
        if _spans_ok(snap.data, spans):
            found = [(start, end) for start, end in spans]
        else:
            found = find()
            table[kind] = found
            self._notes.keep(real, "spans", {"file": identity}, orjson.dumps(table))
        snap.kept[kind] = found
        return found

    def each_document(self) -> Iterator[dict[str, Any]]:
        """Every record as a plain JSON document with its ``"id"``, oldest first, parsed one
        at a time: for a pass over a large history (the pattern review) that keeps only
        what it needs of each record. The collector is paused while it runs (see
        :func:`paused_gc`). Trusted like :meth:`documents`."""
        with self._mutex:
            data = self._snapshot().data
        body = data.body
        with paused_gc():
            for start, end in data.spans():
                yield self._doc(body[start:end])

    def _doc(self, line: bytes) -> dict[str, Any]:
        """The document (with its ``"id"``) of a record line."""
        try:
            cut = line.index(b'": ')
            doc = orjson.loads(memoryview(line)[cut + 3 :])
            doc["id"] = int(line[1:cut])
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            raise self._corrupt(f"has a record that is not JSON ({exc})") from None
        return doc

    def _documents(self, lines: list[bytes]) -> list[dict[str, Any]]:
        """Record lines (oldest first) → documents with their ids, newest first."""
        with paused_gc():
            return [self._doc(line) for line in reversed(lines)]

    def signature(self) -> tuple[int, ...] | None:
        """Changes whenever the file does (None: there is no file): a cheap ``os.stat``
        for callers that keep what they read, to know when to read again."""
        try:
            return _sig(os.stat(self.path))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read history file {self.path}: {exc.strerror or exc}") from None

    def team_review(self, now: datetime, period_days: int | None) -> None:
        """A history file is one person's: no team to review (see TeamStore.team_review)."""
        return None

    def followups(self) -> list[Assessment]:
        """Resolved escalations whose post-escalation check-in is not done, soonest due first."""
        with self._mutex:
            pending = [self._model(line) for line in self._pending_lines()]
        return sorted(pending, key=lambda a: (a.checkin_due_at, a.id or 0))

    def check(self) -> int:
        """Read and validate every record; raise StoreError if the file is not healthy.

        Returns the number of records."""
        with self._mutex:
            snap = self._snapshot(fresh=True)
            for line in snap.data.lines():
                self._model(line)
            return snap.count

    # ------------------------------------------------------------------ writing

    @contextmanager
    def _locked(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for history file {self.path}: {exc.strerror or exc}"
            ) from None
        lock = FileLock(self.lock_path, mode=0o600, timeout=LOCK_TIMEOUT)
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(
                f"history file {self.path} is busy: another triage process held its lock "
                f"for {LOCK_TIMEOUT:g} s"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot lock history file {self.path}: {exc.strerror or exc}") from None
        try:
            yield
        finally:
            lock.release()

    def _write(
        self, change: Callable[[_Snapshot], tuple[Chunks, dict[str, int], T, int | None]]
    ) -> T:
        """Lock → read afresh → change → atomic write → unlock.

        ``change`` returns the new body (chunks ending with the closing bytes), meta
        updates, the result, and the body's checksum if it could compute it cheaply."""
        with self._mutex, self._locked():
            snap = self._snapshot(locked=True)
            remove_stale_temps(self._real())
            while True:
                self._written = {}
                body, meta, result, checksum = change(snap)
                meta = {"schema": SCHEMA_VERSION, "next_id": snap.next_id, "count": snap.count,
                        **meta}
                meta, chunks = encode(body, meta, checksum)

                def carried(snap: _Snapshot = snap) -> bool:
                    """What the file carries on is what its checksum says (checked while the
                    new file is made durable); else it is validated in full, and changed."""
                    return snap.data.meta.get("crc32") == f"{body_crc(snap.data.body):08x}"

                try:
                    AtomicJSONStorage(self.path).write_bytes(
                        chunks, check=None if snap.verified else carried)
                except NotAsNoted:
                    snap = self._snapshot(fresh=True)
                    continue
                except OSError as exc:
                    raise StoreError(
                        f"could not save to history file {self.path}: {exc.strerror or exc}; "
                        "the previous file is unchanged"
                    ) from None
                break
            # the lines just written are found without indexing the new body
            written = self._written if len(self._written) <= 64 else {}
            self._written = {}
            self._snap = self._reread(meta["crc32"], written)
            self._notes.note(self._real(), self._snap and self._snap.sig, meta["crc32"])
            return result

    def _reread(self, crc32: str, written: dict[int, bytes]) -> _Snapshot | None:
        """The file just written (under the lock), as the next read would find it: its first
        line and its body (mapped when large: nothing but the first line is read here)."""
        with suppress(StoreError):
            found = self._read_file()
            canon = None if found is None else decode_canonical(found[1], found[2], verify=False)
            if found is not None and canon is not None and canon.checksum is not None \
                    and canon.meta.get("crc32") == crc32:
                return _Snapshot(found[0], canon, written=written)
        return None

    def _new_line(self, a: Assessment, doc_id: int, esc: Escalation | None = None
                  ) -> tuple[bytes, Assessment]:
        """Lay out one record: the assessment and its timeline (``esc``; without it, the one
        its lifecycle implies). The domain's dataclasses check their own values; records
        read back from the file are validated by pydantic."""
        if not isinstance(a, Assessment) or not isinstance(a.created_at, datetime):
            raise StoreError(f"not saved to {self.path}: not an assessment: {a!r:.80}")
        try:
            model = replace(a, created_at=_utc(a.created_at), id=doc_id)
            doc = record_doc(model, doc_id, None if esc is None else esc.events)
            line = record_line(doc_id, doc)
        except EscalationError as exc:
            raise StoreError(f"not saved to {self.path}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise StoreError(f"not saved to {self.path}: invalid assessment ({exc})") from None
        self._models[line] = model
        self._written[doc_id] = line
        return line, model

    def add(self, a: Assessment) -> Assessment:
        """Save a new assessment; returns it with its new id."""
        return self.add_many([a])[0]

    def add_many(self, items: Iterable[Assessment],
                 timelines: Iterable[Iterable[Event]] | None = None) -> list[Assessment]:
        """Save several assessments in one write (demo data, imports, benchmarks).

        ``timelines``: each assessment's events (its created event first), in the same
        order; without them each gets the timeline its lifecycle implies.
        Ids follow ``created_at`` order within the batch."""
        items = list(items)
        events = [None] * len(items) if timelines is None else [tuple(t) for t in timelines]
        if len(events) != len(items):
            raise StoreError(f"not saved to {self.path}: one timeline per assessment")
        pairs = sorted(zip(items, events), key=lambda p: _utc(p[0].created_at))
        batch = [a for a, _ in pairs]

        def escalation(a: Assessment, doc_id: int, ev: tuple[Event, ...] | None
                       ) -> Escalation | None:
            if ev is None:
                return None
            try:
                return Escalation(id=doc_id, account=a.account, events=ev)
            except EscalationError as exc:
                raise StoreError(f"not saved to {self.path}: {exc}") from None

        def line(a: Assessment, doc_id: int, esc: Escalation | None) -> tuple[bytes, Assessment]:
            return self._new_line(a if esc is None else synced(a, esc), doc_id, esc)

        def change(snap: _Snapshot) -> tuple[Chunks, dict[str, int], list[Assessment], int | None]:
            first = snap.next_id
            made = [line(a, first + i, escalation(a, first + i, ev))
                    for i, (a, ev) in enumerate(pairs)]
            lines = [line for line, _ in made]
            last = snap.data.last_line()
            checksum = None
            if last is None or not lines or _line_key(last) <= _line_key(lines[0]):
                # the usual case: newer than everything on file
                body, checksum = body_append(snap.data.body, lines, snap.data.checksum)
            else:
                body = body_from_lines(sorted([*snap.data.lines(), *lines], key=_line_key))
            meta = {"next_id": first + len(batch), "count": snap.count + len(batch)}
            return body, meta, [m for _, m in made], checksum

        return self._write(change)

    def update(self, a: Assessment) -> Assessment:
        """Replace a stored assessment (same id) with ``a``."""
        if a.id is None:
            raise StoreError(f"not saved to {self.path}: the assessment has no id")
        doc_id = a.id

        def change(snap: _Snapshot) -> tuple[Chunks, dict[str, int], Assessment, int | None]:
            old = body_get(snap.data.body, doc_id)
            if old is None:
                raise UnknownIdError(f"no assessment #{doc_id} in {self.path}")
            line, model = self._new_line(a, doc_id, self._escalation(old))
            if _line_key(old)[0] == _utc(a.created_at):
                body = body_replace(snap.data.body, doc_id, line)
            else:  # its time changed: keep the file in time order
                lines = [ln for ln in snap.data.lines() if line_id(ln) != doc_id]
                bisect.insort(lines, line, key=_line_key)
                body = body_from_lines(lines)
            return body, {}, model, None

        return self._write(change)

    def append(self, doc_id: int, event: Event, *, expect: int | None = None,
               assessment: Assessment | None = None) -> Escalation:
        """Add ``event`` to the escalation's timeline: one read-modify-write under the lock.

        The transition is checked by the domain (:class:`EscalationError`, one line: nothing
        is written). ``expect``: the number of events the caller read; if the timeline has
        changed since, :class:`StaleEditError` and nothing is written. ``assessment`` (a
        re-score) replaces the assessment's fields (scores, type, signals, verdict); its id
        and creation time stay. The lifecycle fields follow the timeline."""

        def change(snap: _Snapshot) -> tuple[Chunks, dict[str, int], Escalation, int | None]:
            old = body_get(snap.data.body, doc_id)
            if old is None:
                raise UnknownIdError(f"no assessment #{doc_id} in {self.path}")
            current, esc = self._model(old), self._escalation(old)
            if expect is not None and len(esc.events) != expect:
                raise StaleEditError(
                    f"assessment #{doc_id} changed since it was read ({len(esc.events)} events, "
                    f"not {expect}): nothing was saved; look again and retry"
                )
            new_esc = esc.apply(event)
            base = synced(current if assessment is None else replace(
                assessment, id=doc_id, created_at=current.created_at), new_esc)
            line, _ = self._new_line(base, doc_id, new_esc)
            self._escalations[line] = new_esc
            return body_replace(snap.data.body, doc_id, line), {}, new_esc, None

        return self._write(change)

    def resolve(
        self, doc_id: int, satisfaction: int, note: str = "", now: datetime | None = None
    ) -> Assessment:
        """Mark resolved with the customer's satisfaction (1-5): a ``resolved`` event."""
        if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) \
                or not 1 <= satisfaction <= 5:
            raise StoreError(f"satisfaction must be 1-5, got {satisfaction!r}")
        when = _utc(now or datetime.now(timezone.utc))
        with self._mutex:
            a = self.get(doc_id)
            if a.resolved_at is not None:
                raise StoreError(
                    f"assessment #{doc_id} was already resolved on "
                    f"{a.resolved_at.astimezone():%Y-%m-%d %H:%M} (satisfaction {a.satisfaction})"
                )
            self.append(doc_id, resolve_event(when, satisfaction, note))
            return self.get(doc_id)

    def checkin(self, doc_id: int, now: datetime | None = None, note: str = "") -> Assessment:
        """Mark the post-escalation check-in done: a ``checked-in`` event that closes the
        escalation (no change if it already is)."""
        when = _utc(now or datetime.now(timezone.utc))
        with self._mutex:
            a, esc = self.get(doc_id), self.escalation(doc_id)
            refusal = checkin_refused(esc, a.resolved_at is not None, f"assessment #{doc_id}")
            if refusal is not None:
                raise StoreError(refusal)
            if esc.status is Status.CLOSED:
                return a
            self.append(doc_id, checkin_event(when, note))
            return self.get(doc_id)

    def delete(self, doc_id: int) -> None:
        """Remove one assessment (its id is never given out again)."""

        def change(snap: _Snapshot) -> tuple[Chunks, dict[str, int], None, int | None]:
            try:
                body = body_remove(snap.data.body, doc_id)
            except KeyError:
                raise UnknownIdError(f"no assessment #{doc_id} in {self.path}") from None
            return body, {"count": snap.count - 1}, None, None

        self._write(change)

    def recover(self, now: datetime | None = None) -> Path | None:
        """Move a corrupt or foreign file aside (renamed, byte-for-byte) so a new history
        can start. Returns where it went, or None when the file is missing or healthy."""
        with self._mutex, self._locked():
            if not self.path.exists():
                return None
            try:
                self.check()
                return None
            except CorruptStoreError:
                pass
            return self._move_aside("corrupt", now)

    def archive(self, label: str, now: datetime | None = None) -> Path | None:
        """Move the file aside as ``<name>.<label>-<timestamp>`` whatever it holds (the
        demo's --force); the history starts empty. None if there was no file."""
        with self._mutex, self._locked():
            if not self.path.exists():
                return None
            return self._move_aside(label, now)

    def _move_aside(self, label: str, now: datetime | None) -> Path:
        stamp = f"{_utc(now or datetime.now(timezone.utc)):%Y%m%dT%H%M%SZ}"
        target = self.path.with_name(f"{self.path.name}.{label}-{stamp}")
        n = 2
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.{label}-{stamp}-{n}")
            n += 1
        try:
            os.rename(self.path, target)
        except OSError as exc:
            raise StoreError(f"cannot move {self.path} aside: {exc.strerror or exc}") from None
        fsync_dir(self.path.parent)
        self._snap = None
        self._models.clear()
        return target


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


_KINDS = ((stat_mod.S_ISDIR, "a directory"), (stat_mod.S_ISFIFO, "a named pipe (FIFO)"),
          (stat_mod.S_ISCHR, "a device"), (stat_mod.S_ISBLK, "a device"),
          (stat_mod.S_ISSOCK, "a socket"))


def _kind(st: os.stat_result) -> str:
    return next((name for test, name in _KINDS if test(st.st_mode)), "not a file")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


@functools.cache
def _fields_of(cls: type) -> tuple[tuple[str, tuple[type, ...]], ...]:
    """(key in the stored JSON, dataclasses its value may hold) for each field of ``cls``.
    A trailing underscore marks a Python keyword (``from_`` is stored as ``from``)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name.removesuffix("_"), _dataclasses_in(hints[f.name]))
                 for f in dataclasses.fields(cls))


def _dataclasses_in(hint: Any) -> tuple[type, ...]:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return (hint,)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) in (typing.Union, list):
        return tuple(c for arg in typing.get_args(hint) for c in _dataclasses_in(arg))
    return ()


def _missing_field(value: Any, cls: type) -> str | None:
    """The first field of ``cls`` (dotted path) that a stored document lacks, or None.
    Only presence is checked here; pydantic checks the values."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _missing_field(item, cls)
            if found is not None:
                return f"{i}.{found}"
        return None
    if not isinstance(value, dict):
        return None
    for key, nested in _fields_of(cls):
        if key not in value:
            return key
        for inner in nested:
            found = _missing_field(value[key], inner)
            if found is not None:
                return f"{key}.{found}"
    return None


def _first_error(exc: Any) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err["loc"]) or "record"
    return f"{loc}: {err['msg']}"


_TEXT_FIELDS = ("account", "situation", "ask", "comms", "resolution_note")


def document_texts(doc: dict[str, Any]) -> list[str]:
    """What a text search looks in: the account and every text the CSM wrote (situation,
    ask, customer communication, resolution note, the rationale per dimension), from a
    stored document (the store's own: its texts are strings). Empty texts are left out.
    Runs once per record when a large history loads: kept lean."""
    texts = [text for text in map(doc.get, _TEXT_FIELDS) if text]
    rationale = doc.get("rationale")
    if rationale:
        texts += [text for text in rationale.values() if text]
    return texts


class _Filters:
    """History filters on raw documents, with a byte-level pre-check per line so most
    records are never parsed."""

    def __init__(self, account: str | None, decision: Decision | str | None, text: str | None):
        self.account = account.casefold() if account else None
        self.decision = Decision(decision) if decision else None
        self.text = text.casefold() if text else None
        self.active = bool(self.account or self.decision or self.text)
        self._needles = [
            n.encode() for n in (self.account, self.text)
            if n and n.isascii() and n.isprintable() and '"' not in n and "\\" not in n
        ]
        self._decision_bytes = (
            b'"decision":"%s"' % self.decision.value.encode() if self.decision else None
        )

    def maybe(self, line: bytes) -> bool:
        """False only when the record certainly does not match."""
        if self._decision_bytes is not None and self._decision_bytes not in line:
            return False
        if self._needles and line.isascii():
            lowered = line.lower()
            return all(needle in lowered for needle in self._needles)
        return True

    def match(self, doc: dict[str, Any]) -> bool:
        if self.decision is not None and doc.get("decision") != self.decision.value:
            return False
        if self.account is not None and self.account not in str(doc.get("account", "")).casefold():
            return False
        if self.text is not None:
            if not any(self.text in t.casefold() for t in document_texts(doc)):
                return False
        return True
