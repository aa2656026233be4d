"""TeamStore, the team server's read/write operations, against a real PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from pg_server import TeamDB, pw_of

from triage_tui.domain.escalation import EscalationError, note_event, rescore_event
from triage_tui.domain.rubric import Decision
from triage_tui.readmodel import term_hints
from triage_tui.storage import UnknownIdError
from triage_tui.storage.demo import demo_assessments
from triage_tui.storage.team import (
    NotYoursError,
    StaleEditError,
    TeamServerError,
    TeamStore,
    add_member,
    init_team,
)

NOW = datetime.now(timezone.utc).replace(microsecond=0)  # after every demo record


def unresolved(a):  # noqa: ANN001, ANN201 - a demo record still in progress
    return replace(a, resolved_at=None, satisfaction=None, resolution_note="",
                   checkin_done_at=None)


@pytest.fixture
def team(team_db: TeamDB) -> TeamDB:
    init_team(team_db.admin_url)
    for user, team_name, lead in (("alice", "A", False), ("bob", "A", False),
                                  ("lena", "A", True), ("carol", "B", False)):
        add_member(team_db.admin_url, user, team_name, lead=lead, password=pw_of(user))
    return team_db


def test_add_get_and_query_newest_first(team: TeamDB) -> None:
    items = demo_assessments(30)
    with TeamStore(team.url("alice")) as store:
        saved = store.add_many(items)
        assert [a.id for a in saved] == sorted(a.id for a in saved)
        first = saved[0]
        assert store.get(first.id) == first  # the whole assessment comes back
        newest = sorted(saved, key=lambda a: (a.created_at, a.id), reverse=True)
        assert [a.id for a in store.query()] == [a.id for a in newest]
        assert [a.id for a in store.query(limit=5)] == [a.id for a in newest[:5]]
        assert store.query(limit=0) == []
        account = items[3].account
        assert [a.id for a in store.query(account=account.upper()[2:8])] == \
            [a.id for a in newest if account.upper()[2:8].casefold() in a.account.casefold()]
        urgent = [a.id for a in newest if a.decision == Decision.ESCALATE_WITH_URGENCY]
        assert urgent and [a.id for a in store.query(decision="escalate-with-urgency")] == urgent
        docs = store.documents(limit=3)
        assert [d["id"] for d in docs] == [a.id for a in newest[:3]]
        assert docs[0]["account"] == newest[0].account and "owner" not in docs[0]
        since = newest[9].created_at
        assert [d["id"] for d in store.documents(since=since)] == \
            [a.id for a in newest if a.created_at >= since]
        assert store.count() == 30


def test_text_search_is_literal_and_reaches_every_text(team: TeamDB) -> None:
    a, b, c = demo_assessments(3)
    a = replace(a, situation="Export fails with 100% CPU")
    b = replace(b, rationale=replace(b.rationale, csm_capability="needs the_DBA team"))
    with TeamStore(team.url("alice")) as store:
        ids = [x.id for x in store.add_many([a, b, c])]
        assert [x.id for x in store.query(text="100%")] == [ids[0]]
        assert [x.id for x in store.query(text="the_dba")] == [ids[1]]
        assert store.query(text="1_0") == [] and store.query(text="%") != []


def test_lead_lists_the_team_newest_first_across_members(team: TeamDB) -> None:
    items = sorted(demo_assessments(12), key=lambda a: a.created_at)
    for n, user in enumerate(("alice", "bob", "lena", "carol")):
        with TeamStore(team.url(user)) as store:
            store.add_many(items[n::4])
    with TeamStore(team.url("lena")) as lena:
        listed = lena.query(limit=5)
        team_a = sorted(items[:], key=lambda a: a.created_at, reverse=True)
        team_a = [a for a in team_a if items.index(a) % 4 != 3]
        assert [a.created_at for a in listed] == [a.created_at for a in team_a[:5]]
        assert len(lena.query()) == 9
        assert {r.owner for r in map(lena.record, (a.id for a in lena.query()))} == \
            {"alice", "bob", "lena"}
        assert len(lena.query(owner="bob")) == 3


def test_append_event_with_a_stale_version_is_refused(team: TeamDB) -> None:
    with TeamStore(team.url("alice")) as mine, TeamStore(team.url("alice")) as other_window:
        esc = mine.add(unresolved(demo_assessments(1)[0]))
        seen = mine.record(esc.id)
        assert seen.version == 1
        v2 = other_window.append_event(esc.id, "note", "called them", at=NOW,
                                       expected_version=seen.version)
        assert v2 == 2
        with pytest.raises(StaleEditError) as exc:
            mine.append_event(esc.id, "update", "sent the update", at=NOW,
                              expected_version=seen.version)
        assert str(exc.value).startswith(f"escalation {esc.id} changed since you read it")
        assert "\n" not in str(exc.value)
        kinds = [e["kind"] for e in mine.events(esc.id)]
        assert kinds == ["created", "note"]  # nothing of the stale edit was written
        assert mine.record(esc.id).version == 2
        assert mine.append_event(esc.id, "update", "sent it", at=NOW, expected_version=2) == 3


def test_concurrent_appends_lose_nothing(team: TeamDB) -> None:
    with TeamStore(team.url("alice")) as store:
        esc = store.add(unresolved(demo_assessments(1)[0]))
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with TeamStore(team.url("alice")) as mine:
                for i in range(10):
                    mine.append_event(esc.id, "note", f"{n}-{i}", at=NOW)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with TeamStore(team.url("alice")) as store:
        notes = sorted(e["text"] for e in store.events(esc.id) if e["kind"] == "note")
        assert notes == sorted(f"{n}-{i}" for n in range(4) for i in range(10))
        assert store.record(esc.id).version == 41


def test_rescore_replaces_the_document_and_keeps_the_timeline(team: TeamDB) -> None:
    first = unresolved(next(a for a in demo_assessments(20) if not a.decision.escalates))
    other = next(a for a in demo_assessments(20) if a.decision.escalates)
    with TeamStore(team.url("alice")) as store:
        esc = store.add(first)
        assert store.record(esc.id).status == "open"
        rescored = replace(other, account=first.account, resolved_at=None, satisfaction=None,
                           checkin_done_at=None)
        after = store.append(esc.id, rescore_event(NOW, "facts changed", first, rescored),
                             expect=1, assessment=rescored)
        assert after.status.value == "escalated"  # up into an escalating band
        row = store.record(esc.id)
        assert (row.assessment.total, row.assessment.decision) == (other.total, other.decision)
        assert row.status == "escalated" and row.version == 2
        event = store.events(esc.id)[1]
        assert event["kind"] == "rescored" and event["data"]["before"]["total"] == first.total
        with pytest.raises(TeamServerError):
            store.append_event(esc.id, "edited", "no such kind")
        with pytest.raises(EscalationError, match="needs its text"):  # the domain's rule
            store.append(esc.id, note_event(NOW, " "))
        assert store.record(esc.id).version == 2


def test_resolve_then_checkin_closes_it(team: TeamDB) -> None:
    escalating = next(unresolved(a) for a in demo_assessments(20) if a.decision.escalates)
    with TeamStore(team.url("alice")) as store:
        esc = store.add(escalating)
        with pytest.raises(TeamServerError, match="not resolved yet"):
            store.checkin(esc.id, now=NOW)
        done = store.resolve(esc.id, 4, "fixed in 2.3", now=NOW)
        assert (done.satisfaction, done.resolved_at, done.resolution_note) == (4, NOW, "fixed in 2.3")
        with pytest.raises(TeamServerError, match="already resolved"):
            store.resolve(esc.id, 5, now=NOW)
        with pytest.raises(TeamServerError, match="satisfaction must be 1-5"):
            store.resolve(esc.id, 6, now=NOW)
        later = NOW + timedelta(days=2)
        closed = store.checkin(esc.id, now=later)
        assert closed.checkin_done_at == later
        assert store.checkin(esc.id, now=later + timedelta(days=1)).checkin_done_at == later
        row = store.record(esc.id)
        assert row.status == "closed" and row.version == 3
        assert [e["kind"] for e in store.events(esc.id)] == ["created", "resolved", "checked-in"]


def test_delete_only_own(team: TeamDB) -> None:
    with TeamStore(team.url("alice")) as alice:
        mine = alice.add(demo_assessments(1)[0])
    with TeamStore(team.url("lena")) as lena:
        assert lena.get(mine.id) == mine  # the lead sees it…
        with pytest.raises(NotYoursError, match=f"escalation {mine.id} belongs to alice"):
            lena.delete(mine.id)  # …but may not delete it
        with pytest.raises(NotYoursError):
            lena.append_event(mine.id, "note", "lead's note")
    with TeamStore(team.url("carol")) as carol:
        with pytest.raises(UnknownIdError):
            carol.delete(mine.id)  # another team's: not even there
    with TeamStore(team.url("alice")) as alice:
        alice.delete(mine.id)
        with pytest.raises(UnknownIdError):
            alice.get(mine.id)
        with pytest.raises(UnknownIdError):
            alice.events(mine.id)
    with psycopg.connect(team.admin_url) as conn:  # its timeline went with it
        assert conn.execute("SELECT count(*) FROM triage.events WHERE escalation_id = %s",
                            (mine.id,)).fetchone()[0] == 0


def test_same_origin_twice_stores_nothing_twice(team: TeamDB) -> None:
    items = demo_assessments(3)
    keys = [f"local:{n}" for n in range(3)]
    with TeamStore(team.url("bob")) as bob:
        first = bob.add_many(items, origins=keys)
        events = sum(len(bob.events(a.id)) for a in first)
        again = bob.add_many(items, origins=keys)
        assert [a.id for a in again] == [a.id for a in first]
        assert bob.count() == 3
        assert sum(len(bob.events(a.id)) for a in first) == events >= 3


def test_team_choice(team: TeamDB) -> None:
    add_member(team.admin_url, "carol", "A")  # carol is now in A and B
    item = demo_assessments(1)[0]
    with TeamStore(team.url("carol")) as carol:
        with pytest.raises(TeamServerError, match=r"several teams \(A, B\)"):
            carol.add(item)
        assert carol.record(carol.add(item, team="A").id).team == "A"
        with pytest.raises(TeamServerError, match="not a member of team C"):
            carol.add(item, team="C")


def test_signature_changes_with_every_visible_change(team: TeamDB) -> None:
    with TeamStore(team.url("alice")) as alice, TeamStore(team.url("lena")) as lena, \
            TeamStore(team.url("carol")) as carol:
        esc = alice.add(unresolved(demo_assessments(1)[0]))
        seen = [alice.signature(), lena.signature()]
        carol.add(demo_assessments(1)[0])  # another team: nothing alice or lena sees
        assert [alice.signature(), lena.signature()] == seen
        alice.append_event(esc.id, "note", "progress")
        assert alice.signature() != seen[0] and lena.signature() != seen[1]
        seen = [alice.signature(), lena.signature()]
        alice.delete(esc.id)
        assert alice.signature() != seen[0] and lena.signature() != seen[1]


def test_followups_are_resolved_escalations_without_checkin(team: TeamDB) -> None:
    items = [replace(a, resolved_at=None, satisfaction=None, checkin_done_at=None)
             for a in demo_assessments(12)]
    with TeamStore(team.url("alice")) as store:
        saved = store.add_many(items)
        escalating = [a for a in saved if a.decision.escalates][:3]
        handled = next(a for a in saved if not a.decision.escalates)
        for a in [*escalating, handled]:
            store.resolve(a.id, 3, now=NOW)
        store.checkin(escalating[0].id, now=NOW)
        assert {a.id for a in store.followups()} == {a.id for a in escalating[1:]}
        assert {d["id"] for d in store.followup_documents()} == {a.id for a in escalating[1:]}
        assert store.check() == 12 and store.exists()


def test_escalations_by_id_are_those_the_member_sees(team: TeamDB) -> None:
    with TeamStore(team.url("alice")) as alice, TeamStore(team.url("lena")) as lena, \
            TeamStore(team.url("carol")) as carol:
        mine = alice.add_many([unresolved(a) for a in demo_assessments(3)])
        alice.add(demo_assessments(1)[0])  # not asked for
        carol.add(demo_assessments(1)[0])
        alice.append_event(mine[1].id, "note", "progress")
        ids = [a.id for a in mine]
        page = lena.escalations(ids=[*ids, 10_000])  # the lead: the team's; no such id
        assert sorted((e.id, e.events) for e in page) == sorted(
            (i, alice.escalation(i).events) for i in ids)
        assert {lena.owner_of[i] for i in ids} == {"alice"}
        assert carol.escalations(ids=ids) == []  # another team's: nothing


def test_importing_the_team_backend_loads_no_driver_or_ui() -> None:
    import subprocess
    import sys

    code = ("import sys, triage_tui.storage.team; "
            "assert 'psycopg' not in sys.modules and 'textual' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_a_refused_change_is_one_line_and_writes_nothing(team: TeamDB) -> None:
    with TeamStore(team.url("alice")) as store:
        esc = store.add(unresolved(demo_assessments(1)[0]))
        bad = replace(esc, total=99)
        with pytest.raises(TeamServerError) as exc:  # the server's CHECK on total
            store.append(esc.id, rescore_event(NOW, "bad", esc, esc), expect=1, assessment=bad)
        assert "\n" not in str(exc.value) and "refused" in str(exc.value)
        assert store.record(esc.id).version == 1
        assert [e["kind"] for e in store.events(esc.id)] == ["created"]


def _plans(store: TeamStore, read) -> list[str]:  # noqa: ANN001
    """The plans of the SELECTs ``read(store)`` sends, as this member (so under row-level
    security), sequential scans off: which index each can use, whatever the table's size."""
    sent: list[tuple[str, object]] = []
    execute = psycopg.Cursor.execute

    def record(cur, query, params=None, **kw):  # noqa: ANN001, ANN202
        if str(query).lstrip().startswith(("SELECT", "(SELECT")):
            sent.append((query, params))
        return execute(cur, query, params, **kw)

    store.conn  # noqa: B018 - connected (its own queries are not the read's)
    psycopg.Cursor.execute = record  # type: ignore[method-assign]
    try:
        read(store)
    finally:
        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    with psycopg.connect(store.url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        return ["\n".join(r[0] for r in conn.execute("EXPLAIN " + q, p).fetchall())
                for q, p in sent]


@pytest.mark.parametrize("user,read,indexes", [
    ("alice", lambda s: s.escalations(include_closed=False), ["escalations_owner_watch"]),
    ("lena", lambda s: s.escalations(include_closed=False, owner="lena"),
     ["escalations_owner_watch"]),
    ("lena", lambda s: s.escalations(include_closed=False), ["escalations_team_watch"]),
    ("lena", lambda s: s.followup_documents(), ["escalations_team_watch"]),
    ("alice", lambda s: s.query(limit=20), ["escalations_owner_created"]),
    ("lena", lambda s: s.query(limit=20), ["escalations_team_created"]),
    ("lena", lambda s: s.escalations(ids=[1, 2]), ["escalations_pkey", "events_escalation"]),
    ("lena", lambda s: (s.signature(), s.count()), ["counts_team"]),
    # the history screen's keyset pages (filtered on the server), each scope by its index
    ("alice", lambda s: s.history_page(None, 100), ["escalations_owner_created"]),
    ("lena", lambda s: s.history_page((datetime(2030, 1, 1, tzinfo=timezone.utc), 10**6), 100,
                                      term_hints("north march")),
     ["escalations_owner_created", "escalations_team_created"]),
])
def test_reads_use_an_index_under_row_level_security(team: TeamDB, user: str, read,  # noqa: ANN001
                                                     indexes: list[str]) -> None:
    """due, the Today screen, the follow-ups, a history page and "anything new?" read what
    they need through an index (the policies must not defeat them): their cost follows
    what they return, not the size of the history."""
    for who in ("alice", "bob", "lena"):
        with TeamStore(team.url(who)) as store:
            store.add_many(demo_assessments(6))
    with TeamStore(team.url(user)) as store:
        plans = _plans(store, read)
    assert plans, "the read sent no query"
    text = "\n".join(plans)
    for index in indexes:
        assert index in text, text
    assert "Seq Scan on escalations" not in text and "Seq Scan on events" not in text, text
    if indexes == ["counts_team"]:  # counted by the trigger: never the escalations
        assert "escalations" not in text and "events" not in text, text
