"""The lead's review screen (F4) on the team server: a table per CSM and the accounts
escalated by more than one CSM, for the period chosen, the same numbers as ``triage
stats``; a CSM and a history file see no team section. Against the real throwaway
PostgreSQL of tests/pg_server.py, set up through the CLI as an admin would.

Snapshot: pytest tests/test_team_review_tui.py --snapshot-update (after an intended change).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pg_server import TeamDB
from textual.content import Content
from test_team_cli import ok, save, team  # noqa: F401 (team: the fixture)
from tui_helpers import asynctest, wait_for

from triage_tui.domain.escalation import ack_event, update_event
from triage_tui.domain.review import CsmFigures
from triage_tui.domain.settings import Settings
from triage_tui.storage.team import TeamStore
from triage_tui.tui.app import make_app
from triage_tui.tui.widgets.team_table import TeamTable, sort_csms

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)  # a Friday
ACME = "[b]Acme[/b] EU [@click=app.quit]x[/]"  # markup in an account: shown as typed


def _at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setenv("TRIAGE_NOW", moment.isoformat())


@pytest.fixture
def history(team: TeamDB, capsys: pytest.CaptureFixture[str],  # noqa: F811
            monkeypatch: pytest.MonkeyPatch) -> TeamDB:
    """Team A (alice, bob, lena the lead) and carol in team B, escalations at fixed times:

    30 days: alice Globex (acked in 2 h, an update on time, resolved 4/5) and Initech
    (nothing since: stalled, its update missed); bob Globex (acked in 6 h: late) and a
    handled one (not an escalation); lena Umbrella (acked in 1 h). 31-90 days: alice and
    bob each escalated ACME. carol's Globex is another team's."""
    def saved(user: str, account: str, age: timedelta, scores: tuple[int, int, int, int]) -> int:
        _at(monkeypatch, NOW - age)
        return save(capsys, team.url(user), account, scores)

    urgency, support = (5, 5, 4, 3), (3, 3, 3, 3)
    a_globex = saved("alice", "Globex", timedelta(days=5), urgency)
    saved("alice", "Initech", timedelta(days=3), (4, 4, 3, 3))
    b_globex = saved("bob", "Globex", timedelta(days=4), urgency)
    saved("bob", "Small Co", timedelta(days=2), (1, 1, 1, 5))
    l_umbrella = saved("lena", "Umbrella", timedelta(days=1), (4, 4, 4, 3))
    a_acme = saved("alice", ACME, timedelta(days=40), support)
    b_acme = saved("bob", ACME, timedelta(days=60), support)
    saved("carol", "Globex", timedelta(days=2), urgency)
    monkeypatch.delenv("TRIAGE_NOW")
    with TeamStore(team.url("alice")) as alice:
        start = alice.get(a_globex).created_at
        alice.append(a_globex, ack_event(start + timedelta(hours=2)))
        alice.append(a_globex, update_event(start + timedelta(hours=3), "on it"))
        alice.resolve(a_globex, 4, now=start + timedelta(hours=5))
        start = alice.get(a_acme).created_at
        alice.append(a_acme, ack_event(start + timedelta(hours=30)))
        alice.resolve(a_acme, 3, now=start + timedelta(days=3))
    with TeamStore(team.url("bob")) as bob:
        start = bob.get(b_globex).created_at
        bob.append(b_globex, ack_event(start + timedelta(hours=6)))
        start = bob.get(b_acme).created_at
        bob.append(b_acme, ack_event(start + timedelta(hours=1)))
        bob.resolve(b_acme, 2, now=start + timedelta(days=2))
    with TeamStore(team.url("lena")) as lena:
        start = lena.get(l_umbrella).created_at
        lena.append(l_umbrella, ack_event(start + timedelta(hours=1)))
    return team


def app_for(db: str | Path):
    return make_app(db_path=db, settings=Settings(), now=lambda: NOW)


async def open_review(pilot):
    await pilot.press("f4")
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "review", None) is not None, 30)
    await pilot.pause()
    return app.screen


async def choose(pilot, screen, key: str, days: int | None) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: screen.review is not None
                   and screen.review.period_days == days
                   and (screen.team is None or screen.team.period_days == days), 30)
    await pilot.pause()


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one("#team-table", TeamTable)
    return [[cell.plain for cell in table.get_row_at(n)] for n in range(table.row_count)]


def shared_text(screen) -> str:
    return str(screen.query_one("#card-shared").render())


def stats_team(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
               url: str, *period: str) -> dict | None:
    _at(monkeypatch, NOW)
    data = json.loads(ok(capsys, "--db", url, "stats", "--json", *period))
    monkeypatch.delenv("TRIAGE_NOW")
    return data.get("team")


# ----------------------------------------------------------------------------- the screen


@asynctest
async def test_a_lead_sees_the_team_per_csm_and_the_shared_accounts(history: TeamDB) -> None:
    app = app_for(history.url("lena"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        assert screen.period == "p30"
        assert screen.query_one("#review-team").display
        title = screen.query_one("#card-team").border_title
        assert "Team A" in title and "per CSM" in title
        # most escalations first, then by name; the figures of the 30 days
        assert table_rows(screen) == [
            ["alice", "2", "2.0 h", "0", "1/2 50%", "1", "4.0/5 (1)"],
            ["bob", "1", "6.0 h", "1", "0/1 0%", "1", "—"],
            ["lena", "1", "1.0 h", "0", "—", "0", "—"],
        ]
        shared = shared_text(screen)
        assert "Globex" in shared and "alice, bob" in shared
        assert "Acme" not in shared  # escalated 40 and 60 days ago
        assert screen.review.escalations == 4  # the cards cover the team (not carol's)
        # the table is reachable from the keyboard: t, then ↓ moves the cursor (shown
        # while the table has focus)
        table = screen.query_one("#team-table", TeamTable)
        assert not table.show_cursor
        await pilot.press("t")
        assert app.focused is table and table.show_cursor
        await pilot.press("down")
        assert table.current().csm == "bob"


@asynctest
async def test_the_period_changes_the_team_section(history: TeamDB) -> None:
    app = app_for(history.url("lena"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        await choose(pilot, screen, "2", 90)
        assert table_rows(screen) == [
            ["alice", "3", "16.0 h", "1", "1/2 50%", "1", "3.5/5 (2)"],
            ["bob", "2", "3.5 h", "1", "0/1 0%", "1", "2.0/5 (1)"],
            ["lena", "1", "1.0 h", "0", "—", "0", "—"],
        ]
        shared = shared_text(screen)
        assert "Globex" in shared and "Acme" in shared
        assert ACME in shared  # as typed: the markup is text, not bold, not a link
        await choose(pilot, screen, "1", 30)
        assert [row[:2] for row in table_rows(screen)] == [["alice", "2"], ["bob", "1"],
                                                           ["lena", "1"]]
        assert "Acme" not in shared_text(screen)


@asynctest
async def test_the_screen_shows_the_numbers_stats_prints(
        history: TeamDB, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    lead = history.url("lena")
    expected = {period: stats_team(capsys, monkeypatch, lead, *argv)
                for period, argv in (("p30", ()), ("p90", ("--days", "90")),
                                     ("pall", ("--all",)))}
    app = app_for(lead)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        for key, period, days in (("1", "p30", 30), ("2", "p90", 90), ("4", "pall", None)):
            await choose(pilot, screen, key, days)
            shown = screen.team.to_dict(json_safe=True)
            assert shown == expected[period], period
            # and the table draws those figures, one row per CSM
            rows = {row[0]: row for row in table_rows(screen)}
            for c in expected[period]["csms"]:
                assert rows[c["csm"]][1] == str(c["escalations"])
                assert rows[c["csm"]][3] == str(c["acks_late"])
                assert rows[c["csm"]][5] == str(c["stalled"])


@asynctest
async def test_a_csm_and_a_history_file_see_no_team_section(
        history: TeamDB, tmp_path: Path) -> None:
    for db in (history.url("alice"), history.url("carol"), tmp_path / "history.json"):
        app = app_for(db)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_review(pilot)
            assert screen.team is None, db
            assert not screen.query_one("#review-team").display, db
            assert not screen.check_action("focus_team", ())  # t does nothing, not in the footer
            await pilot.press("t")
            assert app.focused is not screen.query_one("#team-table")


@asynctest
async def test_the_team_table_sorts_by_keys_and_headers(history: TeamDB) -> None:
    app = app_for(history.url("lena"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        await pilot.press("t")
        table = screen.query_one("#team-table", TeamTable)
        assert [c.csm for c in table.csms] == ["alice", "bob", "lena"]
        await pilot.press("down")  # the cursor stays on bob through the sorts
        await pilot.press("s")  # the next column: ack median, slowest first
        assert table.sort_key == "ack"
        assert [c.csm for c in table.csms] == ["bob", "alice", "lena"]
        assert table.current().csm == "bob"
        assert "Ack median ▼" in str(table.columns[table.ordered_columns[2].key].label)
        await pilot.press("S")  # reversed: fastest first
        assert [c.csm for c in table.csms] == ["lena", "alice", "bob"]
        assert table.current().csm == "bob"
        table.post_message(TeamTable.HeaderSelected(
            table, table.ordered_columns[0].key, 0, table.ordered_columns[0].label))
        await pilot.pause()
        assert table.sort_key == "csm" and [c.csm for c in table.csms] == ["alice", "bob", "lena"]


@asynctest
async def test_team_and_user_names_are_shown_as_typed_never_markup(
        team_db: TeamDB, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pg_server import pw_of

    from triage_tui.storage.team import add_member, init_team

    init_team(team_db.admin_url)
    team_name, eve, mal = "[i]ops[/i]", "[b]eve[/b]", "[@click=app.quit]mal[/]"
    for user, lead in (("lee", True), (eve, False), (mal, False)):
        add_member(team_db.admin_url, user, team_name, lead=lead, password=pw_of(user))
    _at(monkeypatch, NOW - timedelta(days=2))
    for user in (eve, mal):
        save(capsys, team_db.url(user), "Globex", (5, 5, 4, 3))
    monkeypatch.delenv("TRIAGE_NOW")
    app = app_for(team_db.url("lee"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        assert sorted(row[0] for row in table_rows(screen)) == sorted([eve, mal])
        title = screen.query_one("#card-team").border_title  # as markup, escaped
        assert Content.from_markup(title).plain == f"Team {team_name} · escalations per CSM"
        assert f"{eve}, {mal}" in shared_text(screen) or f"{mal}, {eve}" in shared_text(screen)
        await pilot.pause()
        assert app.is_running  # nothing clicked app.quit


# ----------------------------------------------------------------------------- sorting rules


def _csm(name: str, escalations: int, ack: float | None) -> CsmFigures:
    return CsmFigures(csm=name, escalations=escalations, acknowledged=int(ack is not None),
                      median_hours_to_ack=ack, acks_late=0, updates=0, updates_on_time=0,
                      updates_missed=0, updates_on_time_pct=None, stalled=0,
                      satisfaction_rated=0, satisfaction_average=None)


def test_sorting_puts_missing_figures_last_and_ties_by_name() -> None:
    csms = [_csm("zoe", 2, None), _csm("Bob", 2, 5.0), _csm("amy", 1, 1.0)]
    assert [c.csm for c in sort_csms(csms, "escalations")] == ["Bob", "zoe", "amy"]
    assert [c.csm for c in sort_csms(csms, "ack")] == ["Bob", "amy", "zoe"]
    assert [c.csm for c in sort_csms(csms, "ack", reverse=True)] == ["amy", "Bob", "zoe"]
    assert [c.csm for c in sort_csms(csms, "csm")] == ["amy", "Bob", "zoe"]


# ----------------------------------------------------------------------------- snapshot


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def _lead_review(pilot) -> None:
    pilot.app.cursor_blink = False
    await pilot.press("f4")
    for _ in range(3000):
        screen = pilot.app.screen
        if getattr(screen, "loaded", False) and getattr(screen, "team", None) is not None:
            break
        await pilot.pause(0.01)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_lead_review_screen_120x40(snap_compare, history: TeamDB, utc) -> None:
    assert snap_compare(app_for(history.url("lena")), terminal_size=(120, 40),
                        run_before=_lead_review)


def test_lead_review_screen_80x24(snap_compare, history: TeamDB, utc) -> None:
    assert snap_compare(app_for(history.url("lena")), terminal_size=(80, 24),
                        run_before=_lead_review)
