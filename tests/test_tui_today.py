"""Today (F5), the escalation actions (from Today and from the detail screen), the overdue
count in every header, and TRIAGE_NOW: Pilot tests on a small history built at known times.

The history (NOW is Wednesday 2026-01-07 12:00 UTC):

- #1 Acme: product defect, escalate with urgency, saved Monday 09:00, nothing since — the
  acknowledgement (4 h) is overdue, the customer update (2 business days) is due today and
  it is stalled (2 days without progress);
- #2 Globex: handle it yourself, open since the Monday before — past the two-business-day
  rule (re-assess);
- #3 Initech: escalate for support, acknowledged, resolved yesterday 14:00 — the 48-hour
  check-in is due (not overdue);
- #4 Umbrella: escalate for support, "by when" Tuesday, acknowledged — the deadline passed;
- #5 Hooli: resolved and checked in — closed, never listed.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tui_helpers import asynctest, wait_for
from triage_tui.domain import escalation as E
from triage_tui.domain.engine import assess
from triage_tui.domain.escalation import DueKind, EventKind, Status
from triage_tui.domain.models import Draft, Scores
from triage_tui.domain.settings import Settings
from triage_tui.storage import HistoryStore
from triage_tui.tui.app import make_app

UTC = timezone.utc
MON = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # Wednesday
H = timedelta(hours=1)
D = timedelta(days=1)
DIMS = ("customer_impact", "account_value", "time_sensitivity", "csm_capability")
SCORES = {
    "handle-yourself": (1, 1, 1, 1),
    "escalate-for-support": (3, 3, 3, 3),
    "escalate-with-urgency": (4, 4, 4, 3),
}


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _add(store: HistoryStore, account: str, decision: str, type_: str = "product-defect",
         at: datetime = MON, **draft):
    scores = Scores(**dict(zip(DIMS, SCORES[decision])))
    a = assess(Draft(account=account, scores=scores, issue_type=type_, **draft), now=at)
    a = replace(a, created_at=at)
    assert a.decision.value == decision
    return store.add(a)


def build_history(path: Path) -> HistoryStore:
    store = HistoryStore(path)
    _add(store, "Acme", "escalate-with-urgency")
    _add(store, "Globex", "handle-yourself", open_since=date(2025, 12, 29))
    initech = _add(store, "Initech", "escalate-for-support", "feature-gap")
    store.append(initech.id, E.ack_event(MON + 2 * H))
    store.append(initech.id, E.resolve_event(NOW - D - 2 * H + 4 * H, 4))  # Tue 14:00
    umbrella = _add(store, "Umbrella", "escalate-for-support", "feature-gap",
                    by=date(2026, 1, 6))
    store.append(umbrella.id, E.ack_event(MON + 3 * H))
    store.append(umbrella.id, E.note_event(NOW - 2 * H, "waiting on the fix"))
    hooli = _add(store, "Hooli", "escalate-for-support", "feature-gap")
    store.append(hooli.id, E.resolve_event(MON + H, 5))
    store.append(hooli.id, E.checkin_event(MON + 2 * H))
    return store


@pytest.fixture
def history(tmp_path: Path, utc) -> tuple[Path, HistoryStore]:
    path = tmp_path / "history.json"
    return path, build_history(path)


def app_for(db: Path, now: datetime = NOW):
    return make_app(db_path=db, settings=Settings(), now=lambda: now)


def expected_due(store: HistoryStore, now: datetime = NOW) -> list[E.DueItem]:
    return E.due_items(store.escalations(), now, Settings())


async def open_today(pilot):
    await pilot.press("f5")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "loaded", False))
    await pilot.pause()
    return pilot.app.screen


async def select(pilot, screen, record_id: int, kind: DueKind | None = None) -> None:
    """Move the Today cursor to the row of ``record_id`` (and ``kind``)."""
    from textual.widgets import DataTable

    for n, item in enumerate(screen.items):
        if item.id == record_id and (kind is None or item.kind is kind):
            screen.query_one(DataTable).move_cursor(row=n, animate=False)
            await pilot.pause()
            return
    raise AssertionError(f"#{record_id} {kind} is not on the Today screen")


async def wait_dialog(pilot, name: str):
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == name)
    await pilot.pause()
    return pilot.app.screen


def last_event(store: HistoryStore, record_id: int) -> E.Event:
    return HistoryStore(store.path).escalation(record_id).events[-1]


def cells(screen) -> list[list[str]]:
    from textual.widgets import DataTable

    table = screen.query_one(DataTable)
    return [[str(c.plain if hasattr(c, "plain") else c) for c in table.get_row_at(n)]
            for n in range(table.row_count)]


# ----------------------------------------------------------------------------- the list


@asynctest
async def test_today_lists_what_is_due_most_urgent_first(history) -> None:
    path, store = history
    expected = expected_due(store)
    assert {i.kind for i in expected} >= {DueKind.ACK_OVERDUE, DueKind.UPDATE_DUE,
                                          DueKind.STALLED, DueKind.ESCALATING_LATE,
                                          DueKind.CHECKIN_DUE, DueKind.DEADLINE_PASSED}
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        assert [(i.id, i.kind) for i in screen.items] == [(i.id, i.kind) for i in expected]
        rows = cells(screen)
        assert all(row[0] != "#5" for row in rows)  # closed: never listed
        by_kind = {(item.id, item.kind): row for item, row in zip(screen.items, rows)}
        ack = by_kind[(1, DueKind.ACK_OVERDUE)]
        assert ack[1] == "Acme" and ack[2] == E.DUE_LABELS[DueKind.ACK_OVERDUE]
        assert ack[3] == "47 h late"  # Monday 13:00 → Wednesday 12:00
        assert ack[4] == "a ack"
        assert by_kind[(1, DueKind.UPDATE_DUE)][3:] == ["due today", "u update"]
        assert by_kind[(3, DueKind.CHECKIN_DUE)][3:] == ["in 26 h", "k check-in"]
        assert by_kind[(4, DueKind.DEADLINE_PASSED)][4] == "v resolve"
        assert by_kind[(2, DueKind.ESCALATING_LATE)][4] == "e re-score"
        overdue = sum(1 for i in expected if i.overdue)
        summary = str(screen.query_one("#today-summary").render())
        assert f"{overdue} overdue · {len(expected) - overdue} due" in summary


@asynctest
async def test_overdue_count_in_every_header_and_after_a_change(history) -> None:
    path, store = history
    overdue = sum(1 for i in expected_due(store) if i.overdue)
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.overdue is not None)
        assert app.overdue == overdue
        assert f"⚑ {overdue} overdue" in app.sub_title
        for key in ("f3", "f4", "f2"):  # the header of every screen shows the app's sub-title
            await pilot.press(key)
            await pilot.pause()
            assert f"⚑ {overdue} overdue" in app.screen.query_one("Header").format_title().plain
        screen = await open_today(pilot)
        await select(pilot, screen, 1, DueKind.ACK_OVERDUE)
        await pilot.press("a")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: last_event(store, 1).kind is EventKind.ACKNOWLEDGED)
        after = sum(1 for i in expected_due(HistoryStore(path)) if i.overdue)
        assert after == overdue - 2  # the acknowledgement is progress: no longer stalled
        await wait_for(pilot, lambda: app.overdue == after)
        assert f"⚑ {after} overdue" in app.sub_title


@asynctest
async def test_the_count_follows_the_clock(history) -> None:
    """Time passes: the minute timer counts again (here: the check-in becomes overdue)."""
    path, store = history
    clock = [NOW]
    app = make_app(db_path=path, settings=Settings(), now=lambda: clock[0])
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.overdue is not None)
        before = app.overdue
        clock[0] = NOW + 2 * D
        app.refresh_overdue()  # what the 60-second timer calls
        await wait_for(pilot, lambda: app.overdue != before)
        assert app.overdue == sum(1 for i in expected_due(store, clock[0]) if i.overdue)


@asynctest
async def test_nothing_due_says_so(tmp_path: Path, utc) -> None:
    app = app_for(tmp_path / "empty.json")
    async with app.run_test() as pilot:
        screen = await open_today(pilot)
        assert screen.items == []
        assert "Nothing needs you now" in str(screen.query_one("#today-summary").render())
        assert app.overdue == 0 and "overdue" not in app.sub_title


# ----------------------------------------------------------------------------- acting from Today


@asynctest
async def test_ack_from_today(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 1, DueKind.ACK_OVERDUE)
        await pilot.press("a")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press(*"team on it", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TodayScreen"
                       and (1, DueKind.ACK_OVERDUE) not in [(i.id, i.kind) for i in app.screen.items])
    event = last_event(store, 1)
    assert (event.kind, event.at, event.text) == (EventKind.ACKNOWLEDGED, NOW, "team on it")
    assert HistoryStore(path).escalation(1).status is Status.ACKNOWLEDGED


@asynctest
async def test_update_from_today_offers_the_drafted_customer_update(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 1, DueKind.UPDATE_DUE)
        await pilot.press("u")
        dialog = await wait_dialog(pilot, "EventDialog")
        draft = dialog.query_one("#event-text").text
        a, esc = store.get(1), store.escalation(1)
        assert draft == E.render_customer_update(a, esc, NOW, Settings()) and "Acme" in draft
        await pilot.press("ctrl+y")
        assert app.clipboard == draft.strip()
        dialog.query_one("#event-next").value = "2026-01-09"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: last_event(store, 1).kind is EventKind.UPDATE)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TodayScreen"
                       and (1, DueKind.UPDATE_DUE) not in [(i.id, i.kind) for i in app.screen.items])
    event = last_event(store, 1)
    assert event.text == draft.strip() and event.data == {"next": "2026-01-09"} and event.at == NOW


@asynctest
async def test_update_with_a_bad_next_date_writes_nothing(history) -> None:
    path, store = history
    before = len(store.escalation(1).events)
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 1, DueKind.UPDATE_DUE)
        await pilot.press("u")
        dialog = await wait_dialog(pilot, "EventDialog")
        for bad, words in (("2026-13-01", "not YYYY-MM-DD"), ("2026-01-06", "in the past")):
            dialog.query_one("#event-next").value = bad
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is dialog
            assert words in str(dialog.query_one(".validation").render())
        await pilot.press("escape")
        await pilot.pause()
    assert len(HistoryStore(path).escalation(1).events) == before


@asynctest
async def test_note_from_today_needs_text_and_clears_the_stall(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 1, DueKind.STALLED)
        await pilot.press("n")
        dialog = await wait_dialog(pilot, "EventDialog")
        await pilot.press("enter")  # empty: refused in the dialog
        await pilot.pause()
        assert app.screen is dialog and "needed" in str(dialog.query_one(".validation").render())
        await pilot.press(*"[b]chased eng[/b]", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TodayScreen"
                       and (1, DueKind.STALLED) not in [(i.id, i.kind) for i in app.screen.items])
    event = last_event(store, 1)
    assert (event.kind, event.text) == (EventKind.NOTE, "[b]chased eng[/b]")  # as typed


@asynctest
async def test_rescore_from_today(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 2, DueKind.ESCALATING_LATE)
        await pilot.press("e")
        dialog = await wait_dialog(pilot, "RescoreDialog")
        await pilot.press(*"customer escalated to the CEO")
        dialog.query_one("#score-customer_impact").value = "4"
        dialog.query_one("#score-time_sensitivity").value = "4"
        dialog.query_one("#score-account_value").value = "3"
        await pilot.pause()
        assert "12/20" in str(dialog.query_one("#rescore-preview").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: last_event(store, 2).kind is EventKind.RESCORED)
    fresh = HistoryStore(path)
    event = fresh.escalation(2).events[-1]
    assert event.text == "customer escalated to the CEO" and event.at == NOW
    assert event.data["before"]["total"] == 4 and event.data["after"]["total"] == 12
    assert fresh.escalation(2).status is Status.ESCALATED
    assert fresh.get(2).total == 12  # the stored assessment follows the re-score


@asynctest
async def test_resolve_from_today(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 4, DueKind.DEADLINE_PASSED)
        await pilot.press("v")
        await wait_dialog(pilot, "ResolveScreen")
        await pilot.press("4", "tab", *"fixed", "enter")
        await wait_for(pilot, lambda: last_event(store, 4).kind is EventKind.RESOLVED)
    event = last_event(store, 4)
    assert (event.data["satisfaction"], event.text, event.at) == (4, "fixed", NOW)


@asynctest
async def test_checkin_from_today_closes_it(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 3, DueKind.CHECKIN_DUE)
        await pilot.press("k")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TodayScreen"
                       and 3 not in [i.id for i in app.screen.items])
    assert HistoryStore(path).escalation(3).status is Status.CLOSED


@asynctest
async def test_deescalate_from_today(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 1)
        await pilot.press("d")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press(*"we can fix it ourselves", "enter")
        await wait_for(pilot, lambda: last_event(store, 1).kind is EventKind.DE_ESCALATED)
    assert HistoryStore(path).escalation(1).status is Status.DE_ESCALATED


@asynctest
async def test_an_action_the_status_refuses_says_why_and_opens_nothing(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 2, DueKind.ESCALATING_LATE)  # handle it yourself: no team
        await pilot.press("a")
        await wait_for(pilot, lambda: any("no routed team" in n.message
                                          for n in app._notifications))
        assert app.screen is screen
    assert last_event(store, 2).kind is EventKind.CREATED


# ----------------------------------------------------------------------------- the detail


@asynctest
async def test_detail_shows_status_next_due_and_timeline_and_acts(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 4)
        await pilot.press("enter")
        detail = await wait_dialog(pilot, "DetailScreen")
        await wait_for(pilot, lambda: detail.escalation is not None)
        await pilot.pause()
        side = str(detail.query_one("#lifecycle").render())
        assert "Status    acknowledged" in side
        assert "deadline 2026-01-06" in side and "late" in side  # the most overdue first
        timeline = str(detail.query_one("#timeline").render()).splitlines()
        assert "created" in timeline[0] and "acknowledged" in timeline[1]
        assert "note" in timeline[2] and "waiting on the fix" in timeline[3]
        assert detail.check_action("act", ("ack",)) is False  # already acknowledged
        await pilot.press("n")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press(*"fix deployed", "enter")
        await wait_for(pilot, lambda: app.screen is detail and detail.escalation is not None
                       and detail.escalation.events[-1].text == "fix deployed")
        await pilot.pause()
        assert "fix deployed" in str(detail.query_one("#timeline").render())
        await pilot.press("v")
        await wait_dialog(pilot, "ResolveScreen")
        await pilot.press("5", "ctrl+s")
        await wait_for(pilot, lambda: app.screen is detail and detail.escalation is not None
                       and detail.escalation.status is Status.RESOLVED)
        await pilot.pause()
        assert "Status    resolved" in str(detail.query_one("#lifecycle").render())
        assert "check-in" in str(detail.query_one("#lifecycle").render())
        await pilot.press("k")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: detail.escalation is not None
                       and detail.escalation.status is Status.CLOSED)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TodayScreen"
                       and 4 not in [i.id for i in app.screen.items])
    kinds = [e.kind for e in HistoryStore(path).escalation(4).events]
    assert kinds[-3:] == [EventKind.NOTE, EventKind.RESOLVED, EventKind.CHECKED_IN]


@asynctest
async def test_detail_keys_ack_update_rescore(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 1)
        await pilot.press("enter")
        detail = await wait_dialog(pilot, "DetailScreen")
        await wait_for(pilot, lambda: detail.escalation is not None)
        assert "Status    escalated" in str(detail.query_one("#lifecycle").render())
        await pilot.press("a")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is detail and detail.escalation.status
                       is Status.ACKNOWLEDGED)
        await pilot.press("u")
        dialog = await wait_dialog(pilot, "EventDialog")
        dialog.query_one("#event-text").text = "We found the cause."
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is detail
                       and detail.escalation.events[-1].kind is EventKind.UPDATE)
        await pilot.press("e")
        dialog = await wait_dialog(pilot, "RescoreDialog")
        await pilot.press(*"calmer now")
        dialog.query_one("#score-customer_impact").value = "3"
        dialog.query_one("#score-account_value").value = "3"
        dialog.query_one("#score-time_sensitivity").value = "3"
        dialog.query_one("#score-csm_capability").value = "3"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is detail
                       and detail.escalation.events[-1].kind is EventKind.RESCORED)
        await pilot.pause()
        assert detail.assessment.total == 12
        assert "12/20" in str(detail.query_one("#detail-title").render())
        assert "(improving)" in str(detail.query_one("#lifecycle").render())
        assert "15→12/20" in str(detail.query_one("#timeline").render())


# ----------------------------------------------------------------------------- TRIAGE_NOW


@asynctest
async def test_triage_now_is_the_tuis_time(history, monkeypatch: pytest.MonkeyPatch) -> None:
    path, store = history
    monkeypatch.setenv("TRIAGE_NOW", "2026-01-07T12:00:00+00:00")
    app = make_app(db_path=path, settings=Settings())  # the CLI's way: no `now` given
    assert app.now() == NOW
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        assert [(i.id, i.kind) for i in screen.items] == [
            (i.id, i.kind) for i in expected_due(store)]
        assert "as of Wed 07 Jan 2026 12:00" in str(screen.query_one("#today-summary").render())
        await select(pilot, screen, 1, DueKind.STALLED)
        await pilot.press("n")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press(*"frozen", "enter")
        await wait_for(pilot, lambda: last_event(store, 1).kind is EventKind.NOTE)
    assert last_event(store, 1).at == NOW  # stamped with TRIAGE_NOW, not the wall clock


@asynctest
async def test_history_shows_the_escalation_status(history) -> None:
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        await select(pilot, screen, 1, DueKind.ACK_OVERDUE)
        await pilot.press("a")
        await wait_dialog(pilot, "EventDialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: last_event(store, 1).kind is EventKind.ACKNOWLEDGED)
        await pilot.press("f3")
        await wait_for(pilot, lambda: getattr(app.screen, "complete", False))
        await pilot.pause()
        statuses = {r.id: r.status for r in app.screen.rows()}
    assert statuses == {1: "acknowledged", 2: "open", 3: "resolved", 4: "acknowledged",
                        5: "closed"}


@asynctest
async def test_a_long_list_shows_the_most_urgent_and_says_so(history, monkeypatch) -> None:
    from textual.widgets import DataTable

    from triage_tui.tui.screens import today

    monkeypatch.setattr(today, "MAX_ROWS", 2)
    path, store = history
    app = app_for(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(pilot)
        assert screen.query_one(DataTable).row_count == 2
        assert [c[0] for c in cells(screen)] == [f"#{i.id}" for i in expected_due(store)[:2]]
        assert "the 2 most urgent shown" in str(screen.query_one("#today-summary").render())
        assert app.overdue == sum(1 for i in expected_due(store) if i.overdue)  # all counted


# ----------------------------------------------------------------------------- refused (domain)


@pytest.mark.parametrize("kind", [k for k in EventKind if k is not EventKind.CREATED])
def test_refused_answers_what_apply_would(history, kind: EventKind) -> None:
    """The screens offer an action only when the domain would take it: ``refused`` is None
    exactly when ``apply`` accepts the event, else it is apply's own sentence."""
    path, store = history
    for esc in store.escalations():
        a = store.get(esc.id)
        event = {
            EventKind.ACKNOWLEDGED: lambda: E.ack_event(NOW),
            EventKind.UPDATE: lambda: E.update_event(NOW, "still on it"),
            EventKind.NOTE: lambda: E.note_event(NOW, "progress"),
            EventKind.RESCORED: lambda: E.rescore_event(NOW, "same facts", a, a),
            EventKind.DE_ESCALATED: lambda: E.deescalate_event(NOW, "back to me"),
            EventKind.RESOLVED: lambda: E.resolve_event(NOW, 4),
            EventKind.CHECKED_IN: lambda: E.checkin_event(NOW),
        }[kind]()
        why = E.refused(esc, kind)
        try:
            esc.apply(event)
        except E.EscalationError as exc:
            assert why == str(exc), (esc.status, kind)
        else:
            assert why is None, (esc.status, kind)
