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

A large file is not read into memory: its body is a :class:`FileView`. Searches go through
a memory map (a pass over the whole file lets go of what it passed), the record lines a
command parses are read with ``pread``, so a command holds the few pages it reads: the
last lines, a bisection's probes, the records of a period. A writer checksums it through
the file in small pieces, and the unchanged bytes a save carries over are copied by the
kernel (:class:`FileRange`, ``copy_file_range``) into the new temp file.
"""

from __future__ import annotations

import errno
import mmap
import os
import tempfile
import threading
import zlib
from contextlib import suppress
from pathlib import Path
from typing import Any, Callable, Iterator

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
MAP_AT = 1 << 20  # a file's body this large (bytes) is mapped (FileView), not read
PIECE = 1 << 20  # what a checksum or a copy through the file holds at a time
RELEASE_EVERY = 4 << 20  # a pass over a FileView lets go of what it read in steps this large


# ----------------------------------------------------------------------------- large files


class FileView:
    """The bytes of an open file from ``start`` on: a read-only bytes-like body with the
    few methods the layout code uses (positions relative to ``start``). ``find`` and
    ``rfind`` search a memory map of it (only the pages searched are held, see
    :meth:`release`); a slice, :meth:`crc` and :class:`FileRange` go through the file
    itself (``pread``, ``copy_file_range``), so nothing maps the file in bulk.
    The file is kept open (and its identity, ``sig``) while the view lives. Our writers
    never change a file in place (they rename a new one over it) and a changed file is
    read afresh before the old map is searched again; a program that truncated the
    history in place during a search would fault the process (SIGBUS), not corrupt it."""

    def __init__(self, fd: int, start: int, sig: tuple[int, ...] | list[int]) -> None:
        self._file = os.fdopen(os.dup(fd), "rb", buffering=0)
        size = os.fstat(self._file.fileno()).st_size
        self._mm = mmap.mmap(self._file.fileno(), size, access=mmap.ACCESS_READ)
        self._start, self._len, self.sig = start, size - start, tuple(sig)
        self._held = 0  # where the pages a pass has read begin (see release)

    @property
    def fd(self) -> int:
        return self._file.fileno()

    def __len__(self) -> int:
        return self._len

    def _span(self, start: int | None, end: int | None) -> tuple[int, int]:
        size = self._len
        if start is not None and end is not None and 0 <= start and 0 <= end:  # the usual
            return self._start + min(start, size), self._start + min(end, size)
        start = 0 if start is None else (start + size if start < 0 else start)
        end = size if end is None else (end + size if end < 0 else end)
        return self._start + max(0, min(start, size)), self._start + max(0, min(end, size))

    def find(self, sub: bytes, start: int | None = None, end: int | None = None) -> int:
        found = self._mm.find(sub, *self._span(start, end))
        return found - self._start if found >= 0 else -1

    def rfind(self, sub: bytes, start: int | None = None, end: int | None = None) -> int:
        found = self._mm.rfind(sub, *self._span(start, end))
        return found - self._start if found >= 0 else -1

    def index(self, sub: bytes, start: int | None = None, end: int | None = None) -> int:
        found = self.find(sub, start, end)
        if found < 0:
            raise ValueError("subsection not found")
        return found

    def __getitem__(self, key: slice) -> bytes:
        """A copy, read through the file (``pread``): the pages are not mapped here."""
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("FileView takes plain slices only")
        start, end = self._span(key.start, key.stop)
        return read_exactly(self.fd, end - start, start) if end > start else b""

    def startswith(self, prefix: bytes, at: int = 0) -> bool:
        return 0 <= at and self[at : at + len(prefix)] == prefix

    def endswith(self, suffix: bytes) -> bool:
        return self._len >= len(suffix) and self[self._len - len(suffix) :] == suffix

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (bytes, bytearray)):
            return self._len == len(other) and self[:] == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def release(self, upto: int) -> None:
        """A pass over the file has read it up to ``upto``: let go of the pages behind it
        (they stay in the page cache; read again, they come back), so a pass over a large
        file holds a few MB of it, not all of it."""
        end = (self._start + upto) // mmap.PAGESIZE * mmap.PAGESIZE
        if end < self._held:  # a new pass
            self._held = 0
        if end - self._held >= RELEASE_EVERY and hasattr(self._mm, "madvise"):
            self._mm.madvise(mmap.MADV_DONTNEED, self._held, end - self._held)
            self._held = end

    def crc(self, start: int, end: int, value: int = 0) -> int:
        """The checksum of ``[start, end)`` read through the file, a piece at a time (the
        pages are not mapped into this process)."""
        fd, at, end = self.fd, self._start + start, self._start + end
        while at < end:
            piece = os.pread(fd, min(PIECE, end - at), at)
            if not piece:
                raise OSError(errno.EIO, "the file shrank while it was read")
            value = zlib.crc32(piece, value)
            at += len(piece)
        return value


class FileRange:
    """``[start, end)`` of a :class:`FileView`, as a chunk of a file being written: copied
    by the kernel (``copy_file_range``; read and written where that is not available), and
    refused if the file it comes from changed meanwhile."""

    def __init__(self, source: FileView, start: int, end: int) -> None:
        self.source, self.start, self.end = source, start, max(start, end)

    def __len__(self) -> int:
        return self.end - self.start

    def crc(self, value: int = 0) -> int:
        return self.source.crc(self.start, self.end, value)

    def copy_to(self, out: int) -> None:
        src = self.source
        at, left = src._start + self.start, len(self)
        copy = getattr(os, "copy_file_range", None)
        while left:
            try:
                if copy is None:
                    raise OSError(errno.ENOSYS, "no copy_file_range")
                done = copy(src.fd, out, left, at)
            except OSError as exc:
                if exc.errno not in (errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP,
                                     errno.ETXTBSY, errno.EBADF, errno.EPERM):
                    raise
                copy = None  # another file system, an older kernel: through this process
                piece = os.pread(src.fd, min(PIECE, left), at)
                done = len(piece)
                _write_all(out, piece)
            if not done:
                raise OSError(errno.EIO, "the history file shrank while it was copied")
            at, left = at + done, left - done
        if tuple(identity(os.fstat(src.fd))) != src.sig:
            raise OSError(errno.EAGAIN, "the history file changed while it was copied; try again")


def identity(st: os.stat_result) -> list[int]:
    """Device, inode, size, mtime_ns, ctime_ns: any write changes one of them."""
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _write_all(fd: int, chunk: bytes | memoryview) -> None:
    view = memoryview(chunk)
    while view:
        view = view[os.write(fd, view) :]


def read_body(fd: int, start: int, size: int, sig: tuple[int, ...] | list[int]
              ) -> bytes | FileView:
    """The file open as ``fd`` (of ``size`` bytes, identity ``sig``) from ``start`` on: a
    :class:`FileView` when large (see :data:`MAP_AT`), else its bytes in one allocation."""
    if size - start >= max(MAP_AT, 1):
        return FileView(fd, start, sig)
    return read_exactly(fd, size - start, start)


# ----------------------------------------------------------------------------- writing


def temp_pattern(path: Path) -> str:
    """Glob for our temp files next to ``path`` (left behind only by a killed writer)."""
    return f".{path.name}.*.tmp"


class NotAsNoted(Exception):
    """The ``check`` of :func:`atomic_write` failed: nothing was written."""


def atomic_write(path: Path, data: bytes | list[bytes | memoryview | FileRange], *,
                 durable: bool = True, check: Callable[[], bool] | None = None) -> None:
    """Replace ``path`` with ``data`` atomically; the new file is private (0600).

    ``durable``: fsync the file and the folder (the history; a cache can do without).
    ``check``: called while the new file is synced (the disk and the processor at once);
    if it returns False, :class:`NotAsNoted` and the previous file is left as it was.
    Raises OSError (ENOSPC, EFBIG, EACCES, …) with the previous file left as it was.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:  # mkstemp: O_EXCL, mode 0600
            for chunk in [data] if isinstance(data, bytes) else data:
                if isinstance(chunk, FileRange):
                    chunk.copy_to(fd)
                else:
                    _write_all(fd, chunk)
            if check is not None and not _synced_while(fd if durable else None, check):
                raise NotAsNoted(str(path))
            if durable and check is None:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def _synced_while(fd: int | None, check: Callable[[], bool]) -> bool:
    """``check()``, while ``fd`` (if any) is fsynced in another thread."""
    if fd is None:
        return check()
    failed: list[BaseException] = []

    def sync() -> None:
        try:
            os.fsync(fd)
        except BaseException as exc:  # re-raised below, in the writer's thread
            failed.append(exc)

    thread = threading.Thread(target=sync, name="fsync")
    thread.start()
    try:
        ok = check()
    finally:
        thread.join()
    if failed:
        raise failed[0]
    return ok


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


Body = Any  # bytes | FileView
Chunks = list[Any]  # bytes | memoryview | FileRange pieces of a body: a splice copies nothing


def _piece(body: Body, start: int, end: int) -> Any:
    """``body[start:end]`` as a chunk to write, without copying it here."""
    if isinstance(body, FileView):
        return FileRange(body, start, end)
    return memoryview(body)[start:end]


def crc_of(chunks: Chunks, start: int = 0) -> int:
    value = start
    for chunk in chunks:
        value = chunk.crc(value) if isinstance(chunk, FileRange) else zlib.crc32(chunk, value)
    return value


def body_crc(body: Body) -> int:
    """The checksum covers the body up to its closing '\\n}}\\n'."""
    if isinstance(body, FileView):
        return body.crc(0, len(body) - len(_TAIL))
    return zlib.crc32(memoryview(body)[: len(body) - len(_TAIL)])


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

    def __init__(self, meta: dict[str, Any], body: Body, lines: list[bytes] | None = None):
        self.meta = meta
        self.body = body  # bytes, or a FileView of a large file
        self._lines = lines

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
        mapped = isinstance(body, FileView)
        start, end = len(BODY_PREFIX) if start is None else start, len(body) - len(_TAIL)
        passed = start
        while start < end:
            newline = body.find(b"\n", start, end)
            if newline < 0:
                yield start, end
                return
            yield start, newline - 1  # before the "," of the separator
            start = newline + 1
            if mapped and start - passed >= RELEASE_EVERY:
                body.release(start)
                passed = start

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
        ``without``, oldest first: one search through the body (a mapped one a few MB at
        a time, letting go of what it passed)."""
        body, found = self.body, []
        floor, end = len(BODY_PREFIX), len(body) - len(_TAIL)
        mapped = isinstance(body, FileView)
        step = RELEASE_EVERY if mapped else max(end, 1)
        at = floor
        while at < end:
            window = min(end, at + step)  # a needle starting in it may end past it
            hit = body.find(needle, at, min(end, window + len(needle) - 1))
            if hit < 0:
                if window == end:
                    break
                at = window
            else:
                start = body.rfind(b"\n", floor - 1, hit) + 1
                stop = body.find(b"\n", hit, end)
                stop = end if stop < 0 else stop - 1
                if without is None or body.find(without, start, stop) < 0:
                    found.append((start, stop))
                at = stop + 1
            if mapped:
                body.release(at)
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


def decode_canonical(head: bytes, body: Body, verify: bool = True) -> Canonical | None:
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


def body_append(body: Body, lines: list[bytes], checksum: int | None = None
                ) -> tuple[Chunks, int | None]:
    """Add record lines after the last one; with the old checksum, the new one is
    computed from the added bytes alone."""
    covered = _piece(body, 0, len(body) - len(_TAIL))
    if not lines:
        return [covered, _TAIL], checksum
    added = (b"\n" if body == EMPTY_BODY else SEP) + SEP.join(lines)
    new_checksum = None if checksum is None else zlib.crc32(added, checksum)
    return [covered, added, _TAIL], new_checksum


def _find_line(body: Body, doc_id: int) -> tuple[int, int] | None:
    """(start, end) of the record line for ``doc_id`` (end excludes its separator)."""
    start = body.find(b'\n"%d": ' % doc_id)
    if start < 0:
        return None
    start += 1
    end = body.index(b"\n", start)
    if body[end - 1 : end] == b",":
        end -= 1
    return start, end


def body_get(body: Body, doc_id: int) -> bytes | None:
    span = _find_line(body, doc_id)
    return body[span[0] : span[1]] if span else None


def body_replace(body: Body, doc_id: int, line: bytes) -> Chunks:
    span = _find_line(body, doc_id)
    if span is None:
        raise KeyError(doc_id)
    return [_piece(body, 0, span[0]), line, _piece(body, span[1], len(body) - len(_TAIL)),
            _TAIL]


def body_remove(body: Body, doc_id: int) -> Chunks:
    span = _find_line(body, doc_id)
    if span is None:
        raise KeyError(doc_id)
    start, end = span
    covered_end = len(body) - len(_TAIL)
    if body[end : end + len(SEP)] == SEP:  # not the last line: drop it and its separator
        return [_piece(body, 0, start), _piece(body, end + len(SEP), covered_end), _TAIL]
    if start > len(BODY_PREFIX):  # the last of several: drop the separator before it
        return [_piece(body, 0, start - len(SEP)), _TAIL]
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

    def write_bytes(self, data: bytes | list[Any], check: Callable[[], bool] | None = None
                    ) -> None:
        """Write atomically. A symlinked file is followed: its target is replaced (the temp
        file next to it), never the link, so the data is never split in two."""
        target = Path(os.path.realpath(self.path))
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(target, data, check=check)
