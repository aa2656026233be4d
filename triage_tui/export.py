"""Writing a brief to disk: safe file names, never a silent overwrite."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

from .errors import TriageError


class ExportError(TriageError):
    """An export that cannot be done, as one line."""


def safe_filename(account: str, day: date) -> str:
    """`2026-11-22-acme-corp.md`: ASCII letters, digits and dashes only, never a path."""
    ascii_name = unicodedata.normalize("NFKD", account).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return f"{day.isoformat()}-{slug or 'assessment'}.md"


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` (failing if it exists) and write ``text``; no partial file is left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _replace(path: Path, text: str) -> None:
    """Overwrite ``path`` atomically (only after the user said yes)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def resolve_target(target: Path, account: str, day: date) -> Path:
    """A directory gets a safe, unused file name inside it; a file path stays as given."""
    target = target.expanduser()
    if target.is_dir():
        name = safe_filename(account, day)
        candidate = target / name
        stem = candidate.stem
        n = 2
        while candidate.exists():
            candidate = target / f"{stem}-{n}.md"
            n += 1
        return candidate
    return target


def check_target(target: Path, account: str, day: date, *, overwrite: bool = False) -> Path:
    """The file an export to ``target`` would write; :class:`ExportError` if it cannot be
    written (a directory, a missing folder, or, unless ``overwrite``, an existing file).
    The CLI asks this before it saves anything, so a bad path leaves no record behind."""
    path = resolve_target(target, account, day)
    if path.is_dir():
        raise ExportError(f"cannot export to {path}: it is a directory")
    if not path.parent.is_dir():
        raise ExportError(f"cannot export to {path}: folder {path.parent} does not exist")
    if not overwrite and path.exists():
        raise ExportError(
            f"cannot export to {path}: file already exists (choose another name "
            "or give a directory)"
        )
    return path


def write_brief(
    text: str, target: Path, account: str, day: date, *, overwrite: bool = False
) -> Path:
    """Write the brief to a file or into a directory; return the path written.

    An existing file is never overwritten unless ``overwrite`` is set (the TUI asks first):
    in a directory a new name is chosen; an explicit file path is refused.
    """
    into_dir = target.expanduser().is_dir()
    path = check_target(target, account, day, overwrite=overwrite)
    try:
        if overwrite and path.exists():
            _replace(path, text)
        else:
            _write_new(path, text)
    except FileExistsError:
        if into_dir:  # another writer took the name in the meantime: pick the next one
            return write_brief(text, target, account, day)
        raise ExportError(
            f"cannot export to {path}: file already exists (choose another name "
            "or give a directory)"
        ) from None
    except OSError as exc:
        raise ExportError(f"cannot export to {path}: {exc.strerror or exc}") from None
    return path
