"""A large history is mapped, not read (``jsonfile.FileView``), and a save copies its
unchanged bytes through the kernel (``jsonfile.FileRange``): both compared with the
straightforward result (the file read into memory, written from memory), and the store's
file guarantees run again on mapped files."""

from __future__ import annotations

import errno
import os
import random
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage_tui.domain.engine import assess
from triage_tui.domain import escalation as E
from triage_tui.domain.escalation import note_event
from triage_tui.domain.models import Assessment, Draft, Scores
from triage_tui.storage import HistoryStore, StoreError
from triage_tui.storage import jsonfile
from triage_tui.storage import store as store_module
from triage_tui.storage.jsonfile import Canonical, FileRange, FileView

# The store's file guarantees, run here again with every history mapped (see `mapped`):
# pytest collects these imported tests in this module, under its autouse fixture.
from test_review_cache import random_history
from test_storage import (  # noqa: F401
    test_a_failed_write_leaves_the_previous_file_and_says_so,
    test_corrupt_or_foreign_files_are_never_written,
    test_random_operations_match_a_reference_model,
    test_update_replaces_a_record,
)
from test_storage_files import (  # noqa: F401
    store,
    test_a_file_changing_while_it_is_read_is_read_again,
    test_a_foreign_file_is_parsed_once_then_read_from_its_note,
    test_a_foreign_files_sealed_copy_is_not_checksummed_again,
    test_a_long_lived_store_sees_a_same_length_edit_by_another_process,
    test_a_reader_does_not_checksum_a_noted_file_again_but_a_writer_does,
    test_a_short_read_is_completed,
    test_a_tampered_or_unsafe_note_is_never_trusted,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
PAGE = 4096


@pytest.fixture(autouse=True)
def mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every history body is a FileView, and a pass lets go of its pages page by page."""
    monkeypatch.setattr(jsonfile, "MAP_AT", 1)
    monkeypatch.setattr(jsonfile, "RELEASE_EVERY", PAGE)


def make(account: str, at: datetime, impact: int = 4) -> Assessment:
    draft = Draft(account=account, scores=Scores(customer_impact=impact, account_value=4,
                                                 time_sensitivity=3, csm_capability=3))
    return assess(draft, now=at)


def view_of(path: Path, data: bytes, start: int) -> FileView:
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        return FileView(fd, start, jsonfile.identity(st))
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- FileView

CONTENT = st.binary(min_size=1, max_size=3 * PAGE).map(lambda b: b.replace(b"\0", b"\n"))
POSITION = st.one_of(st.none(), st.integers(-3 * PAGE - 10, 3 * PAGE + 10))
NEEDLE = st.sampled_from([b"\n", b",\n", b"x", b"ab", b'"1": '])  # (never empty)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=CONTENT, offset=st.integers(0, 40), needle=NEEDLE, lo=POSITION, hi=POSITION)
def test_a_file_view_reads_like_the_bytes_it_maps(
    tmp_path: Path, content: bytes, offset: int, needle: bytes, lo: int | None, hi: int | None,
) -> None:
    data = b"H" * offset + content
    view = view_of(tmp_path / "f", data, offset)
    assert len(view) == len(content)
    assert view.find(needle, lo, hi) == content.find(needle, lo, hi)
    assert view.rfind(needle, lo, hi) == content.rfind(needle, lo, hi)
    assert view[lo:hi] == content[lo:hi]
    assert view.startswith(needle, max(0, lo or 0)) == content.startswith(needle, max(0, lo or 0))
    assert view.endswith(needle) == content.endswith(needle)
    assert (view == content) and not (view == content + b"x")
    a, b = sorted(max(0, min(len(content), x or 0)) for x in (lo, hi))
    assert view.crc(a, b, 5) == zlib.crc32(content[a:b], 5)
    assert FileRange(view, a, b).crc(7) == zlib.crc32(content[a:b], 7)


LINE = st.text(alphabet='ab"1 ,:}', max_size=300).map(str.encode)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(LINE, max_size=40), needle=st.sampled_from([b"a", b"ab", b'": ', b'"1', b"b,:}"]),
       without=st.sampled_from([None, b"b", b"zz"]), n=st.integers(0, 45),
       window=st.integers(1, 600))
def test_a_mapped_body_is_searched_like_one_in_memory(
    tmp_path: Path, bodies: list[bytes], needle: bytes, without: bytes | None, n: int,
    window: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """spans, spans_with (a window at a time, letting go of pages), tail and line_at on a
    FileView give what they give on the same body in memory."""
    monkeypatch.setattr(jsonfile, "RELEASE_EVERY", window)
    lines = [b'"%d": ' % (i + 1) + line for i, line in enumerate(bodies)]
    body = b"".join(jsonfile.body_from_lines(lines))
    head = b"HEAD\n"
    mapped = Canonical({}, view_of(tmp_path / "f", head + body, len(head)))
    plain = Canonical({}, body)
    assert list(mapped.spans()) == list(plain.spans())
    assert mapped.spans_with(needle, without) == plain.spans_with(needle, without)
    assert mapped.tail(n) == plain.tail(n) and mapped.lines() == plain.lines() == lines
    for start, end in plain.spans():
        assert mapped.line_at((start + end) // 2) == plain.line_at((start + end) // 2)
    if lines:
        doc_id = random.Random(n).randrange(len(lines)) + 1
        assert jsonfile.body_get(mapped.body, doc_id) == jsonfile.body_get(body, doc_id)


# ----------------------------------------------------------------------------- the store


def test_every_change_writes_what_the_in_memory_path_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same random changes through a mapped store and through one that holds the file in
    memory (MAP_AT out of reach) leave the same bytes, and every read agrees."""
    rng = random.Random(11)
    fast = HistoryStore(tmp_path / "fast.json")
    fast.add_many([make(f"A{i}", NOW - timedelta(hours=i)) for i in range(30)])
    plain = HistoryStore(tmp_path / "plain.json")
    (tmp_path / "plain.json").write_bytes(fast.path.read_bytes())

    def both(call):  # the mapped store, then the in-memory one
        first = call(HistoryStore(fast.path))
        monkeypatch.setattr(jsonfile, "MAP_AT", 1 << 60)
        try:
            second = call(HistoryStore(plain.path))
        finally:
            monkeypatch.setattr(jsonfile, "MAP_AT", 1)
        assert first == second
        assert fast.path.read_bytes() == plain.path.read_bytes()
        return first

    for step in range(40):
        ids = [d["id"] for d in HistoryStore(fast.path).documents()]
        op, target = rng.random(), rng.choice(ids)
        when = NOW + timedelta(minutes=step)
        if op < 0.35:  # a save: usually the newest, now and then an older one
            at = when if rng.random() < 0.8 else NOW - timedelta(hours=rng.randint(0, 40))
            both(lambda s: s.add(make(f"N{step}", at)).id)
        elif op < 0.55:
            both(lambda s: len(s.append(target, note_event(when, f"note {step}")).events))
        elif op < 0.7:
            both(lambda s: s.resolve(target, 3, "", when).id
                 if s.get(target).resolved_at is None else None)
        elif op < 0.8:
            both(lambda s: s.update(replace(s.get(target), account=f"U{step}")).id)
        elif op < 0.9 and len(ids) > 3:
            both(lambda s: s.delete(target))
        both(lambda s: [a.id for a in s.query(limit=5)])
        both(lambda s: s.documents(since=NOW - timedelta(hours=10)))
        both(lambda s: [e.id for e in s.escalations(include_closed=False)])
        both(lambda s: [a.id for a in s.followups()])
        both(lambda s: list(s.each_document()))
    assert HistoryStore(fast.path).check() == HistoryStore(plain.path).check()


@pytest.mark.parametrize("failure", [errno.EXDEV, errno.ENOSYS, "missing"])
def test_a_save_without_copy_file_range_copies_through_the_process(
    failure: int | str, store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.add_many([make(f"A{i}", NOW - timedelta(hours=i)) for i in range(20)])
    expected = HistoryStore(store.path.with_name("expected.json"))
    expected.path.write_bytes(store.path.read_bytes())
    monkeypatch.setattr(jsonfile, "PIECE", 1000)  # several pieces
    if failure == "missing":
        monkeypatch.delattr(jsonfile.os, "copy_file_range")
    else:
        def refuse(*args: object) -> int:
            raise OSError(failure, os.strerror(failure))

        monkeypatch.setattr(jsonfile.os, "copy_file_range", refuse)
    HistoryStore(store.path).add(make("New", NOW + timedelta(hours=1)))
    HistoryStore(store.path).append(3, note_event(NOW + timedelta(hours=2), "x"))
    monkeypatch.undo()
    monkeypatch.setattr(jsonfile, "MAP_AT", 1 << 60)
    expected.add(make("New", NOW + timedelta(hours=1)))
    expected.append(3, note_event(NOW + timedelta(hours=2), "x"))
    assert store.path.read_bytes() == expected.path.read_bytes()


def test_a_history_changed_while_a_save_copies_it_is_left_as_it_is(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A same-length edit in place (another program, no lock) between the writer's checksum
    and its copy: the save is refused, nothing is renamed over the edited file."""
    store.add_many([make(f"A{i}", NOW - timedelta(hours=i)) for i in range(5)])
    real_copy = FileRange.copy_to

    def edit_then_copy(self: FileRange, out: int) -> None:
        data = store.path.read_bytes()
        with open(store.path, "r+b") as handle:
            handle.write(data.replace(b'"account":"A3"', b'"account":"Z3"', 1))
        real_copy(self, out)

    monkeypatch.setattr(FileRange, "copy_to", edit_then_copy)
    with pytest.raises(StoreError, match="changed while it was copied") as info:
        HistoryStore(store.path).add(make("New", NOW + timedelta(hours=1)))
    assert "unchanged" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.undo()
    assert b'"account":"Z3"' in store.path.read_bytes()
    assert list(store.path.parent.glob(jsonfile.temp_pattern(store.path))) == []
    assert "New" not in [a.account for a in HistoryStore(store.path).all()]


def test_a_pass_over_a_mapped_history_lets_go_of_what_it_read(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Resident pages of the map (mincore through /proc is not portable: count what
    release was asked to drop) stay a window behind a full pass."""
    store.add_many([make(f"A{i}", NOW - timedelta(hours=i)) for i in range(60)])
    released: list[tuple[int, int]] = []
    real = FileView.release

    def spy(self: FileView, upto: int) -> None:
        before = self._held
        real(self, upto)
        if self._held != before:
            released.append((before, self._held))

    monkeypatch.setattr(FileView, "release", spy)
    reader = HistoryStore(store.path)
    size = store.path.stat().st_size
    assert len(list(reader.each_document())) == 60
    assert released and released[0][0] == 0
    assert released[-1][1] >= size - 2 * PAGE - 4000  # all but the last pages (a line)
    released.clear()
    reader._pending_lines()
    assert released and released[-1][1] >= size - 2 * PAGE - 4000


def test_a_writer_checks_the_checksum_while_the_new_file_syncs(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A writer that trusted the file on its note checks the checksum while its new file is
    synced (in another thread); a failed sync there fails the save as it would anywhere."""
    store.add_many([make(f"A{i}", NOW - timedelta(hours=i)) for i in range(5)])
    before = store.path.read_bytes()
    order: list[str] = []
    real_crc, real_fsync = store_module.body_crc, jsonfile.os.fsync

    def crc(body: object) -> int:
        order.append("crc")
        return real_crc(body)

    def full_disk(fd: int) -> None:
        order.append("fsync")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "body_crc", crc)
    monkeypatch.setattr(jsonfile.os, "fsync", full_disk)
    with pytest.raises(StoreError, match="No space left") as info:
        HistoryStore(store.path).add(make("New", NOW + timedelta(hours=1)))
    assert "unchanged" in str(info.value)
    assert sorted(order) == ["crc", "fsync"]  # both, whichever came first
    assert store.path.read_bytes() == before
    assert list(store.path.parent.glob(jsonfile.temp_pattern(store.path))) == []
    monkeypatch.setattr(jsonfile.os, "fsync", real_fsync)
    order.clear()
    HistoryStore(store.path).add(make("New", NOW + timedelta(hours=1)))
    assert order == ["crc"]
    assert [a.account for a in HistoryStore(store.path).query(limit=1)] == ["New"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), count=st.integers(0, 30))
def test_followups_from_what_was_kept_are_what_a_full_pass_finds(
    tmp_path_factory: pytest.TempPathFactory, seed: int, count: int,
) -> None:
    """``followups`` takes the pending check-ins from what was kept for the file's identity;
    after every change (appends, changed timelines, older records) it lists what a pass over
    every validated record lists, in the writing process and in a new one."""
    tmp = tmp_path_factory.mktemp("followups")
    notes = tmp / "notes"
    writer = HistoryStore(tmp / "history.json", notes=notes)
    items, timelines = random_history(seed, count)
    if items:
        writer.add_many(items, timelines)
    rng = random.Random(seed)
    for step in range(4):
        for store in (writer, HistoryStore(writer.path, notes=notes),
                      HistoryStore(writer.path, notes=notes)):  # cold, then kept
            expected = sorted((a for a in store.all() if a.resolved_at is not None
                               and a.checkin_done_at is None and a.decision.escalates),
                              key=lambda a: (a.checkin_due_at, a.id or 0))
            assert store.followups() == expected
            assert [d["id"] for d in store.followup_documents()] == sorted(
                (a.id for a in expected), key=lambda i: [a.id for a in store.all()].index(i))
        at = NOW + timedelta(minutes=step)
        ids = [a.id for a in writer.all()]
        if ids and step % 2:
            for event in (E.resolve_event(at, 3), E.checkin_event(at), E.ack_event(at)):
                try:
                    writer.append(rng.choice(ids), event)
                except E.EscalationError:
                    pass
        more, more_timelines = random_history(seed + step + 1, 2)
        if more:
            writer.add_many(more, more_timelines)
