"""What this user's triage-tui has already validated, kept outside the history file.

A history file is validated in full (every record migrated and checked by pydantic) the
first time a process meets it. So that the next command does not pay that again, the
store notes here that *this exact file* was validated: its real path and its identity
(device, inode, size, mtime_ns, ctime_ns — any change to the file, even one that keeps its
length, changes them) with the checksum of its canonical form. For a file in another
layout (written by TinyDB itself or ``json.dump``) the note carries the validated records
in our layout, so later reads never parse the foreign file again. Writers note each file
they write.

A note is only a hint: it is used when it is a private regular file owned by this user
(0600 in a 0700 folder) and names the same path and identity, and what it vouches for is
checked against its checksum. Anything else is ignored and the file validated afresh. A
read never writes the history file; a note that cannot be written is simply skipped.

Two things spare a read the pass over the whole file that a checksum costs: a file in our
layout whose identity is exactly the noted one is taken with the checksum its first line
carries (a writer still checks it, see ``HistoryStore._load``); a foreign file's copy is
*sealed* — the note's own identity, kept beside it (``.seal``) — and taken as it is while
the note is exactly as sealed.

Beside the notes the store also keeps what it derived from a history (``.review``: per-record
values keyed by the record's exact bytes, see ``HistoryStore.derived``; ``.spans``: which
records are pending follow-ups or can still fall due, for the file's exact identity). All of
it can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_mod
from contextlib import suppress
from pathlib import Path
from typing import Any, Callable

import orjson

from .jsonfile import Body, Chunks, atomic_write, identity as _identity, read_body, read_exactly


class TrustNotes:
    """Notes in one folder (the user cache folder by default), one file per history path."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _note(self, real: Path) -> Path:
        return self.directory / (hashlib.sha256(os.fsencode(real)).hexdigest()[:32] + ".note")

    def _read(self, note: Path, valid: Callable[[dict[str, Any]], bool], mapped: bool = False
              ) -> tuple[dict[str, Any], bytes, Body, list[int]] | None:
        """(header, its next line, the rest, the note's own identity) of a note that is a
        private regular file of this user and whose header (its first line) ``valid``
        accepts, or None. ``mapped``: a large rest may be a FileView (see ``read_body``)."""
        try:
            fd = os.open(note, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                st = os.fstat(handle.fileno())
                if not stat_mod.S_ISREG(st.st_mode) or st.st_uid != os.getuid() \
                        or st.st_mode & 0o077:
                    return None
                line = handle.readline(4096)
                header = orjson.loads(line)
                if not isinstance(header, dict) or not valid(header):
                    return None
                second = handle.readline(4096)
                offset = len(line) + len(second)  # the rest in one allocation
                rest = (read_body(handle.fileno(), offset, st.st_size, _identity(st)) if mapped
                        else read_exactly(handle.fileno(), st.st_size - offset, offset))
                if list(_identity(os.fstat(handle.fileno()))) != _identity(st):
                    return None  # changed while it was read
                return header, second, rest, _identity(st)
        except (OSError, orjson.JSONDecodeError):
            return None

    def _write(self, note: Path, header: dict[str, Any], rest: Chunks) -> None:
        with suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(note, [orjson.dumps(header) + b"\n", *rest], durable=False)

    def lookup(self, real: Path, sig: tuple[int, ...]
               ) -> tuple[str, tuple[bytes, Body] | None, bool, list[int]] | None:
        """(checksum, canonical copy as (first line, rest) or None, sealed, the note's
        identity) noted for this exact file, or None. ``sealed``: the note is exactly as
        sealed (see :meth:`seal`), so the copy need not be checksummed again."""
        found = self._read(self._note(real), lambda header: header.get("path") == str(real)
                           and header.get("sig") == list(sig)
                           and isinstance(header.get("crc32"), str), mapped=True)
        if found is None:
            return None
        header, head, rest, identity = found
        if not header.get("copy"):
            return header["crc32"], None, False, identity
        note = self._note(real)
        seal = self._read(note.with_suffix(".seal"),
                          lambda h: h.get("note") == str(note) and h.get("sig") == identity)
        return header["crc32"], (head, rest), seal is not None, identity

    def derived(self, real: Path, name: str) -> tuple[dict[str, Any], bytes] | None:
        """(header, payload) kept under ``name`` for the history file ``real`` (see
        :meth:`keep`), or None."""
        found = self._read(self._derived(real, name),
                           lambda header: header.get("path") == str(real))
        return None if found is None else (found[0], found[1] + found[2])

    def keep(self, real: Path, name: str, header: dict[str, Any], payload: bytes) -> None:
        """Keep what was derived from the history file ``real`` under ``name``: a header (a
        small JSON object; its ``path`` is set here) and a one-line JSON payload. Rebuilt
        at any time: a failure to write is ignored."""
        self._write(self._derived(real, name), {**header, "path": str(real)}, [payload])

    def _derived(self, real: Path, name: str) -> Path:
        return self._note(real).with_suffix(f".{name}")

    def note(self, real: Path, sig: tuple[int, ...] | None, crc32: str,
             copy: Chunks | None = None) -> None:
        """Note that the file ``real`` with identity ``sig`` holds valid records whose
        canonical form has checksum ``crc32`` (``copy``: that form, for a foreign file)."""
        if not sig:
            return
        note = self._note(real)
        with suppress(OSError):
            note.with_suffix(".seal").unlink()
        self._write(note, {"path": str(real), "sig": list(sig), "crc32": crc32,
                           "copy": copy is not None}, list(copy or []))
        if copy is not None:
            self.seal(real)

    def seal(self, real: Path, identity: list[int] | None = None) -> None:
        """Note the identity of the note for ``real``: the one it had when its copy was
        checked against its checksum (``identity``, from :meth:`lookup`), or (None) as it
        is now, just written by :meth:`note`."""
        note = self._note(real)
        with suppress(OSError):
            self._write(note.with_suffix(".seal"),
                        {"note": str(note), "sig": identity or _identity(os.stat(note))}, [])

    def forget(self, real: Path) -> None:
        for path in (self._note(real), self._note(real).with_suffix(".seal")):
            with suppress(OSError):
                path.unlink()

