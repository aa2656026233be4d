"""The history store keeps each escalation's timeline (schema 4): created on save, events
appended under the lock, closed ones skipped on raw bytes, old files migrated."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from triage_tui.domain import escalation as E
from triage_tui.domain.engine import assess
from triage_tui.domain.escalation import EscalationError, EventKind, Status
from triage_tui.domain.models import SCHEMA_VERSION, Assessment, Draft, Scores
from triage_tui.storage import HistoryStore, StaleEditError, UnknownIdError
from triage_tui.storage.store import QUIET_PREFIX

UTC = timezone.utc
MON = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)


def make(account: str = "Acme", scores: tuple[int, int, int, int] = (4, 4, 4, 3),
         at: datetime = MON, type_: str = "product-defect") -> Assessment:
    return assess(Draft(account=account, scores=Scores(
        customer_impact=scores[0], account_value=scores[1], time_sensitivity=scores[2],
        csm_capability=scores[3]), issue_type=type_), now=at)


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history.json")


def test_a_save_creates_the_escalation_with_its_status(store: HistoryStore) -> None:
    urgent = store.add(make("Acme"))
    handled = store.add(make("Beta", (1, 1, 1, 1), MON + H))
    esc = store.escalation(urgent.id or 0)
    assert esc.status is Status.ESCALATED and esc.account == "Acme"
    assert [e.kind for e in esc.events] == [EventKind.CREATED]
    assert store.escalation(handled.id or 0).status is Status.OPEN
    doc = json.loads(store.path.read_text())["_default"]["1"]
    assert list(doc)[:2] == ["watch", "status"] and doc["status"] == "escalated"
    assert doc["watch"] is True
    assert doc["schema_version"] == SCHEMA_VERSION == 4
    with pytest.raises(UnknownIdError, match="#9"):
        store.escalation(9)


def test_escalations_by_id_read_a_page_at_once(store: HistoryStore) -> None:
    saved = [store.add(make(f"Acme {n}", at=MON + n * H)) for n in range(4)]
    store.append(saved[2].id or 0, E.ack_event(MON + 9 * H))
    page = store.escalations(ids=[saved[2].id or 0, 99, saved[0].id or 0])  # 99: none
    assert sorted((e.id, e.events) for e in page) == sorted(
        (i, store.escalation(i).events) for i in (saved[0].id or 0, saved[2].id or 0))


def test_append_checks_the_transition_and_keeps_the_lifecycle_in_step(store: HistoryStore) -> None:
    a = store.add(make())
    esc = store.append(a.id or 0, E.ack_event(MON + 2 * H, "on it"), expect=1)
    assert esc.status is Status.ACKNOWLEDGED and len(esc.events) == 2
    before = store.path.read_bytes()
    with pytest.raises(EscalationError, match="already acknowledged"):
        store.append(a.id or 0, E.ack_event(MON + 3 * H))
    with pytest.raises(StaleEditError, match="changed since"):
        store.append(a.id or 0, E.note_event(MON + 3 * H, "x"), expect=1)
    with pytest.raises(UnknownIdError):
        store.append(7, E.note_event(MON + 3 * H, "x"))
    assert store.path.read_bytes() == before  # a refused event writes nothing
    store.resolve(a.id or 0, 4, "fixed", now=MON + 5 * H)
    got = HistoryStore(store.path).get(a.id or 0)
    assert (got.resolved_at, got.satisfaction, got.resolution_note) == (MON + 5 * H, 4, "fixed")
    store.checkin(a.id or 0, MON + 6 * H)
    fresh = HistoryStore(store.path)
    assert fresh.get(a.id or 0).checkin_done_at == MON + 6 * H
    assert fresh.escalation(a.id or 0).status is Status.CLOSED
    assert [e.kind.value for e in fresh.escalation(a.id or 0).events] == [
        "created", "acknowledged", "resolved", "checked-in"]


def test_a_rescore_replaces_the_assessment_and_keeps_its_place(store: HistoryStore) -> None:
    a = store.add(make("Acme", (3, 3, 3, 3)))
    later = store.add(make("Zed", (1, 1, 1, 1), MON + H))
    up = E.reassess(a, MON + 2 * H, scores={"customer_impact": 5, "time_sensitivity": 5})
    esc = store.append(a.id or 0, E.rescore_event(MON + 2 * H, "outage", a, up), assessment=up)
    assert esc.state.verdict.total == up.total == 16 and esc.status is Status.ESCALATED
    fresh = HistoryStore(store.path)
    got = fresh.get(a.id or 0)
    assert got.total == 16 and got.decision.value == "escalate-with-urgency"
    assert got.created_at == a.created_at and got.id == a.id
    assert [x.id for x in fresh.all()] == [later.id, a.id]


def test_closed_escalations_are_skipped_without_parsing(store: HistoryStore, monkeypatch) -> None:
    items = [make(f"A{i}", at=MON + i * H) for i in range(6)]
    items.append(make("Handled", (1, 1, 1, 1), MON + 7 * H))
    saved = store.add_many(items)
    for a in saved[:4]:
        store.resolve(a.id or 0, 5, now=MON + 10 * H)
        store.checkin(a.id or 0, MON + 11 * H)
    store.resolve(5, 5, now=MON + 10 * H)  # resolved: its check-in may still fall due
    store.resolve(7, 5, now=MON + 10 * H)  # never escalated: nothing can fall due
    assert [e.id for e in store.escalations()] == [1, 2, 3, 4, 5, 6, 7]
    fresh = HistoryStore(store.path)
    parsed: list[int] = []
    real = fresh._escalation

    def counting(line: bytes):
        esc = real(line)
        parsed.append(esc.id)
        return esc

    monkeypatch.setattr(fresh, "_escalation", counting)
    assert [e.id for e in fresh.escalations(include_closed=False)] == [5, 6]
    assert parsed == [5, 6]
    assert store.path.read_bytes().count(b'": ' + QUIET_PREFIX) == 5
    assert [e.id for e in fresh.escalations(include_closed=False, since=MON + 5 * H)] == [6]


def test_add_many_takes_timelines(store: HistoryStore) -> None:
    a = make()
    events = [E.created_event(a), E.ack_event(MON + H), E.update_event(MON + 2 * H, "hi")]
    [saved] = store.add_many([a], [events])
    assert [e.kind.value for e in store.escalation(saved.id or 0).events] == [
        "created", "acknowledged", "update"]
    from triage_tui.storage import StoreError

    with pytest.raises(StoreError, match="time order"):
        store.add_many([a], [[E.created_event(a), E.ack_event(MON - H)]])


def test_markers_that_lie_are_refolded_from_the_timeline(store: HistoryStore) -> None:
    """A hand-edited record saying it is closed (watch false) while its timeline is open is
    validated afresh (the file is not the noted one) and its markers folded again."""
    store.add(make())
    text = store.path.read_text()
    assert '{"watch":true,"status":"escalated"' in text
    store.path.write_text(text.replace('{"watch":true,"status":"escalated"',
                                       '{"watch":false,"status":"closed"'))
    fresh = HistoryStore(store.path)
    assert [e.id for e in fresh.escalations(include_closed=False)] == [1]
    assert fresh.escalation(1).status is Status.ESCALATED


def test_a_record_without_a_valid_timeline_is_corrupt(store: HistoryStore) -> None:
    from triage_tui.storage import CorruptStoreError

    store.add(make())
    doc = json.loads(store.path.read_text())
    record = doc["_default"]["1"]
    record["events"] = record["events"] + [{"at": "2025-01-01T00:00:00+00:00",
                                            "kind": "acknowledged", "text": ""}]
    store.path.write_text(json.dumps(doc))
    with pytest.raises(CorruptStoreError, match="record 1 with an invalid timeline"):
        HistoryStore(store.path).get(1)
    del record["events"]
    store.path.write_text(json.dumps(doc))
    with pytest.raises(CorruptStoreError, match="without the field 'events'"):
        HistoryStore(store.path).get(1)
