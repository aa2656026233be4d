"""Odd and hostile history files, and the guarantees mutation testing showed untested:
duplicate ids, missing fields, odd JSON shapes, anything but a regular file, symlinks,
extreme dates, same-length edits by another process, the lock failing, the checksum,
the notes of validated files kept outside the history, private folders."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
import time
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from triage_tui import paths
from triage_tui.cli import main
from triage_tui.domain.engine import assess
from triage_tui.domain.models import Assessment, Draft, Scores
from triage_tui.storage import CorruptStoreError, HistoryStore, StoreError
from triage_tui.storage import jsonfile
from triage_tui.storage import store as store_module
from triage_tui.storage.store import record_doc
from triage_tui.storage.trust import TrustNotes

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def make(account: str = "Acme", at: datetime = NOW, impact: int = 4) -> Assessment:
    draft = Draft(account=account, scores=Scores(customer_impact=impact, account_value=4,
                                                 time_sensitivity=3, csm_capability=3))
    return assess(draft, now=at)


def doc(account: str = "Acme", at: datetime = NOW) -> dict:
    return record_doc(make(account, at), 1)


@pytest.fixture
def store(db_file: Path) -> HistoryStore:
    return HistoryStore(db_file)


def every_call(store: HistoryStore) -> list:
    return [
        store.all, store.count, store.followups, store.check, store.followup_documents,
        lambda: store.get(1), lambda: store.query(limit=20), lambda: store.documents(),
        lambda: list(store.each_document()), lambda: store.add(make()),
        lambda: store.resolve(1, 3), lambda: store.delete(1),
    ]


def assert_refused(store: HistoryStore, content: bytes, *needles: str) -> None:
    """Every read and write refuses the file with one line naming it; nothing is written."""
    for call in every_call(store):
        with pytest.raises(CorruptStoreError) as info:
            call()
        message = str(info.value)
        assert str(store.path) in message and "\n" not in message, message
        for needle in needles:
            assert needle in message, message
        assert store.path.read_bytes() == content
    assert list(store.path.parent.glob(jsonfile.temp_pattern(store.path))) == []


def recrc(content: bytes) -> bytes:
    """An own-layout file with its checksum recomputed, as a careful hand-editor would."""
    head, _, body = content.partition(b"\n")
    meta = orjson.loads(head[len(jsonfile.HEAD_PREFIX):-len(b"},")])
    meta["crc32"] = f"{zlib.crc32(body[: len(body) - 4]):08x}"
    return jsonfile.HEAD_PREFIX + orjson.dumps(meta) + b"},\n" + body


# ----------------------------------------------------------------------------- shapes


ODD_SHAPES = {  # the file, and what the one-line message says about it
    "null": (b"null", "top level is null"),
    "a number": (b"5", "top level is a number"),
    "a float": (b"5.5", "top level is a number"),
    "true": (b"true", "top level is a boolean"),
    "an empty list": (b"[]", "top level is a list"),
    "a string": (b'"x"', "top level is a string"),
    "_default a list": (b'{"_default": []}', "_default table is a list"),
    "_default null": (b'{"_default": null}', "_default table is null"),
    "record key 0": (b'{"_default": {"0": %s}}', "record key '0'"),
    "record key -1": (b'{"_default": {"-1": %s}}', "record key '-1'"),
    "record key 01": (b'{"_default": {"01": %s}}', "record key '01'"),
    "record key with spaces": (b'{"_default": {" 1": %s}}', "record key ' 1'"),
    "record key not ascii": (b'{"_default": {"\xc2\xb2": %s}}', "record key"),
    "record null": (b'{"_default": {"1": null}}', "record 1 that is not an object"),
    "NaN inside": (b'{"_default": {"1": NaN}}', "not valid JSON"),
    "not utf-8": (b'{"_default": {"1": "\xff"}}', "not UTF-8"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    "a duplicate field": (b'{"_default": {"1": {"account": "a", "account": "b"}}}', "twice"),
    "another table": (b'{"_default": {}, "users": {}}', "table 'users'"),
    "foreign meta": (b'{"_meta": {"1": {"app": "x"}}}', "unknown _meta"),
    "meta not an object": (b'{"_meta": []}', "unknown _meta"),
    "a number beyond 64 bits": (b'{"_default": {"1": %s}}', "record 1 that cannot be kept"),
}


@pytest.mark.parametrize("name", ODD_SHAPES)
def test_each_odd_shape_is_refused_on_its_own(name: str, store: HistoryStore) -> None:
    content, says = ODD_SHAPES[name]
    if b"%s" in content:
        record = doc()
        if name == "a number beyond 64 bits":
            record["business_days_open"] = 10**20
            content = content % json.dumps(record).encode()
        else:
            content = content % orjson.dumps(record)
    store.path.write_bytes(content)
    assert_refused(store, content, "triage recover", says)


def test_duplicate_ids_are_refused_and_recover_keeps_the_file_byte_for_byte(
    store: HistoryStore, capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = orjson.dumps(doc("Alpha")), orjson.dumps(doc("Beta", NOW + timedelta(hours=1)))
    content = b'{"_default": {"1": ' + a + b', "1": ' + b + b"}}"
    store.path.write_bytes(content)
    assert_refused(store, content, "'1' twice")
    assert main(["history"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'1' twice" in err[0] and str(store.path) in err[0]
    assert main(["assess", "--account", "X", "--impact", "3", "--value", "3", "--time", "3",
                 "--capability", "3", "--type", "product-defect", "--save"]) == 2
    assert store.path.read_bytes() == content
    moved = store.recover(now=NOW)
    assert moved is not None and moved.read_bytes() == content


def test_a_duplicate_line_in_our_own_layout_with_a_matching_checksum_is_refused(
    store: HistoryStore,
) -> None:
    store.add(make("Alpha"))
    store.add(make("Beta", NOW + timedelta(hours=1)))
    head, body = store.path.read_bytes().split(b"\n", 1)
    lines = body.split(b"\n")
    lines.insert(2, lines[1].replace(b'"account":"Alpha"', b'"account":"Alpha2"', 1))
    content = recrc(head + b"\n" + b"\n".join(lines).replace(b"}\n\"1\"", b"},\n\"1\""))
    store.path.write_bytes(content)
    with pytest.raises(CorruptStoreError, match="twice"):
        HistoryStore(store.path).all()


@pytest.mark.parametrize("field", ["account", "scores", "decision", "created_at", "warnings",
                                   "schema_version", "resolved_at", "scores.customer_impact",
                                   "why.text", "route.when"])
def test_a_record_missing_a_field_is_refused_naming_it(field: str, store: HistoryStore) -> None:
    record = doc()
    top, _, inner = field.partition(".")
    del (record[top] if inner else record)[inner or top]
    content = orjson.dumps({"_default": {"1": doc("Other"), "7": record}})
    store.path.write_bytes(content)
    assert_refused(store, content, "record 7", field.rsplit(".", 1)[-1])


def test_a_missing_field_in_our_own_layout_with_a_matching_checksum_is_refused(
    store: HistoryStore,
) -> None:
    store.add(make("Acme"))
    store.add(make("Beta", NOW + timedelta(hours=1)))
    content = recrc(store.path.read_bytes().replace(b'"account":"Acme",', b"", 1))
    head, body = content.split(b"\n", 1)
    assert jsonfile.decode_canonical(head + b"\n", body) is not None  # the checksum matches
    store.path.write_bytes(content)
    assert_refused(store, content, "record 1", "'account'")


def test_a_bad_value_in_our_own_layout_with_a_matching_checksum_never_gets_through(
    store: HistoryStore,
) -> None:
    store.add(make("Acme"))
    for good, bad in ((b'"decision":"escalate', b'"decision":"panic-now'),
                      (b'"created_at":"2026', b'"created_at":"x026'),
                      (b'"customer_impact":4', b'"customer_impact":"4x"')):
        fresh = HistoryStore(store.path)
        original = store.path.read_bytes()
        content = recrc(original.replace(good, bad, 1))
        store.path.write_bytes(content)
        assert_refused(fresh, content, "record 1")
        store.path.write_bytes(original)


def test_missing_fields_are_refused_through_the_cli_in_one_line(
    db_file: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    record = doc()
    del record["scores"]
    content = orjson.dumps({"_default": {"3": record}})
    db_file.write_bytes(content)
    for argv in (["history"], ["show", "3"], ["stats"], ["followups"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "record 3" in err[0] and "'scores'" in err[0], err
    assert db_file.read_bytes() == content


# ----------------------------------------------------------------------------- not a file


def _cli(db: Path, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "triage_tui", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=timeout)


SAVE = ("assess", "--account", "X", "--impact", "3", "--value", "3", "--time", "3",
        "--capability", "3", "--type", "product-defect", "--save")


@pytest.mark.parametrize("kind", ["fifo", "directory", "dev-zero"])
def test_anything_but_a_regular_file_is_refused_at_once(kind: str, tmp_path: Path) -> None:
    if kind == "fifo":
        db = tmp_path / "history.json"
        os.mkfifo(db)
    elif kind == "directory":
        db = tmp_path / "history.json"
        db.mkdir()
    else:
        db = Path("/dev/zero")
    store = HistoryStore(db)
    kind_says = {"fifo": "named pipe", "directory": "a directory", "dev-zero": "a device"}[kind]
    for call in (store.all, store.count, lambda: store.add(make()), store.check, store.recover):
        start = time.monotonic()
        with pytest.raises(StoreError, match="not a regular file") as info:
            call()
        assert time.monotonic() - start < 2
        assert "\n" not in str(info.value) and str(db) in str(info.value)
        assert kind_says in str(info.value)
    for args in (("history",), SAVE):
        result = _cli(db, *args)  # a hang would raise TimeoutExpired
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert "not a regular file" in result.stderr and "Traceback" not in result.stderr
    assert stat.S_ISFIFO(db.stat().st_mode) if kind == "fifo" else True
    assert list(tmp_path.glob(".history.json.*.tmp")) == []


def test_a_fifo_as_config_is_refused_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    config = tmp_path / "config.toml"
    config.unlink(missing_ok=True)
    os.mkfifo(config)
    result = subprocess.run([sys.executable, "-m", "triage_tui", "history"],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert "not a regular file" in result.stderr and str(config) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_symlinked_history_is_followed_and_its_target_written_atomically(
    tmp_path: Path,
) -> None:
    real_dir = tmp_path / "elsewhere"
    real_dir.mkdir()
    target = real_dir / "real.json"
    link = tmp_path / "history.json"
    link.symlink_to(target)  # dangling at first: the first save creates the target
    HistoryStore(link).add(make("Acme"))
    assert link.is_symlink() and target.is_file()
    HistoryStore(link).add(make("Beta", NOW + timedelta(hours=1)))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert [a.account for a in HistoryStore(target).all()] == ["Beta", "Acme"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # the lock is the target's: two paths to one file never write past each other
    assert HistoryStore(link).lock_path == HistoryStore(target).lock_path
    assert (real_dir / "real.json.lock").exists()
    HistoryStore(target).add(make("Gamma", NOW + timedelta(hours=2)))
    assert [a.account for a in HistoryStore(link).all()] == ["Gamma", "Beta", "Acme"]


def test_extreme_stored_dates_are_read_and_printed(
    store: HistoryStore, capsys: pytest.CaptureFixture[str],
) -> None:
    early = doc("Early")
    early["created_at"] = "0001-01-01T00:00:00+00:00"
    early["assessed_on"] = early["open_since"] = "0001-01-01"
    late = doc("Late")
    late["created_at"] = "9999-12-31T23:59:59+00:00"
    late["assessed_on"] = late["by"] = "9999-12-31"
    late["resolved_at"], late["satisfaction"] = "9999-12-31T23:00:00+00:00", 3
    east = doc("East")
    east["created_at"] = "0001-01-01T00:30:00+05:00"  # no UTC form: sorts first (by id)
    store.path.write_bytes(orjson.dumps({"_default": {"1": early, "2": late, "3": east}}))
    fresh = HistoryStore(store.path)
    assert [a.account for a in fresh.all()] == ["Late", "East", "Early"]
    assert [a.account for a in HistoryStore(store.path).query(limit=1)] == ["Late"]
    assert [d["id"] for d in fresh.documents()] == [2, 3, 1]
    assert len(list(fresh.each_document())) == 3
    assert [a.account for a in fresh.followups()] == ["Late"]  # check-in due at year's end
    assert [d["account"] for d in fresh.followup_documents()] == ["Late"]
    fresh.add(make("Now"))
    assert [a.account for a in HistoryStore(store.path).all()] == ["Late", "Now", "East", "Early"]
    for argv in (["history"], ["show", "2"], ["show", "1"], ["stats"], ["followups"]):
        assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "9999-12-31" in out and "Early" in out and "East" in out


# ----------------------------------------------------------------------------- same length


def _edit_in_place(path: Path, old: bytes, new: bytes, keep_mtime: bool) -> None:
    assert len(old) == len(new)
    st = path.stat()
    data = path.read_bytes()
    assert data.count(old) == 1
    with open(path, "r+b") as handle:  # same inode, same size
        handle.seek(data.index(old))
        handle.write(new)
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size) == (st.st_ino, st.st_size)


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["plain", "mtime-restored"])
def test_a_long_lived_store_sees_a_same_length_edit_by_another_process(
    store: HistoryStore, keep_mtime: bool,
) -> None:
    store.add(make("Acme"))
    store.add(make("Beta", NOW + timedelta(hours=1)))
    assert [a.account for a in store.all()] == ["Beta", "Acme"]  # read and kept
    assert store.get(1).account == "Acme"
    script = ("import sys; sys.path[:0] = [sys.argv[2]]; from pathlib import Path; "
              "from tests.test_storage_files import _edit_in_place; "
              "_edit_in_place(Path(sys.argv[1]), b'\"account\":\"Acme\"', "
              f"b'\"account\":\"Acmf\"', {keep_mtime})")
    subprocess.run([sys.executable, "-c", script, str(store.path),
                    str(Path(__file__).parent.parent)], check=True)
    assert store.get(1).account == "Acmf"
    assert [a.account for a in store.all()] == ["Beta", "Acmf"]
    assert store.documents()[1]["account"] == "Acmf"
    # and a writer in that process keeps the edit (it does not write its stale copy back)
    store.add(make("Gamma", NOW + timedelta(hours=2)))
    assert [a.account for a in HistoryStore(store.path).all()] == ["Gamma", "Beta", "Acmf"]


def test_history_limit_on_a_freshly_read_file_with_fewer_records(store: HistoryStore) -> None:
    for i in range(3):
        store.add(make(f"A{i}", NOW + timedelta(minutes=i)))
    assert [a.account for a in HistoryStore(store.path).query(limit=20)] == ["A2", "A1", "A0"]
    assert [d["account"] for d in HistoryStore(store.path).documents(limit=20)] == [
        "A2", "A1", "A0"]
    assert [a.account for a in HistoryStore(store.path).query(limit=3)] == ["A2", "A1", "A0"]
    assert [a.account for a in HistoryStore(store.path).query(limit=2)] == ["A2", "A1"]
    one = HistoryStore(store.path.with_name("one.json"))
    one.add(make("Solo"))
    assert [a.account for a in HistoryStore(one.path).query(limit=20)] == ["Solo"]


# ----------------------------------------------------------------------------- the lock


@pytest.mark.parametrize("failure", ["timeout", "oserror"])
def test_a_writer_never_carries_on_without_the_lock(
    failure: str, store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from filelock import FileLock, Timeout

    store.add(make("Acme"))
    before = store.path.read_bytes()

    def fail(self: FileLock, *args: object, **kwargs: object) -> None:
        if failure == "timeout":
            raise Timeout(str(self.lock_file))
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(FileLock, "acquire", fail)
    writes = [lambda: store.add(make("Beta", NOW + timedelta(hours=1))),
              lambda: store.resolve(1, 4), lambda: store.delete(1), store.recover,
              lambda: store.update(store.get(1))]
    for write in writes:
        with pytest.raises(StoreError) as info:
            write()
        message = str(info.value)
        assert ("busy" in message) if failure == "timeout" else ("cannot lock" in message)
        assert str(store.path) in message and "\n" not in message
        assert store.path.read_bytes() == before
    monkeypatch.undo()
    assert [a.account for a in HistoryStore(store.path).all()] == ["Acme"]


def test_a_lock_held_by_another_process_makes_a_writer_wait_then_give_up(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.add(make("Acme"))
    before = store.path.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from filelock import FileLock; "
         "l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(30)",
         str(store.lock_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(store_module, "LOCK_TIMEOUT", 0.3)
        start = time.monotonic()
        with pytest.raises(StoreError, match="busy"):
            store.add(make("Beta", NOW + timedelta(hours=1)))
        assert time.monotonic() - start >= 0.25
        assert store.path.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    store.add(make("Beta", NOW + timedelta(hours=1)))  # free again
    assert store.count() == 2


# ----------------------------------------------------------------------------- notes


def note_files() -> list[Path]:
    return sorted(paths.cache_dir().glob("*.note"))


def test_a_foreign_file_is_parsed_once_then_read_from_its_note(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = json.dumps({"_default": {str(i): doc(f"A{i}", NOW + timedelta(minutes=i))
                                       for i in range(1, 6)}}, indent=2).encode()
    store.path.write_bytes(content)
    mtime = store.path.stat().st_mtime_ns
    assert [a.account for a in HistoryStore(store.path).query(limit=2)] == ["A5", "A4"]
    [note] = note_files()
    assert stat.S_IMODE(note.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.cache_dir().stat().st_mode) == 0o700

    def no_parse(self: HistoryStore, data: bytes) -> None:
        raise AssertionError("parsed the foreign file again")

    monkeypatch.setattr(HistoryStore, "_validate_file", no_parse)
    fresh = HistoryStore(store.path)
    assert [a.account for a in fresh.query(limit=2)] == ["A5", "A4"]
    assert fresh.count() == 5 and len(fresh.documents()) == 5
    assert store.path.read_bytes() == content  # a read never writes the history
    assert store.path.stat().st_mtime_ns == mtime
    monkeypatch.undo()
    # the first save rewrites it in our layout; then the note vouches for the new file
    HistoryStore(store.path).add(make("New", NOW + timedelta(hours=1)))
    monkeypatch.setattr(HistoryStore, "_validate_file", no_parse)
    assert [a.account for a in HistoryStore(store.path).query(limit=1)] == ["New"]


def test_a_file_changed_after_its_note_is_validated_again(store: HistoryStore) -> None:
    store.add(make("Acme"))
    content = recrc(store.path.read_bytes().replace(b'"account":"Acme",', b"", 1))
    store.path.write_bytes(content)  # new identity: the note no longer applies
    with pytest.raises(CorruptStoreError, match="'account'"):
        HistoryStore(store.path).all()


@pytest.mark.parametrize("tamper", ["copy", "crc", "sig", "mode"])
def test_a_tampered_or_unsafe_note_is_never_trusted(
    tamper: str, store: HistoryStore,
) -> None:
    records = {str(i): doc(f"A{i}", NOW + timedelta(minutes=i)) for i in (1, 2)}
    store.path.write_bytes(json.dumps({"_default": records}).encode())
    assert HistoryStore(store.path).count() == 2
    [note] = note_files()
    header, copy = note.read_bytes().split(b"\n", 1)
    info = json.loads(header)
    if tamper == "copy":  # same length, so only the checksum can tell
        copy = copy.replace(b'"account":"A1"', b'"account":"Z1"', 1)
    elif tamper == "crc":  # the copy and a checksum that matches it
        copy = copy.replace(b'"account":"A1"', b'"account":"Z1"', 1)
        copy = recrc(copy)
        info["crc32"] = json.loads(copy.split(b"\n")[0][len(jsonfile.HEAD_PREFIX):-2])["crc32"]
    elif tamper == "sig":
        info["sig"][2] += 1
    note.write_bytes(json.dumps(info).encode() + b"\n" + copy)
    if tamper == "mode":
        note.chmod(0o644)
        copy = copy.replace(b'"account":"A1"', b'"account":"Z1"', 1)
        note.write_bytes(json.dumps(info).encode() + b"\n" + copy)
    accounts = [a.account for a in HistoryStore(store.path).all()]
    if tamper == "crc":  # a consistent note for this exact file: the one case trusted
        assert accounts in (["A2", "Z1"], ["A2", "A1"])
    else:
        assert accounts == ["A2", "A1"]


def test_check_and_recover_never_rely_on_a_note(store: HistoryStore) -> None:
    store.add(make("Acme"))
    real = store.path.read_bytes()
    broken = recrc(real.replace(b'"account":"Acme",', b"", 1))
    # a note claiming the broken file is fine (as if the note had been forged)
    store.path.write_bytes(broken)
    st = store.path.stat()
    sig = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    TrustNotes(paths.cache_dir()).note(Path(os.path.realpath(store.path)), sig,
                                       json.loads(broken.split(b"\n")[0][16:-2])["crc32"])
    with pytest.raises(CorruptStoreError):
        HistoryStore(store.path).check()
    assert HistoryStore(store.path).recover(now=NOW) is not None


# ----------------------------------------------------------------------------- folders


def test_the_data_folder_is_private_even_when_ui_state_comes_first() -> None:
    old = os.umask(0o022)
    try:
        assert not paths.data_dir().exists()
        state = paths.state_path()
    finally:
        os.umask(old)
    assert state.parent == paths.data_dir()
    assert stat.S_IMODE(paths.data_dir().stat().st_mode) == 0o700


def test_the_history_folder_is_created_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        HistoryStore(tmp_path / "new" / "history.json").add(make())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "history.json").stat().st_mode) == 0o600


def test_a_short_read_is_completed(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.add_many([make(f"A{i}", NOW + timedelta(minutes=i)) for i in range(30)])
    real_pread = os.pread

    def stingy(fd: int, size: int, offset: int) -> bytes:  # at most 1000 bytes a call
        return real_pread(fd, min(size, 1000), offset)

    monkeypatch.setattr(store_module.os, "pread", stingy)
    monkeypatch.setattr(jsonfile.os, "pread", stingy)
    fresh = HistoryStore(store.path)
    assert fresh.count() == 30 and fresh.query(limit=1)[0].account == "A29"
    assert len(fresh.documents()) == 30


def test_a_file_changing_while_it_is_read_is_read_again(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.add(make("Acme"))
    real_fstat = os.fstat
    calls = {"n": 0}

    def bumped(st: os.stat_result, ns: int) -> SimpleNamespace:
        return SimpleNamespace(**{name: getattr(st, name) for name in (
            "st_mode", "st_uid", "st_dev", "st_ino", "st_size", "st_mtime_ns")}, st_ctime_ns=ns)

    def moving(fd: int) -> SimpleNamespace:
        calls["n"] += 1  # the check after the first read sees another ctime: a writer was there
        return bumped(real_fstat(fd), 7 if calls["n"] == 2 else 1)

    monkeypatch.setattr(store_module.os, "fstat", moving)
    assert [a.account for a in HistoryStore(store.path).all()] == ["Acme"]
    assert calls["n"] >= 4  # read twice (and a note looked up)

    monkeypatch.setattr(store_module.os, "fstat",
                        lambda fd: bumped(real_fstat(fd), time.monotonic_ns()))
    with pytest.raises(StoreError, match="kept changing"):
        HistoryStore(store.path).all()


# ----------------------------------------------------------------------------- migration


V1 = {
    "schema_version": 1, "account": "Initech", "impact": 4, "value": 3, "time": 5,
    "capability": 3, "type": "service-failure", "total": 15, "decision": "escalate-with-urgency",
    "route": "CS leadership + support leadership", "warnings": ["no-deadline"],
    "situation": "SLA breach", "ask": "A review", "by": None, "comms": "Called",
    "signals": [], "manager_surprised": False, "open_since": None,
    "created": "2025-02-05T09:30:00+00:00",
}


def test_a_version_1_record_keeps_its_verdict_and_warning_sentences(store: HistoryStore) -> None:
    raised = {**V1, "impact": 1, "value": 1, "time": 1, "capability": 1, "total": 4,
              "decision": "escalate-for-support", "manager_surprised": True, "warnings": []}
    store.path.write_text(json.dumps({"_default": {"1": V1, "2": raised}}), "utf-8")
    plain, surprised = HistoryStore(store.path).get(1), HistoryStore(store.path).get(2)
    assert plain.raised_by_manager_surprise is False
    assert surprised.raised_by_manager_surprise is True
    assert surprised.score_decision == "handle-yourself"
    assert [w.message for w in plain.warnings] == [
        "No deadline: Say by when you need it: an escalation without a date gets no priority."]


@pytest.mark.parametrize("version", [0, -1])
def test_a_record_of_an_unknown_old_version_is_refused(version: int, store: HistoryStore
                                                       ) -> None:
    content = orjson.dumps({"_default": {"1": {**doc(), "schema_version": version}}})
    store.path.write_bytes(content)
    assert_refused(store, content, "record 1", f"no migration from schema version {version}")


def test_an_empty_table_starts_the_ids_at_one(store: HistoryStore) -> None:
    store.path.write_bytes(b'{"_default": {}}')
    assert store.count() == 0 and store.add(make()).id == 1


def test_a_path_through_a_file_is_one_line_naming_the_problem(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = HistoryStore(blocker / "history.json")
    with pytest.raises(StoreError) as info:
        store.all()
    assert str(info.value) == f"cannot read history file {store.path}: Not a directory"


def test_the_duplicate_named_is_the_one_given_twice(store: HistoryStore) -> None:
    records = [orjson.dumps(doc(f"A{i}", NOW + timedelta(minutes=i))) for i in range(3)]
    content = (b'{"_default": {"1": ' + records[0] + b', "2": ' + records[1]
               + b', "2": ' + records[2] + b"}}")
    store.path.write_bytes(content)
    assert_refused(store, content, "'2' twice")


def test_adding_nothing_changes_nothing(store: HistoryStore) -> None:
    store.add(make("Acme"))
    before = store.path.read_bytes()
    assert store.add_many([]) == []
    assert HistoryStore(store.path).count() == 1
    assert [a.account for a in HistoryStore(store.path).all()] == ["Acme"]
    assert orjson.loads(store.path.read_bytes())["_default"] == orjson.loads(before)["_default"]


def test_a_save_is_made_durable(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(jsonfile.os, "fsync", spy)
    store.add(make("Acme"))
    assert synced == ["file", "folder"]  # the new file's bytes, then the rename
    synced.clear()
    store.recover(now=NOW)  # healthy: nothing moved, nothing synced
    assert synced == []
    store.path.write_bytes(b"not json")
    store.recover(now=NOW)  # the move aside is made durable too
    assert synced == ["folder"]


def test_the_tinydb_storage_creates_a_private_folder(tmp_path: Path) -> None:
    from tinydb import TinyDB

    old = os.umask(0o022)
    try:
        TinyDB(tmp_path / "new" / "db.json", storage=jsonfile.AtomicJSONStorage).insert({"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_the_text_query_searches_the_rationale(store: HistoryStore) -> None:
    a = make("Acme")
    a = dataclasses.replace(a, rationale=type(a.rationale)(account_value="Renewal in March"))
    store.add(a)
    store.add(make("Other", NOW + timedelta(minutes=1)))
    assert [x.account for x in HistoryStore(store.path).query(text="renewal in march")] == ["Acme"]


# ----------------------------------------------------------------------------- checksums


def _forge_in_the_same_tick(path: Path, old: bytes, new: bytes) -> None:
    """A same-length edit in place, then the note moved to the edited file's identity: what
    an edit within one timestamp tick of the last write would look like to a reader."""
    _edit_in_place(path, old, new, keep_mtime=False)
    st = path.stat()
    real = Path(os.path.realpath(path))
    crc = json.loads(path.read_bytes().split(b"\n")[0][len(jsonfile.HEAD_PREFIX):-2])["crc32"]
    TrustNotes(paths.cache_dir()).note(
        real, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns), crc)


def test_a_reader_does_not_checksum_a_noted_file_again_but_a_writer_does(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command that only reads a file exactly as noted skips the pass over the whole file
    that the checksum costs; a writer checks it before carrying it on (the new checksum of
    an append is computed from the old one), so a forged same-length edit is never sealed
    with a checksum that does not match."""
    store.add(make("Acme"))
    store.add(make("Beta", NOW + timedelta(hours=1)))
    sums: list[int] = []
    real_crc = jsonfile.body_crc

    def counting(body: bytes) -> int:
        sums.append(len(body))
        return real_crc(body)

    monkeypatch.setattr(jsonfile, "body_crc", counting)
    monkeypatch.setattr(store_module, "body_crc", counting)
    reader = HistoryStore(store.path)
    assert [a.account for a in reader.all()] == ["Beta", "Acme"]
    assert sums == []  # read on its noted identity
    _forge_in_the_same_tick(store.path, b'"account":"Acme"', b'"account":"Acmf"')
    writer = HistoryStore(store.path)
    assert [a.account for a in writer.all()] == ["Beta", "Acmf"]  # a reader takes it as noted
    writer.add(make("Gamma", NOW + timedelta(hours=2)))  # the writer checks, finds, revalidates
    assert sums
    data = store.path.read_bytes()
    head, _, body = data.partition(b"\n")
    assert jsonfile.decode_canonical(head + b"\n", body) is not None  # a true checksum
    assert [a.account for a in HistoryStore(store.path).all()] == ["Gamma", "Beta", "Acmf"]


def test_a_foreign_files_sealed_copy_is_not_checksummed_again(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The validated copy of a file in TinyDB's layout is read back without a pass over it
    while the note is exactly as written (its seal); once the note changed (see
    test_a_tampered_or_unsafe_note_is_never_trusted) it is checksummed again."""
    records = {str(i): doc(f"A{i}", NOW + timedelta(minutes=i)) for i in (1, 2)}
    store.path.write_bytes(json.dumps({"_default": records}).encode())
    assert HistoryStore(store.path).count() == 2  # validated, noted and sealed
    sums: list[int] = []
    real_crc = jsonfile.body_crc

    def counting(body: bytes) -> int:
        sums.append(len(body))
        return real_crc(body)

    monkeypatch.setattr(jsonfile, "body_crc", counting)
    monkeypatch.setattr(store_module, "body_crc", counting)
    assert [a.account for a in HistoryStore(store.path).all()] == ["A2", "A1"]
    assert sums == []
    [note] = note_files()
    note.write_bytes(note.read_bytes())  # same bytes, but no longer the note as sealed
    assert [a.account for a in HistoryStore(store.path).all()] == ["A2", "A1"]
    assert sums  # checked again
