"""The history store: round trip, order, ids, filters, lifecycle, file format, corrupt and
foreign files, migration, failed writes. (Kill -9 and concurrency: test_storage_durability.)"""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from tinydb import TinyDB

from triage_tui.domain.engine import assess
from triage_tui.domain.models import SCHEMA_VERSION, Assessment, Draft, Scores
from triage_tui.domain.rubric import Decision
from triage_tui.storage import (
    CorruptStoreError,
    HistoryStore,
    StoreError,
    UnknownIdError,
    document_texts,
)
from triage_tui.storage import jsonfile
from triage_tui.storage import store as store_module
from triage_tui.storage.demo import demo_assessments
from triage_tui.storage.store import record_doc

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def make(
    account: str = "Acme",
    scores: tuple[int, int, int, int] = (4, 4, 3, 3),
    at: datetime = NOW,
    **fields: object,
) -> Assessment:
    impact, value, time, capability = scores
    draft = Draft(
        account=account,
        scores=Scores(customer_impact=impact, account_value=value,
                      time_sensitivity=time, csm_capability=capability),
        **fields,
    )
    return assess(draft, now=at)


@pytest.fixture
def store(db_file: Path) -> HistoryStore:
    return HistoryStore(db_file)


def same_record(a: Assessment, b: Assessment) -> bool:
    return {**a.to_dict(), "id": None} == {**b.to_dict(), "id": None}


# ----------------------------------------------------------------------------- basics


def test_missing_file_is_an_empty_history_and_reading_creates_nothing(store: HistoryStore) -> None:
    assert store.all() == []
    assert store.query(limit=20) == []
    assert store.count() == 0
    assert store.followups() == []
    assert not store.path.exists()
    assert not store.lock_path.exists()


def test_init_does_no_io(tmp_path: Path) -> None:
    HistoryStore(tmp_path / "no" / "such" / "dir" / "h.json")
    assert not (tmp_path / "no").exists()


def test_round_trip_keeps_everything(store: HistoryStore) -> None:
    original = make(
        "Globex | Inc\n", situation="Sync fails\nevery night", ask="An engineer", comms="Told them",
        signals=["sla-breached", "health-red"], manager_surprised=True,
    )
    saved = store.add(original)
    assert saved.id == 1
    assert same_record(saved, original)
    fresh = HistoryStore(store.path)  # another process's view
    assert fresh.get(1) == saved
    assert fresh.get(1).to_json() == saved.to_json()


def test_ids_count_up_and_history_is_newest_first(store: HistoryStore) -> None:
    ids = [store.add(make(f"A{i}", at=NOW + timedelta(minutes=i))).id for i in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert [a.id for a in store.all()] == [5, 4, 3, 2, 1]
    assert [a.id for a in HistoryStore(store.path).query(limit=2)] == [5, 4]
    assert store.count() == 5


def test_newest_first_follows_created_at_not_id(store: HistoryStore) -> None:
    store.add(make("new", at=NOW))
    store.add(make("old", at=NOW - timedelta(days=30)))
    store.add(make("middle", at=NOW - timedelta(days=3)))
    assert [a.account for a in HistoryStore(store.path).all()] == ["new", "middle", "old"]
    assert [a.account for a in HistoryStore(store.path).query(limit=2)] == ["new", "middle"]


def test_deleted_ids_are_never_given_out_again(store: HistoryStore) -> None:
    for i in range(3):
        store.add(make(f"A{i}", at=NOW + timedelta(minutes=i)))
    store.delete(3)
    store.delete(1)
    assert [a.id for a in store.all()] == [2]
    assert store.add(make("next", at=NOW + timedelta(hours=1))).id == 4
    with pytest.raises(UnknownIdError, match="#3"):
        store.get(3)
    with pytest.raises(UnknownIdError):
        store.delete(3)


def test_file_is_plain_tinydb(store: HistoryStore) -> None:
    store.add(make("Acme", at=NOW))
    store.add(make("Globex", at=NOW + timedelta(minutes=1)))
    db = TinyDB(store.path)
    docs = db.all()
    assert [d["account"] for d in docs] == ["Acme", "Globex"]
    assert [d.doc_id for d in docs] == [1, 2]
    assert all(d["schema_version"] == SCHEMA_VERSION for d in docs)
    assert db.get(doc_id=2)["scores"]["customer_impact"] == 4
    db.close()
    json.loads(store.path.read_text("utf-8"))


def test_atomic_storage_works_as_a_tinydb_storage(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    db = TinyDB(path, storage=jsonfile.AtomicJSONStorage)
    assert not path.exists()  # no file until the first write
    db.insert({"a": 1})
    db.insert({"a": 2})
    assert [d["a"] for d in TinyDB(path).all()] == [1, 2]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_file_written_by_tinydb_itself_is_read_and_then_rewritten_in_our_layout(
    store: HistoryStore,
) -> None:
    record = record_doc(make("Initech"), 7)
    store.path.write_text(json.dumps({"_default": {"7": record}}), "utf-8")
    assert store.get(7).account == "Initech"
    saved = store.add(make("Hooli", at=NOW + timedelta(hours=1)))
    assert saved.id == 8
    head, _, body = store.path.read_bytes().partition(b"\n")
    assert jsonfile.decode_canonical(head + b"\n", body) is not None
    assert [a.id for a in HistoryStore(store.path).all()] == [8, 7]


def test_queries_filter_raw_records(store: HistoryStore) -> None:
    store.add(make("Northwind Traders", (1, 1, 1, 1), NOW, situation="printer jam"))
    store.add(make("northwind EU", (5, 5, 5, 5), NOW + timedelta(minutes=1)))
    store.add(make("Société Générale", (3, 3, 3, 3), NOW + timedelta(minutes=2)))
    store.add(make('Quote "Co"', (3, 3, 3, 3), NOW + timedelta(minutes=3), ask="call back"))
    fresh = HistoryStore(store.path)
    assert [a.id for a in fresh.query(account="NORTHWIND")] == [2, 1]
    assert [a.id for a in fresh.query(account="north", limit=1)] == [2]
    assert [a.id for a in fresh.query(account="SOCIÉTÉ")] == [3]
    assert [a.id for a in fresh.query(account='"co"')] == [4]
    assert [a.id for a in fresh.query(decision=Decision.HANDLE_YOURSELF)] == [1]
    assert [a.id for a in fresh.query(decision="escalate-for-support")] == [4, 3]
    assert [a.id for a in fresh.query(account="north", decision="escalate-immediately")] == [2]
    assert [a.id for a in fresh.query(text="PRINTER")] == [1]
    assert [a.id for a in fresh.query(text="call")] == [4]
    # "printer" is in a situation, not in an account name
    assert fresh.query(account="printer") == []


def test_add_many_orders_by_time_and_merges_with_what_is_there(store: HistoryStore) -> None:
    store.add(make("middle", at=NOW))
    added = store.add_many([make("late", at=NOW + timedelta(days=1)),
                            make("early", at=NOW - timedelta(days=1))])
    assert [(a.account, a.id) for a in added] == [("early", 2), ("late", 3)]
    assert [a.account for a in HistoryStore(store.path).all()] == ["late", "middle", "early"]


def test_random_operations_match_a_reference_model(store: HistoryStore) -> None:
    rng = random.Random(7)
    reference: dict[int, Assessment] = {}
    for step in range(60):
        op = rng.random()
        if op < 0.6 or not reference:
            a = store.add(make(f"acct{rng.randint(1, 5)}", at=NOW + timedelta(hours=rng.randint(-500, 500))))
            reference[a.id] = a
        elif op < 0.8:
            victim = rng.choice(sorted(reference))
            store.delete(victim)
            del reference[victim]
        else:
            target = rng.choice(sorted(reference))
            if reference[target].resolved_at is None:
                reference[target] = store.resolve(target, rng.randint(1, 5), "done",
                                                  NOW + timedelta(hours=600))
        expected = sorted(reference.values(), key=lambda a: (a.created_at, a.id), reverse=True)
        other = HistoryStore(store.path)
        assert [a.id for a in other.all()] == [a.id for a in expected]
        assert [a.id for a in other.query(limit=3)] == [a.id for a in expected[:3]]
        assert other.count() == len(reference)
        assert len(TinyDB(store.path).all()) == len(reference)
    for doc_id, a in reference.items():
        assert HistoryStore(store.path).get(doc_id) == a


def test_a_long_lived_store_sees_other_writers(store: HistoryStore) -> None:
    other = HistoryStore(store.path)
    for i in range(6):
        writer = store if i % 2 else other
        writer.add(make(f"A{i}", at=NOW + timedelta(minutes=i)))
    assert [a.id for a in store.all()] == [6, 5, 4, 3, 2, 1]
    assert [a.id for a in other.all()] == [6, 5, 4, 3, 2, 1]


# ----------------------------------------------------------------------------- lifecycle


def test_resolve_checkin_and_followups(store: HistoryStore) -> None:
    escalation = store.add(make("Acme", (4, 4, 4, 3), NOW - timedelta(days=5)))
    handled = store.add(make("Beta", (1, 1, 1, 1), NOW - timedelta(days=4)))
    assert escalation.decision.escalates and not handled.decision.escalates

    resolved = store.resolve(escalation.id, 4, "fixed", now=NOW)
    assert resolved.status == "resolved" and resolved.satisfaction == 4
    assert resolved.resolved_at == NOW and resolved.resolution_note == "fixed"
    assert resolved.checkin_due_at == NOW + timedelta(hours=48)
    store.resolve(handled.id, 5, now=NOW)

    fresh = HistoryStore(store.path)
    assert [a.id for a in fresh.followups()] == [escalation.id]  # handle-yourself: no check-in
    assert not fresh.followups()[0].followup_overdue(NOW + timedelta(hours=47))
    assert fresh.followups()[0].followup_overdue(NOW + timedelta(hours=49))

    with pytest.raises(StoreError, match="already resolved"):
        store.resolve(escalation.id, 2, now=NOW)
    done = store.checkin(escalation.id, now=NOW + timedelta(hours=3))
    assert done.checkin_done_at == NOW + timedelta(hours=3)
    assert HistoryStore(store.path).followups() == []
    again = store.checkin(escalation.id, now=NOW + timedelta(hours=9))  # no change
    assert again.checkin_done_at == NOW + timedelta(hours=3)


def test_lifecycle_refusals_change_nothing(store: HistoryStore) -> None:
    open_one = store.add(make("Acme", (4, 4, 4, 3)))
    handled = store.add(make("Beta", (1, 1, 1, 1), NOW + timedelta(minutes=1)))
    store.resolve(handled.id, 3, now=NOW + timedelta(minutes=2))
    before = store.path.read_bytes()
    with pytest.raises(StoreError, match="not resolved yet"):
        store.checkin(open_one.id)
    with pytest.raises(StoreError, match="without escalating"):
        store.checkin(handled.id)
    with pytest.raises(StoreError, match="1-5"):
        store.resolve(open_one.id, 6)
    with pytest.raises(UnknownIdError, match="#99"):
        store.resolve(99, 3)
    with pytest.raises(UnknownIdError):
        store.checkin(99)
    assert store.path.read_bytes() == before


def test_update_replaces_a_record(store: HistoryStore) -> None:
    a = store.add(make("Acme"))
    store.add(make("Later", at=NOW + timedelta(days=1)))
    store.update(replace(a, resolution_note="typo fixed"))
    assert HistoryStore(store.path).get(a.id).resolution_note == "typo fixed"
    store.update(replace(a, created_at=NOW + timedelta(days=2)))
    assert [x.id for x in HistoryStore(store.path).all()] == [1, 2]


# ----------------------------------------------------------------------------- the file


def test_file_and_lock_are_private_whatever_the_umask(store: HistoryStore) -> None:
    old = os.umask(0)
    try:
        store.add(make())
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.lock_path.stat().st_mode) == 0o600
    store.add(make(at=NOW + timedelta(minutes=1)))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_the_folder_is_created_on_first_save(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "deep" / "er" / "history.json")
    store.add(make())
    assert store.get(1).account == "Acme"


def test_a_failed_write_leaves_the_previous_file_and_says_so(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add(make("Acme"))
    before = store.path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jsonfile.os, "fsync", disk_full)
    with pytest.raises(StoreError) as info:
        store.add(make("Globex", at=NOW + timedelta(minutes=1)))
    monkeypatch.undo()
    message = str(info.value)
    assert str(store.path) in message and "No space left" in message
    assert "unchanged" in message and "\n" not in message
    assert store.path.read_bytes() == before
    assert list(store.path.parent.glob(jsonfile.temp_pattern(store.path))) == []
    assert [a.account for a in store.all()] == ["Acme"]
    assert store.add(make("Globex", at=NOW + timedelta(minutes=1))).id == 2


def test_stale_temp_files_of_killed_writers_are_cleaned_up(store: HistoryStore) -> None:
    store.add(make())
    stale = store.path.with_name(f".{store.path.name}.abc123.tmp")
    stale.write_bytes(b"half a file")
    store.add(make(at=NOW + timedelta(minutes=1)))
    assert not stale.exists()


CORRUPT_OR_FOREIGN = {
    "not json": b"this is not json\n",
    "truncated json": b'{"_default": {"1": {"account": "Ac',
    "not utf-8": b"\xff\xfe\x00garbage",
    "whitespace": b"   \n",
    "a list": b"[1, 2, 3]",
    "a string": b'"history"',
    "another app's tables": b'{"users": {"1": {"name": "ada"}}}',
    "foreign records": b'{"_default": {"1": {"name": "ada", "email": "a@example.com"}}}',
    "bad document id": b'{"_default": {"one": {}}}',
    "record not an object": b'{"_default": {"1": [1, 2]}}',
    "foreign meta": b'{"_meta": {"1": {"app": "other"}}, "_default": {}}',
}


def _bad_score_file() -> bytes:
    doc = record_doc(make(), 1)
    doc["scores"]["customer_impact"] = 9
    return orjson.dumps({"_default": {"1": doc}})


def _truncated_canonical(tmp_path: Path) -> bytes:
    scratch = HistoryStore(tmp_path / "scratch.json")
    scratch.add(make())
    scratch.add(make(at=NOW + timedelta(minutes=1)))
    return scratch.path.read_bytes()[:-40]


@pytest.mark.parametrize("name", [*CORRUPT_OR_FOREIGN, "invalid record", "truncated canonical"])
def test_corrupt_or_foreign_files_are_never_written(
    name: str, store: HistoryStore, tmp_path: Path
) -> None:
    if name == "invalid record":
        content = _bad_score_file()
    elif name == "truncated canonical":
        content = _truncated_canonical(tmp_path)
    else:
        content = CORRUPT_OR_FOREIGN[name]
    store.path.write_bytes(content)
    calls = [
        store.all, store.count, store.followups, store.check, lambda: store.get(1),
        lambda: store.query(limit=20), lambda: store.add(make()),
        lambda: store.add_many([make()]), lambda: store.resolve(1, 3),
        lambda: store.checkin(1), lambda: store.delete(1),
        lambda: store.update(replace(make(), id=1)),
    ]
    for call in calls:
        with pytest.raises(CorruptStoreError) as info:
            call()
        message = str(info.value)
        assert str(store.path) in message and "\n" not in message
        assert "triage recover" in message
        assert store.path.read_bytes() == content
    assert list(store.path.parent.glob(jsonfile.temp_pattern(store.path))) == []


def test_an_empty_file_is_an_empty_history(store: HistoryStore) -> None:
    store.path.write_bytes(b"")
    assert store.all() == []
    assert store.add(make()).id == 1


def test_a_hand_edit_breaking_the_checksum_is_still_validated(store: HistoryStore) -> None:
    store.add(make("Acme"))
    text = store.path.read_text("utf-8")
    store.path.write_text(text.replace('"account":"Acme"', '"account":"Acme Renamed"'), "utf-8")
    assert HistoryStore(store.path).get(1).account == "Acme Renamed"  # still valid: accepted
    store.path.write_text(text.replace('"customer_impact":4', '"customer_impact":7', 1), "utf-8")
    with pytest.raises(CorruptStoreError, match="customer_impact"):
        HistoryStore(store.path).all()


def test_a_newer_schema_is_refused_but_not_called_corrupt(store: HistoryStore) -> None:
    doc = record_doc(make(), 1)
    doc["schema_version"] = SCHEMA_VERSION + 1
    content = orjson.dumps({"_default": {"1": doc}})
    store.path.write_bytes(content)
    with pytest.raises(StoreError, match="newer") as info:
        store.add(make())
    assert not isinstance(info.value, CorruptStoreError)
    with pytest.raises(StoreError, match="newer"):  # not corrupt: recover leaves it alone
        store.recover()
    assert store.path.read_bytes() == content


def test_recover_moves_a_corrupt_file_aside_byte_for_byte(store: HistoryStore) -> None:
    content = b'{"_default": {"1": {"not": "ours"}}}'
    store.path.write_bytes(content)
    moved = store.recover(now=NOW)
    assert moved is not None and moved.name == "history.json.corrupt-20261120T120000Z"
    assert moved.read_bytes() == content
    assert not store.path.exists()
    assert store.all() == []
    assert store.add(make()).id == 1
    store.path.write_bytes(content)
    second = store.recover(now=NOW)
    assert second is not None and second != moved and second.read_bytes() == content


def test_recover_leaves_healthy_and_missing_files_alone(store: HistoryStore) -> None:
    assert store.recover() is None
    store.add(make())
    before = store.path.read_bytes()
    assert store.recover() is None
    assert store.path.read_bytes() == before


# ----------------------------------------------------------------------------- migration


V1_DOC = {
    "schema_version": 1,
    "account": "Initech",
    "impact": 4,
    "value": 3,
    "time": 5,
    "capability": 3,
    "type": "service-failure",
    "total": 15,
    "decision": "escalate-with-urgency",
    "route": "CS leadership + support leadership",
    "warnings": ["no-deadline"],
    "situation": "Third SLA breach this quarter",
    "ask": "A support-leadership review",
    "by": None,
    "comms": "Apology call booked",
    "signals": ["sla-breached"],
    "manager_surprised": False,
    "open_since": "2025-02-03",
    "created": "2025-02-05T09:30:00+00:00",
}


def test_a_version_1_document_is_migrated_on_read_and_saved_upgraded(store: HistoryStore) -> None:
    store.path.write_text(json.dumps({"_default": {"3": V1_DOC}}), "utf-8")
    a = store.get(3)
    assert a.schema_version == SCHEMA_VERSION
    assert a.account == "Initech"
    assert (a.scores.customer_impact, a.scores.account_value,
            a.scores.time_sensitivity, a.scores.csm_capability) == (4, 3, 5, 3)
    assert a.issue_type == "service-failure" and a.total == 15
    assert a.decision == a.score_decision == Decision.ESCALATE_WITH_URGENCY
    assert a.route is not None and a.route.to == "CS leadership + support leadership"
    assert a.route.when.startswith("When the pattern")
    assert [w.code for w in a.warnings] == ["no-deadline"]
    assert a.created_at == datetime(2025, 2, 5, 9, 30, tzinfo=timezone.utc)
    assert a.business_days_open == 2
    assert a.why.text and a.resolved_at is None and a.status == "open"
    assert a.signals == ["sla-breached"]

    store.add(make("Hooli", at=NOW))  # the next save writes the upgraded record
    on_disk = TinyDB(store.path).get(doc_id=3)
    assert on_disk["schema_version"] == SCHEMA_VERSION and "impact" not in on_disk
    assert HistoryStore(store.path).get(3) == a


def test_a_broken_version_1_document_is_reported(store: HistoryStore) -> None:
    broken = {**V1_DOC, "type": "no-such-type"}
    content = json.dumps({"_default": {"1": broken}}).encode()
    store.path.write_bytes(content)
    with pytest.raises(CorruptStoreError, match="version 1"):
        store.all()
    assert store.path.read_bytes() == content


# ----------------------------------------------------------------------------- demo data


def test_demo_history_is_deterministic_and_realistic() -> None:
    items = demo_assessments(60, NOW, 3)
    again = demo_assessments(60, NOW, 3)
    assert [a.to_dict() for a in items] == [a.to_dict() for a in again]
    assert [a.to_dict() for a in demo_assessments(60, NOW, 4)] != [a.to_dict() for a in items]
    assert len(items) == 60
    assert all(a.id is None for a in items)
    assert items == sorted(items, key=lambda a: a.created_at)
    assert NOW - timedelta(days=366) < items[0].created_at and items[-1].created_at < NOW
    assert len({a.decision for a in items}) == 4
    assert len({a.issue_type for a in items}) >= 6
    assert len({a.account for a in items}) >= 8
    counts = {acc: sum(a.account == acc for a in items) for acc in {a.account for a in items}}
    assert max(counts.values()) >= 4  # repeat escalators
    assert sum(a.satisfaction is not None for a in items) >= 30
    assert any(a.status == "open" and a.decision.escalates for a in items)
    assert any(a.followup_overdue(NOW) for a in items)
    assert any(a.followup_pending() and not a.followup_overdue(NOW) for a in items)
    for a in items:
        Assessment.validate(a.to_dict())
        assert a.resolved_at is None or a.created_at <= a.resolved_at <= NOW
        assert a.checkin_done_at is None or a.checkin_done_at <= NOW


def test_demo_history_fills_a_store(store: HistoryStore) -> None:
    saved = store.add_many(demo_assessments(60, NOW, 1))
    assert [a.id for a in saved] == list(range(1, 61))
    assert store.check() == 60
    assert len(HistoryStore(store.path).followups()) >= 2


# ----------------------------------------------------------------------------- layering


def test_storage_domain_and_cli_import_without_textual() -> None:
    code = (
        "import sys, triage_tui.cli, triage_tui.storage, triage_tui.storage.demo, "
        "triage_tui.domain.review; assert 'textual' not in sys.modules, 'textual imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_documents_are_the_records_as_json_newest_first(store: HistoryStore) -> None:
    store.add(make("Northwind", (1, 1, 1, 1), NOW, situation="Printer JAM"))
    esc = store.add(make("Globex", (4, 4, 4, 3), NOW + timedelta(minutes=1)))
    store.add(make("Initech", (2, 2, 2, 2), NOW + timedelta(minutes=2)))
    store.resolve(esc.id or 0, 4, "Credit note", now=NOW + timedelta(hours=1))
    fresh = HistoryStore(store.path)
    docs = fresh.documents()
    assert [d["id"] for d in docs] == [3, 2, 1]
    # exactly what the validated records dump to (so the TUI and the review can trust them)
    assert docs == [record_doc(a, a.id or 0, fresh.escalation(a.id or 0).events)
                    for a in fresh.all()]
    assert [d["id"] for d in fresh.documents(limit=2)] == [3, 2]
    assert fresh.documents(limit=0) == [] and len(fresh.documents(limit=10)) == 3
    docs[0]["account"] = "changed"  # new dicts each call: the store's copy is untouched
    assert fresh.documents(limit=1)[0]["account"] == "Initech"
    assert HistoryStore(store.path.with_name("none.json")).documents() == []


@pytest.mark.parametrize("reopen", [False, True])  # lines already split / the file as read
def test_documents_since_are_the_newest_from_that_moment(store: HistoryStore, reopen: bool
                                                          ) -> None:
    """``documents(since=...)`` reads from the end of the file and stops at the period's
    start: exactly the documents created at or after it (same instant included)."""
    moments = [NOW + timedelta(hours=h) for h in (0, 1, 1, 2, 5)]  # two at the same time
    store.add_many([make(f"A{i}", (1, 2, 3, 4), at) for i, at in enumerate(moments)])
    source = HistoryStore(store.path) if reopen else store
    everything = source.documents()
    for since in [NOW - timedelta(days=1), *moments, NOW + timedelta(hours=1, seconds=1),
                  NOW + timedelta(days=1)]:
        expected = [d for d in everything if datetime.fromisoformat(d["created_at"]) >= since]
        assert source.documents(since=since) == expected
        for limit in (0, 1, 2, 10):
            assert source.documents(limit=limit, since=since) == expected[:limit]
    assert HistoryStore(store.path.with_name("none.json")).documents(since=NOW) == []


def test_documents_since_and_followup_documents(store: HistoryStore) -> None:
    store.add_many(demo_assessments(300, NOW, 3))
    everything = store.documents()
    since = NOW - timedelta(days=30)
    recent = store.documents(since=since)
    assert recent == [d for d in everything
                      if datetime.fromisoformat(d["created_at"]) >= since]
    assert 0 < len(recent) < len(everything)
    assert store.documents(limit=5, since=since) == recent[:5]
    assert store.documents(since=NOW + timedelta(days=1)) == []
    pending = store.followup_documents()
    assert pending and [d["id"] for d in pending] == sorted(
        (a.id for a in store.followups()), reverse=True)


def test_documents_of_an_older_file_are_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({"_default": {"1": V1_DOC}}))
    [doc] = HistoryStore(path).documents()
    assert doc["schema_version"] == SCHEMA_VERSION and doc["id"] == 1
    assert doc["scores"]["customer_impact"] == V1_DOC["impact"]
    assert doc["route"]["teams"] == ["CS leadership", "support leadership"]


def test_a_version_2_record_gets_its_route_teams(tmp_path: Path) -> None:
    """A file written by the release before routes had teams opens with every record."""
    doc = make("Initech", (4, 3, 4, 3), NOW).to_dict(json_safe=True)
    doc["schema_version"] = 2
    doc["route"] = {"to": "CS leadership + finance", "when": doc["route"]["when"]}
    path = tmp_path / "v2.json"
    path.write_text(json.dumps({"_default": {"1": doc}}))
    [a] = HistoryStore(path).all()
    assert a.route is not None and a.route.teams == ["CS leadership", "finance"]
    assert a.schema_version == SCHEMA_VERSION


def test_document_texts_are_what_the_text_query_searches(store: HistoryStore) -> None:
    a = store.add(make("Northwind", (1, 1, 1, 1), NOW, situation="Printer JAM"))
    doc = store.documents()[0]
    texts = document_texts(doc)
    assert "Northwind" in texts and "Printer JAM" in texts and "" not in texts
    assert [x.id for x in store.query(text="printer jam")] == [a.id]


def test_signature_changes_with_the_file(store: HistoryStore) -> None:
    assert store.signature() is None
    store.add(make("A", (1, 1, 1, 1), NOW))
    first = store.signature()
    assert first is not None and first == HistoryStore(store.path).signature()
    store.add(make("B", (1, 1, 1, 1), NOW + timedelta(minutes=1)))
    assert store.signature() != first
