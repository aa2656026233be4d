"""``stats`` over a period reads each record's review row and escalation facts derived
once and kept outside the history (``HistoryStore.derived``, ``readmodel.load_review``).
These properties compare that path with the straightforward one — every record validated,
every timeline replayed — on random histories: cold, warm, after changes, under other
settings and another time zone."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from triage_tui.cli import main
from triage_tui.domain import escalation as E
from triage_tui.domain.review import (
    build_escalation_review,
    build_review,
    escalation_review_from_facts,
)
from triage_tui.domain.rubric import Decision, Dimension, IssueType
from triage_tui.domain.settings import Settings
from triage_tui.readmodel import load_review
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
OTHER_RULES = Settings(ack_hours={IssueType.PRODUCT_DEFECT: 1, IssueType.SERVICE_FAILURE: 30},
                       update_days={Decision.ESCALATE_FOR_SUPPORT: 1},
                       stall_days={Decision.ESCALATE_WITH_URGENCY: 1})


def random_history(seed: int, count: int) -> tuple[list, list]:
    """``count`` assessments over the 60 days before NOW, each with a random timeline:
    acknowledgements, updates (some promising a date), notes, re-scores up and down,
    de-escalations, resolutions and check-ins, whatever the rules allow."""
    rng = random.Random(seed)
    items, timelines = [], []
    for a in demo_assessments(count, NOW, seed=seed, span_days=60):
        a = replace(a, resolved_at=None, satisfaction=None, resolution_note="",
                    checkin_done_at=None)
        esc = E.Escalation(id=None, account=a.account, events=(E.created_event(a),))
        at = a.created_at
        for _ in range(rng.randrange(12)):
            at += timedelta(hours=rng.choice([1, 3, 20, 50, 130]))
            if at > NOW:
                break
            kind = rng.choice(["ack", "update", "note", "rescore", "deescalate", "resolve",
                               "checkin"])
            try:
                if kind == "rescore":
                    after = E.reassess(a, at, scores={
                        d: rng.randint(1, 5) for d in Dimension if rng.random() < 0.6})
                    event = E.rescore_event(at, "changed", a, after)
                    esc, a = esc.apply(event), after
                    continue
                event = {
                    "ack": lambda: E.ack_event(at),
                    "update": lambda: E.update_event(at, "sent", rng.choice(
                        [None, (at + timedelta(days=rng.randint(1, 6))).date()])),
                    "note": lambda: E.note_event(at, "noted"),
                    "deescalate": lambda: E.deescalate_event(at, "ours again"),
                    "resolve": lambda: E.resolve_event(at, rng.randint(1, 5)),
                    "checkin": lambda: E.checkin_event(at),
                }[kind]()
                esc = esc.apply(event)
            except E.EscalationError:
                continue
        items.append(a)
        timelines.append(esc.events)
    return items, timelines


def straightforward(store: HistoryStore, now: datetime, days: int, rules: Settings
                    ) -> tuple[dict, dict]:
    """Every record validated, every timeline replayed."""
    return (build_review(store.all(), now, days).to_dict(json_safe=True),
            build_escalation_review(store.escalations(), now, rules, days).to_dict(json_safe=True))


def fast(store: HistoryStore, now: datetime, days: int, rules: Settings) -> tuple[dict, dict]:
    """What ``triage stats`` does for a period."""
    rows, facts = load_review(store, now, now - timedelta(days=days), rules)
    return (build_review(rows, now, days).to_dict(json_safe=True),
            escalation_review_from_facts(facts, now, rules, days).to_dict(json_safe=True))


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), count=st.integers(0, 40),
       days=st.sampled_from([0, 1, 7, 30, 45, 90]),
       hours_later=st.integers(0, 24 * 20),
       offset=st.sampled_from([0, -8, 5.5, 13]))
def test_the_kept_review_equals_the_straightforward_one(
    seed: int, count: int, days: int, hours_later: int, offset: float,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore(Path(tmp) / "history.json", notes=Path(tmp) / "notes")
        items, timelines = random_history(seed, count)
        if items:
            store.add_many(items, timelines)
        tz = timezone(timedelta(hours=offset))
        now = (NOW + timedelta(hours=hours_later)).astimezone(tz)
        expected = straightforward(store, now, days, Settings())
        assert fast(store, now, days, Settings()) == expected  # derived and kept
        assert fast(HistoryStore(store.path, notes=store._notes.directory), now, days,
                    Settings()) == expected  # read back from what was kept
        # other rules and another time zone are never answered from the kept facts
        assert fast(store, now, days, OTHER_RULES) == straightforward(store, now, days,
                                                                      OTHER_RULES)
        utc_now = now.astimezone(timezone.utc)
        assert fast(store, utc_now, days, Settings()) == straightforward(
            store, utc_now, days, Settings())
        # a change (a record's timeline, a new record, a deletion) is seen by the next review
        rng = random.Random(seed)
        if items:
            doc_id = rng.choice([e.id for e in store.escalations()])
            for event in (E.resolve_event(now, 2), E.checkin_event(now),
                          E.note_event(now, "again")):
                try:
                    store.append(doc_id, event)
                    break
                except E.EscalationError:
                    continue
        more, more_timelines = random_history(seed + 1, 3)
        store.add_many(more, more_timelines)
        if count > 2:
            store.delete(rng.choice([e.id for e in store.escalations()]))
        later = now + timedelta(hours=rng.randint(0, 72))
        fresh = HistoryStore(store.path, notes=store._notes.directory)
        assert fast(fresh, later, days, Settings()) == straightforward(
            fresh, later, days, Settings())


def test_stats_json_is_the_same_cold_warm_and_after_a_change(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """Through the real entry point: ``stats --json`` (a period) against the review
    computed straightforwardly, before and after the kept facts exist and after an
    acknowledgement changes one timeline."""
    db = tmp_path / "history.json"
    items, timelines = random_history(7, 60)
    HistoryStore(db).add_many(items, timelines)
    monkeypatch.setenv("TRIAGE_NOW", NOW.isoformat())

    def stats() -> str:
        assert main(["--db", str(db), "stats", "--json"]) == 0
        return capsys.readouterr().out

    def expected() -> dict:
        import json

        store = HistoryStore(db)
        review, lifecycle = straightforward(store, NOW, 30, Settings())
        return json.loads(json.dumps({**review, "lifecycle": lifecycle}))

    import json

    cold = stats()
    assert json.loads(cold) == expected()
    assert stats() == cold  # warm: from the kept facts
    store = HistoryStore(db)
    target = next(e for e in store.escalations() if e.status is E.Status.ESCALATED
                  and e.state.created_at >= NOW - timedelta(days=30))
    store.append(target.id, E.ack_event(NOW))
    changed = stats()
    assert changed != cold and json.loads(changed) == expected()


def _quiet(esc: E.Escalation) -> bool:
    """Nothing can fall due any more: closed, or resolved without ever being escalated."""
    return esc.status is E.Status.CLOSED or (
        esc.status is E.Status.RESOLVED and esc.state.escalated_at is None)


@hsettings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(0, 40))
def test_due_reads_the_escalations_a_full_pass_finds(seed: int, count: int) -> None:
    """``due`` (``escalations(include_closed=False)``) takes the records that can still
    fall due from what was kept for the file; after every change it finds what a pass over
    every record finds, in a new process as in the one that wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        notes = Path(tmp) / "notes"
        writer = HistoryStore(Path(tmp) / "history.json", notes=notes)
        items, timelines = random_history(seed, count)
        if items:
            writer.add_many(items, timelines)
        rng = random.Random(seed)
        for step in range(5):
            for store in (writer, HistoryStore(writer.path, notes=notes)):
                expected = [e for e in store.escalations() if not _quiet(e)]
                assert store.escalations(include_closed=False) == expected
                assert E.due_items(store.escalations(include_closed=False), NOW) == \
                    E.due_items(expected, NOW)
            at = NOW + timedelta(minutes=step)
            ids = [e.id for e in writer.escalations()]
            if step % 2 == 0 or not ids:  # one appended at the end: no line moves
                newest = replace(items[0] if items else demo_assessments(1, NOW)[0],
                                 created_at=at + timedelta(seconds=1))
                writer.add_many([newest], [[E.created_event(newest)]])
            else:  # one timeline changed (close, resolve or acknowledge), older ones added
                for event in (E.checkin_event(at), E.resolve_event(at, 3), E.ack_event(at)):
                    try:
                        writer.append(rng.choice(ids), event)
                    except E.EscalationError:
                        pass
                more, more_timelines = random_history(seed + step + 1, 2)
                writer.add_many(more, more_timelines)
