"""Writing a brief to disk (triage_tui/export.py): safe names, never a silent overwrite, a
failed write reported as a failure with nothing left behind."""

from __future__ import annotations

import errno
import os
import stat
from datetime import date
from pathlib import Path

import pytest

from triage_tui import export
from triage_tui.export import ExportError, resolve_target, safe_filename, write_brief

DAY = date(2026, 11, 22)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder of its own (tmp_path also holds the isolated home)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(("account", "name"), [
    ("Acme Corp", "2026-11-22-acme-corp.md"),
    ("../../etc/passwd", "2026-11-22-etc-passwd.md"),
    ("Société Générale", "2026-11-22-societe-generale.md"),
    ("日本語", "2026-11-22-assessment.md"),
    ("", "2026-11-22-assessment.md"),
    ("--Acme--", "2026-11-22-acme.md"),
    ("A" * 100, f"2026-11-22-{'a' * 60}.md"),
    ("x" * 59 + " y", f"2026-11-22-{'x' * 59}.md"),
])
def test_safe_filename(account: str, name: str) -> None:
    assert safe_filename(account, DAY) == name
    assert "/" not in name[:-3] and "\\" not in name


def test_exports_into_a_folder_never_overwrite_and_never_loop(out: Path) -> None:
    old = os.umask(0o022)  # the usual umask: a brief is readable by others, as any document
    try:
        written = [write_brief(f"brief {i}", out, "Acme", DAY) for i in range(4)]
    finally:
        os.umask(old)
    assert [p.name for p in written] == [
        "2026-11-22-acme.md", "2026-11-22-acme-2.md", "2026-11-22-acme-3.md",
        "2026-11-22-acme-4.md"]
    assert [p.read_text("utf-8") for p in written] == [f"brief {i}" for i in range(4)]
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o644}
    assert resolve_target(out, "Acme", DAY).name == "2026-11-22-acme-5.md"
    assert resolve_target(out, "Other", DAY).name == "2026-11-22-other.md"


def test_an_explicit_file_path_is_kept_and_never_overwritten(out: Path) -> None:
    target = out / "mine.md"
    assert resolve_target(target, "Acme", DAY) == target
    assert write_brief("one", target, "Acme", DAY) == target
    with pytest.raises(ExportError, match="already exists") as info:
        write_brief("two", target, "Acme", DAY)
    assert str(target) in str(info.value) and "\n" not in str(info.value)
    assert target.read_text("utf-8") == "one"
    assert write_brief("three", target, "Acme", DAY, overwrite=True) == target
    assert target.read_text("utf-8") == "three"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in out.iterdir()) == ["mine.md"]  # no temp file left


def test_overwrite_only_replaces_an_existing_file(out: Path) -> None:
    target = out / "new.md"
    assert write_brief("text", target, "Acme", DAY, overwrite=True) == target
    assert target.read_text("utf-8") == "text"


def test_missing_folder_and_folder_targets_are_refused(out: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        write_brief("x", out / "nope" / "b.md", "Acme", DAY)
    assert not (out / "nope").exists()
    (out / "2026-11-22-acme.md").mkdir()  # the chosen name is taken by a folder
    path = write_brief("x", out, "Acme", DAY)
    assert path.name == "2026-11-22-acme-2.md" and path.read_text("utf-8") == "x"


class _FullDisk:
    def __init__(self, handle: object) -> None:
        self._handle = handle

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()  # type: ignore[attr-defined]

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("overwrite", [False, True], ids=["new", "replace"])
def test_a_failed_write_is_an_error_and_leaves_nothing(
    overwrite: bool, out: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = out / "brief.md"
    if overwrite:
        target.write_text("previous", "utf-8")
    real_fdopen = os.fdopen
    monkeypatch.setattr(export.os, "fdopen",
                        lambda fd, *a, **k: _FullDisk(real_fdopen(fd, *a, **k)))
    with pytest.raises(ExportError) as info:
        write_brief("text", target, "Acme", DAY, overwrite=overwrite)
    monkeypatch.undo()
    assert str(info.value) == f"cannot export to {target}: No space left on device"
    assert sorted(p.name for p in out.iterdir()) == (["brief.md"] if overwrite else [])
    if overwrite:
        assert target.read_text("utf-8") == "previous"


def test_a_name_taken_meanwhile_in_a_folder_moves_on_to_the_next(
    out: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_open = os.open
    calls = []

    def racing_open(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if not calls:  # another writer takes the first name just before we create it
            calls.append(path)
            Path(path).write_text("theirs", "utf-8")
        return real_open(path, flags, mode)

    monkeypatch.setattr(export.os, "open", racing_open)
    path = write_brief("mine", out, "Acme", DAY)
    assert path.name == "2026-11-22-acme-2.md" and path.read_text("utf-8") == "mine"
    assert (out / "2026-11-22-acme.md").read_text("utf-8") == "theirs"


def test_a_path_with_a_tilde_is_the_home_folder(out: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.setenv("HOME", str(out))
    assert resolve_target(Path("~"), "Acme", DAY) == out / "2026-11-22-acme.md"
    assert write_brief("x", Path("~/b.md"), "Acme", DAY) == out / "b.md"
    assert (out / "b.md").read_text("utf-8") == "x"
