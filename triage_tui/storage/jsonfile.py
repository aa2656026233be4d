"""The history file on disk: atomic writes, a TinyDB storage, and our line layout.

The file is plain TinyDB JSON (``TinyDB(path).all()`` reads it), written by us in a
*canonical layout* that keeps large histories fast without a second file::

    {"_meta": {"1": {"app": "triage-tui", "layout": 1, "schema": 2, "next_id": 4, "count": 3, "crc32": "…"}},
    "_default": {
    "1": {…one assessment…},
    "2": {…},
    "3": {…}
    }}

- one record per line, oldest first (by ``created_at``, then id), so the newest N are
  the last N lines and ``history --limit 20`` parses 20 records, not 10 000;
- ``crc32`` in the first line covers the records that follow (up to the closing
  ``}}``), so a save splices one line in without parsing the other records (and, for an
  append, updates the checksum from the added bytes alone). The checksum says the layout
  is intact, not that the records are valid: anyone can recompute it, so the store trusts a
  file only once it has validated it (see :mod:`.trust`). Any other file (hand-edited,
  written by TinyDB itself, an older schema) is parsed in full, checked, migrated and
  validated, and rewritten in this layout by the next save.

Every write goes through :func:`atomic_write`: a temp file in the same directory,
``fsync``, ``os.replace`` and an ``fsync`` of the directory. A kill at any instant leaves
the old file or the new one; a failed write (full disk) leaves the old file untouched.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from contextlib import suppress
from pathlib import Path
from typing import Any, Iterator

import orjson
from tinydb.storages import Storage

APP = "triage-tui"
LAYOUT = 1
RECORDS_TABLE = "_default"  # TinyDB's default table: `TinyDB(path).all()` lists the records
META_TABLE = "_meta"

HEAD_PREFIX = b'{"_meta": {"1": '
HEAD_SUFFIX = b"},\n"
BODY_PREFIX = b'"_default": {\n'
BODY_SUFFIX = b"}}\n"
SEP = b",\n"
_TAIL = b"\n" + BODY_SUFFIX
EMPTY_BODY = BODY_PREFIX + BODY_SUFFIX


# ----------------------------------------------------------------------------- writing


def temp_pattern(path: Path) -> str:
    """Glob for our temp files next to ``path`` (left behind only by a killed writer)."""
    return f".{path.name}.*.tmp"


def atomic_write(path: Path, data: bytes | list[bytes | memoryview], *, durable: bool = True
                 ) -> None:
    """Replace ``path`` with ``data`` atomically; the new file is private (0600).

    ``durable``: fsync the file and the folder (the history; a cache can do without).
    Raises OSError (ENOSPC, EFBIG, EACCES, …) with the previous file left as it was.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp: O_EXCL, mode 0600
            for chunk in [data] if isinstance(data, bytes) else data:
                handle.write(chunk)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def read_exactly(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes from ``offset``, in one allocation when the system allows."""
    data = os.pread(fd, size, offset)
    if len(data) < size:  # a short read (or the file shrank: the caller sees it changed)
        more = [data]
        while size > (got := sum(map(len, more))) and (chunk := os.pread(fd, size - got, offset + got)):
            more.append(chunk)
        data = b"".join(more)
    return data


def fsync_dir(directory: Path) -> None:
    """Make a rename durable (best effort: not every filesystem allows it)."""
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_temps(path: Path) -> None:
    """Delete temp files of writers that were killed. Call only while holding the lock."""
    with suppress(OSError):
        for stale in path.parent.glob(temp_pattern(path)):
            with suppress(OSError):
                stale.unlink()


# ----------------------------------------------------------------------------- layout


def record_line(doc_id: int, doc: dict[str, Any]) -> bytes:
    """One record as a line of the ``_default`` table (no raw newline can occur in it)."""
    return b'"%d": ' % doc_id + orjson.dumps(doc)


def line_id(line: bytes) -> int:
    return int(line[1 : line.index(b'"', 1)])


def line_doc(line: bytes) -> dict[str, Any]:
    return orjson.loads(line[line.index(b'": ') + 3 :])


Chunks = list[Any]  # bytes | memoryview pieces of a body, so a splice copies nothing twice


def _view(body: bytes) -> memoryview:
    return memoryview(body)


def crc_of(chunks: Chunks, start: int = 0) -> int:
    value = start
    for chunk in chunks:
        value = zlib.crc32(chunk, value)
    return value


def body_crc(body: bytes) -> int:
    """The checksum covers the body up to its closing '\\n}}\\n'."""
    return zlib.crc32(_view(body)[: len(body) - len(_TAIL)])


def encode_head(meta: dict[str, Any]) -> bytes:
    return HEAD_PREFIX + orjson.dumps(meta) + HEAD_SUFFIX


def encode(body: Chunks, meta: dict[str, Any], checksum: int | None = None
           ) -> tuple[dict[str, Any], Chunks]:
    """The whole file as chunks: the meta line (with the body's checksum), then the body.

    ``body`` always ends with the closing chunk ``_TAIL``; ``checksum`` may be given when
    the caller could compute it incrementally."""
    if checksum is None:
        checksum = crc_of(body[:-1])
    meta = {"app": APP, "layout": LAYOUT, **meta, "crc32": f"{checksum:08x}"}
    return meta, [encode_head(meta), *body]


def body_from_lines(lines: list[bytes]) -> Chunks:
    if not lines:
        return [BODY_PREFIX[:-1], _TAIL]
    return [BODY_PREFIX, SEP.join(lines), _TAIL]


class Canonical:
    """The records of a file in our layout: meta plus the body, split into lines lazily."""

    def __init__(self, meta: dict[str, Any], body: bytes | Chunks,
                 lines: list[bytes] | None = None):
        self.meta = meta
        self._body = None if isinstance(body, list) else body
        self._chunks = body if isinstance(body, list) else None
        self._lines = lines

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = b"".join(self._chunks or [])
            self._chunks = None
        return self._body

    @property
    def checksum(self) -> int | None:
        value = self.meta.get("crc32")
        return int(value, 16) if isinstance(value, str) else None

    def lines(self) -> list[bytes]:
        """Every record line, oldest first."""
        if self._lines is None:
            body = self.body
            inner = body[len(BODY_PREFIX) : len(body) - len(_TAIL)] if body != EMPTY_BODY else b""
            self._lines = inner.split(SEP) if inner else []
        return self._lines

    def spans(self, start: int | None = None) -> Iterator[tuple[int, int]]:
        """(start, end) of every record line in :attr:`body`, oldest first, nothing copied
        (``start``: from the line starting there, see :meth:`line_at`)."""
        body = self.body
        start, end = len(BODY_PREFIX) if start is None else start, len(body) - len(_TAIL)
        while start < end:
            newline = body.find(b"\n", start, end)
            if newline < 0:
                yield start, end
                return
            yield start, newline - 1  # before the "," of the separator
            start = newline + 1

    def line_at(self, offset: int) -> tuple[int, int]:
        """(start, end) of the record line holding the byte at ``offset`` (which must lie
        within the records), or of the separator after it."""
        body = self.body
        floor, end = len(BODY_PREFIX), len(body) - len(_TAIL)
        start = body.rfind(b"\n", floor - 1, offset) + 1
        newline = body.find(b"\n", start, end)
        return start, end if newline < 0 else newline - 1

    def records_end(self) -> int:
        """Where the record lines end in :attr:`body` (their start is ``len(BODY_PREFIX)``)."""
        return max(len(BODY_PREFIX), len(self.body) - len(_TAIL))

    def lines_with(self, needle: bytes, without: bytes | None = None) -> list[bytes]:
        """The record lines holding ``needle`` and not ``without`` (oldest first), found
        without splitting the others out of the body."""
        if self._lines is not None:
            return [line for line in self._lines
                    if needle in line and (without is None or without not in line)]
        body = self.body
        return [body[start:stop] for start, stop in self.spans_with(needle, without)]

    def spans_with(self, needle: bytes, without: bytes | None = None) -> list[tuple[int, int]]:
        """The spans (see :meth:`spans`) of the record lines holding ``needle`` and not
        ``without``, oldest first: one search through the body."""
        body, found = self.body, []
        floor, end = len(BODY_PREFIX), len(body) - len(_TAIL)
        at = body.find(needle, floor, end)
        while at >= 0:
            start = body.rfind(b"\n", floor - 1, at) + 1
            stop = body.find(b"\n", at, end)
            stop = end if stop < 0 else stop - 1
            if without is None or body.find(without, start, stop) < 0:
                found.append((start, stop))
            at = body.find(needle, stop, end)
        return found

    def tail(self, n: int) -> list[bytes]:
        """The last ``n`` record lines (oldest first), found from the end of the body."""
        if n <= 0:
            return []
        if self._lines is not None:
            return self._lines[-n:]
        body = self.body
        if body == EMPTY_BODY:
            return []
        out: list[bytes] = []
        floor = len(BODY_PREFIX) - 1  # the newline that ends '"_default": {'
        end = len(body) - len(_TAIL)
        while len(out) < n:
            newline = body.rfind(b"\n", floor, end)
            out.append(body[newline + 1 : end])
            if newline <= floor:
                break
            end = newline - 1  # before the "," of the separator
        out.reverse()
        return out

    def last_line(self) -> bytes | None:
        tail = self.tail(1)
        return tail[0] if tail else None


def decode_head(head: bytes) -> dict[str, Any] | None:
    """The meta of our first line, or None if this is not our layout."""
    if not head.startswith(HEAD_PREFIX) or not head.endswith(HEAD_SUFFIX):
        return None
    try:
        meta = orjson.loads(head[len(HEAD_PREFIX) : -len(HEAD_SUFFIX)])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(meta, dict) or meta.get("app") != APP or meta.get("layout") != LAYOUT:
        return None
    return meta


def decode_canonical(head: bytes, body: bytes, verify: bool = True) -> Canonical | None:
    """The file (its first line and the rest) if it is in our layout with a matching
    checksum, else None (take the slow path). ``verify=False``: the checksum in the first
    line is taken as it is (for a file known to be exactly as noted, see ``trust``)."""
    meta = decode_head(head)
    if meta is None or not (body.startswith(BODY_PREFIX) and body.endswith(_TAIL)):
        return None
    if verify and meta.get("crc32") != f"{body_crc(body):08x}":
        return None
    return Canonical(meta=meta, body=body)


# Splicing lines in or out of a canonical body, without parsing the other records.
# Each returns the new body as chunks ending with _TAIL.


def body_append(body: bytes, lines: list[bytes], checksum: int | None = None
                ) -> tuple[Chunks, int | None]:
    """Add record lines after the last one; with the old checksum, the new one is
    computed from the added bytes alone."""
    covered = _view(body)[: len(body) - len(_TAIL)]
    if not lines:
        return [covered, _TAIL], checksum
    added = (b"\n" if body == EMPTY_BODY else SEP) + SEP.join(lines)
    new_checksum = None if checksum is None else zlib.crc32(added, checksum)
    return [covered, added, _TAIL], new_checksum


def _find_line(body: bytes, doc_id: int) -> tuple[int, int] | None:
    """(start, end) of the record line for ``doc_id`` (end excludes its separator)."""
    start = body.find(b'\n"%d": ' % doc_id)
    if start < 0:
        return None
    start += 1
    end = body.index(b"\n", start)
    if body[end - 1 : end] == b",":
        end -= 1
    return start, end


def body_get(body: bytes, doc_id: int) -> bytes | None:
    span = _find_line(body, doc_id)
    return body[span[0] : span[1]] if span else None


def body_replace(body: bytes, doc_id: int, line: bytes) -> Chunks:
    span = _find_line(body, doc_id)
    if span is None:
        raise KeyError(doc_id)
    view = _view(body)
    return [view[: span[0]], line, view[span[1] : len(body) - len(_TAIL)], _TAIL]


def body_remove(body: bytes, doc_id: int) -> Chunks:
    span = _find_line(body, doc_id)
    if span is None:
        raise KeyError(doc_id)
    start, end = span
    view = _view(body)
    covered_end = len(body) - len(_TAIL)
    if body[end : end + len(SEP)] == SEP:  # not the last line: drop it and its separator
        return [view[:start], view[end + len(SEP) : covered_end], _TAIL]
    if start > len(BODY_PREFIX):  # the last of several: drop the separator before it
        return [view[: start - len(SEP)], _TAIL]
    return body_from_lines([])


# ----------------------------------------------------------------------------- TinyDB


class AtomicJSONStorage(Storage):
    """A TinyDB storage: orjson in and out, atomic private writes, no file until a write.

    ``TinyDB(path, storage=AtomicJSONStorage)`` works as usual. The history store uses the
    same class for its slow path and writes its canonical layout through
    :meth:`write_bytes`.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)

    def read_bytes(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def read(self) -> dict[str, dict[str, Any]] | None:
        data = self.read_bytes()
        if not data:
            return None
        return orjson.loads(data)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_bytes(orjson.dumps(data))

    def write_bytes(self, data: bytes | list[bytes | memoryview]) -> None:
        """Write atomically. A symlinked file is followed: its target is replaced (the temp
        file next to it), never the link, so the data is never split in two."""
        target = Path(os.path.realpath(self.path))
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(target, data)
